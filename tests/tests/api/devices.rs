//! Devices: the limit with oldest-first eviction under concurrency, the
//! logged-in add-device flow, rename and remove.

use std::collections::HashSet;

use app::audit::Actor;
use app::ids::AccountId;
use app::otp_devices::Channel;
use app::otp_devices::service::{NewDevice, add_device};
use app::otp_devices::totp::{TotpSecret, step_at};
use app::otp_devices::types::{DeviceName, OtpCode};
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;

fn base32(text: &str) -> Vec<u8> {
    data_encoding::BASE32_NOPAD
        .decode(text.as_bytes())
        .expect("base32 key")
}

use crate::helpers::{AccountSpec, Backend, TestAccount, TestApp, spawn_app};
use crate::on_both_backends;

/// Adds a device through the one domain operation, in its own transaction.
pub async fn add(
    app: &TestApp,
    account_id: &str,
    name: &str,
) -> Result<app::otp_devices::service::AddedDevice, String> {
    let svc = app.services();
    let secret = TotpSecret::generate();
    let now = app.now();
    let code = OtpCode::parse(&secret.code_for_step(step_at(now), 6)).unwrap();
    let name = DeviceName::parse(name).unwrap();
    let account_id = AccountId::parse(account_id).expect("an account id");
    let mut tx = svc.db.begin_write().await.map_err(|e| e.to_string())?;
    let added = add_device(
        &mut tx,
        svc,
        NewDevice {
            account_id: &account_id,
            name: &name,
            secret: &secret,
            code: &code,
            channel: Channel::AccountPage,
            actor: Actor::System,
            ticket_id: None,
            adding_session: None,
        },
        None,
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(added)
}

async fn fifty_concurrent_additions_leave_the_newest_three(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app
        .create_account(AccountSpec {
            devices: &[],
            ..Default::default()
        })
        .await;
    let names: Vec<String> = (1..=50).map(|i| format!("Perangkat {i:02}")).collect();
    let results = join_all(names.iter().map(|name| add(&app, &signer.id, name))).await;
    let added: Vec<_> = results
        .into_iter()
        .map(|r| r.expect("every addition succeeds"))
        .collect();

    let remaining = app.device_names(&signer.id).await;
    assert_eq!(remaining.len(), 3, "{remaining:?}");
    let mut by_position = added.clone();
    by_position.sort_by_key(|a| a.position);
    let newest: Vec<String> = by_position
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|a| a.name.clone())
        .collect();
    assert_eq!(
        remaining, newest,
        "the three added last remain, oldest first"
    );

    let evicted: HashSet<String> = added
        .iter()
        .flat_map(|a| a.evicted.iter().map(|d| d.name.clone()))
        .collect();
    assert_eq!(
        evicted.len(),
        47,
        "every other device was evicted exactly once"
    );
    for addition in &added {
        for old in &addition.evicted {
            let old_position = added.iter().find(|a| a.name == old.name).unwrap().position;
            assert!(
                old_position < addition.position,
                "{} evicted a newer device {}",
                addition.name,
                old.name
            );
        }
    }
    app.stop().await;
}

/// A signer with three devices, the limit: "Hp Kantor" the oldest.
async fn at_the_limit(app: &TestApp) -> TestAccount {
    app.create_account(AccountSpec {
        devices: &["Hp Kantor", "Tablet", "Hp Pribadi"],
        ..Default::default()
    })
    .await
}

async fn eviction_removes_the_device_added_longest_ago(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = at_the_limit(&app).await;
    let added = add(&app, &signer.id, "Hp Baru").await.unwrap();
    assert_eq!(added.evicted.len(), 1);
    assert_eq!(added.evicted[0].name, "Hp Kantor");
    assert_eq!(
        app.device_names(&signer.id).await,
        ["Tablet", "Hp Pribadi", "Hp Baru"]
    );
    assert_eq!(app.audit_count(&signer.id, "device_evicted").await, 1);
    app.stop().await;
}

