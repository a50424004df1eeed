//! The console's upload of an AMS export: the CSV and the reference photos
//! it names, as multipart form data from /admin/impor. Answers with the
//! import report as JSON.

use std::collections::HashMap;
use std::pin::Pin;

use app::error::AppError;
use app::platform::request::ClientInfo;
use app::platform::state::AppState;
use app::signer_import::pages::{APPLY_PATH, CHECK_PATH};
use app::signer_import::parse::{FileError, MAX_CSV_BYTES};
use app::signer_import::service::{ImportError, MAX_UPLOAD_BYTES, Mode, UploadedPhotos, import};
use axum::Json;
use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use super::staff_gate::admin_of;

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

fn refuse(status: StatusCode, message: impl ToString) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

fn app_error(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
    refuse(status, error)
}

/// Reads a refused upload to its end (up to the size limit) without keeping
/// it: a client still sending when the answer comes would otherwise see a
/// broken connection instead of the answer.
async fn discard(mut body: Body) {
    let mut read = 0;
    while read <= MAX_UPLOAD_BYTES {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, |data| data.len()),
            _ => break,
        }
    }
}

async fn upload(state: &AppState, request: Request, mode: Mode) -> Response {
    let (parts, body) = request.into_parts();
    // The admin is checked before the body is read.
    let admin = match admin_of(state, &parts).await {
        Ok(admin) => admin,
        Err(refused) => {
            discard(body).await;
            return app_error(refused);
        }
    };
    let svc = &state.services;
    let client = ClientInfo::from_parts(&parts, svc.settings.trust_forwarded_for);
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
