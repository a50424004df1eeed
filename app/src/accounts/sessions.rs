//! Login sessions: the session's number and a random secret in an HttpOnly
//! cookie, the secret's SHA-256 digest in the database. A session is first
//! `awaiting_otp` (password accepted), then `active` under a new secret
//! once a code from a device is accepted; it remembers that device, so
//! removing the device ends the session.

use crate::platform::crypto::{SecretToken, presented_token_digest};
use crate::platform::request::CookieName;
use crate::platform::state::Settings;

/// A session cookie's value as presented, `{id}.{secret}`: the number
/// finds the row, and the secret's digest must be the row's. (The number
/// is the key rather than the digest so that a login, which replaces the
/// secret, rewrites the row in place instead of moving its index entry.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKey {
    pub id: i64,
    pub digest: Vec<u8>,
}

impl SessionKey {
    /// `None` for anything that is not a number and a well-formed secret:
    /// such a cookie cannot name a session and is never looked up.
    pub fn parse(cookie_value: &str) -> Option<Self> {
        let (id, secret) = cookie_value.split_once('.')?;
        // Digits only (`parse` alone would take a sign), few enough for an i64.
        if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Self {
            id: id.parse().ok()?,
            digest: presented_token_digest(secret)?,
        })
    }
}

/// The cookie value of session `id` with `secret`.
pub fn cookie_value(id: i64, secret: &SecretToken) -> String {
    format!("{id}.{}", secret.text)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_value_names_its_session_and_the_digest_of_its_secret() {
        let secret = SecretToken::generate();
        let key = SessionKey::parse(&cookie_value(42, &secret)).unwrap();
        assert_eq!(
            key,
            SessionKey {
                id: 42,
                digest: secret.digest
            }
        );
    }

    #[test]
    fn a_value_without_a_number_or_a_well_formed_secret_names_no_session() {
        let secret = SecretToken::generate().text;
        for value in [
            secret.clone(),
            format!(".{secret}"),
            format!("-1.{secret}"),
            format!("+1.{secret}"),
            format!("1x.{secret}"),
            format!("9999999999999999999.{secret}"),
            "1.short".to_string(),
            format!("1.{secret}."),
            String::new(),
        ] {
            assert_eq!(SessionKey::parse(&value), None, "{value}");
        }
    }
}
