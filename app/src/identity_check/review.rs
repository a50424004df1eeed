//! The verifier's side: the queue of selfies and the decision.

use std::sync::Arc;

use super::face_match;
use super::repo;
use super::types::{RejectionReason, SelfieDecision};
use super::views::{EarlierSelfie, ReviewItem};
use crate::accounts::repo as accounts_repo;
use crate::accounts::service::SessionHolder;
use crate::accounts::types::Role;
use crate::audit::{self, AuditEntry, AuditEvent};
use crate::error::AppError;
use crate::ids::{SelfieId, TicketId};
use crate::mail::repo as mail_repo;
use crate::mail::templates;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::tickets;
use crate::tickets::links;
use crate::tickets::types::{LinkPurpose, TicketStatus};
use crate::time::UnixTime;

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("Tiket ini sudah diputuskan oleh petugas lain atau tidak lagi menunggu verifikasi.")]
    AlreadyDecided,
    #[error("Anda tidak dapat memutuskan permohonan untuk akun Anda sendiri.")]
    OwnAccount,
    #[error("Permohonan untuk akun petugas hanya dapat diputuskan oleh admin.")]
    StaffNeedsAdmin,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ReviewError> for AppError {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::Database(e) => e.into(),
            other => AppError::Rejected(other.to_string()),
        }
    }
}

/// Tickets waiting for a verifier, oldest first, each with the account's
/// data, the selfie's face-match outcome and its earlier selfies.
pub async fn queue(svc: &Arc<Services>, now: UnixTime) -> Result<Vec<ReviewItem>, sqlx::Error> {
    face_match::recover_lost(svc, now).await?;
    let mut conn = svc.db.pool().acquire().await?;
    let waiting = tickets::repo::in_status(&mut conn, TicketStatus::SelfieSubmitted, 50).await?;
    let mut items = Vec::new();
    for ticket in waiting {
        let Some(selfie) = repo::pending_for_ticket(&mut conn, &ticket.id).await? else {
            continue;
        };
        let Some(account) = accounts_repo::find_by_id(&mut conn, &ticket.account_id).await? else {
            continue;
        };
        let earlier = repo::for_account(&mut conn, &account.id)
            .await?
            .into_iter()
            .filter(|s| s.id != selfie.id)
            .map(EarlierSelfie::from)
            .collect();
        let reference_set_at = repo::reference_set_at(&mut conn, &account.id).await?;
        let outcome = face_match::stored_outcome(&selfie);
        let (client_ip, user_agent) = audit::ticket_origin(&mut conn, &ticket.id).await?;
        let mut earlier_tickets = tickets::search::for_account(&mut conn, &account.id, 11).await?;
        earlier_tickets.retain(|t| t.number != ticket.number);
        let mismatches_30_days =
            audit::helpdesk_mismatches_since(&mut conn, &account.id, now - 30 * 86_400).await?;
        items.push(ReviewItem {
            channel_label: ticket.channel.label().into(),
            ticket_id: ticket.id,
            ticket_number: ticket.number,
            requested_at: ticket.created_at,
            submitted_at: selfie.submitted_at,
            selfie_id: selfie.id,
            account_id: account.id,
            reference_set_at,
            full_name: account.full_name,
            email: account.email,
            nik_masked: account.nik_masked.unwrap_or_default(),
            phone: account.phone,
            agency: account.agency,
            face_match: face_match::view(outcome.as_ref(), &svc.tunables()),
            earlier,
            client_ip,
            user_agent,
            earlier_tickets,
            mismatches_30_days,
        });
    }
    Ok(items)
}

impl From<repo::SelfieRow> for EarlierSelfie {
    fn from(s: repo::SelfieRow) -> Self {
        Self {
            has_image: s.deleted_at.is_none(),
            decision_label: s
                .decision
                .map_or("Belum diputuskan", SelfieDecision::label)
                .into(),
            reason: s.reason,
            submitted_at: s.submitted_at,
            selfie_id: s.id,
        }
    }
}

pub enum Decision<'a> {
    Approve,
    Reject(&'a RejectionReason),
}

