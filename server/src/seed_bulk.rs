//! `server seed-bulk`: many signers with devices at once, for load and scale
//! tests. The rows have the real shape (valid, distinct NIKs and official
//! emails; NIK digest, mask and sealed digits; device secrets sealed with
//! the master key) and go in with multi-row INSERTs in large transactions.
//! The device secrets are random and printed nowhere: a load generator
//! holding the master key opens them from the database. Each transaction
//! leaves an audit entry with the numbers of signers and devices it added.

use std::time::{Duration, Instant};

use app::accounts::password;
use app::accounts::repo::{self as accounts_repo, InsertAccount};
use app::accounts::service::seal_nik;
use app::accounts::types::{AccountStatus, NewPassword, Nik, OfficialEmail, Role};
use app::audit::{self, Actor, AuditEntry, AuditEvent};
use app::ids::{AccountId, DeviceId};
use app::otp_devices::Channel;
use app::otp_devices::repo::{self as devices_repo, InsertDevice};
use app::otp_devices::totp::{self, TotpSecret};
use app::otp_devices::types::DeviceName;
use app::platform::state::Services;

/// Rows per multi-row statement: a few thousand bound parameters, far
/// below both databases' limits (SQLite's 32,766, PostgreSQL's 65,535).
const SIGNERS_PER_STATEMENT: usize = 200;
const DEVICES_PER_STATEMENT: usize = 300;
/// Signers per transaction: a few seconds of writing. SQLite's log holds a
/// whole transaction and is started over only between two, by a
/// checkpointer that waits at most ten seconds for the writer: with 20,000
/// a transaction outlasted that wait on a large database, the log was never
/// started over, and a million signers left a 4.3 GB log file.
const SIGNERS_PER_TRANSACTION: usize = 5_000;

const FIRST_NAMES: &[&str] = &[
    "Budi", "Siti", "Agus", "Dewi", "Rudi", "Rina", "Hendra", "Wati", "Joko", "Ayu", "Bambang",
    "Lestari", "Eko", "Fitri", "Andi", "Nur", "Yusuf", "Intan", "Dedi", "Putri",
];
const LAST_NAMES: &[&str] = &[
    "Santoso",
    "Wijaya",
    "Saputra",
    "Lestari",
    "Hidayat",
    "Kusuma",
    "Pratama",
    "Nugroho",
    "Siregar",
    "Hasibuan",
    "Simanjuntak",
    "Wibowo",
    "Susanto",
    "Halim",
    "Gunawan",
    "Rahman",
];
const AGENCY_DOMAINS: &[&str] = &[
    "kominfo.go.id",
    "bssn.go.id",
    "kemenkeu.go.id",
    "jakarta.go.id",
    "jabarprov.go.id",
    "bps.go.id",
];

#[derive(Debug)]
pub struct Plan {
    pub signers: usize,
    pub devices: usize,
    /// The number of the first signer: signers `first..first + signers` are
    /// added, so a later run can add more without clashing.
    pub first: usize,
    /// One password for every seeded signer (hashed once); `None`: none, as
    /// AMS creates signers.
    pub password: Option<NewPassword>,
}

#[derive(Debug, Default)]
pub struct Seeded {
    pub signers: usize,
    pub devices: usize,
    pub elapsed: Duration,
    /// Time spent sealing NIKs and device secrets with the master key.
    pub sealing: Duration,
}

/// The `n`th seeded signer's email; the load generator names signers by it.
pub fn email_of(n: usize) -> String {
    let first = FIRST_NAMES[n % FIRST_NAMES.len()].to_lowercase();
    let last = LAST_NAMES[n / FIRST_NAMES.len() % LAST_NAMES.len()].to_lowercase();
    let domain = AGENCY_DOMAINS[n % AGENCY_DOMAINS.len()];
    format!("{first}.{last}.{n}@{domain}")
}

/// The `n`th seeded signer's full name.
pub fn name_of(n: usize) -> String {
    let first = FIRST_NAMES[n % FIRST_NAMES.len()];
    let last = LAST_NAMES[n / FIRST_NAMES.len() % LAST_NAMES.len()];
    format!("{first} {last}")
}

/// A valid NIK, distinct for each `n` below 9,999 × 56 × 12 × 100 × 99:
/// DKI Jakarta regencies, then district, birth date (women +40 on the day),
/// two-digit year and a serial number.
pub fn nik_of(n: usize) -> Nik {
    let serial = n % 9_999 + 1;
    let rest = n / 9_999;
    let day = rest % 28 + 1 + if rest / 28 % 2 == 1 { 40 } else { 0 };
    let rest = rest / 56;
    let month = rest % 12 + 1;
    let rest = rest / 12;
    let year = rest % 100;
    let district = rest / 100 % 99 + 1;
    let regency = 71 + district % 5;
    Nik::parse(&format!(
        "31{regency:02}{district:02}{day:02}{month:02}{year:02}{serial:04}"
    ))
    .expect("the pattern above always makes a valid NIK")
}

