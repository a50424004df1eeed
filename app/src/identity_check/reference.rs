//! The reference of the real person: the signer's registration (or KTP)
//! photo from AMS, which the verifier sees beside the selfie. Without it a
//! verifier could only approve "a face": anyone who knows a signer's email,
//! name and NIK could pass with their own selfie.

use super::photo::{self, PhotoError};
use super::repo;
use crate::accounts::repo as accounts_repo;
use crate::accounts::service::SessionHolder;
use crate::accounts::types::{OfficialEmail, Role};
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::ids::AccountId;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::time::UnixTime;

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("Tidak ada akun dengan email ini.")]
    UnknownAccount,
    #[error("Foto referensi hanya untuk akun Signer.")]
    NotASigner,
    #[error(
        "Foto referensi adalah data biometrik: simpan hanya bila Signer telah menyetujuinya saat registrasi."
    )]
    NoConsent,
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Checks the photo like a selfie (one face, re-encoded upright, no
/// metadata) and stores it as the account's reference, replacing any
/// earlier one. Returns the account it belongs to.
pub async fn set_reference_photo(
    svc: &Services,
    email: &OfficialEmail,
    upload: Vec<u8>,
    consent_at_registration: bool,
    actor: Actor<'_>,
    now: UnixTime,
) -> Result<AccountId, ReferenceError> {
    if !consent_at_registration {
        return Err(ReferenceError::NoConsent);
    }
    let photo = tokio::task::spawn_blocking(move || photo::process(&upload))
        .await
        .unwrap_or(Err(PhotoError::Unreadable))?;
    let mut tx = svc.db.begin_write().await?;
    let account = accounts_repo::find_by_email(&mut tx, email)
        .await?
        .ok_or(ReferenceError::UnknownAccount)?;
    if account.role != Role::Signer {
        return Err(ReferenceError::NotASigner);
    }
    repo::store_reference(&mut tx, &account.id, &photo, now).await?;
    let event = AuditEvent::ReferencePhotoSet {
        bytes: photo.jpeg.len(),
        width: photo.width,
        height: photo.height,
    };
    audit::record(
        &mut tx,
        AuditEntry::new(actor, event).subject(&account.id),
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(account.id)
}

/// An account's reference photo for a verifier or admin, recorded in the
/// audit log; `None` when the account has none.
pub async fn staff_reference_photo(
    svc: &Services,
    staff: &SessionHolder,
    account_id: &AccountId,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let Some(bytes) = repo::reference_image(&mut conn, account_id).await? else {
        return Ok(None);
    };
    let entry = AuditEntry::new(staff.account.actor(), AuditEvent::ReferencePhotoViewed)
        .subject(account_id);
    audit::record(&mut conn, entry, Some(client), now).await?;
    Ok(Some(bytes))
}
