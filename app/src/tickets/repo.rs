//! SQL for tickets, their timeline and their mailed links.

use sqlx::AnyConnection;

use super::types::{Category, LinkPurpose, TicketChannel, TicketStatus};
use crate::accounts::types::AccountStatus;
use crate::ids::{AccountId, LinkId, TicketId};
use crate::platform::db::{Conditions, like_contains, list_placeholders};
use crate::time::UnixTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketRow {
    pub id: TicketId,
    pub number: String,
    pub category: Category,
    pub channel: TicketChannel,
    pub account_id: AccountId,
    pub status: TicketStatus,
    pub message: Option<String>,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
    pub closed_at: Option<UnixTime>,
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
    pub id: &'a TicketId,
    pub number: &'a str,
    pub serial: i64,
    pub category: Category,
    pub channel: TicketChannel,
    pub account_id: &'a AccountId,
    pub status: TicketStatus,
    pub message: Option<&'a str>,
    /// The network of a web request (see `rate_limit_key`); none through Telegram.
    pub client_net: Option<&'a str>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    ticket: InsertTicket<'_>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tickets (id, number, serial, category, channel, account_id, status, message, client_net, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(ticket.id)
    .bind(ticket.number)
    .bind(ticket.serial)
    .bind(ticket.category)
    .bind(ticket.channel)
    .bind(ticket.account_id)
    .bind(ticket.status)
    .bind(ticket.message)
    .bind(ticket.client_net)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn add_event(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
    status: TicketStatus,
    note: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO ticket_events (ticket_id, at, status, note) VALUES ($1, $2, $3, $4)")
        .bind(ticket_id)
        .bind(now)
        .bind(status)
        .bind(note)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a ticket to `to` if it is in one of `from` (compare-and-set) and
/// records the event; false when another request moved it first.
pub async fn transition(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
    from: &[TicketStatus],
    to: TicketStatus,
    note: &str,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE tickets SET status = $1, updated_at = $2, closed_at = CASE WHEN $1 IN ('completed', 'expired', 'superseded', 'closed') THEN $2 ELSE NULL END
         WHERE id = $3 AND status IN ({})",
        list_placeholders(4, from.len())
    );
    let mut query = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(now)
        .bind(ticket_id);
    for status in from {
        query = query.bind(status);
    }
    let moved = query.execute(&mut *conn).await?.rows_affected() == 1;
    if moved {
        add_event(conn, ticket_id, to, note, now).await?;
    }
    Ok(moved)
}

/// `IN (…)` of [`TicketStatus::OPEN`] as SQL literals (fixed names, not
/// input), so the queries follow the one list of open states.
fn open_statuses() -> String {
    let names: Vec<String> = TicketStatus::OPEN
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("IN ({})", names.join(", "))
}

/// Every open ticket of an account, any category.
pub async fn open_for_account(
    conn: &mut AnyConnection,
    account_id: &AccountId,
) -> Result<Vec<TicketRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tickets WHERE account_id = $1 AND status {}",
        open_statuses()
    ))
    .bind(account_id)
    .fetch_all(conn)
    .await
}

pub async fn open_otp_requests(
    conn: &mut AnyConnection,
    account_id: &AccountId,
) -> Result<Vec<TicketRow>, sqlx::Error> {
    let mut open = open_for_account(conn, account_id).await?;
    open.retain(|t| t.category == Category::OtpRequest);
    Ok(open)
}

