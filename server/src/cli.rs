//! The `server` command line: run (default), migrate, create accounts, set
//! reference photos, import signers from an AMS export, create and revoke
//! service clients of the integration API and set their webhooks, seed
//! demo data.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use app::accounts::repo as accounts_repo;
use app::accounts::service::{NewAccount, create_account};
use app::accounts::types::{
    AccountStatus, NewPassword, Nik, OfficialEmail, PersonName, PhoneNumber, Role,
};
use app::audit::Actor;
use app::identity_check::reference::set_reference_photo;
use app::ids::ServiceClientId;
use app::otp_devices::service::provision_device;
use app::otp_devices::types::DeviceName;
use app::platform::clock::SystemClock;
use app::service_clients::service as service_clients;
use app::service_clients::types::{
    AllowList, CallsPerMinute, ClientName, NewClient, Scopes, WebhookUrl,
};
use app::signer_import::parse::MAX_CSV_BYTES;
use app::signer_import::service::{Mode, PhotoFolder, import};
use app::signer_import::views::ImportReport;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::startup::{Application, build_services, connect_and_migrate};
use crate::{demo, seed_bulk};

#[derive(Debug, Parser)]
#[command(
    name = "server",
    about = "Tambah Perangkat OTP: web helpdesk, identity check and OTP enrollment"
)]
pub struct Cli {
    /// A TOML file with settings (environment variables still win).
    #[arg(long, env = "TPO_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site (the default).
    Run,
    /// Apply database migrations and exit.
    Migrate,
    /// Create a staff account (admin or verifier) with one OTP device.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, env = "TPO_NEW_PASSWORD")]
        password: String,
        #[arg(long, default_value = "admin", value_parser = ["admin", "verifier"])]
        role: String,
        #[arg(long, default_value = "Perangkat awal")]
        device_name: String,
        #[arg(long)]
        json: bool,
    },
    /// Create a signer account (as imported from AMS), optionally with one OTP device.
    CreateSigner {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        nik: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        agency: Option<String>,
        #[arg(long, env = "TPO_NEW_PASSWORD")]
        password: String,
        #[arg(long, default_value = "verified", value_parser = ["verified", "unverified", "suspended"])]
        status: String,
        /// Give the account a device and print its key (repeat for several, oldest first).
        #[arg(long)]
        device_name: Vec<String>,
        /// Print the account and device keys as JSON (for scripts and tests).
        #[arg(long)]
        json: bool,
    },
    /// Store a signer's reference photo (the AMS registration or KTP photo),
    /// which verifiers see beside every selfie. Replaces an earlier one.
    SetReferencePhoto {
        #[arg(long)]
        email: String,
        /// The signer agreed at registration that this photo is kept to check
        /// their identity (biometric data needs that consent).
        #[arg(long)]
        consent_at_registration: bool,
        /// A JPEG or PNG with exactly one face.
        file: PathBuf,
    },
    /// Create and update signers from an AMS export (CSV with the columns
    /// email, full_name, nik, phone, agency, status, photo, photo_consent,
    /// and optionally ams_id).
    /// Prints a result per row; fails (exit code 1) if any row had an error,
    /// after applying the others.
    ImportSigners {
        /// The CSV file (UTF-8, header row first).
        file: PathBuf,
        /// The folder holding the photo files named in the `photo` column.
        #[arg(long)]
        photos: Option<PathBuf>,
        /// Check every row and print what would happen, saving nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Create a client of the integration API (`/api/v1`, for AMS) and
    /// print its bearer token, which is shown this once.
    CreateServiceClient {
        /// What people call it ("AMS produksi").
        #[arg(long)]
        name: String,
        /// Comma-separated: validate, sync, events.
        #[arg(long)]
        scopes: String,
        /// Address blocks it may call from (CIDR, repeat or separate with
        /// commas); none: any address.
        #[arg(long)]
        allow_from: Vec<String>,
        /// Its budget: calls a minute, in bursts of the same size.
        #[arg(long, default_value_t = CallsPerMinute::DEFAULT, value_parser = CallsPerMinute::parse)]
        calls_per_minute: CallsPerMinute,
        /// Where its events are POSTed (needs the events scope): https://,
        /// or http:// to a loopback address. Prints the signing secret once.
        #[arg(long, value_parser = WebhookUrl::parse)]
        webhook_url: Option<WebhookUrl>,
        /// Print the id and token as JSON (for scripts and tests).
        #[arg(long)]
        json: bool,
    },
    /// Revoke a service client: its next call is refused, its undelivered
    /// events are dropped.
    RevokeServiceClient {
        #[arg(long)]
        id: String,
    },
    /// Set a service client's webhook with a new signing secret (printed
    /// once), or remove it with --none (undelivered events are dropped).
    SetServiceClientWebhook {
        #[arg(long)]
        id: String,
        #[arg(long, value_parser = WebhookUrl::parse, required_unless_present = "none", conflicts_with = "none")]
        url: Option<WebhookUrl>,
        #[arg(long)]
        none: bool,
        /// Print the result as JSON (for scripts and tests).
        #[arg(long)]
        json: bool,
    },
    /// Copy the SQLite database, online, into a new file (PostgreSQL: use
    /// pg_dump, see the README's "Backups"). Keep the master key too.
    Backup {
        /// The backup file to write; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
    },
    /// Add many verified signers with OTP devices at once, for load and
    /// scale tests (`make bench`): valid distinct NIKs and emails
    /// (`budi.santoso.N@…`), random device secrets sealed with the master
    /// key and printed nowhere.
    SeedBulk {
        #[arg(long)]
        signers: usize,
        /// Devices per signer (added a day ago).
        #[arg(long, default_value_t = 3)]
        devices: usize,
        /// The number of the first signer (to add more to an earlier seed).
        #[arg(long, default_value_t = 0)]
        first: usize,
        /// One password for all of them (hashed once); none by default.
        #[arg(long, env = "TPO_NEW_PASSWORD")]
        password: Option<String>,
    },
    /// Rotate the master key. With --generate: add a new key version to the
    /// key file (restart every server with it). Then, without: re-seal every
    /// sealed value under the newest version, in batches; a stopped run
    /// continues where it was.
    RotateKey {
        #[arg(long)]
        generate: bool,
        /// Values re-sealed per transaction.
        #[arg(long, default_value_t = 500)]
        batch: i64,
        /// Stop after this many batches (run again to continue).
        #[arg(long)]
        max_batches: Option<u64>,
    },
    /// Retire an old master key version once nothing is sealed under it,
    /// and remove it from the key file.
    RetireKey {
        #[arg(long)]
        version: u8,
    },
    /// Add demo signers, a verifier and an admin; print their logins.
    SeedDemo {
        /// Print the logins as JSON (for scripts and tests).
        #[arg(long)]
        json: bool,
    },
}

