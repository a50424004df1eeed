//! The console's account rules: how a search is read, what an account page
//! gathers, and what a status change does.

use super::views::{AccountDetail, AccountHit, DeviceLine};
use crate::accounts::repo::{self as accounts_repo, AccountRow, AccountSearch};
use crate::accounts::service::SessionHolder;
use crate::accounts::types::{AccountStatus, Nik};
use crate::audit;
use crate::identity_check::repo as identity_repo;
use crate::ids::{AccountId, DeviceId};
use crate::otp_devices::repo as devices_repo;
use crate::otp_devices::service::{ChangeError, RemovedDevice, Remover, remove_device};
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::tickets;
use crate::time::UnixTime;

const MAX_HITS: i64 = 50;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(String),
    #[error("Akun tidak ditemukan.")]
    NotFound,
    #[error("Anda tidak dapat mengubah status akun Anda sendiri.")]
    OwnAccount,
    #[error("Status akun sudah \"{0}\".")]
    Unchanged(&'static str),
    #[error(transparent)]
    Device(#[from] ChangeError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A whole NIK is matched by its keyed digest (it is never stored in clear);
/// anything else by the email or the name containing it.
pub fn read_search(svc: &Services, text: &str) -> Result<AccountSearch, String> {
    let text = text.trim();
    if let Ok(nik) = Nik::parse(text) {
        return Ok(AccountSearch::NikDigests(
            svc.keys.nik_digests(nik.digits().as_bytes()),
        ));
    }
    match text.chars().count() {
        0 => Err("Isi email, nama, atau NIK (16 angka) yang dicari.".into()),
        1 => Err("Isi minimal 2 karakter.".into()),
        101.. => Err("Kata pencarian maksimal 100 karakter.".into()),
        _ => Ok(AccountSearch::Text(text.to_lowercase())),
    }
}

pub async fn search(svc: &Services, text: &str) -> Result<Vec<AccountHit>, AccountError> {
    let search = read_search(svc, text).map_err(AccountError::Invalid)?;
    let mut conn = svc.db.pool().acquire().await?;
    let rows = accounts_repo::search(&mut conn, &search, MAX_HITS).await?;
    Ok(rows
        .into_iter()
        .map(|row| AccountHit {
            id: row.id,
            full_name: row.full_name,
            email: row.email,
            nik_masked: row.nik_masked.unwrap_or_default(),
            role_label: row.role.label().into(),
            status_label: row.status.label().into(),
        })
        .collect())
}

pub async fn detail(svc: &Services, id: &AccountId) -> Result<AccountDetail, AccountError> {
    let mut conn = svc.db.pool().acquire().await?;
    let account = accounts_repo::find_by_id(&mut conn, id)
        .await?
        .ok_or(AccountError::NotFound)?;
    let devices = devices_repo::for_account(&mut conn, id)
        .await?
        .into_iter()
        .map(|d| DeviceLine {
            id: d.id,
            name: d.name,
            added_at: d.created_at,
            last_used_at: d.last_used_at,
            channel_label: d.source_channel.label().into(),
        })
        .collect();
    let reference_set_at = identity_repo::reference_set_at(&mut conn, id).await?;
    let tickets = tickets::search::for_account(&mut conn, id, 20).await?;
    let audit = audit::for_account(&mut conn, id, 50)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(AccountDetail {
        id: account.id,
        full_name: account.full_name,
        email: account.email,
        nik_masked: account.nik_masked.unwrap_or_default(),
        phone: account.phone,
        agency: account.agency,
        role_label: account.role.label().into(),
        is_staff: account.role.is_staff(),
        status: account.status,
        created_at: account.created_at,
        devices,
        reference_set_at,
        tickets,
        audit,
    })
}

async fn find(svc: &Services, id: &AccountId) -> Result<AccountRow, AccountError> {
    let mut conn = svc.db.pool().acquire().await?;
    accounts_repo::find_by_id(&mut conn, id)
        .await?
        .ok_or(AccountError::NotFound)
}

/// Verifies, suspends or reactivates an account. Suspending ends its
/// sessions at once and closes its open tickets, so no link mailed earlier
/// can still add a device.
pub async fn set_status(
    svc: &Services,
    admin: &SessionHolder,
    id: &AccountId,
    to: AccountStatus,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), AccountError> {
    if id == &admin.account.id {
        return Err(AccountError::OwnAccount);
    }
    let mut tx = svc.db.begin_write().await?;
    let account = accounts_repo::find_by_id(&mut tx, id)
        .await?
        .ok_or(AccountError::NotFound)?;
    if account.status == to {
        return Err(AccountError::Unchanged(to.label()));
    }
    tickets::service::change_status_in(
        &mut tx,
        &account,
        to,
        admin.account.actor(),
        Some(client),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a signer's device from the console (a lost or stolen phone),
/// even the last one.
pub async fn remove_signer_device(
    svc: &Services,
    admin: &SessionHolder,
    account_id: &AccountId,
    device_id: &DeviceId,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<RemovedDevice, AccountError> {
    let account = find(svc, account_id).await?;
    let remover = Remover::Staff(admin.account.actor());
    Ok(remove_device(svc, &account, remover, device_id, client, now).await?)
}
