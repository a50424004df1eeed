//! What every server function starts with: the shared services, who is
//! asking, and the time, read once so the whole call sees one `now`.

use std::sync::Arc;

use super::rate_limit::Action;
use super::request::ClientInfo;
use super::state::{Services, services};
use crate::error::AppError;
use crate::time::UnixTime;

pub struct Call {
    pub svc: Arc<Services>,
    pub client: ClientInfo,
    pub now: UnixTime,
}

/// Services, client and time of the current request; `limit` spends one
/// unit of the client's budget for that action.
pub fn call(limit: Option<Action>) -> Result<Call, AppError> {
    let svc = services()?;
    let client = ClientInfo::current(&svc.settings);
    if let Some(action) = limit {
        svc.limits.check(action, client.ip)?;
    }
    let now = svc.now();
    Ok(Call { svc, client, now })
}
