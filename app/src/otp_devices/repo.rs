//! SQL for OTP devices and secrets waiting for their first code.

use std::sync::LazyLock;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow, Row};

use super::Channel;
use crate::accounts::repo::{
    ACCOUNT_COLUMNS_OF_A, AccountRow, SESSION_AND_ACCOUNT_COLUMNS, SessionRow, session_and_account,
};
use crate::accounts::sessions::SessionKey;
use crate::accounts::types::OfficialEmail;
use crate::ids::{AccountId, DeviceId, PendingEnrollmentId};
use crate::platform::db::{Db, case_by_row, column_placeholders, values_placeholders};
use crate::platform::statements::Statement;
use crate::time::UnixTime;

#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub id: DeviceId,
    pub account_id: AccountId,
    pub name: String,
    pub secret_sealed: Vec<u8>,
    pub added_seq: i64,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
    pub last_used_step: Option<i64>,
    pub drift_steps: i64,
    pub source_channel: Channel,
    pub source_ip: Option<String>,
}

const COLUMNS: &str = "id, account_id, name, secret_sealed, added_seq, created_at, last_used_at, \
     last_used_step, drift_steps, source_channel, source_ip";

impl DeviceRow {
    /// The device in `row`'s columns named `{prefix}{column}`.
    fn from_prefixed_row(row: &AnyRow, prefix: &str) -> Result<Self, sqlx::Error> {
        let column = |name: &str| format!("{prefix}{name}");
        Ok(Self {
            id: row.try_get(column("id").as_str())?,
            account_id: row.try_get(column("account_id").as_str())?,
            name: row.try_get(column("name").as_str())?,
            secret_sealed: row.try_get(column("secret_sealed").as_str())?,
            added_seq: row.try_get(column("added_seq").as_str())?,
            created_at: row.try_get(column("created_at").as_str())?,
            last_used_at: row.try_get(column("last_used_at").as_str())?,
            last_used_step: row.try_get(column("last_used_step").as_str())?,
            drift_steps: row.try_get(column("drift_steps").as_str())?,
            source_channel: row.try_get(column("source_channel").as_str())?,
            source_ip: row.try_get(column("source_ip").as_str())?,
        })
    }
}

impl FromRow<'_, AnyRow> for DeviceRow {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Self::from_prefixed_row(row, "")
    }
}

/// A session, its account and the account's devices, oldest first.
pub struct SessionWithDevices {
    pub session: SessionRow,
    pub account: AccountRow,
    pub devices: Vec<DeviceRow>,
}

/// The unexpired session with this digest, its account and the account's
/// devices, in one query: the login code step's one read. The devices'
/// columns are selected as `d_{column}`, NULL for an account without any.
pub async fn session_with_devices(
    db: &Db,
    key: &SessionKey,
    now: UnixTime,
) -> Result<Option<SessionWithDevices>, sqlx::Error> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {}, {} FROM sessions s JOIN accounts a ON a.id = s.account_id
             LEFT JOIN otp_devices d ON d.account_id = s.account_id
             WHERE s.id = $1 AND s.token_digest = $2 AND s.expires_at > $3
             ORDER BY d.added_seq",
            *SESSION_AND_ACCOUNT_COLUMNS, *DEVICE_COLUMNS_OF_D
        )
    });
    let read = Statement::new(SQL.clone())
        .bind(key.id)
        .bind(key.digest.as_slice())
        .bind(now);
    let rows = db.fetch_all(&read).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let (session, account) = session_and_account(first)?;
    Ok(Some(SessionWithDevices {
        session,
        account,
        devices: joined_devices(&rows)?,
    }))
}

