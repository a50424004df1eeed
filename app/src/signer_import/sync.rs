//! The signer sync of the integration API: AMS creates, updates and
//! deactivates signers one at a time (`PUT`/`DELETE
//! /api/v1/signers/{ams_id}`) and lists a signer's devices. A `PUT` goes
//! through [`apply_signer_in`], the path of the CSV import, so the two
//! store the same account for the same data; deactivating is the console's
//! suspension ([`change_status_in`]), with the service client as the actor.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::parse::{agency, status};
use super::service::{Applied, apply_signer_in};
use crate::accounts::repo::{self as accounts_repo, AccountRow};
use crate::accounts::service::{SignerRecord, UpsertError, Upserted};
use crate::accounts::types::{
    AccountStatus, AmsId, Nik, OfficialEmail, PersonName, PhoneNumber, Role,
};
use crate::audit::{self, AuditEntry, AuditEvent};
use crate::format::rfc3339_utc;
use crate::identity_check::reference::check_reference_photo;
use crate::otp_devices::repo as devices_repo;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::service_clients::service::ServiceClient;
use crate::tickets::service::change_status_in;
use crate::time::UnixTime;
use crate::validation::types::FieldError;

/// `PUT /api/v1/signers/{ams_id}`'s body: the signer as AMS knows them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignerPut {
    /// Official ("dinas") email; AMS may change it, the AMS id stays.
    #[schema(example = "budi.santoso@kominfo.go.id")]
    pub email: String,
    #[schema(example = "Budi Santoso")]
    pub full_name: String,
    /// 16-digit NIK; stored only as a keyed digest, masked and sealed.
    #[schema(example = "3201011508900001")]
    pub nik: String,
    #[serde(default)]
    #[schema(example = "081234567890")]
    pub phone: Option<String>,
    #[serde(default)]
    pub agency: Option<String>,
    /// `verified`, `unverified` or `suspended`.
    #[schema(example = "verified")]
    pub status: String,
    /// The signer's registration photo, base64 JPEG or PNG, with exactly
    /// one face; requires `photo_consent: true`.
    #[serde(default)]
    pub reference_photo: Option<String>,
    /// The signer agreed at registration that the photo is used to check
    /// their identity (biometric data, UU PDP).
    #[serde(default)]
    pub photo_consent: Option<bool>,
}

/// A `PUT` that can be acted on.
#[derive(Debug, Clone)]
pub struct SignerSync {
    pub record: SignerRecord,
    /// The reference photo as sent (checked when applied).
    pub photo: Option<Vec<u8>>,
}

/// The AMS id of the path, or the problem naming it.
pub fn parse_ams_id(text: &str) -> Result<AmsId, FieldError> {
    AmsId::parse(text).map_err(|message| {
        FieldError::new(
            format!("`ams_id`: {message}"),
            format!(
                "`ams_id` must be 1 to {} visible ASCII characters, without spaces or slashes, and not `.` or `..`.",
                AmsId::MAX_CHARS
            ),
        )
    })
}

/// `Ok`, or the problem naming `field` in both languages.
fn field<T>(result: Result<T, String>, field: &str, en: &str) -> Result<T, FieldError> {
    result.map_err(|message| FieldError::new(format!("`{field}`: {message}"), en.to_string()))
}

/// An optional text field: absent, `null` and blank are all "none".
fn optional(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

impl SignerSync {
    pub fn parse(ams_id: AmsId, put: SignerPut) -> Result<Self, FieldError> {
        let email = field(
            OfficialEmail::parse(&put.email),
            "email",
            "`email` must be an official email address, e.g. nama@instansi.go.id.",
        )?;
        let full_name = field(
            PersonName::parse(&put.full_name),
            "full_name",
            "`full_name` is required: at most 100 characters, without control characters.",
        )?;
        let nik = field(
            Nik::parse(&put.nik),
            "nik",
            "`nik` must be a valid 16-digit NIK (region code, birth date, serial number).",
        )?;
        let phone = field(
            optional(put.phone)
                .map(|p| PhoneNumber::parse(&p))
                .transpose(),
            "phone",
            "`phone` must be an Indonesian mobile number, e.g. 0812 3456 7890 or +62 812 3456 7890.",
        )?;
        let agency = field(
            agency(put.agency.as_deref().unwrap_or_default()),
            "agency",
            "`agency` must be at most 200 characters, without control characters.",
        )?;
        let status = field(
            status(&put.status),
            "status",
            "`status` must be verified, unverified or suspended.",
        )?;
        let photo = match optional(put.reference_photo) {
            None => None,
            Some(_) if put.photo_consent != Some(true) => {
                return Err(FieldError::new(
                    "`photo_consent`: foto referensi adalah data biometrik; kirim `photo_consent: true` hanya bila Signer menyetujuinya saat registrasi, atau jangan kirim `reference_photo`.",
                    "`photo_consent` must be true when `reference_photo` is given: the photo is biometric data the signer agreed to at registration.",
                ));
            }
            Some(encoded) => Some(STANDARD.decode(encoded.trim()).map_err(|_| {
                FieldError::new(
                    "`reference_photo`: harus berkas JPEG atau PNG dalam base64.",
                    "`reference_photo` must be a JPEG or PNG file in base64.",
                )
            })?),
        };
        Ok(Self {
            record: SignerRecord {
                ams_id: Some(ams_id),
                email,
                full_name,
                nik,
                phone,
                agency,
                status,
            },
            photo,
        })
    }
}

/// `result` of a `PUT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncResult {
    Created,
    Updated,
    Unchanged,
}

