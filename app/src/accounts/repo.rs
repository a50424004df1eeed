//! SQL for accounts and their login sessions. Callers pass a connection or
//! an open transaction.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

use super::sessions::{self, SessionKey, Stage};
use super::types::{AccountStatus, OfficialEmail, Role};
use crate::audit::Actor;
use crate::ids::{AccountId, DeviceId};
use crate::mail::templates::Recipient;
use crate::platform::crypto::SecretToken;
use crate::platform::db::{
    case_by_row, column_placeholders, is_unique_violation, list_placeholders, values_placeholders,
};
use crate::platform::request::ClientInfo;
use crate::platform::statements::{Changes, Statement};
use crate::time::UnixTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: AccountId,
    pub email: String,
    pub full_name: String,
    pub nik_masked: Option<String>,
    pub phone: Option<String>,
    pub agency: Option<String>,
    pub role: Role,
    pub status: AccountStatus,
    pub password_hash: String,
    pub password_failures: i64,
    pub password_locked_until: Option<UnixTime>,
    pub otp_failures: i64,
    pub otp_locked_until: Option<UnixTime>,
    pub created_at: UnixTime,
    /// AMS's id for the signer, once the sync or an import named it.
    pub ams_id: Option<String>,
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
}

const COLUMNS: &str = "id, email, full_name, nik_masked, phone, agency, role, status, password_hash, \
     password_failures, password_locked_until, otp_failures, otp_locked_until, created_at, ams_id";

pub async fn find_by_email(
    conn: &mut AnyConnection,
    email: &OfficialEmail,
) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE email = $1"))
        .bind(email.as_str())
        .fetch_optional(conn)
        .await
}

/// The account AMS knows by `ams_id` (set by the signer sync or import).
pub async fn find_by_ams_id(
    conn: &mut AnyConnection,
    ams_id: &str,
) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE ams_id = $1"))
        .bind(ams_id)
        .fetch_optional(conn)
        .await
}

pub async fn find_by_id(
    conn: &mut AnyConnection,
    id: &AccountId,
) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The stored NIK digest of an account, for matching only.
pub async fn nik_digest(
    conn: &mut AnyConnection,
    id: &AccountId,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT nik_digest FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map(Option::flatten)
}

/// The account's NIK sealed with the master key (owner: the account id),
/// for the face-match service only; `None` for accounts without one or
/// created before NIKs were sealed.
pub async fn nik_sealed(
    conn: &mut AnyConnection,
    id: &AccountId,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT nik_sealed FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map(Option::flatten)
}

/// Stores the sealed NIK of an account that has none yet (accounts created
/// before NIKs were sealed), once the signer typed a NIK matching the digest.
pub async fn backfill_nik_sealed(
    conn: &mut AnyConnection,
    id: &AccountId,
    sealed: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET nik_sealed = $1 WHERE id = $2 AND nik_sealed IS NULL")
        .bind(sealed)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The account holding this NIK digest, if any.
pub async fn find_id_by_nik_digest(
    conn: &mut AnyConnection,
    digest: &[u8],
) -> Result<Option<AccountId>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM accounts WHERE nik_digest = $1")
        .bind(digest)
        .fetch_optional(conn)
        .await
}

/// What AMS knows of a signer, as written by [`update_signer`].
pub struct SignerColumns<'a> {
    pub email: &'a OfficialEmail,
    pub ams_id: Option<&'a str>,
    pub full_name: &'a str,
    pub nik_digest: &'a [u8],
    pub nik_masked: &'a str,
    pub nik_sealed: &'a [u8],
    pub phone: Option<&'a str>,
    pub agency: Option<&'a str>,
    pub status: AccountStatus,
}

