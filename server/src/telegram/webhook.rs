//! Webhook mode: Telegram posts each update to `/telegram/webhook` with the
//! secret token it was given in setWebhook.

use app::platform::state::AppState;
use app::telegram::service;
use app::telegram::types::Update;
use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use subtle::ConstantTimeEq;

pub const PATH: &str = "/telegram/webhook";
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The secret token given to setWebhook.
#[derive(Clone)]
pub struct WebhookSecret(pub String);

pub async fn receive(
    State(state): State<AppState>,
    Extension(WebhookSecret(secret)): Extension<WebhookSecret>,
    headers: HeaderMap,
    update: Json<Update>,
) -> StatusCode {
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !bool::from(given.ct_eq(secret.as_bytes())) {
        return StatusCode::UNAUTHORIZED;
    }
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
