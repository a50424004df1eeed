//! SQL for service clients.

use std::sync::LazyLock;

use sqlx::{AnyConnection, FromRow};

use crate::ids::ServiceClientId;
use crate::platform::db::Db;
use crate::platform::statements::Statement;
use crate::time::UnixTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceClientRow {
    pub id: ServiceClientId,
    pub name: String,
    pub secret_digest: Vec<u8>,
    pub scopes: String,
    pub allow_from: String,
    pub calls_per_minute: i64,
    pub created_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
    pub last_used_at: Option<UnixTime>,
    pub webhook_url: Option<String>,
}

pub struct InsertClient<'a> {
    pub id: &'a ServiceClientId,
    pub name: &'a str,
    pub secret_digest: &'a [u8],
    pub scopes: &'a str,
    pub allow_from: &'a str,
    pub calls_per_minute: u32,
}

pub async fn insert(
    conn: &mut AnyConnection,
    client: InsertClient<'_>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO service_clients
             (id, name, secret_digest, scopes, allow_from, calls_per_minute, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(client.id)
    .bind(client.name)
    .bind(client.secret_digest)
    .bind(client.scopes)
    .bind(client.allow_from)
    .bind(i64::from(client.calls_per_minute))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

const COLUMNS: &str = "id, name, secret_digest, scopes, allow_from, calls_per_minute, \
     created_at, revoked_at, last_used_at, webhook_url";

pub async fn find(
    conn: &mut AnyConnection,
    id: &ServiceClientId,
) -> Result<Option<ServiceClientRow>, sqlx::Error> {
    sqlx::query_as(&FIND).bind(id).fetch_optional(conn).await
}

/// [`find`] for an API call's authentication, through [`Db::fetch_all`]
/// (on SQLite on the calling thread).
pub async fn find_for_call(
    db: &Db,
    id: &ServiceClientId,
) -> Result<Option<ServiceClientRow>, sqlx::Error> {
    let rows = db
        .fetch_all(&Statement::new(FIND.clone()).bind(id.as_str()))
        .await?;
    rows.first().map(ServiceClientRow::from_row).transpose()
}

static FIND: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM service_clients WHERE id = $1"));

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

/// Every client, active ones first, newest first within each.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<ServiceClientRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM service_clients
         ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id"
    ))
    .fetch_all(conn)
    .await
}

/// Sets an active client's budget; false when it is revoked (or does not exist).
pub async fn set_calls_per_minute(
    conn: &mut AnyConnection,
    id: &ServiceClientId,
    calls_per_minute: u32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE service_clients SET calls_per_minute = $1 WHERE id = $2 AND revoked_at IS NULL",
    )
    .bind(i64::from(calls_per_minute))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Notes that the client authenticated at `now`.
pub async fn mark_used(
    conn: &mut AnyConnection,
    id: &ServiceClientId,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE service_clients SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
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
