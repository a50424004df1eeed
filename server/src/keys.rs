//! The master key: configured, or read from the key file in the data
//! directory, or generated there once, for an empty database only. The
//! database records a check value of the key; a server given another key, or
//! none for a database that already holds sealed data, refuses to start.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use app::platform::crypto::{Keys, MASTER_KEY_LEN, random_bytes};
use app::platform::db::Db;
use app::platform::master_key::{self, KeyCheck};
use app::time::UnixTime;

pub const KEY_FILE: &str = "secret.key";

/// Where the key in use came from, as an operator would look for it.
enum Source {
    Configured,
    File(PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Configured => f.write_str("TPO_SECRET_KEY"),
            Self::File(path) => write!(f, "the key file {}", path.display()),
        }
    }
}

/// The keys to run with, once the master key is known to be the one `db`
/// was sealed with (recorded on a first start).
pub async fn load(
    configured: &str,
    data_dir: &Path,
    db: &Db,
    now: UnixTime,
) -> anyhow::Result<Keys> {
    let (master, source) = master_key(configured, data_dir, db).await?;
    let keys = Keys::from_master(&master);
    match master_key::check_or_record(db, &keys, now)
        .await
        .context("reading the master key's check value")?
    {
        KeyCheck::Matches => {}
        KeyCheck::Recorded => {
            tracing::info!("recorded the master key's check value in the database")
        }
        KeyCheck::Differs => bail!(
            "the master key from {source} is not the key this database was sealed with: \
             with it no stored OTP secret or NIK can be read. Start with the original key \
             (restore {} from the backup, or set TPO_SECRET_KEY to it); nothing was changed.",
            data_dir.join(KEY_FILE).display()
        ),
    }
    Ok(keys)
}

async fn master_key(
    configured: &str,
    data_dir: &Path,
    db: &Db,
) -> anyhow::Result<([u8; MASTER_KEY_LEN], Source)> {
    if !configured.is_empty() {
        let key =
            parse(configured).context("TPO_SECRET_KEY must be 64 hex characters (32 bytes)")?;
        return Ok((key, Source::Configured));
    }
    let path = data_dir.join(KEY_FILE);
    if let Some(key) = read_key_file(&path)? {
        return Ok((key, Source::File(path)));
    }
    if master_key::holds_keyed_data(db)
        .await
        .context("checking the database for sealed data")?
    {
        bail!(
            "no master key: TPO_SECRET_KEY is not set and {} is missing, but the database \
             already holds data sealed with a key. A new key would make it unreadable, so none \
             is generated: restore the key file from the backup (mode 600) or set \
             TPO_SECRET_KEY to the original key.",
            path.display()
        );
    }
    let key = generate_key_file(&path)?;
    Ok((key, Source::File(path)))
}

/// The key in `path`, if the file exists; refused when others may read it.
fn read_key_file(path: &Path) -> anyhow::Result<Option<[u8; MASTER_KEY_LEN]>> {
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let mode = metadata.permissions().mode();
    if mode & 0o077 != 0 {
        bail!(
            "the key file {path} may be read by other users (mode {mode:03o}); refusing to start. \
             Run: chmod 600 {path}",
            path = path.display(),
            mode = mode & 0o777
        );
    }
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(text.trim())
        .with_context(|| format!("{} does not hold a 64-hex-character key", path.display()))
        .map(Some)
}

fn generate_key_file(path: &Path) -> anyhow::Result<[u8; MASTER_KEY_LEN]> {
    let key: [u8; MASTER_KEY_LEN] = random_bytes();
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    writeln!(file, "{}", hex::encode(key))?;
    tracing::warn!(
        path = %path.display(),
        "no secret key configured and an empty database: generated a new one. Back it up: without it, stored OTP secrets cannot be read."
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

    fn temp_dir() -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("tpo-key-{}", hex::encode(random_bytes::<6>())));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn generated_key_is_owner_only_and_read_back() {
        let dir = temp_dir();
        let path = dir.join(KEY_FILE);
        assert_eq!(read_key_file(&path).unwrap(), None);
        let key = generate_key_file(&path).unwrap();
        assert_eq!(read_key_file(&path).unwrap(), Some(key));
        assert!(generate_key_file(&path).is_err(), "never overwritten");
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_key_file_others_may_read_is_refused_with_the_fix() {
        let dir = temp_dir();
        let path = dir.join(KEY_FILE);
        generate_key_file(&path).unwrap();
        for mode in [0o640, 0o604, 0o644] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let why = format!("{:#}", read_key_file(&path).unwrap_err());
            assert!(
                why.contains(&format!("chmod 600 {}", path.display())),
                "{why}"
            );
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn keys_must_be_32_bytes_of_hex() {
        assert!(parse(&"ab".repeat(32)).is_ok());
        assert!(parse("abcd").is_err());
        assert!(parse(&"zz".repeat(32)).is_err());
    }
}
