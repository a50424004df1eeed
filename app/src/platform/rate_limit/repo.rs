//! SQL of `rate_limit_counts`: what every process spent of each budget in
//! each one-minute window.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use crate::platform::db::values_placeholders;
use crate::platform::statements::Statement;

/// The most buckets one statement adds: three values each, far below
/// either database's limit on placeholders.
const BUCKETS_PER_STATEMENT: usize = 500;

/// Adds each `(bucket, window_start, spent)` to its count, in the order
/// given (the order rows are locked in), and returns each bucket's total
/// all processes have added, in that order: one statement per 500
/// buckets, not one round trip each (a flush after a burst from many
/// addresses carries thousands).
pub async fn add_all(
    conn: &mut AnyConnection,
    spending: &[(&str, i64, i64)],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut totals = HashMap::with_capacity(spending.len());
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
            let key: (String, i64) = (row.try_get(0)?, row.try_get(1)?);
            totals.insert(key, row.try_get::<i64, _>(2)?);
        }
    }
    (spending.iter())
        .map(|(bucket, window, _)| {
            totals
                .get(&(bucket.to_string(), *window))
                .copied()
                .ok_or_else(|| sqlx::Error::Protocol(format!("no total for bucket {bucket}")))
        })
        .collect()
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
