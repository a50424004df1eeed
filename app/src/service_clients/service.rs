//! Creating and revoking service clients, and recognising one from the
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
use super::types::{AllowList, ClientName, Scope, Scopes, WebhookUrl};
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::events::repo as events_repo;
use crate::ids::ServiceClientId;
use crate::platform::crypto::{SecretToken, random_bytes, token_digest};
use crate::platform::state::Services;
use crate::time::UnixTime;

/// A client that proved who it is on this request.
#[derive(Debug, Clone)]
pub struct ServiceClient {
    pub id: ServiceClientId,
    pub name: String,
    pub scopes: Scopes,
    pub allow_from: AllowList,
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

pub async fn create(
    svc: &Services,
    name: &ClientName,
    scopes: &Scopes,
    allow_from: &AllowList,
    actor: Actor<'_>,
    now: UnixTime,
) -> Result<CreatedClient, sqlx::Error> {
    let mut tx = svc.db.begin_write().await?;
    let created = insert_client(&mut tx, name, scopes, allow_from, actor, now).await?;
    tx.commit().await?;
    Ok(created)
}

/// [`create`] with a webhook for its events, in one transaction.
pub async fn create_with_webhook(
    svc: &Services,
    name: &ClientName,
    scopes: &Scopes,
    allow_from: &AllowList,
    webhook: &WebhookUrl,
    actor: Actor<'_>,
    now: UnixTime,
) -> Result<CreatedClient, WebhookError> {
    if !scopes.contains(Scope::Events) {
        return Err(WebhookError::NoEventsScope);
    }
    let mut tx = svc.db.begin_write().await?;
    let mut created = insert_client(&mut tx, name, scopes, allow_from, actor, now).await?;
    let secret = store_webhook(
        &mut tx,
        svc,
        &created.id,
        name.as_str(),
        webhook,
        actor,
        now,
    )
    .await?;
    tx.commit().await?;
    created.webhook_secret = Some(secret);
    Ok(created)
}

async fn insert_client(
    tx: &mut AnyConnection,
    name: &ClientName,
    scopes: &Scopes,
    allow_from: &AllowList,
    actor: Actor<'_>,
    now: UnixTime,
) -> Result<CreatedClient, sqlx::Error> {
    let id = ServiceClientId::generate();
    let secret = SecretToken::generate();
    repo::insert(
        tx,
        InsertClient {
            id: &id,
            name: name.as_str(),
            secret_digest: &secret.digest,
            scopes: &scopes.to_string(),
            allow_from: &allow_from.to_string(),
        },
        now,
    )
    .await?;
    let event = AuditEvent::ServiceClientCreated {
        client_id: id.clone(),
        name: name.to_string(),
        scopes: scopes.to_string(),
        allow_from: allow_from.to_string(),
    };
    audit::record(tx, AuditEntry::new(actor, event), None, now).await?;
    Ok(CreatedClient {
        token: format!("{id}.{}", secret.text),
        id,
        webhook_secret: None,
    })
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
            Some(store_webhook(&mut tx, svc, id, &row.name, url, actor, now).await?)
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
            audit::record(&mut tx, AuditEntry::new(actor, event), None, now).await?;
            None
        }
    };
    tx.commit().await?;
    Ok(secret)
}

/// Stores `url` with a new secret (sealed) and audits it; the secret's text.
async fn store_webhook(
    tx: &mut AnyConnection,
    svc: &Services,
    id: &ServiceClientId,
    name: &str,
    url: &WebhookUrl,
    actor: Actor<'_>,
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
    audit::record(tx, AuditEntry::new(actor, event), None, now).await?;
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
pub enum RevokeError {
    #[error("Klien layanan tidak ditemukan.")]
    NotFound,
    #[error("Klien layanan ini sudah dicabut.")]
    AlreadyRevoked,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn revoke(
    svc: &Services,
    id: &ServiceClientId,
    actor: Actor<'_>,
    now: UnixTime,
) -> Result<(), RevokeError> {
    let mut tx = svc.db.begin_write().await?;
    let row = repo::find(&mut tx, id)
        .await?
        .ok_or(RevokeError::NotFound)?;
    if !repo::revoke(&mut tx, id, now).await? {
        return Err(RevokeError::AlreadyRevoked);
    }
    // Nowhere to send them any more.
    events_repo::discard_pending(&mut tx, id).await?;
    let event = AuditEvent::ServiceClientRevoked {
        client_id: id.clone(),
        name: row.name,
    };
    audit::record(&mut tx, AuditEntry::new(actor, event), None, now).await?;
    tx.commit().await?;
    Ok(())
}

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
    let mut conn = svc.db.pool().acquire().await?;
    let row = repo::find(&mut conn, &id).await?;
    drop(conn);
    let Some(row) = row else {
        return Err(AuthError::Refused);
    };
    let matches: bool = token_digest(secret).ct_eq(&row.secret_digest).into();
    if !matches || row.revoked_at.is_some() {
        return Err(AuthError::Refused);
    }
    parse_row(row)
}

fn parse_row(row: ServiceClientRow) -> Result<ServiceClient, AuthError> {
    let scopes = Scopes::parse(&row.scopes).map_err(|e| AuthError::Corrupt(row.id.clone(), e))?;
    let allow_from =
        AllowList::parse(&row.allow_from).map_err(|e| AuthError::Corrupt(row.id.clone(), e))?;
    Ok(ServiceClient {
        id: row.id,
        name: row.name,
        scopes,
        allow_from,
    })
}