pub async fn find(
    conn: &mut AnyConnection,
    id: &TicketId,
) -> Result<Option<TicketRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM tickets WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Tickets in `status`, the longest waiting first.
pub async fn in_status(
    conn: &mut AnyConnection,
    status: TicketStatus,
    limit: i64,
) -> Result<Vec<TicketRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tickets WHERE status = $1 ORDER BY updated_at LIMIT $2"
    ))
    .bind(status)
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn store_answer(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
    answer: &str,
    answered_by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tickets SET answer = $1, answered_by = $2 WHERE id = $3")
        .bind(answer)
        .bind(answered_by)
        .bind(ticket_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The staff answer of a question ticket and who gave it.
pub async fn answer_of(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT answer, answered_by FROM tickets WHERE id = $1 AND answer IS NOT NULL")
        .bind(ticket_id)
        .fetch_optional(conn)
        .await
}

/// Records when the signer agreed to the selfie of this ticket (the latest
/// agreement: each selfie sent is agreed to anew).
pub async fn record_selfie_consent(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tickets SET selfie_consent_at = $1 WHERE id = $2")
        .bind(now)
        .bind(ticket_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// When the signer agreed to the selfie of this ticket, if they have.
pub async fn selfie_consent_of(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
) -> Result<Option<UnixTime>, sqlx::Error> {
    sqlx::query_scalar::<_, Option<UnixTime>>("SELECT selfie_consent_at FROM tickets WHERE id = $1")
        .bind(ticket_id)
        .fetch_optional(conn)
        .await
        .map(Option::flatten)
}

/// Keeps what the setup link did (JSON written by `otp_setup`).
pub async fn store_setup_outcome(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
    outcome_json: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tickets SET setup_outcome = $1 WHERE id = $2")
        .bind(outcome_json)
        .bind(ticket_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The stored outcome of the ticket a link belongs to, if it has one.
pub async fn setup_outcome_by_link(
    conn: &mut AnyConnection,
    token_digest: &[u8],
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT t.setup_outcome FROM tickets t JOIN link_tokens l ON l.ticket_id = t.id
         WHERE l.token_digest = $1",
    )
    .bind(token_digest)
    .fetch_optional(conn)
    .await
    .map(Option::flatten)
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
    pub at: UnixTime,
    pub status: TicketStatus,
    pub note: String,
}

pub async fn events(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
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

/// Who asked "Pertanyaan Umum" questions: one account, or one client
/// network (an IPv4 address or an IPv6 /64, as `rate_limit_key` gives it).
pub enum Asker<'a> {
    Account(&'a AccountId),
    Network(&'a str),
}

/// How many "Pertanyaan Umum" tickets `asker` opened after `since`.
pub async fn questions_since(
    conn: &mut AnyConnection,
    asker: Asker<'_>,
    since: UnixTime,
) -> Result<i64, sqlx::Error> {
    let (column, value) = match asker {
        Asker::Account(id) => ("account_id", id.as_str()),
        Asker::Network(net) => ("client_net", net),
    };
    sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM tickets
         WHERE {column} = $1 AND created_at > $2 AND category = 'general_question'"
    ))
    .bind(value)
    .bind(since)
    .fetch_one(conn)
    .await
}

/// Whether the ticket's account is verified (neither suspended nor unverified).
pub async fn ticket_account_is_verified(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
) -> Result<bool, sqlx::Error> {
    let status: Option<AccountStatus> = sqlx::query_scalar(
        "SELECT a.status FROM tickets t JOIN accounts a ON a.id = t.account_id WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(conn)
    .await?;
    Ok(status == Some(AccountStatus::Verified))
}

/// Tickets whose selfie has waited for a verifier since before `cutoff`.
pub async fn awaiting_review_since_before(
    conn: &mut AnyConnection,
    cutoff: UnixTime,
) -> Result<Vec<TicketRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tickets WHERE status = 'selfie_submitted' AND updated_at < $1"
    ))
    .bind(cutoff)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub id: LinkId,
    pub ticket_id: TicketId,
    pub purpose: LinkPurpose,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub used_at: Option<UnixTime>,
    pub revoked_at: Option<UnixTime>,
}

pub async fn insert_link(
    conn: &mut AnyConnection,
    token_digest: &[u8],
    id: &LinkId,
    ticket_id: &TicketId,
    purpose: LinkPurpose,
    now: UnixTime,
    expires_at: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO link_tokens (token_digest, id, ticket_id, purpose, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_digest)
    .bind(id)
    .bind(ticket_id)
    .bind(purpose)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_link(
    conn: &mut AnyConnection,
    token_digest: &[u8],
) -> Result<Option<LinkRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, ticket_id, purpose, created_at, expires_at, used_at, revoked_at
         FROM link_tokens WHERE token_digest = $1",
    )
    .bind(token_digest)
    .fetch_optional(conn)
    .await
}

/// Spends a link; false when it was spent, revoked or expired meanwhile.
pub async fn mark_link_used(
    conn: &mut AnyConnection,
    link_id: &LinkId,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE link_tokens SET used_at = $1
         WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(link_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every unspent link of a ticket; returns the ids of those revoked.
pub async fn revoke_links(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
    now: UnixTime,
) -> Result<Vec<LinkId>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE link_tokens SET revoked_at = $1
         WHERE ticket_id = $2 AND used_at IS NULL AND revoked_at IS NULL RETURNING id",
    )
    .bind(now)
    .bind(ticket_id)
    .fetch_all(conn)
    .await
}

/// What the console's ticket list is narrowed to (parsed in `search`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFilter {
    /// Any of these; empty for every status.
    pub statuses: Vec<TicketStatus>,
    pub channel: Option<TicketChannel>,
    pub category: Option<Category>,
    pub from: Option<UnixTime>,
    pub until: Option<UnixTime>,
    pub number: Option<String>,
    /// Lower-case text the account's email contains.
    pub email_part: Option<String>,
    pub account: Option<AccountId>,
}

/// The filter as a `WHERE` clause over `tickets t JOIN accounts a`, with
/// the values for its placeholders.
fn where_clause(filter: &TicketFilter) -> Conditions {
    let mut c = Conditions::default();
    if !filter.statuses.is_empty() {
        let placeholders: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| c.value(s.as_str()))
            .collect();
        c.and(format!("t.status IN ({})", placeholders.join(", ")));
    }
    if let Some(channel) = filter.channel {
        let p = c.value(channel.as_str());
        c.and(format!("t.channel = {p}"));
    }
    if let Some(category) = filter.category {
        let p = c.value(category.as_str());
        c.and(format!("t.category = {p}"));
    }
    if let Some(from) = filter.from {
        let p = c.value(from);
        c.and(format!("t.created_at >= {p}"));
    }
    if let Some(until) = filter.until {
        let p = c.value(until);
        c.and(format!("t.created_at < {p}"));
    }
    if let Some(number) = &filter.number {
        let p = c.value(number.as_str());
        c.and(format!("t.number = {p}"));
    }
    if let Some(account) = &filter.account {
        let p = c.value(account.as_str());
        c.and(format!("t.account_id = {p}"));
    }
    if let Some(part) = &filter.email_part {
        let p = c.value(like_contains(part));
        c.and(format!("a.email LIKE {p} ESCAPE '\\'"));
    }
    c
}

