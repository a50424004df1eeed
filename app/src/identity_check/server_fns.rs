//! Server functions of /verifikasi and of the verifier queue.

use leptos::prelude::*;

use super::views::{ReviewItem, VerifyPageState};
use crate::error::AppError;
use crate::ids::TicketId;

/// The identity-check page for a mailed token: the masked data, or why the link cannot be used.
#[server(endpoint = "identity-check/page")]
pub async fn verification_page(token: String) -> Result<VerifyPageState, AppError> {
    use super::service;
    let call = crate::platform::context::call(None)?;
    Ok(match service::open(&call.svc, &token, call.now).await? {
        Ok(check) => VerifyPageState::Ready(service::view(&call.svc, &check, &token).await?),
        Err(problem) => VerifyPageState::Problem(problem),
    })
}

#[server(endpoint = "staff/review/queue")]
pub async fn review_queue() -> Result<Vec<ReviewItem>, AppError> {
    let call = crate::platform::context::call(None)?;
    crate::accounts::current::staff(&call).await?;
    Ok(super::review::queue(&call.svc, call.now).await?)
}

#[server(endpoint = "staff/review/approve")]
pub async fn approve_selfie(ticket_id: TicketId) -> Result<(), AppError> {
    use super::review::{Decision, decide};
    let call = crate::platform::context::call(None)?;
    let verifier = crate::accounts::current::staff(&call).await?;
    Ok(decide(
        &call.svc,
        &verifier,
        &ticket_id,
        Decision::Approve,
        &call.client,
        call.now,
    )
    .await?)
}

#[server(endpoint = "staff/review/reject")]
pub async fn reject_selfie(ticket_id: TicketId, reason: String) -> Result<(), AppError> {
    use super::review::{Decision, decide};
    use super::types::RejectionReason;
    let call = crate::platform::context::call(None)?;
    let verifier = crate::accounts::current::staff(&call).await?;
    let reason = RejectionReason::parse(&reason).map_err(AppError::Invalid)?;
    Ok(decide(
        &call.svc,
        &verifier,
        &ticket_id,
        Decision::Reject(&reason),
        &call.client,
        call.now,
    )
    .await?)
}