/// Logs in with device 0, confirms with a fresh code, and fetches the QR step.
async fn start_adding(app: &TestApp, signer: &TestAccount) -> (reqwest::Client, TotpSecret) {
    let client = app.client();
    assert_eq!(app.log_in(&client, signer, 0).await, StatusCode::OK);
    app.clock.advance(30);
    let code = app.code(signer.secret(0), 0);
    assert_eq!(
        app.call(&client, "account/confirm", &[("code", &code)])
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = app.call(&client, "account/devices/new", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let view: Value = serde_json::from_str(&body).unwrap();
    let key = view["Pending"]["manual_key"]
        .as_str()
        .unwrap()
        .replace(' ', "");
    (client, TotpSecret::from_bytes(base32(&key)))
}

async fn adding_on_the_account_page_at_the_limit_evicts_the_oldest_and_ends_its_sessions(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let signer = at_the_limit(&app).await;
    // A session opened with the oldest device, elsewhere.
    let old_session = app.client();
    assert_eq!(app.log_in(&old_session, &signer, 0).await, StatusCode::OK);
    app.clock.advance(30);

    let other = TestAccount {
        devices: signer.devices[1..].to_vec(),
        ..signer.clone()
    };
    let (client, new_secret) = start_adding(&app, &other).await;
    // The same QR is shown again on refresh.
    let (_, again) = app.call(&client, "account/devices/new", &[]).await;
    let again: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(
        base32(
            &again["Pending"]["manual_key"]
                .as_str()
                .unwrap()
                .replace(' ', "")
        ),
        new_secret.as_bytes()
    );

    let code = app.code(&new_secret, 0);
    let (status, body) = app
        .call(
            &client,
            "account/devices/add",
            &[("name", "  Hp  Baru Ñandú "), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(result["name"], "Hp Baru Ñandú");
    assert_eq!(result["evicted"][0]["name"], "Hp Kantor");
    assert_eq!(
        app.device_names(&signer.id).await,
        ["Tablet", "Hp Pribadi", "Hp Baru Ñandú"]
    );
    assert_eq!(
        app.call(&old_session, "account", &[]).await.0,
        StatusCode::UNAUTHORIZED,
        "evicted device's session ended"
    );
    assert_eq!(app.sessions_of_gone_devices(&signer.id).await, 0);
    assert_eq!(app.call(&client, "account", &[]).await.0, StatusCode::OK);
    assert_eq!(
        app.mail_count("device_added", &signer.email).await,
        4,
        "3 provisioned + 1 added"
    );
    // The page says what the addition did once (it is loaded again after
    // the form), then offers a new QR code.
    let (_, shown) = app.call(&client, "account/devices/new", &[]).await;
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["Added"]["name"], "Hp Baru Ñandú");
    assert_eq!(shown["Added"]["evicted"][0]["name"], "Hp Kantor");
    let (_, next) = app.call(&client, "account/devices/new", &[]).await;
    let next: Value = serde_json::from_str(&next).unwrap();
    let next_key = next["Pending"]["manual_key"]
        .as_str()
        .unwrap()
        .replace(' ', "");
    assert_ne!(base32(&next_key), new_secret.as_bytes());
    app.stop().await;
}

/// At the limit, adding from /akun with the very device the session was
/// opened with as the oldest: that device goes, the session goes on with
/// the new one, which its holder has just proved.
async fn the_session_adding_a_device_goes_on_when_its_own_device_is_evicted(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = at_the_limit(&app).await;
    let (client, new_secret) = start_adding(&app, &signer).await;
    let code = app.code(&new_secret, 0);
    let (status, body) = app
        .call(
            &client,
            "account/devices/add",
            &[("name", "Hp Baru"), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        app.device_names(&signer.id).await,
        ["Tablet", "Hp Pribadi", "Hp Baru"]
    );
    assert_eq!(app.call(&client, "account", &[]).await.0, StatusCode::OK);
    let new_device = app.device_ids(&signer.id).await[2].clone();
    let on_new_device: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions WHERE account_id = $1 AND device_id = $2",
    )
    .bind(&signer.id)
    .bind(&new_device)
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(on_new_device, 1, "the session now rests on the new device");
    let (_, shown) = app.call(&client, "account/devices/new", &[]).await;
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["Added"]["evicted"][0]["name"], "Hp Kantor");
    app.stop().await;
}

async fn adding_needs_a_fresh_code_and_a_right_first_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let client = app.client();
    assert_eq!(app.log_in(&client, &signer, 0).await, StatusCode::OK);
    let (status, body) = app.call(&client, "account/devices/new", &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("masukkan dulu kode OTP"), "{body}");

    app.clock.advance(30);
    let (client, new_secret) = start_adding(&app, &signer).await;
    let wrong = app.code(&new_secret, 3);
    let (status, body) = app
        .call(
            &client,
            "account/devices/add",
            &[("name", "Hp Baru"), ("code", &wrong)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body.contains("Kode OTP INVALID") && body.contains("lebih cepat sekitar 90 detik"),
        "{body}"
    );
    let (status, body) = app
        .call(
            &client,
            "account/devices/add",
            &[("name", "hp lama"), ("code", &app.code(&new_secret, 0))],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body.contains("sudah dipakai di akun Anda"),
        "name is unique ignoring case: {body}"
    );
    let (status, _) = app
        .call(
            &client,
            "account/devices/add",
            &[("name", "Hp\u{200B}Baru"), ("code", "123456")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.device_names(&signer.id).await,
        ["Hp Lama"],
        "nothing was added"
    );
    app.stop().await;
}

async fn rename_and_remove_follow_the_rules(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app
        .create_account(AccountSpec {
            devices: &["Hp Lama", "Tablet"],
            ..Default::default()
        })
        .await;
    let client = app.client();
    assert_eq!(app.log_in(&client, &signer, 0).await, StatusCode::OK);
    let ids = app.device_ids(&signer.id).await;

    let (status, _) = app
        .call(
            &client,
            "account/devices/rename",
            &[("device_id", &ids[1]), ("name", "HP LAMA")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "names are unique ignoring case"
    );
    let (status, _) = app
        .call(
            &client,
            "account/devices/rename",
            &[("device_id", &ids[1]), ("name", "Tablet Kantor")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = app
        .call(
            &client,
            "account/devices/remove",
            &[("device_id", &ids[1]), ("password", "salah")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("Kata sandi salah"), "{body}");
    let (status, _) = app
        .call(
            &client,
            "account/devices/remove",
            &[("device_id", &ids[1]), ("password", &signer.password)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.device_names(&signer.id).await, ["Hp Lama"]);
    assert_eq!(app.mail_count("device_removed", &signer.email).await, 1);

    let (status, body) = app
        .call(
            &client,
            "account/devices/remove",
            &[("device_id", &ids[0]), ("password", &signer.password)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body.contains("Perangkat terakhir tidak dapat dihapus"),
        "{body}"
    );
    app.stop().await;
}

async fn removing_the_session_device_logs_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app
        .create_account(AccountSpec {
            devices: &["Hp Lama", "Tablet"],
            ..Default::default()
        })
        .await;
    let client = app.client();
    assert_eq!(app.log_in(&client, &signer, 0).await, StatusCode::OK);
    let first = app.device_ids(&signer.id).await[0].clone();
    let (status, _) = app
        .call(
            &client,
            "account/devices/remove",
            &[("device_id", &first), ("password", &signer.password)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.call(&client, "account", &[]).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.sessions_of_gone_devices(&signer.id).await, 0);
    app.stop().await;
}

on_both_backends!(
    fifty_concurrent_additions_leave_the_newest_three,
    eviction_removes_the_device_added_longest_ago,
    adding_on_the_account_page_at_the_limit_evicts_the_oldest_and_ends_its_sessions,
    the_session_adding_a_device_goes_on_when_its_own_device_is_evicted,
    adding_needs_a_fresh_code_and_a_right_first_code,
    rename_and_remove_follow_the_rules,
    removing_the_session_device_logs_out,
);
