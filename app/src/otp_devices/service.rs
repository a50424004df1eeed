//! Device rules: adding (with the limit and eviction), verifying a code with
//! the replay guard and throttling, renaming and removing.

use sqlx::AnyConnection;

use super::Channel;
use super::accepted::{Acceptance, AcceptedCodes, FollowUp, follow_up_statements};
use super::repo::{self, DeviceRow, InsertDevice, StepClaim};
use super::totp::{self, ACCEPTED_SKEW_STEPS, DRIFT_SEARCH_STEPS, TotpSecret};
use super::types::STEP_SECONDS;
use super::types::{DeviceName, OtpCode};
use super::views::{AddedDeviceView, EvictedDeviceView};
use crate::accounts::failures::{self, Admission};
use crate::accounts::repo::{self as accounts_repo, AccountRow, Counter, FailureCounter};
use crate::accounts::sessions::SessionKey;
use crate::accounts::throttle::{self, Policy};
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::error::{AppError, internal};
use crate::events::{Event, repo as events_repo};
use crate::ids::{AccountId, DeviceId, TicketId};
use crate::mail::repo as mail_repo;
use crate::mail::templates;
use crate::platform::db::Tx;
use crate::platform::metrics::OtpOutcome;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::platform::statements::execute_checked;
use crate::time::UnixTime;

/// A device that left an account, for the page and the mail that say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedDevice {
    pub id: DeviceId,
    pub name: String,
    pub created_at: UnixTime,
}

#[derive(Debug, Clone)]
pub struct AddedDevice {
    pub device_id: DeviceId,
    pub name: String,
    /// Order of addition within the account (larger is newer).
    pub position: i64,
    pub evicted: Vec<RemovedDevice>,
}

impl From<AddedDevice> for AddedDeviceView {
    fn from(added: AddedDevice) -> Self {
        AddedDeviceView {
            name: added.name,
            evicted: added
                .evicted
                .into_iter()
                .map(|d| EvictedDeviceView {
                    name: d.name,
                    added_at: d.created_at,
                })
                .collect(),
        }
    }
}

/// What a device addition did, kept as JSON until its page shows it
/// (a setup link's ticket, a pending row of /akun).
pub fn stored_outcome(added: &AddedDevice) -> String {
    serde_json::to_string(&AddedDeviceView::from(added.clone())).expect("the outcome is plain data")
}

/// The outcome [`stored_outcome`] kept.
pub fn read_outcome(json: &str) -> Result<AddedDeviceView, sqlx::Error> {
    serde_json::from_str(json)
        .map_err(|e| sqlx::Error::Decode(format!("device outcome: {e}").into()))
}

#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    #[error("{}", invalid_code_message(*.clock_offset_seconds))]
    InvalidCode { clock_offset_seconds: Option<i64> },
    #[error("Nama perangkat \"{0}\" sudah dipakai di akun Anda. Gunakan nama lain.")]
    NameTaken(String),
    #[error("Akun tidak ditemukan.")]
    AccountGone,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn invalid_code_message(clock_offset_seconds: Option<i64>) -> String {
    let mut message = "Kode OTP INVALID. Pindai ulang QR Code dengan aplikasi Authenticator, lalu \
                       masukkan kode OTP yang baru. Ingat, kode OTP berubah setiap 30 detik."
        .to_string();
    if let Some(offset) = clock_offset_seconds {
        let direction = if offset > 0 {
            "lebih cepat"
        } else {
            "lebih lambat"
        };
        let amount = match offset.abs() {
            s if s < 120 => format!("{s} detik"),
            s => format!("{} menit", (s + 30) / 60),
        };
        message.push_str(&format!(
            " Jam di ponsel Anda tampaknya {direction} sekitar {amount} dari waktu server: aktifkan \
             pengaturan tanggal dan waktu otomatis di ponsel, lalu coba lagi."
        ));
    }
    message
}

impl From<EnrollError> for AppError {
    fn from(e: EnrollError) -> Self {
        match e {
            EnrollError::Database(e) => e.into(),
            other => AppError::Rejected(other.to_string()),
        }
    }
}

/// Checks the first code from a new authenticator: the step it matched, or
/// how far off the phone's clock seems when it matches a step further away.
pub fn confirm_first_code(
    secret: &TotpSecret,
    code: &OtpCode,
    now: UnixTime,
) -> Result<i64, EnrollError> {
    secret
        .matching_step(code, now, ACCEPTED_SKEW_STEPS)
        .ok_or_else(|| EnrollError::InvalidCode {
            clock_offset_seconds: secret
                .matching_step(code, now, DRIFT_SEARCH_STEPS)
                .map(|step| (step - totp::step_at(now)) * STEP_SECONDS),
        })
}

