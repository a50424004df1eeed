//! Server functions answer every error with status 500 unless told
//! otherwise. This gives API callers the status that matches the error
//! (400 for bad input, 409 for a refused request, 429 when throttled…);
//! only real internal errors stay 500. A database out of reach is 503 with
//! `Retry-After`, on pages as well.

use app::error::{AppError, UNAVAILABLE_RETRY_AFTER_SECONDS};
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn status_from_error(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    if parts.status == StatusCode::SERVICE_UNAVAILABLE {
        parts.headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECONDS),
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}
