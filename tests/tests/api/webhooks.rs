//! Signed event webhooks: a receiver that is down for a while gets every
//! event once, in order, signed; events exist only with their change; two
//! server processes never deliver one event twice.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use app::accounts::types::Role;
use app::audit::Actor;
use app::events::Event;
use app::events::repo as events_repo;
use app::ids::AccountId;
use app::service_clients::service::{Change, CreatedClient, change, create_with_webhook};
use app::service_clients::types::{
    AllowList, CallsPerMinute, ClientName, NewClient, Scopes, WebhookUrl,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::devices::add;
use crate::helpers::{AccountSpec, Backend, TestApp, free_port, spawn_app, wait_until};
use crate::on_both_backends;
use crate::otp_setup::{approved_link, complete, revealed_page, secret_from};

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    path: String,
    pub(crate) event: String,
    delivery: String,
    signature: String,
    body: String,
    /// Whether the receiver answered 2xx (acknowledged it).
    acknowledged: bool,
}

/// A webhook receiver on loopback that answers 503 until told to accept.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    accepting: Arc<AtomicBool>,
    got: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    pub(crate) async fn start_on(port: u16, accepting: bool) -> Self {
        let receiver = Self::default();
        receiver.accepting.store(accepting, Ordering::SeqCst);
        let router = Router::new()
            .route("/{*path}", post(Self::receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .expect("the receiver's port is free");
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        receiver
    }

    async fn receive(
        State(receiver): State<Self>,
        uri: axum::http::Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let header = |name: &str| {
            headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let acknowledged = receiver.accepting.load(Ordering::SeqCst);
        receiver.got.lock().unwrap().push(Delivery {
            path: uri.path().to_string(),
            event: header("x-tpo-event"),
            delivery: header("x-tpo-delivery"),
            signature: header("x-tpo-signature"),
            body: String::from_utf8(body.to_vec()).unwrap(),
            acknowledged,
        });
        match acknowledged {
            true => StatusCode::NO_CONTENT,
            false => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub(crate) fn acknowledged(&self, path: &str) -> Vec<Delivery> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|d| d.acknowledged && d.path == path)
            .cloned()
            .collect()
    }

    fn refused(&self) -> usize {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|d| !d.acknowledged)
            .count()
    }
}

/// A client with the events scope and a webhook at `url`.
async fn subscriber(app: &TestApp, name: &str, url: &str) -> CreatedClient {
    let client = NewClient {
        name: ClientName::parse(name).unwrap(),
        scopes: Scopes::parse("validate,events").unwrap(),
        allow_from: AllowList::default(),
        calls_per_minute: CallsPerMinute::DEFAULT,
    };
    create_with_webhook(
        app.services(),
        &client,
        &WebhookUrl::parse(url).unwrap(),
        Actor::CommandLine,
        None,
        app.now(),
    )
    .await
    .unwrap()
}

/// Checks `X-TPO-Signature` as a receiver would: HMAC-SHA256 keyed with the
/// secret over "<t>.<body>", and `t` within five minutes of `now`.
pub(crate) fn assert_signed(delivery: &Delivery, secret: &str, now: i64) {
    let (t, v1) = delivery
        .signature
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
        .unwrap_or_else(|| panic!("signature header: {:?}", delivery.signature));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", delivery.body).as_bytes());
    mac.verify_slice(&hex::decode(v1).unwrap())
        .unwrap_or_else(|_| panic!("a valid signature on {}", delivery.body));
    let t: i64 = t.parse().unwrap();
    assert!((now - t).abs() <= 300, "signed at {t}, now {now}");
}

async fn undelivered(app: &TestApp) -> i64 {
    events_repo::depth(app.services().db.pool(), app.now())
        .await
        .unwrap()
        .undelivered
}

/// (attempts, last_error) of the client's first event.
async fn first_event_state(app: &TestApp) -> (i64, Option<String>) {
    sqlx::query_as("SELECT attempts, last_error FROM webhook_events ORDER BY seq LIMIT 1")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

async fn a_receiver_that_was_down_gets_every_event_once_in_order_signed(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app
        .create_account(AccountSpec {
            devices: &["Hp Kantor", "Tablet Rumah"],
            ..Default::default()
        })
        .await;
    let port = free_port();
    let client = subscriber(
        &app,
        "AMS uji",
        &format!("http://127.0.0.1:{port}/hooks/tpo"),
    )
    .await;
    let secret = client.webhook_secret.clone().expect("the secret is shown");
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );

    // While nothing listens on the port: the OTP request and its setup…
    let link = approved_link(&app, &signer).await;
    let new_secret = secret_from(&revealed_page(&app, &link).await);
    let (status, body) = complete(&app, &link, "Hp Baru", &app.code(&new_secret, 0)).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    // …the holder removes a device on the account page…
    let site = app.client();
    assert_eq!(app.log_in(&site, &signer, 0).await, reqwest::StatusCode::OK);
    let tablet = app.device_ids(&signer.id).await[1].clone();
    let (status, body) = app
        .call(
            &site,
            "account/devices/remove",
            &[("device_id", &tablet), ("password", &signer.password)],
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    // …two more devices, the second past the limit of three…
    add(&app, &signer.id, "Hp Cadangan").await.unwrap();
    let added = add(&app, &signer.id, "Hp Keempat").await.unwrap();
    assert_eq!(added.evicted[0].name, "Hp Kantor");
    // …and wrong codes through the validation API until the pause starts.
    for _ in 0..5 {
        let response = reqwest::Client::new()
            .post(app.url("/api/v1/validate"))
            .bearer_auth(&client.token)
            .json(&json!({ "signer": signer.email, "code": "000000" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
    }
    // A verifier's own devices are no signer's events.
    let _staff = app.staff(Role::Admin, "admin.uji@bsre.go.id").await;

    let expected = [
        "ticket.opened",
        "device.added",
        "ticket.completed",
        "device.removed",
        "device.added",
        "device.added",
        "device.evicted",
        "account.locked",
    ];
    assert_eq!(undelivered(&app).await, expected.len() as i64);
    wait_until("the worker to find the receiver down", async || {
        first_event_state(&app).await.1.as_deref() == Some("tidak dapat terhubung")
    })
    .await;
    app.clock.advance(90);
    let depth = events_repo::depth(app.services().db.pool(), app.now())
        .await
        .unwrap();
    assert!(depth.oldest_age_seconds >= 90, "{depth:?}");

    // It comes back answering 503 for a while…
    let receiver = Receiver::start_on(port, false).await;
    app.clock.advance(600);
    wait_until("an attempt answered 503", async || {
        first_event_state(&app).await.1.as_deref() == Some("HTTP 503")
    })
    .await;
    assert!(receiver.refused() >= 1);
    assert!(
        receiver.acknowledged("/hooks/tpo").is_empty(),
        "nothing is acknowledged yet"
    );
    // …then accepts.
    receiver.accepting.store(true, Ordering::SeqCst);
    app.clock.advance(600);
    wait_until("every event delivered", async || {
        undelivered(&app).await == 0
    })
    .await;

    let got = receiver.acknowledged("/hooks/tpo");
    let types: Vec<&str> = got.iter().map(|d| d.event.as_str()).collect();
    assert_eq!(types, expected, "each event once, in order");
    let mut ids: Vec<&str> = got.iter().map(|d| d.delivery.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), expected.len(), "distinct delivery ids");
    let now = app.now().secs();
    let bodies: Vec<Value> = got
        .iter()
        .map(|d| {
            assert_signed(d, &secret, now);
            assert!(!d.body.contains("3201011508900001"), "no NIK: {}", d.body);
            let body: Value = serde_json::from_str(&d.body).unwrap();
            assert_eq!(body["id"], d.delivery.as_str());
            assert_eq!(body["type"], d.event.as_str());
            assert_eq!(body["signer"]["email"], signer.email.as_str());
            assert!(body["occurred_at"].as_str().unwrap().ends_with('Z'));
            body
        })
        .collect();
    let device = |i: usize| bodies[i]["data"]["device"].as_str().unwrap_or_default();
    assert_eq!(
        [device(1), device(3), device(4), device(5), device(6)],
        [
            "Hp Baru",
            "Tablet Rumah",
            "Hp Cadangan",
            "Hp Keempat",
            "Hp Kantor"
        ]
    );
    assert_eq!(bodies[0]["data"]["channel"], "web");
    assert_eq!(bodies[0]["data"]["ticket"], bodies[2]["data"]["ticket"]);
    assert_eq!(bodies[6]["data"]["replaced_by"], "Hp Keempat");
    assert_eq!(bodies[7]["data"]["reason"], "paused");
    assert_eq!(bodies[7]["data"]["consecutive_failures"], 5);

    // The retries are on record: the first event was tried while the
    // receiver was down (twice when the worker's retry, due once the clock
    // moves 90 s, wins the race with the receiver's start), refused, then
    // delivered.
    let (attempts, last_error) = first_event_state(&app).await;
    assert!((3..=4).contains(&attempts), "{attempts} attempts");
    assert_eq!(last_error, None);
    let retried: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events WHERE attempts > 1")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    assert_eq!(
        retried, 1,
        "later events waited their turn instead of failing"
    );
    app.stop().await;
}

async fn event_rows(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT service_client_id, event_type FROM webhook_events ORDER BY id")
        .fetch_all(app.services().db.pool())
        .await
        .unwrap()
}

async fn an_event_exists_only_with_its_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    // Port 9 (discard) on loopback: deliveries fail and stay in the outbox.
    let subscribed = subscriber(&app, "AMS uji", "http://127.0.0.1:9/hook").await;
    let _validate_only = crate::validation_api::client_token(&app, "validate", &[]).await;

    // A device added in a transaction that then fails: neither is kept.
    let svc = app.services();
    let mut tx = svc.db.begin_write().await.unwrap();
    let account_id = AccountId::parse(&signer.id).unwrap();
    events_repo::record(
        &mut tx,
        &account_id,
        &Event::DeviceRemoved { device: "Hp Lama" },
        app.now(),
    )
    .await
    .unwrap();
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM webhook_events")
            .fetch_one(&mut *tx)
            .await
            .unwrap(),
        1,
        "written inside the transaction"
    );
    drop(tx);
    assert!(event_rows(&app).await.is_empty(), "rolled back with it");

    // A change refused by its rules writes no event either.
    assert!(
        add(&app, &signer.id, "Hp Lama").await.is_err(),
        "name taken"
    );
    assert!(event_rows(&app).await.is_empty());

    // A change that commits: one event, for the subscribed client only.
    add(&app, &signer.id, "Hp Baru").await.unwrap();
    assert_eq!(
        event_rows(&app).await,
        [(subscribed.id.to_string(), "device.added".to_string())]
    );

    // Revoked: its waiting events are dropped and no new ones are made.
    change(
        svc,
        &subscribed.id,
        Change::Revoke,
        Actor::CommandLine,
        None,
        app.now(),
    )
    .await
    .unwrap();
    assert!(event_rows(&app).await.is_empty());
    add(&app, &signer.id, "Hp Ketiga").await.unwrap();
    assert!(event_rows(&app).await.is_empty());
    app.stop().await;
}

async fn two_processes_deliver_each_event_once(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = first.second_process(Default::default()).await;
    let port = free_port();
    let receiver = Receiver::start_on(port, true).await;
    let signer = first.signer().await;
    let hooks = ["/a", "/b"];
    let mut secrets = Vec::new();
    for (i, path) in hooks.iter().enumerate() {
        let client = subscriber(
            &first,
            &format!("AMS {i}"),
            &format!("http://127.0.0.1:{port}{path}"),
        )
        .await;
        secrets.push(client.webhook_secret.unwrap());
    }
    let account_id = AccountId::parse(&signer.id).unwrap();
    let svc = first.services();
    let names: Vec<String> = (0..20).map(|i| format!("Hp {i}")).collect();
    for chunk in names.chunks(5) {
        let mut tx = svc.db.begin_write().await.unwrap();
        for name in chunk {
            let event = Event::DeviceRemoved { device: name };
            events_repo::record(&mut tx, &account_id, &event, first.now())
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    wait_until("every event delivered", async || {
        undelivered(&first).await == 0
    })
    .await;
    let now = first.now().secs();
    for (path, secret) in hooks.iter().zip(&secrets) {
        let got = receiver.acknowledged(path);
        let devices: Vec<String> = got
            .iter()
            .map(|d| {
                assert_signed(d, secret, now);
                let body: Value = serde_json::from_str(&d.body).unwrap();
                body["data"]["device"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(devices, names, "{path}: each event once, in order");
    }
    let claimed_again: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events WHERE attempts <> 1")
            .fetch_one(svc.db.pool())
            .await
            .unwrap();
    assert_eq!(claimed_again, 0, "each event handed to one worker, once");
    first.clock.advance(29 * 86_400);
    first.sweep().await;
    assert_eq!(event_rows(&first).await.len(), 40, "kept for a month");
    first.clock.advance(2 * 86_400);
    first.sweep().await;
    assert!(event_rows(&first).await.is_empty(), "then forgotten");
    second.stop().await;
    first.stop().await;
}

async fn concurrent_changes_of_many_signers_number_events_without_gaps(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = subscriber(&app, "AMS uji", "http://127.0.0.1:9/hook").await;
    let emails: Vec<String> = (0..6)
        .map(|i| format!("penanda{i}@kominfo.go.id"))
        .collect();
    let niks: Vec<String> = (1..=6).map(|i| format!("32010115089000{i:02}")).collect();
    let mut signers = Vec::new();
    for (email, nik) in emails.iter().zip(&niks) {
        let spec = AccountSpec {
            email,
            nik: Some(nik),
            devices: &[],
            ..Default::default()
        };
        signers.push(app.create_account(spec).await);
    }
    let additions: Vec<(&str, String)> = signers
        .iter()
        .flat_map(|s| (0..3).map(move |i| (s.id.as_str(), format!("Hp {i}"))))
        .collect();
    let results =
        futures::future::join_all(additions.iter().map(|(id, name)| add(&app, id, name))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT seq, id FROM webhook_events WHERE service_client_id = $1 ORDER BY seq",
    )
    .bind(client.id.to_string())
    .fetch_all(app.services().db.pool())
    .await
    .unwrap();
    let seqs: Vec<i64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(
        seqs,
        (1..=18).collect::<Vec<_>>(),
        "one number each, no gaps"
    );
    assert!(
        rows.windows(2).all(|w| w[0].1 < w[1].1),
        "numbered in the order the rows were written: {rows:?}"
    );
    app.stop().await;
}

/// `server --config … <args>` against the app's database.
fn command(app: &TestApp, args: &[&str]) -> Result<server::cli::Cli, clap::Error> {
    let config = crate::signer_import::cli_config(app);
    let mut all = vec![
        "server".to_string(),
        "--config".into(),
        config.display().to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    <server::cli::Cli as clap::Parser>::try_parse_from(all)
}

async fn webhook_of(app: &TestApp, id: &str) -> (Option<String>, Option<Vec<u8>>) {
    sqlx::query_as("SELECT webhook_url, webhook_secret_sealed FROM service_clients WHERE id = $1")
        .bind(id)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

async fn the_command_line_sets_rotates_and_removes_a_webhook(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = subscriber(&app, "AMS uji", "https://ams.example.go.id/hooks").await;
    let id = client.id.to_string();
    let (url, first_secret) = webhook_of(&app, &id).await;
    assert_eq!(url.as_deref(), Some("https://ams.example.go.id/hooks"));
    let first_secret = first_secret.expect("sealed secret stored");
    let shown = client.webhook_secret.unwrap();
    assert!(
        !first_secret
            .windows(shown.len())
            .any(|w| w == shown.as_bytes()),
        "the secret is stored sealed, not in clear"
    );

    let set = [
        "set-service-client-webhook",
        "--id",
        &id,
        "--url",
        "https://ams2.example.go.id/tpo",
    ];
    server::cli::run(command(&app, &set).unwrap())
        .await
        .unwrap();
    let (url, second_secret) = webhook_of(&app, &id).await;
    assert_eq!(url.as_deref(), Some("https://ams2.example.go.id/tpo"));
    assert_ne!(
        second_secret.unwrap(),
        first_secret,
        "a new secret each time"
    );

    let plain_http = [
        "set-service-client-webhook",
        "--id",
        &id,
        "--url",
        "http://ams.example.go.id/",
    ];
    let refused = command(&app, &plain_http).unwrap_err().to_string();
    assert!(refused.contains("gunakan https://"), "{refused}");
    let both = [
        "set-service-client-webhook",
        "--id",
        &id,
        "--url",
        "https://a.example/",
        "--none",
    ];
    assert!(command(&app, &both).is_err(), "--url or --none, not both");
    assert!(command(&app, &["set-service-client-webhook", "--id", &id]).is_err());

    let (validate_only, _) = crate::validation_api::client_token(&app, "validate", &[]).await;
    let no_scope = [
        "set-service-client-webhook",
        "--id",
        &validate_only,
        "--url",
        "https://a.example/",
    ];
    let refused = server::cli::run(command(&app, &no_scope).unwrap())
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("cakupan events"), "{refused}");
    let create = [
        "create-service-client",
        "--name",
        "AMS lain",
        "--scopes",
        "validate",
        "--webhook-url",
        "https://a.example/",
    ];
    let refused = server::cli::run(command(&app, &create).unwrap())
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("cakupan events"), "{refused}");

    let clear = ["set-service-client-webhook", "--id", &id, "--none"];
    server::cli::run(command(&app, &clear).unwrap())
        .await
        .unwrap();
    assert_eq!(webhook_of(&app, &id).await, (None, None));
    let audited: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor, detail FROM audit_log WHERE action = 'service_client_webhook_changed' ORDER BY id",
    )
    .fetch_all(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(
        audited.len(),
        3,
        "set at creation, rotated, removed: {audited:?}"
    );
    assert!(audited[1].1.contains("ams2.example.go.id") && audited[2].1.contains("\"url\":null"));
    assert!(
        audited.iter().all(|(_, detail)| !detail.contains("whsec_")),
        "no secret in the log"
    );
    app.stop().await;
}

on_both_backends!(
    concurrent_changes_of_many_signers_number_events_without_gaps,
    the_command_line_sets_rotates_and_removes_a_webhook,
    a_receiver_that_was_down_gets_every_event_once_in_order_signed,
    an_event_exists_only_with_its_change,
    two_processes_deliver_each_event_once,
);
