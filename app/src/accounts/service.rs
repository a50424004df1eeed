//! Account rules: creating accounts, keeping signers in step with AMS, who
//! is signed in, logging out.

use sqlx::AnyConnection;

use super::failures::{self, Admission};
use super::password;
use super::repo::{self, AccountRow, InsertAccount, SessionRow, SignerColumns};
use super::sessions::{SessionKey, Stage};
use super::throttle;
use super::types::{
    AccountStatus, AmsId, NewPassword, Nik, OfficialEmail, PersonName, PhoneNumber, Role,
};
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::ids::AccountId;
use crate::platform::crypto::Keys;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::time::UnixTime;

#[derive(Debug)]
pub struct NewAccount {
    pub email: OfficialEmail,
    pub full_name: PersonName,
    pub nik: Option<Nik>,
    pub phone: Option<PhoneNumber>,
    pub agency: Option<String>,
    pub role: Role,
    pub status: AccountStatus,
    pub password: NewPassword,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("Email atau NIK sudah terdaftar pada akun lain.")]
    Taken,
    #[error("Akun Signer wajib memiliki NIK.")]
    SignerWithoutNik,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn create_account(
    svc: &Services,
    new: NewAccount,
    actor: Actor<'_>,
    now: UnixTime,
) -> Result<AccountId, CreateError> {
    if new.role == Role::Signer && new.nik.is_none() {
        return Err(CreateError::SignerWithoutNik);
    }
    let nik_digest = new
        .nik
        .as_ref()
        .map(|nik| svc.keys.nik_digest(nik.digits().as_bytes()));
    let nik_masked = new.nik.as_ref().map(Nik::masked);
    let password_hash = password::hash(&new.password);
    let id = AccountId::generate();
    let nik_sealed = new.nik.as_ref().map(|nik| seal_nik(&svc.keys, &id, nik));
    let mut tx = svc.db.begin_write().await?;
    // A concurrent creation of the same account loses on the unique
    // constraints: the insert reports it instead of failing the request.
    let inserted = repo::insert(
        &mut tx,
        InsertAccount {
            id: &id,
            email: &new.email,
            full_name: new.full_name.as_str(),
            nik_digest: nik_digest.as_deref(),
            nik_masked: nik_masked.as_deref(),
            nik_sealed: nik_sealed.as_deref(),
            phone: new.phone.as_ref().map(PhoneNumber::as_str),
            agency: new.agency.as_deref(),
            role: new.role,
            status: new.status,
            password_hash: &password_hash,
            ams_id: None,
        },
        now,
    )
    .await?;
    if !inserted {
        return Err(CreateError::Taken);
    }
    let entry = AuditEntry::new(
        actor,
        AuditEvent::AccountCreated {
            role: new.role.as_str().to_string(),
            status: new.status.as_str().to_string(),
        },
    )
    .subject(&id);
    audit::record(&mut tx, entry, None, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The NIK's digits sealed for the account `id` (the only form in which the
/// digits are stored; the face-match service needs them).
pub fn seal_nik(keys: &Keys, id: &AccountId, nik: &Nik) -> Vec<u8> {
    keys.seal(id.as_str().as_bytes(), nik.digits().as_bytes())
}

/// Opens a NIK sealed by [`seal_nik`]; `None` when it does not open (another
/// key, another row) or is not digits.
pub fn open_nik(svc: &Services, id: &AccountId, sealed: &[u8]) -> Option<String> {
    let digits = svc.keys.open(id.as_str().as_bytes(), sealed).ok()?;
    String::from_utf8(digits)
        .ok()
        .filter(|d| Nik::parse(d).is_ok())
}

/// A signer as AMS knows them: what an import row and the sync API give.
/// The AMS id is the key when given (so AMS can change a signer's email),
/// else the email; everything else is overwritten.
#[derive(Debug, Clone)]
pub struct SignerRecord {
    pub ams_id: Option<AmsId>,
    pub email: OfficialEmail,
    pub full_name: PersonName,
    pub nik: Nik,
    pub phone: Option<PhoneNumber>,
    pub agency: Option<String>,
    pub status: AccountStatus,
}

/// A field of a [`SignerRecord`] that an update changed, named as in the
/// AMS export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerField {
    AmsId,
    Email,
    FullName,
    Nik,
    Phone,
    Agency,
    Status,
}

impl SignerField {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AmsId => "ams_id",
            Self::Email => "email",
            Self::FullName => "full_name",
            Self::Nik => "nik",
            Self::Phone => "phone",
            Self::Agency => "agency",
            Self::Status => "status",
        }
    }
}

