//! The two-step login: a password opens a session that waits for a code;
//! a code from any of the account's devices makes it active under a new token.
//!
//! Each attempt spends from one budget (see `accounts::throttle`): a browser
//! with a valid, unblocked device cookie of the account from the cookie's;
//! any other from its client address's and (passwords) the account's
//! cookie-less limit, or (codes) the account's OTP counter. Argon2 runs with
//! no pooled connection held.
//!
//! # The statements one code step executes
//! A right code from a browser without the device cookie (with one, add a
//! read of its counter; the budget is then its `failure_counters` row).
//! Before: four reads (the session, the account twice, its devices), then
//! four commits: the attempt reserved, the step claimed and the counter
//! cleared each in autocommit, then `BEGIN IMMEDIATE`, `DELETE` the waiting
//! session, `INSERT` the active one, `INSERT` the audit entry, `COMMIT`.
//! Now: one read on a lent connection, no lock held (the session joined
//! with its account and the account's devices,
//! `otp_devices::repo::session_with_devices`; the code is computed from
//! them), then the write, which joins every other right code waiting for the
//! writer (group commit, `otp_devices::accepted`): for a batch of N codes,
//! one round trip,
//!
//! ```text
//! BEGIN IMMEDIATE                                        -- SQLite only
//! UPDATE otp_devices SET last_used_step = CASE id WHEN $1 THEN $2 … END, …
//!   WHERE id IN ($1, $5, …) AND (last_used_step IS NULL OR last_used_step < CASE id … END);
//! UPDATE accounts SET otp_failures = 0, otp_locked_until = NULL
//!   WHERE (otp_failures <> 0 OR otp_locked_until IS NOT NULL) AND <not locked> AND id IN (…);
//! UPDATE accounts SET otp_locked_until = otp_locked_until WHERE <locked> AND id IN (…);
//! UPDATE sessions SET token_digest = CASE id WHEN <waiting id> THEN <new> … END,
//!   stage = 'active', … WHERE id IN (<waiting id>, …)
//!   AND token_digest = CASE id WHEN <waiting id> THEN <waiting digest> … END AND stage = 'awaiting_otp';
//! INSERT INTO audit_log … VALUES (login_succeeded), (…), …
//! COMMIT                                                 -- SQLite only
//! ```
//!
//! each statement in turn on SQLite, by the batch task on its own thread,
//! its changed rows checked after each (`platform::local_sqlite`), and as
//! the parts of one `WITH … RETURNING 1` query, its own transaction, on
//! PostgreSQL (`platform::statements::commit_checked`). The claim and the
//! sessions must touch all N rows (every step claimed, every session still
//! waiting) and the locked accounts none, or the batch rolls back and each
//! code is checked again alone in the same statements for one row, where a
//! replay, a lock or a gone session gets its own answer. The answers (and
//! the new cookies) go out after the commit: the claimed steps and the
//! audit entries are durable together. On SQLite that `COMMIT` appends to
//! the write-ahead log and never runs a checkpoint (`platform::db`'s
//! checkpointer does that beside the writer). A wrong code reserves its
//! attempt (`UPDATE accounts … RETURNING otp_failures`) and commits it with
//! its `login_otp_failed` entry in a transaction of its own.

use sqlx::AnyConnection;

use super::unlock;
use crate::accounts::device_cookie::DeviceCookie;
use crate::accounts::failures::{self, Admission};
use crate::accounts::password;
use crate::accounts::repo::NewSession;
use crate::accounts::repo::{
    self as accounts_repo, AccountRow, Activation, Counter, FailureCounter,
};
use crate::accounts::service::{SessionHolder, admit_session};
use crate::accounts::sessions::{self, SessionKey, Stage};
use crate::accounts::throttle;
use crate::accounts::types::{AccountStatus, OfficialEmail};
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::error::AppError;
use crate::otp_devices::accepted::FollowUp;
use crate::otp_devices::repo::{self as devices_repo, DeviceRow, SessionWithDevices};
use crate::otp_devices::service::{self as devices, AcceptedCode, CodeBudget, CodeError};
use crate::otp_devices::types::OtpCode;
use crate::platform::crypto::SecretToken;
use crate::platform::net::rate_limit_key;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::time::UnixTime;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong email or wrong password: deliberately one answer.
    #[error("Email atau kata sandi salah.")]
    BadCredentials,
    /// This client (address or device cookie) failed too often: the same
    /// answer whether the email has an account or not.
    #[error("Terlalu banyak percobaan yang salah dari perangkat ini.")]
    Throttled { wait_seconds: i64 },
    /// The right password from a browser without the device cookie, after
    /// 100 consecutive wrong ones: only someone who knows the password is told.
    #[error(
        "Masuk dari browser ini sedang dikunci karena kata sandi akun ini terlalu sering salah dimasukkan. Buka tautan buka kunci yang kami kirim ke email Anda (atau tekan \"Kirim tautan buka kunci\"), lalu masuk kembali. Browser yang sudah pernah Anda pakai untuk masuk tetap dapat digunakan."
    )]
    LockedForNewBrowsers,
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
            LoginError::Throttled { wait_seconds } => {
                AppError::TooManyAttempts(wait_seconds.max(1) as u64)
            }
            LoginError::AccountGone => AppError::Unauthenticated,
            LoginError::Code(e) => e.into(),
            LoginError::Database(e) => e.into(),
            other => AppError::Rejected(other.to_string()),
        }
    }
}

