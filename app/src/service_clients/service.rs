//! Creating, listing, budgeting and revoking service clients (for the
//! command line and the console alike), and recognising one from the
//! bearer token of a request.
//!
//! The token is `<client id>.<secret>`: the id (32 hex characters) finds
//! the row, the secret (43 URL-safe base64 characters, 256 random bits) is
//! compared through its SHA-256 digest in constant time. It is printed
//! once, when the client is created.
//!
//! A client with the `events` scope may have a webhook (see `crate::events`):
//! a URL and a signing secret, which is sealed with the master key (the
//! worker must read it to sign) and shown once, when it is set.

use std::net::IpAddr;

use subtle::ConstantTimeEq;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sqlx::AnyConnection;

use super::repo::{self, InsertClient, ServiceClientRow};
use super::types::{AllowList, CallsPerMinute, NewClient, Scope, Scopes, WebhookUrl};
use super::views::ClientSummary;
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::events::repo as events_repo;
use crate::ids::ServiceClientId;
use crate::platform::crypto::{SecretToken, random_bytes, token_digest};
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::time::UnixTime;

/// A client that proved who it is on this request.
#[derive(Debug, Clone)]
pub struct ServiceClient {
    pub id: ServiceClientId,
    pub name: String,
    pub scopes: Scopes,
    pub allow_from: AllowList,
    pub calls_per_minute: CallsPerMinute,
}

impl ServiceClient {
    /// The client as the actor of an audit entry.
    pub fn actor(&self) -> Actor<'_> {
        Actor::ServiceClient {
            id: &self.id,
            name: &self.name,
        }
    }

    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(scope)
    }

    pub fn may_call_from(&self, ip: IpAddr) -> bool {
        self.allow_from.allows(ip)
    }
}

/// A new client and its bearer token, which is shown this once (and the
/// webhook secret, when it was made with a webhook).
pub struct CreatedClient {
    pub id: ServiceClientId,
    pub token: String,
    pub webhook_secret: Option<String>,
}

