//! What the console's ticket page gathers.

use super::views::TicketDetail;
use crate::accounts::repo as accounts_repo;
use crate::audit;
use crate::identity_check::repo as identity_repo;
use crate::identity_check::views::EarlierSelfie;
use crate::mail::repo as mail_repo;
use crate::platform::state::Services;
use crate::tickets::repo as tickets_repo;
use crate::tickets::types::{Category, TicketNumber, TicketStatus};
use crate::tickets::views::TicketEventView;

/// The ticket with `number`, or `None` when there is none.
pub async fn detail(
    svc: &Services,
    number: &TicketNumber,
) -> Result<Option<TicketDetail>, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let Some(ticket) = tickets_repo::find_by_number(&mut conn, number.as_str()).await? else {
        return Ok(None);
    };
    let Some(account) = accounts_repo::find_by_id(&mut conn, &ticket.account_id).await? else {
        return Ok(None);
    };
    let events = tickets_repo::events(&mut conn, &ticket.id)
        .await?
        .into_iter()
        .map(|e| TicketEventView {
            at: e.at,
            status_label: e.status.label().into(),
            note: e.note,
        })
        .collect();
    let mails = mail_repo::for_ticket(&mut conn, &ticket.id).await?;
    let selfies = identity_repo::for_account(&mut conn, &account.id)
        .await?
        .into_iter()
        .filter(|s| s.ticket_id == ticket.id)
        .map(EarlierSelfie::from)
        .collect();
    let (client_ip, user_agent) = audit::ticket_origin(&mut conn, &ticket.id).await?;
    let selfie_consent_at = tickets_repo::selfie_consent_of(&mut conn, &ticket.id).await?;
    let (answer, answered_by) = tickets_repo::answer_of(&mut conn, &ticket.id)
        .await?
        .map_or((None, None), |(a, by)| (Some(a), Some(by)));
    Ok(Some(TicketDetail {
        awaiting_answer: ticket.category == Category::GeneralQuestion
            && ticket.status == TicketStatus::Submitted,
        id: ticket.id,
        number: ticket.number,
        category_label: ticket.category.label().into(),
        channel_label: ticket.channel.label().into(),
        status_label: ticket.status.label().into(),
        message: ticket.message,
        answer,
        answered_by,
        created_at: ticket.created_at,
        client_ip,
        user_agent,
        account_id: account.id,
        full_name: account.full_name,
        email: account.email,
        events,
        mails,
        selfies,
        selfie_consent_at,
    }))
}
