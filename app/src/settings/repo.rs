//! SQL of the `settings` table: one row per tunable, its value as text.

use sqlx::AnyConnection;

use crate::time::UnixTime;

pub async fn all(conn: &mut AnyConnection) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT key, value FROM settings ORDER BY key")
        .fetch_all(conn)
        .await
}

/// Stores `value` unless the key already has one (first start, new keys).
pub async fn insert_missing(
    conn: &mut AnyConnection,
    key: &str,
    value: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(value)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn store(
    conn: &mut AnyConnection,
    key: &str,
    value: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = $2, updated_at = $3",
    )
    .bind(key)
    .bind(value)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
