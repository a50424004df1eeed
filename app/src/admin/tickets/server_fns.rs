//! Server functions of the console's ticket screens.

use leptos::prelude::*;

use super::views::TicketDetail;
use crate::error::AppError;
use crate::ids::TicketId;
use crate::tickets::views::{TicketList, TicketQuery};

#[server(endpoint = "staff/tickets/list")]
pub async fn list_tickets(query: TicketQuery) -> Result<TicketList, AppError> {
    use crate::tickets::search::{SearchError, list};
    let call = crate::platform::context::call(None)?;
    crate::accounts::current::staff(&call).await?;
    list(&call.svc, &query).await.map_err(|e| match e {
        SearchError::Invalid(message) => AppError::Invalid(message),
        SearchError::Database(e) => e.into(),
    })
}

#[server(endpoint = "staff/tickets/load")]
pub async fn load_ticket(number: String) -> Result<TicketDetail, AppError> {
    use crate::tickets::types::TicketNumber;
    let call = crate::platform::context::call(None)?;
    crate::accounts::current::staff(&call).await?;
    let number = TicketNumber::parse(&number).map_err(AppError::Invalid)?;
    super::service::detail(&call.svc, &number)
        .await?
        .ok_or(AppError::NotFound)
}

/// Mails `answer` to the signer and closes the "Pertanyaan Umum".
#[server(endpoint = "staff/tickets/answer")]
pub async fn answer_ticket(ticket_id: TicketId, answer: String) -> Result<(), AppError> {
    use crate::tickets::service::{AnswerError, answer_question};
    use crate::tickets::types::MessageText;
    let call = crate::platform::context::call(None)?;
    let staff = crate::accounts::current::staff(&call).await?;
    let answer = MessageText::parse(&answer).map_err(AppError::Invalid)?;
    answer_question(
        &call.svc,
        &staff,
        &ticket_id,
        &answer,
        &call.client,
        call.now,
    )
    .await
    .map_err(|e| match e {
        AnswerError::Database(e) => e.into(),
        other => AppError::Rejected(other.to_string()),
    })
}