/// The failure counter of a client address (an IPv6 /64 is one client).
fn address_counter_key(client: &ClientInfo) -> String {
    format!("login_ip:{}", rate_limit_key(client.ip))
}

/// The browser's device cookie when it is valid for `account` and not on
/// the lockout list.
async fn usable_device_cookie(
    conn: &mut AnyConnection,
    svc: &Services,
    account: Option<&AccountRow>,
    cookie_value: Option<&str>,
    now: UnixTime,
) -> Result<Option<DeviceCookie>, sqlx::Error> {
    let Some(cookie) = cookie_value
        .and_then(|value| DeviceCookie::parse(&svc.keys, value, now))
        .filter(|cookie| account.is_some_and(|a| a.id == cookie.account_id))
    else {
        return Ok(None);
    };
    let key = cookie.counter_key();
    Ok((!failures::is_blocked(conn, Counter::Keyed(&key)).await?).then_some(cookie))
}

/// What the password attempt was admitted on.
enum PasswordBudget {
    DeviceCookie(String),
    /// The client address's counter, and the account's cookie-less one:
    /// `Some(n)` when admitted as the n-th, `None` when it is locked (or the
    /// email has no account).
    WithoutCookie {
        address: String,
        account_failures: Option<i64>,
        locked: bool,
    },
}