pub struct NewDevice<'a> {
    pub account_id: &'a AccountId,
    pub name: &'a DeviceName,
    pub secret: &'a TotpSecret,
    pub code: &'a OtpCode,
    pub channel: Channel,
    pub actor: Actor<'a>,
    pub ticket_id: Option<&'a TicketId>,
    /// The signed-in session adding the device, from
    /// /akun: when the device it was opened with is removed to stay within
    /// the limit, it goes on with the new device, which its holder has just
    /// proved, instead of ending with the old one.
    pub adding_session: Option<&'a SessionKey>,
}

/// The one way a device is added, from every channel, inside the caller's
/// write transaction: the device is stored only after its first code
/// verifies; past `max_devices` the devices added longest ago are removed,
/// their sessions ended, and the holder is told by mail.
pub async fn add_device(
    conn: &mut AnyConnection,
    svc: &Services,
    new: NewDevice<'_>,
    client: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<AddedDevice, EnrollError> {
    let step = confirm_first_code(new.secret, new.code, now)?;
    let position = accounts_repo::lock_devices(conn, new.account_id, now)
        .await?
        .ok_or(EnrollError::AccountGone)?;
    let account = accounts_repo::find_by_id(conn, new.account_id)
        .await?
        .ok_or(EnrollError::AccountGone)?;
    let name_key = new.name.unique_key();
    if repo::name_taken(conn, new.account_id, &name_key, None).await? {
        return Err(EnrollError::NameTaken(new.name.to_string()));
    }
    let device_id = DeviceId::generate();
    let sealed = svc
        .keys
        .seal(device_id.as_str().as_bytes(), new.secret.as_bytes());
    let source_ip = client.map(|c| c.ip.to_string());
    repo::insert(
        conn,
        InsertDevice {
            id: &device_id,
            account_id: new.account_id,
            name: new.name.as_str(),
            name_key: &name_key,
            secret_sealed: &sealed,
            added_seq: position,
            confirmed_step: step,
            drift_steps: step - totp::step_at(now),
            source_channel: new.channel,
            source_ip: source_ip.as_deref(),
        },
        now,
    )
    .await?;

    let max_devices = svc.tunables().max_devices;
    let devices = repo::for_account(conn, new.account_id).await?;
    let excess = devices.len().saturating_sub(max_devices);
    let mut evicted = Vec::new();
    for oldest in devices.into_iter().take(excess) {
        if let Some(session) = new.adding_session {
            accounts_repo::move_session_to_device(conn, session, &oldest.id, &device_id).await?;
        }
        remove_in_tx(conn, &oldest).await?;
        let entry = AuditEntry::new(
            new.actor,
            AuditEvent::DeviceEvicted {
                device_id: oldest.id.clone(),
                name: oldest.name.clone(),
                added_at: oldest.created_at,
                replaced_by: device_id.clone(),
                max_devices,
            },
        )
        .subject(new.account_id);
        audit::record(conn, with_ticket(entry, new.ticket_id), client, now).await?;
        evicted.push(RemovedDevice {
            id: oldest.id,
            name: oldest.name,
            created_at: oldest.created_at,
        });
    }
    // A device confirmed through identity proofing or a logged-in session
    // starts the code counter afresh.
    accounts_repo::clear_failures(conn, new.account_id, FailureCounter::Otp).await?;

    let entry = AuditEntry::new(
        new.actor,
        AuditEvent::DeviceAdded {
            device_id: device_id.clone(),
            name: new.name.to_string(),
            channel: new.channel.as_str().to_string(),
            drift_steps: step - totp::step_at(now),
        },
    )
    .subject(new.account_id);
    audit::record(conn, with_ticket(entry, new.ticket_id), client, now).await?;
    let added = Event::DeviceAdded {
        device: new.name.as_str(),
        channel: new.channel.as_str(),
    };
    events_repo::record(conn, new.account_id, &added, now).await?;
    for old in &evicted {
        let event = Event::DeviceEvicted {
            device: &old.name,
            added_at: old.created_at,
            replaced_by: new.name.as_str(),
            max_devices,
        };
        events_repo::record(conn, new.account_id, &event, now).await?;
    }
    let evicted_for_mail: Vec<(String, UnixTime)> = evicted
        .iter()
        .map(|d| (d.name.clone(), d.created_at))
        .collect();
    let mail = templates::device_added(
        &svc.settings.brand,
        account.recipient(),
        new.name.as_str(),
        now,
        new.channel.label(),
        &evicted_for_mail,
        max_devices,
    );
    mail_repo::enqueue(conn, &svc.keys, &mail, new.ticket_id, now).await?;
    Ok(AddedDevice {
        device_id,
        name: new.name.to_string(),
        position,
        evicted,
    })
}

fn with_ticket<'a>(entry: AuditEntry<'a>, ticket_id: Option<&'a TicketId>) -> AuditEntry<'a> {
    match ticket_id {
        Some(id) => entry.ticket(id),
        None => entry,
    }
}

/// Removes `device` and ends the sessions its codes opened. The device
/// goes first: on PostgreSQL a login activating a session with it holds
/// the device's row until it commits, so the sessions are looked for only
/// once no login can still be opening one (no foreign key does it, see
/// migration 0026).
async fn remove_in_tx(conn: &mut AnyConnection, device: &DeviceRow) -> Result<(), sqlx::Error> {
    repo::delete(conn, &device.id).await?;
    accounts_repo::delete_sessions_for_device(conn, &device.account_id, &device.id).await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("Kode OTP salah. Masukkan kode yang sedang tampil di aplikasi Authenticator Anda.{}", attempts_hint(*.attempts_left))]
    Invalid { attempts_left: i64 },
    #[error(
        "Kode OTP ini sudah pernah dipakai. Tunggu kode berikutnya muncul di aplikasi Authenticator (paling lama 30 detik), lalu coba lagi."
    )]
    Replayed,
    #[error("Kode OTP ini sudah tidak berlaku karena kode yang lebih baru sudah dipakai untuk masuk. Masukkan kode yang sedang tampil di aplikasi Authenticator Anda.{}", attempts_hint(*.attempts_left))]
    Expired { attempts_left: i64 },
    #[error("Terlalu banyak kode OTP yang salah. Silakan coba lagi dalam {}.", crate::error::wait_text(*.0 as u64))]
    Delayed(i64),
    #[error(
        "Verifikasi OTP untuk akun ini diblokir karena terlalu banyak kode yang salah. Ajukan Permohonan OTP melalui Helpdesk untuk menambahkan perangkat baru."
    )]
    Blocked,
    #[error("the sealed secret of device {0} does not open")]
    SecretUnreadable(DeviceId),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn attempts_hint(attempts_left: i64) -> String {
    match attempts_left {
        0 => String::new(),
        n => format!(" Sisa percobaan sebelum jeda: {n}."),
    }
}