/// What [`upsert_signer_in`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upserted {
    Created(AccountId),
    Updated {
        id: AccountId,
        changed: Vec<SignerField>,
    },
    Unchanged(AccountId),
}

impl Upserted {
    pub fn id(&self) -> &AccountId {
        match self {
            Self::Created(id) | Self::Updated { id, .. } | Self::Unchanged(id) => id,
        }
    }

    /// Whether this upsert suspended a signer who was not suspended before
    /// (their sessions and open tickets must then end).
    pub fn suspended(&self, record: &SignerRecord) -> bool {
        record.status == AccountStatus::Suspended
            && matches!(self, Self::Updated { changed, .. } if changed.contains(&SignerField::Status))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UpsertError {
    #[error("akun petugas tidak dapat diubah lewat impor atau sinkronisasi")]
    StaffAccount,
    #[error("NIK ini sudah terdaftar pada akun lain.")]
    NikTaken,
    #[error("email ini sudah dipakai akun lain.")]
    EmailTaken,
    #[error("akun dengan email ini sudah memiliki ID AMS lain ({0}).")]
    OtherAmsId(String),
    /// The email or NIK was taken by a concurrent change after it was
    /// checked. On PostgreSQL the transaction is then unusable: give up.
    #[error("Akun ini sedang diubah oleh proses lain. Ulangi impor.")]
    Concurrent,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The account `record` is about: the one with its AMS id, else the one
/// with its email (which gets the AMS id attached), refusing an email held
/// by another account and an account AMS already knows by another id.
async fn signer_account(
    conn: &mut AnyConnection,
    record: &SignerRecord,
) -> Result<Option<AccountRow>, UpsertError> {
    let by_ams_id = match &record.ams_id {
        Some(ams_id) => repo::find_by_ams_id(conn, ams_id.as_str()).await?,
        None => None,
    };
    let by_email = repo::find_by_email(conn, &record.email).await?;
    let account = match (by_ams_id, by_email) {
        (Some(known), Some(other)) if known.id != other.id => {
            return Err(if other.role == Role::Signer {
                UpsertError::EmailTaken
            } else {
                UpsertError::StaffAccount
            });
        }
        (Some(known), _) => Some(known),
        (None, by_email) => by_email,
    };
    if let Some(account) = &account {
        if account.role != Role::Signer {
            return Err(UpsertError::StaffAccount);
        }
        if let (Some(stored), Some(given)) = (&account.ams_id, &record.ams_id)
            && stored != given.as_str()
        {
            return Err(UpsertError::OtherAmsId(stored.clone()));
        }
    }
    Ok(account)
}

/// Creates the signer, or brings an existing signer's data in line with
/// `record`; idempotent: the same record twice changes nothing the second
/// time. A new signer has no password here (they use the helpdesk, not a
/// login, until one is set). Staff accounts are refused, never changed. A
/// record without an AMS id keeps the one stored. Runs inside the caller's
/// write transaction and audits every change; a caller seeing
/// [`Upserted::suspended`] ends the signer's access in the same transaction.
pub async fn upsert_signer_in(
    conn: &mut AnyConnection,
    keys: &Keys,
    record: &SignerRecord,
    actor: Actor<'_>,
    client: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<Upserted, UpsertError> {
    let nik_digest = keys.nik_digest(record.nik.digits().as_bytes());
    let nik_masked = record.nik.masked();
    let phone = record.phone.as_ref().map(PhoneNumber::as_str);
    let existing = signer_account(conn, record).await?;
    // Under any key version: a rotation may not have re-digested it yet.
    let mut nik_holder = None;
    for digest in keys.nik_digests(record.nik.digits().as_bytes()) {
        nik_holder = repo::find_id_by_nik_digest(conn, &digest).await?;
        if nik_holder.is_some() {
            break;
        }
    }
    if nik_holder.is_some() && nik_holder.as_ref() != existing.as_ref().map(|a| &a.id) {
        return Err(UpsertError::NikTaken);
    }
    let Some(existing) = existing else {
        let id = AccountId::generate();
        let inserted = repo::insert(
            conn,
            InsertAccount {
                id: &id,
                email: &record.email,
                full_name: record.full_name.as_str(),
                nik_digest: Some(&nik_digest),
                nik_masked: Some(&nik_masked),
                nik_sealed: Some(&seal_nik(keys, &id, &record.nik)),
                phone,
                agency: record.agency.as_deref(),
                role: Role::Signer,
                status: record.status,
                password_hash: password::NO_PASSWORD,
                ams_id: record.ams_id.as_ref().map(AmsId::as_str),
            },
            now,
        )
        .await?;
        if !inserted {
            return Err(UpsertError::Concurrent);
        }
        let event = AuditEvent::AccountCreated {
            role: Role::Signer.as_str().to_string(),
            status: record.status.as_str().to_string(),
        };
        audit::record(
            conn,
            AuditEntry::new(actor, event).subject(&id),
            client,
            now,
        )
        .await?;
        return Ok(Upserted::Created(id));
    };
    let ams_id = record
        .ams_id
        .as_ref()
        .map(AmsId::as_str)
        .or(existing.ams_id.as_deref());
    let stored_digest = repo::nik_digest(conn, &existing.id).await?;
    let changed: Vec<SignerField> = [
        (SignerField::AmsId, existing.ams_id.as_deref() != ams_id),
        (SignerField::Email, existing.email != record.email.as_str()),
        (
            SignerField::FullName,
            existing.full_name != record.full_name.as_str(),
        ),
        (
            SignerField::Nik,
            stored_digest.as_deref() != Some(nik_digest.as_slice()),
        ),
        (SignerField::Phone, existing.phone.as_deref() != phone),
        (SignerField::Agency, existing.agency != record.agency),
        (SignerField::Status, existing.status != record.status),
    ]
    .into_iter()
    .filter_map(|(field, differs)| differs.then_some(field))
    .collect();
    if changed.is_empty() {
        return Ok(Upserted::Unchanged(existing.id));
    }
    let columns = SignerColumns {
        email: &record.email,
        ams_id,
        full_name: record.full_name.as_str(),
        nik_digest: &nik_digest,
        nik_masked: &nik_masked,
        nik_sealed: &seal_nik(keys, &existing.id, &record.nik),
        phone,
        agency: record.agency.as_deref(),
        status: record.status,
    };
    if !repo::update_signer(conn, &existing.id, columns, now).await? {
        return Err(UpsertError::Concurrent);
    }
    let event = AuditEvent::AccountUpdated {
        changed: changed.iter().map(|f| f.as_str().to_string()).collect(),
        status: changed
            .contains(&SignerField::Status)
            .then(|| record.status.as_str().to_string()),
    };
    audit::record(
        conn,
        AuditEntry::new(actor, event).subject(&existing.id),
        client,
        now,
    )
    .await?;
    Ok(Upserted::Updated {
        id: existing.id,
        changed,
    })
}

/// A session and its account, as found from the cookie.
#[derive(Debug, Clone)]
pub struct SessionHolder {
    pub session: SessionRow,
    pub account: AccountRow,
}

impl SessionHolder {
    pub fn is_confirmed(&self, now: UnixTime) -> bool {
        self.session
            .confirmed_until
            .is_some_and(|until| until > now)
    }
}

/// The session behind a cookie value, if it is unexpired and at `stage`.
/// Active sessions slide their idle expiry forward, up to the absolute limit.
pub async fn find_session(
    svc: &Services,
    cookie_value: &str,
    stage: Stage,
    now: UnixTime,
) -> Result<Option<SessionHolder>, sqlx::Error> {
    let Some(key) = SessionKey::parse(cookie_value) else {
        return Ok(None);
    };
    svc.db
        .read(async |conn| {
            let Some((session, account)) = repo::find_session(conn, &key, now).await? else {
                return Ok(None);
            };
            admit_session(conn, svc, session, account, stage, now).await
        })
        .await
}

/// A session as read, if it is at `stage` and may go on: a suspended
/// account's is ended; an active one's idle expiry slides forward.
pub async fn admit_session(
    conn: &mut AnyConnection,
    svc: &Services,
    session: SessionRow,
    account: AccountRow,
    stage: Stage,
    now: UnixTime,
) -> Result<Option<SessionHolder>, sqlx::Error> {
    if session.stage != stage {
        return Ok(None);
    }
    if account.status == AccountStatus::Suspended {
        repo::delete_session(conn, &session.key()).await?;
        return Ok(None);
    }
    if stage == Stage::Active {
        let expires_at = (now + svc.settings.session_idle_seconds)
            .min(session.created_at + svc.settings.session_max_seconds);
        repo::touch_session(conn, &session.key(), now, expires_at).await?;
    }
    Ok(Some(SessionHolder { session, account }))
}

pub async fn logout(
    svc: &Services,
    cookie_value: &str,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let Some(holder) = find_session(svc, cookie_value, Stage::Active, now).await? else {
        // A session still waiting for its code ends too.
        if let Some(key) = SessionKey::parse(cookie_value) {
            let mut conn = svc.db.pool().acquire().await?;
            repo::delete_session(&mut conn, &key).await?;
        }
        return Ok(());
    };
    let mut tx = svc.db.begin_write().await?;
    repo::delete_session(&mut tx, &holder.session.key()).await?;
    audit::record(
        &mut tx,
        AuditEntry::new(holder.account.actor(), AuditEvent::Logout).subject(&holder.account.id),
        Some(client),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ReentryError {
    #[error("Kata sandi salah. Perangkat tidak dihapus.")]
    WrongPassword,
    #[error("Terlalu banyak kata sandi yang salah.")]
    Delayed { wait_seconds: i64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ReentryError> for crate::error::AppError {
    fn from(e: ReentryError) -> Self {
        match e {
            ReentryError::Delayed { wait_seconds } => Self::TooManyAttempts(wait_seconds as u64),
            ReentryError::Database(e) => e.into(),
            other => Self::Rejected(other.to_string()),
        }
    }
}

/// Asks for the password again before a destructive change. Wrong
/// passwords are counted per account (whatever the session), audited, and
/// delayed after a few; the attempt is reserved before Argon2 runs, which
/// it does with no pooled connection held.
pub async fn reconfirm_password(
    svc: &Services,
    holder: &SessionHolder,
    password_input: &str,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), ReentryError> {
    let account = &holder.account;
    let key = format!("password_reentry:{}", account.id);
    let counter = repo::Counter::Keyed(&key);
    let mut conn = svc.db.pool().acquire().await?;
    let failures =
        match failures::admit(&mut conn, counter, &throttle::PASSWORD_REENTRY, now).await? {
            Admission::Admitted { failures } => failures,
            Admission::Refused { until } => {
                return Err(ReentryError::Delayed {
                    wait_seconds: until - now,
                });
            }
        };
    drop(conn);
    let right = password::verify_off_thread(
        password_input.to_string(),
        Some(account.password_hash.clone()),
    )
    .await;
    let mut conn = svc.db.pool().acquire().await?;
    if right {
        repo::clear_counter(&mut conn, counter).await?;
        return Ok(());
    }
    let entry = AuditEntry::new(
        account.actor(),
        AuditEvent::PasswordReentryFailed {
            consecutive_failures: failures,
        },
    )
    .subject(&account.id);
    audit::record(&mut conn, entry, Some(client), now).await?;
    Err(ReentryError::WrongPassword)
}
