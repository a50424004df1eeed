use sqlx::AnyConnection;

use super::AuditAction;
use crate::platform::clock::UnixTime;
use crate::platform::request::ClientInfo;

/// Who acted: an account (signer or staff), or the system itself.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Account {
        id: &'a str,
        email: &'a str,
    },
    /// Someone not logged in, named by what they typed (never a password).
    Anonymous {
        claimed: &'a str,
    },
    System,
}

/// One audit entry, written with [`record`].
#[derive(Debug)]
pub struct AuditEntry<'a> {
    pub actor: Actor<'a>,
    pub action: AuditAction,
    pub subject_account_id: Option<&'a str>,
    pub ticket_id: Option<&'a str>,
    pub detail: serde_json::Value,
}

impl<'a> AuditEntry<'a> {
    pub fn new(actor: Actor<'a>, action: AuditAction) -> Self {
        Self {
            actor,
            action,
            subject_account_id: None,
            ticket_id: None,
            detail: serde_json::json!({}),
        }
    }

    pub fn subject(mut self, account_id: &'a str) -> Self {
        self.subject_account_id = Some(account_id);
        self
    }

    pub fn ticket(mut self, ticket_id: &'a str) -> Self {
        self.ticket_id = Some(ticket_id);
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
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
        Actor::Account { id, email } => (Some(id.to_string()), email.to_string()),
        Actor::Anonymous { claimed } => (
            None,
            format!("anonim: {}", claimed.chars().take(120).collect::<String>()),
        ),
        Actor::System => (None, "sistem".to_string()),
    };
    sqlx::query(
        "INSERT INTO audit_log (at, actor_account_id, actor, action, subject_account_id, ticket_id, detail, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now)
    .bind(actor_account_id)
    .bind(actor)
    .bind(entry.action.as_str())
    .bind(entry.subject_account_id)
    .bind(entry.ticket_id)
    .bind(entry.detail.to_string())
    .bind(client.map(|c| c.ip.to_string()))
    .bind(client.and_then(|c| c.user_agent.clone()))
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject_account_id: Option<String>,
    pub ticket_id: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The newest entries about an account, newest first.
pub async fn for_account(
    conn: &mut AnyConnection,
    account_id: &str,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, actor, action, subject_account_id, ticket_id, detail, ip, user_agent
         FROM audit_log WHERE subject_account_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// A sentence for the account holder about their own account's history, for
/// the events they should notice; other actions return `None`.
pub fn describe_for_holder(row: &AuditRow) -> Option<String> {
    let detail: serde_json::Value = serde_json::from_str(&row.detail).unwrap_or_default();
    let text = |key: &str| detail[key].as_str().unwrap_or("-").to_string();
    let ip = row.ip.clone().unwrap_or_else(|| "-".into());
    Some(match AuditAction::parse(&row.action)? {
        AuditAction::DeviceAdded => {
            let channel = crate::otp_devices::Channel::parse(&text("channel"))
                .map(|c| c.label())
                .unwrap_or("-");
            format!(
                "Perangkat \"{}\" ditambahkan melalui {channel}.",
                text("name")
            )
        }
        AuditAction::DeviceRemoved => format!("Perangkat \"{}\" dihapus.", text("name")),
        AuditAction::DeviceEvicted => format!(
            "Perangkat \"{}\" dihapus otomatis karena batas {} perangkat tercapai.",
            text("name"),
            detail["max_devices"].as_u64().unwrap_or_default()
        ),
        AuditAction::DeviceRenamed => format!(
            "Perangkat \"{}\" diganti nama menjadi \"{}\".",
            text("from"),
            text("to")
        ),
        AuditAction::LoginSucceeded => format!(
            "Masuk dengan kode dari perangkat \"{}\" (IP {ip}).",
            text("device_name")
        ),
        AuditAction::LoginOtpReplayed => {
            format!("Kode OTP yang sudah pernah dipakai ditolak (IP {ip}).")
        }
        _ => return None,
    })
}
