//! The mailed unlock link: after 100 consecutive wrong passwords from
//! browsers without the account's device cookie, such logins are refused
//! until the owner opens this link. Single use, only its digest stored,
//! valid for an hour; following it lifts the lock and makes the browser
//! known (it gets a device cookie), so a stranger still guessing cannot lock
//! it out again before the owner logs in.

use sqlx::AnyConnection;

use crate::accounts::device_cookie::DeviceCookie;
use crate::accounts::failures;
use crate::accounts::repo::{self as accounts_repo, AccountRow, Counter, FailureCounter};
use crate::accounts::types::OfficialEmail;
use crate::audit::{self, AuditEntry, AuditEvent};
use crate::mail::repo as mail_repo;
use crate::mail::templates;
use crate::platform::crypto::{SecretToken, presented_token_digest};
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::time::UnixTime;

pub const LINK_SECONDS: i64 = 3600;
/// At most one link per account this often when asked for on the login page.
pub const RESEND_AFTER_SECONDS: i64 = 10 * 60;
pub const PATH: &str = "/buka-kunci";

/// Issues a link for `account` and queues its mail.
pub async fn send_link(
    conn: &mut AnyConnection,
    svc: &Services,
    account: &AccountRow,
    requested: bool,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let token = SecretToken::generate();
    let expires_at = now + LINK_SECONDS;
    accounts_repo::insert_unlock_link(conn, &token.digest, &account.id, now, expires_at).await?;
    let link = svc.settings.link(&format!("{PATH}?token={}", token.text));
    let mail = templates::account_unlock(
        &svc.settings.brand,
        account.recipient(),
        &link,
        now,
        expires_at,
    );
    mail_repo::enqueue(conn, &svc.keys, &mail, None, now).await?;
    let entry = AuditEntry::new(account.actor(), AuditEvent::UnlockLinkSent { requested })
        .subject(&account.id);
    audit::record(conn, entry, Some(client), now).await?;
    svc.mail_queued.notify_one();
    Ok(())
}

/// "Kirim tautan buka kunci" on the login page: a link goes out only when
/// the account exists and is locked for new browsers, at most every ten
/// minutes; the caller answers the same in every case.
pub async fn request_link(
    svc: &Services,
    email: &OfficialEmail,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let Some(account) = accounts_repo::find_by_email(&mut conn, email).await? else {
        return Ok(());
    };
    let counter = Counter::Account(&account.id, FailureCounter::Password);
    if !failures::is_blocked(&mut conn, counter).await? {
        return Ok(());
    }
    let last = accounts_repo::last_unlock_link_at(&mut conn, &account.id).await?;
    if last.is_some_and(|at| at + RESEND_AFTER_SECONDS > now) {
        return Ok(());
    }
    send_link(&mut conn, svc, &account, true, client, now).await
}

#[derive(Debug, thiserror::Error)]
pub enum UnlockError {
    #[error(
        "Tautan buka kunci tidak berlaku: sudah dipakai, kedaluwarsa, atau tidak dikenal. Minta tautan baru di halaman Masuk."
    )]
    Invalid,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<UnlockError> for crate::error::AppError {
    fn from(e: UnlockError) -> Self {
        match e {
            UnlockError::Database(e) => e.into(),
            other => Self::Rejected(other.to_string()),
        }
    }
}

/// Spends the link: the account's cookie-less lock is lifted and this
/// browser gets a device cookie of the account (its value is returned).
pub async fn unlock(
    svc: &Services,
    token_text: &str,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<String, UnlockError> {
    let digest = presented_token_digest(token_text).ok_or(UnlockError::Invalid)?;
    let mut tx = svc.db.begin_write().await?;
    let account_id = accounts_repo::use_unlock_link(&mut tx, &digest, now)
        .await?
        .ok_or(UnlockError::Invalid)?;
    let account = accounts_repo::find_by_id(&mut tx, &account_id)
        .await?
        .ok_or(UnlockError::Invalid)?;
    accounts_repo::clear_failures(&mut tx, &account.id, FailureCounter::Password).await?;
    let entry = AuditEntry::new(account.actor(), AuditEvent::AccountUnlocked).subject(&account.id);
    audit::record(&mut tx, entry, Some(client), now).await?;
    tx.commit().await?;
    Ok(DeviceCookie::issue(&account.id, now).encode(&svc.keys))
}