/// The `server` binary: logs to stderr, runs the command line on a runtime
/// of `TPO_WORKER_THREADS` threads, and exits non-zero with the error in
/// Indonesian.
pub fn main() -> std::process::ExitCode {
    crate::telemetry::init();
    let cli = Cli::parse();
    let ran = load_config(&cli).and_then(|config| {
        let mut runtime = tokio::runtime::Builder::new_multi_thread();
        if let Some(threads) = config.worker_threads {
            runtime.worker_threads(threads.get());
        }
        let runtime = runtime
            .enable_all()
            .build()
            .context("starting the runtime")?;
        runtime.block_on(run_with(cli, config))
    });
    match ran {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Galat: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    Config::load(cli.config.as_deref()).context("reading configuration")
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = load_config(&cli)?;
    run_with(cli, config).await
}

async fn run_with(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => serve(config).await,
        Command::Migrate => {
            connect_and_migrate(&config).await?.close().await;
            println!("Migrasi basis data selesai.");
            Ok(())
        }
        Command::CreateAdmin {
            email,
            name,
            password,
            role,
            device_name,
            json,
        } => {
            let role = Role::parse(&role).ok_or_else(|| anyhow!("unknown role"))?;
            let account = NewAccount {
                email: OfficialEmail::parse(&email).map_err(anyhow::Error::msg)?,
                full_name: PersonName::parse(&name).map_err(anyhow::Error::msg)?,
                nik: None,
                phone: None,
                agency: None,
                role,
                status: AccountStatus::Verified,
                password: NewPassword::parse(&password).map_err(anyhow::Error::msg)?,
            };
            create_with_devices(config, account, &[device_name], json).await
        }
        Command::CreateSigner {
            email,
            name,
            nik,
            phone,
            agency,
            password,
            status,
            device_name,
            json,
        } => {
            let account = NewAccount {
                email: OfficialEmail::parse(&email).map_err(anyhow::Error::msg)?,
                full_name: PersonName::parse(&name).map_err(anyhow::Error::msg)?,
                nik: Some(Nik::parse(&nik).map_err(anyhow::Error::msg)?),
                phone: phone
                    .as_deref()
                    .map(PhoneNumber::parse)
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
                agency,
                role: Role::Signer,
                status: AccountStatus::parse(&status).ok_or_else(|| anyhow!("unknown status"))?,
                password: NewPassword::parse(&password).map_err(anyhow::Error::msg)?,
            };
            create_with_devices(config, account, &device_name, json).await
        }
        Command::SetReferencePhoto {
            email,
            consent_at_registration,
            file,
        } => {
            let email = OfficialEmail::parse(&email).map_err(anyhow::Error::msg)?;
            let photo =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let svc = build_services(&config, Arc::new(SystemClock)).await?;
            let stored = set_reference_photo(
                &svc,
                &email,
                photo,
                consent_at_registration,
                Actor::System,
                svc.now(),
            )
            .await;
            svc.db.close().await;
            stored.map_err(|e| anyhow!("{e}"))?;
            println!("Foto referensi untuk {email} disimpan.");
            Ok(())
        }
        Command::ImportSigners {
            file,
            photos,
            dry_run,
        } => {
            let report = import_signers(&config, &file, photos, dry_run).await?;
            print_report(&report);
            let failed = report.counts().failed;
            if failed > 0 {
                return Err(anyhow!(
                    "{failed} baris galat dan dilewati{}.",
                    if dry_run {
                        ""
                    } else {
                        "; baris lain sudah diterapkan"
                    }
                ));
            }
            Ok(())
        }
        Command::CreateServiceClient {
            name,
            scopes,
            allow_from,
            calls_per_minute,
            webhook_url,
            json,
        } => {
            let client = NewClient {
                name: ClientName::parse(&name).map_err(anyhow::Error::msg)?,
                scopes: Scopes::parse(&scopes).map_err(anyhow::Error::msg)?,
                allow_from: AllowList::from_items(allow_from.iter().map(String::as_str))
                    .map_err(anyhow::Error::msg)?,
                calls_per_minute,
            };
            let svc = build_services(&config, Arc::new(SystemClock)).await?;
            let created = match &webhook_url {
                None => service_clients::create(&svc, &client, Actor::CommandLine, None, svc.now())
                    .await
                    .map_err(anyhow::Error::from),
                Some(url) => service_clients::create_with_webhook(
                    &svc,
                    &client,
                    url,
                    Actor::CommandLine,
                    None,
                    svc.now(),
                )
                .await
                .map_err(|e| anyhow!("{e}")),
            };
            svc.db.close().await;
            let created = created?;
            let NewClient {
                name,
                scopes,
                allow_from,
                calls_per_minute,
            } = client;
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "id": created.id,
                        "name": name.as_str(),
                        "scopes": scopes.to_string(),
                        "allow_from": allow_from.to_string(),
                        "calls_per_minute": u32::from(calls_per_minute),
                        "token": created.token,
                        "webhook_url": webhook_url.as_ref().map(WebhookUrl::as_str),
                        "webhook_secret": created.webhook_secret,
                    })
                );
            } else {
                println!("Klien layanan \"{name}\" dibuat dengan id {}.", created.id);
                println!(
                    "Cakupan: {scopes}. Alamat yang diizinkan: {}. Batas: {calls_per_minute} panggilan per menit.",
                    match allow_from.is_empty() {
                        true => "semua".to_string(),
                        false => allow_from.to_string(),
                    }
                );
                println!("Token (hanya ditampilkan sekali ini, simpan di AMS):");
                println!("{}", created.token);
                if let (Some(url), Some(secret)) = (&webhook_url, &created.webhook_secret) {
                    print_webhook_secret(url, secret);
                }
            }
            Ok(())
        }
        Command::RevokeServiceClient { id } => {
            let id = parse_client_id(&id)?;
            let svc = build_services(&config, Arc::new(SystemClock)).await?;
            let revoked = service_clients::change(
                &svc,
                &id,
                service_clients::Change::Revoke,
                Actor::CommandLine,
                None,
                svc.now(),
            )
            .await;
            svc.db.close().await;
            revoked.map_err(|e| anyhow!("{e}"))?;
            println!("Klien layanan {id} dicabut: panggilan berikutnya ditolak.");
            Ok(())
        }
        Command::SetServiceClientWebhook { id, url, json, .. } => {
            let id = parse_client_id(&id)?;
            let svc = build_services(&config, Arc::new(SystemClock)).await?;
            let set = service_clients::set_webhook(
                &svc,
                &id,
                url.as_ref(),
                Actor::CommandLine,
                None,
                svc.now(),
            )
            .await;
            svc.db.close().await;
            let secret = set.map_err(|e| anyhow!("{e}"))?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "id": id,
                        "webhook_url": url.as_ref().map(WebhookUrl::as_str),
                        "webhook_secret": secret,
                    })
                );
            } else if let (Some(url), Some(secret)) = (&url, &secret) {
                print_webhook_secret(url, secret);
            } else {
                println!(
                    "Webhook klien layanan {id} dihapus; peristiwa yang belum terkirim dibuang."
                );
            }
            Ok(())
        }
        Command::Backup { to } => {
            backup(&config, &to).await?;
            println!(
                "Cadangan basis data ditulis ke {}. Simpan juga kunci utama (TPO_SECRET_KEY atau {}): tanpa kunci itu cadangan tidak dapat dibaca.",
                to.display(),
                config.data_dir.join("secret.key").display()
            );
            Ok(())
        }
        Command::SeedBulk {
            signers,
            devices,
            first,
            password,
        } => {
            let plan = seed_bulk::Plan {
                signers,
                devices,
                first,
                password: password
                    .as_deref()
                    .map(NewPassword::parse)
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
            };
            let svc = build_services(&config, Arc::new(SystemClock)).await?;
            let seeded = seed_bulk::seed(&svc, &plan).await;
            svc.db.close().await;
            let seeded = seeded?;
            println!(
                "{} penanda tangan dengan {} perangkat ditambahkan dalam {:.1} s (menyegel NIK dan kunci: {:.1} s).",
                seeded.signers,
                seeded.devices,
                seeded.elapsed.as_secs_f64(),
                seeded.sealing.as_secs_f64()
            );
            Ok(())
        }
        Command::RotateKey {
            generate,
            batch,
            max_batches,
        } => {
            let said =
                crate::key_rotation::rotate_key(&config, generate, batch, max_batches).await?;
            println!("{said}");
            Ok(())
        }
        Command::RetireKey { version } => {
            println!(
                "{}",
                crate::key_rotation::retire_key(&config, version).await?
            );
            Ok(())
        }
        Command::SeedDemo { json } => {
            let svc = build_services(&config, Arc::new(SystemClock)).await?;
            let logins = demo::seed(&svc).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&logins)?);
            } else {
                demo::print_table(&logins, &config.public_base_url);
            }
            svc.db.close().await;
            Ok(())
        }
    }
}

