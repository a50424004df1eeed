//! Login sessions: a random token in an HttpOnly cookie, its SHA-256 digest
//! in the database. A session is first `awaiting_otp` (password accepted),
//! then `active` under a new token once a code from a device is accepted; it
//! remembers that device, so removing the device ends the session.

use crate::platform::state::Settings;

/// The session cookie's name. On https `__Host-tpo_sesi`: browsers keep a
/// cookie with that prefix only if it is `Secure`, for the whole site and
/// without `Domain`, so no other host (a sibling subdomain) can plant or
/// overwrite it. Browsers refuse the prefix on plain http, so local
/// development on loopback uses the plain name.
pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies {
        "__Host-tpo_sesi"
    } else {
        "tpo_sesi"
    }
}
/// Time to type the OTP code after the password.
pub const AWAITING_OTP_SECONDS: i64 = 5 * 60;
/// How long a fresh code confirms sensitive actions on /akun.
pub const CONFIRMATION_SECONDS: i64 = 10 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    AwaitingOtp,
    Active,
}

crate::text_enum::text_enum!(Stage { AwaitingOtp => "awaiting_otp", Active => "active" });