/// Overwrites a signer's AMS data. The one statement that changes a stored
/// NIK (its digest and masked form together): whatever else is kept of a
/// NIK belongs here too. Staff rows are never touched. False when the row
/// is not there or the email, NIK or AMS id was taken meanwhile.
pub async fn update_signer(
    conn: &mut AnyConnection,
    id: &AccountId,
    columns: SignerColumns<'_>,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE accounts SET full_name = $2, nik_digest = $3, nik_masked = $4, phone = $5,
                             agency = $6, status = $7, updated_at = $8, nik_sealed = $9,
                             email = $10, ams_id = $11
         WHERE id = $1 AND role = 'signer'",
    )
    .bind(id)
    .bind(columns.full_name)
    .bind(columns.nik_digest)
    .bind(columns.nik_masked)
    .bind(columns.phone)
    .bind(columns.agency)
    .bind(columns.status)
    .bind(now)
    .bind(columns.nik_sealed)
    .bind(columns.email.as_str())
    .bind(columns.ams_id)
    .execute(conn)
    .await;
    match done {
        Ok(done) => Ok(done.rows_affected() == 1),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

pub struct InsertAccount<'a> {
    pub id: &'a AccountId,
    pub email: &'a OfficialEmail,
    pub full_name: &'a str,
    pub nik_digest: Option<&'a [u8]>,
    /// The NIK sealed with `Keys::seal`, the account id as owner.
    pub nik_sealed: Option<&'a [u8]>,
    pub nik_masked: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub agency: Option<&'a str>,
    pub role: Role,
    pub status: AccountStatus,
    pub password_hash: &'a str,
    pub ams_id: Option<&'a str>,
}

