//! The selfie upload (multipart, from the camera page or the plain form) and
//! the staff-only photo views (selfies and reference photos).

use app::accounts::types::Role;
use app::error::AppError;
use app::identity_check::face_match::spawn_match;
use app::identity_check::photo::MAX_UPLOAD_BYTES;
use app::identity_check::reference::staff_reference_photo;
use app::identity_check::review::staff_photo;
use app::identity_check::service::{SubmitError, open, submit};
use app::identity_check::types::{CONSENT_FIELD, ConsentMissing, consent_given};
use app::ids::{AccountId, SelfieId};
use app::platform::crypto::presented_token_digest;
use app::platform::rate_limit::Action;
use app::platform::request::ClientInfo;
use app::platform::state::AppState;
use app::tickets::views::LinkProblem;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::path_text::PathText;
use super::staff_gate::holder_for;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/verifikasi/{token}/foto",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route("/admin/swafoto/{id}", get(selfie))
        .route("/admin/referensi/{id}", get(reference))
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// POST /verifikasi/{token}/foto with the photo in the `photo` field and the
/// signer's consent in `consent` (`ya`); without the consent nothing is
/// stored. Script callers (Accept: application/json) get JSON; a plain form
/// gets a redirect.
async fn upload(
    State(state): State<AppState>,
    PathText(token): PathText,
    request: Request,
) -> Response {
    // A token not of the issued shape cannot exist, and what the path
    // decoded to (NUL, spaces…) must not go back into a redirect's Location
    // (found by the hostile-input suite: it answered 500).
    let token = if presented_token_digest(&token).is_some() {
        token
    } else {
        "-".to_string()
    };
    let (parts, body) = request.into_parts();
    let json = wants_json(&parts.headers);
    let svc = &state.services;
    let client = ClientInfo::from_parts(&parts, &svc.settings.trusted_proxies);
    let refuse = |status: StatusCode, message: String, code: &str| -> Response {
        if json {
            (status, Json(json!({ "error": message }))).into_response()
        } else {
            Redirect::to(&format!("/verifikasi/{token}?galat={code}")).into_response()
        }
    };
    if let Err(e) = svc.limits.check(Action::Upload, client.ip) {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            e.to_string(),
            "terlalu-sering",
        );
    }
    let link_refused = |problem: LinkProblem| -> Response {
        // The page itself explains a used, expired or superseded link.
        if json {
            let error = format!("{}. {}", problem.title(), problem.explanation());
            (StatusCode::GONE, Json(json!({ "error": error }))).into_response()
        } else {
            Redirect::to(&format!("/verifikasi/{token}")).into_response()
        }
    };
    // The link first: a body of up to 10 MiB is read only for a live link.
    let check = match open(svc, &token, svc.now()).await {
        Ok(Ok(check)) => check,
        Ok(Err(problem)) => return link_refused(problem),
        Err(e) => return stored_nothing(&refuse, e),
    };
    let request = Request::from_parts(parts, body);
    let Ok(mut multipart) = Multipart::from_request(request, &state).await else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Kirim foto melalui formulir di halaman ini.".into(),
            "bukan-foto",
        );
    };
    let mut photo = None;
    let mut consent = false;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("photo") && photo.is_none() => {
                match field.bytes().await {
                    Ok(bytes) => photo = Some(bytes.to_vec()),
                    Err(_) => {
                        return refuse(StatusCode::PAYLOAD_TOO_LARGE, too_large(), "terlalu-besar");
                    }
                }
            }
            Ok(Some(field)) if field.name() == Some(CONSENT_FIELD) => {
                consent = field.text().await.is_ok_and(|value| consent_given(&value));
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return refuse(StatusCode::PAYLOAD_TOO_LARGE, too_large(), "terlalu-besar");
            }
            Err(_) => break,
        }
    }
    let Some(photo) = photo.filter(|p| !p.is_empty()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Pilih atau ambil foto terlebih dahulu.".into(),
            "bukan-foto",
        );
    };
    let started = std::time::Instant::now();
    let submitted = submit(svc, check, photo, consent, &client, svc.now()).await;
    svc.metrics
        .selfie_processed(started.elapsed().as_secs_f64());
    match submitted {
        Ok(submitted) => {
            // The face-match check runs on its own: a slow service must not
            // keep the signer waiting.
            spawn_match(state.services.clone(), submitted.selfie_id);
            let next = format!("/verifikasi/terkirim?nomor={}", submitted.ticket_number);
            if json {
                Json(json!({ "redirect": next })).into_response()
            } else {
                Redirect::to(&next).into_response()
            }
        }
        Err(SubmitError::NoConsent(problem)) => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            problem.to_string(),
            ConsentMissing::CODE,
        ),
        Err(SubmitError::Photo(problem)) => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            problem.to_string(),
            problem.code(),
        ),
        Err(SubmitError::Link(problem)) => link_refused(problem),
        Err(SubmitError::Database(e)) => stored_nothing(&refuse, e),
    }
}

/// A database failure while taking a selfie: logged with an incident code.
fn stored_nothing(
    refuse: &impl Fn(StatusCode, String, &str) -> Response,
    e: sqlx::Error,
) -> Response {
    let error = app::error::internal(format_args!("storing a selfie: {e}"));
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        error.to_string(),
        "gangguan",
    )
}

fn too_large() -> String {
    app::identity_check::types::PhotoError::TooLarge.to_string()
}

/// A photo only staff may see.
enum StaffPhoto {
    /// GET /admin/swafoto/{selfie id}
    Selfie(String),
    /// GET /admin/referensi/{account id}: the account's reference photo.
    Reference(String),
}

async fn selfie(
    State(state): State<AppState>,
    PathText(id): PathText,
    request: Request,
) -> Response {
    staff_photo_response(&state, request, StaffPhoto::Selfie(id)).await
}

async fn reference(
    State(state): State<AppState>,
    PathText(id): PathText,
    request: Request,
) -> Response {
    staff_photo_response(&state, request, StaffPhoto::Reference(id)).await
}

/// The photo, for a signed-in verifier or admin only; every view is in the
/// audit log, and nothing may cache it.
async fn staff_photo_response(state: &AppState, request: Request, wanted: StaffPhoto) -> Response {
    let svc = &state.services;
    let now = svc.now();
    let (parts, _) = request.into_parts();
    let forbidden = (
        StatusCode::FORBIDDEN,
        "Hanya petugas verifikasi yang dapat melihat foto ini.",
    )
        .into_response();
    let staff = match holder_for(state, &parts.headers, Role::Verifier).await {
        Ok(holder) => holder,
        Err(AppError::Unauthenticated | AppError::Forbidden) => return forbidden,
        Err(error) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response();
        }
    };
    let client = ClientInfo::from_parts(&parts, &svc.settings.trusted_proxies);
    let (found, missing) = match &wanted {
        StaffPhoto::Selfie(id) => (
            match SelfieId::parse(id) {
                Some(id) => staff_photo(svc, &staff, &id, &client, now).await,
                None => Ok(None),
            },
            "Swafoto tidak ada atau sudah dihapus.",
        ),
        StaffPhoto::Reference(id) => (
            match AccountId::parse(id) {
                Some(id) => staff_reference_photo(svc, &staff, &id, &client, now).await,
                None => Ok(None),
            },
            "Akun ini belum memiliki foto referensi.",
        ),
    };
    match found {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-store, private"),
                (header::CONTENT_DISPOSITION, "inline"),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, missing).into_response(),
        Err(e) => {
            let error = app::error::internal(format_args!("reading a staff photo: {e}"));
            (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
        }
    }
}
