//! The durable queue behind every mail: written in the transaction of the
//! change it reports, claimed and sent by the mail worker (see
//! `platform::queue` for how processes share it).

use sqlx::{AnyConnection, AnyPool};

use crate::platform::queue::{Queue, backoff};

use super::templates::Email;
use super::views::{MailState, MailSummary};
use crate::ids::TicketId;
use crate::time::UnixTime;

/// Queues `email`; `ticket` names the ticket it was sent for, shown on the
/// console's ticket page.
pub async fn enqueue(
    conn: &mut AnyConnection,
    email: &Email,
    ticket: Option<&TicketId>,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO mail_outbox (created_at, kind, recipient, subject, body_text, body_html, next_attempt_at, ticket_id)
         VALUES ($1, $2, $3, $4, $5, $6, $1, $7) RETURNING id",
    )
    .bind(now)
    .bind(email.kind)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.text)
    .bind(&email.html)
    .bind(ticket)
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
    sent_column: "sent_at",
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
            now + backoff(mail.attempts, 30, MAX_BACKOFF_SECONDS),
        )
        .await
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    created_at: UnixTime,
    kind: String,
    recipient: String,
    subject: String,
    attempts: i64,
    last_error: Option<String>,
    sent_at: Option<UnixTime>,
    next_attempt_at: UnixTime,
}

impl From<SummaryRow> for MailSummary {
    fn from(row: SummaryRow) -> Self {
        let state = match (row.sent_at, row.last_error.is_some()) {
            (Some(_), _) => MailState::Sent,
            (None, true) => MailState::Retrying,
            (None, false) => MailState::Waiting,
        };
        Self {
            id: row.id,
            created_at: row.created_at,
            kind: row.kind,
            recipient: row.recipient,
            subject: row.subject,
            state,
            attempts: row.attempts,
            last_error: row.last_error,
            sent_at: row.sent_at,
            next_attempt_at: row.next_attempt_at,
        }
    }
}

const SUMMARY_COLUMNS: &str =
    "id, created_at, kind, recipient, subject, attempts, last_error, sent_at, next_attempt_at";

/// The mails sent for a ticket, oldest first.
pub async fn for_ticket(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
) -> Result<Vec<MailSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM mail_outbox WHERE ticket_id = $1 ORDER BY id"
    ))
    .bind(ticket_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(MailSummary::from).collect())
}

/// The `WHERE` clause of the mails in `state` (all without one).
fn state_condition(state: Option<MailState>) -> &'static str {
    match state {
        None => "",
        Some(MailState::Sent) => "WHERE sent_at IS NOT NULL",
        Some(MailState::Waiting) => "WHERE sent_at IS NULL AND last_error IS NULL",
        Some(MailState::Retrying) => "WHERE sent_at IS NULL AND last_error IS NOT NULL",
    }
}

/// The newest mails, optionally only those in `state`.
pub async fn recent(
    conn: &mut AnyConnection,
    state: Option<MailState>,
    limit: i64,
    offset: i64,
) -> Result<Vec<MailSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM mail_outbox {} ORDER BY id DESC LIMIT $1 OFFSET $2",
        state_condition(state)
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(MailSummary::from).collect())
}

/// How many mails there are in `state` (all without one).
pub async fn count(conn: &mut AnyConnection, state: Option<MailState>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM mail_outbox {}",
        state_condition(state)
    ))
    .fetch_one(conn)
    .await
}

/// One mail, without its bodies.
pub async fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<MailSummary>, sqlx::Error> {
    let row: Option<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM mail_outbox WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(MailSummary::from))
}

/// Makes an unsent mail due now (its lease, if any, still runs out first);
/// false when it was sent already or does not exist.
pub async fn due_now(
    conn: &mut AnyConnection,
    id: i64,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE mail_outbox SET next_attempt_at = $1 WHERE id = $2 AND sent_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}
