//! SQL of the `master_key_versions` table, the question whether any data
//! depends on the master key, and the batches of a rotation over every
//! column of sealed values.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::columns::{RowKey, SealedColumn};
use crate::platform::crypto::KeyVersion;
use crate::time::UnixTime;

#[derive(sqlx::FromRow)]
pub struct RecordedVersion {
    pub version: i64,
    pub check_value: Vec<u8>,
    pub retired_at: Option<UnixTime>,
}

pub async fn versions(conn: &mut AnyConnection) -> Result<Vec<RecordedVersion>, sqlx::Error> {
    sqlx::query_as(
        "SELECT version, check_value, retired_at FROM master_key_versions ORDER BY version",
    )
    .fetch_all(conn)
    .await
}

pub async fn record(
    conn: &mut AnyConnection,
    version: KeyVersion,
    check_value: &[u8],
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO master_key_versions (version, check_value, created_at) VALUES ($1, $2, $3)",
    )
    .bind(i64::from(version))
    .bind(check_value.to_vec())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks `version` retired; false when it is unknown or retired already.
pub async fn retire(
    conn: &mut AnyConnection,
    version: KeyVersion,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE master_key_versions SET retired_at = $2 WHERE version = $1 AND retired_at IS NULL",
    )
    .bind(i64::from(version))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn holds_keyed_data(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    // One row at most from each table: a start need not count them all.
    let found: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM master_key_versions LIMIT 1) k)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM accounts LIMIT 1) a)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM tickets LIMIT 1) t)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM telegram_chats LIMIT 1) c)",
    )
    .fetch_one(conn)
    .await?;
    Ok(found > 0)
}

/// The first byte of a sealed value is its key version: compared as a
/// one-byte blob (`substr` takes bytes of a BLOB on SQLite and of a BYTEA
/// on PostgreSQL).
fn version_blob(version: KeyVersion) -> Vec<u8> {
    vec![version]
}

/// Up to `limit` values of `column` sealed under another version than
/// `current`: (row key, the text the owner is made of, sealed value).
pub async fn sealed_under_other_versions(
    conn: &mut AnyConnection,
    column: &SealedColumn,
    current: KeyVersion,
    limit: i64,
) -> Result<Vec<(RowKey, String, Vec<u8>)>, sqlx::Error> {
    let SealedColumn {
        table,
        key,
        column: sealed,
        ..
    } = column;
    let owner = column.owner_column();
    let sql = format!(
        "SELECT {key}, {owner}, {sealed} FROM {table}
          WHERE {sealed} IS NOT NULL AND substr({sealed}, 1, 1) <> $1
          ORDER BY {key} LIMIT $2"
    );
    let rows: Vec<AnyRow> = sqlx::query(&sql)
        .bind(version_blob(current))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            let key = column.key_kind.read(row, 0)?;
            let owner = match row.try_get::<String, _>(1) {
                Ok(text) => text,
                Err(_) => row.try_get::<i64, _>(1)?.to_string(),
            };
            Ok((key, owner, row.try_get::<Vec<u8>, _>(2)?))
        })
        .collect()
}

/// Replaces one sealed value (and the NIK digest next to it, if any), if
/// it is still the one read: a value rewritten meanwhile is left alone.
pub async fn replace_sealed(
    conn: &mut AnyConnection,
    column: &SealedColumn,
    row: &RowKey,
    read: &[u8],
    resealed: &[u8],
    digest: Option<&[u8]>,
) -> Result<(), sqlx::Error> {
    let SealedColumn {
        table,
        key,
        column: sealed,
        ..
    } = column;
    let also = match (column.digest_column, digest) {
        (Some(digest_column), Some(_)) => format!(", {digest_column} = $4"),
        _ => String::new(),
    };
    let sql = format!("UPDATE {table} SET {sealed} = $1{also} WHERE {key} = $2 AND {sealed} = $3");
    let query = sqlx::query(&sql).bind(resealed.to_vec());
    let query = match row {
        RowKey::Text(text) => query.bind(text.clone()),
        RowKey::Integer(n) => query.bind(*n),
    };
    let query = query.bind(read.to_vec());
    let query = match (column.digest_column, digest) {
        (Some(_), Some(digest)) => query.bind(digest.to_vec()),
        _ => query,
    };
    query.execute(conn).await?;
    Ok(())
}

/// How many values of `column` are sealed under `version`.
pub async fn count_sealed_under(
    conn: &mut AnyConnection,
    column: &SealedColumn,
    version: KeyVersion,
) -> Result<i64, sqlx::Error> {
    let SealedColumn {
        table,
        column: sealed,
        ..
    } = column;
    let sql = format!(
        "SELECT COUNT(*) FROM {table} WHERE {sealed} IS NOT NULL AND substr({sealed}, 1, 1) = $1"
    );
    sqlx::query_scalar(&sql)
        .bind(version_blob(version))
        .fetch_one(conn)
        .await
}
