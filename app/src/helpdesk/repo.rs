//! SQL for tickets and their timeline.

use sqlx::AnyConnection;

use super::types::{Category, TicketChannel, TicketStatus};
use crate::platform::clock::UnixTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketRow {
    pub id: String,
    pub number: String,
    pub category: String,
    pub channel: String,
    pub account_id: String,
    pub status: String,
    pub message: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

impl TicketRow {
    pub fn status(&self) -> TicketStatus {
        TicketStatus::parse(&self.status).unwrap_or(TicketStatus::Closed)
    }

    pub fn category(&self) -> Category {
        Category::parse(&self.category).unwrap_or(Category::GeneralQuestion)
    }

    pub fn channel(&self) -> TicketChannel {
        TicketChannel::parse(&self.channel).unwrap_or(TicketChannel::Web)
    }
}

const COLUMNS: &str =
    "id, number, category, channel, account_id, status, message, created_at, updated_at, closed_at";

/// The next ticket serial; the counter row stays locked until the transaction ends.
pub async fn next_serial(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE counters SET value = value + 1 WHERE name = 'ticket_serial' RETURNING value",
    )
    .fetch_one(conn)
    .await
}

pub struct InsertTicket<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub serial: i64,
    pub category: Category,
    pub channel: TicketChannel,
    pub account_id: &'a str,
    pub status: TicketStatus,
    pub message: Option<&'a str>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    ticket: InsertTicket<'_>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tickets (id, number, serial, category, channel, account_id, status, message, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(ticket.id)
    .bind(ticket.number)
    .bind(ticket.serial)
    .bind(ticket.category.as_str())
    .bind(ticket.channel.as_str())
    .bind(ticket.account_id)
    .bind(ticket.status.as_str())
    .bind(ticket.message)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn add_event(
    conn: &mut AnyConnection,
    ticket_id: &str,
    status: TicketStatus,
    note: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO ticket_events (ticket_id, at, status, note) VALUES ($1, $2, $3, $4)")
        .bind(ticket_id)
        .bind(now)
        .bind(status.as_str())
        .bind(note)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a ticket to `to` if it is in one of `from` (compare-and-set) and
/// records the event; false when another request moved it first.
pub async fn transition(
    conn: &mut AnyConnection,
    ticket_id: &str,
    from: &[TicketStatus],
    to: TicketStatus,
    note: &str,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let placeholders: Vec<String> = (0..from.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "UPDATE tickets SET status = $1, updated_at = $2, closed_at = CASE WHEN $1 IN ('completed', 'expired', 'superseded', 'closed') THEN $2 ELSE NULL END
         WHERE id = $3 AND status IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(now)
        .bind(ticket_id);
    for status in from {
        query = query.bind(status.as_str());
    }
    let moved = query.execute(&mut *conn).await?.rows_affected() == 1;
    if moved {
        add_event(conn, ticket_id, to, note, now).await?;
    }
    Ok(moved)
}

pub async fn open_otp_requests(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<Vec<TicketRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tickets WHERE account_id = $1 AND category = 'otp_request'
           AND status IN ('submitted', 'awaiting_selfie', 'selfie_submitted', 'approved', 'rejected')"
    ))
    .bind(account_id)
    .fetch_all(conn)
    .await
}

pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<TicketRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM tickets WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn find_by_number(
    conn: &mut AnyConnection,
    number: &str,
) -> Result<Option<TicketRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM tickets WHERE number = $1"))
        .bind(number)
        .fetch_optional(conn)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub at: i64,
    pub status: String,
    pub note: String,
}

pub async fn events(
    conn: &mut AnyConnection,
    ticket_id: &str,
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as("SELECT at, status, note FROM ticket_events WHERE ticket_id = $1 ORDER BY id")
        .bind(ticket_id)
        .fetch_all(conn)
        .await
}

/// Open tickets whose every link has expired (the signer did not act in time).
pub async fn with_only_expired_links(
    conn: &mut AnyConnection,
    now: UnixTime,
) -> Result<Vec<TicketRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tickets t
         WHERE status IN ('awaiting_selfie', 'approved', 'rejected')
           AND EXISTS (SELECT 1 FROM link_tokens l WHERE l.ticket_id = t.id)
           AND NOT EXISTS (SELECT 1 FROM link_tokens l WHERE l.ticket_id = t.id
                             AND l.used_at IS NULL AND l.revoked_at IS NULL AND l.expires_at > $1)"
    ))
    .bind(now)
    .fetch_all(conn)
    .await
}
