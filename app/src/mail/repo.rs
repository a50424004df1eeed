//! The durable queue behind every mail: written in the transaction of the
//! change it reports, claimed and sent by the mail worker (see
//! `platform::queue` for how processes share it).

use sqlx::{AnyConnection, AnyPool};

use crate::platform::crypto::{Keys, OpenError};
use crate::platform::queue::{Queue, backoff};

use super::templates::Email;
use super::views::{MailState, MailSummary};
use crate::ids::TicketId;
use crate::time::UnixTime;

/// Queues `email`; `ticket` names the ticket it was sent for, shown on the
/// console's ticket page. The bodies (links, names) are sealed, so neither
/// the raw database files nor a backup hold them in clear.
pub async fn enqueue(
    conn: &mut AnyConnection,
    keys: &Keys,
    email: &Email,
    ticket: Option<&TicketId>,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO mail_outbox (created_at, kind, recipient, subject, body_text, body_html, bodies_sealed, next_attempt_at, ticket_id)
         VALUES ($1, $2, $3, $4, '', '', $5, $1, $6) RETURNING id",
    )
    .bind(now)
    .bind(email.kind)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(seal_bodies(keys, &email.to, &email.text, &email.html))
    .bind(ticket)
    .fetch_one(conn)
    .await
}

/// What a sealed body is bound to: a body copied onto another recipient's
/// row does not open.
fn bodies_owner(recipient: &str) -> Vec<u8> {
    format!("mail_outbox:{recipient}").into_bytes()
}

/// Text and HTML sealed together: the text's length (4 bytes, big endian),
/// the text, the HTML.
pub fn seal_bodies(keys: &Keys, recipient: &str, text: &str, html: &str) -> Vec<u8> {
    let text_len = u32::try_from(text.len()).expect("a mail body is far below 4 GiB");
    let mut plain = Vec::with_capacity(4 + text.len() + html.len());
    plain.extend_from_slice(&text_len.to_be_bytes());
    plain.extend_from_slice(text.as_bytes());
    plain.extend_from_slice(html.as_bytes());
    keys.seal(&bodies_owner(recipient), &plain)
}

fn open_bodies(keys: &Keys, recipient: &str, sealed: &[u8]) -> Result<(String, String), OpenError> {
    let plain = keys.open(&bodies_owner(recipient), sealed)?;
    let (len, rest) = plain.split_first_chunk::<4>().ok_or(OpenError)?;
    let text_len = usize::try_from(u32::from_be_bytes(*len)).map_err(|_| OpenError)?;
    if text_len > rest.len() {
        return Err(OpenError);
    }
    let (text, html) = rest.split_at(text_len);
    let text = String::from_utf8(text.to_vec()).map_err(|_| OpenError)?;
    let html = String::from_utf8(html.to_vec()).map_err(|_| OpenError)?;
    Ok((text, html))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    /// Empty, unless the row was queued before bodies were sealed.
    body_text: String,
    body_html: String,
    bodies_sealed: Option<Vec<u8>>,
    pub attempts: i64,
}

/// A claimed mail with its bodies opened, ready to send.
#[derive(Debug, Clone)]
pub struct OpenedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
}

impl ClaimedMail {
    /// The mail with its bodies opened (sealed ones under `keys`).
    pub fn open(&self, keys: &Keys) -> Result<OpenedMail, OpenError> {
        let (body_text, body_html) = match &self.bodies_sealed {
            Some(sealed) => open_bodies(keys, &self.recipient, sealed)?,
            None => (self.body_text.clone(), self.body_html.clone()),
        };
        Ok(OpenedMail {
            id: self.id,
            recipient: self.recipient.clone(),
            subject: self.subject.clone(),
            body_text,
            body_html,
        })
    }
}

pub const QUEUE: Queue = Queue {
    table: "mail_outbox",
    returning: "id, recipient, subject, body_text, body_html, bodies_sealed, attempts",
    also: "",
    // Bodies hold single-use links that have no reason to stay once delivered.
    blank_when_sent: ", body_text = '', body_html = '', bodies_sealed = NULL",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_bodies_open_whole_and_only_for_their_recipient() {
        let keys = Keys::from_master(&[7u8; 32]);
        let to = "budi.santoso@kominfo.go.id";
        let (text, html) = (
            "Buka tautan ini: https://x/a ✓",
            "<p>Buka <a href=\"https://x/a\">ini</a></p>",
        );
        let sealed = seal_bodies(&keys, to, text, html);
        assert!(!sealed.windows(5).any(|w| w == b"https"), "no clear text");
        let opened = open_bodies(&keys, to, &sealed).unwrap();
        assert_eq!(opened, (text.to_string(), html.to_string()));
        assert!(open_bodies(&keys, "siti@bssn.go.id", &sealed).is_err());
        assert!(open_bodies(&Keys::from_master(&[8u8; 32]), to, &sealed).is_err());
        let empty = seal_bodies(&keys, to, "", "");
        assert_eq!(
            open_bodies(&keys, to, &empty).unwrap(),
            (String::new(), String::new())
        );
    }
}
