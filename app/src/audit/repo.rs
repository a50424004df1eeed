//! SQL for the audit log.

use sqlx::AnyConnection;

use super::AuditEvent;
use super::views::AuditLine;
use crate::ids::{AccountId, TicketId};
use crate::platform::request::ClientInfo;
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

pub async fn record(
    conn: &mut AnyConnection,
    entry: AuditEntry<'_>,
    client: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let (actor_account_id, actor) = match entry.actor {
        Actor::Account { id, email } => (Some(id.clone()), email.to_string()),
        Actor::Anonymous { claimed } => (
            None,
            format!("anonim: {}", claimed.chars().take(120).collect::<String>()),
        ),
        Actor::System => (None, "sistem".to_string()),
        Actor::CommandLine => (None, "cli".to_string()),
    };
    let (action, detail) = entry.event.to_stored();
    sqlx::query(
        "INSERT INTO audit_log (at, actor_account_id, actor, action, subject_account_id, ticket_id, detail, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now)
    .bind(actor_account_id)
    .bind(actor)
    .bind(action)
    .bind(entry.subject_account_id)
    .bind(entry.ticket_id)
    .bind(detail)
    .bind(client.map(|c| c.ip.to_string()))
    .bind(client.and_then(|c| c.user_agent.clone()))
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: UnixTime,
    actor: String,
    action: String,
    subject_account_id: Option<AccountId>,
    ticket_id: Option<TicketId>,
    detail: String,
    ip: Option<String>,
    user_agent: Option<String>,
}

/// One entry as read back.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: i64,
    pub at: UnixTime,
    pub actor: String,
    pub event: AuditEvent,
    pub subject_account_id: Option<AccountId>,
    pub ticket_id: Option<TicketId>,
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
            ticket_id: row.ticket_id,
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
            ticket_id: record.ticket_id,
            ip: record.ip,
            user_agent: record.user_agent,
        }
    }
}

/// The newest entries about an account, newest first.
pub async fn for_account(
    conn: &mut AnyConnection,
    account_id: &AccountId,
    limit: i64,
) -> Result<Vec<AuditRecord>, sqlx::Error> {
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT id, at, actor, action, subject_account_id, ticket_id, detail, ip, user_agent
         FROM audit_log WHERE subject_account_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(AuditRecord::try_from).collect()
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