/// The signer AMS knows by `ams_id` or, failing that, the account of
/// `email`, with its devices oldest first, in one query: the validation
/// API's one read. Both are looked up every time, so a miss costs what a
/// hit does.
pub async fn signer_with_devices(
    db: &Db,
    ams_id: &str,
    email: Option<&OfficialEmail>,
) -> Result<Option<(AccountRow, Vec<DeviceRow>)>, sqlx::Error> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {}, {} FROM accounts a LEFT JOIN otp_devices d ON d.account_id = a.id
             WHERE a.id = COALESCE((SELECT id FROM accounts WHERE ams_id = $1),
                                   (SELECT id FROM accounts WHERE email = $2))
             ORDER BY d.added_seq",
            *ACCOUNT_COLUMNS_OF_A, *DEVICE_COLUMNS_OF_D
        )
    });
    let read = Statement::new(SQL.clone())
        .bind(ams_id)
        .bind(email.map(OfficialEmail::as_str));
    let rows = db.fetch_all(&read).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    Ok(Some((AccountRow::from_row(first)?, joined_devices(&rows)?)))
}

/// A device's columns as `d_{column}`, for a query that joins `otp_devices d`.
static DEVICE_COLUMNS_OF_D: LazyLock<String> = LazyLock::new(|| {
    let device: Vec<String> = COLUMNS
        .split(", ")
        .map(|c| format!("d.{c} AS d_{c}"))
        .collect();
    device.join(", ")
});

/// The devices of rows selected with [`DEVICE_COLUMNS_OF_D`] (NULL for an
/// account without any).
fn joined_devices(rows: &[AnyRow]) -> Result<Vec<DeviceRow>, sqlx::Error> {
    let mut devices = Vec::with_capacity(rows.len());
    for row in rows {
        if row.try_get::<Option<DeviceId>, _>("d_id")?.is_some() {
            devices.push(DeviceRow::from_prefixed_row(row, "d_")?);
        }
    }
    Ok(devices)
}

/// An account's devices, oldest first.
pub async fn for_account(
    conn: &mut AnyConnection,
    account_id: &AccountId,
) -> Result<Vec<DeviceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM otp_devices WHERE account_id = $1 ORDER BY added_seq"
    ))
    .bind(account_id)
    .fetch_all(conn)
    .await
}

pub async fn find(
    conn: &mut AnyConnection,
    account_id: &AccountId,
    id: &DeviceId,
) -> Result<Option<DeviceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM otp_devices WHERE account_id = $1 AND id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn name_taken(
    conn: &mut AnyConnection,
    account_id: &AccountId,
    name_key: &str,
    except_id: Option<&DeviceId>,
) -> Result<bool, sqlx::Error> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM otp_devices WHERE account_id = $1 AND name_key = $2 AND id <> $3",
    )
    .bind(account_id)
    .bind(name_key)
    .bind(except_id.map_or("", DeviceId::as_str))
    .fetch_one(conn)
    .await?;
    Ok(count > 0)
}

pub struct InsertDevice<'a> {
    pub id: &'a DeviceId,
    pub account_id: &'a AccountId,
    pub name: &'a str,
    pub name_key: &'a str,
    pub secret_sealed: &'a [u8],
    pub added_seq: i64,
    /// The step of the code that confirmed the device: it cannot log in again.
    pub confirmed_step: i64,
    pub drift_steps: i64,
    pub source_channel: Channel,
    pub source_ip: Option<&'a str>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    device: InsertDevice<'_>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    insert_many(conn, std::slice::from_ref(&device), now).await
}

/// Inserts many devices with one multi-row statement (bulk seeding).
pub async fn insert_many(
    conn: &mut AnyConnection,
    devices: &[InsertDevice<'_>],
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    if devices.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO otp_devices (id, account_id, name, name_key, secret_sealed, added_seq, created_at,
                                  last_used_step, drift_steps, source_channel, source_ip)
         VALUES {}",
        values_placeholders(devices.len(), 11)
    );
    let mut statement = Statement::new(sql);
    for device in devices {
        statement = statement
            .bind(device.id.as_str())
            .bind(device.account_id.as_str())
            .bind(device.name)
            .bind(device.name_key)
            .bind(device.secret_sealed)
            .bind(device.added_seq)
            .bind(now)
            .bind(device.confirmed_step)
            .bind(device.drift_steps)
            .bind(device.source_channel.as_str())
            .bind(device.source_ip);
    }
    statement.execute(conn).await?;
    Ok(())
}