impl From<CodeError> for AppError {
    fn from(e: CodeError) -> Self {
        match e {
            CodeError::Database(e) => e.into(),
            CodeError::Delayed(wait) => AppError::TooManyAttempts(wait as u64),
            CodeError::SecretUnreadable(_) => internal(e),
            other => AppError::Rejected(other.to_string()),
        }
    }
}

/// Why the replay guard refused a right code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepRefused {
    /// The step was used already: a replay (or the same code sent twice).
    Replayed,
    /// A later step was used already: the code expired when a newer code
    /// logged in. A late or slow typist, not a replay.
    Expired,
}

/// What a refused `step` was, given the device's last used step as read
/// before the claim (a claim lost to a concurrent one reads as a replay).
fn step_refused(last_used_step: Option<i64>, step: i64) -> StepRefused {
    if last_used_step.is_some_and(|last| last > step) {
        StepRefused::Expired
    } else {
        StepRefused::Replayed
    }
}

/// A device whose code was accepted.
#[derive(Debug, Clone)]
pub struct AcceptedCode {
    pub device_id: DeviceId,
    pub device_name: String,
}

/// Which failure counter a code attempt spends from.
#[derive(Debug, Clone, Copy)]
pub enum CodeBudget<'a> {
    /// The account's OTP counter: browsers without the account's device
    /// cookie, and the validation API. Reaching a pause or the block tells
    /// the holder.
    Account,
    /// A known browser's own counter (its key in `failure_counters`).
    DeviceCookie(&'a str),
}

impl CodeBudget<'_> {
    fn counter<'a>(&'a self, account: &'a AccountId) -> (Counter<'a>, &'static Policy) {
        match self {
            Self::Account => (
                Counter::Account(account, FailureCounter::Otp),
                &throttle::OTP,
            ),
            Self::DeviceCookie(key) => (Counter::Keyed(key), &throttle::DEVICE_COOKIE),
        }
    }
}

