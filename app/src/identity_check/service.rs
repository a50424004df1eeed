//! The signer's side of the identity check: opening the link and sending
//! the selfie. Retention of photos lives here too.

use super::photo::{self, PhotoError};
use super::repo;
use super::types::{ConsentMissing, mask_name};
use super::views::VerifyView;
use crate::accounts::repo::{self as accounts_repo, AccountRow};
use crate::accounts::types::OfficialEmail;
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::ids::SelfieId;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::tickets;
use crate::tickets::links;
use crate::tickets::repo::LinkRow;
use crate::tickets::repo::TicketRow;
use crate::tickets::types::{LinkPurpose, TicketStatus};
use crate::tickets::views::LinkProblem;
use crate::time::UnixTime;

/// An identity-check link that can be used now, with its ticket and account.
pub struct OpenCheck {
    pub link: LinkRow,
    pub ticket: TicketRow,
    pub account: AccountRow,
}

pub async fn open(
    svc: &Services,
    token: &str,
    now: UnixTime,
) -> Result<Result<OpenCheck, LinkProblem>, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let link = match links::resolve(&mut conn, token, LinkPurpose::IdentityCheck, now).await? {
        Ok(link) => link,
        Err(problem) => return Ok(Err(problem)),
    };
    let Some(ticket) = tickets::repo::find(&mut conn, &link.ticket_id).await? else {
        return Ok(Err(LinkProblem::Unknown));
    };
    if !matches!(
        ticket.status,
        TicketStatus::AwaitingSelfie | TicketStatus::Rejected
    ) {
        return Ok(Err(LinkProblem::Used));
    }
    let Some(account) = accounts_repo::find_by_id(&mut conn, &ticket.account_id).await? else {
        return Ok(Err(LinkProblem::Unknown));
    };
    Ok(Ok(OpenCheck {
        link,
        ticket,
        account,
    }))
}

pub async fn view(
    svc: &Services,
    check: &OpenCheck,
    token: &str,
) -> Result<VerifyView, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let rejection_reason = match check.ticket.status {
        TicketStatus::Rejected => repo::last_rejection(&mut conn, &check.ticket.id).await?,
        _ => None,
    };
    Ok(VerifyView {
        ticket_number: check.ticket.number.clone(),
        name_masked: mask_name(&check.account.full_name),
        email_masked: OfficialEmail::parse(&check.account.email)
            .map(|e| e.masked())
            .unwrap_or_default(),
        nik_masked: check.account.nik_masked.clone().unwrap_or_default(),
        rejection_reason,
        expires_at: check.link.expires_at,
        upload_path: format!("{}/foto", LinkPurpose::IdentityCheck.path(token)),
        selfie_retention_days: svc.tunables().selfie_retention_days,
        biometric_service: svc.face_matcher.sends_selfie_out(),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{}", .0.title())]
    Link(LinkProblem),
    #[error(transparent)]
    NoConsent(#[from] ConsentMissing),
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A stored selfie: the ticket it is for, and its id for the face-match
/// check that follows (`face_match::spawn_match`).
#[derive(Debug)]
pub struct Submitted {
    pub ticket_number: String,
    pub selfie_id: SelfieId,
}

/// Checks the signer's consent and the photo for the link `check` opened
/// (before the upload was read), then in one transaction spends the link,
/// stores the selfie, records the consent on the ticket and moves it to
/// `selfie_submitted`; the link and ticket are checked again by those
/// conditional writes. Without consent the photo is not even decoded; a
/// refusal stores nothing and leaves the link usable.
pub async fn submit(
    svc: &Services,
    check: OpenCheck,
    upload: Vec<u8>,
    consent: bool,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<Submitted, SubmitError> {
    if !consent {
        return Err(ConsentMissing.into());
    }
    let selfie = tokio::task::spawn_blocking(move || photo::process(&upload))
        .await
        .unwrap_or(Err(PhotoError::Unreadable))?;
    let mut tx = svc.db.begin_write().await?;
    if !tickets::repo::mark_link_used(&mut tx, &check.link.id, now).await? {
        return Err(SubmitError::Link(LinkProblem::Used));
    }
    let selfie_id = SelfieId::generate();
    repo::insert(
        &mut tx,
        &selfie_id,
        &check.ticket.id,
        &check.account.id,
        &selfie,
        now,
    )
    .await?;
    let moved = tickets::repo::transition(
        &mut tx,
        &check.ticket.id,
        &[TicketStatus::AwaitingSelfie, TicketStatus::Rejected],
        TicketStatus::SelfieSubmitted,
        "Swafoto diterima; menunggu verifikasi petugas.",
        now,
    )
    .await?;
    if !moved {
        return Err(SubmitError::Link(LinkProblem::Used));
    }
    tickets::repo::record_selfie_consent(&mut tx, &check.ticket.id, now).await?;
    // What the signer was told when agreeing: kept apart from the upload
    // itself, so the consent can be found (and shown) on its own.
    let consent = AuditEvent::SelfieConsentGiven {
        selfie_id: selfie_id.clone(),
        retention_days: svc.tunables().selfie_retention_days,
        biometric_service: svc.face_matcher.sends_selfie_out(),
    };
    let entry = AuditEntry::new(check.account.actor(), consent)
        .subject(&check.account.id)
        .ticket(&check.ticket.id);
    audit::record(&mut tx, entry, Some(client), now).await?;
    let event = AuditEvent::SelfieSubmitted {
        selfie_id: selfie_id.clone(),
        bytes: selfie.jpeg.len(),
        width: selfie.width,
        height: selfie.height,
    };
    let entry = AuditEntry::new(check.account.actor(), event)
        .subject(&check.account.id)
        .ticket(&check.ticket.id);
    audit::record(&mut tx, entry, Some(client), now).await?;
    tx.commit().await?;
    Ok(Submitted {
        ticket_number: check.ticket.number,
        selfie_id,
    })
}

/// Deletes photos of tickets closed more than `retention_days` ago; the row
/// (who decided, when, why) stays. Returns how many were deleted.
pub async fn purge_old_photos(
    svc: &Services,
    retention_days: i64,
    now: UnixTime,
) -> Result<usize, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let due = repo::due_for_deletion(&mut conn, now - retention_days * 86_400).await?;
    drop(conn);
    for (selfie_id, account_id, ticket_id) in &due {
        let mut tx = svc.db.begin_write().await?;
        repo::delete_image(&mut tx, selfie_id, now).await?;
        let event = AuditEvent::SelfieDeleted {
            selfie_id: selfie_id.clone(),
            retention_days,
        };
        let entry = AuditEntry::new(Actor::System, event)
            .subject(account_id)
            .ticket(ticket_id);
        audit::record(&mut tx, entry, None, now).await?;
        tx.commit().await?;
    }
    Ok(due.len())
}
