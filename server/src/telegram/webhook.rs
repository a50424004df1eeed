//! Webhook mode: Telegram posts each update to `/telegram/webhook` with the
//! secret token it was given in setWebhook.

use app::platform::state::AppState;
use app::telegram::service;
use app::telegram::types::Update;
use axum::body::to_bytes;
use axum::extract::{Extension, Request, State};
use axum::http::StatusCode;
use subtle::ConstantTimeEq;

pub const PATH: &str = "/telegram/webhook";
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The secret token given to setWebhook.
#[derive(Clone)]
pub struct WebhookSecret(pub String);

/// An update is a few kilobytes; Telegram's own limit on message text is 4,096 characters.
const MAX_UPDATE_BYTES: usize = 64 * 1024;

pub async fn receive(
    State(state): State<AppState>,
    Extension(WebhookSecret(secret)): Extension<WebhookSecret>,
    request: Request,
) -> StatusCode {
    let given = request
        .headers()
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    // Checked before the body is read or parsed: strangers get nothing parsed.
    if !bool::from(given.ct_eq(secret.as_bytes())) {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(body) = to_bytes(request.into_body(), MAX_UPDATE_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE;
    };
    let Ok(update) = serde_json::from_slice::<Update>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let svc = &state.services;
    match service::handle_update(svc, &update, svc.now()).await {
        Ok(_) => StatusCode::OK,
        Err(e) => {
            // Telegram retries a failed delivery; the update id makes that safe.
            tracing::warn!(update_id = update.update_id, error = %e, "webhook update not handled");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}