async fn admit_password(
    conn: &mut AnyConnection,
    account: Option<&AccountRow>,
    cookie: Option<DeviceCookie>,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<PasswordBudget, LoginError> {
    let refused = |until: UnixTime| LoginError::Throttled {
        wait_seconds: until - now,
    };
    if let Some(cookie) = cookie {
        let key = cookie.counter_key();
        return match failures::admit(conn, Counter::Keyed(&key), &throttle::DEVICE_COOKIE, now)
            .await?
        {
            Admission::Admitted { .. } => Ok(PasswordBudget::DeviceCookie(key)),
            Admission::Refused { until } => Err(refused(until)),
        };
    }
    let address = address_counter_key(client);
    if let Admission::Refused { until } = failures::admit(
        conn,
        Counter::Keyed(&address),
        &throttle::CLIENT_ADDRESS,
        now,
    )
    .await?
    {
        return Err(refused(until));
    }
    let (account_failures, locked) = match account {
        None => (None, false),
        Some(account) => {
            let counter = Counter::Account(&account.id, FailureCounter::Password);
            match failures::admit(conn, counter, &throttle::ACCOUNT_WITHOUT_COOKIE, now).await? {
                Admission::Admitted { failures } => (Some(failures), false),
                Admission::Refused { until } if until >= throttle::BLOCKED_UNTIL => (None, true),
                Admission::Refused { until } => return Err(refused(until)),
            }
        }
    };
    Ok(PasswordBudget::WithoutCookie {
        address,
        account_failures,
        locked,
    })
}

/// Step one of login. Returns the cookie value of a session that waits for a code.
pub async fn check_password(
    svc: &Services,
    email: &OfficialEmail,
    password_input: &str,
    device_cookie: Option<&str>,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<String, LoginError> {
    let mut conn = svc.db.pool().acquire().await?;
    let account = accounts_repo::find_by_email(&mut conn, email).await?;
    let cookie = usable_device_cookie(&mut conn, svc, account.as_ref(), device_cookie, now).await?;
    let budget = admit_password(&mut conn, account.as_ref(), cookie, client, now).await?;
    // Argon2 takes tens of milliseconds: no pooled connection waits for it.
    drop(conn);
    let password_ok = password::verify_off_thread(
        password_input.to_string(),
        account.as_ref().map(|a| a.password_hash.clone()),
    )
    .await;
    let mut conn = svc.db.pool().acquire().await?;
    let account = match account {
        Some(account) if password_ok => account,
        other => {
            let answer =
                wrong_password(&mut conn, svc, email, other.as_ref(), &budget, client, now);
            return Err(answer.await?);
        }
    };
    match budget {
        PasswordBudget::DeviceCookie(key) => {
            accounts_repo::clear_counter(&mut conn, Counter::Keyed(&key)).await?;
        }
        PasswordBudget::WithoutCookie {
            address, locked, ..
        } => {
            accounts_repo::refund_counter(&mut conn, &address, throttle::CLIENT_ADDRESS.free)
                .await?;
            if locked {
                return Err(LoginError::LockedForNewBrowsers);
            }
            accounts_repo::clear_failures(&mut conn, &account.id, FailureCounter::Password).await?;
        }
    }
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

/// A wrong password (or an email without an account): audited, and when it
/// is the 100th in a row from browsers without the device cookie, the
/// unlock link goes to the owner (once, at that moment).
async fn wrong_password(
    conn: &mut AnyConnection,
    svc: &Services,
    email: &OfficialEmail,
    account: Option<&AccountRow>,
    budget: &PasswordBudget,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<LoginError, sqlx::Error> {
    let account_failures = match budget {
        PasswordBudget::WithoutCookie {
            account_failures, ..
        } => *account_failures,
        PasswordBudget::DeviceCookie(_) => None,
    };
    let mut entry = AuditEntry::new(
        Actor::Anonymous {
            claimed: email.as_str(),
        },
        AuditEvent::LoginPasswordFailed {
            consecutive_failures: account_failures,
        },
    );
    if let Some(account) = account {
        entry = entry.subject(&account.id);
    }
    audit::record(conn, entry, Some(client), now).await?;
    if let Some(account) = account
        && account_failures.is_some_and(|n| throttle::ACCOUNT_WITHOUT_COOKIE.lock_starts(n))
    {
        unlock::send_link(conn, svc, account, false, client, now).await?;
    }
    Ok(LoginError::BadCredentials)
}

/// A session waiting for a code, with its account's devices.
pub struct WaitingForCode {
    pub holder: SessionHolder,
    devices: Vec<DeviceRow>,
}

/// The session of the session cookie's value, if any and if it waits for
/// a code, read with the account's devices in one query (the code step's
/// one read).
pub async fn waiting_for_code(
    svc: &Services,
    cookie_value: Option<&str>,
    now: UnixTime,
) -> Result<Option<WaitingForCode>, sqlx::Error> {
    let Some(cookie_value) = cookie_value else {
        return Ok(None);
    };
    let Some(key) = SessionKey::parse(cookie_value) else {
        return Ok(None);
    };
    let found = devices_repo::session_with_devices(&svc.db, &key, now).await?;
    let Some(SessionWithDevices {
        session,
        account,
        devices,
    }) = found
    else {
        return Ok(None);
    };
    // Writes only to end a suspended account's session.
    let admit = async |conn: &mut AnyConnection| {
        admit_session(conn, svc, session, account, Stage::AwaitingOtp, now).await
    };
    let holder = svc.db.read(admit).await?;
    Ok(holder.map(|holder| WaitingForCode { holder, devices }))
}

/// Step two of login: a code from any device of the account. The waiting
/// session becomes active under a new secret, in the write transaction
/// that claimed the code (see `accept_code`); returns its cookie value.
pub async fn check_code(
    svc: &Services,
    waiting: WaitingForCode,
    code: &OtpCode,
    device_cookie: Option<&str>,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(String, AccountRow), LoginError> {
    let WaitingForCode {
        holder: waiting,
        devices,
    } = waiting;
    let account = &waiting.account;
    let cookie = match device_cookie {
        Some(_) => {
            let read = async |conn: &mut AnyConnection| {
                usable_device_cookie(conn, svc, Some(account), device_cookie, now).await
            };
            svc.db.read(read).await?
        }
        None => None,
    };
    let cookie_key = cookie.map(|c| c.counter_key());
    let budget = match &cookie_key {
        Some(key) => CodeBudget::DeviceCookie(key),
        None => CodeBudget::Account,
    };
    let token = SecretToken::generate();
    let activate = |accepted: &AcceptedCode| FollowUp {
        activation: Some(Activation {
            waiting: waiting.session.key(),
            token_digest: token.digest.clone(),
            device_id: accepted.device_id.clone(),
            expires_at: now + svc.settings.session_idle_seconds,
            ip: client.ip.to_string(),
            user_agent: client.user_agent.clone(),
            at: now,
        }),
        audit: AuditEntry::new(
            account.actor(),
            AuditEvent::LoginSucceeded {
                device_id: accepted.device_id.clone(),
                device_name: accepted.device_name.clone(),
            },
        )
        .subject(&account.id)
        .prepare(Some(client), now),
    };
    let attempt = devices::Attempt::new(account, account.actor(), budget, client, now);
    let accepted = devices::accept_code(svc, &attempt, devices, code, activate);
    // Gone meanwhile (a logout, a suspension): nothing is kept, the code included.
    accepted.await?.ok_or(LoginError::AccountGone)?;
    let cookie = sessions::cookie_value(waiting.session.id, &token);
    Ok((cookie, waiting.account))
}
