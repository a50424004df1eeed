//! Every two seconds: reloads the settings, so a change an admin makes
//! through any process is in force in all of them without a restart.

use std::sync::Arc;
use std::time::Duration;

use app::platform::state::Services;
use tokio_util::sync::CancellationToken;

const PERIOD: Duration = Duration::from_secs(2);

pub async fn run(svc: Arc<Services>, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(PERIOD) => {}
        }
        if let Err(e) = app::settings::service::reload(&svc).await {
            tracing::warn!(error = %e, "reloading the settings failed; keeping the current ones");
        }
    }
}