/// Records the verifier's decision once; approval mails the "Atur Perangkat
/// OTP" link (24 h), rejection mails the reason and a fresh identity-check
/// link ("Pengecekan Ulang", 48 h).
pub async fn decide(
    svc: &Services,
    verifier: &SessionHolder,
    ticket_id: &TicketId,
    decision: Decision<'_>,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), ReviewError> {
    let mut tx = svc.db.begin_write().await?;
    let ticket = tickets::repo::find(&mut tx, ticket_id)
        .await?
        .ok_or(ReviewError::AlreadyDecided)?;
    if ticket.account_id == verifier.account.id {
        return Err(ReviewError::OwnAccount);
    }
    let selfie = repo::pending_for_ticket(&mut tx, ticket_id)
        .await?
        .ok_or(ReviewError::AlreadyDecided)?;
    let account = accounts_repo::find_by_id(&mut tx, &ticket.account_id)
        .await?
        .ok_or(ReviewError::AlreadyDecided)?;
    // A staff account can add devices to itself through a colleague: only an
    // admin may decide for one.
    if account.role.is_staff() && verifier.account.role != Role::Admin {
        return Err(ReviewError::StaffNeedsAdmin);
    }
    let (label, reason, next_status, note, next_link) = match decision {
        Decision::Approve => (
            SelfieDecision::Approved,
            None,
            TicketStatus::Approved,
            "Swafoto disetujui petugas; tautan Atur Perangkat OTP dikirim ke email dinas."
                .to_string(),
            LinkPurpose::OtpSetup,
        ),
        Decision::Reject(reason) => (
            SelfieDecision::Rejected,
            Some(reason.as_str()),
            TicketStatus::Rejected,
            format!(
                "Swafoto ditolak petugas: {}. Tautan Pengecekan Ulang dikirim ke email dinas.",
                reason.as_str()
            ),
            LinkPurpose::IdentityCheck,
        ),
    };
    if !repo::decide(
        &mut tx,
        &selfie.id,
        label,
        &verifier.account.id,
        reason,
        now,
    )
    .await?
        || !tickets::repo::transition(
            &mut tx,
            ticket_id,
            &[TicketStatus::SelfieSubmitted],
            next_status,
            &note,
            now,
        )
        .await?
    {
        return Err(ReviewError::AlreadyDecided);
    }
    let link = links::issue(&mut tx, ticket_id, next_link, &svc.tunables(), now).await?;
    let url = svc.settings.link(&next_link.path(&link.token.text));
    let to = account.recipient();
    let mail = match reason {
        None => templates::selfie_approved(
            &svc.settings.brand,
            to,
            &ticket.number,
            &url,
            link.expires_at,
        ),
        Some(reason) => templates::selfie_rejected(
            &svc.settings.brand,
            to,
            &ticket.number,
            reason,
            &url,
            link.expires_at,
        ),
    };
    mail_repo::enqueue(&mut tx, &svc.keys, &mail, Some(ticket_id), now).await?;
    let event = match reason {
        None => AuditEvent::SelfieApproved {
            selfie_id: selfie.id,
        },
        Some(reason) => AuditEvent::SelfieRejected {
            selfie_id: selfie.id,
            reason: reason.to_string(),
        },
    };
    let entry = AuditEntry::new(verifier.account.actor(), event)
        .subject(&account.id)
        .ticket(ticket_id);
    audit::record(&mut tx, entry, Some(client), now).await?;
    tx.commit().await?;
    svc.mail_queued.notify_one();
    Ok(())
}

/// A selfie's image for a verifier or admin, recorded in the audit log;
/// `None` when it never existed or was deleted under the retention rule.
pub async fn staff_photo(
    svc: &Services,
    staff: &SessionHolder,
    selfie_id: &SelfieId,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let Some((bytes, account_id, ticket_id)) = repo::image(&mut conn, selfie_id).await? else {
        return Ok(None);
    };
    let event = AuditEvent::SelfieViewed {
        selfie_id: selfie_id.clone(),
    };
    let entry = AuditEntry::new(staff.account.actor(), event)
        .subject(&account_id)
        .ticket(&ticket_id);
    audit::record(&mut conn, entry, Some(client), now).await?;
    Ok(Some(bytes))
}
