//! `server rotate-key` and `server retire-key` on a database holding a whole
//! journey: a new key version is added, re-sealing stops after a batch and
//! resumes while the server keeps serving both versions, every device still
//! verifies and NIKs still match, then the old version is retired, after
//! which a server without it works and one with only it refuses to start.

use app::platform::master_key::rotation::sealed_under;
use reqwest::StatusCode;
use server::key_rotation::{retire_key, rotate_key};
use server::{Application, Config};

use crate::helpdesk::request_otp;
use crate::helpers::{AccountSpec, Backend, Options, TestAccount, TestApp, spawn_app};
use crate::on_both_backends;
use crate::otp_setup::enrolled_device;
use crate::secrets_at_rest::siti_with_open_request;

/// Replaces the test's server process with one started from `config` (as
/// an operator restarts the servers with the new key file).
async fn restart(app: &mut TestApp, config: Config) {
    if let Some(running) = app.app.take() {
        running.stop().await;
    }
    let started = Application::start(config, app.clock.clone())
        .await
        .expect("the server starts");
    app.base = format!("http://{}", started.addr());
    app.app = Some(started);
}

/// Logs in with each of `devices` of `signer` (the code step checks the
/// sealed secrets), one TOTP step apart.
async fn every_device_logs_in(app: &TestApp, signer: &TestAccount, devices: &[usize]) {
    for &device in devices {
        app.clock.advance(30);
        assert_eq!(
            app.log_in(&app.client(), signer, device).await,
            StatusCode::OK,
            "device {device}"
        );
    }
}

async fn under_v1_now(app: &TestApp) -> i64 {
    sealed_under(&app.services().db, 1).await.unwrap()
}

async fn start_refusal(app: &TestApp, config: Config) -> Option<String> {
    match Application::start(config, app.clock.clone()).await {
        Ok(started) => {
            started.stop().await;
            None
        }
        Err(why) => Some(format!("{why:#}")),
    }
}

async fn a_rotated_key_reseals_everything_and_the_old_one_retires(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let signer = app
        .create_account(AccountSpec {
            devices: &["Hp Lama", "Tablet"],
            ..Default::default()
        })
        .await;
    let added = enrolled_device(&app, &signer, "Hp Baru").await;
    let signer = TestAccount {
        devices: [signer.devices.clone(), vec![("Hp Baru".into(), added)]].concat(),
        ..signer
    };
    siti_with_open_request(&app).await;
    let config = app.second_config(&Options::default());
    let key_file = app.data_dir.join("secret.key");
    let old_key = std::fs::read_to_string(&key_file)
        .unwrap()
        .trim()
        .to_string();
    let under_v1 = under_v1_now(&app).await;
    assert!(under_v1 >= 6, "NIKs, device secrets, mail: {under_v1}");

    let said = rotate_key(&config, true, 500, None).await.unwrap();
    assert!(said.contains("versi 2 ditambahkan"), "{said}");
    restart(&mut app, config.clone()).await;
    // One batch of two, then stopped: the server serves both versions.
    let said = rotate_key(&config, false, 2, Some(1)).await.unwrap();
    assert!(said.contains("Berhenti setelah 1 batch (2 nilai"), "{said}");
    // (The mail worker may have sent and removed a sealed body meanwhile.)
    let left = under_v1_now(&app).await;
    assert!(
        (1..=under_v1 - 2).contains(&left),
        "{left} of {under_v1} left"
    );
    every_device_logs_in(&app, &signer, &[0, 1, 2]).await;
    let why = format!("{:#}", retire_key(&config, 1).await.unwrap_err());
    assert!(why.contains("version 1 still seals"), "{why}");

    // The rest, resumed.
    let said = rotate_key(&config, false, 2, None).await.unwrap();
    assert!(said.starts_with("Selesai"), "{said}");
    assert_eq!(under_v1_now(&app).await, 0);
    let said = retire_key(&config, 1).await.unwrap();
    assert!(said.contains("versi 1 dipensiunkan"), "{said}");
    let file = std::fs::read_to_string(&key_file).unwrap();
    assert!(!file.contains(&old_key), "the old key left the key file");

    // A server with the new version only: every device verifies, and the
    // NIKs, re-digested, still match a helpdesk request.
    restart(&mut app, config.clone()).await;
    every_device_logs_in(&app, &signer, &[0, 1, 2]).await;
    let request = async |nik: &str| {
        request_otp(&app, &app.client(), &signer.email, "Budi Santoso", nik).await
    };
    let (status, body) = request("3201011508900001").await;
    assert_eq!(status, StatusCode::OK, "the NIK still matches: {body}");
    let (status, body) = request("3201011508900002").await;
    assert_eq!(status, StatusCode::CONFLICT, "another NIK does not: {body}");

    // With only the retired key a server refuses, saying which is missing.
    let only_old = Config {
        secret_key: old_key,
        ..config.clone()
    };
    let why = start_refusal(&app, only_old).await.expect("refused");
    assert!(
        why.contains("the database still uses master key version 2"),
        "{why}"
    );
    app.stop().await;
}

on_both_backends!(a_rotated_key_reseals_everything_and_the_old_one_retires);
