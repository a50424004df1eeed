//! The master key versions: configured, or read from the key file in the
//! data directory (one `N:<hex>` line per version; a bare key is version 1),
//! or generated there once, for an empty database only. The database records
//! a check value per version; a server given another key, or none for a
//! database that already holds sealed data, or lacking a version the
//! database still uses, refuses to start.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use app::platform::crypto::{KeyVersion, Keys, MASTER_KEY_LEN, random_bytes};
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

/// The master key versions given to the server, oldest first.
type Ring = Vec<(KeyVersion, [u8; MASTER_KEY_LEN])>;

/// The keys to run with, once every version is known to be the one `db`
/// recorded for it (recorded on a first start, or when a rotation added it)
/// and none the database still uses is missing.
pub async fn load(
    configured: &str,
    data_dir: &Path,
    db: &Db,
    now: UnixTime,
) -> anyhow::Result<Keys> {
    let (ring, source) = master_keys(configured, data_dir, db).await?;
    let keys = Keys::from_versions(&ring);
    match master_key::check_or_record(db, &keys, now)
        .await
        .context("reading the master key's check values")?
    {
        KeyCheck::Matches => {}
        KeyCheck::Recorded => {
            tracing::info!("recorded the master key's check value in the database")
        }
        KeyCheck::Differs(version) => bail!(
            "the master key from {source} is not the key this database was sealed with \
             (version {version}): with it no stored OTP secret or NIK can be read. Start with \
             the original key (restore {} from the backup, or set TPO_SECRET_KEY to it); \
             nothing was changed.",
            data_dir.join(KEY_FILE).display()
        ),
        KeyCheck::Missing(version) => bail!(
            "the database still uses master key version {version}, which {source} lacks: \
             what was sealed under it could not be read. Add that version (its \
             `{version}:<64 hex>` line of {}, or entry of TPO_SECRET_KEY) from the backup; \
             nothing was changed.",
            data_dir.join(KEY_FILE).display()
        ),
    }
    Ok(keys)
}

