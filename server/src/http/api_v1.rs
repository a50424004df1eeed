//! The integration API for service clients (the signing service AMS),
//! versioned under `/api/v1`. Callers authenticate with
//! `Authorization: Bearer <client id>.<secret>` (made by
//! `server create-service-client`). Errors are RFC 9457 problem details
//! (`application/problem+json`) with `title` and `detail` in Indonesian
//! and `title_en` and `detail_en` in English.
//!
//! Every route is registered through [`api`], which builds the router and
//! the OpenAPI document (`GET /api/v1/openapi.json`) from the same
//! `#[utoipa::path]` annotations: a handler cannot be routed here without
//! being described.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use app::accounts::types::AmsId;
use app::error::{AppError, internal};
use app::platform::request::ClientInfo;
use app::platform::state::{AppState, Services};
use app::service_clients::service::{AuthError, ServiceClient, authenticate};
use app::service_clients::types::Scope;
use app::signer_import::sync::{
    self, DeviceList, SignerPut, SignerSync, SignerSynced, SyncError, SyncResult,
};
use app::time::UnixTime;
use app::validation::service::{ValidateError, validate};
use app::validation::types::{FieldError, ValidateRequest, ValidateResponse, Validation};
use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
/// A validation request is a few hundred bytes; anything much larger is
/// not one.
const MAX_BODY_BYTES: usize = 16 * 1024;
/// A signer with a reference photo: the photo's largest upload in base64
/// (4 characters for 3 bytes) and room for the rest.
const MAX_SIGNER_BODY_BYTES: usize =
    app::identity_check::photo::MAX_UPLOAD_BYTES / 3 * 4 + MAX_BODY_BYTES;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tambah Perangkat OTP: API integrasi",
        version = "1",
        description = "For the signing service (AMS): check a signer's OTP code, keep signers in step, list their devices. Errors are RFC 9457 problem details in Indonesian (`title`, `detail`) and English (`title_en`, `detail_en`)."
    ),
    modifiers(&BearerToken),
    components(schemas(ProblemBody)),
    tags(
        (name = "validate", description = "Checking codes (scope `validate`)"),
        (name = "sync", description = "Signer sync (scope `sync`)"),
        (name = "contract", description = "This document")
    )
)]
struct ApiDoc;

/// The `bearer` security scheme every route but the document needs.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut Document) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("<client id>.<secret>")
            .description(Some(
                "The token printed once by `server create-service-client`.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The API's routes and their description, from one list.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(validate_code))
        .routes(routes!(put_signer, delete_signer))
        .routes(routes!(signer_devices))
        .routes(routes!(openapi_document))
}

pub fn router() -> Router<AppState> {
    api().split_for_parts().0
}

/// The OpenAPI 3 document of [`router`], as JSON (built once).
pub fn document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        api()
            .into_openapi()
            .to_pretty_json()
            .expect("the OpenAPI document is plain data")
    })
}

/// The document itself; it needs no authentication.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "contract",
    responses((status = 200, description = "This OpenAPI 3 document", content_type = "application/json"))
)]
async fn openapi_document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document()).into_response()
}

