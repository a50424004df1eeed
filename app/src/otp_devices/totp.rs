//! RFC 6238 time-based codes: HMAC-SHA1, 6 digits, 30-second steps (the
//! Google Authenticator defaults every app understands).

use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Builder, Totp};

use super::types::{OtpCode, STEP_SECONDS};
use crate::platform::crypto::random_bytes;
use crate::time::UnixTime;

/// Steps either side of "now" that are still accepted (clock skew, typing time).
pub const ACCEPTED_SKEW_STEPS: i64 = 1;
/// How far to look for a code from a phone whose clock is off, only to say so.
pub const DRIFT_SEARCH_STEPS: i64 = 10;
/// 160 bits, the size RFC 4226 recommends and authenticator apps expect.
pub const SECRET_BYTES: usize = 20;

/// A TOTP shared secret. `Debug` never prints it.
#[derive(Clone)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    pub fn generate() -> Self {
        Self(random_bytes::<SECRET_BYTES>().to_vec())
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 base32 without padding, as typed into an authenticator.
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }

    /// The key in groups of four for reading aloud or typing: `ABCD EFGH …`.
    pub fn to_grouped_base32(&self) -> String {
        self.to_base32()
            .as_bytes()
            .chunks(4)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`,
    /// the key URI format authenticator apps import from a QR code or a link.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let label = format!("{}:{}", uri_encode(issuer), uri_encode(account));
        format!(
            "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
            self.to_base32(),
            uri_encode(issuer)
        )
    }

    fn totp(&self, digits: usize) -> Totp {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(digits as u8)
            .with_step_duration(STEP_SECONDS as u64)
            .with_secret(self.0.clone())
            .build_noncompliant()
    }

    /// The code for a time step, with `digits` digits (6 in this system; the
    /// RFC's test vectors use 8).
    pub fn code_for_step(&self, step: i64, digits: usize) -> String {
        self.totp(digits)
            .generate(step.max(0) as u64 * STEP_SECONDS as u64)
            .to_string()
    }

    /// The step within `window` steps of `now` whose code is `code`, nearest first.
    pub fn matching_step(&self, code: &OtpCode, now: UnixTime, window: i64) -> Option<i64> {
        let totp = self.totp(super::types::OTP_DIGITS);
        let current = step_at(now);
        std::iter::once(0)
            .chain((1..=window).flat_map(|d| [-d, d]))
            .map(|offset| current + offset)
            .filter(|step| *step >= 0)
            .find(|step| {
                let expected = totp
                    .generate(*step as u64 * STEP_SECONDS as u64)
                    .to_string();
                bool::from(expected.as_bytes().ct_eq(code.as_str().as_bytes()))
            })
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

pub fn step_at(time: UnixTime) -> i64 {
    time.secs().div_euclid(STEP_SECONDS)
}

/// Percent-encodes everything outside RFC 3986's unreserved set.
fn uri_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows: the 20-byte ASCII seed "1234…890".
    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        let vectors: [(i64, &str); 6] = [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ];
        for (time, expected) in vectors {
            assert_eq!(
                secret.code_for_step(step_at(UnixTime::from_secs(time)), 8),
                expected,
                "T = {time}"
            );
        }
    }

    #[test]
    fn six_digit_codes_are_the_last_six_of_the_rfc_values() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        assert_eq!(
            secret.code_for_step(step_at(UnixTime::from_secs(59)), 6),
            "287082"
        );
        assert_eq!(
            secret.code_for_step(step_at(UnixTime::from_secs(1111111109)), 6),
            "081804"
        );
    }

    #[test]
    fn matching_step_accepts_the_neighbouring_steps_only() {
        let secret = TotpSecret::generate();
        let now = UnixTime::from_secs(1_800_000_015);
        let step = step_at(now);
        let code = |s: i64| OtpCode::parse(&secret.code_for_step(s, 6)).unwrap();
        assert_eq!(secret.matching_step(&code(step), now, 1), Some(step));
        assert_eq!(
            secret.matching_step(&code(step - 1), now, 1),
            Some(step - 1)
        );
        assert_eq!(
            secret.matching_step(&code(step + 1), now, 1),
            Some(step + 1)
        );
        assert_eq!(secret.matching_step(&code(step - 2), now, 1), None);
        assert_eq!(
            secret.matching_step(&code(step + 4), now, DRIFT_SEARCH_STEPS),
            Some(step + 4)
        );
    }

    #[test]
    fn secrets_are_160_bits_and_base32() {
        let secret = TotpSecret::generate();
        assert_eq!(secret.as_bytes().len(), 20);
        assert_eq!(secret.to_base32().len(), 32);
        assert_eq!(secret.to_grouped_base32().split(' ').count(), 8);
        assert_ne!(secret.as_bytes(), TotpSecret::generate().as_bytes());
        assert_eq!(format!("{secret:?}"), "TotpSecret(..)");
    }

    #[test]
    fn otpauth_uri_names_issuer_account_and_parameters() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        assert_eq!(
            secret.otpauth_uri("BSrE", "budi@bssn.go.id"),
            "otpauth://totp/BSrE:budi%40bssn.go.id?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=BSrE&algorithm=SHA1&digits=6&period=30"
        );
        assert!(
            secret
                .otpauth_uri("BSrE Kominfo", "a@b.id")
                .starts_with("otpauth://totp/BSrE%20Kominfo:")
        );
    }
}
