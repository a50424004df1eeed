//! The console's upload of an AMS export: the CSV and the reference photos
//! it names, as multipart form data from /admin/impor. Answers with the
//! import report as JSON.

use std::collections::HashMap;

use app::platform::request::ClientInfo;
use app::platform::state::AppState;
use app::signer_import::pages::{APPLY_PATH, CHECK_PATH};
use app::signer_import::parse::{FileError, MAX_CSV_BYTES};
use app::signer_import::service::{ImportError, MAX_UPLOAD_BYTES, Mode, UploadedPhotos, import};
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::admin_gate::{admin_or_drain, app_error, refuse};

pub fn router() -> Router<AppState> {
    let limit = DefaultBodyLimit::max(MAX_UPLOAD_BYTES);
    Router::new()
        .route(CHECK_PATH, post(check).layer(limit))
        .route(APPLY_PATH, post(apply).layer(limit))
}

/// Staff route: admin only.
/// POST /admin/impor/periksa: the dry run; nothing is saved.
async fn check(State(state): State<AppState>, request: Request) -> Response {
    upload(&state, request, Mode::DryRun).await
}

/// Staff route: admin only.
/// POST /admin/impor/terapkan: imports the file.
async fn apply(State(state): State<AppState>, request: Request) -> Response {
    upload(&state, request, Mode::Apply).await
}

async fn upload(state: &AppState, request: Request, mode: Mode) -> Response {
    let (parts, body) = request.into_parts();
    let (admin, body) = match admin_or_drain(state, &parts, body, MAX_UPLOAD_BYTES).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let svc = &state.services;
    let client = ClientInfo::from_parts(&parts, &svc.settings.trusted_proxies);
    let Ok(mut multipart) = Multipart::from_request(Request::from_parts(parts, body), state).await
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Kirim berkas melalui formulir di halaman Impor Signer.",
        );
    };
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Unggahan terlalu besar: CSV dan foto bersama maksimal {} MB. Bagi menjadi beberapa impor.",
                MAX_UPLOAD_BYTES / 1024 / 1024
            ),
        )
    };
    let mut csv = None;
    let mut photos = HashMap::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
            Err(_) => return refuse(StatusCode::BAD_REQUEST, "Unggahan terputus. Coba lagi."),
        };
        let name = field.name().unwrap_or_default().to_string();
        // Browsers send the bare file name; keep only that in any case.
        let file_name = field
            .file_name()
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
            .unwrap_or_default();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
            Err(_) => return refuse(StatusCode::BAD_REQUEST, "Unggahan terputus. Coba lagi."),
        };
        match name.as_str() {
            "csv" if !bytes.is_empty() => csv = Some(bytes),
            // An empty photo input still sends one empty part.
            "photos" if !file_name.is_empty() && !bytes.is_empty() => {
                photos.insert(file_name, bytes.to_vec());
            }
            _ => {}
        }
    }
    let Some(csv) = csv else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Pilih berkas CSV ekspor AMS terlebih dahulu.",
        );
    };
    if csv.len() > MAX_CSV_BYTES {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, FileError::TooLarge);
    }
    let outcome = import(
        svc,
        &csv,
        &UploadedPhotos(photos),
        mode,
        admin.account.actor(),
        Some(&client),
        svc.now(),
    )
    .await;
    match outcome {
        Ok(report) => Json(report).into_response(),
        Err(ImportError::File(problem)) => refuse(StatusCode::UNPROCESSABLE_ENTITY, problem),
        Err(ImportError::Conflict(message)) => refuse(StatusCode::CONFLICT, message),
        Err(ImportError::Database(e)) => {
            app_error(app::error::internal(format_args!("importing signers: {e}")))
        }
    }
}
