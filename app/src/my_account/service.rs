//! The signed-in signer's own page: what it shows, the step-up with a fresh
//! code, and adding a device from /akun.

use super::views::{AccountView, ActivityView, SelfEnrollment};
use crate::accounts::repo as accounts_repo;
use crate::accounts::service::SessionHolder;
use crate::accounts::sessions;
use crate::audit::{self, AuditEntry, AuditEvent, AuditRecord};
use crate::error::AppError;
use crate::otp_devices::Channel;
use crate::otp_devices::enrollment;
use crate::otp_devices::repo as devices_repo;
use crate::otp_devices::service::{
    self as devices, AddedDevice, CodeError, EnrollError, NewDevice,
};
use crate::otp_devices::types::{DeviceName, OtpCode};
use crate::otp_devices::views::DeviceView;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::time::UnixTime;

/// Everything /akun shows: the account, its devices (marking the one whose
/// code opened this session), and the holder's recent history.
pub async fn overview(
    svc: &Services,
    holder: &SessionHolder,
    now: UnixTime,
) -> Result<AccountView, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let devices = devices_repo::for_account(&mut conn, &holder.account.id)
        .await?
        .into_iter()
        .map(|d| DeviceView {
            is_current: holder.session.device_id.as_ref() == Some(&d.id),
            channel_label: d.source_channel.label().to_string(),
            id: d.id,
            name: d.name,
            added_at: d.created_at,
            last_used_at: d.last_used_at,
        })
        .collect();
    let recent_activity = audit::for_account(&mut conn, &holder.account.id, 30)
        .await?
        .iter()
        .filter_map(|row| describe_for_holder(row).map(|text| ActivityView { at: row.at, text }))
        .take(8)
        .collect();
    let account = &holder.account;
    Ok(AccountView {
        full_name: account.full_name.clone(),
        email: account.email.clone(),
        nik_masked: account.nik_masked.clone(),
        agency: account.agency.clone(),
        status_label: account.status.label().to_string(),
        devices,
        max_devices: svc.tunables().max_devices,
        confirmed_for_adding: holder.is_confirmed(now),
        recent_activity,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum AddDeviceError {
    #[error(
        "Untuk menambah perangkat, masukkan dulu kode OTP dari perangkat yang sudah terdaftar di halaman Akun Saya."
    )]
    NotConfirmed,
    #[error("QR Code sudah kedaluwarsa. Muat ulang halaman untuk mendapatkan QR Code baru.")]
    QrExpired,
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error(transparent)]
    Enroll(#[from] EnrollError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<AddDeviceError> for AppError {
    fn from(e: AddDeviceError) -> Self {
        match e {
            AddDeviceError::Code(e) => e.into(),
            AddDeviceError::Enroll(e) => e.into(),
            AddDeviceError::Database(e) => e.into(),
            other => AppError::Rejected(other.to_string()),
        }
    }
}

/// A fresh code confirms the session for adding a device (step-up).
pub async fn confirm_session(
    svc: &Services,
    holder: &SessionHolder,
    code: &OtpCode,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), AddDeviceError> {
    let account = &holder.account;
    let budget = devices::CodeBudget::Account;
    let attempt = devices::Attempt::new(account, account.actor(), budget, client, now);
    let (accepted, mut tx) = devices::verify_account_code(svc, &attempt, code).await?;
    accounts_repo::confirm_session_until(
        &mut tx,
        &holder.session.key(),
        now + sessions::CONFIRMATION_SECONDS,
    )
    .await?;
    let event = AuditEvent::SessionConfirmed {
        device_id: accepted.device_id,
    };
    let entry = AuditEntry::new(holder.account.actor(), event).subject(&holder.account.id);
    audit::record(&mut tx, entry, Some(client), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Where a signed-in session keeps the secret it is adding.
fn self_enrollment_origin(holder: &SessionHolder) -> String {
    format!("session:{}", hex::encode(&holder.session.token_digest))
}

/// What /akun/perangkat-baru shows: the QR step of adding a device, once a
/// fresh code confirmed the session (the secret lives as long as the
/// confirmation); or, once, what the last addition did.
pub async fn self_enrollment(
    svc: &Services,
    holder: &SessionHolder,
    now: UnixTime,
) -> Result<SelfEnrollment, AddDeviceError> {
    let origin = self_enrollment_origin(holder);
    let mut tx = svc.db.begin_write().await?;
    if let Some(json) = devices_repo::take_outcome(&mut tx, &origin, now).await? {
        let added = devices::read_outcome(&json)?;
        tx.commit().await?;
        return Ok(SelfEnrollment::Added(added));
    }
    let confirmed_until = holder
        .session
        .confirmed_until
        .filter(|until| *until > now)
        .ok_or(AddDeviceError::NotConfirmed)?;
    let pending = enrollment::get_or_create(
        &mut tx,
        &svc.keys,
        &holder.account.id,
        &origin,
        confirmed_until,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SelfEnrollment::Pending(enrollment::view(
        &pending.secret,
        &svc.settings.brand,
        &holder.account.email,
        now,
    )))
}

/// Adds the device shown by [`self_enrollment`] once its first code verifies.
pub async fn finish_self_enrollment(
    svc: &Services,
    holder: &SessionHolder,
    name: &DeviceName,
    code: &OtpCode,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<AddedDevice, AddDeviceError> {
    if !holder.is_confirmed(now) {
        return Err(AddDeviceError::NotConfirmed);
    }
    let mut tx = svc.db.begin_write().await?;
    let pending = enrollment::load(&mut tx, &svc.keys, &self_enrollment_origin(holder), now)
        .await?
        .ok_or(AddDeviceError::QrExpired)?;
    let added = devices::add_device(
        &mut tx,
        svc,
        NewDevice {
            account_id: &holder.account.id,
            name,
            secret: &pending.secret,
            code,
            channel: Channel::AccountPage,
            actor: holder.account.actor(),
            ticket_id: None,
            adding_session: Some(&holder.session.key()),
        },
        Some(client),
        now,
    )
    .await?;
    // The page that says so is loaded next (or again, without JavaScript).
    devices_repo::complete_pending(&mut tx, &pending.id, &devices::stored_outcome(&added)).await?;
    tx.commit().await?;
    svc.mail_queued.notify_one();
    Ok(added)
}

/// A sentence for the account holder about their own account's history, for
/// the events they should notice; other events return `None`.
pub fn describe_for_holder(record: &AuditRecord) -> Option<String> {
    let ip = record.ip.as_deref().unwrap_or("-");
    Some(match &record.event {
        AuditEvent::DeviceAdded { name, channel, .. } => {
            let channel = Channel::parse(channel).map_or("-", Channel::label);
            format!("Perangkat \"{name}\" ditambahkan melalui {channel}.")
        }
        AuditEvent::DeviceRemoved { name, .. } => format!("Perangkat \"{name}\" dihapus."),
        AuditEvent::DeviceEvicted {
            name, max_devices, ..
        } => format!(
            "Perangkat \"{name}\" dihapus otomatis karena batas {max_devices} perangkat tercapai."
        ),
        AuditEvent::DeviceRenamed { from, to, .. } => {
            format!("Perangkat \"{from}\" diganti nama menjadi \"{to}\".")
        }
        AuditEvent::LoginSucceeded { device_name, .. } => {
            format!("Masuk dengan kode dari perangkat \"{device_name}\" (IP {ip}).")
        }
        AuditEvent::LoginOtpReplayed { .. } => {
            format!("Kode OTP yang sudah pernah dipakai ditolak (IP {ip}).")
        }
        _ => return None,
    })
}
