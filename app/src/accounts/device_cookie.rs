//! Device cookies (OWASP "Blocking Brute Force Attacks"): after a full
//! login (password and code) the browser gets a cookie signed with a key
//! derived from the master key, naming the account, a random nonce and when
//! it was issued. A login that presents a valid one for that account spends
//! the cookie's own failure budget instead of its address's and the
//! account's, so strangers' failures never slow the owner's known browser.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::ids::AccountId;
use crate::platform::crypto::{Keys, random_bytes};
use crate::platform::request::CookieName;
use crate::platform::state::Settings;
use crate::time::UnixTime;

const PURPOSE: &str = "device-cookie/v1";
/// How long a browser stays known without logging in again.
pub const MAX_AGE_SECONDS: i64 = 365 * 86_400;

const DEVICE_COOKIE: CookieName = CookieName {
    plain: "tpo_perangkat",
    host_only: "__Host-tpo_perangkat",
};

/// The cookie's name: `__Host-tpo_perangkat` on https, like the session cookie.
pub fn cookie_name(settings: &Settings) -> &'static str {
    DEVICE_COOKIE.on(settings)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCookie {
    pub account_id: AccountId,
    nonce: String,
    issued_at: UnixTime,
}

impl DeviceCookie {
    pub fn issue(account_id: &AccountId, now: UnixTime) -> Self {
        Self {
            account_id: account_id.clone(),
            nonce: hex::encode(random_bytes::<16>()),
            issued_at: now,
        }
    }

    fn payload(&self) -> String {
        format!(
            "{}|{}|{}",
            self.account_id,
            self.nonce,
            self.issued_at.secs()
        )
    }

    /// The cookie's value: the payload and its tag, both base64url.
    pub fn encode(&self, keys: &Keys) -> String {
        let payload = self.payload();
        let tag = keys.sign(PURPOSE, payload.as_bytes());
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// A cookie this server issued, not older than a year; anything else
    /// (forged, altered, expired, garbage) is no cookie.
    pub fn parse(keys: &Keys, value: &str, now: UnixTime) -> Option<Self> {
        let (payload, tag) = value.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if !keys.verify(PURPOSE, &payload, &tag) {
            return None;
        }
        let payload = String::from_utf8(payload).ok()?;
        let mut parts = payload.split('|');
        let account_id = AccountId::parse(parts.next()?)?;
        let nonce = parts.next()?.to_string();
        let issued_at = UnixTime::from_secs(parts.next()?.parse().ok()?);
        (parts.next().is_none() && issued_at + MAX_AGE_SECONDS > now).then_some(Self {
            account_id,
            nonce,
            issued_at,
        })
    }

    /// The key of this cookie's failure counter (and lockout list entry).
    pub fn counter_key(&self) -> String {
        format!("device_cookie:{}", self.nonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = UnixTime::from_secs(1_795_856_415);

    #[test]
    fn only_an_unaltered_unexpired_cookie_of_this_key_is_valid() {
        let keys = Keys::from_master(&[7u8; 32]);
        let account = AccountId::generate();
        let cookie = DeviceCookie::issue(&account, NOW);
        let value = cookie.encode(&keys);
        assert_eq!(
            DeviceCookie::parse(&keys, &value, NOW),
            Some(cookie.clone())
        );
        assert_eq!(
            DeviceCookie::parse(&keys, &value, NOW + MAX_AGE_SECONDS),
            None
        );
        let other_key = Keys::from_master(&[8u8; 32]);
        assert_eq!(DeviceCookie::parse(&other_key, &value, NOW), None);
        let (_, tag) = value.split_once('.').unwrap();
        let forged = DeviceCookie::issue(&AccountId::generate(), NOW);
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(forged.payload()));
        assert_eq!(DeviceCookie::parse(&keys, &forged, NOW), None);
        for garbage in ["", ".", "abc", "a.b.c", "%%%.%%%"] {
            assert_eq!(DeviceCookie::parse(&keys, garbage, NOW), None);
        }
        assert_ne!(
            DeviceCookie::issue(&account, NOW).counter_key(),
            cookie.counter_key()
        );
    }
}