/// Stores `client` with a fresh secret, audited as `actor` (from `from`,
/// the console's request; None on the command line).
pub async fn create(
    svc: &Services,
    client: &NewClient,
    actor: Actor<'_>,
    from: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<CreatedClient, sqlx::Error> {
    let mut tx = svc.db.begin_write().await?;
    let created = insert_client(&mut tx, client, actor, from, now).await?;
    tx.commit().await?;
    Ok(created)
}

/// [`create`] with a webhook for its events, in one transaction.
pub async fn create_with_webhook(
    svc: &Services,
    client: &NewClient,
    webhook: &WebhookUrl,
    actor: Actor<'_>,
    from: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<CreatedClient, WebhookError> {
    if !client.scopes.contains(Scope::Events) {
        return Err(WebhookError::NoEventsScope);
    }
    let mut tx = svc.db.begin_write().await?;
    let mut created = insert_client(&mut tx, client, actor, from, now).await?;
    let owner = (&created.id, client.name.as_str());
    let secret = store_webhook(&mut tx, svc, owner, webhook, actor, from, now).await?;
    tx.commit().await?;
    created.webhook_secret = Some(secret);
    Ok(created)
}

async fn insert_client(
    tx: &mut AnyConnection,
    client: &NewClient,
    actor: Actor<'_>,
    from: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<CreatedClient, sqlx::Error> {
    let id = ServiceClientId::generate();
    let secret = SecretToken::generate();
    repo::insert(
        tx,
        InsertClient {
            id: &id,
            name: client.name.as_str(),
            secret_digest: &secret.digest,
            scopes: &client.scopes.to_string(),
            allow_from: &client.allow_from.to_string(),
            calls_per_minute: client.calls_per_minute.into(),
        },
        now,
    )
    .await?;
    let event = AuditEvent::ServiceClientCreated {
        client_id: id.clone(),
        name: client.name.to_string(),
        scopes: client.scopes.to_string(),
        allow_from: client.allow_from.to_string(),
        calls_per_minute: Some(client.calls_per_minute.into()),
    };
    audit::record(tx, AuditEntry::new(actor, event), from, now).await?;
    Ok(CreatedClient {
        token: format!("{id}.{}", secret.text),
        id,
        webhook_secret: None,
    })
}

/// Every client, active ones first, for the console.
pub async fn list(svc: &Services) -> Result<Vec<ClientSummary>, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let rows = repo::all(&mut conn).await?;
    Ok(rows
        .into_iter()
        .map(|row| ClientSummary {
            id: row.id,
            name: row.name,
            scopes: row.scopes,
            allow_from: row.allow_from,
            calls_per_minute: row.calls_per_minute,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
            webhook_url: row.webhook_url,
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("Klien layanan tidak ditemukan.")]
    NotFound,
    #[error("Klien layanan ini sudah dicabut.")]
    Revoked,
    #[error("Webhook hanya untuk klien layanan dengan cakupan events.")]
    NoEventsScope,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Sets the client's webhook (a new secret each time, returned to be shown
/// this once; undelivered events go to the new URL), or with `None` removes
/// it (undelivered events are dropped). Audited.
pub async fn set_webhook(
    svc: &Services,
    id: &ServiceClientId,
    webhook: Option<&WebhookUrl>,
    actor: Actor<'_>,
    from: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<Option<String>, WebhookError> {
    let mut tx = svc.db.begin_write().await?;
    let row = repo::find(&mut tx, id)
        .await?
        .ok_or(WebhookError::NotFound)?;
    if row.revoked_at.is_some() {
        return Err(WebhookError::Revoked);
    }
    let secret = match webhook {
        Some(url) => {
            if !Scopes::parse(&row.scopes).is_ok_and(|s| s.contains(Scope::Events)) {
                return Err(WebhookError::NoEventsScope);
            }
            let owner = (id, row.name.as_str());
            Some(store_webhook(&mut tx, svc, owner, url, actor, from, now).await?)
        }
        None => {
            repo::set_webhook(&mut tx, id, None).await?;
            let discarded = events_repo::discard_pending(&mut tx, id).await?;
            let event = AuditEvent::ServiceClientWebhookChanged {
                client_id: id.clone(),
                name: row.name,
                url: None,
                discarded_events: discarded,
            };
            audit::record(&mut tx, AuditEntry::new(actor, event), from, now).await?;
            None
        }
    };
    tx.commit().await?;
    Ok(secret)
}

/// Stores `url` with a new secret (sealed) for the client `(id, name)` and
/// audits it; the secret's text.
async fn store_webhook(
    tx: &mut AnyConnection,
    svc: &Services,
    (id, name): (&ServiceClientId, &str),
    url: &WebhookUrl,
    actor: Actor<'_>,
    from: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<String, sqlx::Error> {
    let secret = format!("whsec_{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()));
    let sealed = svc.keys.seal(&webhook_owner(id), secret.as_bytes());
    repo::set_webhook(tx, id, Some((url.as_str(), sealed))).await?;
    let event = AuditEvent::ServiceClientWebhookChanged {
        client_id: id.clone(),
        name: name.to_string(),
        url: Some(url.to_string()),
        discarded_events: 0,
    };
    audit::record(tx, AuditEntry::new(actor, event), from, now).await?;
    Ok(secret)
}

/// What a sealed webhook secret is bound to.
fn webhook_owner(id: &ServiceClientId) -> Vec<u8> {
    format!("webhook:{id}").into_bytes()
}

/// Where and how to deliver a client's events now.
pub enum WebhookTarget {
    Ready {
        url: String,
        secret: Vec<u8>,
    },
    /// Revoked, or the webhook was removed.
    Gone,
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("the webhook secret of service client {0} does not open (another master key?)")]
    Unreadable(ServiceClientId),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The client's webhook, read afresh for each delivery.
pub async fn webhook_target(
    svc: &Services,
    id: &ServiceClientId,
) -> Result<WebhookTarget, TargetError> {
    let mut conn = svc.db.pool().acquire().await?;
    let row = repo::webhook(&mut conn, id).await?;
    let Some(repo::WebhookRow {
        webhook_url: Some(url),
        webhook_secret_sealed: Some(sealed),
        revoked_at: None,
    }) = row
    else {
        return Ok(WebhookTarget::Gone);
    };
    let secret = svc
        .keys
        .open(&webhook_owner(id), &sealed)
        .map_err(|_| TargetError::Unreadable(id.clone()))?;
    Ok(WebhookTarget::Ready { url, secret })
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("Klien layanan tidak ditemukan.")]
    NotFound,
    #[error("Klien layanan ini sudah dicabut.")]
    AlreadyRevoked,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What an admin (or the command line) changes on an active client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Revoke it: its next call is refused.
    Revoke,
    /// A new budget, in force from its next call.
    Budget(CallsPerMinute),
}

/// Applies `change` to the active client `id`, in the audit log.
pub async fn change(
    svc: &Services,
    id: &ServiceClientId,
    change: Change,
    actor: Actor<'_>,
    from: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<(), ChangeError> {
    let mut tx = svc.db.begin_write().await?;
    let row = repo::find(&mut tx, id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    let (applied, event) = match change {
        Change::Revoke => {
            let revoked = repo::revoke(&mut tx, id, now).await?;
            if revoked {
                // Its undelivered events have nowhere to go any more.
                events_repo::discard_pending(&mut tx, id).await?;
            }
            let event = AuditEvent::ServiceClientRevoked {
                client_id: id.clone(),
                name: row.name,
            };
            (revoked, event)
        }
        Change::Budget(budget) => (
            repo::set_calls_per_minute(&mut tx, id, budget.into()).await?,
            AuditEvent::ServiceClientBudgetChanged {
                client_id: id.clone(),
                name: row.name,
                from: row.calls_per_minute,
                to: budget.into(),
            },
        ),
    };
    if !applied {
        return Err(ChangeError::AlreadyRevoked);
    }
    audit::record(&mut tx, AuditEntry::new(actor, event), from, now).await?;
    tx.commit().await?;
    Ok(())
}

/// How stale a client's "last used" may get: it is written at most this
/// often, so a busy client does not add a write to every call.
const LAST_USED_PRECISION_SECS: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer …`, or not in the token's shape.
    #[error("missing or malformed bearer token")]
    Missing,
    /// Unknown client, wrong secret or revoked client: one answer.
    #[error("unknown or revoked client")]
    Refused,
    /// A stored row that does not parse: the server's fault.
    #[error("service client {0} has unreadable scopes or allow-list: {1}")]
    Corrupt(ServiceClientId, String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The client of a bearer token (the text after `Bearer `), read afresh on
/// every call so that a revocation holds at once.
pub async fn authenticate(svc: &Services, token: &str) -> Result<ServiceClient, AuthError> {
    let (id, secret) = token.trim().split_once('.').ok_or(AuthError::Missing)?;
    let id = ServiceClientId::parse(id).ok_or(AuthError::Missing)?;
    if secret.is_empty() || secret.len() > 128 {
        return Err(AuthError::Missing);
    }
    let now = svc.now();
    let row = repo::find_for_call(&svc.db, &id).await?;
    let row = row.ok_or(AuthError::Refused)?;
    let matches: bool = token_digest(secret).ct_eq(&row.secret_digest).into();
    if !matches || row.revoked_at.is_some() {
        return Err(AuthError::Refused);
    }
    if row
        .last_used_at
        .is_none_or(|at| now.secs() - at.secs() >= LAST_USED_PRECISION_SECS)
    {
        let mark = async |conn: &mut AnyConnection| repo::mark_used(conn, &row.id, now).await;
        svc.db.read(mark).await?;
    }
    parse_row(row)
}

fn parse_row(row: ServiceClientRow) -> Result<ServiceClient, AuthError> {
    let scopes = Scopes::parse(&row.scopes).map_err(|e| AuthError::Corrupt(row.id.clone(), e))?;
    let allow_from =
        AllowList::parse(&row.allow_from).map_err(|e| AuthError::Corrupt(row.id.clone(), e))?;
    let calls_per_minute = u32::try_from(row.calls_per_minute)
        .map_err(|e| e.to_string())
        .and_then(CallsPerMinute::new)
        .map_err(|e| AuthError::Corrupt(row.id.clone(), e))?;
    Ok(ServiceClient {
        id: row.id,
        name: row.name,
        scopes,
        allow_from,
        calls_per_minute,
    })
}
