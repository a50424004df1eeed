//! Who is calling a server function: services, client, time and session.

use super::service::{self, SessionHolder};
use super::sessions::{COOKIE, Stage};
use crate::error::AppError;
use crate::platform::rate_limit::Action;
use crate::platform::request::{ClientInfo, cookie, set_cookie};
use crate::platform::state::{Services, services};
use std::sync::Arc;

pub struct Call {
    pub svc: Arc<Services>,
    pub client: ClientInfo,
    pub now: i64,
}

/// Services, client and time of the current request; `limit` spends
/// one unit of the client's budget for that action.
pub fn call(limit: Option<Action>) -> Result<Call, AppError> {
    let svc = services()?;
    let client = ClientInfo::current(&svc.settings);
    if let Some(action) = limit {
        svc.limits.check(action, client.ip)?;
    }
    let now = svc.now();
    Ok(Call { svc, client, now })
}

pub async fn session(call: &Call, stage: Stage) -> Result<Option<SessionHolder>, AppError> {
    match cookie(COOKIE) {
        Some(value) => service::find_session(&call.svc, &value, stage, call.now).await,
        None => Ok(None),
    }
}

/// The signed-in holder, or `Unauthenticated`.
pub async fn signed_in(call: &Call) -> Result<SessionHolder, AppError> {
    session(call, Stage::Active)
        .await?
        .ok_or(AppError::Unauthenticated)
}

pub fn set_session_cookie(call: &Call, token: &str, max_age: i64) {
    set_cookie(COOKIE, token, max_age, &call.svc.settings);
}

pub fn home_of(holder: &SessionHolder) -> &'static str {
    if holder.account.role().is_staff() {
        "/admin"
    } else {
        "/akun"
    }
}

/// The signed-in verifier or admin, or `Forbidden` for a signer.
pub async fn staff(call: &Call) -> Result<SessionHolder, AppError> {
    let holder = signed_in(call).await?;
    if holder.account.role().is_staff() {
        Ok(holder)
    } else {
        Err(AppError::Forbidden)
    }
}