/// Verifies a code against every device of the account, for every channel
/// (the site's login, the validation API, the step-up on /akun): one replay
/// guard. The attempt is reserved on `budget`'s counter before the check
/// (see `accounts::failures`), so concurrent wrong codes cannot outrun the
/// limit. `actor` is who submitted the code (the account itself, or the
/// service client asking for it). The outcome is counted for `/metrics`.
///
/// The devices are read and the code computed before the write transaction
/// begins; in it, the attempt is reserved, the matching device's step
/// claimed and the counter cleared. An accepted code returns that
/// transaction still open: the caller adds its own records and commits, so
/// the claim and what it opened are durable together before the answer is
/// sent. A refusal is committed here (the counted attempt, its audit entry,
/// the mail to the holder) before it is returned.
pub async fn verify_account_code(
    svc: &Services,
    attempt: &Attempt<'_>,
    code: &OtpCode,
) -> Result<(AcceptedCode, Tx), CodeError> {
    let checked = async {
        let account_id = &attempt.account.id;
        let devices = svc
            .db
            .read(async |conn| repo::for_account(conn, account_id).await);
        let matched = match_code(svc, devices.await?, code, attempt.now)?;
        claim_alone(svc, attempt, matched.as_ref()).await
    };
    let checked = checked.await;
    count_outcome(svc, &checked);
    checked
}

/// Verifies a code like [`verify_account_code`], against `devices` (the
/// account's, oldest first, read by the caller with what it reads anyway),
/// and writes what a right code opens, `follow_up` (the session it
/// activates, its audit entry), in the transaction that claims it. That
/// write joins the other right codes waiting (see `accepted`: group
/// commit); when their batch cannot commit, the code is checked again
/// alone, which answers a replay or a lock as [`verify_account_code`] does.
/// `Ok(None)`: the code was right but its session is gone (a logout
/// meanwhile): nothing was kept.
pub async fn accept_code(
    svc: &Services,
    attempt: &Attempt<'_>,
    devices: Vec<DeviceRow>,
    code: &OtpCode,
    follow_up: impl Fn(&AcceptedCode) -> FollowUp,
) -> Result<Option<AcceptedCode>, CodeError> {
    let checked = accept_grouped_or_alone(svc, attempt, devices, code, follow_up).await;
    count_outcome(svc, &checked);
    checked
}

async fn accept_grouped_or_alone(
    svc: &Services,
    attempt: &Attempt<'_>,
    devices: Vec<DeviceRow>,
    code: &OtpCode,
    follow_up: impl Fn(&AcceptedCode) -> FollowUp,
) -> Result<Option<AcceptedCode>, CodeError> {
    let matched = match_code(svc, devices, code, attempt.now)?;
    // A step the read already shows used is a replay: checked alone, it
    // does not roll back the batch of the right codes beside it.
    let claimable = matched
        .as_ref()
        .filter(|(device, step)| step_unused(device, *step));
    if let (Some((device, step)), Some(group)) = (claimable, svc.workers.get::<AcceptedCodes>()) {
        let accepted = AcceptedCode::from(device);
        let acceptance = Acceptance {
            claim: step_claim(device, *step, attempt.now),
            account_id: attempt.account.id.clone(),
            cookie_key: match attempt.budget {
                CodeBudget::Account => None,
                CodeBudget::DeviceCookie(key) => Some(key.to_string()),
            },
            follow_up: follow_up(&accepted),
        };
        if group.write(acceptance).await {
            return Ok(Some(accepted));
        }
    }
    let (accepted, mut tx) = claim_alone(svc, attempt, matched.as_ref()).await?;
    if !execute_checked(&mut tx, &follow_up_statements(vec![follow_up(&accepted)])).await? {
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(accepted))
}

/// Counts a checked code's outcome for `/metrics`.
fn count_outcome<T>(svc: &Services, checked: &Result<T, CodeError>) {
    let outcome = match checked {
        Ok(_) => Some(OtpOutcome::Accepted),
        Err(CodeError::Invalid { .. } | CodeError::Expired { .. }) => Some(OtpOutcome::Rejected),
        Err(CodeError::Replayed) => Some(OtpOutcome::Replayed),
        Err(CodeError::Delayed(_) | CodeError::Blocked) => Some(OtpOutcome::Locked),
        Err(CodeError::SecretUnreadable(_) | CodeError::Database(_)) => None,
    };
    if let Some(outcome) = outcome {
        svc.metrics.otp_check(outcome);
    }
}

