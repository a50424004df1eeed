use app::platform::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// How long `/readyz` waits for the database: a database that is down
/// otherwise holds the probe for the pool's whole acquire timeout.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The process can serve: the database answers (within two seconds).
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let error = match tokio::time::timeout(READY_TIMEOUT, state.services.db.ping()).await {
        Ok(Ok(())) => return (StatusCode::OK, "ready"),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {READY_TIMEOUT:?}"),
    };
    tracing::warn!(%error, "readiness check: database unreachable");
    (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
}
