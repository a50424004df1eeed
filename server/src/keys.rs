//! The master key: configured, or generated once into the data directory
//! with owner-only permissions.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, bail};
use app::platform::crypto::{MASTER_KEY_LEN, random_bytes};

pub const KEY_FILE: &str = "secret.key";

pub fn load_or_generate(configured: &str, data_dir: &Path) -> anyhow::Result<[u8; MASTER_KEY_LEN]> {
    if !configured.is_empty() {
        return parse(configured).context("TPO_SECRET_KEY must be 64 hex characters (32 bytes)");
    }
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        let mode = fs::metadata(&path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "the key file is readable by other users; run chmod 600 on it");
        }
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        return parse(text.trim())
            .with_context(|| format!("{} does not hold a 64-hex-character key", path.display()));
    }
    let key: [u8; MASTER_KEY_LEN] = random_bytes();
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    writeln!(file, "{}", hex::encode(key))?;
    tracing::warn!(
        path = %path.display(),
        "no secret key configured: generated a new one. Back it up: without it, stored OTP secrets cannot be read."
    );
    Ok(key)
}

fn parse(text: &str) -> anyhow::Result<[u8; MASTER_KEY_LEN]> {
    let bytes = hex::decode(text)?;
    match <[u8; MASTER_KEY_LEN]>::try_from(bytes.as_slice()) {
        Ok(key) => Ok(key),
        Err(_) => bail!("expected {MASTER_KEY_LEN} bytes, got {}", bytes.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_is_owner_only_and_stable() {
        let dir =
            std::env::temp_dir().join(format!("tpo-key-{}", hex::encode(random_bytes::<6>())));
        fs::create_dir_all(&dir).unwrap();
        let first = load_or_generate("", &dir).unwrap();
        let second = load_or_generate("", &dir).unwrap();
        assert_eq!(first, second);
        let mode = fs::metadata(dir.join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn configured_key_must_be_32_bytes_of_hex() {
        assert!(load_or_generate(&"ab".repeat(32), Path::new("/nonexistent")).is_ok());
        assert!(load_or_generate("abcd", Path::new("/nonexistent")).is_err());
        assert!(load_or_generate(&"zz".repeat(32), Path::new("/nonexistent")).is_err());
    }
}