impl From<&DeviceRow> for AcceptedCode {
    fn from(device: &DeviceRow) -> Self {
        Self {
            device_id: device.id.clone(),
            device_name: device.name.clone(),
        }
    }
}

/// `device`'s claim of `step`, at `now`, with the drift it shows.
fn step_claim(device: &DeviceRow, step: i64, now: UnixTime) -> StepClaim {
    StepClaim {
        device_id: device.id.clone(),
        step,
        drift_steps: step - totp::step_at(now),
        at: now,
    }
}

/// The one of `devices` whose code `code` is, and the time step it
/// matched (see [`claimable_first`]); computed before any write. Every
/// secret is opened: one that does not is the server's fault (a wrong key,
/// a damaged row), and the check stops before anything counts as a failure.
fn match_code(
    svc: &Services,
    devices: Vec<DeviceRow>,
    code: &OtpCode,
    now: UnixTime,
) -> Result<Option<(DeviceRow, i64)>, CodeError> {
    let mut matches = Vec::new();
    for device in devices {
        let secret = svc
            .keys
            .open(device.id.as_str().as_bytes(), &device.secret_sealed)
            .map(TotpSecret::from_bytes)
            .map_err(|_| CodeError::SecretUnreadable(device.id.clone()))?;
        if let Some(step) = secret.matching_step(code, now, ACCEPTED_SKEW_STEPS) {
            matches.push((device, step));
        }
    }
    Ok(claimable_first(matches))
}

/// Of the devices a code matched (oldest first), the first whose matched
/// step is still unused, else the first. Six digits collide: with three
/// devices, a code has six chances in a million of also being one of the
/// three accepted steps' codes of another device, maybe a step already
/// used there. It must not be refused as that device's replay.
fn claimable_first(matches: Vec<(DeviceRow, i64)>) -> Option<(DeviceRow, i64)> {
    let chosen = matches
        .iter()
        .position(|(device, step)| step_unused(device, *step))
        .unwrap_or(0);
    matches.into_iter().nth(chosen)
}

/// Whether `device` has not yet passed a login at `step` or a later one
/// (as read; the claim checks it again in its write).
fn step_unused(device: &DeviceRow, step: i64) -> bool {
    device.last_used_step.is_none_or(|last| last < step)
}

/// The attempt in a write transaction of its own: a right code's step
/// claimed (the transaction returned open), or the refusal counted and
/// committed.
async fn claim_alone(
    svc: &Services,
    attempt: &Attempt<'_>,
    matched: Option<&(DeviceRow, i64)>,
) -> Result<(AcceptedCode, Tx), CodeError> {
    let mut tx = svc.db.begin_write().await?;
    let matched = matched.map(|(device, step)| (device, *step));
    match claim_or_count(&mut tx, svc, attempt, matched).await {
        Ok(accepted) => Ok((accepted, tx)),
        // Nothing counted; a claimed step is rolled back with the transaction.
        Err(e @ (CodeError::Database(_) | CodeError::Delayed(_) | CodeError::Blocked)) => Err(e),
        Err(refusal) => {
            tx.commit().await?;
            if matches!(
                refusal,
                CodeError::Replayed | CodeError::Invalid { .. } | CodeError::Expired { .. }
            ) {
                // A replay, or a failure that started a lock, queued a mail.
                svc.mail_queued.notify_one();
            }
            Err(refusal)
        }
    }
}

/// One code submitted: for whom, by whom, on which budget, from where.
pub struct Attempt<'a> {
    account: &'a AccountRow,
    actor: Actor<'a>,
    budget: CodeBudget<'a>,
    client: &'a ClientInfo,
    now: UnixTime,
}

impl<'a> Attempt<'a> {
    pub fn new(
        account: &'a AccountRow,
        actor: Actor<'a>,
        budget: CodeBudget<'a>,
        client: &'a ClientInfo,
        now: UnixTime,
    ) -> Self {
        Self {
            account,
            actor,
            budget,
            client,
            now,
        }
    }

    /// Logs `event` about the attempt's account, by its actor, from its client.
    async fn record(&self, conn: &mut AnyConnection, event: AuditEvent) -> Result<(), sqlx::Error> {
        let entry = AuditEntry::new(self.actor, event).subject(&self.account.id);
        audit::record(conn, entry, Some(self.client), self.now).await
    }
}

