//! Account rules: creating accounts, the two-step login, and who is signed in.

use super::password;
use super::repo::{self, AccountRow, FailureCounter, InsertAccount};
use super::sessions::{self, NewSession, SessionRow, Stage};
use super::throttle;
use super::types::{AccountStatus, NewPassword, Nik, OfficialEmail, PersonName, PhoneNumber, Role};
use crate::audit::{self, Actor, AuditAction, AuditEntry};
use crate::error::AppError;
use crate::otp_devices::Channel;
use crate::otp_devices::enrollment;
use crate::otp_devices::repo as devices_repo;
use crate::otp_devices::service::{self as devices, AcceptedCode, AddedDevice, NewDevice};
use crate::otp_devices::totp::{self, TotpSecret};
use crate::otp_devices::types::{DeviceName, OtpCode};
use crate::otp_devices::views::EnrollmentView;
use crate::platform::clock::UnixTime;
use crate::platform::crypto::{SecretToken, new_id, token_digest};
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;

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
) -> Result<String, CreateError> {
    if new.role == Role::Signer && new.nik.is_none() {
        return Err(CreateError::SignerWithoutNik);
    }
    let nik_digest = new.nik.as_ref().map(|nik| svc.keys.nik_digest(nik));
    let nik_masked = new.nik.as_ref().map(Nik::masked);
    let password_hash = password::hash(&new.password);
    let id = new_id();
    let mut tx = svc.db.begin_write().await?;
    if repo::email_or_nik_taken(&mut tx, new.email.as_str(), nik_digest.as_deref()).await? {
        return Err(CreateError::Taken);
    }
    repo::insert(
        &mut tx,
        InsertAccount {
            id: &id,
            email: new.email.as_str(),
            full_name: new.full_name.as_str(),
            nik_digest: nik_digest.as_deref(),
            nik_masked: nik_masked.as_deref(),
            phone: new.phone.as_ref().map(PhoneNumber::as_str),
            agency: new.agency.as_deref(),
            role: new.role,
            status: new.status,
            password_hash: &password_hash,
        },
        now,
    )
    .await?;
    let entry = AuditEntry::new(actor, AuditAction::AccountCreated)
        .subject(&id)
        .detail(serde_json::json!({ "role": new.role.as_str(), "status": new.status.as_str() }));
    audit::record(&mut tx, entry, None, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Gives an account a device whose secret the administrator hands over
/// (first device of a new account, demo data). The same add-device rule
/// applies: the code is computed from the new secret and verified.
pub async fn provision_device(
    svc: &Services,
    account_id: &str,
    name: &DeviceName,
    now: UnixTime,
) -> Result<(TotpSecret, AddedDevice), AppError> {
    let secret = TotpSecret::generate();
    let code =
        OtpCode::parse(&secret.code_for_step(totp::step_at(now), 6)).map_err(AppError::Invalid)?;
    let mut tx = svc.db.begin_write().await?;
    let added = devices::add_device(
        &mut tx,
        svc,
        NewDevice {
            account_id,
            name,
            secret: &secret,
            code: &code,
            channel: Channel::Administrator,
            actor: Actor::System,
            ticket_id: None,
        },
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((secret, added))
}

/// Step one of login. Returns the token of a session that waits for a code.
pub async fn check_password(
    svc: &Services,
    email_input: &str,
    password_input: &str,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<SecretToken, AppError> {
    let email = OfficialEmail::parse(email_input).map_err(AppError::Invalid)?;
    if password_input.is_empty() {
        return Err(AppError::invalid("Kata sandi wajib diisi."));
    }
    let mut conn = svc.db.pool().acquire().await?;
    let account = repo::find_by_email(&mut conn, email.as_str()).await?;
    if let Some(until) = account
        .as_ref()
        .and_then(|a| a.password_locked_until)
        .filter(|until| *until > now)
    {
        return Err(AppError::TooManyAttempts((until - now) as u64));
    }
    let password_ok = password::verify_off_thread(
        password_input.to_string(),
        account.as_ref().map(|a| a.password_hash.clone()),
    )
    .await;
    let account = match account {
        Some(account) if password_ok => account,
        other => {
            let entry = match &other {
                Some(account) => {
                    let failures =
                        repo::add_failure(&mut conn, &account.id, FailureCounter::Password).await?;
                    if let Some(until) = throttle::password_lock_after(failures, now) {
                        repo::lock_until(&mut conn, &account.id, FailureCounter::Password, until)
                            .await?;
                    }
                    AuditEntry::new(
                        Actor::Anonymous {
                            claimed: email.as_str(),
                        },
                        AuditAction::LoginPasswordFailed,
                    )
                    .subject(&account.id)
                    .detail(serde_json::json!({ "consecutive_failures": failures }))
                }
                None => AuditEntry::new(
                    Actor::Anonymous {
                        claimed: email.as_str(),
                    },
                    AuditAction::LoginPasswordFailed,
                )
                .detail(serde_json::json!({ "reason": "unknown_email" })),
            };
            audit::record(&mut conn, entry, Some(client), now).await?;
            return Err(AppError::BadCredentials);
        }
    };
    repo::clear_failures(&mut conn, &account.id, FailureCounter::Password).await?;
    if account.status() == AccountStatus::Suspended {
        return Err(AppError::rejected(
            "Akun Anda sedang ditangguhkan. Hubungi Helpdesk untuk informasi lebih lanjut.",
        ));
    }
    if devices_repo::for_account(&mut conn, &account.id)
        .await?
        .is_empty()
    {
        return Err(AppError::rejected(
            "Akun Anda belum memiliki perangkat OTP. Ajukan Permohonan OTP melalui Helpdesk untuk menambahkan perangkat.",
        ));
    }
    let token = sessions::create(
        &mut conn,
        NewSession {
            account_id: &account.id,
            device_id: None,
            stage: Stage::AwaitingOtp,
            expires_at: now + sessions::AWAITING_OTP_SECONDS,
        },
        client,
        now,
    )
    .await?;
    let entry =
        AuditEntry::new(account.actor(), AuditAction::LoginPasswordAccepted).subject(&account.id);
    audit::record(&mut conn, entry, Some(client), now).await?;
    Ok(token)
}

/// Step two of login: a code from any device of the account. The waiting
/// session is replaced by an active one under a new token.
pub async fn check_code(
    svc: &Services,
    waiting: &SessionRow,
    code_input: &str,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(SecretToken, AccountRow), AppError> {
    let code = OtpCode::parse(code_input).map_err(AppError::Invalid)?;
    let mut conn = svc.db.pool().acquire().await?;
    let account = repo::find_by_id(&mut conn, &waiting.account_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    drop(conn);
    let AcceptedCode {
        device_id,
        device_name,
    } = devices::verify_account_code(svc, &account, &code, client, now).await?;
    let mut tx = svc.db.begin_write().await?;
    sessions::delete(&mut tx, &waiting.token_digest).await?;
    let token = sessions::create(
        &mut tx,
        NewSession {
            account_id: &account.id,
            device_id: Some(&device_id),
            stage: Stage::Active,
            expires_at: now + svc.settings.session_idle_seconds,
        },
        client,
        now,
    )
    .await?;
    let entry = AuditEntry::new(account.actor(), AuditAction::LoginSucceeded)
        .subject(&account.id)
        .detail(serde_json::json!({ "device_id": device_id, "device_name": device_name }));
    audit::record(&mut tx, entry, Some(client), now).await?;
    tx.commit().await?;
    Ok((token, account))
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
) -> Result<Option<SessionHolder>, AppError> {
    let digest = token_digest(cookie_value);
    let mut conn = svc.db.pool().acquire().await?;
    let Some(session) = sessions::find(&mut conn, &digest, now).await? else {
        return Ok(None);
    };
    if session.stage() != stage {
        return Ok(None);
    }
    let Some(account) = repo::find_by_id(&mut conn, &session.account_id).await? else {
        return Ok(None);
    };
    if account.status() == AccountStatus::Suspended {
        sessions::delete(&mut conn, &digest).await?;
        return Ok(None);
    }
    if stage == Stage::Active {
        let expires_at = (now + svc.settings.session_idle_seconds)
            .min(session.created_at + svc.settings.session_max_seconds);
        sessions::touch(&mut conn, &digest, now, expires_at).await?;
    }
    Ok(Some(SessionHolder { session, account }))
}

pub async fn logout(
    svc: &Services,
    cookie_value: &str,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), AppError> {
    let Some(holder) = find_session(svc, cookie_value, Stage::Active, now).await? else {
        let mut conn = svc.db.pool().acquire().await?;
        sessions::delete(&mut conn, &token_digest(cookie_value)).await?;
        return Ok(());
    };
    let mut tx = svc.db.begin_write().await?;
    sessions::delete(&mut tx, &holder.session.token_digest).await?;
    audit::record(
        &mut tx,
        AuditEntry::new(holder.account.actor(), AuditAction::Logout).subject(&holder.account.id),
        Some(client),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A fresh code confirms the session for adding a device (step-up).
pub async fn confirm_session(
    svc: &Services,
    holder: &SessionHolder,
    code_input: &str,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), AppError> {
    let code = OtpCode::parse(code_input).map_err(AppError::Invalid)?;
    let accepted = devices::verify_account_code(svc, &holder.account, &code, client, now).await?;
    let mut tx = svc.db.begin_write().await?;
    sessions::confirm_until(
        &mut tx,
        &holder.session.token_digest,
        now + sessions::CONFIRMATION_SECONDS,
    )
    .await?;
    let entry = AuditEntry::new(holder.account.actor(), AuditAction::SessionConfirmed)
        .subject(&holder.account.id)
        .detail(serde_json::json!({ "device_id": accepted.device_id }));
    audit::record(&mut tx, entry, Some(client), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Asks for the password again before a destructive change.
pub async fn reconfirm_password(
    holder: &SessionHolder,
    password_input: &str,
) -> Result<(), AppError> {
    if password::verify_off_thread(
        password_input.to_string(),
        Some(holder.account.password_hash.clone()),
    )
    .await
    {
        Ok(())
    } else {
        Err(AppError::rejected(
            "Kata sandi salah. Perangkat tidak dihapus.",
        ))
    }
}

fn confirmation_needed() -> AppError {
    AppError::rejected(
        "Untuk menambah perangkat, masukkan dulu kode OTP dari perangkat yang sudah terdaftar di halaman Akun Saya.",
    )
}

/// Where a signed-in session keeps the secret it is adding.
fn self_enrollment_origin(holder: &SessionHolder) -> String {
    format!("session:{}", hex::encode(&holder.session.token_digest))
}

/// The QR step of adding a device from /akun, once a fresh code confirmed
/// the session; the secret lives as long as the confirmation.
pub async fn self_enrollment(
    svc: &Services,
    holder: &SessionHolder,
    now: UnixTime,
) -> Result<EnrollmentView, AppError> {
    let confirmed_until = holder
        .session
        .confirmed_until
        .filter(|until| *until > now)
        .ok_or_else(confirmation_needed)?;
    let mut tx = svc.db.begin_write().await?;
    let pending = enrollment::get_or_create(
        &mut tx,
        &svc.keys,
        &holder.account.id,
        &self_enrollment_origin(holder),
        confirmed_until,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(enrollment::view(
        &pending.secret,
        &svc.settings.brand,
        &holder.account.email,
        now,
    ))
}

/// Adds the device shown by [`self_enrollment`] once its first code verifies.
pub async fn finish_self_enrollment(
    svc: &Services,
    holder: &SessionHolder,
    name: &DeviceName,
    code: &OtpCode,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<AddedDevice, AppError> {
    if !holder.is_confirmed(now) {
        return Err(confirmation_needed());
    }
    let mut tx = svc.db.begin_write().await?;
    let pending = enrollment::load(&mut tx, &svc.keys, &self_enrollment_origin(holder), now)
        .await?
        .ok_or_else(|| {
            AppError::rejected(
                "QR Code sudah kedaluwarsa. Muat ulang halaman untuk mendapatkan QR Code baru.",
            )
        })?;
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
        },
        Some(client),
        now,
    )
    .await?;
    devices_repo::delete_pending(&mut tx, &pending.id).await?;
    tx.commit().await?;
    svc.mail_queued.notify_one();
    Ok(added)
}