/// One signer's rows, owned, before they are borrowed into inserts.
struct SignerRows {
    id: AccountId,
    email: OfficialEmail,
    name: String,
    nik_digest: Vec<u8>,
    nik_masked: String,
    nik_sealed: Vec<u8>,
    devices: Vec<(DeviceId, Vec<u8>)>,
}

/// Adds the planned signers, each with `plan.devices` devices added a day
/// ago (so none of today's codes is used yet), as the command line.
pub async fn seed(svc: &Services, plan: &Plan) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let now = svc.now();
    let password_hash = plan
        .password
        .as_ref()
        .map_or_else(|| password::NO_PASSWORD.to_string(), password::hash);
    let names: Vec<DeviceName> = (1..=plan.devices)
        .map(|n| DeviceName::parse(&format!("Ponsel {n}")).expect("a short device name"))
        .collect();
    let name_keys: Vec<String> = names.iter().map(DeviceName::unique_key).collect();
    let confirmed_step = totp::step_at(now - 86_400);
    let mut seeded = Seeded::default();
    let end = plan.first + plan.signers;
    let mut next = plan.first;
    while next < end {
        let upto = (next + SIGNERS_PER_TRANSACTION).min(end);
        let sealing = Instant::now();
        let rows: Vec<SignerRows> = (next..upto)
            .map(|n| signer_rows(svc, n, plan.devices))
            .collect();
        seeded.sealing += sealing.elapsed();
        let mut tx = svc.db.begin_bulk_write().await?;
        for chunk in rows.chunks(SIGNERS_PER_STATEMENT) {
            let accounts: Vec<InsertAccount<'_>> = chunk
                .iter()
                .map(|row| InsertAccount {
                    id: &row.id,
                    email: &row.email,
                    full_name: &row.name,
                    nik_digest: Some(&row.nik_digest),
                    nik_sealed: Some(&row.nik_sealed),
                    nik_masked: Some(&row.nik_masked),
                    phone: None,
                    agency: None,
                    role: Role::Signer,
                    status: AccountStatus::Verified,
                    password_hash: &password_hash,
                    ams_id: None,
                })
                .collect();
            accounts_repo::insert_many(&mut tx, &accounts, plan.devices as i64, now).await?;
        }
        let devices: Vec<InsertDevice<'_>> = rows
            .iter()
            .flat_map(|row| {
                row.devices
                    .iter()
                    .enumerate()
                    .map(|(position, (id, sealed))| InsertDevice {
                        id,
                        account_id: &row.id,
                        name: names[position].as_str(),
                        name_key: &name_keys[position],
                        secret_sealed: sealed,
                        added_seq: position as i64 + 1,
                        confirmed_step,
                        drift_steps: 0,
                        source_channel: Channel::Administrator,
                        source_ip: None,
                    })
            })
            .collect();
        for chunk in devices.chunks(DEVICES_PER_STATEMENT) {
            devices_repo::insert_many(&mut tx, chunk, now).await?;
        }
        let event = AuditEvent::SignersSeeded {
            signers: rows.len(),
            devices: devices.len(),
        };
        audit::record(
            &mut tx,
            AuditEntry::new(Actor::CommandLine, event),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        seeded.signers += rows.len();
        seeded.devices += devices.len();
        next = upto;
    }
    // Not the audit log: a few entries added to what may be millions.
    svc.db
        .refresh_statistics(&["accounts", "otp_devices"])
        .await?;
    seeded.elapsed = started.elapsed();
    Ok(seeded)
}

fn signer_rows(svc: &Services, n: usize, devices: usize) -> SignerRows {
    let id = AccountId::generate();
    let nik = nik_of(n);
    SignerRows {
        email: OfficialEmail::parse(&email_of(n)).expect("the pattern makes valid emails"),
        name: name_of(n),
        nik_digest: svc.keys.nik_digest(nik.digits().as_bytes()),
        nik_masked: nik.masked(),
        nik_sealed: seal_nik(&svc.keys, &id, &nik),
        devices: (0..devices)
            .map(|_| {
                let device = DeviceId::generate();
                let sealed = svc.keys.seal(
                    device.as_str().as_bytes(),
                    TotpSecret::generate().as_bytes(),
                );
                (device, sealed)
            })
            .collect(),
        id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_niks_and_emails_are_valid_and_distinct() {
        let sample: Vec<usize> = (0..200_000)
            .step_by(7)
            .chain([999_999, 2_999_999])
            .collect();
        let niks: std::collections::HashSet<String> = sample
            .iter()
            .map(|&n| nik_of(n).digits().to_string())
            .collect();
        let emails: std::collections::HashSet<String> =
            sample.iter().map(|&n| email_of(n)).collect();
        assert_eq!(niks.len(), sample.len());
        assert_eq!(emails.len(), sample.len());
        for n in &sample {
            assert!(
                OfficialEmail::parse(&email_of(*n)).is_ok(),
                "{}",
                email_of(*n)
            );
        }
    }
}