/// Inside the check's write transaction: claims the step of the (first)
/// device whose code it is, `matched` (device, step), and admits it; any
/// other attempt is reserved on the counter and counted as a failure.
async fn claim_or_count(
    conn: &mut AnyConnection,
    svc: &Services,
    attempt: &Attempt<'_>,
    matched: Option<(&DeviceRow, i64)>,
) -> Result<AcceptedCode, CodeError> {
    let now = attempt.now;
    let (counter, policy) = attempt.budget.counter(&attempt.account.id);
    let refused = |until: UnixTime| match until >= throttle::BLOCKED_UNTIL {
        true => CodeError::Blocked,
        false => CodeError::Delayed(until - now),
    };
    // A right code claims its step first, then is admitted (and clears the
    // counter) in one write; refused, the caller rolls the claim back.
    let claimed = match matched {
        Some((device, step)) => {
            let claim = repo::claim_steps(&[step_claim(device, step, now)]);
            claim.execute(conn).await? == 1
        }
        None => false,
    };
    if let (true, Some((device, _))) = (claimed, matched) {
        return match failures::admit_right(conn, counter, now).await? {
            Admission::Admitted { .. } => Ok(AcceptedCode::from(device)),
            Admission::Refused { until } => Err(refused(until)),
        };
    }
    let failures = match failures::admit(conn, counter, policy, now).await? {
        Admission::Admitted { failures } => failures,
        Admission::Refused { until } => return Err(refused(until)),
    };
    let mut expired = false;
    if let Some((device, step)) = matched {
        if step_refused(device.last_used_step, step) == StepRefused::Expired {
            // Counted and logged like a wrong code, without the replay alarm.
            expired = true;
        } else {
            return Err(replayed(conn, svc, attempt, device, step, failures).await?);
        }
    }
    tell_if_locked(conn, svc, attempt, failures).await?;
    let event = AuditEvent::LoginOtpFailed {
        consecutive_failures: failures,
    };
    attempt.record(conn, event).await?;
    let attempts_left = policy.attempts_before_delay(failures);
    Err(if expired {
        CodeError::Expired { attempts_left }
    } else {
        CodeError::Invalid { attempts_left }
    })
}

/// A right code whose step was used already: logged, and the holder told.
async fn replayed(
    conn: &mut AnyConnection,
    svc: &Services,
    attempt: &Attempt<'_>,
    device: &DeviceRow,
    step: i64,
    failures: i64,
) -> Result<CodeError, sqlx::Error> {
    let event = AuditEvent::LoginOtpReplayed {
        device_id: device.id.clone(),
        step,
    };
    attempt.record(conn, event).await?;
    let mail = templates::otp_code_reused(
        &svc.settings.brand,
        attempt.account.recipient(),
        &device.name,
        attempt.now,
        &attempt.client.ip.to_string(),
    );
    mail_repo::enqueue(conn, &svc.keys, &mail, None, attempt.now).await?;
    tell_if_locked(conn, svc, attempt, failures).await?;
    Ok(CodeError::Replayed)
}

/// After a wrong (or replayed) `attempt` that was the `failures`-th on the
/// account's counter: when that starts a pause or the block, the holder is
/// told by mail (once per start, not per failure) and subscribed service
/// clients by an `account.locked` event. The lock itself was set when the
/// attempt was reserved.
async fn tell_if_locked(
    conn: &mut AnyConnection,
    svc: &Services,
    attempt: &Attempt<'_>,
    failures: i64,
) -> Result<(), sqlx::Error> {
    let Attempt { account, now, .. } = *attempt;
    let policy = &throttle::OTP;
    if !matches!(attempt.budget, CodeBudget::Account) || !policy.lock_starts(failures) {
        return Ok(());
    }
    let Some(until) = policy.lock_after(failures, now) else {
        return Ok(());
    };
    let blocked = until >= throttle::BLOCKED_UNTIL;
    let mail = templates::otp_locked(
        &svc.settings.brand,
        account.recipient(),
        failures,
        now,
        (!blocked).then_some(until),
    );
    mail_repo::enqueue(conn, &svc.keys, &mail, None, now).await?;
    let locked = Event::AccountLocked {
        consecutive_failures: failures,
        until: (!blocked).then_some(until),
    };
    events_repo::record(conn, &account.id, &locked, now).await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("Perangkat tidak ditemukan.")]
    NotFound,
    #[error("Nama perangkat \"{0}\" sudah dipakai di akun Anda. Gunakan nama lain.")]
    NameTaken(String),
    #[error(
        "Perangkat terakhir tidak dapat dihapus: tanpa perangkat OTP Anda tidak dapat masuk. Tambahkan perangkat lain terlebih dahulu."
    )]
    LastDevice,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ChangeError> for AppError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Database(e) => e.into(),
            ChangeError::NotFound => AppError::NotFound,
            other => AppError::Rejected(other.to_string()),
        }
    }
}

