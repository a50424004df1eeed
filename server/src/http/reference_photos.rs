//! The console's upload of a signer's reference photo (the AMS
//! registration photo) from the account page, a plain multipart form that
//! works without JavaScript: it answers with a redirect back to the page.

use app::identity_check::photo::MAX_UPLOAD_BYTES;
use app::identity_check::reference::set_reference_photo_by_id;
use app::identity_check::types::{CONSENT_FIELD, PhotoError, ReferenceProblem, consent_given};
use app::ids::AccountId;
use app::platform::request::ClientInfo;
use app::platform::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;

use super::admin_gate::admin_or_drain;
use super::path_text::PathText;

/// The account page's form posts here (`{id}` is the account id).
pub const PATH: &str = "/admin/akun/{id}/referensi";
/// A multipart body holds the photo and a few short fields.
const BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, post(upload).layer(DefaultBodyLimit::max(BODY_LIMIT)))
}

/// Staff route: admin only.
/// POST /admin/akun/{id}/referensi with the photo in `photo` and the
/// admin's word that the signer agreed at registration in `consent` (`ya`).
/// Redirects to the account page with `?ok=referensi`, or `?galat=<code>`
/// (`ReferenceProblem`) with nothing stored.
async fn upload(
    State(state): State<AppState>,
    PathText(id): PathText,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let (admin, body) = match admin_or_drain(&state, &parts, body, BODY_LIMIT).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let Some(account_id) = AccountId::parse(&id) else {
        return (StatusCode::NOT_FOUND, "Akun tidak ditemukan.").into_response();
    };
    let svc = &state.services;
    let client = ClientInfo::from_parts(&parts, &svc.settings.trusted_proxies);
    let back = |outcome: String| {
        Redirect::to(&format!("/admin/akun/{account_id}?{outcome}")).into_response()
    };
    let refuse = |problem: ReferenceProblem| back(format!("galat={}", problem.code()));
    let Ok(mut multipart) = Multipart::from_request(Request::from_parts(parts, body), &state).await
    else {
        return refuse(ReferenceProblem::NoPhoto);
    };
    let mut photo = None;
    let mut consent = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return refuse(ReferenceProblem::Photo(PhotoError::TooLarge));
            }
            Err(_) => break,
        };
        match field.name() {
            Some("photo") if photo.is_none() => match field.bytes().await {
                Ok(bytes) => photo = Some(bytes.to_vec()),
                Err(_) => return refuse(ReferenceProblem::Photo(PhotoError::TooLarge)),
            },
            Some(name) if name == CONSENT_FIELD => {
                consent = field.text().await.is_ok_and(|value| consent_given(&value));
            }
            _ => {}
        }
    }
    // An empty file input still sends one empty part.
    let Some(photo) = photo.filter(|p| !p.is_empty()) else {
        return refuse(ReferenceProblem::NoPhoto);
    };
    let actor = admin.account.actor();
    match set_reference_photo_by_id(svc, &account_id, photo, consent, actor, &client, svc.now())
        .await
    {
        Ok(()) => back("ok=referensi".into()),
        Err(error) => match error.problem() {
            None => (StatusCode::NOT_FOUND, error.to_string()).into_response(),
            Some(problem) => {
                if problem == ReferenceProblem::Failed {
                    let _logged =
                        app::error::internal(format_args!("storing a reference photo: {error}"));
                }
                refuse(problem)
            }
        },
    }
}
