//! The durable queue behind every mail: written in the transaction of the
//! change it reports, claimed and sent by the mail worker (see
//! `platform::queue` for how processes share it).

use sqlx::{AnyConnection, AnyPool};

use crate::platform::queue::{Queue, backoff};

use super::templates::Email;
use crate::time::UnixTime;

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

pub const QUEUE: Queue = Queue {
    table: "mail_outbox",
    returning: "id, recipient, subject, body_text, body_html, attempts",
    also: "",
    // Bodies hold single-use links that have no reason to stay once delivered.
    blank_when_sent: ", body_text = '', body_html = ''",
};

/// Longest wait between attempts while the mail server stays down.
const MAX_BACKOFF_SECONDS: i64 = 15 * 60;

/// Schedules another attempt with exponential backoff (30 s, 1 min, 2 min … 15 min).
pub async fn retry_later(
    pool: &AnyPool,
    mail: &ClaimedMail,
    owner: &str,
    error: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    QUEUE
        .retry_at(
            pool,
            mail.id,
            owner,
            error,
            now + backoff(mail.attempts, MAX_BACKOFF_SECONDS),
        )
        .await
}
