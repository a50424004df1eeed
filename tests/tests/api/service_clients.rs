//! Service clients in the console (/admin/klien-layanan): created, budgeted,
//! given a webhook and revoked by an admin through the same rules as the
//! command line, and each held to its own calls per minute.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::console::{callers, json};
use crate::devices::add;
use crate::helpers::{Backend, TestApp, free_port, page_text, spawn_app, wait_until};
use crate::on_both_backends;
use crate::validation_api::post_raw;
use crate::webhooks::{Receiver, assert_signed};

/// The create form's fields: name, ticked scopes, blocks one per line, budget.
async fn create_client(
    app: &TestApp,
    admin: &reqwest::Client,
    name: &str,
    scopes: &[&str],
    allow_from: &str,
    calls_per_minute: &str,
) -> (StatusCode, Value) {
    let scope_fields: Vec<String> = scopes
        .iter()
        .map(|s| format!("form[scopes][{s}]"))
        .collect();
    let mut form = vec![
        ("form[name]", name),
        ("form[allow_from]", allow_from),
        ("form[calls_per_minute]", calls_per_minute),
    ];
    form.extend(scope_fields.iter().map(|field| (field.as_str(), "on")));
    let (status, body) = app.call(admin, "admin/service-clients/create", &form).await;
    (status, json(&body))
}

/// The id and token of a client the form created.
fn created(answer: &Value) -> (String, String) {
    let created = &answer["Created"];
    let (Some(id), Some(token)) = (created["id"].as_str(), created["token"].as_str()) else {
        panic!("not created: {answer}");
    };
    (id.to_string(), token.to_string())
}

