//! Key rotation: re-seal every sealed value (and re-digest the NIK digests)
//! under the newest master key version, in batches, while servers holding
//! both versions keep working; then retire the older version.
//!
//! Progress is the data itself: every sealed value starts with its key
//! version, so each batch takes the values still under another version. A
//! run that is killed continues where it stopped; values written meanwhile
//! by a server that still seals under the older version are taken by a
//! later batch (or the next run).

use super::columns::{NotAnInteger, RowKey, SEALED_COLUMNS};
use super::repo;
use crate::platform::crypto::{KeyVersion, Keys};
use crate::platform::db::Db;
use crate::time::UnixTime;

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error(
        "{table} row {key:?}: the value in {column} opens under no key of the ring (damaged, or sealed under a key that is gone); nothing more was changed"
    )]
    Unreadable {
        table: &'static str,
        column: &'static str,
        key: RowKey,
    },
    #[error(
        "{table} row {key:?}: the key {owner:?} that {column} is sealed for is no integer; nothing more was changed"
    )]
    OwnerNotAnInteger {
        table: &'static str,
        column: &'static str,
        key: RowKey,
        owner: String,
    },
    #[error(
        "version {0} is the newest key version: rotate to a newer one first (`server rotate-key --generate`)"
    )]
    Current(KeyVersion),
    #[error("version {version} still seals {count} value(s); run `server rotate-key` first")]
    StillInUse { version: KeyVersion, count: i64 },
    #[error("version {0} is not an active key version of this database")]
    Unknown(KeyVersion),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What a run of [`reseal`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    pub values: u64,
    pub batches: u64,
    /// Whether nothing is left under another version.
    pub finished: bool,
}

/// Re-seals, `batch` values per transaction, every value under another
/// version than the ring's newest, and re-digests the NIK next to each
/// sealed NIK; stops after `max_batches` batches if given.
pub async fn reseal(
    db: &Db,
    keys: &Keys,
    batch: i64,
    max_batches: Option<u64>,
) -> Result<Resealed, RotationError> {
    let current = keys.current_version();
    let mut done = Resealed::default();
    for column in SEALED_COLUMNS {
        loop {
            if max_batches.is_some_and(|max| done.batches >= max) {
                return Ok(done);
            }
            let mut tx = db.begin_write().await?;
            let rows = repo::sealed_under_other_versions(&mut tx, column, current, batch).await?;
            if rows.is_empty() {
                break;
            }
            for (key, owner_text, sealed) in rows {
                let owner = column
                    .owner_bytes(&owner_text)
                    .map_err(|NotAnInteger(owner)| RotationError::OwnerNotAnInteger {
                        table: column.table,
                        column: column.column,
                        key: key.clone(),
                        owner,
                    })?;
                let plain = keys
                    .open(&owner, &sealed)
                    .map_err(|_| RotationError::Unreadable {
                        table: column.table,
                        column: column.column,
                        key: key.clone(),
                    })?;
                let resealed = keys.seal(&owner, &plain);
                let digest = column.digest_column.map(|_| keys.nik_digest(&plain));
                repo::replace_sealed(&mut tx, column, &key, &sealed, &resealed, digest.as_deref())
                    .await?;
                done.values += 1;
            }
            tx.commit().await?;
            done.batches += 1;
        }
    }
    done.finished = true;
    Ok(done)
}

/// How many values are still sealed under `version`, over every column.
pub async fn sealed_under(db: &Db, version: KeyVersion) -> Result<i64, sqlx::Error> {
    let mut conn = db.pool().acquire().await?;
    let mut count = 0;
    for column in SEALED_COLUMNS {
        count += repo::count_sealed_under(&mut conn, column, version).await?;
    }
    Ok(count)
}

/// Retires `version`: refused while it is the ring's newest or anything is
/// still sealed under it. Afterwards a server needs it no more, and one
/// given only this version refuses to start.
pub async fn retire(
    db: &Db,
    keys: &Keys,
    version: KeyVersion,
    now: UnixTime,
) -> Result<(), RotationError> {
    if version >= keys.current_version() {
        return Err(RotationError::Current(version));
    }
    let count = sealed_under(db, version).await?;
    if count > 0 {
        return Err(RotationError::StillInUse { version, count });
    }
    let mut tx = db.begin_write().await?;
    if !repo::retire(&mut tx, version, now).await? {
        return Err(RotationError::Unknown(version));
    }
    tx.commit().await?;
    Ok(())
}
