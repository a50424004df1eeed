//! The durable queue behind every mail.
//!
//! A worker claims one due message at a time with a lease (owner + expiry),
//! which works the same on SQLite and PostgreSQL and keeps two server
//! processes from sending the same message: the claim is a single UPDATE whose
//! WHERE clause is re-checked against the row it locks.

use sqlx::{AnyConnection, AnyPool};

use super::templates::Email;
use crate::platform::clock::UnixTime;

/// Longest wait between attempts while the mail server stays down.
const MAX_BACKOFF_SECONDS: i64 = 15 * 60;

pub async fn enqueue(
    conn: &mut AnyConnection,
    email: &Email,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO mail_outbox (created_at, kind, recipient, subject, body_text, body_html, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $1) RETURNING id",
    )
    .bind(now)
    .bind(email.kind)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.text)
    .bind(&email.html)
    .fetch_one(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i64,
}

/// Leases the oldest due message to `owner` for `lease_seconds`.
pub async fn claim_next(
    pool: &AnyPool,
    owner: &str,
    now: UnixTime,
    lease_seconds: i64,
) -> Result<Option<ClaimedMail>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE mail_outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
         WHERE id = (SELECT id FROM mail_outbox
                     WHERE sent_at IS NULL AND next_attempt_at <= $3
                       AND (lease_until IS NULL OR lease_until < $3)
                     ORDER BY id LIMIT 1)
           AND sent_at IS NULL AND (lease_until IS NULL OR lease_until < $3)
         RETURNING id, recipient, subject, body_text, body_html, attempts",
    )
    .bind(owner)
    .bind(now + lease_seconds)
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// Marks a message sent and blanks its bodies: they carry single-use links
/// that have no reason to stay in the database once delivered.
pub async fn mark_sent(
    pool: &AnyPool,
    id: i64,
    owner: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mail_outbox SET sent_at = $1, body_text = '', body_html = '', lease_owner = NULL,
                lease_until = NULL, last_error = NULL
         WHERE id = $2 AND lease_owner = $3",
    )
    .bind(now)
    .bind(id)
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(())
}

/// Schedules another attempt with exponential backoff (30 s, 1 min, 2 min … 15 min).
pub async fn mark_failed(
    pool: &AnyPool,
    mail: &ClaimedMail,
    owner: &str,
    error: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let exponent = (mail.attempts - 1).clamp(0, 10) as u32;
    let backoff = (30 * 2_i64.pow(exponent)).min(MAX_BACKOFF_SECONDS);
    sqlx::query(
        "UPDATE mail_outbox SET next_attempt_at = $1, last_error = $2, lease_owner = NULL, lease_until = NULL
         WHERE id = $3 AND lease_owner = $4",
    )
    .bind(now + backoff)
    .bind(error.chars().take(500).collect::<String>())
    .bind(mail.id)
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(())
}

/// Seconds until the next message is due (None when nothing waits).
pub async fn next_due_in(pool: &AnyPool, now: UnixTime) -> Result<Option<i64>, sqlx::Error> {
    let next: Option<i64> =
        sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM mail_outbox WHERE sent_at IS NULL")
            .fetch_one(pool)
            .await?;
    Ok(next.map(|at| (at - now).max(0)))
}
