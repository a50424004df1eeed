//! Who is signed in, for server functions: the session behind the cookie
//! of the current request, and the checks for signer and staff pages.

use super::service::{self, SessionHolder};
use super::sessions::{Stage, cookie_name};
use super::types::Role;
use crate::error::AppError;
use crate::platform::context::Call;
use crate::platform::request::{cookie, set_cookie};

pub async fn session(call: &Call, stage: Stage) -> Result<Option<SessionHolder>, AppError> {
    match session_cookie(call) {
        Some(value) => Ok(service::find_session(&call.svc, &value, stage, call.now).await?),
        None => Ok(None),
    }
}

/// The session cookie's value, if the request has one.
pub fn session_cookie(call: &Call) -> Option<String> {
    cookie(cookie_name(&call.svc.settings))
}

/// The signed-in holder, or `Unauthenticated`.
pub async fn signed_in(call: &Call) -> Result<SessionHolder, AppError> {
    session(call, Stage::Active)
        .await?
        .ok_or(AppError::Unauthenticated)
}

pub fn set_session_cookie(call: &Call, token: &str, max_age: i64) {
    set_cookie(
        cookie_name(&call.svc.settings),
        token,
        max_age,
        &call.svc.settings,
    );
}

pub fn home_of(holder: &SessionHolder) -> &'static str {
    if holder.account.role.is_staff() {
        "/admin"
    } else {
        "/akun"
    }
}

/// The signed-in verifier or admin, or `Forbidden` for a signer.
///
/// Staff server functions have endpoints under `staff/` (verifiers and
/// admins) or `admin/` (admins only), start with this check or [`admin`],
/// and are gated by that prefix too (`server::http::staff_gate`); the
/// authorization test finds them all by it.
pub async fn staff(call: &Call) -> Result<SessionHolder, AppError> {
    let holder = signed_in(call).await?;
    if holder.account.role.may_act_as(Role::Verifier) {
        Ok(holder)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The signed-in admin, or `Forbidden` for a verifier or signer.
pub async fn admin(call: &Call) -> Result<SessionHolder, AppError> {
    let holder = signed_in(call).await?;
    if holder.account.role.may_act_as(Role::Admin) {
        Ok(holder)
    } else {
        Err(AppError::Forbidden)
    }
}
