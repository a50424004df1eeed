//! Key material and the few primitives built on it.
//!
//! One 32-byte master key (configured, or generated into the data directory)
//! is expanded with HKDF into independent keys per purpose, so a leak of one
//! derived key does not expose the others.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const MASTER_KEY_LEN: usize = 32;
/// First byte of every sealed value, so keys can be rotated later.
const SEAL_KEY_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
/// The fixed message of the key-check value (see [`Keys::key_check`]).
const KEY_CHECK_LABEL: &[u8] = b"tambah-perangkat-otp master key check v1";

pub struct Keys {
    sealing: Aes256Gcm,
    nik_mac_key: [u8; 32],
    signing_key: [u8; 32],
    ticket_number_key: [u8; 32],
    key_check: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
#[error("sealed value cannot be opened (wrong key, wrong owner or tampered)")]
pub struct OpenError;

impl Keys {
    pub fn from_master(master: &[u8; MASTER_KEY_LEN]) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(b"tambah-perangkat-otp"), master);
        let derive = |purpose: &[u8]| {
            let mut key = [0u8; 32];
            hkdf.expand(purpose, &mut key)
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            key
        };
        let mut sealing_key = derive(b"seal/aes-256-gcm/v1");
        let sealing = Aes256Gcm::new_from_slice(&sealing_key).expect("key is 32 bytes");
        sealing_key.fill(0);
        Self {
            sealing,
            nik_mac_key: derive(b"nik/hmac-sha256/v1"),
            signing_key: derive(b"sign/hmac-sha256/v1"),
            ticket_number_key: derive(b"ticket-number/feistel/v1"),
            key_check: {
                let mut mac =
                    <Hmac<Sha256> as Mac>::new_from_slice(&derive(b"key-check/hmac-sha256/v1"))
                        .expect("HMAC takes any key length");
                mac.update(KEY_CHECK_LABEL);
                mac.finalize().into_bytes().into()
            },
        }
    }

    /// Encrypts `plaintext`, binding it to `owner` (for example a device id)
    /// so that a sealed value copied onto another row does not open.
    pub fn seal(&self, owner: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce_bytes: [u8; NONCE_LEN] = random_bytes();
        let nonce = Nonce::try_from(&nonce_bytes[..]).expect("nonce is 12 bytes");
        let ciphertext = self
            .sealing
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: owner,
                },
            )
            .expect("AES-GCM encryption of a short value cannot fail");
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(SEAL_KEY_VERSION);
        sealed.extend_from_slice(&nonce_bytes);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    pub fn open(&self, owner: &[u8], sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        let (&version, rest) = sealed.split_first().ok_or(OpenError)?;
        if version != SEAL_KEY_VERSION || rest.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| OpenError)?;
        self.sealing
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: owner,
                },
            )
            .map_err(|_| OpenError)
    }

    /// A keyed digest of a NIK's digits: equal NIKs match, but the table
    /// alone cannot be reversed by trying all 10^16 numbers.
    pub fn nik_digest(&self, nik_digits: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.nik_mac_key)
            .expect("HMAC takes any key length");
        mac.update(nik_digits);
        mac.finalize().into_bytes().to_vec()
    }
}

impl Keys {
    /// A tag proving the server wrote `message` for `purpose` (short-lived cookies).
    pub fn sign(&self, purpose: &str, message: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.signing_key)
            .expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }

    pub fn verify(&self, purpose: &str, message: &[u8], tag: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(self.sign(purpose, message).ct_eq(tag))
    }

    pub fn ticket_number_key(&self) -> [u8; 32] {
        self.ticket_number_key
    }

    /// What the database stores to recognise this master key: a MAC of a
    /// fixed label, which tells keys apart without revealing them.
    pub fn key_check(&self) -> &[u8] {
        &self.key_check
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    bytes
}

/// A bearer secret (link or session token): the text goes to its holder, the
/// database keeps only the SHA-256 digest.
pub struct SecretToken {
    pub text: String,
    pub digest: Vec<u8>,
}

impl SecretToken {
    pub fn generate() -> Self {
        let text = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
        let digest = token_digest(&text);
        Self { text, digest }
    }
}

pub fn token_digest(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

/// The digest to look up a token that came back in a link, if the text has
/// the shape [`SecretToken::generate`] gives (43 base64url characters).
/// Anything else, a mangled or forged link, cannot exist and is never looked up.
pub fn presented_token_digest(text: &str) -> Option<Vec<u8>> {
    let well_formed = text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| token_digest(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_master(&[7u8; 32])
    }

    #[test]
    fn sealed_values_open_only_for_their_owner() {
        let keys = keys();
        let sealed = keys.seal(b"device-1", b"secret");
        assert_eq!(keys.open(b"device-1", &sealed).unwrap(), b"secret");
        assert!(keys.open(b"device-2", &sealed).is_err());
        assert!(
            Keys::from_master(&[8u8; 32])
                .open(b"device-1", &sealed)
                .is_err()
        );
    }

    #[test]
    fn the_key_check_tells_keys_apart_without_showing_them() {
        let check = keys().key_check().to_vec();
        assert_eq!(check, keys().key_check(), "stable for one key");
        assert_ne!(check, Keys::from_master(&[8u8; 32]).key_check());
        assert_ne!(check, [7u8; 32]);
        assert_ne!(
            check,
            keys().sign("", b""),
            "not a signature anyone can ask for"
        );
    }

    #[test]
    fn tampered_or_short_values_do_not_open() {
        let keys = keys();
        let mut sealed = keys.seal(b"o", b"secret");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(keys.open(b"o", &sealed).is_err());
        assert!(keys.open(b"o", &[]).is_err());
        assert!(keys.open(b"o", &[1, 2, 3]).is_err());
    }

    #[test]
    fn sealing_twice_uses_fresh_nonces() {
        let keys = keys();
        assert_ne!(keys.seal(b"o", b"secret"), keys.seal(b"o", b"secret"));
    }

    #[test]
    fn nik_digest_is_keyed_and_stable() {
        let nik = b"3201011508900001";
        assert_eq!(keys().nik_digest(nik), keys().nik_digest(nik));
        assert_ne!(
            keys().nik_digest(nik),
            keys().nik_digest(b"3201011508900002")
        );
        assert_ne!(
            keys().nik_digest(nik),
            Keys::from_master(&[8u8; 32]).nik_digest(nik)
        );
    }

    #[test]
    fn signatures_bind_purpose_and_message() {
        let keys = keys();
        let tag = keys.sign("cookie", b"budi@bssn.go.id");
        assert!(keys.verify("cookie", b"budi@bssn.go.id", &tag));
        assert!(!keys.verify("other", b"budi@bssn.go.id", &tag));
        assert!(!keys.verify("cookie", b"siti@bssn.go.id", &tag));
        assert!(!Keys::from_master(&[8u8; 32]).verify("cookie", b"budi@bssn.go.id", &tag));
    }

    #[test]
    fn tokens_are_long_and_stored_as_digest() {
        let token = SecretToken::generate();
        assert_eq!(token.text.len(), 43);
        assert_eq!(token.digest, token_digest(&token.text));
        assert_ne!(token.text, SecretToken::generate().text);
    }
}