/// Inserts the account; false when its email, NIK or AMS id is already taken.
pub async fn insert(
    conn: &mut AnyConnection,
    account: InsertAccount<'_>,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let inserted = insert_many(conn, std::slice::from_ref(&account), 0, now).await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Inserts many new accounts with one multi-row statement (bulk seeding);
/// each already holds `device_seq` devices (inserted by the caller). Fails
/// on any taken email, NIK or AMS id.
pub async fn insert_many(
    conn: &mut AnyConnection,
    accounts: &[InsertAccount<'_>],
    device_seq: i64,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    if accounts.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO accounts (id, email, full_name, nik_digest, nik_masked, phone, agency, role, status,
                               password_hash, created_at, updated_at, nik_sealed, ams_id, device_seq)
         VALUES {}",
        values_placeholders(accounts.len(), 15)
    );
    let mut statement = Statement::new(sql);
    for account in accounts {
        statement = statement
            .bind(account.id.as_str())
            .bind(account.email.as_str())
            .bind(account.full_name)
            .bind(account.nik_digest)
            .bind(account.nik_masked)
            .bind(account.phone)
            .bind(account.agency)
            .bind(account.role.as_str())
            .bind(account.status.as_str())
            .bind(account.password_hash)
            .bind(now)
            .bind(now)
            .bind(account.nik_sealed)
            .bind(account.ams_id)
            .bind(device_seq);
    }
    statement.execute(conn).await?;
    Ok(())
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

/// A failure counter: one of the account row's, or a keyed row of
/// `failure_counters` ("login_ip:203.0.113.0", "device_cookie:…").
#[derive(Debug, Clone, Copy)]
pub enum Counter<'a> {
    Account(&'a AccountId, FailureCounter),
    Keyed(&'a str),
}

/// A counter as stored: failures so far, the lock, and (keyed counters)
/// when it last changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterState {
    pub failures: i64,
    pub locked_until: Option<UnixTime>,
    pub updated_at: Option<UnixTime>,
}

pub async fn read_counter(
    conn: &mut AnyConnection,
    counter: Counter<'_>,
) -> Result<Option<CounterState>, sqlx::Error> {
    let row: Option<(i64, Option<UnixTime>, Option<UnixTime>)> =
        match counter {
            Counter::Account(id, which) => {
                let (failures, locked_until) = which.columns();
                sqlx::query_as(&format!(
                    "SELECT {failures}, {locked_until} FROM accounts WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(conn)
                .await?
                .map(|(f, l): (i64, Option<UnixTime>)| (f, l, None))
            }
            Counter::Keyed(key) => sqlx::query_as(
                "SELECT failures, locked_until, updated_at FROM failure_counters WHERE key = $1",
            )
            .bind(key)
            .fetch_optional(conn)
            .await?,
        };
    Ok(
        row.map(|(failures, locked_until, updated_at)| CounterState {
            failures,
            locked_until,
            updated_at,
        }),
    )
}

/// Reserves one attempt on `counter` in a single conditional write: unless
/// the counter is locked at `now`, its count goes up by one and it gets the
/// lock of the first `locks` entry (count threshold, until; largest
/// threshold first) that the new count reaches. A keyed counter last changed
/// at or before `forget_before` counts afresh. The new count, or `None` when
/// locked.
pub async fn reserve_attempt(
    conn: &mut AnyConnection,
    counter: Counter<'_>,
    locks: &[(i64, UnixTime)],
    forget_before: UnixTime,
    now: UnixTime,
) -> Result<Option<i64>, sqlx::Error> {
    // $1 key, $2 now, ($3 forget_before, keyed only), then the lock
    // thresholds and times.
    let (table, key, failures, locked_until, count, touch, first) = match counter {
        Counter::Account(_, which) => {
            let (f, l) = which.columns();
            ("accounts", "id", f, l, format!("{f} + 1"), "", 3)
        }
        Counter::Keyed(key) => {
            sqlx::query(
                "INSERT INTO failure_counters (key, failures, updated_at) VALUES ($1, 0, $2) \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            (
                "failure_counters",
                "key",
                "failures",
                "locked_until",
                "(CASE WHEN updated_at <= $3 THEN 0 ELSE failures END) + 1".to_string(),
                ", updated_at = $2",
                4,
            )
        }
    };
    let lock = match locks {
        [] => "NULL".to_string(),
        _ => {
            let arms: String = (0..locks.len())
                .map(|i| {
                    let (at_least, until) = (first + 2 * i, first + 2 * i + 1);
                    format!(" WHEN {count} >= ${at_least} THEN ${until}")
                })
                .collect();
            format!("CASE{arms} ELSE NULL END")
        }
    };
    let sql = format!(
        "UPDATE {table} SET {failures} = {count}, {locked_until} = {lock}{touch} \
         WHERE {key} = $1 AND ({locked_until} IS NULL OR {locked_until} <= $2) RETURNING {failures}"
    );
    let mut query = match counter {
        Counter::Account(id, _) => sqlx::query_scalar(&sql).bind(id.as_str()).bind(now),
        Counter::Keyed(key) => sqlx::query_scalar(&sql)
            .bind(key)
            .bind(now)
            .bind(forget_before),
    };
    for (threshold, until) in locks {
        query = query.bind(*threshold).bind(*until);
    }
    query.fetch_optional(conn).await
}

/// Gives back an attempt reserved on a keyed counter that turned out right
/// (a client address is not cleared by one success: it may be shared, and
/// an attacker's own account must not reset it); the lock goes when the
/// count falls below `free`.
pub async fn refund_counter(
    conn: &mut AnyConnection,
    key: &str,
    free: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE failure_counters SET failures = failures - 1, \
         locked_until = CASE WHEN failures - 1 < $1 THEN NULL ELSE locked_until END \
         WHERE key = $2 AND failures > 0",
    )
    .bind(free)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn clear_counter(
    conn: &mut AnyConnection,
    counter: Counter<'_>,
) -> Result<(), sqlx::Error> {
    match counter {
        Counter::Account(id, which) => clear_failures(conn, id, which).await,
        Counter::Keyed(key) => {
            sqlx::query("DELETE FROM failure_counters WHERE key = $1")
                .bind(key)
                .execute(conn)
                .await?;
            Ok(())
        }
    }
}

/// Clears `counter` unless it is locked at `now`, in one conditional
/// write; false when locked or (a keyed counter) absent.
pub async fn clear_unless_locked(
    conn: &mut AnyConnection,
    counter: Counter<'_>,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let (sql, key) = match counter {
        Counter::Account(id, which) => {
            let (failures, locked_until) = which.columns();
            let sql = format!(
                "UPDATE accounts SET {failures} = 0, {locked_until} = NULL \
                 WHERE id = $1 AND ({locked_until} IS NULL OR {locked_until} <= $2)"
            );
            (sql, id.as_str())
        }
        Counter::Keyed(key) => (
            "DELETE FROM failure_counters \
             WHERE key = $1 AND (locked_until IS NULL OR locked_until <= $2)"
                .to_string(),
            key,
        ),
    };
    let done = sqlx::query(&sql).bind(key).bind(now).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// For right codes written together: clears the OTP failure counters of
/// `accounts` and deletes the keyed counters `keys`, each unless it is
/// locked at `now`. Beside each clear, a statement that names the locked
/// counters (and leaves them as they are) must change none; otherwise, roll
/// back. The two touch apart rows, so they may run in either order or on
/// one snapshot (`platform::statements`).
pub fn clear_all_unless_locked(
    accounts: &[AccountId],
    keys: &[String],
    now: UnixTime,
) -> Vec<(Statement, Changes)> {
    let accounts: BTreeSet<&str> = accounts.iter().map(AccountId::as_str).collect();
    let keys: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
    // A clear, and the check that none of the counters it names is locked.
    let unless_locked = |clear: String, locked: String, values: &BTreeSet<&str>| {
        let bound =
            |sql: String| (values.iter()).fold(Statement::new(sql).bind(now), |s, v| s.bind(*v));
        [
            (bound(clear), Changes::Any),
            (bound(locked), Changes::Exactly(0)),
        ]
    };
    let mut statements = Vec::new();
    if !accounts.is_empty() {
        let (failures, locked_until) = FailureCounter::Otp.columns();
        let ids = list_placeholders(2, accounts.len());
        // Only the counters with something to clear are written: most are
        // at zero already, and an unchanged row is still a page written.
        let clear = format!(
            "UPDATE accounts SET {failures} = 0, {locked_until} = NULL
             WHERE ({failures} <> 0 OR {locked_until} IS NOT NULL)
               AND ({locked_until} IS NULL OR {locked_until} <= $1) AND id IN ({ids})"
        );
        let locked = format!(
            "UPDATE accounts SET {locked_until} = {locked_until}
             WHERE {locked_until} > $1 AND id IN ({ids})"
        );
        statements.extend(unless_locked(clear, locked, &accounts));
    }
    if !keys.is_empty() {
        let keys_list = list_placeholders(2, keys.len());
        let forget = format!(
            "DELETE FROM failure_counters
             WHERE (locked_until IS NULL OR locked_until <= $1) AND key IN ({keys_list})"
        );
        let locked = format!(
            "UPDATE failure_counters SET locked_until = locked_until
             WHERE locked_until > $1 AND key IN ({keys_list})"
        );
        statements.extend(unless_locked(forget, locked, &keys));
    }
    statements
}

/// Forgets keyed counters quiet since `before` whose lock has passed
/// (blocked device cookies stay on the list).
pub async fn forget_quiet_counters(
    conn: &mut AnyConnection,
    before: UnixTime,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM failure_counters WHERE updated_at < $1 \
         AND (locked_until IS NULL OR locked_until < $1)",
    )
    .bind(before)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Stores a mailed unlock link (only its token's digest).
pub async fn insert_unlock_link(
    conn: &mut AnyConnection,
    digest: &[u8],
    account_id: &AccountId,
    now: UnixTime,
    expires_at: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO unlock_links (token_digest, account_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(digest)
    .bind(account_id)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// When the account's latest unlock link was sent.
pub async fn last_unlock_link_at(
    conn: &mut AnyConnection,
    account_id: &AccountId,
) -> Result<Option<UnixTime>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(created_at) FROM unlock_links WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(conn)
        .await
}

/// Spends an unlock link: its account when it was unused and unexpired
/// (one conditional write, so a link opens once).
pub async fn use_unlock_link(
    conn: &mut AnyConnection,
    digest: &[u8],
    now: UnixTime,
) -> Result<Option<AccountId>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE unlock_links SET used_at = $1 \
         WHERE token_digest = $2 AND used_at IS NULL AND expires_at > $1 RETURNING account_id",
    )
    .bind(now)
    .bind(digest)
    .fetch_optional(conn)
    .await
}

pub async fn clear_failures(
    conn: &mut AnyConnection,
    id: &AccountId,
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
pub async fn touch(
    conn: &mut AnyConnection,
    id: &AccountId,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
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
    id: &AccountId,
    now: UnixTime,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("UPDATE accounts SET device_seq = device_seq + 1, updated_at = $2 WHERE id = $1 RETURNING device_seq")
        .bind(id)
        .bind(now)
        .fetch_optional(conn)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// Selected under this name beside the account's own `id`.
    #[sqlx(rename = "session_id")]
    pub id: i64,
    pub token_digest: Vec<u8>,
    pub account_id: AccountId,
    pub device_id: Option<DeviceId>,
    pub stage: Stage,
    pub confirmed_until: Option<UnixTime>,
    /// Selected under this name beside the account's own `created_at`.
    #[sqlx(rename = "session_created_at")]
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

impl SessionRow {
    pub fn key(&self) -> SessionKey {
        SessionKey {
            id: self.id,
            digest: self.token_digest.clone(),
        }
    }
}

pub struct NewSession<'a> {
    pub account_id: &'a AccountId,
    pub device_id: Option<&'a DeviceId>,
    pub stage: Stage,
    pub expires_at: UnixTime,
}

/// A new session's row under a new secret; returns its cookie value.
pub async fn create_session(
    conn: &mut AnyConnection,
    session: NewSession<'_>,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<String, sqlx::Error> {
    let secret = SecretToken::generate();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (token_digest, account_id, device_id, stage, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8) RETURNING id",
    )
        .bind(&secret.digest)
        .bind(session.account_id)
        .bind(session.device_id)
        .bind(session.stage)
        .bind(now)
        .bind(session.expires_at)
        .bind(client.ip.to_string())
        .bind(client.user_agent.as_deref())
        .fetch_one(conn)
        .await?;
    Ok(sessions::cookie_value(id, &secret))
}

/// A waiting session (`waiting`, as the code step read it) becoming active
/// under a new secret (digest `token_digest`) at `at`: the device whose
/// code was accepted, when it expires, and where the request came from.
#[derive(Debug, Clone)]
pub struct Activation {
    pub waiting: SessionKey,
    pub token_digest: Vec<u8>,
    pub device_id: DeviceId,
    pub expires_at: UnixTime,
    pub ip: String,
    pub user_agent: Option<String>,
    pub at: UnixTime,
}

/// Rewrites each waiting session in place as an active one under its new
/// token, in one statement, which changes one row per session that was. A
/// session gone or moved on meanwhile (a concurrent request, a logout) is
/// not. At least one activation.
pub fn activate_sessions(activations: &[Activation]) -> Statement {
    let rows = activations.len();
    let by_waiting = |column| case_by_row("id", rows, 8, 7, column);
    let sql = format!(
        "UPDATE sessions
         SET token_digest = {token}, device_id = {device}, stage = ${active},
             confirmed_until = NULL, created_at = {at}, last_seen_at = {at},
             expires_at = {expires}, ip = {ip}, user_agent = {user_agent}
         WHERE id IN ({waiting_list}) AND token_digest = {waiting_digest}
           AND stage = ${waiting}",
        token = by_waiting(1),
        device = by_waiting(2),
        at = by_waiting(3),
        expires = by_waiting(4),
        ip = by_waiting(5),
        user_agent = by_waiting(6),
        waiting_list = column_placeholders(rows, 8, 7),
        waiting_digest = by_waiting(8),
        active = rows * 8 + 1,
        waiting = rows * 8 + 2,
    );
    let mut statement = Statement::new(sql);
    for a in activations {
        statement = statement
            .bind(a.token_digest.as_slice())
            .bind(a.device_id.as_str())
            .bind(a.at)
            .bind(a.expires_at)
            .bind(a.ip.as_str())
            .bind(a.user_agent.clone())
            .bind(a.waiting.id)
            .bind(a.waiting.digest.as_slice());
    }
    statement
        .bind(Stage::Active.as_str())
        .bind(Stage::AwaitingOtp.as_str())
}

/// Moves session `key` from device `from` to device `to` (no change when
/// it was opened with another device).
pub async fn move_session_to_device(
    conn: &mut AnyConnection,
    key: &SessionKey,
    from: &DeviceId,
    to: &DeviceId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sessions SET device_id = $1 WHERE id = $2 AND token_digest = $3 AND device_id = $4",
    )
    .bind(to)
    .bind(key.id)
    .bind(&key.digest)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(())
}

/// What [`find_session`] selects from a session `s` joined with its
/// account `a`, for queries that join more to it. The session's
/// `created_at` is selected as `session_created_at`: the account has a
/// column of that name.
pub static SESSION_AND_ACCOUNT_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "s.id AS session_id, s.token_digest, s.account_id, s.device_id, s.stage, s.confirmed_until, \
         s.created_at AS session_created_at, s.expires_at, {}",
        *ACCOUNT_COLUMNS_OF_A
    )
});

