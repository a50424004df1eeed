//! Login sessions: a random token in an HttpOnly cookie, its SHA-256 digest
//! in the database. A session is first `awaiting_otp` (password accepted),
//! then `active` under a new token once a code from a device is accepted; it
//! remembers that device, so removing the device ends the session.

use sqlx::AnyConnection;

use crate::platform::clock::UnixTime;
use crate::platform::crypto::SecretToken;
use crate::platform::request::ClientInfo;

pub const COOKIE: &str = "tpo_sesi";
/// Time to type the OTP code after the password.
pub const AWAITING_OTP_SECONDS: i64 = 5 * 60;
/// How long a fresh code confirms sensitive actions on /akun.
pub const CONFIRMATION_SECONDS: i64 = 10 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    AwaitingOtp,
    Active,
}

crate::text_enum::text_enum!(Stage { AwaitingOtp => "awaiting_otp", Active => "active" });

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub token_digest: Vec<u8>,
    pub account_id: String,
    pub device_id: Option<String>,
    pub stage: String,
    pub confirmed_until: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
}

impl SessionRow {
    pub fn stage(&self) -> Stage {
        Stage::parse(&self.stage).unwrap_or(Stage::AwaitingOtp)
    }
}

pub struct NewSession<'a> {
    pub account_id: &'a str,
    pub device_id: Option<&'a str>,
    pub stage: Stage,
    pub expires_at: UnixTime,
}

pub async fn create(
    conn: &mut AnyConnection,
    session: NewSession<'_>,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<SecretToken, sqlx::Error> {
    let token = SecretToken::generate();
    sqlx::query(
        "INSERT INTO sessions (token_digest, account_id, device_id, stage, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)",
    )
    .bind(&token.digest)
    .bind(session.account_id)
    .bind(session.device_id)
    .bind(session.stage.as_str())
    .bind(now)
    .bind(session.expires_at)
    .bind(client.ip.to_string())
    .bind(client.user_agent.as_deref())
    .execute(conn)
    .await?;
    Ok(token)
}

/// The unexpired session with this digest.
pub async fn find(
    conn: &mut AnyConnection,
    digest: &[u8],
    now: UnixTime,
) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT token_digest, account_id, device_id, stage, confirmed_until, created_at, expires_at
         FROM sessions WHERE token_digest = $1 AND expires_at > $2",
    )
    .bind(digest)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// Slides the idle expiry forward (never past the absolute limit the caller computed).
pub async fn touch(
    conn: &mut AnyConnection,
    digest: &[u8],
    now: UnixTime,
    expires_at: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_digest = $3")
        .bind(now)
        .bind(expires_at)
        .bind(digest)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn confirm_until(
    conn: &mut AnyConnection,
    digest: &[u8],
    until: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET confirmed_until = $1 WHERE token_digest = $2")
        .bind(until)
        .bind(digest)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, digest: &[u8]) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_digest = $1")
        .bind(digest)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session opened with `device_id`; returns how many.
pub async fn delete_for_device(
    conn: &mut AnyConnection,
    device_id: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE device_id = $1")
        .bind(device_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete_expired(conn: &mut AnyConnection, now: UnixTime) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