async fn master_keys(configured: &str, data_dir: &Path, db: &Db) -> anyhow::Result<(Ring, Source)> {
    if !configured.is_empty() {
        let ring = parse_ring(configured).context(
            "TPO_SECRET_KEY must hold 64 hex characters (32 bytes), or versioned entries `N:<64 hex>`",
        )?;
        return Ok((ring, Source::Configured));
    }
    let path = data_dir.join(KEY_FILE);
    if let Some(ring) = read_key_file(&path)? {
        return Ok((ring, Source::File(path)));
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
    Ok((vec![(1, key)], Source::File(path)))
}

/// The key versions in `path`, if the file exists; refused when others may read it.
fn read_key_file(path: &Path) -> anyhow::Result<Option<Ring>> {
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
    parse_ring(&text)
        .with_context(|| {
            format!(
                "{} must hold a 64-hex-character key, or one `N:<64 hex>` line per version",
                path.display()
            )
        })
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

/// The key file of a rotation: refused when the keys come from TPO_SECRET_KEY,
/// which the operator changes (`hint` says how).
fn rotation_key_file(configured: &str, data_dir: &Path, hint: &str) -> anyhow::Result<PathBuf> {
    if !configured.is_empty() {
        bail!("the master keys come from TPO_SECRET_KEY, which only you can change: {hint}");
    }
    Ok(data_dir.join(KEY_FILE))
}

/// Adds a new master key version (the newest plus one) to the key file and
/// returns it. The file is replaced whole (mode 600): a crash leaves the
/// old one or the new one.
pub fn add_version(configured: &str, data_dir: &Path) -> anyhow::Result<KeyVersion> {
    let path = rotation_key_file(
        configured,
        data_dir,
        "generate a key (`openssl rand -hex 32`), append ` N:<hex>` to it with N one more \
         than its newest version, restart the servers, then run `server rotate-key`",
    )?;
    let mut ring = read_key_file(&path)?
        .with_context(|| format!("{} is missing: there is no key to rotate", path.display()))?;
    let newest = ring.last().map_or(0, |(version, _)| *version);
    let version = newest
        .checked_add(1)
        .context("the key file already holds version 255, the last one")?;
    ring.push((version, random_bytes()));
    write_key_file(&path, &ring)?;
    Ok(version)
}

/// Removes a retired version from the key file.
pub fn remove_version(
    configured: &str,
    data_dir: &Path,
    version: KeyVersion,
) -> anyhow::Result<()> {
    let path = rotation_key_file(
        configured,
        data_dir,
        &format!("remove the `{version}:…` entry from it and restart the servers"),
    )?;
    let mut ring = read_key_file(&path)?.unwrap_or_default();
    ring.retain(|(v, _)| *v != version);
    write_key_file(&path, &ring)
}

fn write_key_file(path: &Path, ring: &Ring) -> anyhow::Result<()> {
    let temporary = path.with_extension("key.new");
    let _ = fs::remove_file(&temporary);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .with_context(|| format!("creating {}", temporary.display()))?;
    for (version, key) in ring {
        writeln!(file, "{version}:{}", hex::encode(key))?;
    }
    file.sync_all()?;
    fs::rename(&temporary, path).with_context(|| format!("replacing {}", path.display()))
}

/// Key versions: entries separated by white space or commas, each
/// `N:<64 hex>` (version N, 1–255) or a bare `<64 hex>` (version 1, the
/// form from before versions).
fn parse_ring(text: &str) -> anyhow::Result<Ring> {
    let mut ring = Ring::new();
    for entry in text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|e| !e.is_empty())
    {
        let (version, hex) = match entry.split_once(':') {
            Some((version, hex)) => (
                version
                    .parse::<KeyVersion>()
                    .ok()
                    .filter(|v| *v > 0)
                    .with_context(|| format!("`{version}` is not a key version (1–255)"))?,
                hex,
            ),
            None => (1, entry),
        };
        if ring.iter().any(|(v, _)| *v == version) {
            bail!("key version {version} is given twice");
        }
        ring.push((version, parse(hex)?));
    }
    if ring.is_empty() {
        bail!("no key");
    }
    ring.sort_by_key(|(version, _)| *version);
    Ok(ring)
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
        assert_eq!(read_key_file(&path).unwrap(), Some(vec![(1, key)]));
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
    fn versions_are_added_and_removed_in_an_owner_only_file() {
        let dir = temp_dir();
        let path = dir.join(KEY_FILE);
        let first = generate_key_file(&path).unwrap();
        assert_eq!(add_version("", &dir).unwrap(), 2);
        let ring = read_key_file(&path).unwrap().unwrap();
        assert_eq!(ring[0], (1, first), "the old key is kept");
        assert_eq!(ring.iter().map(|(v, _)| *v).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        remove_version("", &dir, 1).unwrap();
        let ring = read_key_file(&path).unwrap().unwrap();
        assert_eq!(ring.iter().map(|(v, _)| *v).collect::<Vec<_>>(), [2]);
        let why = format!("{:#}", add_version(&"ab".repeat(32), &dir).unwrap_err());
        assert!(why.contains("TPO_SECRET_KEY"), "{why}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn key_rings_name_their_versions() {
        let (a, b) = ("ab".repeat(32), "cd".repeat(32));
        assert_eq!(parse_ring(&a).unwrap(), vec![(1, [0xab; 32])]);
        assert_eq!(
            parse_ring(&format!("2:{b}, 1:{a}")).unwrap(),
            vec![(1, [0xab; 32]), (2, [0xcd; 32])]
        );
        assert!(
            parse_ring(&format!("1:{a}\n{b}")).is_err(),
            "version 1 twice"
        );
        assert!(parse_ring(&format!("0:{a}")).is_err());
        assert!(parse_ring(&format!("x:{a}")).is_err());
        assert!(parse_ring(" \n").is_err());
    }

    #[test]
    fn keys_must_be_32_bytes_of_hex() {
        assert!(parse(&"ab".repeat(32)).is_ok());
        assert!(parse("abcd").is_err());
        assert!(parse(&"zz".repeat(32)).is_err());
    }
}
