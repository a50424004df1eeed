//! The master key against the database: the key-check value that tells
//! whether a key is the one the data was sealed with, and whether there is
//! any data a new key could no longer read.

mod repo;

use super::crypto::Keys;
use super::db::Db;
use crate::time::UnixTime;

/// How a master key compares with what the database recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// The database records this key.
    Matches,
    /// The database recorded no key; it now records this one.
    Recorded,
    /// The database records another key.
    Differs,
}

/// Compares `keys` with the recorded check value, recording it if there is
/// none (a first start, or a database from before the check existed).
/// Two processes starting together record one value and both compare to it.
pub async fn check_or_record(db: &Db, keys: &Keys, now: UnixTime) -> Result<KeyCheck, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let outcome = match repo::check_value(&mut tx).await? {
        Some(stored) if stored == keys.key_check() => KeyCheck::Matches,
        Some(_) => KeyCheck::Differs,
        None => {
            repo::record(&mut tx, keys.key_check(), now).await?;
            KeyCheck::Recorded
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Whether the database holds anything made with a master key: a recorded
/// check value, or any account (NIK digest and sealed NIK, device secrets),
/// ticket (numbers) or Telegram chat (sealed state). A new key is generated
/// only when it holds none of these.
pub async fn holds_keyed_data(db: &Db) -> Result<bool, sqlx::Error> {
    let mut conn = db.pool().acquire().await?;
    repo::holds_keyed_data(&mut conn).await
}