/// An RFC 9457 problem as sent.
#[derive(Serialize, ToSchema)]
pub struct ProblemBody {
    /// `urn:tambah-perangkat-otp:problem:<kind>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:tambah-perangkat-otp:problem:invalid-request")]
    kind: String,
    #[schema(example = "Permintaan tidak valid")]
    title: &'static str,
    #[schema(example = "Invalid request")]
    title_en: &'static str,
    #[schema(example = 400)]
    status: u16,
    #[schema(example = "`nik`: NIK harus terdiri dari 16 angka.")]
    detail: String,
    #[schema(
        example = "`nik` must be a valid 16-digit NIK (region code, birth date, serial number)."
    )]
    detail_en: String,
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

    fn invalid_field(error: FieldError) -> Self {
        Self::bad_request(error.id, error.en)
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

    fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            ("Permintaan terlalu besar", "Request too large"),
            format!("Isi permintaan paling besar {limit} byte."),
            format!("The request body may be at most {limit} bytes."),
        )
    }

    /// A failure on the server's side: the database out of reach (503, see
    /// `Retry-After`), or an incident (500).
    fn internal(error: AppError) -> Self {
        if error == AppError::Unavailable {
            return Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                ("Layanan tidak tersedia", "Service unavailable"),
                error.to_string(),
                "The database cannot be reached; nothing was done. Retry after `Retry-After` seconds.",
            );
        }
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            ("Gangguan server", "Internal server error"),
            error.to_string(),
            "The server failed; the incident code in `detail` is in its log.",
        )
    }

    fn of_sync(error: SyncError, ams_id: &AmsId) -> Self {
        match error {
            SyncError::Invalid(e) => Self::invalid_field(e),
            SyncError::NotFound => Self::new(
                StatusCode::NOT_FOUND,
                "not-found",
                ("Tidak ditemukan", "Not found"),
                format!("Tidak ada signer dengan ID AMS `{ams_id}`."),
                format!("No signer has the AMS id `{ams_id}`."),
            ),
            SyncError::Conflict(e) => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                (
                    "Bertentangan dengan data tersimpan",
                    "Conflict with the stored data",
                ),
                e.id,
                e.en,
            ),
            SyncError::Database(e) => Self::internal(e.into()),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = ProblemBody {
            kind: format!("urn:tambah-perangkat-otp:problem:{}", self.kind),
            title: self.title.0,
            title_en: self.title.1,
            status: self.status.as_u16(),
            detail: self.detail.0,
            detail_en: self.detail.1,
        };
        let body = serde_json::to_string(&body).expect("a problem is plain data");
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(app::error::UNAVAILABLE_RETRY_AFTER_SECONDS),
            );
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"api/v1\""),
            );
        }
        response
    }
}

/// A JSON answer that no cache keeps.
fn answer(status: StatusCode, body: impl Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
/// A call let in: the client, where it calls from, what it sent.
struct Call {
    client: ServiceClient,
    caller: ClientInfo,
    body: Bytes,
}

/// The call, if its client may use `scope` from where it calls, within its
/// request budget, with a body of at most `limit` bytes. A small body is
/// read first, so a refusal never meets a client still sending; a large one
/// (a signer's photo) only once the client is admitted, so strangers cannot
/// make the server hold megabytes.
async fn admitted(
    state: &AppState,
    request: Request,
    scope: Scope,
    limit: usize,
) -> Result<Call, Response> {
    let (parts, body) = request.into_parts();
    let caller = ClientInfo::from_parts(&parts, &state.services.settings.trusted_proxies);
    let read = async |body| {
        to_bytes(body, limit)
            .await
            .map_err(|_| Problem::too_large(limit).into_response())
    };
    let (client, body) = if limit <= MAX_BODY_BYTES {
        let body = read(body).await?;
        (admit(state, &parts, &caller, scope).await?, body)
    } else {
        let client = admit(state, &parts, &caller, scope).await?;
        (client, read(body).await?)
    };
    Ok(Call {
        client,
        caller,
        body,
    })
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

/// The problem answers every route with a bearer token may give, for the
/// document.
struct Refusals;

impl IntoResponses for Refusals {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problem_responses(REFUSALS)
    }
}

const REFUSALS: &[(u16, &str)] = &[
    (401, "No, an unknown or a revoked bearer token"),
    (
        403,
        "Without the route's scope, or from an address outside the client's allow-list",
    ),
    (
        429,
        "The client's request budget is spent (see `Retry-After`)",
    ),
    (
        503,
        "The database cannot be reached; nothing was done (retry after `Retry-After`)",
    ),
];

/// [`Refusals`] and the answers of a route about one signer.
struct SignerRefusals;

impl IntoResponses for SignerRefusals {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        let mut responses = problem_responses(REFUSALS);
        responses.append(&mut problem_responses(&[
            (400, "`ams_id` is invalid"),
            (404, "No signer has this AMS id"),
            (409, "A staff account"),
        ]));
        responses
    }
}

