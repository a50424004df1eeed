//! Long polling: only the process holding the lease calls getUpdates, so two
//! processes never both poll or both answer. The offset moves past an update
//! only after it was handled and committed; a redelivered update is
//! recognised by its id and skipped.

use std::sync::Arc;
use std::time::Duration;

use app::platform::queue::lease_owner;
use app::platform::state::Services;
use app::telegram::{repo, service};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::client::{BotApi, CallError};

const POLL_SECONDS: u64 = 25;
const LEASE_SECONDS: i64 = 60;
const PAUSE: Duration = Duration::from_secs(5);

pub async fn run(svc: Arc<Services>, api: Arc<BotApi>, shutdown: CancellationToken) {
    let owner = lease_owner("telegram");
    tracing::info!(poller = %owner, "Telegram bot started (long polling)");
    // getUpdates refuses to run while a webhook is set.
    if let Err(e) = api
        .call("deleteWebhook", &json!({ "drop_pending_updates": false }))
        .await
    {
        tracing::warn!(error = %e, "deleteWebhook failed");
    }
    while !shutdown.is_cancelled() {
        let now = svc.now();
        let pause =
            match repo::take_polling_lease(svc.db.pool(), &owner, now, now + LEASE_SECONDS).await {
                Ok(true) => poll_once(&svc, &api, &owner, &shutdown).await,
                Ok(false) => Some(PAUSE),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot take the Telegram polling lease");
                    Some(PAUSE)
                }
            };
        if let Some(pause) = pause {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }
    if let Err(e) = repo::release_polling_lease(svc.db.pool(), &owner).await {
        tracing::warn!(error = %e, "cannot release the Telegram polling lease");
    }
    tracing::info!(poller = %owner, "Telegram bot stopped");
}

/// One getUpdates round; returns how long to pause before the next.
async fn poll_once(
    svc: &Services,
    api: &BotApi,
    owner: &str,
    shutdown: &CancellationToken,
) -> Option<Duration> {
    let offset = match repo::next_offset(svc.db.pool()).await {
        Ok(offset) => offset,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the Telegram offset");
            return Some(PAUSE);
        }
    };
    let updates = tokio::select! {
        _ = shutdown.cancelled() => return None,
        updates = api.get_updates(offset, POLL_SECONDS) => updates,
    };
    match updates {
        Ok(updates) => {
            for update in updates {
                match service::handle_update(svc, &update, svc.now()).await {
                    Ok(_) => {
                        if let Err(e) =
                            repo::advance_offset(svc.db.pool(), owner, update.update_id + 1).await
                        {
                            tracing::warn!(error = %e, "cannot store the Telegram offset");
                            return Some(PAUSE);
                        }
                    }
                    Err(e) => {
                        // Not acknowledged: Telegram delivers it again.
                        tracing::warn!(update_id = update.update_id, error = %e, "Telegram update not handled; will retry");
                        return Some(PAUSE);
                    }
                }
            }
            None
        }
        Err(CallError::RetryAfter(seconds)) => Some(Duration::from_secs(seconds.max(1) as u64)),
        Err(e) => {
            tracing::warn!(error = %e, "getUpdates failed");
            Some(PAUSE)
        }
    }
}
