//! SQL for service clients.

use sqlx::AnyConnection;

use crate::ids::ServiceClientId;
use crate::time::UnixTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceClientRow {
    pub id: ServiceClientId,
    pub name: String,
    pub secret_digest: Vec<u8>,
    pub scopes: String,
    pub allow_from: String,
    pub created_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
}

pub struct InsertClient<'a> {
    pub id: &'a ServiceClientId,
    pub name: &'a str,
    pub secret_digest: &'a [u8],
    pub scopes: &'a str,
    pub allow_from: &'a str,
}

pub async fn insert(
    conn: &mut AnyConnection,
    client: InsertClient<'_>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO service_clients (id, name, secret_digest, scopes, allow_from, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(client.id)
    .bind(client.name)
    .bind(client.secret_digest)
    .bind(client.scopes)
    .bind(client.allow_from)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(
    conn: &mut AnyConnection,
    id: &ServiceClientId,
) -> Result<Option<ServiceClientRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, secret_digest, scopes, allow_from, created_at, revoked_at
         FROM service_clients WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Marks the client revoked; false when it was already (or does not exist).
pub async fn revoke(
    conn: &mut AnyConnection,
    id: &ServiceClientId,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE service_clients SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets (or with `None`, removes) the client's webhook URL and sealed secret.
pub async fn set_webhook(
    conn: &mut AnyConnection,
    id: &ServiceClientId,
    webhook: Option<(&str, Vec<u8>)>,
) -> Result<(), sqlx::Error> {
    let (url, sealed) = webhook.unzip();
    sqlx::query(
        "UPDATE service_clients SET webhook_url = $1, webhook_secret_sealed = $2 WHERE id = $3",
    )
    .bind(url)
    .bind(sealed)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub webhook_url: Option<String>,
    pub webhook_secret_sealed: Option<Vec<u8>>,
    pub revoked_at: Option<UnixTime>,
}

pub async fn webhook(
    conn: &mut AnyConnection,
    id: &ServiceClientId,
) -> Result<Option<WebhookRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT webhook_url, webhook_secret_sealed, revoked_at FROM service_clients WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}
