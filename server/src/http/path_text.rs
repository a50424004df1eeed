//! A path parameter as text, refused in Indonesian when it does not decode
//! (`%ff`, overlong UTF-8): axum's own rejection is English.

use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

pub struct PathText(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathText {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(text)) => Ok(Self(text)),
            Err(_) => Err((
                StatusCode::BAD_REQUEST,
                "Alamat tidak valid: periksa kembali tautan yang Anda buka.",
            )
                .into_response()),
        }
    }
}
