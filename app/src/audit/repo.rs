//! SQL for the audit log.

use sqlx::AnyConnection;

use super::AuditEvent;
use super::views::AuditLine;
use crate::ids::{AccountId, ServiceClientId, TicketId};
use crate::platform::db::{Conditions, like_contains, values_placeholders};
use crate::platform::request::ClientInfo;
use crate::platform::statements::Statement;
use crate::time::UnixTime;

/// The stored action name of [`AuditEvent::HelpdeskMismatch`].
pub(super) const HELPDESK_MISMATCH: &str = "helpdesk_mismatch";
/// The stored action name of [`AuditEvent::TicketCreated`].
pub(super) const TICKET_CREATED: &str = "ticket_created";

/// Who acted: an account (signer or staff), or the system itself.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Account {
        id: &'a AccountId,
        email: &'a str,
    },
    /// Someone not logged in, named by what they typed (never a password).
    Anonymous {
        claimed: &'a str,
    },
    System,
    /// An operator at the server's command line (`server import-signers`).
    CommandLine,
    /// An account named in a private chat with the Telegram bot, which has
    /// no login: the chat it wrote from is recorded with it.
    TelegramChat {
        id: &'a AccountId,
        email: &'a str,
        chat_id: i64,
    },
    /// A machine client of the integration API (AMS).
    ServiceClient {
        id: &'a ServiceClientId,
        name: &'a str,
    },
}

/// One audit entry, written with [`record`].
#[derive(Debug)]
pub struct AuditEntry<'a> {
    pub actor: Actor<'a>,
    pub event: AuditEvent,
    pub subject_account_id: Option<&'a AccountId>,
    pub ticket_id: Option<&'a TicketId>,
}

impl<'a> AuditEntry<'a> {
    pub fn new(actor: Actor<'a>, event: AuditEvent) -> Self {
        Self {
            actor,
            event,
            subject_account_id: None,
            ticket_id: None,
        }
    }

    pub fn subject(mut self, account_id: &'a AccountId) -> Self {
        self.subject_account_id = Some(account_id);
        self
    }

    pub fn ticket(mut self, ticket_id: &'a TicketId) -> Self {
        self.ticket_id = Some(ticket_id);
        self
    }
}

/// Appends `entry`, made by `client` at `now`.
pub async fn record(
    conn: &mut AnyConnection,
    entry: AuditEntry<'_>,
    client: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    insert(conn, &[entry.prepare(client, now)]).await
}

/// An entry's row, ready to append (with others: see [`insert`]).
#[derive(Debug, Clone)]
pub struct PreparedEntry {
    at: UnixTime,
    actor_account_id: Option<AccountId>,
    actor: String,
    action: String,
    subject_account_id: Option<AccountId>,
    ticket_id: Option<TicketId>,
    detail: String,
    ip: Option<String>,
    user_agent: Option<String>,
}

impl AuditEntry<'_> {
    /// The row this entry, made by `client` at `now`, is stored as.
    pub fn prepare(self, client: Option<&ClientInfo>, now: UnixTime) -> PreparedEntry {
        let (actor_account_id, actor) = match self.actor {
            Actor::Account { id, email } => (Some(id.clone()), email.to_string()),
            Actor::TelegramChat { id, email, chat_id } => (
                Some(id.clone()),
                format!("{email} (lewat Telegram, chat {chat_id})"),
            ),
            Actor::Anonymous { claimed } => (
                None,
                format!("anonim: {}", claimed.chars().take(120).collect::<String>()),
            ),
            Actor::System => (None, "sistem".to_string()),
            Actor::CommandLine => (None, "cli".to_string()),
            Actor::ServiceClient { id, name } => (None, format!("layanan: {name} ({id})")),
        };
        let (action, detail) = self.event.to_stored();
        PreparedEntry {
            at: now,
            actor_account_id,
            actor,
            action,
            subject_account_id: self.subject_account_id.cloned(),
            ticket_id: self.ticket_id.cloned(),
            detail,
            ip: client.map(|c| c.ip.to_string()),
            user_agent: client.and_then(|c| c.user_agent.clone()),
        }
    }
}

