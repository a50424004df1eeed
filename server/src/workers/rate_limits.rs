//! About every second, on PostgreSQL: adds what this process admitted to
//! the request budgets all processes share, and reads back their totals.

use std::sync::Arc;
use std::time::Duration;

use app::platform::state::Services;
use tokio_util::sync::CancellationToken;

const PERIOD: Duration = Duration::from_secs(1);

pub async fn run(svc: Arc<Services>, shutdown: CancellationToken) {
    loop {
        let stopping = tokio::select! {
            _ = shutdown.cancelled() => true,
            _ = tokio::time::sleep(PERIOD) => false,
        };
        if let Err(e) = svc.limits.flush(&svc.db).await {
            tracing::warn!(error = %e, "sharing the request budgets failed; counting on in memory");
        }
        if stopping {
            break;
        }
    }
}