fn problem_responses(
    answers: &[(u16, &str)],
) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    answers
        .iter()
        .map(|(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemBody")))
                .build();
            let response = ResponseBuilder::new()
                .description(*description)
                .content("application/problem+json", content)
                .build();
            (status.to_string(), response.into())
        })
        .collect()
}

/// The body as `T`; a problem naming the field (its JSON path) otherwise.
fn json_body<T: DeserializeOwned>(bytes: &[u8], shape: &str) -> Result<T, Problem> {
    let mut json = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let at = if path == "." {
            String::new()
        } else {
            format!("`{path}`: ")
        };
        Problem::bad_request(
            format!("Isi permintaan harus JSON {shape}: {at}{inner}."),
            format!("The body must be JSON {shape}: {at}{inner}."),
        )
    })
}

/// The `{ams_id}` of the path.
fn ams_id_of(path: Result<Path<String>, PathRejection>) -> Result<AmsId, Problem> {
    match path {
        Ok(Path(text)) => sync::parse_ams_id(&text).map_err(Problem::invalid_field),
        Err(e) => Err(Problem::bad_request(
            format!("`ams_id` pada alamat tidak dapat dibaca: {e}."),
            format!("`ams_id` in the path cannot be read: {e}."),
        )),
    }
}

/// Admits a sync call and reads its `{ams_id}`.
async fn sync_call(
    state: &AppState,
    request: Request,
    ams_id: Result<Path<String>, PathRejection>,
) -> Result<(Call, AmsId), Response> {
    let call = admitted(state, request, Scope::Sync, MAX_SIGNER_BODY_BYTES).await?;
    let ams_id = ams_id_of(ams_id).map_err(IntoResponse::into_response)?;
    Ok((call, ams_id))
}

/// Runs `work` on the signer of an admitted sync call; its error as a
/// problem.
async fn about_signer<T>(
    state: &AppState,
    request: Request,
    ams_id: Result<Path<String>, PathRejection>,
    work: impl AsyncFnOnce(
        &Services,
        &ServiceClient,
        &AmsId,
        &ClientInfo,
        UnixTime,
    ) -> Result<T, SyncError>,
) -> Result<T, Response> {
    let (call, ams_id) = sync_call(state, request, ams_id).await?;
    let svc: &Services = &state.services;
    work(svc, &call.client, &ams_id, &call.caller, svc.now())
        .await
        .map_err(|e| Problem::of_sync(e, &ams_id).into_response())
}

/// Is this code right for this signer? Each code is accepted once, on
/// every channel (this API and the site's login); an unknown signer and a
/// wrong code answer alike.
#[utoipa::path(
    post,
    path = "/api/v1/validate",
    tag = "validate",
    request_body(content = ValidateRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The code's verdict", body = ValidateResponse),
        (status = 400, description = "The body is not a validation request", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = ProblemBody, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = []))
)]
async fn validate_code(State(state): State<AppState>, request: Request) -> Response {
    let call = match admitted(&state, request, Scope::Validate, MAX_BODY_BYTES).await {
        Ok(call) => call,
        Err(refused) => return refused,
    };
    let svc = &state.services;
    let request: ValidateRequest =
        match json_body(&call.body, "{\"signer\", \"code\", \"context\"}") {
            Ok(request) => request,
            Err(problem) => return problem.into_response(),
        };
    let validation = match Validation::parse(request) {
        Ok(validation) => validation,
        Err(e) => return Problem::invalid_field(e).into_response(),
    };
    let now = svc.now();
    match validate(svc, &call.client, &validation, &call.caller, now).await {
        Ok(outcome) => {
            let device = match &outcome {
                app::validation::service::Outcome::Accepted { device_name, .. } => {
                    Some(device_name.clone())
                }
                _ => None,
            };
            let body = ValidateResponse {
                result: outcome.result(),
                device,
                checked_at: app::format::rfc3339_utc(now),
            };
            answer(StatusCode::OK, body)
        }
        Err(ValidateError::Database(e)) => Problem::internal(e.into()).into_response(),
        Err(e @ ValidateError::SecretUnreadable(_)) => {
            Problem::internal(internal(e)).into_response()
        }
    }
}

