//! SQL for the bot: handled updates, chat states, queued replies, the poller lease.

use sqlx::{AnyConnection, AnyPool};

use crate::platform::queue::Queue;
use crate::time::UnixTime;

/// Records an update as handled; false when it was handled before.
pub async fn first_time(
    conn: &mut AnyConnection,
    update_id: i64,
    chat_id: Option<i64>,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO telegram_updates (update_id, chat_id, handled_at) VALUES ($1, $2, $3) ON CONFLICT (update_id) DO NOTHING",
    )
    .bind(update_id)
    .bind(chat_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn load_state(
    conn: &mut AnyConnection,
    chat_id: i64,
) -> Result<Option<(Vec<u8>, UnixTime)>, sqlx::Error> {
    sqlx::query_as("SELECT state_sealed, updated_at FROM telegram_chats WHERE chat_id = $1")
        .bind(chat_id)
        .fetch_optional(conn)
        .await
}

pub async fn save_state(
    conn: &mut AnyConnection,
    chat_id: i64,
    sealed: &[u8],
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO telegram_chats (chat_id, state_sealed, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (chat_id) DO UPDATE SET state_sealed = $2, updated_at = $3",
    )
    .bind(chat_id)
    .bind(sealed)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn enqueue(
    conn: &mut AnyConnection,
    chat_id: i64,
    method: &str,
    payload: &serde_json::Value,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO telegram_outbox (created_at, chat_id, method, payload, next_attempt_at) VALUES ($1, $2, $3, $4, $1)",
    )
    .bind(now)
    .bind(chat_id)
    .bind(method)
    .bind(payload.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether anything was queued for `chat_id` after `since`.
pub async fn replied_since(
    conn: &mut AnyConnection,
    chat_id: i64,
    since: UnixTime,
) -> Result<bool, sqlx::Error> {
    let replies: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM telegram_outbox WHERE chat_id = $1 AND created_at > $2",
    )
    .bind(chat_id)
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(replies > 0)
}

/// Replies go out in order per chat: a reply waits for every earlier one.
pub const OUTBOX: Queue = Queue {
    table: "telegram_outbox",
    returning: "id, chat_id, method, payload, attempts",
    also: "AND NOT EXISTS (SELECT 1 FROM telegram_outbox e WHERE e.chat_id = q.chat_id AND e.sent_at IS NULL AND e.id < q.id)",
    blank_when_sent: ", payload = ''",
    sent_column: "sent_at",
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueuedReply {
    pub id: i64,
    pub chat_id: i64,
    pub method: String,
    pub payload: String,
    pub attempts: i64,
}

/// Takes (or keeps) the right to poll getUpdates until `until`; false when
/// another live process holds it.
pub async fn take_polling_lease(
    pool: &AnyPool,
    owner: &str,
    now: UnixTime,
    until: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE telegram_poller SET owner = $1, lease_until = $2
         WHERE id = 1 AND (owner = $1 OR owner IS NULL OR lease_until < $3)",
    )
    .bind(owner)
    .bind(until)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn release_polling_lease(pool: &AnyPool, owner: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE telegram_poller SET owner = NULL, lease_until = NULL WHERE id = 1 AND owner = $1",
    )
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn next_offset(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT next_offset FROM telegram_poller WHERE id = 1")
        .fetch_one(pool)
        .await
}

/// Moves the offset forward (never back), only while holding the lease.
pub async fn advance_offset(pool: &AnyPool, owner: &str, offset: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE telegram_poller SET next_offset = $1 WHERE id = 1 AND owner = $2 AND next_offset < $1")
        .bind(offset)
        .bind(owner)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets handled update ids and idle chats after a week (Telegram
/// redelivers for a day at most).
pub async fn forget_old(conn: &mut AnyConnection, before: UnixTime) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM telegram_updates WHERE handled_at < $1")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM telegram_chats WHERE updated_at < $1")
        .bind(before)
        .execute(conn)
        .await?;
    Ok(())
}
