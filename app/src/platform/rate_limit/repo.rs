//! SQL of `rate_limit_counts`: what every process spent of each budget in
//! each one-minute window.

use sqlx::{AnyConnection, Row};

use crate::platform::db::values_placeholders;
use crate::platform::statements::Statement;

/// The most buckets one statement adds: three values each, far below
/// either database's limit on placeholders.
const BUCKETS_PER_STATEMENT: usize = 500;

/// Adds each `(bucket, window_start, spent)` to its count, in the order
/// given (the order rows are locked in), and returns each bucket's
/// `(bucket, window_start, total)` all processes have added: one statement
/// per 500 buckets, not one round trip each (a flush after a burst from
/// many addresses carries thousands).
pub async fn add_all(
    conn: &mut AnyConnection,
    spending: &[(&str, i64, i64)],
) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    let mut totals = Vec::with_capacity(spending.len());
    for chunk in spending.chunks(BUCKETS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO rate_limit_counts (bucket, window_start, spent) VALUES {}
             ON CONFLICT (bucket, window_start)
             DO UPDATE SET spent = rate_limit_counts.spent + excluded.spent
             RETURNING bucket, window_start, spent",
            values_placeholders(chunk.len(), 3)
        );
        let statement = (chunk.iter()).fold(Statement::new(sql), |s, (bucket, window, spent)| {
            s.bind(*bucket).bind(*window).bind(*spent)
        });
        for row in statement.fetch_all(conn).await? {
            totals.push((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?));
        }
    }
    Ok(totals)
}

/// Forgets the counts of windows that started before `window_start`.
pub async fn forget_before(
    conn: &mut AnyConnection,
    window_start: i64,
) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM rate_limit_counts WHERE window_start < $1")
        .bind(window_start)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
}