/// A matched code's time step, to be claimed on its device at `at`.
#[derive(Debug, Clone)]
pub struct StepClaim {
    pub device_id: DeviceId,
    pub step: i64,
    pub drift_steps: i64,
    pub at: UnixTime,
}

/// Claims each device's step unless that step or a later one was used
/// already (the replay guard), in one statement, which changes one row per
/// device claimed (a device named twice counts once). At least one claim.
pub fn claim_steps(claims: &[StepClaim]) -> Statement {
    let rows = claims.len();
    let step = case_by_row("id", rows, 4, 1, 2);
    let sql = format!(
        "UPDATE otp_devices
         SET last_used_step = {step}, last_used_at = {at}, drift_steps = {drift}
         WHERE id IN ({ids}) AND (last_used_step IS NULL OR last_used_step < {step})",
        at = case_by_row("id", rows, 4, 1, 3),
        drift = case_by_row("id", rows, 4, 1, 4),
        ids = column_placeholders(rows, 4, 1),
    );
    let mut statement = Statement::new(sql);
    for claim in claims {
        statement = statement
            .bind(claim.device_id.as_str())
            .bind(claim.step)
            .bind(claim.at)
            .bind(claim.drift_steps);
    }
    statement
}

pub async fn rename(
    conn: &mut AnyConnection,
    id: &DeviceId,
    name: &str,
    name_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE otp_devices SET name = $1, name_key = $2 WHERE id = $3")
        .bind(name)
        .bind(name_key)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, id: &DeviceId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM otp_devices WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingRow {
    pub id: PendingEnrollmentId,
    pub secret_sealed: Vec<u8>,
}

pub async fn find_pending(
    conn: &mut AnyConnection,
    origin: &str,
    now: UnixTime,
) -> Result<Option<PendingRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, secret_sealed FROM pending_enrollments
         WHERE origin = $1 AND expires_at > $2 AND outcome IS NULL",
    )
    .bind(origin)
    .bind(now)
    .fetch_optional(conn)
    .await
}

pub struct InsertPending<'a> {
    pub id: &'a PendingEnrollmentId,
    pub account_id: &'a AccountId,
    pub origin: &'a str,
    pub secret_sealed: &'a [u8],
    pub expires_at: UnixTime,
}

/// Inserts unless the origin already has a secret (a concurrent page load won).
pub async fn insert_pending(
    conn: &mut AnyConnection,
    pending: InsertPending<'_>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM pending_enrollments WHERE origin = $1 AND expires_at <= $2")
        .bind(pending.origin)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO pending_enrollments (id, account_id, origin, secret_sealed, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (origin) DO NOTHING",
    )
    .bind(pending.id)
    .bind(pending.account_id)
    .bind(pending.origin)
    .bind(pending.secret_sealed)
    .bind(now)
    .bind(pending.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_pending(
    conn: &mut AnyConnection,
    id: &PendingEnrollmentId,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM pending_enrollments WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a pending secret as confirmed: its row keeps `outcome_json` (what
/// the confirmation did) instead of the secret, until [`take_outcome`].
pub async fn complete_pending(
    conn: &mut AnyConnection,
    id: &PendingEnrollmentId,
    outcome_json: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE pending_enrollments SET outcome = $1, secret_sealed = $2 WHERE id = $3")
        .bind(outcome_json)
        .bind(Vec::<u8>::new())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The outcome [`complete_pending`] left for `origin`, removed as it is
/// read: it is shown once.
pub async fn take_outcome(
    conn: &mut AnyConnection,
    origin: &str,
    now: UnixTime,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "DELETE FROM pending_enrollments
         WHERE origin = $1 AND expires_at > $2 AND outcome IS NOT NULL
         RETURNING outcome",
    )
    .bind(origin)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// Forgets the secret kept for `origin`, if any.
pub async fn delete_pending_by_origin(
    conn: &mut AnyConnection,
    origin: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM pending_enrollments WHERE origin = $1")
        .bind(origin)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_expired_pending(
    conn: &mut AnyConnection,
    now: UnixTime,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM pending_enrollments WHERE expires_at <= $1")
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
