//! `/metrics` in the Prometheus text format, for the addresses in
//! `TPO_METRICS_ALLOW` only (others get 404, as if it did not exist), and
//! the middleware that counts every request under its route template.

use std::time::Instant;

use app::platform::metrics::Gauge;
use app::platform::request::ClientInfo;
use app::platform::state::{AppState, Services};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Counts the request and its time under the matched route template
/// (`/otp/atur/{token}`): the raw path would put link tokens in the labels
/// and give every link its own series. Unrouted paths (static files, 404s)
/// share one label.
pub async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let response = next.run(request).await;
    state.services.metrics.request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// GET /metrics.
pub async fn scrape(State(state): State<AppState>, request: Request) -> Response {
    let svc = &state.services;
    let (parts, _) = request.into_parts();
    let client = ClientInfo::from_parts(&parts, &svc.settings.trusted_proxies);
    if !svc.settings.metrics_allow.contains(client.ip) {
        return (StatusCode::NOT_FOUND, "Halaman tidak ditemukan.").into_response();
    }
    match gauges(svc).await {
        Ok(gauges) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            svc.metrics.render(&gauges),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the queues");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The queues as they stand now.
async fn gauges(svc: &Services) -> Result<Vec<Gauge>, sqlx::Error> {
    let now = svc.now();
    let (mails, oldest_mail) = app::mail::repo::QUEUE.backlog(svc.db.pool()).await?;
    let (replies, _) = app::telegram::repo::OUTBOX.backlog(svc.db.pool()).await?;
    Ok(vec![
        Gauge {
            name: "tpo_mail_outbox_depth",
            help: "Mails waiting to be sent (not yet tried, or retrying).",
            value: mails as f64,
        },
        Gauge {
            name: "tpo_mail_outbox_oldest_age_seconds",
            help: "Age of the oldest mail waiting to be sent (0 when none waits).",
            value: oldest_mail.map_or(0, |at| (now - at).max(0)) as f64,
        },
        Gauge {
            name: "tpo_telegram_outbox_depth",
            help: "Telegram bot replies waiting to be sent.",
            value: replies as f64,
        },
        Gauge {
            name: "tpo_runtime_worker_threads",
            help: "Threads running requests (TPO_WORKER_THREADS, else one per core).",
            value: tokio::runtime::Handle::current().metrics().num_workers() as f64,
        },
    ])
}
