//! The two-step login: a password opens a session that waits for a code;
//! a code from any of the account's devices makes it active under a new token.

use crate::accounts::password;
use crate::accounts::repo::{self as accounts_repo, AccountRow, FailureCounter};
use crate::accounts::repo::{NewSession, SessionRow};
use crate::accounts::sessions::{self, Stage};
use crate::accounts::throttle;
use crate::accounts::types::{AccountStatus, OfficialEmail};
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::error::AppError;
use crate::otp_devices::repo as devices_repo;
use crate::otp_devices::service::{self as devices, AcceptedCode, CodeError};
use crate::otp_devices::types::OtpCode;
use crate::platform::crypto::SecretToken;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::time::UnixTime;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong email or wrong password: deliberately one answer.
    #[error("Email atau kata sandi salah.")]
    BadCredentials,
    #[error("Terlalu banyak percobaan kata sandi yang salah.")]
    PasswordLocked { wait_seconds: i64 },
    #[error("Akun Anda sedang ditangguhkan. Hubungi Helpdesk untuk informasi lebih lanjut.")]
    Suspended,
    #[error(
        "Akun Anda belum memiliki perangkat OTP. Ajukan Permohonan OTP melalui Helpdesk untuk menambahkan perangkat."
    )]
    NoDevice,
    /// The waiting session's account is gone.
    #[error("Silakan masuk kembali.")]
    AccountGone,
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<LoginError> for AppError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::BadCredentials => AppError::BadCredentials,
            LoginError::PasswordLocked { wait_seconds } => {
                AppError::TooManyAttempts(wait_seconds as u64)
            }
            LoginError::AccountGone => AppError::Unauthenticated,
            LoginError::Code(e) => e.into(),
            LoginError::Database(e) => e.into(),
            other => AppError::Rejected(other.to_string()),
        }
    }
}

/// Step one of login. Returns the token of a session that waits for a code.
pub async fn check_password(
    svc: &Services,
    email: &OfficialEmail,
    password_input: &str,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<SecretToken, LoginError> {
    let mut conn = svc.db.pool().acquire().await?;
    let account = accounts_repo::find_by_email(&mut conn, email).await?;
    if let Some(until) = account
        .as_ref()
        .and_then(|a| a.password_locked_until)
        .filter(|until| *until > now)
    {
        return Err(LoginError::PasswordLocked {
            wait_seconds: until - now,
        });
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
                    let failures = accounts_repo::add_failure(
                        &mut conn,
                        &account.id,
                        FailureCounter::Password,
                    )
                    .await?;
                    if let Some(until) = throttle::password_lock_after(failures, now) {
                        accounts_repo::lock_until(
                            &mut conn,
                            &account.id,
                            FailureCounter::Password,
                            until,
                        )
                        .await?;
                    }
                    AuditEntry::new(
                        Actor::Anonymous {
                            claimed: email.as_str(),
                        },
                        AuditEvent::LoginPasswordFailed {
                            consecutive_failures: Some(failures),
                        },
                    )
                    .subject(&account.id)
                }
                None => AuditEntry::new(
                    Actor::Anonymous {
                        claimed: email.as_str(),
                    },
                    AuditEvent::LoginPasswordFailed {
                        consecutive_failures: None,
                    },
                ),
            };
            audit::record(&mut conn, entry, Some(client), now).await?;
            return Err(LoginError::BadCredentials);
        }
    };
    accounts_repo::clear_failures(&mut conn, &account.id, FailureCounter::Password).await?;
    if account.status == AccountStatus::Suspended {
        return Err(LoginError::Suspended);
    }
    if devices_repo::for_account(&mut conn, &account.id)
        .await?
        .is_empty()
    {
        return Err(LoginError::NoDevice);
    }
    let token = accounts_repo::create_session(
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
        AuditEntry::new(account.actor(), AuditEvent::LoginPasswordAccepted).subject(&account.id);
    audit::record(&mut conn, entry, Some(client), now).await?;
    Ok(token)
}

/// Step two of login: a code from any device of the account. The waiting
/// session is replaced by an active one under a new token.
pub async fn check_code(
    svc: &Services,
    waiting: &SessionRow,
    code: &OtpCode,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(SecretToken, AccountRow), LoginError> {
    let mut conn = svc.db.pool().acquire().await?;
    let account = accounts_repo::find_by_id(&mut conn, &waiting.account_id)
        .await?
        .ok_or(LoginError::AccountGone)?;
    drop(conn);
    let AcceptedCode {
        device_id,
        device_name,
    } = devices::verify_account_code(svc, &account, account.actor(), code, client, now).await?;
    let mut tx = svc.db.begin_write().await?;
    accounts_repo::delete_session(&mut tx, &waiting.token_digest).await?;
    let token = accounts_repo::create_session(
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
    let event = AuditEvent::LoginSucceeded {
        device_id,
        device_name,
    };
    let entry = AuditEntry::new(account.actor(), event).subject(&account.id);
    audit::record(&mut tx, entry, Some(client), now).await?;
    tx.commit().await?;
    Ok((token, account))
}
