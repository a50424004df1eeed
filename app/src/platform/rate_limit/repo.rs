//! SQL of `rate_limit_counts`: what every process spent of each budget in
//! each one-minute window.

use sqlx::AnyConnection;

/// Adds `spent` to `bucket`'s count for the window starting at
/// `window_start` and returns the total all processes have added.
pub async fn add(
    conn: &mut AnyConnection,
    bucket: &str,
    window_start: i64,
    spent: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO rate_limit_counts (bucket, window_start, spent) VALUES ($1, $2, $3)
         ON CONFLICT (bucket, window_start)
         DO UPDATE SET spent = rate_limit_counts.spent + excluded.spent
         RETURNING spent",
    )
    .bind(bucket)
    .bind(window_start)
    .bind(spent)
    .fetch_one(conn)
    .await
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