/// Appends `entries` in one statement.
pub async fn insert(
    conn: &mut AnyConnection,
    entries: &[PreparedEntry],
) -> Result<(), sqlx::Error> {
    if !entries.is_empty() {
        insert_all(entries).execute(conn).await?;
    }
    Ok(())
}

/// The one statement appending `entries` (at least one).
pub fn insert_all(entries: &[PreparedEntry]) -> Statement {
    let sql = format!(
        "INSERT INTO audit_log (at, actor_account_id, actor, action, subject_account_id, ticket_id, detail, ip, user_agent)
         VALUES {}",
        values_placeholders(entries.len(), 9)
    );
    entries
        .iter()
        .fold(Statement::new(sql), |statement, entry| {
            statement
                .bind(entry.at)
                .bind(entry.actor_account_id.as_ref().map(ToString::to_string))
                .bind(entry.actor.as_str())
                .bind(entry.action.as_str())
                .bind(entry.subject_account_id.as_ref().map(ToString::to_string))
                .bind(entry.ticket_id.as_ref().map(ToString::to_string))
                .bind(entry.detail.as_str())
                .bind(entry.ip.clone())
                .bind(entry.user_agent.clone())
        })
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: UnixTime,
    actor: String,
    action: String,
    subject_account_id: Option<AccountId>,
    subject_email: Option<String>,
    ticket_id: Option<TicketId>,
    ticket_number: Option<String>,
    detail: String,
    ip: Option<String>,
    user_agent: Option<String>,
}

/// The columns of an [`AuditRow`], with the subject's email and the
/// ticket's number where they still exist.
const ROW_FROM: &str =
    "SELECT l.id, l.at, l.actor, l.action, l.subject_account_id, a.email AS subject_email,
        l.ticket_id, t.number AS ticket_number, l.detail, l.ip, l.user_agent
     FROM audit_log l
     LEFT JOIN accounts a ON a.id = l.subject_account_id
     LEFT JOIN tickets t ON t.id = l.ticket_id";

/// One entry as read back.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: i64,
    pub at: UnixTime,
    pub actor: String,
    pub event: AuditEvent,
    pub subject_account_id: Option<AccountId>,
    pub subject_email: Option<String>,
    pub ticket_id: Option<TicketId>,
    pub ticket_number: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl TryFrom<AuditRow> for AuditRecord {
    type Error = sqlx::Error;

    fn try_from(row: AuditRow) -> Result<Self, Self::Error> {
        let event = AuditEvent::from_stored(&row.action, &row.detail)
            .map_err(|e| sqlx::Error::Decode(format!("audit entry {}: {e}", row.id).into()))?;
        Ok(Self {
            id: row.id,
            at: row.at,
            actor: row.actor,
            event,
            subject_account_id: row.subject_account_id,
            subject_email: row.subject_email,
            ticket_id: row.ticket_id,
            ticket_number: row.ticket_number,
            ip: row.ip,
            user_agent: row.user_agent,
        })
    }
}

impl From<AuditRecord> for AuditLine {
    fn from(record: AuditRecord) -> Self {
        let (action, detail) = record.event.to_stored();
        let detail = match serde_json::from_str::<serde_json::Value>(&detail) {
            Ok(serde_json::Value::Object(fields)) => fields
                .iter()
                .map(|(name, value)| match value {
                    serde_json::Value::String(text) => format!("{name}: {text}"),
                    other => format!("{name}: {other}"),
                })
                .collect::<Vec<_>>()
                .join(", "),
            _ => detail,
        };
        Self {
            id: record.id,
            at: record.at,
            actor: record.actor,
            action,
            detail,
            subject_account_id: record.subject_account_id,
            subject_email: record.subject_email,
            ticket_id: record.ticket_id,
            ticket_number: record.ticket_number,
            ip: record.ip,
            user_agent: record.user_agent,
        }
    }
}