/// Creates or updates the signer AMS knows by `ams_id` (matched by the AMS
/// id first, so the email can change; an account with the email and no
/// AMS id gets it). Idempotent: the same body again answers `unchanged`
/// and writes nothing. `status: suspended` ends the signer's sessions and
/// open requests, like `DELETE`.
#[utoipa::path(
    put,
    path = "/api/v1/signers/{ams_id}",
    tag = "sync",
    params(("ams_id" = String, Path, description = "AMS's id for the signer: 1 to 64 visible ASCII characters, no slash, not `.` or `..`")),
    request_body(content = SignerPut, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = SignerSynced),
        (status = 200, description = "Updated or unchanged", body = SignerSynced),
        (status = 400, description = "A field is invalid (the problem names it)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "A staff account, or the email, NIK or account taken by another signer", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = ProblemBody, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = []))
)]
async fn put_signer(
    State(state): State<AppState>,
    ams_id: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let (call, ams_id) = match sync_call(&state, request, ams_id).await {
        Ok(call) => call,
        Err(refused) => return refused,
    };
    let shape = "data signer {\"email\", \"full_name\", \"nik\", \"status\", …}";
    let signer = match json_body::<SignerPut>(&call.body, shape)
        .and_then(|put| SignerSync::parse(ams_id.clone(), put).map_err(Problem::invalid_field))
    {
        Ok(signer) => signer,
        Err(problem) => return problem.into_response(),
    };
    let svc = &state.services;
    match sync::put(svc, &call.client, signer, &call.caller, svc.now()).await {
        Ok(applied) => {
            let body = SignerSynced::from(&applied);
            let status = match body.result {
                SyncResult::Created => StatusCode::CREATED,
                SyncResult::Updated | SyncResult::Unchanged => StatusCode::OK,
            };
            answer(status, body)
        }
        Err(e) => Problem::of_sync(e, &ams_id).into_response(),
    }
}

/// Deactivates the signer: status `suspended`, sessions ended, open
/// requests and their links closed; the audit log stays. Idempotent.
#[utoipa::path(
    delete,
    path = "/api/v1/signers/{ams_id}",
    tag = "sync",
    params(("ams_id" = String, Path, description = "AMS's id for the signer")),
    responses(
        (status = 204, description = "Deactivated (or already deactivated)"),
        SignerRefusals,
    ),
    security(("bearer" = []))
)]
async fn delete_signer(
    State(state): State<AppState>,
    ams_id: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    match about_signer(&state, request, ams_id, sync::deactivate).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(refused) => refused,
    }
}

/// The signer's OTP devices, oldest first: names and dates only, never a
/// secret or an id to act on a device with.
#[utoipa::path(
    get,
    path = "/api/v1/signers/{ams_id}/devices",
    tag = "sync",
    params(("ams_id" = String, Path, description = "AMS's id for the signer")),
    responses(
        (status = 200, description = "The devices", body = DeviceList),
        SignerRefusals,
    ),
    security(("bearer" = []))
)]
async fn signer_devices(
    State(state): State<AppState>,
    ams_id: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    match about_signer(&state, request, ams_id, sync::devices).await {
        Ok(list) => answer(StatusCode::OK, list),
        Err(refused) => refused,
    }
}
