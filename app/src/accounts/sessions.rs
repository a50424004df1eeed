//! Login sessions: a random token in an HttpOnly cookie, its SHA-256 digest
//! in the database. A session is first `awaiting_otp` (password accepted),
//! then `active` under a new token once a code from a device is accepted; it
//! remembers that device, so removing the device ends the session.

use crate::platform::request::CookieName;
use crate::platform::state::Settings;

const SESSION_COOKIE: CookieName = CookieName {
    plain: "tpo_sesi",
    host_only: "__Host-tpo_sesi",
};

/// The session cookie's name: `__Host-tpo_sesi` on https.
pub fn cookie_name(settings: &Settings) -> &'static str {
    SESSION_COOKIE.on(settings)
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
