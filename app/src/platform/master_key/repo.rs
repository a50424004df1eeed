//! SQL of the `master_key_check` table, and the question whether any data
//! depends on the master key.

use sqlx::AnyConnection;

use crate::time::UnixTime;

pub async fn check_value(conn: &mut AnyConnection) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT check_value FROM master_key_check WHERE id = 1")
        .fetch_optional(conn)
        .await
}

pub async fn record(
    conn: &mut AnyConnection,
    check_value: &[u8],
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO master_key_check (id, check_value, created_at) VALUES (1, $1, $2)")
        .bind(check_value.to_vec())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn holds_keyed_data(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    // One row at most from each table: a start need not count them all.
    let found: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM master_key_check LIMIT 1) k)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM accounts LIMIT 1) a)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM tickets LIMIT 1) t)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM telegram_chats LIMIT 1) c)",
    )
    .fetch_one(conn)
    .await?;
    Ok(found > 0)
}