fn parse_client_id(text: &str) -> anyhow::Result<ServiceClientId> {
    ServiceClientId::parse(text.trim())
        .ok_or_else(|| anyhow!("\"{text}\" bukan id klien layanan (32 karakter heksadesimal)."))
}

fn print_webhook_secret(url: &WebhookUrl, secret: &str) {
    println!("Webhook: {url}");
    println!("Rahasia penanda tangan webhook (hanya ditampilkan sekali ini, simpan di AMS):");
    println!("{secret}");
}

async fn serve(config: Config) -> anyhow::Result<()> {
    tracing::info!(config = ?config.redacted(), "starting");
    config.check_public_base_url()?;
    if config.seed_demo {
        let svc = build_services(&config, Arc::new(SystemClock)).await?;
        let mut conn = svc.db.pool().acquire().await?;
        let empty = accounts_repo::count(&mut conn).await? == 0;
        drop(conn);
        if empty {
            let logins = demo::seed(&svc).await?;
            demo::print_table(&logins, &config.public_base_url);
        }
        svc.db.close().await;
    }
    let app = Application::start(config.clone(), Arc::new(SystemClock)).await?;
    tracing::info!(url = %config.public_base_url, addr = %app.addr(), "Tambah Perangkat OTP is ready");
    println!(
        "Tambah Perangkat OTP berjalan di {}",
        config.public_base_url
    );
    app.run_until_signal().await;
    Ok(())
}

