//! The admin check of the console's upload routes (multipart bodies that
//! no server function reads): made from the session cookie before the
//! body is read, and the refused body drained without being kept.

use std::pin::Pin;

use app::accounts::service::SessionHolder;
use app::error::AppError;
use app::platform::state::AppState;
use axum::Json;
use axum::body::{Body, HttpBody};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::staff_gate::admin_of;

pub fn refuse(status: StatusCode, message: impl ToString) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

pub fn app_error(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
    refuse(status, error)
}

/// The signed-in admin (checked before the body is read), or the refusal
/// after the body was drained with [`discard`].
pub async fn admin_or_drain(
    state: &AppState,
    parts: &Parts,
    body: Body,
    limit: usize,
) -> Result<(SessionHolder, Body), Response> {
    match admin_of(state, parts).await {
        Ok(admin) => Ok((admin, body)),
        Err(refused) => {
            discard(body, limit).await;
            Err(app_error(refused))
        }
    }
}

/// Reads a refused upload to its end (up to `limit` bytes) without keeping
/// it: a client still sending when the answer comes would otherwise see a
/// broken connection instead of the answer.
pub async fn discard(mut body: Body, limit: usize) {
    let mut read = 0;
    while read <= limit {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, |data| data.len()),
            _ => break,
        }
    }
}
