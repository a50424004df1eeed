//! The master key versions against the database: the check values that
//! tell whether a key ring holds the keys the data was sealed with, whether
//! there is any data a new key could no longer read, and the rotation that
//! re-seals everything under the newest version so an older one can be
//! retired.

pub mod columns;
mod repo;
pub mod rotation;

use super::crypto::{KeyVersion, Keys};
use super::db::Db;
use crate::time::UnixTime;

/// How a key ring compares with what the database recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// The database records every version of the ring.
    Matches,
    /// The database now also records the ring's versions it did not know
    /// (a first start, or a new version added for a rotation).
    Recorded,
    /// The database records another key under this version.
    Differs(KeyVersion),
    /// The database still uses this version (not retired), and the ring
    /// lacks it: what was sealed under it could not be read.
    Missing(KeyVersion),
}

/// Compares `keys` with the recorded check values, recording the versions
/// the database does not know yet. Nothing is recorded when a version
/// differs or is missing. Two processes starting together record one value
/// per version and both compare to it.
pub async fn check_or_record(db: &Db, keys: &Keys, now: UnixTime) -> Result<KeyCheck, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let recorded = repo::versions(&mut tx).await?;
    let mut unknown = Vec::new();
    for (version, check) in keys.key_checks() {
        match recorded.iter().find(|r| r.version == i64::from(version)) {
            Some(r) if r.check_value != check => return Ok(KeyCheck::Differs(version)),
            Some(_) => {}
            None => unknown.push((version, check)),
        }
    }
    let in_ring = |version: i64| keys.key_checks().any(|(v, _)| i64::from(v) == version);
    if let Some(missing) = recorded
        .iter()
        .find(|r| r.retired_at.is_none() && !in_ring(r.version))
    {
        let version = KeyVersion::try_from(missing.version).unwrap_or(KeyVersion::MAX);
        return Ok(KeyCheck::Missing(version));
    }
    for (version, check) in &unknown {
        repo::record(&mut tx, *version, check, now).await?;
    }
    tx.commit().await?;
    Ok(if unknown.is_empty() {
        KeyCheck::Matches
    } else {
        KeyCheck::Recorded
    })
}

/// Whether the database holds anything made with a master key: a recorded
/// check value, or any account (NIK digest and sealed NIK, device secrets),
/// ticket (numbers) or Telegram chat (sealed state). A new key is generated
/// only when it holds none of these.
pub async fn holds_keyed_data(db: &Db) -> Result<bool, sqlx::Error> {
    let mut conn = db.pool().acquire().await?;
    repo::holds_keyed_data(&mut conn).await
}
