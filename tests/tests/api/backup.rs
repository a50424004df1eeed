//! The backup and restore drill on both databases: an online backup of a
//! running server (`server backup` on SQLite, `pg_dump` on PostgreSQL),
//! restored into a fresh instance started with the same master key. There
//! the signer logs in with password and a code from each device, every
//! stored device secret opens, and a new request gets its ticket and mail.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;

use crate::helpdesk::open_request;
use crate::helpers::{Backend, Options, TestAccount, TestApp, spawn_app, spawn_prepared};
use crate::on_both_backends;
use crate::otp_setup::enrolled_device;
use crate::secrets_at_rest::postgres_bin;
use app::otp_devices::totp::TotpSecret;

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Backs the running `app` up into a new file outside its data directory.
async fn back_up(app: &TestApp, backend: Backend) -> PathBuf {
    let mut name = [0u8; 8];
    getrandom::fill(&mut name).unwrap();
    let file = std::env::temp_dir().join(format!("tpo-backup-{}", hex::encode(name)));
    match backend {
        Backend::Sqlite => {
            server::cli::backup(&app.second_config(&Options::default()), &file)
                .await
                .expect("server backup");
            let again = server::cli::backup(&app.second_config(&Options::default()), &file).await;
            assert!(
                again.unwrap_err().to_string().contains("sudah ada"),
                "an existing backup is never overwritten"
            );
        }
        Backend::Postgres => run(Command::new(postgres_bin("pg_dump"))
            .args(["--format=custom", "--no-owner", "--dbname"])
            .arg(&app.database_url)
            .arg("--file")
            .arg(&file)),
    }
    use std::os::unix::fs::PermissionsExt;
    assert!(
        std::fs::metadata(&file).unwrap().len() > 10_000,
        "a whole backup"
    );
    if backend == Backend::Sqlite {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the backup is private: {mode:o}");
    }
    file
}

/// Restores `backup` (and the master key file of `original`) into the fresh
/// database and data directory of a new instance, before it starts.
async fn restore(original: &TestApp, backend: Backend, backup: &Path) -> TestApp {
    let key = original.data_dir.join("secret.key");
    spawn_prepared(backend, Options::default(), async |config| {
        std::fs::copy(&key, config.data_dir.join("secret.key")).unwrap();
        match backend {
            Backend::Sqlite => {
                std::fs::copy(backup, config.data_dir.join("tambah-otp.db")).unwrap();
            }
            Backend::Postgres => run(Command::new(postgres_bin("pg_restore"))
                .args(["--no-owner", "--exit-on-error", "--dbname"])
                .arg(&config.database_url)
                .arg(backup)),
        }
    })
    .await
}

/// How many rows `table` has.
async fn rows(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

/// Logs `signer` in with the password and a current code of `secret`.
async fn logs_in_with(app: &TestApp, signer: &TestAccount, secret: &TotpSecret) -> StatusCode {
    let client = app.client();
    assert_eq!(app.enter_password(&client, signer).await.0, StatusCode::OK);
    app.call(&client, "login/code", &[("code", &app.code(secret, 0))])
        .await
        .0
}

async fn a_restored_backup_serves_the_journey_and_every_device(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let new_secret = enrolled_device(&app, &signer, "Hp Baru").await;
    let backup = back_up(&app, backend).await;
    let restored = restore(&app, backend, &backup).await;
    std::fs::remove_file(&backup).unwrap();
    restored.clock.set(app.now() + 60);
    for table in ["accounts", "otp_devices", "tickets", "selfies", "audit_log"] {
        assert_eq!(
            rows(&restored, table).await,
            rows(&app, table).await,
            "{table} restored whole"
        );
    }
    app.stop().await;

    let devices: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT id, secret_sealed FROM otp_devices")
            .fetch_all(restored.services().db.pool())
            .await
            .unwrap();
    assert_eq!(
        devices.len(),
        3,
        "the signer's two devices and the verifier's"
    );
    for (id, sealed) in &devices {
        assert!(
            restored.services().keys.open(id.as_bytes(), sealed).is_ok(),
            "device {id} opens under the restored key"
        );
    }
    assert_eq!(
        logs_in_with(&restored, &signer, signer.secret(0)).await,
        StatusCode::OK,
        "the first device logs in on the restored instance"
    );
    restored.clock.advance(30);
    assert_eq!(
        logs_in_with(&restored, &signer, &new_secret).await,
        StatusCode::OK,
        "the device added before the backup logs in on the restored instance"
    );
    let tickets = rows(&restored, "tickets").await;
    let (number, link) = open_request(&restored, &signer).await;
    assert!(link.starts_with(&restored.base), "{link}");
    assert_eq!(rows(&restored, "tickets").await, tickets + 1, "#{number}");
    restored.stop().await;
}

on_both_backends!(a_restored_backup_serves_the_journey_and_every_device);
