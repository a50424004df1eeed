//! Account rules: creating accounts, who is signed in, logging out.

use super::password;
use super::repo::{self, AccountRow, InsertAccount, SessionRow};
use super::sessions::Stage;
use super::types::{AccountStatus, NewPassword, Nik, OfficialEmail, PersonName, PhoneNumber, Role};
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::ids::AccountId;
use crate::platform::crypto::token_digest;
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
    let nik_sealed = new.nik.as_ref().map(|nik| seal_nik(svc, &id, nik));
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
pub fn seal_nik(svc: &Services, id: &AccountId, nik: &Nik) -> Vec<u8> {
    svc.keys
        .seal(id.as_str().as_bytes(), nik.digits().as_bytes())
}

/// Opens a NIK sealed by [`seal_nik`]; `None` when it does not open (another
/// key, another row) or is not digits.
pub fn open_nik(svc: &Services, id: &AccountId, sealed: &[u8]) -> Option<String> {
    let digits = svc.keys.open(id.as_str().as_bytes(), sealed).ok()?;
    String::from_utf8(digits)
        .ok()
        .filter(|d| Nik::parse(d).is_ok())
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
    let digest = token_digest(cookie_value);
    let mut conn = svc.db.pool().acquire().await?;
    let Some(session) = repo::find_session(&mut conn, &digest, now).await? else {
        return Ok(None);
    };
    if session.stage != stage {
        return Ok(None);
    }
    let Some(account) = repo::find_by_id(&mut conn, &session.account_id).await? else {
        return Ok(None);
    };
    if account.status == AccountStatus::Suspended {
        repo::delete_session(&mut conn, &digest).await?;
        return Ok(None);
    }
    if stage == Stage::Active {
        let expires_at = (now + svc.settings.session_idle_seconds)
            .min(session.created_at + svc.settings.session_max_seconds);
        repo::touch_session(&mut conn, &digest, now, expires_at).await?;
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
        let mut conn = svc.db.pool().acquire().await?;
        repo::delete_session(&mut conn, &token_digest(cookie_value)).await?;
        return Ok(());
    };
    let mut tx = svc.db.begin_write().await?;
    repo::delete_session(&mut tx, &holder.session.token_digest).await?;
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
#[error("Kata sandi salah. Perangkat tidak dihapus.")]
pub struct WrongPassword;

impl From<WrongPassword> for crate::error::AppError {
    fn from(e: WrongPassword) -> Self {
        Self::Rejected(e.to_string())
    }
}

/// Asks for the password again before a destructive change.
pub async fn reconfirm_password(
    holder: &SessionHolder,
    password_input: &str,
) -> Result<(), WrongPassword> {
    password::verify_off_thread(
        password_input.to_string(),
        Some(holder.account.password_hash.clone()),
    )
    .await
    .then_some(())
    .ok_or(WrongPassword)
}
