//! Once a minute: removes expired sessions and pending enrollments, closes
//! tickets whose links expired, deletes selfies past their retention and
//! webhook events delivered over a month ago, and forgets idle rate-limit
//! entries.

use std::sync::Arc;
use std::time::Duration;

use app::accounts::repo as accounts_repo;
use app::otp_devices::repo as devices_repo;
use app::platform::state::Services;
use tokio_util::sync::CancellationToken;

const PERIOD: Duration = Duration::from_secs(60);
/// How long a delivered webhook event stays (for support questions).
const DELIVERED_EVENTS_KEPT: i64 = 30 * 86_400;
/// Failure counters quiet this long are forgotten (each policy forgets its
/// own sooner; blocked device cookies stay on the lockout list).
const FAILURE_COUNTERS_KEPT: i64 = 86_400;

pub async fn run(svc: Arc<Services>, shutdown: CancellationToken) {
    loop {
        if let Err(e) = sweep(&svc).await {
            tracing::warn!(error = %e, "sweep failed; will try again");
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(PERIOD) => {}
        }
    }
}

pub async fn sweep(svc: &Services) -> Result<(), sqlx::Error> {
    let now = svc.now();
    let mut conn = svc.db.pool().acquire().await?;
    let sessions = accounts_repo::delete_expired_sessions(&mut conn, now).await?;
    let pending = devices_repo::delete_expired_pending(&mut conn, now).await?;
    app::telegram::repo::forget_old(&mut conn, now - 7 * 86_400).await?;
    app::events::repo::forget_delivered(&mut conn, now - DELIVERED_EVENTS_KEPT).await?;
    accounts_repo::forget_quiet_counters(&mut conn, now - FAILURE_COUNTERS_KEPT).await?;
    drop(conn);
    let tickets = app::tickets::service::expire_stale(svc, now).await?;
    let photos = app::identity_check::service::purge_old_photos(
        svc,
        svc.tunables().selfie_retention_days,
        now,
    )
    .await?;
    svc.limits.forget_idle();
    if sessions + pending > 0 || tickets + photos > 0 {
        tracing::info!(sessions, pending, tickets, photos, "swept expired rows");
    }
    Ok(())
}