/// A `PUT`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignerSynced {
    pub result: SyncResult,
    /// The fields that changed (`photo` for the reference photo); empty
    /// when created or unchanged.
    #[schema(example = json!(["email", "phone"]))]
    pub changed: Vec<String>,
}

impl From<&Applied> for SignerSynced {
    fn from(applied: &Applied) -> Self {
        let changed = applied.changed();
        let result = match &applied.upserted {
            Upserted::Created(_) => SyncResult::Created,
            _ if changed.is_empty() => SyncResult::Unchanged,
            _ => SyncResult::Updated,
        };
        Self { result, changed }
    }
}

/// One device as AMS may see it: no secret, no id to act on it with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceListing {
    #[schema(example = "Hp Jackie 2606")]
    pub name: String,
    /// RFC 3339, UTC.
    #[schema(example = "2026-11-28T09:00:15Z")]
    pub added_at: String,
    /// RFC 3339, UTC; absent when never used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
}

/// `GET /api/v1/signers/{ams_id}/devices`'s answer, oldest device first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceList {
    pub devices: Vec<DeviceListing>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{}", .0.id)]
    Invalid(FieldError),
    #[error("Tidak ada signer dengan ID AMS ini.")]
    NotFound,
    /// The request cannot be applied to the stored data as it is.
    #[error("{}", .0.id)]
    Conflict(FieldError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<UpsertError> for SyncError {
    fn from(e: UpsertError) -> Self {
        let en = match e {
            UpsertError::Database(e) => return Self::Database(e),
            UpsertError::StaffAccount => "Staff accounts are not changed through the sync.",
            UpsertError::NikTaken => "`nik` is already registered to another account.",
            UpsertError::EmailTaken => "`email` is already used by another account.",
            UpsertError::OtherAmsId(_) => {
                "The account with this `email` already has another AMS id."
            }
            UpsertError::Concurrent => {
                "The account was changed by another request meanwhile; send the request again."
            }
        };
        Self::Conflict(FieldError::new(e.to_string(), en))
    }
}

fn staff_account() -> SyncError {
    UpsertError::StaffAccount.into()
}

/// Creates or updates the signer (and their reference photo), ending their
/// access when this suspends them. The same request twice changes nothing
/// the second time.
pub async fn put(
    svc: &Services,
    client: &ServiceClient,
    signer: SignerSync,
    caller: &ClientInfo,
    now: UnixTime,
) -> Result<Applied, SyncError> {
    let photo = match signer.photo {
        None => None,
        Some(bytes) => Some(check_reference_photo(bytes).await.map_err(|e| {
            SyncError::Invalid(FieldError::new(
                format!("`reference_photo`: {e}"),
                "`reference_photo` is not usable: it must be a JPEG or PNG of at least 240×240 pixels, at most 10 MB, showing exactly one face.",
            ))
        })?),
    };
    let mut tx = svc.db.begin_write().await?;
    let applied = apply_signer_in(
        &mut tx,
        svc,
        &signer.record,
        photo.as_ref(),
        client.actor(),
        Some(caller),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(applied)
}

/// The signer AMS knows by `ams_id`; a staff account is never served.
async fn signer_of(
    conn: &mut sqlx::AnyConnection,
    ams_id: &AmsId,
) -> Result<AccountRow, SyncError> {
    let account = accounts_repo::find_by_ams_id(conn, ams_id.as_str())
        .await?
        .ok_or(SyncError::NotFound)?;
    if account.role != Role::Signer {
        return Err(staff_account());
    }
    Ok(account)
}

/// Suspends the signer, ending their sessions and open tickets and links;
/// the audit stays. False when they were suspended already (nothing
/// changed).
pub async fn deactivate(
    svc: &Services,
    client: &ServiceClient,
    ams_id: &AmsId,
    caller: &ClientInfo,
    now: UnixTime,
) -> Result<bool, SyncError> {
    let mut tx = svc.db.begin_write().await?;
    let account = signer_of(&mut tx, ams_id).await?;
    if account.status == AccountStatus::Suspended {
        return Ok(false);
    }
    let to = AccountStatus::Suspended;
    change_status_in(&mut tx, &account, to, client.actor(), Some(caller), now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The signer's devices (names and dates only); the listing is audited.
pub async fn devices(
    svc: &Services,
    client: &ServiceClient,
    ams_id: &AmsId,
    caller: &ClientInfo,
    now: UnixTime,
) -> Result<DeviceList, SyncError> {
    let mut tx = svc.db.begin_write().await?;
    let account = signer_of(&mut tx, ams_id).await?;
    let devices: Vec<DeviceListing> = devices_repo::for_account(&mut tx, &account.id)
        .await?
        .into_iter()
        .map(|d| DeviceListing {
            name: d.name,
            added_at: rfc3339_utc(d.created_at),
            last_used_at: d.last_used_at.map(rfc3339_utc),
        })
        .collect();
    let event = AuditEvent::SignerDevicesListed {
        devices: devices.len(),
    };
    let entry = AuditEntry::new(client.actor(), event).subject(&account.id);
    audit::record(&mut tx, entry, Some(caller), now).await?;
    tx.commit().await?;
    Ok(DeviceList { devices })
}
