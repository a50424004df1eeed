//! SQL of the events outbox: recording an event for every subscribed
//! client, the worker's queue (claimed through `platform::queue`, each
//! client's events in order), and its depth for monitoring.

use sqlx::{AnyConnection, AnyPool};

use super::body::{self, Event, Signer};
use crate::ids::{AccountId, ServiceClientId};
use crate::platform::crypto::random_bytes;
use crate::platform::queue::{Queue, backoff};
use crate::time::UnixTime;

/// Records `event` about `account` for every subscribed client (active,
/// `events` scope, webhook set), inside the caller's transaction; staff
/// accounts are no signers of AMS and make no events. Each
/// client's counter is bumped in id order: on PostgreSQL that row lock
/// makes concurrent transactions number a client's events in commit order.
/// Returns how many rows were written.
pub async fn record(
    conn: &mut AnyConnection,
    account: &AccountId,
    event: &Event<'_>,
    now: UnixTime,
) -> Result<usize, sqlx::Error> {
    let clients: Vec<ServiceClientId> = sqlx::query_scalar(
        "SELECT id FROM service_clients
         WHERE revoked_at IS NULL AND webhook_url IS NOT NULL AND scopes LIKE '%events%'
         ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    if clients.is_empty() {
        return Ok(0);
    }
    let signer: Option<Signer> =
        sqlx::query_as("SELECT ams_id, email FROM accounts WHERE id = $1 AND role = 'signer'")
            .bind(account)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(signer) = signer else {
        return Ok(0);
    };
    for client in &clients {
        let seq: i64 = sqlx::query_scalar(
            "UPDATE service_clients SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq",
        )
        .bind(client)
        .fetch_one(&mut *conn)
        .await?;
        let event_id = hex::encode(random_bytes::<16>());
        sqlx::query(
            "INSERT INTO webhook_events
                 (event_id, service_client_id, seq, event_type, body, created_at, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&event_id)
        .bind(client)
        .bind(seq)
        .bind(event.event_type())
        .bind(body::render(&event_id, event, &signer, now))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(clients.len())
}

/// An event leased to one worker for one delivery attempt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedEvent {
    pub id: i64,
    pub event_id: String,
    pub service_client_id: ServiceClientId,
    pub seq: i64,
    pub event_type: String,
    pub body: String,
    pub attempts: i64,
}

/// A client's event waits until every earlier one was acknowledged.
pub const QUEUE: Queue = Queue {
    table: "webhook_events",
    returning: "id, event_id, service_client_id, seq, event_type, body, attempts",
    also: "AND NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.service_client_id = q.service_client_id AND e.delivered_at IS NULL AND e.seq < q.seq)",
    blank_when_sent: "",
    sent_column: "delivered_at",
};

/// First wait after a failed delivery, doubling per attempt…
const FIRST_BACKOFF_SECONDS: i64 = 5;
/// …up to this.
const MAX_BACKOFF_SECONDS: i64 = 10 * 60;

/// Schedules another attempt: 5 s, 10 s, 20 s … 10 min.
pub async fn retry_later(
    pool: &AnyPool,
    event: &ClaimedEvent,
    owner: &str,
    error: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let wait = backoff(event.attempts, FIRST_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS);
    QUEUE
        .retry_at(pool, event.id, owner, error, now + wait)
        .await
}

/// Drops a client's undelivered events (its webhook was removed or the
/// client revoked: there is nowhere to send them). Returns how many.
pub async fn discard_pending(
    conn: &mut AnyConnection,
    client: &ServiceClientId,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM webhook_events WHERE service_client_id = $1 AND delivered_at IS NULL",
    )
    .bind(client)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes events delivered before `before`: their bodies name signers,
/// and the audit log keeps what happened.
pub async fn forget_delivered(
    conn: &mut AnyConnection,
    before: UnixTime,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM webhook_events WHERE delivered_at < $1")
        .bind(before)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// The outbox as monitoring sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxDepth {
    /// Events not yet acknowledged.
    pub undelivered: i64,
    /// Seconds since the oldest of them was recorded (0 when none waits).
    pub oldest_age_seconds: i64,
}

pub async fn depth(pool: &AnyPool, now: UnixTime) -> Result<OutboxDepth, sqlx::Error> {
    let (undelivered, oldest): (i64, Option<UnixTime>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM webhook_events WHERE delivered_at IS NULL",
    )
    .fetch_one(pool)
    .await?;
    Ok(OutboxDepth {
        undelivered,
        oldest_age_seconds: oldest.map_or(0, |at| (now - at).max(0)),
    })
}