async fn create_with_devices(
    config: Config,
    account: NewAccount,
    device_names: &[String],
    json: bool,
) -> anyhow::Result<()> {
    let svc = build_services(&config, Arc::new(SystemClock)).await?;
    let email = account.email.clone();
    let now = svc.now();
    let id = create_account(&svc, account, Actor::System, now).await?;
    let mut devices = Vec::new();
    for (age, name) in device_names.iter().enumerate() {
        let name = DeviceName::parse(name).map_err(anyhow::Error::msg)?;
        // Oldest first, a minute apart, so their order is the order given.
        let added_at = now - (device_names.len() - age) as i64 * 60;
        let (secret, _) = provision_device(&svc, &id, &name, added_at)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        devices.push(demo::DemoDevice {
            name: name.to_string(),
            secret: secret.to_base32(),
            otpauth_uri: secret.otpauth_uri(&svc.settings.brand, email.as_str()),
        });
    }
    if json {
        println!(
            "{}",
            serde_json::json!({ "id": id, "email": email.as_str(), "devices": devices })
        );
    } else {
        println!("Akun {email} dibuat.");
        for device in &devices {
            println!(
                "Perangkat OTP \"{}\": kunci untuk aplikasi Authenticator: {}",
                device.name, device.secret
            );
            println!("  atau buka: {}", device.otpauth_uri);
        }
    }
    svc.db.close().await;
    Ok(())
}

