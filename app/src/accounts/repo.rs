//! SQL for accounts. Callers pass a connection or an open transaction.

use sqlx::AnyConnection;

use super::types::{AccountStatus, Role};
use crate::audit::Actor;
use crate::mail::templates::Recipient;
use crate::platform::clock::UnixTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub nik_masked: Option<String>,
    pub phone: Option<String>,
    pub agency: Option<String>,
    pub role: String,
    pub status: String,
    pub password_hash: String,
    pub password_failures: i64,
    pub password_locked_until: Option<i64>,
    pub otp_failures: i64,
    pub otp_locked_until: Option<i64>,
    pub created_at: i64,
}

impl AccountRow {
    /// The account as the actor of an audit entry.
    pub fn actor(&self) -> Actor<'_> {
        Actor::Account {
            id: &self.id,
            email: &self.email,
        }
    }

    /// The account as the addressee of a mail.
    pub fn recipient(&self) -> Recipient<'_> {
        Recipient {
            email: &self.email,
            name: &self.full_name,
        }
    }

    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Signer)
    }

    pub fn status(&self) -> AccountStatus {
        // The CHECK constraint makes anything else impossible; treat it as the safest state.
        AccountStatus::parse(&self.status).unwrap_or(AccountStatus::Suspended)
    }
}

const COLUMNS: &str = "id, email, full_name, nik_masked, phone, agency, role, status, password_hash, \
     password_failures, password_locked_until, otp_failures, otp_locked_until, created_at";

pub async fn find_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE email = $1"))
        .bind(email)
        .fetch_optional(conn)
        .await
}

pub async fn find_by_id(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The stored NIK digest of an account, for matching only.
pub async fn nik_digest(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT nik_digest FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map(Option::flatten)
}

pub struct InsertAccount<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub full_name: &'a str,
    pub nik_digest: Option<&'a [u8]>,
    pub nik_masked: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub agency: Option<&'a str>,
    pub role: Role,
    pub status: AccountStatus,
    pub password_hash: &'a str,
}

pub async fn insert(
    conn: &mut AnyConnection,
    account: InsertAccount<'_>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO accounts (id, email, full_name, nik_digest, nik_masked, phone, agency, role, status,
                               password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(account.id)
    .bind(account.email)
    .bind(account.full_name)
    .bind(account.nik_digest)
    .bind(account.nik_masked)
    .bind(account.phone)
    .bind(account.agency)
    .bind(account.role.as_str())
    .bind(account.status.as_str())
    .bind(account.password_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn email_or_nik_taken(
    conn: &mut AnyConnection,
    email: &str,
    nik_digest: Option<&[u8]>,
) -> Result<bool, sqlx::Error> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE email = $1 OR nik_digest = $2")
            .bind(email)
            .bind(nik_digest)
            .fetch_one(conn)
            .await?;
    Ok(count > 0)
}

pub async fn count(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(conn)
        .await
}

/// Which failure counter: passwords and OTP codes are throttled separately,
/// so that guessing passwords cannot lock the owner out of the OTP step.
#[derive(Debug, Clone, Copy)]
pub enum FailureCounter {
    Password,
    Otp,
}

impl FailureCounter {
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Self::Password => ("password_failures", "password_locked_until"),
            Self::Otp => ("otp_failures", "otp_locked_until"),
        }
    }
}

/// Adds a failure and returns the new consecutive count.
pub async fn add_failure(
    conn: &mut AnyConnection,
    id: &str,
    counter: FailureCounter,
) -> Result<i64, sqlx::Error> {
    let (failures, _) = counter.columns();
    sqlx::query_scalar(&format!(
        "UPDATE accounts SET {failures} = {failures} + 1 WHERE id = $1 RETURNING {failures}"
    ))
    .bind(id)
    .fetch_one(conn)
    .await
}

pub async fn lock_until(
    conn: &mut AnyConnection,
    id: &str,
    counter: FailureCounter,
    until: UnixTime,
) -> Result<(), sqlx::Error> {
    let (_, locked_until) = counter.columns();
    sqlx::query(&format!(
        "UPDATE accounts SET {locked_until} = $1 WHERE id = $2"
    ))
    .bind(until)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn clear_failures(
    conn: &mut AnyConnection,
    id: &str,
    counter: FailureCounter,
) -> Result<(), sqlx::Error> {
    let (failures, locked_until) = counter.columns();
    sqlx::query(&format!(
        "UPDATE accounts SET {failures} = 0, {locked_until} = NULL WHERE id = $1 AND ({failures} <> 0 OR {locked_until} IS NOT NULL)"
    ))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks the account row until the transaction ends (PostgreSQL; SQLite's
/// write transaction is exclusive already), serialising requests for one account.
pub async fn touch(conn: &mut AnyConnection, id: &str, now: UnixTime) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes the account's device lock for the rest of the transaction and
/// returns the next position in its device order. Every device change starts
/// here, so concurrent changes to one account run one after another.
pub async fn lock_devices(
    conn: &mut AnyConnection,
    id: &str,
    now: UnixTime,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("UPDATE accounts SET device_seq = device_seq + 1, updated_at = $2 WHERE id = $1 RETURNING device_seq")
        .bind(id)
        .bind(now)
        .fetch_optional(conn)
        .await
}
