//! Server functions of /tiket.

use leptos::prelude::*;

use super::views::TicketView;
use crate::error::AppError;

/// The status page: a ticket and its timeline, given its number and the email.
#[server(endpoint = "tickets/lookup")]
pub async fn ticket_lookup(number: String, email: String) -> Result<TicketView, AppError> {
    use crate::accounts::types::OfficialEmail;
    use crate::platform::rate_limit::Action;
    use crate::tickets::types::TicketNumber;
    let call = crate::platform::context::call(Some(Action::Helpdesk))?;
    let number = TicketNumber::parse(&number).map_err(AppError::Invalid)?;
    let email = OfficialEmail::parse(&email).map_err(AppError::Invalid)?;
    crate::tickets::service::lookup(&call.svc, &number, &email).await?.ok_or_else(|| {
        AppError::rejected("Tiket tidak ditemukan. Periksa kembali nomor tiket dan email dinas yang Anda pakai saat mengajukan.")
    })
}
