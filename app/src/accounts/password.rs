//! Password hashing with Argon2id (OWASP's first choice), PHC strings in the
//! database.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use super::types::NewPassword;

pub fn hash(password: &NewPassword) -> String {
    Argon2::default()
        .hash_password(password.as_str().as_bytes())
        .expect("Argon2 with default parameters hashes any password")
        .to_string()
}

/// The stored hash of an account without a password of its own here
/// (signers imported from AMS): no password matches it.
pub const NO_PASSWORD: &str = "!";

pub fn verify(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        // Answer as slowly as a real check, so that timing does not tell
        // which accounts have no password.
        Err(_) => {
            spend_equal_time(password);
            false
        }
    }
}

/// A hash to verify against when the email is unknown, so that answering
/// "wrong email" takes as long as answering "wrong password".
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash(&NewPassword::parse("tidak-ada-akun-ini").expect("long enough")));

pub fn spend_equal_time(password: &str) {
    let _ = verify(password, &DUMMY_HASH);
}

/// Argon2 is CPU-bound for tens of milliseconds: keep it off the async workers.
pub async fn verify_off_thread(password: String, stored_hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match stored_hash {
        Some(hash) => verify(&password, &hash),
        None => {
            spend_equal_time(&password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let password = NewPassword::parse("kata-sandi-rahasia").unwrap();
        let a = hash(&password);
        let b = hash(&password);
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("kata-sandi-rahasia", &a));
        assert!(!verify("kata-sandi-salah", &a));
        assert!(!verify("kata-sandi-rahasia", "not a hash"));
        assert!(!verify("", NO_PASSWORD));
        assert!(!verify(NO_PASSWORD, NO_PASSWORD));
    }
}
