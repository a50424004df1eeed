//! Sends queued bot replies, in order per chat, each at most once per lease.

use std::sync::Arc;
use std::time::Duration;

use app::platform::queue::{backoff, lease_owner};
use app::platform::state::Services;
use app::telegram::repo::{self, QueuedReply};
use tokio_util::sync::CancellationToken;

use super::client::{BotApi, CallError};

const LEASE_SECONDS: i64 = 60;
const IDLE_POLL: Duration = Duration::from_secs(10);

pub async fn run(svc: Arc<Services>, api: Arc<BotApi>, shutdown: CancellationToken) {
    let owner = lease_owner("telegram-send");
    loop {
        if let Err(e) = send_due(&svc, &api, &owner).await {
            tracing::warn!(error = %e, "Telegram sender cannot read its queue");
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = svc.telegram_queued.notified() => {}
            _ = tokio::time::sleep(IDLE_POLL) => {}
        }
    }
}

async fn send_due(svc: &Services, api: &BotApi, owner: &str) -> Result<(), sqlx::Error> {
    let pool = svc.db.pool();
    while let Some(reply) = repo::OUTBOX
        .claim::<QueuedReply>(pool, owner, svc.now(), LEASE_SECONDS)
        .await?
    {
        let payload: serde_json::Value = serde_json::from_str(&reply.payload).unwrap_or_default();
        match api.call(&reply.method, &payload).await {
            Ok(()) => {
                repo::OUTBOX
                    .mark_sent(pool, reply.id, owner, svc.now())
                    .await?
            }
            Err(CallError::Rejected(reason)) => {
                // Refused for good (the chat blocked the bot, a message already
                // gone): retrying cannot help, and later replies must not wait.
                tracing::warn!(chat_id = reply.chat_id, method = %reply.method, %reason, "Telegram refused a reply");
                repo::OUTBOX
                    .mark_sent(pool, reply.id, owner, svc.now())
                    .await?;
            }
            Err(CallError::RetryAfter(seconds)) => {
                repo::OUTBOX
                    .retry_at(
                        pool,
                        reply.id,
                        owner,
                        "rate limited",
                        svc.now() + seconds.max(1),
                    )
                    .await?;
            }
            Err(CallError::Unreachable(error)) => {
                tracing::warn!(%error, "Telegram unreachable; replies wait");
                let next = svc.now() + backoff(reply.attempts, 30, 5 * 60);
                repo::OUTBOX
                    .retry_at(pool, reply.id, owner, &error, next)
                    .await?;
                break;
            }
        }
    }
    Ok(())
}
