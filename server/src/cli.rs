//! The `server` command line: run (default), migrate, create accounts, set
//! reference photos, seed demo data.

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
use app::otp_devices::service::provision_device;
use app::otp_devices::types::DeviceName;
use app::platform::clock::SystemClock;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::demo;
use crate::startup::{Application, build_services, connect_and_migrate};

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
    /// Add demo signers, a verifier and an admin; print their logins.
    SeedDemo {
        /// Print the logins as JSON (for scripts and tests).
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref()).context("reading configuration")?;
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

async fn serve(config: Config) -> anyhow::Result<()> {
    tracing::info!(config = ?config.redacted(), "starting");
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
