//! The gate in front of the console's server functions: `/api/staff/…`
//! answers verifiers and admins, `/api/admin/…` admins only. Because the
//! prefix decides, a new staff function cannot forget its check; each one
//! still asks `accounts::current` for the holder it acts as.

use app::accounts::service::{SessionHolder, find_session};
use app::accounts::sessions::{Stage, cookie_name};
use app::accounts::types::Role;
use app::error::AppError;
use app::platform::request::cookie_in;
use app::platform::state::AppState;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The role a server-function path needs, if any.
pub fn role_needed(path: &str) -> Option<Role> {
    if path.starts_with("/api/admin/") {
        Some(Role::Admin)
    } else if path.starts_with("/api/staff/") {
        Some(Role::Verifier)
    } else {
        None
    }
}

pub async fn staff_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(needed) = role_needed(request.uri().path()) else {
        return next.run(request).await;
    };
    match holder_for(&state, request.headers(), needed).await {
        Ok(_) => next.run(request).await,
        Err(refusal) => {
            let status = StatusCode::from_u16(refusal.status_code())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(refusal)).into_response()
        }
    }
}

/// The signed-in holder behind the request's cookie if their role may act
/// as `needed`: `Unauthenticated` without a session, `Forbidden` otherwise.
pub async fn holder_for(
    state: &AppState,
    headers: &HeaderMap,
    needed: Role,
) -> Result<SessionHolder, AppError> {
    let svc = &state.services;
    let Some(cookie_value) = cookie_in(headers, cookie_name(&svc.settings)) else {
        return Err(AppError::Unauthenticated);
    };
    match find_session(svc, &cookie_value, Stage::Active, svc.now()).await {
        Ok(Some(holder)) if holder.account.role.may_act_as(needed) => Ok(holder),
        Ok(Some(_)) => Err(AppError::Forbidden),
        Ok(None) => Err(AppError::Unauthenticated),
        Err(e) => Err(AppError::from(e)),
    }
}

/// The signed-in admin, for the console's own routes outside `/api`
/// (downloads, uploads).
pub async fn admin_of(state: &AppState, parts: &Parts) -> Result<SessionHolder, AppError> {
    holder_for(state, &parts.headers, Role::Admin).await
}

/// Every registered server function behind the gate, with the role it needs
/// (the authorization test calls each of them as every role).
pub fn staff_server_fns() -> Vec<(&'static str, Role)> {
    leptos::server_fn::axum::server_fn_paths()
        .filter_map(|(path, _)| role_needed(path).map(|role| (path, role)))
        .collect()
}