pub async fn rename_device(
    svc: &Services,
    account: &AccountRow,
    device_id: &DeviceId,
    name: &DeviceName,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), ChangeError> {
    let mut tx = svc.db.begin_write().await?;
    accounts_repo::lock_devices(&mut tx, &account.id, now).await?;
    let device = repo::find(&mut tx, &account.id, device_id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    let key = name.unique_key();
    if repo::name_taken(&mut tx, &account.id, &key, Some(device_id)).await? {
        return Err(ChangeError::NameTaken(name.to_string()));
    }
    repo::rename(&mut tx, device_id, name.as_str(), &key).await?;
    let entry = AuditEntry::new(
        account.actor(),
        AuditEvent::DeviceRenamed {
            device_id: device_id.clone(),
            from: device.name,
            to: name.to_string(),
        },
    )
    .subject(&account.id);
    audit::record(&mut tx, entry, Some(client), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Who removes a device.
#[derive(Debug, Clone, Copy)]
pub enum Remover<'a> {
    /// The holder, on their account page: never their last device, which
    /// would lock them out.
    Holder,
    /// Staff in the console, for a lost or stolen device: even the last one
    /// (the signer then asks the helpdesk for a new one).
    Staff(Actor<'a>),
}

/// Removes a device, ends its sessions and tells the holder.
pub async fn remove_device(
    svc: &Services,
    account: &AccountRow,
    remover: Remover<'_>,
    device_id: &DeviceId,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<RemovedDevice, ChangeError> {
    let mut tx = svc.db.begin_write().await?;
    accounts_repo::lock_devices(&mut tx, &account.id, now).await?;
    let devices = repo::for_account(&mut tx, &account.id).await?;
    let device = devices
        .iter()
        .find(|d| &d.id == device_id)
        .ok_or(ChangeError::NotFound)?;
    let actor = match remover {
        Remover::Holder if devices.len() == 1 => return Err(ChangeError::LastDevice),
        Remover::Holder => account.actor(),
        Remover::Staff(actor) => actor,
    };
    remove_in_tx(&mut tx, device).await?;
    let entry = AuditEntry::new(
        actor,
        AuditEvent::DeviceRemoved {
            device_id: device.id.clone(),
            name: device.name.clone(),
        },
    )
    .subject(&account.id);
    audit::record(&mut tx, entry, Some(client), now).await?;
    let removed = Event::DeviceRemoved {
        device: &device.name,
    };
    events_repo::record(&mut tx, &account.id, &removed, now).await?;
    let mail =
        templates::device_removed(&svc.settings.brand, account.recipient(), &device.name, now);
    mail_repo::enqueue(&mut tx, &svc.keys, &mail, None, now).await?;
    tx.commit().await?;
    svc.mail_queued.notify_one();
    Ok(RemovedDevice {
        id: device.id.clone(),
        name: device.name.clone(),
        created_at: device.created_at,
    })
}

/// Gives an account a device whose secret the administrator hands over
/// (first device of a new account, demo data). The same add-device rule
/// applies: the code is computed from the new secret and verified.
pub async fn provision_device(
    svc: &Services,
    account_id: &AccountId,
    name: &DeviceName,
    now: UnixTime,
) -> Result<(TotpSecret, AddedDevice), EnrollError> {
    let secret = TotpSecret::generate();
    let code = OtpCode::parse(&secret.code_for_step(totp::step_at(now), 6))
        .expect("a code computed from a secret is six digits");
    let mut tx = svc.db.begin_write().await?;
    let added = add_device(
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
            adding_session: None,
        },
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((secret, added))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device_used_at(name: &str, last_used_step: Option<i64>) -> DeviceRow {
        DeviceRow {
            id: DeviceId::generate(),
            account_id: AccountId::generate(),
            name: name.to_string(),
            secret_sealed: Vec::new(),
            added_seq: 0,
            created_at: UnixTime::from_secs(0),
            last_used_at: None,
            last_used_step,
            drift_steps: 0,
            source_channel: Channel::AccountPage,
            source_ip: None,
        }
    }

    #[test]
    fn a_code_matching_a_used_step_and_a_fresh_one_is_claimed_on_the_fresh_one() {
        let chosen = |matches: Vec<(DeviceRow, i64)>| {
            claimable_first(matches).map(|(d, step)| (d.name, step))
        };
        let older_used = device_used_at("older", Some(100));
        let newer_fresh = device_used_at("newer", None);
        assert_eq!(
            chosen(vec![(older_used.clone(), 99), (newer_fresh.clone(), 100)]),
            Some(("newer".into(), 100))
        );
        assert_eq!(
            chosen(vec![(older_used.clone(), 101), (newer_fresh, 100)]),
            Some(("older".into(), 101)),
            "the oldest device first when both steps are unused"
        );
        assert_eq!(
            chosen(vec![
                (older_used.clone(), 100),
                (device_used_at("newer", Some(100)), 100)
            ]),
            Some(("older".into(), 100)),
            "a replay on every device is the oldest device's"
        );
        assert_eq!(chosen(vec![]), None);
    }

    #[test]
    fn an_older_code_after_a_newer_login_has_expired_and_is_not_a_replay() {
        use crate::platform::clock::{Clock, ManualClock};
        let clock = ManualClock::new(UnixTime::from_secs(1_795_856_415));
        let secret = TotpSecret::generate();
        let s = totp::step_at(clock.now());
        let code = |step: i64| OtpCode::parse(&secret.code_for_step(step, 6)).unwrap();
        let matched = |step: i64| {
            secret
                .matching_step(&code(step), clock.now(), ACCEPTED_SKEW_STEPS)
                .expect("within the accepted window")
        };
        // A login with the code of step s+1 (a phone a little ahead).
        let last_used = Some(matched(s + 1));
        assert_eq!(
            step_refused(last_used, matched(s - 1)),
            StepRefused::Expired
        );
        assert_eq!(step_refused(last_used, matched(s)), StepRefused::Expired);
        assert_eq!(
            step_refused(last_used, matched(s + 1)),
            StepRefused::Replayed
        );
        clock.advance(STEP_SECONDS);
        assert_eq!(step_refused(last_used, matched(s)), StepRefused::Expired);
        assert_eq!(
            step_refused(last_used, matched(s + 1)),
            StepRefused::Replayed
        );
        // A claim lost to a concurrent one, before this request read the row.
        assert_eq!(step_refused(None, matched(s + 1)), StepRefused::Replayed);
        let told = CodeError::Expired { attempts_left: 3 }.to_string();
        assert!(told.contains("sudah tidak berlaku"), "{told}");
        assert!(!told.contains("sudah pernah dipakai"), "{told}");
    }

    #[test]
    fn invalid_code_message_follows_the_source_document() {
        let message = EnrollError::InvalidCode {
            clock_offset_seconds: None,
        }
        .to_string();
        assert!(message.starts_with("Kode OTP INVALID. Pindai ulang QR Code"));
        assert!(message.contains("berubah setiap 30 detik"));
        assert!(!message.contains("Jam di ponsel"));
    }

    #[test]
    fn invalid_code_message_names_the_clock_offset() {
        let ahead = EnrollError::InvalidCode {
            clock_offset_seconds: Some(120),
        }
        .to_string();
        assert!(ahead.contains("lebih cepat sekitar 2 menit"), "{ahead}");
        let behind = EnrollError::InvalidCode {
            clock_offset_seconds: Some(-60),
        }
        .to_string();
        assert!(behind.contains("lebih lambat sekitar 60 detik"), "{behind}");
    }

    #[test]
    fn first_code_reports_drift_beyond_the_accepted_window() {
        let secret = TotpSecret::generate();
        let now = UnixTime::from_secs(1_800_000_000);
        let code = |offset: i64| {
            OtpCode::parse(&secret.code_for_step(totp::step_at(now) + offset, 6)).unwrap()
        };
        assert_eq!(
            confirm_first_code(&secret, &code(1), now).unwrap(),
            totp::step_at(now) + 1
        );
        match confirm_first_code(&secret, &code(-4), now) {
            Err(EnrollError::InvalidCode {
                clock_offset_seconds,
            }) => assert_eq!(clock_offset_seconds, Some(-120)),
            other => panic!("unexpected {other:?}"),
        }
    }
}
