//! The console's audit log as a CSV download: `GET /admin/audit.csv` with
//! the filters of /admin/audit in the query string, for admins only. The
//! download is itself in the audit log.

use app::admin::audit::pages::CSV_PATH;
use app::admin::audit::service::export;
use app::admin::audit::views::AuditQuery;
use app::audit::export::MAX_ROWS;
use app::error::AppError;
use app::format::compact_day;
use app::platform::request::ClientInfo;
use app::platform::state::AppState;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::staff_gate::admin_of;

pub fn router() -> Router<AppState> {
    Router::new().route(CSV_PATH, get(download))
}

/// A refusal as plain text with its status (a download has no page).
fn refuse(error: AppError) -> Response {
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        error.to_string(),
    )
        .into_response()
}

async fn download(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let admin = match admin_of(&state, &parts).await {
        Ok(admin) => admin,
        Err(refused) => return refuse(refused),
    };
    let Ok(Query(query)) = Query::<AuditQuery>::try_from_uri(&parts.uri) else {
        return refuse(AppError::BadRequest);
    };
    let svc = &state.services;
    let client = ClientInfo::from_parts(&parts, &svc.settings.trusted_proxies);
    let now = svc.now();
    match export(svc, &admin, &query, &client, now).await {
        Ok(file) => {
            let name = format!("log-audit-{}.csv", compact_day(now));
            let mut response = (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename={name}"),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                file.csv,
            )
                .into_response();
            if file.cut {
                response.headers_mut().insert(
                    "x-export-cut-at",
                    MAX_ROWS
                        .to_string()
                        .parse()
                        .expect("digits are a header value"),
                );
            }
            response
        }
        Err(e) => refuse(e.into()),
    }
}