/// What the console's audit log is narrowed to (parsed by the console).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    /// Lower-case text the actor column contains.
    pub actor_part: Option<String>,
    pub account: Option<AccountId>,
    /// A stored action name.
    pub action: Option<String>,
    pub from: Option<UnixTime>,
    pub until: Option<UnixTime>,
    /// Only entries older than this (`at`, `id`) one: the next chunk of a
    /// long read, unaffected by entries written meanwhile.
    pub before: Option<(UnixTime, i64)>,
}

fn where_clause(filter: &AuditFilter) -> Conditions {
    let mut c = Conditions::default();
    if let Some(part) = &filter.actor_part {
        let p = c.value(like_contains(part));
        c.and(format!("LOWER(l.actor) LIKE {p} ESCAPE '\\'"));
    }
    if let Some(account) = &filter.account {
        let p = c.value(account.as_str());
        c.and(format!("l.subject_account_id = {p}"));
    }
    if let Some(action) = &filter.action {
        let p = c.value(action.as_str());
        c.and(format!("l.action = {p}"));
    }
    if let Some(from) = filter.from {
        let p = c.value(from);
        c.and(format!("l.at >= {p}"));
    }
    if let Some(until) = filter.until {
        let p = c.value(until);
        c.and(format!("l.at < {p}"));
    }
    if let Some((at, id)) = filter.before {
        let (at, id) = (c.value(at), c.value(id));
        c.and(format!("(l.at < {at} OR (l.at = {at} AND l.id < {id}))"));
    }
    c
}

pub async fn count_matching(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
) -> Result<i64, sqlx::Error> {
    let conditions = where_clause(filter);
    let sql = format!("SELECT COUNT(*) FROM audit_log l {}", conditions.clause());
    let (count,): (i64,) = conditions.query_as(&sql)?.fetch_one(conn).await?;
    Ok(count)
}

/// Matching entries, newest first, `limit` of them after skipping `offset`.
pub async fn matching(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditRecord>, sqlx::Error> {
    let conditions = where_clause(filter);
    let sql = format!(
        "{ROW_FROM} {} ORDER BY l.at DESC, l.id DESC LIMIT {limit} OFFSET {offset}",
        conditions.clause()
    );
    let rows: Vec<AuditRow> = conditions.query_as(&sql)?.fetch_all(conn).await?;
    rows.into_iter().map(AuditRecord::try_from).collect()
}

/// The newest entries about an account, newest first.
pub async fn for_account(
    conn: &mut AnyConnection,
    account_id: &AccountId,
    limit: i64,
) -> Result<Vec<AuditRecord>, sqlx::Error> {
    let filter = AuditFilter {
        account: Some(account_id.clone()),
        ..AuditFilter::default()
    };
    matching(conn, &filter, limit, 0).await
}

/// Where a ticket was asked from: the client address and user agent of
/// its creation, when the channel had them (the web; not Telegram).
pub async fn ticket_origin(
    conn: &mut AnyConnection,
    ticket_id: &TicketId,
) -> Result<(Option<String>, Option<String>), sqlx::Error> {
    let origin: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT ip, user_agent FROM audit_log WHERE ticket_id = $1 AND action = $2 ORDER BY id LIMIT 1",
    )
    .bind(ticket_id)
    .bind(TICKET_CREATED)
    .fetch_optional(conn)
    .await?;
    Ok(origin.unwrap_or_default())
}

/// Helpdesk requests for an account whose data did not match, since `since`.
pub async fn helpdesk_mismatches_since(
    conn: &mut AnyConnection,
    account_id: &AccountId,
    since: UnixTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE subject_account_id = $1 AND action = $2 AND at > $3",
    )
    .bind(account_id)
    .bind(HELPDESK_MISMATCH)
    .bind(since)
    .fetch_one(conn)
    .await
}
