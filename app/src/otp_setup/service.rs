//! The setup link's rules: one secret per link (so a refresh shows the same
//! QR code), shown only after a POST that is audited (mail scanners fetch
//! links with GET), and completion in one transaction: device added (with
//! eviction), link spent, ticket completed.

use sqlx::AnyConnection;

use super::views::{SetupPageState, SetupView};
use crate::accounts::repo::{self as accounts_repo, AccountRow};
use crate::accounts::types::OfficialEmail;
use crate::audit::{self, AuditEntry, AuditEvent};
use crate::error::AppError;
use crate::events::{Event, repo as events_repo};
use crate::otp_devices::Channel;
use crate::otp_devices::enrollment::{self, PendingEnrollment};
use crate::otp_devices::repo as devices_repo;
use crate::otp_devices::service::{
    self as devices, AddedDevice, EnrollError, NewDevice, add_device,
};
use crate::otp_devices::types::{DeviceName, OtpCode};
use crate::otp_devices::views::EvictedDeviceView;
use crate::platform::crypto::token_digest;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::tickets;
use crate::tickets::links;
use crate::tickets::repo::{LinkRow, TicketRow};
use crate::tickets::types::{LinkPurpose, TicketStatus};
use crate::tickets::views::LinkProblem;
use crate::time::UnixTime;

/// An open setup link with its approved ticket and account.
struct OpenLink {
    link: LinkRow,
    ticket: TicketRow,
    account: AccountRow,
}

/// The link behind `token`, if it can still add a device.
async fn open_link(
    conn: &mut AnyConnection,
    token: &str,
    now: UnixTime,
) -> Result<Result<OpenLink, LinkProblem>, sqlx::Error> {
    let link = match links::resolve(conn, token, LinkPurpose::OtpSetup, now).await? {
        Ok(link) => link,
        Err(problem) => return Ok(Err(problem)),
    };
    let Some(ticket) = tickets::repo::find(conn, &link.ticket_id)
        .await?
        .filter(|t| t.status == TicketStatus::Approved)
    else {
        return Ok(Err(LinkProblem::Superseded));
    };
    let Some(account) = accounts_repo::find_by_id(conn, &ticket.account_id).await? else {
        return Ok(Err(LinkProblem::Unknown));
    };
    Ok(Ok(OpenLink {
        link,
        ticket,
        account,
    }))
}

/// The link's one pending secret, created the first time it is asked for.
async fn pending_secret(
    conn: &mut AnyConnection,
    svc: &Services,
    open: &OpenLink,
    now: UnixTime,
) -> Result<PendingEnrollment, sqlx::Error> {
    enrollment::get_or_create(
        conn,
        &svc.keys,
        &open.account.id,
        &links::enrollment_origin(&open.link.id),
        open.link.expires_at,
        now,
    )
    .await
}

/// The page of the link; with `revealed` (the signer pressed "Tampilkan
/// kode QR" in this browser) also its QR code and key.
pub async fn page(
    svc: &Services,
    token: &str,
    revealed: bool,
    now: UnixTime,
) -> Result<SetupPageState, sqlx::Error> {
    let mut tx = svc.db.begin_write().await?;
    let open = match open_link(&mut tx, token, now).await? {
        Ok(open) => open,
        Err(LinkProblem::Used) => return completed(&mut tx, token).await,
        Err(problem) => return Ok(SetupPageState::Problem(problem)),
    };
    let enrollment = if revealed {
        Some(pending_secret(&mut tx, svc, &open, now).await?)
    } else {
        None
    };
    let devices = devices_repo::for_account(&mut tx, &open.account.id).await?;
    tx.commit().await?;
    let max_devices = svc.tunables().max_devices;
    let would_evict = (devices.len() >= max_devices)
        .then(|| devices.first())
        .flatten()
        .map(|d| EvictedDeviceView {
            name: d.name.clone(),
            added_at: d.created_at,
        });
    let OpenLink {
        link,
        ticket,
        account,
    } = open;
    Ok(SetupPageState::Ready(SetupView {
        ticket_number: ticket.number,
        email_masked: OfficialEmail::parse(&account.email)
            .map(|e| e.masked())
            .unwrap_or_default(),
        enrollment: enrollment.map(|pending| {
            enrollment::view(&pending.secret, &svc.settings.brand, &account.email, now)
        }),
        device_count: devices.len(),
        max_devices,
        would_evict,
        expires_at: link.expires_at,
    }))
}