/// A check of an unknown signer: 200 "rejected" while the client may call,
/// and no signer's failure counter moves.
async fn one_call(app: &TestApp, token: &str) -> StatusCode {
    let body = json!({ "signer": "tidak.ada@kominfo.go.id", "code": "123456" }).to_string();
    post_raw(app, Some(token), &body).await.0
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

/// The one audit entry of `action` names the admin and their address.
async fn assert_by_the_admin(app: &TestApp, action: &str) {
    let (actor, ip): (String, Option<String>) =
        sqlx::query_as("SELECT actor, ip FROM audit_log WHERE action = $1")
            .bind(action)
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
    assert_eq!(
        (actor.as_str(), ip.as_deref()),
        ("admin@bsre.go.id", Some("127.0.0.1")),
        "{action}"
    );
}

async fn an_admin_creates_a_client_whose_token_works_until_revoked(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;

    let (status, answer) = create_client(
        &app,
        &who.admin,
        " AMS produksi ",
        &["validate", "events"],
        "127.0.0.0/8\n\n::1\n",
        "1.200",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (id, token) = created(&answer);
    assert_eq!(answer["Created"]["name"], "AMS produksi");
    assert!(token.starts_with(&format!("{id}.")), "{token}");
    let secret = token.split_once('.').unwrap().1.to_string();
    let used_at = app.now();
    assert_eq!(one_call(&app, &token).await, StatusCode::OK);
    app.clock.advance(30);
    assert_eq!(one_call(&app, &token).await, StatusCode::OK);

    // Listed with what was typed, never with the token.
    let (status, list) = app
        .call(&who.admin, "admin/service-clients/list", &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(!list.contains(&secret), "{list}");
    let clients = json(&list);
    assert_eq!(clients.as_array().unwrap().len(), 1, "{clients}");
    assert_eq!(clients[0]["id"], id.as_str());
    assert_eq!(clients[0]["scopes"], "validate,events");
    assert_eq!(clients[0]["allow_from"], "127.0.0.0/8,::1/128");
    assert_eq!(clients[0]["calls_per_minute"], 1200);
    assert_eq!(clients[0]["revoked_at"], Value::Null);
    assert_eq!(
        clients[0]["last_used_at"],
        json!(used_at),
        "written at most once a minute"
    );
    let (_, page) = app.get_page(&who.admin, "/admin/klien-layanan").await;
    let text = page_text(&page);
    assert!(
        text.contains("AMS produksi") && text.contains("Aktif"),
        "{text}"
    );
    assert!(
        !page.contains(&secret),
        "the token is shown once, in the answer to the form"
    );

    // Stored as a digest; the audit names the admin, not the secret.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret_digest FROM service_clients")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!String::from_utf8_lossy(&stored).contains(&secret));
    let (actor, detail, ip): (String, String, Option<String>) = sqlx::query_as(
        "SELECT actor, detail, ip FROM audit_log WHERE action = 'service_client_created'",
    )
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(actor, "admin@bsre.go.id");
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    assert!(detail.contains(r#""calls_per_minute":1200"#), "{detail}");
    assert!(!detail.contains(&secret), "{detail}");

    // A verifier may neither see, create, budget nor revoke.
    for (endpoint, form) in [
        ("admin/service-clients/list", vec![]),
        ("admin/service-clients/revoke", vec![("id", id.as_str())]),
        (
            "admin/service-clients/budget",
            vec![("id", id.as_str()), ("calls_per_minute", "1")],
        ),
        (
            "admin/service-clients/create",
            vec![("form[name]", "Lain"), ("form[scopes][sync]", "on")],
        ),
    ] {
        let (status, body) = app.call(&who.verifier, endpoint, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}: {body}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM service_clients").await, 1);
    assert_eq!(one_call(&app, &token).await, StatusCode::OK, "still active");

    let (status, body) = app
        .call(&who.admin, "admin/service-clients/revoke", &[("id", &id)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(one_call(&app, &token).await, StatusCode::UNAUTHORIZED);
    let (status, body) = app
        .call(&who.admin, "admin/service-clients/revoke", &[("id", &id)])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("sudah dicabut"), "{body}");
    assert_by_the_admin(&app, "service_client_revoked").await;
    let (_, page) = app.get_page(&who.admin, "/admin/klien-layanan").await;
    assert!(page_text(&page).contains("Dicabut"), "{page}");
    app.stop().await;
}

async fn wrong_fields_answer_their_message_and_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;

    let (status, bad_block) = create_client(
        &app,
        &who.admin,
        "AMS",
        &["validate"],
        "10.0.0.0/8\n10.1.2.3/16",
        "60",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{bad_block}");
    let errors = &bad_block["Invalid"];
    assert!(
        errors["allow_from"]
            .as_str()
            .unwrap()
            .contains("10.1.2.3/16"),
        "{bad_block}"
    );
    for fine in ["name", "scopes", "calls_per_minute"] {
        assert_eq!(errors[fine], Value::Null, "{fine}: {bad_block}");
    }

    let (_, no_scope) = create_client(&app, &who.admin, "AMS", &[], "", "60").await;
    assert_eq!(
        no_scope["Invalid"]["scopes"], "Sebutkan minimal satu cakupan: validate, sync atau events.",
        "{no_scope}"
    );
    let (_, unknown_scope) = create_client(&app, &who.admin, "AMS", &["admin"], "", "60").await;
    assert!(
        unknown_scope["Invalid"]["scopes"]
            .as_str()
            .unwrap()
            .contains("\"admin\""),
        "{unknown_scope}"
    );

    for budget in ["0", "100001", "banyak", ""] {
        let (_, answer) = create_client(&app, &who.admin, "AMS", &["validate"], "", budget).await;
        let message = answer["Invalid"]["calls_per_minute"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.contains("antara 1 dan 100.000") || message.contains("wajib diisi"),
            "{budget:?}: {answer}"
        );
    }
    let (_, everything) = create_client(&app, &who.admin, "", &[], "nope", "0").await;
    for field in ["name", "scopes", "allow_from", "calls_per_minute"] {
        assert!(
            everything["Invalid"][field].is_string(),
            "{field}: {everything}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM service_clients").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'service_client%'"
        )
        .await,
        0
    );
    app.stop().await;
}

async fn each_client_is_held_to_its_own_budget(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    let (_, small) = create_client(&app, &who.admin, "AMS uji", &["validate"], "", "3").await;
    let (small_id, small_token) = created(&small);
    let (_, other) =
        create_client(&app, &who.admin, "AMS produksi", &["validate"], "", "6000").await;
    let (_, other_token) = created(&other);

    for call in 1..=3 {
        assert_eq!(
            one_call(&app, &small_token).await,
            StatusCode::OK,
            "call {call}"
        );
    }
    let body = json!({ "signer": "tidak.ada@kominfo.go.id", "code": "123456" }).to_string();
    let (status, _, problem) = post_raw(&app, Some(&small_token), &body).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{problem}");
    // 3 a minute: one call back every 20 s.
    assert!(
        problem["detail"].as_str().unwrap().contains("20 detik"),
        "{problem}"
    );
    for _ in 0..10 {
        assert_eq!(
            one_call(&app, &other_token).await,
            StatusCode::OK,
            "other client unaffected"
        );
    }

    // Out of range changes nothing; a new budget holds from the next call.
    let (status, body) = app
        .call(
            &who.admin,
            "admin/service-clients/budget",
            &[("id", &small_id), ("calls_per_minute", "0")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("antara 1 dan 100.000"), "{body}");
    assert_eq!(
        one_call(&app, &small_token).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let (status, body) = app
        .call(
            &who.admin,
            "admin/service-clients/budget",
            &[("id", &small_id), ("calls_per_minute", "5")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for call in 1..=5 {
        assert_eq!(
            one_call(&app, &small_token).await,
            StatusCode::OK,
            "call {call} of 5"
        );
    }
    assert_eq!(
        one_call(&app, &small_token).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance(60);
    assert_eq!(
        one_call(&app, &small_token).await,
        StatusCode::OK,
        "a minute later"
    );
    let (_, list) = app
        .call(&who.admin, "admin/service-clients/list", &[])
        .await;
    let small = json(&list)
        .as_array()
        .unwrap()
        .iter()
        .find(|client| client["id"] == small_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(small["last_used_at"], json!(app.now()), "{small}");
    assert_eq!(small["calls_per_minute"], 5, "{small}");
    let (actor, detail): (String, String) = sqlx::query_as(
        "SELECT actor, detail FROM audit_log WHERE action = 'service_client_budget_changed'",
    )
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(actor, "admin@bsre.go.id");
    assert!(
        detail.contains(r#""from":3"#) && detail.contains(r#""to":5"#),
        "{detail}"
    );
    app.stop().await;
}

const WITH_WEBHOOK: &str = "SELECT COUNT(*) FROM service_clients
     WHERE webhook_url IS NOT NULL OR webhook_secret_sealed IS NOT NULL";

async fn an_admin_sets_a_webhook_whose_secret_signs_the_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    let (admin, verifier) = (&who.admin, &who.verifier);

    // A wrong URL, or a webhook without the events scope: its message, nothing stored.
    let with_webhook = async |scope: &str, url: &str| {
        let scope = format!("form[scopes][{scope}]");
        let form = [
            ("form[name]", "AMS"),
            (scope.as_str(), "on"),
            ("form[calls_per_minute]", "60"),
            ("form[webhook_url]", url),
        ];
        json(
            &app.call(admin, "admin/service-clients/create", &form)
                .await
                .1,
        )
    };
    let bad = with_webhook("events", "ftp://ams").await;
    assert!(
        bad["Invalid"]["webhook_url"]
            .as_str()
            .unwrap()
            .contains("harus diawali https://"),
        "{bad}"
    );
    let hook = "https://ams.example.go.id/hook";
    let no_events = with_webhook("sync", hook).await;
    assert_eq!(
        no_events["Invalid"]["webhook_url"],
        "Webhook hanya untuk klien layanan dengan cakupan events.",
        "{no_events}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM service_clients").await, 0);

    let (_, answer) = create_client(&app, admin, "AMS", &["events"], "", "60").await;
    let (id, _) = created(&answer);
    assert_eq!(answer["Created"]["webhook_secret"], Value::Null, "{answer}");
    let (status, body) = app
        .call(
            admin,
            "admin/service-clients/webhook",
            &[("id", &id), ("url", "http://ams.example.go.id/hook")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("gunakan https://"), "{body}");
    assert_eq!(count(&app, WITH_WEBHOOK).await, 0);
    for (endpoint, form) in [
        (
            "admin/service-clients/webhook",
            vec![("id", id.as_str()), ("url", hook)],
        ),
        (
            "admin/service-clients/webhook-remove",
            vec![("id", id.as_str())],
        ),
    ] {
        let (status, body) = app.call(verifier, endpoint, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}: {body}");
    }
    assert_eq!(count(&app, WITH_WEBHOOK).await, 0);

    // Set: the secret is in the answer only, and it signs what is delivered.
    let port = free_port();
    let receiver = Receiver::start_on(port, true).await;
    let url = format!("http://127.0.0.1:{port}/hooks/konsol");
    let (status, body) = app
        .call(
            admin,
            "admin/service-clients/webhook",
            &[("id", &id), ("url", &url)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let secret = json(&body)["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{body}");
    let signer = &who.signer_account;
    add(&app, &signer.id, "Hp Baru").await.unwrap();
    wait_until("the event delivered", async || {
        !receiver.acknowledged("/hooks/konsol").is_empty()
    })
    .await;
    let delivered = &receiver.acknowledged("/hooks/konsol")[0];
    assert_eq!(delivered.event, "device.added");
    assert_signed(delivered, &secret, app.now().secs());
    assert_by_the_admin(&app, "service_client_webhook_changed").await;

    // Listed with its URL, never with its secret.
    let (_, list) = app.call(admin, "admin/service-clients/list", &[]).await;
    assert_eq!(json(&list)[0]["webhook_url"], url.as_str(), "{list}");
    assert!(!list.contains(&secret), "{list}");
    let (_, page) = app.get_page(admin, "/admin/klien-layanan").await;
    let text = page_text(&page);
    assert!(text.contains(&url) && !text.contains("tidak ada"), "{text}");
    assert!(!page.contains(&secret));

    let (status, body) = app
        .call(
            admin,
            "admin/service-clients/webhook-remove",
            &[("id", &id)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(count(&app, WITH_WEBHOOK).await, 0);
    let (_, page) = app.get_page(admin, "/admin/klien-layanan").await;
    assert!(page_text(&page).contains("tidak ada"), "{page}");
    app.stop().await;
}

on_both_backends!(
    an_admin_sets_a_webhook_whose_secret_signs_the_events,
    an_admin_creates_a_client_whose_token_works_until_revoked,
    wrong_fields_answer_their_message_and_store_nothing,
    each_client_is_held_to_its_own_budget,
);
