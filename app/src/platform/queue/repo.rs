//! SQL of the queues: claim, mark sent, retry later.

use sqlx::{AnyPool, FromRow, any::AnyRow};

use crate::time::UnixTime;

/// One queue table and how its rows are claimed.
pub struct Queue {
    pub table: &'static str,
    /// Columns the claim returns (mapped to the caller's row type).
    pub returning: &'static str,
    /// Extra condition (`AND …`) on a claimable row `q`, for example per-chat order.
    pub also: &'static str,
    /// Columns blanked once a row is sent (bodies holding links).
    pub blank_when_sent: &'static str,
    /// The column set when a row is done (`sent_at`, `delivered_at`).
    pub sent_column: &'static str,
}

impl Queue {
    /// Leases the oldest due row to `owner` for `lease_seconds`.
    pub async fn claim<T>(
        &self,
        pool: &AnyPool,
        owner: &str,
        now: UnixTime,
        lease_seconds: i64,
    ) -> Result<Option<T>, sqlx::Error>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let sql = self.claim_sql();
        sqlx::query_as(&sql)
            .bind(owner)
            .bind(now + lease_seconds)
            .bind(now)
            .fetch_optional(pool)
            .await
    }

    /// The claim's statement: `$1` the owner, `$2` the lease's end, `$3` now.
    pub fn claim_sql(&self) -> String {
        let claimable = |row: &str| {
            format!(
                "{row}{sent} IS NULL AND {row}next_attempt_at <= $3 \
                 AND ({row}lease_until IS NULL OR {row}lease_until < $3)",
                sent = self.sent_column
            )
        };
        format!(
            "UPDATE {table} SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
             WHERE id = (SELECT q.id FROM {table} q WHERE {in_queue} {also} ORDER BY q.id LIMIT 1)
               AND {still_free}
             RETURNING {returning}",
            table = self.table,
            in_queue = claimable("q."),
            also = self.also,
            still_free = claimable(""),
            returning = self.returning,
        )
    }

    pub async fn mark_sent(
        &self,
        pool: &AnyPool,
        id: i64,
        owner: &str,
        now: UnixTime,
    ) -> Result<(), sqlx::Error> {
        let sql = format!(
            "UPDATE {} SET {} = $1, lease_owner = NULL, lease_until = NULL, last_error = NULL {}
             WHERE id = $2 AND lease_owner = $3",
            self.table, self.sent_column, self.blank_when_sent
        );
        sqlx::query(&sql)
            .bind(now)
            .bind(id)
            .bind(owner)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Gives the row back for another attempt at `next_attempt_at`.
    pub async fn retry_at(
        &self,
        pool: &AnyPool,
        id: i64,
        owner: &str,
        error: &str,
        next_attempt_at: UnixTime,
    ) -> Result<(), sqlx::Error> {
        let sql = format!(
            "UPDATE {} SET next_attempt_at = $1, last_error = $2, lease_owner = NULL, lease_until = NULL
             WHERE id = $3 AND lease_owner = $4",
            self.table
        );
        sqlx::query(&sql)
            .bind(next_attempt_at)
            .bind(error.chars().take(500).collect::<String>())
            .bind(id)
            .bind(owner)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// How many rows wait to be sent, and when the oldest was queued.
    pub async fn backlog(&self, pool: &AnyPool) -> Result<(i64, Option<UnixTime>), sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT COUNT(*), MIN(created_at) FROM {} WHERE {} IS NULL",
            self.table, self.sent_column
        ))
        .fetch_one(pool)
        .await
    }

    /// Seconds until the next row is due (None when nothing waits).
    pub async fn next_due_in(
        &self,
        pool: &AnyPool,
        now: UnixTime,
    ) -> Result<Option<i64>, sqlx::Error> {
        let next: Option<UnixTime> = sqlx::query_scalar(&format!(
            "SELECT MIN(next_attempt_at) FROM {} WHERE {} IS NULL",
            self.table, self.sent_column
        ))
        .fetch_one(pool)
        .await?;
        Ok(next.map(|at| (at - now).max(0)))
    }
}
