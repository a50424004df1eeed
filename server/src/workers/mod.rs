//! Background work beside the web server: sending mail and webhook
//! events, sweeping expired rows, reloading the settings and sharing the
//! request budgets. Each loop stops when the shutdown token is cancelled.

pub mod mail;
pub mod rate_limits;
pub mod settings;
pub mod sweeper;
pub mod webhooks;

use std::time::Duration;

use app::platform::queue::Queue;
use app::platform::state::Services;

/// How long a queue worker rests after a round (`round`: whether it could
/// claim): until the queue's next row is due but at most `idle` (which
/// also picks up rows queued by another process), or 5 s after an error.
async fn rest_after(
    round: Result<(), sqlx::Error>,
    queue: &Queue,
    svc: &Services,
    idle: Duration,
) -> Duration {
    if let Err(e) = round {
        tracing::warn!(queue = queue.table, error = %e, "worker cannot claim from its queue");
        return Duration::from_secs(5);
    }
    match queue.next_due_in(svc.db.pool(), svc.now()).await {
        Ok(Some(seconds)) => Duration::from_secs(seconds as u64).min(idle),
        Ok(None) => idle,
        Err(e) => {
            tracing::warn!(queue = queue.table, error = %e, "worker cannot read its queue");
            idle
        }
    }
}
