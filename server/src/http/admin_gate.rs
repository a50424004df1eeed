//! The admin check of the console's upload routes (multipart bodies that
//! no server function reads): made from the session cookie before the
//! body is read, and the refused body drained without being kept.

use std::pin::Pin;

use app::accounts::service::{SessionHolder, find_session};
use app::accounts::sessions::{COOKIE, Stage};
use app::accounts::types::Role;
use app::error::AppError;
use app::platform::request::cookie_in;
use app::platform::state::AppState;
use axum::Json;
use axum::body::{Body, HttpBody};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub fn refuse(status: StatusCode, message: impl ToString) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

pub fn app_error(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
    refuse(status, error)
}

/// The signed-in admin behind the request's cookie: checked before the
/// body is read.
pub async fn admin(state: &AppState, parts: &Parts) -> Result<SessionHolder, Response> {
    let svc = &state.services;
    let Some(cookie_value) = cookie_in(&parts.headers, COOKIE) else {
        return Err(app_error(AppError::Unauthenticated));
    };
    match find_session(svc, &cookie_value, Stage::Active, svc.now()).await {
        Ok(Some(holder)) if holder.account.role == Role::Admin => Ok(holder),
        Ok(Some(_)) => Err(app_error(AppError::Forbidden)),
        Ok(None) => Err(app_error(AppError::Unauthenticated)),
        Err(e) => Err(app_error(app::error::internal(format_args!(
            "reading an admin session: {e}"
        )))),
    }
}

/// [`admin`], or the refusal after the body was drained with [`discard`].
pub async fn admin_or_drain(
    state: &AppState,
    parts: &Parts,
    body: Body,
    limit: usize,
) -> Result<(SessionHolder, Body), Response> {
    match admin(state, parts).await {
        Ok(admin) => Ok((admin, body)),
        Err(refused) => {
            discard(body, limit).await;
            Err(refused)
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