pub async fn count_matching(
    conn: &mut AnyConnection,
    filter: &TicketFilter,
) -> Result<i64, sqlx::Error> {
    let conditions = where_clause(filter);
    let sql = format!(
        "SELECT COUNT(*) FROM tickets t JOIN accounts a ON a.id = t.account_id {}",
        conditions.clause()
    );
    let (count,): (i64,) = conditions.query_as(&sql)?.fetch_one(conn).await?;
    Ok(count)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedTicket {
    pub id: TicketId,
    pub number: String,
    pub category: Category,
    pub channel: TicketChannel,
    pub status: TicketStatus,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
    pub full_name: String,
    pub email: String,
}

/// One page of matching tickets, newest first.
pub async fn matching(
    conn: &mut AnyConnection,
    filter: &TicketFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<ListedTicket>, sqlx::Error> {
    let conditions = where_clause(filter);
    let clause = conditions.clause();
    let sql = format!(
        "SELECT t.id, t.number, t.category, t.channel, t.status, t.created_at, t.updated_at, a.full_name, a.email
         FROM tickets t JOIN accounts a ON a.id = t.account_id {clause}
         ORDER BY t.created_at DESC, t.id DESC LIMIT {limit} OFFSET {offset}"
    );
    conditions.query_as(&sql)?.fetch_all(conn).await
}

/// Open tickets counted by status and channel.
pub async fn open_counts(
    conn: &mut AnyConnection,
) -> Result<Vec<(TicketStatus, TicketChannel, i64)>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT status, channel, COUNT(*) FROM tickets WHERE status {} GROUP BY status, channel",
        open_statuses()
    ))
    .fetch_all(conn)
    .await
}

/// Tickets opened since `since`, and of those and older, completed since.
pub async fn opened_and_completed_since(
    conn: &mut AnyConnection,
    since: UnixTime,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM tickets WHERE created_at >= $1),
                (SELECT COUNT(*) FROM tickets WHERE status = 'completed' AND closed_at >= $1)",
    )
    .bind(since)
    .fetch_one(conn)
    .await
}

/// Seconds from request to device added, for OTP requests completed since `since`.
pub async fn completion_seconds_since(
    conn: &mut AnyConnection,
    since: UnixTime,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT closed_at - created_at FROM tickets
         WHERE category = 'otp_request' AND status = 'completed' AND closed_at >= $1",
    )
    .bind(since)
    .fetch_all(conn)
    .await
}
