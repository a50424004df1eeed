//! Key rotation: re-seal every sealed value (and re-digest the NIK digests)
//! under the newest master key version, in batches, while servers holding
//! both versions keep working; then retire the older version.
//!
//! Progress is the data itself: every sealed value starts with its key
//! version, so each batch takes the values still under another version. A
//! run that is killed continues where it stopped; values written meanwhile
//! by a server that still seals under the older version are taken by a
//! later batch (or the next run).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::repo;
use crate::platform::crypto::{KeyVersion, Keys};
use crate::platform::db::Db;
use crate::time::UnixTime;

/// The primary key of a row holding a sealed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKey {
    Text(String),
    Integer(i64),
}

#[derive(Debug, Clone, Copy)]
pub enum KeyKind {
    Text,
    Integer,
}

impl KeyKind {
    pub(super) fn read(self, row: &AnyRow, index: usize) -> Result<RowKey, sqlx::Error> {
        Ok(match self {
            Self::Text => RowKey::Text(row.try_get(index)?),
            Self::Integer => RowKey::Integer(row.try_get(index)?),
        })
    }
}

/// What a sealed value is bound to (its associated data), as its module
/// seals it: the row key's text, the row key as 8 big-endian bytes, or a
/// prefix and another column's text.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    KeyText,
    KeyBigEndian,
    Prefixed {
        prefix: &'static str,
        column: &'static str,
    },
}

/// A column of sealed values.
#[derive(Debug, Clone, Copy)]
pub struct SealedColumn {
    pub table: &'static str,
    pub key: &'static str,
    pub key_kind: KeyKind,
    pub column: &'static str,
    pub owner: Owner,
    /// The keyed NIK digest computed from the opened value, rewritten with it.
    pub digest_column: Option<&'static str>,
}

impl SealedColumn {
    pub(super) fn owner_column(&self) -> &'static str {
        match self.owner {
            Owner::KeyText | Owner::KeyBigEndian => self.key,
            Owner::Prefixed { column, .. } => column,
        }
    }

    fn owner_bytes(&self, owner_text: &str) -> Vec<u8> {
        match self.owner {
            Owner::KeyText => owner_text.as_bytes().to_vec(),
            Owner::KeyBigEndian => owner_text
                .parse::<i64>()
                .map(|n| n.to_be_bytes().to_vec())
                .unwrap_or_default(),
            Owner::Prefixed { prefix, .. } => format!("{prefix}{owner_text}").into_bytes(),
        }
    }
}

/// Every sealed value the application stores, with the owner its module
/// binds it to: `accounts::service::seal_nik`, `otp_devices` (device and
/// pending secrets), `telegram::service` (chat state),
/// `service_clients::service::webhook_owner`, `mail::repo::seal_bodies`.
/// A new sealed column belongs here, or a rotation leaves it under the
/// retired key (`tests/tests/api/key_rotation.rs` checks a whole journey).
pub const SEALED_COLUMNS: &[SealedColumn] = &[
    SealedColumn {
        table: "accounts",
        key: "id",
        key_kind: KeyKind::Text,
        column: "nik_sealed",
        owner: Owner::KeyText,
        digest_column: Some("nik_digest"),
    },
    SealedColumn {
        table: "otp_devices",
        key: "id",
        key_kind: KeyKind::Text,
        column: "secret_sealed",
        owner: Owner::KeyText,
        digest_column: None,
    },
    SealedColumn {
        table: "pending_enrollments",
        key: "id",
        key_kind: KeyKind::Text,
        column: "secret_sealed",
        owner: Owner::KeyText,
        digest_column: None,
    },
    SealedColumn {
        table: "telegram_chats",
        key: "chat_id",
        key_kind: KeyKind::Integer,
        column: "state_sealed",
        owner: Owner::KeyBigEndian,
        digest_column: None,
    },
    SealedColumn {
        table: "service_clients",
        key: "id",
        key_kind: KeyKind::Text,
        column: "webhook_secret_sealed",
        owner: Owner::Prefixed {
            prefix: "webhook:",
            column: "id",
        },
        digest_column: None,
    },
    SealedColumn {
        table: "mail_outbox",
        key: "id",
        key_kind: KeyKind::Integer,
        column: "bodies_sealed",
        owner: Owner::Prefixed {
            prefix: "mail_outbox:",
            column: "recipient",
        },
        digest_column: None,
    },
];

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
                let owner = column.owner_bytes(&owner_text);
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
