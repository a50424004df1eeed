//! The integration API for service clients (the signing service AMS),
//! versioned under `/api/v1`. Callers authenticate with
//! `Authorization: Bearer <client id>.<secret>` (made by
//! `server create-service-client`). Errors are RFC 9457 problem details
//! (`application/problem+json`) with `title` and `detail` in Indonesian
//! and `title_en` and `detail_en` in English.

use app::error::{AppError, internal};
use app::platform::request::ClientInfo;
use app::platform::state::AppState;
use app::service_clients::service::{AuthError, ServiceClient, authenticate};
use app::service_clients::types::Scope;
use app::validation::service::{ValidateError, validate};
use app::validation::types::{ValidateRequest, ValidateResponse, Validation};
use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

pub const VALIDATE_PATH: &str = "/api/v1/validate";
/// A validation request is a few hundred bytes; anything much larger is
/// not one.
const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route(VALIDATE_PATH, post(validate_code))
}

/// An RFC 9457 problem, in Indonesian and English.
pub struct Problem {
    status: StatusCode,
    kind: &'static str,
    title: (&'static str, &'static str),
    detail: (String, String),
}

impl Problem {
    fn new(
        status: StatusCode,
        kind: &'static str,
        title: (&'static str, &'static str),
        detail_id: impl Into<String>,
        detail_en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            kind,
            title,
            detail: (detail_id.into(), detail_en.into()),
        }
    }

    fn bad_request(detail_id: impl Into<String>, detail_en: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            ("Permintaan tidak valid", "Invalid request"),
            detail_id,
            detail_en,
        )
    }

    fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            ("Tidak terautentikasi", "Unauthorized"),
            "Sertakan header `Authorization: Bearer <id klien>.<rahasia>` dari klien layanan yang aktif.",
            "Send `Authorization: Bearer <client id>.<secret>` of an active service client.",
        )
    }

    fn forbidden(detail_id: impl Into<String>, detail_en: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            ("Tidak diizinkan", "Forbidden"),
            detail_id,
            detail_en,
        )
    }

    fn internal(error: AppError) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            ("Gangguan server", "Internal server error"),
            error.to_string(),
            "The server failed; the incident code in `detail` is in its log.",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = json!({
            "type": format!("urn:tambah-perangkat-otp:problem:{}", self.kind),
            "title": self.title.0,
            "title_en": self.title.1,
            "status": self.status.as_u16(),
            "detail": self.detail.0,
            "detail_en": self.detail.1,
        });
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"api/v1\""),
            );
        }
        response
    }
}

/// The calling client, allowed `scope` from where it calls, within its
/// request budget. Read afresh on every call: a revocation holds at once.
async fn admit(
    state: &AppState,
    parts: &Parts,
    caller: &ClientInfo,
    scope: Scope,
) -> Result<ServiceClient, Response> {
    let svc = &state.services;
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    let Some(token) = token else {
        return Err(Problem::unauthorized().into_response());
    };
    let client = match authenticate(svc, token).await {
        Ok(client) => client,
        Err(AuthError::Missing | AuthError::Refused) => {
            return Err(Problem::unauthorized().into_response());
        }
        Err(AuthError::Database(e)) => return Err(Problem::internal(e.into()).into_response()),
        Err(e @ AuthError::Corrupt(..)) => {
            return Err(Problem::internal(internal(e)).into_response());
        }
    };
    if !client.may(scope) {
        return Err(Problem::forbidden(
            format!("Klien layanan ini tidak memiliki cakupan `{scope}`."),
            format!("This service client lacks the `{scope}` scope."),
        )
        .into_response());
    }
    if !client.may_call_from(caller.ip) {
        return Err(Problem::forbidden(
            format!(
                "Alamat {} tidak ada dalam daftar alamat yang diizinkan untuk klien layanan ini.",
                caller.ip
            ),
            format!(
                "Address {} is not in this service client's allow-list.",
                caller.ip
            ),
        )
        .into_response());
    }
    if let Err(AppError::TooManyAttempts(wait)) = svc
        .limits
        .check_service_client(&client.id, client.calls_per_minute.get())
    {
        let mut response = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            ("Terlalu banyak permintaan", "Too many requests"),
            format!("Batas permintaan klien layanan ini terlampaui; coba lagi dalam {wait} detik."),
            format!("This service client's request budget is spent; retry in {wait} s."),
        )
        .into_response();
        if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Err(response);
    }
    Ok(client)
}

/// POST /api/v1/validate: is this code right for this signer?
async fn validate_code(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let svc = &state.services;
    let caller = ClientInfo::from_parts(&parts, svc.settings.trust_forwarded_for);
    // Read first (it is small), so a refusal never meets a client still sending.
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            ("Permintaan terlalu besar", "Request too large"),
            format!("Isi permintaan paling besar {MAX_BODY_BYTES} byte."),
            format!("The request body may be at most {MAX_BODY_BYTES} bytes."),
        )
        .into_response();
    };
    let client = match admit(&state, &parts, &caller, Scope::Validate).await {
        Ok(client) => client,
        Err(refused) => return refused,
    };
    let request: ValidateRequest = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(e) => {
            return Problem::bad_request(
                format!("Isi permintaan harus JSON {{\"signer\", \"code\", \"context\"}}: {e}."),
                format!("The body must be JSON {{\"signer\", \"code\", \"context\"}}: {e}."),
            )
            .into_response();
        }
    };
    let validation = match Validation::parse(request) {
        Ok(validation) => validation,
        Err(e) => return Problem::bad_request(e.id, e.en).into_response(),
    };
    let now = svc.now();
    match validate(svc, &client, &validation, &caller, now).await {
        Ok(outcome) => {
            let device = match &outcome {
                app::validation::service::Outcome::Accepted { device_name, .. } => {
                    Some(device_name.clone())
                }
                _ => None,
            };
            let answer = ValidateResponse {
                result: outcome.result(),
                device,
                checked_at: app::format::rfc3339_utc(now),
            };
            let mut response = axum::Json(answer).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(ValidateError::Database(e)) => Problem::internal(e.into()).into_response(),
        Err(e @ ValidateError::SecretUnreadable(_)) => {
            Problem::internal(internal(e)).into_response()
        }
    }
}
