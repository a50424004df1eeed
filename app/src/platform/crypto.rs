//! Key material and the few primitives built on it.
//!
//! Each 32-byte master key version (configured, or generated into the data
//! directory) is expanded with HKDF into independent keys per purpose, so a
//! leak of one derived key does not expose the others. The versions form a
//! ring: the newest seals, every one opens (see `master_key::rotation`).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const MASTER_KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
/// The fixed message of the key-check value (see [`Keys::key_checks`]).
const KEY_CHECK_LABEL: &[u8] = b"tambah-perangkat-otp master key check v1";

/// A master key's version: the first byte of every value sealed under it.
/// A key file from before versions holds version 1.
pub type KeyVersion = u8;

/// The keys derived from one master key version.
struct Derived {
    version: KeyVersion,
    sealing: Aes256Gcm,
    nik_mac_key: [u8; 32],
    signing_key: [u8; 32],
    ticket_number_key: [u8; 32],
    key_check: [u8; 32],
}

impl Derived {
    fn from_master(version: KeyVersion, master: &[u8; MASTER_KEY_LEN]) -> Self {
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
            version,
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

    fn nik_digest(&self, nik_digits: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.nik_mac_key)
            .expect("HMAC takes any key length");
        mac.update(nik_digits);
        mac.finalize().into_bytes().to_vec()
    }

    fn sign(&self, purpose: &str, message: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.signing_key)
            .expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }
}

/// The key ring: every master key version the server was given. The newest
/// seals, digests and signs; every version opens and verifies what was made
/// under it, so a rotation (`server rotate-key`) can re-seal while the
/// server keeps working.
pub struct Keys {
    /// Ascending by version, never empty.
    ring: Vec<Derived>,
}

#[derive(Debug, thiserror::Error)]
#[error("sealed value cannot be opened (wrong key, wrong owner or tampered)")]
pub struct OpenError;

impl Keys {
    /// One master key, as version 1.
    pub fn from_master(master: &[u8; MASTER_KEY_LEN]) -> Self {
        Self::from_versions(&[(1, *master)])
    }

    /// Several versions (a rotation under way, or the versions kept until
    /// retired). Panics on an empty list.
    pub fn from_versions(masters: &[(KeyVersion, [u8; MASTER_KEY_LEN])]) -> Self {
        let mut ring: Vec<Derived> = masters
            .iter()
            .map(|(version, master)| Derived::from_master(*version, master))
            .collect();
        ring.sort_by_key(|d| d.version);
        ring.dedup_by_key(|d| d.version);
        assert!(!ring.is_empty(), "a key ring holds at least one key");
        Self { ring }
    }

    fn current(&self) -> &Derived {
        self.ring.last().expect("never empty")
    }

    fn version(&self, version: KeyVersion) -> Option<&Derived> {
        self.ring.iter().find(|d| d.version == version)
    }

    /// The version that seals now: the newest.
    pub fn current_version(&self) -> KeyVersion {
        self.current().version
    }

    /// Encrypts `plaintext`, binding it to `owner` (for example a device id)
    /// so that a sealed value copied onto another row does not open.
    pub fn seal(&self, owner: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let current = self.current();
        let nonce_bytes: [u8; NONCE_LEN] = random_bytes();
        let nonce = Nonce::try_from(&nonce_bytes[..]).expect("nonce is 12 bytes");
        let ciphertext = current
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
        sealed.push(current.version);
        sealed.extend_from_slice(&nonce_bytes);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Opens a value sealed under any version of the ring.
    pub fn open(&self, owner: &[u8], sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        let (&version, rest) = sealed.split_first().ok_or(OpenError)?;
        let derived = self.version(version).ok_or(OpenError)?;
        if rest.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| OpenError)?;
        derived
            .sealing
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: owner,
                },
            )
            .map_err(|_| OpenError)
    }

    /// A keyed digest of a NIK's digits under the current version: equal
    /// NIKs match, but the table alone cannot be reversed by trying all
    /// 10^16 numbers.
    pub fn nik_digest(&self, nik_digits: &[u8]) -> Vec<u8> {
        self.current().nik_digest(nik_digits)
    }

    /// The NIK's digest under every version, the current first: what a
    /// lookup matches while a rotation re-digests the stored ones.
    pub fn nik_digests(&self, nik_digits: &[u8]) -> Vec<Vec<u8>> {
        self.ring
            .iter()
            .rev()
            .map(|d| d.nik_digest(nik_digits))
            .collect()
    }
}

impl Keys {
    /// A tag proving the server wrote `message` for `purpose` (short-lived cookies).
    pub fn sign(&self, purpose: &str, message: &[u8]) -> Vec<u8> {
        self.current().sign(purpose, message)
    }

    /// Whether `tag` was made by [`Keys::sign`] under any version of the ring.
    pub fn verify(&self, purpose: &str, message: &[u8], tag: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        self.ring
            .iter()
            .any(|d| bool::from(d.sign(purpose, message).ct_eq(tag)))
    }

    pub fn ticket_number_key(&self) -> [u8; 32] {
        self.current().ticket_number_key
    }

    /// What the database stores to recognise each master key version: a MAC
    /// of a fixed label, which tells keys apart without revealing them.
    pub fn key_checks(&self) -> impl Iterator<Item = (KeyVersion, &[u8])> {
        self.ring.iter().map(|d| (d.version, &d.key_check[..]))
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
        let check_of = |keys: &Keys| keys.key_checks().next().unwrap().1.to_vec();
        let check = check_of(&keys());
        assert_eq!(check, check_of(&keys()), "stable for one key");
        assert_ne!(check, check_of(&Keys::from_master(&[8u8; 32])));
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
        assert!(keys.open(b"o", &[9; 40]).is_err(), "an unknown version");
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
    fn a_ring_seals_with_the_newest_and_opens_every_version() {
        let old = keys();
        let ring = Keys::from_versions(&[(2, [8u8; 32]), (1, [7u8; 32])]);
        assert_eq!(ring.current_version(), 2);
        let sealed_before = old.seal(b"o", b"secret");
        assert_eq!(ring.open(b"o", &sealed_before).unwrap(), b"secret");
        let sealed_now = ring.seal(b"o", b"secret");
        assert_eq!(sealed_now[0], 2);
        assert!(
            old.open(b"o", &sealed_now).is_err(),
            "the old key alone cannot"
        );
        let new_only = Keys::from_versions(&[(2, [8u8; 32])]);
        assert_eq!(new_only.open(b"o", &sealed_now).unwrap(), b"secret");
        assert!(new_only.open(b"o", &sealed_before).is_err());
        let nik = b"3201011508900001";
        assert_eq!(
            ring.nik_digests(nik),
            [new_only.nik_digest(nik), old.nik_digest(nik)]
        );
        let tag = old.sign("cookie", b"m");
        assert!(
            ring.verify("cookie", b"m", &tag),
            "cookies signed before still verify"
        );
        assert!(!new_only.verify("cookie", b"m", &tag));
    }

    #[test]
    fn tokens_are_long_and_stored_as_digest() {
        let token = SecretToken::generate();
        assert_eq!(token.text.len(), 43);
        assert_eq!(token.digest, token_digest(&token.text));
        assert_ne!(token.text, SecretToken::generate().text);
    }
}
