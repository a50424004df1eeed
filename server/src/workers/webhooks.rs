//! Delivers the events outbox (`app::events`) to each service client's
//! webhook: a signed JSON POST per event, each client's events strictly in
//! order (the next waits until the previous one was answered 2xx), failed
//! attempts retried with backoff (5 s doubling to 10 min). Rows are leased
//! (see `platform::queue`), so several processes share the outbox and no
//! event is in flight twice at once; delivery is at least once (a process
//! that dies after the POST and before recording it sends it again), and
//! receivers dedupe on `X-TPO-Delivery`.

use std::sync::Arc;
use std::time::Duration;

use app::events::repo::{self as events_repo, ClaimedEvent};
use app::events::signature;
use app::platform::queue::lease_owner;
use app::platform::state::Services;
use app::service_clients::service::{self as service_clients, WebhookTarget};
use tokio_util::sync::CancellationToken;

/// Longer than an attempt can take, so a lease never runs out mid-POST.
const LEASE_SECONDS: i64 = 60;
/// How long one attempt may take, connection included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How soon a new event (from any process) is noticed.
const IDLE_POLL: Duration = Duration::from_secs(2);

pub async fn run(svc: Arc<Services>, shutdown: CancellationToken) {
    let owner = lease_owner("webhooks");
    let http = match client() {
        Ok(http) => http,
        Err(e) => {
            tracing::error!(error = %e, "webhook worker cannot build its HTTP client; events wait");
            return;
        }
    };
    tracing::info!(worker = %owner, "webhook worker started");
    loop {
        let round = deliver_due(&svc, &http, &owner).await;
        let pause = super::rest_after(round, &events_repo::QUEUE, &svc, IDLE_POLL).await;
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(pause) => {}
        }
    }
    tracing::info!(worker = %owner, "webhook worker stopped");
}

/// The client every delivery uses: a timeout per attempt, no redirects
/// (a receiver that moved is told so by its failures, and the signed body
/// is not sent somewhere else).
fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("tambah-perangkat-otp/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Attempts every event that is due now (each client's first undelivered
/// one); a failure reschedules that client's event and moves on to others.
async fn deliver_due(
    svc: &Services,
    http: &reqwest::Client,
    owner: &str,
) -> Result<(), sqlx::Error> {
    let pool = svc.db.pool();
    while let Some(event) = events_repo::QUEUE
        .claim::<ClaimedEvent>(pool, owner, svc.now(), LEASE_SECONDS)
        .await?
    {
        match deliver(svc, http, &event).await {
            Ok(()) => {
                events_repo::QUEUE
                    .mark_sent(pool, event.id, owner, svc.now())
                    .await?
            }
            Err(reason) => {
                tracing::warn!(
                    client = %event.service_client_id,
                    event = %event.event_id,
                    seq = event.seq,
                    attempt = event.attempts,
                    %reason,
                    "webhook delivery failed; will retry"
                );
                events_repo::retry_later(pool, &event, owner, &reason, svc.now()).await?;
            }
        }
    }
    Ok(())
}

/// One attempt; the error is a short reason for `last_error` (a status, a
/// timeout), never the URL or anything secret.
async fn deliver(
    svc: &Services,
    http: &reqwest::Client,
    event: &ClaimedEvent,
) -> Result<(), String> {
    let target = service_clients::webhook_target(svc, &event.service_client_id)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "webhook target unreadable");
            "webhook tidak dapat dibaca".to_string()
        })?;
    let WebhookTarget::Ready { url, secret } = target else {
        return Err("webhook tidak diatur".into());
    };
    let response = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-TPO-Event", &event.event_type)
        .header("X-TPO-Delivery", &event.event_id)
        .header(
            "X-TPO-Signature",
            signature::header(&secret, svc.now(), &event.body),
        )
        .body(event.body.clone())
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "batas waktu habis".to_string()
            } else if e.is_connect() {
                "tidak dapat terhubung".to_string()
            } else {
                "pengiriman gagal".to_string()
            }
        })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}