/// "Tampilkan kode QR": the link's secret is made (once) and its showing
/// audited; the page then shows it to the browser that asked.
pub async fn reveal(
    svc: &Services,
    token: &str,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), SetupError> {
    let mut tx = svc.db.begin_write().await?;
    let open = open_link(&mut tx, token, now)
        .await?
        .map_err(SetupError::Link)?;
    pending_secret(&mut tx, svc, &open, now).await?;
    let entry = AuditEntry::new(open.account.actor(), AuditEvent::OtpSecretRevealed)
        .subject(&open.account.id)
        .ticket(&open.ticket.id);
    audit::record(&mut tx, entry, Some(client), now).await?;
    tx.commit().await?;
    Ok(())
}

/// A spent setup link shows what it did, as stored on its ticket.
async fn completed(conn: &mut AnyConnection, token: &str) -> Result<SetupPageState, sqlx::Error> {
    let Some(json) = tickets::repo::setup_outcome_by_link(conn, &token_digest(token)).await? else {
        return Ok(SetupPageState::Problem(LinkProblem::Used));
    };
    let outcome = devices::read_outcome(&json)?;
    Ok(SetupPageState::Completed(outcome))
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{}. {}", .0.title(), .0.explanation())]
    Link(LinkProblem),
    #[error(transparent)]
    Enroll(#[from] EnrollError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<SetupError> for AppError {
    fn from(e: SetupError) -> Self {
        match e {
            SetupError::Link(_) => AppError::Rejected(e.to_string()),
            SetupError::Enroll(e) => e.into(),
            SetupError::Database(e) => e.into(),
        }
    }
}

/// "Kirim": adds the device whose QR code this link showed.
pub async fn complete(
    svc: &Services,
    token: &str,
    name: &DeviceName,
    code: &OtpCode,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<AddedDevice, SetupError> {
    let mut tx = svc.db.begin_write().await?;
    let OpenLink {
        link,
        ticket,
        account,
    } = open_link(&mut tx, token, now)
        .await?
        .map_err(SetupError::Link)?;
    let pending = enrollment::load(&mut tx, &svc.keys, &links::enrollment_origin(&link.id), now)
        .await?
        .ok_or(SetupError::Link(LinkProblem::Expired))?;
    let added = add_device(
        &mut tx,
        svc,
        NewDevice {
            account_id: &account.id,
            name,
            secret: &pending.secret,
            code,
            channel: Channel::SetupLink,
            actor: account.actor(),
            ticket_id: Some(&ticket.id),
            adding_session: None,
        },
        Some(client),
        now,
    )
    .await?;
    if !tickets::repo::mark_link_used(&mut tx, &link.id, now).await? {
        return Err(SetupError::Link(LinkProblem::Used));
    }
    devices_repo::delete_pending(&mut tx, &pending.id).await?;
    let mut note = format!("Perangkat OTP \"{}\" ditambahkan.", added.name);
    for old in &added.evicted {
        note.push_str(&format!(
            " Perangkat \"{}\" dihapus otomatis karena batas jumlah perangkat.",
            old.name
        ));
    }
    tickets::repo::transition(
        &mut tx,
        &ticket.id,
        &[TicketStatus::Approved],
        TicketStatus::Completed,
        &note,
        now,
    )
    .await?;
    tickets::repo::store_setup_outcome(&mut tx, &ticket.id, &devices::stored_outcome(&added))
        .await?;
    let event = AuditEvent::OtpSetupCompleted {
        device_id: added.device_id.clone(),
    };
    let entry = AuditEntry::new(account.actor(), event)
        .subject(&account.id)
        .ticket(&ticket.id);
    audit::record(&mut tx, entry, Some(client), now).await?;
    let completed = Event::TicketCompleted {
        ticket: &ticket.number,
        channel: ticket.channel.as_str(),
        device: &added.name,
    };
    events_repo::record(&mut tx, &account.id, &completed, now).await?;
    tx.commit().await?;
    svc.mail_queued.notify_one();
    Ok(added)
}