/// An account's columns, for a query that names the table `a`.
pub static ACCOUNT_COLUMNS_OF_A: LazyLock<String> = LazyLock::new(|| {
    let account: Vec<String> = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect();
    account.join(", ")
});

/// The session and account of a row selected with [`SESSION_AND_ACCOUNT_COLUMNS`].
pub fn session_and_account(row: &AnyRow) -> Result<(SessionRow, AccountRow), sqlx::Error> {
    Ok((SessionRow::from_row(row)?, AccountRow::from_row(row)?))
}

/// The unexpired session `key` and its account, in one query (every
/// signed-in request starts here).
pub async fn find_session(
    conn: &mut AnyConnection,
    key: &SessionKey,
    now: UnixTime,
) -> Result<Option<(SessionRow, AccountRow)>, sqlx::Error> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {} FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.id = $1 AND s.token_digest = $2 AND s.expires_at > $3",
            *SESSION_AND_ACCOUNT_COLUMNS
        )
    });
    let row = sqlx::query(&SQL)
        .bind(key.id)
        .bind(&key.digest)
        .bind(now)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(session_and_account).transpose()
}

/// Slides the idle expiry forward (never past the absolute limit the caller computed).
pub async fn touch_session(
    conn: &mut AnyConnection,
    key: &SessionKey,
    now: UnixTime,
    expires_at: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3 AND token_digest = $4",
    )
        .bind(now)
        .bind(expires_at)
        .bind(key.id)
        .bind(&key.digest)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn confirm_session_until(
    conn: &mut AnyConnection,
    key: &SessionKey,
    until: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET confirmed_until = $1 WHERE id = $2 AND token_digest = $3")
        .bind(until)
        .bind(key.id)
        .bind(&key.digest)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_session(
    conn: &mut AnyConnection,
    key: &SessionKey,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND token_digest = $2")
        .bind(key.id)
        .bind(&key.digest)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session opened with `device_id`, a device of `account_id`
/// (found through the account's index: the device has none); returns how
/// many.
pub async fn delete_sessions_for_device(
    conn: &mut AnyConnection,
    account_id: &AccountId,
    device_id: &DeviceId,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND device_id = $2")
        .bind(account_id)
        .bind(device_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete_expired_sessions(
    conn: &mut AnyConnection,
    now: UnixTime,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// What the console's account search looks for.
#[derive(Debug, Clone)]
pub enum AccountSearch {
    /// The keyed digest of a whole NIK: the NIK itself is never stored.
    /// The NIK's digest under each key version (a rotation may be under way).
    NikDigests(Vec<Vec<u8>>),
    /// Lower-case text the email or the name contains.
    Text(String),
}

/// Accounts matching `search`, by name, at most `limit`.
pub async fn search(
    conn: &mut AnyConnection,
    search: &AccountSearch,
    limit: i64,
) -> Result<Vec<AccountRow>, sqlx::Error> {
    match search {
        AccountSearch::NikDigests(digests) => {
            let mut found: Vec<AccountRow> = Vec::new();
            for digest in digests {
                let rows: Vec<AccountRow> = sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM accounts WHERE nik_digest = $1 LIMIT $2"
                ))
                .bind(digest.as_slice())
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
                found.extend(rows);
            }
            Ok(found)
        }
        AccountSearch::Text(text) => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM accounts
                 WHERE email LIKE $1 ESCAPE '\\' OR LOWER(full_name) LIKE $1 ESCAPE '\\'
                 ORDER BY full_name, email LIMIT $2"
            ))
            .bind(crate::platform::db::like_contains(text))
            .bind(limit)
            .fetch_all(conn)
            .await
        }
    }
}

/// Sets the status; false when the account does not exist.
pub async fn set_status(
    conn: &mut AnyConnection,
    id: &AccountId,
    status: AccountStatus,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE accounts SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of an account; returns how many.
pub async fn delete_sessions_for_account(
    conn: &mut AnyConnection,
    id: &AccountId,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