/// `server backup`: an online copy of the SQLite database in `to` (a new
/// file, readable by its owner only).
pub async fn backup(config: &Config, to: &std::path::Path) -> anyhow::Result<()> {
    if !config.database_url.starts_with("sqlite:") {
        return Err(anyhow!(
            "`server backup` menyalin basis data SQLite. Untuk PostgreSQL gunakan pg_dump (lihat README, bagian \"Backups\")."
        ));
    }
    if to.exists() {
        return Err(anyhow!(
            "{} sudah ada: pilih nama berkas cadangan yang baru.",
            to.display()
        ));
    }
    let path = to
        .to_str()
        .ok_or_else(|| anyhow!("{} bukan jalur UTF-8.", to.display()))?;
    let db = app::platform::db::Db::connect(&config.database_url, 1)
        .await
        .context("connecting to the database")?;
    let copied = db.sqlite_backup_into(path).await;
    db.close().await;
    copied.with_context(|| format!("writing the backup {}", to.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("making {} private", to.display()))?;
    Ok(())
}

/// `server import-signers`: the report of importing (or, with `dry_run`,
/// checking) the file against the configured database, audited as the
/// command line.
pub async fn import_signers(
    config: &Config,
    file: &std::path::Path,
    photos: Option<PathBuf>,
    dry_run: bool,
) -> anyhow::Result<ImportReport> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if size > MAX_CSV_BYTES as u64 {
        return Err(anyhow!(
            "{}",
            app::signer_import::parse::FileError::TooLarge
        ));
    }
    let csv = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    if let Some(folder) = &photos
        && !folder.is_dir()
    {
        return Err(anyhow!("Folder foto {} tidak ada.", folder.display()));
    }
    let svc = build_services(config, Arc::new(SystemClock)).await?;
    let mode = if dry_run { Mode::DryRun } else { Mode::Apply };
    let report = import(
        &svc,
        &csv,
        &PhotoFolder(photos),
        mode,
        Actor::CommandLine,
        None,
        svc.now(),
    )
    .await;
    svc.db.close().await;
    report.map_err(|e| anyhow!("{e}"))
}

/// The report as a table, then the summary line.
fn print_report(report: &ImportReport) {
    if report.dry_run {
        println!("Uji coba: tidak ada yang disimpan.");
    }
    let email_width = report
        .rows
        .iter()
        .map(|row| row.email.chars().count())
        .chain([5])
        .max()
        .unwrap_or(5);
    println!(
        "{:>5}  {:<email_width$}  {:<13}  Keterangan",
        "Baris", "Email", "Hasil"
    );
    for row in &report.rows {
        let line = format!(
            "{:>5}  {:<email_width$}  {:<13}  {}",
            row.line,
            row.email,
            row.outcome.label(),
            row.outcome.detail()
        );
        println!("{}", line.trim_end());
    }
    println!("{}", report.summary());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create_args(extra: &[&str]) -> Result<Cli, clap::Error> {
        let mut args = vec![
            "server",
            "create-service-client",
            "--name",
            "AMS",
            "--scopes",
            "validate",
        ];
        args.extend_from_slice(extra);
        Cli::try_parse_from(args)
    }

    fn budget_of(cli: Cli) -> u32 {
        match cli.command {
            Some(Command::CreateServiceClient {
                calls_per_minute, ..
            }) => calls_per_minute.into(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_service_client_budget_is_bounded_on_the_command_line() {
        assert_eq!(budget_of(create_args(&[]).unwrap()), 6_000);
        assert_eq!(
            budget_of(create_args(&["--calls-per-minute", "120"]).unwrap()),
            120
        );
        for bad in ["0", "100001", "-1", "many"] {
            let error = create_args(&[&format!("--calls-per-minute={bad}")]).unwrap_err();
            assert!(
                error.to_string().contains("antara 1 dan 100.000"),
                "{bad}: {error}"
            );
        }
    }
}
