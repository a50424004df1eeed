//! The reference of the real person: the signer's registration (or KTP)
//! photo from AMS, which the verifier sees beside the selfie. Without it a
//! verifier could only approve "a face": anyone who knows a signer's email,
//! name and NIK could pass with their own selfie.

use sqlx::AnyConnection;

use super::photo::{self, PhotoError, Selfie};
use super::repo;
use super::types::ReferenceProblem;
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
    #[error("Akun tidak ditemukan.")]
    NoSuchAccount,
    #[error("{}", ReferenceProblem::NotASigner)]
    NotASigner,
    #[error("{}", ReferenceProblem::NoConsent)]
    NoConsent,
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl ReferenceError {
    /// What the console's account page says about it; `None` for an
    /// account that is not there.
    pub fn problem(&self) -> Option<ReferenceProblem> {
        match self {
            Self::UnknownAccount | Self::NoSuchAccount => None,
            Self::NotASigner => Some(ReferenceProblem::NotASigner),
            Self::NoConsent => Some(ReferenceProblem::NoConsent),
            Self::Photo(problem) => Some(ReferenceProblem::Photo(*problem)),
            Self::Database(_) => Some(ReferenceProblem::Failed),
        }
    }
}

/// The account whose reference photo is set.
enum Whose<'a> {
    Email(&'a OfficialEmail),
    Id(&'a AccountId),
}

/// Checks the photo like a selfie (one face, re-encoded upright, no
/// metadata) and stores it as the account's reference, replacing any
/// earlier one. Returns the account it belongs to. (`server
/// set-reference-photo`.)
pub async fn set_reference_photo(
    svc: &Services,
    email: &OfficialEmail,
    upload: Vec<u8>,
    consent_at_registration: bool,
    actor: Actor<'_>,
    now: UnixTime,
) -> Result<AccountId, ReferenceError> {
    let whose = Whose::Email(email);
    set_reference(
        svc,
        whose,
        upload,
        consent_at_registration,
        actor,
        None,
        now,
    )
    .await
}

/// [`set_reference_photo`] for the account with `account_id`, with the
/// client it came from in the audit log (the console's account page).
pub async fn set_reference_photo_by_id(
    svc: &Services,
    account_id: &AccountId,
    upload: Vec<u8>,
    consent_at_registration: bool,
    actor: Actor<'_>,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), ReferenceError> {
    let whose = Whose::Id(account_id);
    set_reference(
        svc,
        whose,
        upload,
        consent_at_registration,
        actor,
        Some(client),
        now,
    )
    .await
    .map(drop)
}

async fn set_reference(
    svc: &Services,
    whose: Whose<'_>,
    upload: Vec<u8>,
    consent_at_registration: bool,
    actor: Actor<'_>,
    client: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<AccountId, ReferenceError> {
    if !consent_at_registration {
        return Err(ReferenceError::NoConsent);
    }
    let photo = check_reference_photo(upload).await?;
    let mut tx = svc.db.begin_write().await?;
    let account = match whose {
        Whose::Email(email) => accounts_repo::find_by_email(&mut tx, email)
            .await?
            .ok_or(ReferenceError::UnknownAccount)?,
        Whose::Id(id) => accounts_repo::find_by_id(&mut tx, id)
            .await?
            .ok_or(ReferenceError::NoSuchAccount)?,
    };
    if account.role != Role::Signer {
        return Err(ReferenceError::NotASigner);
    }
    store_reference_photo_in(&mut tx, &account.id, &photo, actor, client, now).await?;
    tx.commit().await?;
    Ok(account.id)
}

/// The photo checked and normalised as a reference (like a selfie: one
/// face, upright, re-encoded without metadata), off the async workers.
/// The same upload always gives the same bytes.
pub async fn check_reference_photo(upload: Vec<u8>) -> Result<Selfie, PhotoError> {
    tokio::task::spawn_blocking(move || photo::process(&upload))
        .await
        .unwrap_or(Err(PhotoError::Unreadable))
}

/// Whether `photo` (from [`check_reference_photo`]) is already the
/// account's reference, byte for byte.
pub async fn is_current_reference(
    conn: &mut AnyConnection,
    account_id: &AccountId,
    photo: &Selfie,
) -> Result<bool, sqlx::Error> {
    Ok(repo::reference_image(conn, account_id)
        .await?
        .is_some_and(|stored| stored == photo.jpeg))
}

/// Stores a checked photo as a signer's reference inside the caller's
/// transaction and audits it. The caller has established that the account
/// is a signer's and that the signer consented at registration.
pub async fn store_reference_photo_in(
    conn: &mut AnyConnection,
    account_id: &AccountId,
    photo: &Selfie,
    actor: Actor<'_>,
    client: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    repo::store_reference(conn, account_id, photo, now).await?;
    let event = AuditEvent::ReferencePhotoSet {
        bytes: photo.jpeg.len(),
        width: photo.width,
        height: photo.height,
    };
    audit::record(
        conn,
        AuditEntry::new(actor, event).subject(account_id),
        client,
        now,
    )
    .await
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
