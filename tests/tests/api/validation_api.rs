//! `POST /api/v1/validate`: service clients asking whether a signer's code
//! is right, under the site login's replay guard and lockout.

use app::accounts::types::AccountStatus;
use app::audit::Actor;
use app::service_clients::service::{Change, change, create};
use app::service_clients::types::{AllowList, CallsPerMinute, ClientName, NewClient, Scopes};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{AccountSpec, Backend, TestApp, spawn_app};
use crate::on_both_backends;
use crate::sync_api::send;

/// A new service client's bearer token.
pub async fn client_token(app: &TestApp, scopes: &str, allow_from: &[&str]) -> (String, String) {
    let client = NewClient {
        name: ClientName::parse("AMS uji").unwrap(),
        scopes: Scopes::parse(scopes).unwrap(),
        allow_from: AllowList::from_items(allow_from.iter().copied()).unwrap(),
        calls_per_minute: CallsPerMinute::DEFAULT,
    };
    let created = create(app.services(), &client, Actor::CommandLine, None, app.now())
        .await
        .unwrap();
    (created.id.to_string(), created.token)
}

/// Posts `body` (raw) to the validation endpoint with `token`.
pub async fn post_raw(
    app: &TestApp,
    token: Option<&str>,
    body: &str,
) -> (StatusCode, String, Value) {
    let path = "/api/v1/validate";
    send(app, Method::POST, path, token, Some(body.to_string())).await
}

async fn check(app: &TestApp, token: &str, signer: &str, code: &str) -> (StatusCode, Value) {
    let body = json!({ "signer": signer, "code": code }).to_string();
    let (status, _, value) = post_raw(app, Some(token), &body).await;
    (status, value)
}

fn wrong_code(right: &str) -> String {
    if right == "000000" {
        "111111"
    } else {
        "000000"
    }
    .to_string()
}

pub fn assert_problem(status: StatusCode, content_type: &str, body: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["status"], expected.as_u16(), "{body}");
    for field in ["type", "title", "title_en", "detail", "detail_en"] {
        assert!(
            body[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field} in {body}"
        );
    }
}

async fn a_code_is_accepted_once_across_api_and_login(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (_, token) = client_token(&app, "validate", &[]).await;

    // The API first, then the site.
    let code = app.code(signer.secret(0), 0);
    let (status, body) = check(&app, &token, &signer.email, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"], "accepted");
    assert_eq!(body["device"], "Hp Lama");
    assert_eq!(body["checked_at"], "2026-11-28T09:00:15Z");
    let (_, again) = check(&app, &token, &signer.email, &code).await;
    assert_eq!(again["result"], "rejected", "{again}");
    assert!(again.get("device").is_none(), "{again}");
    let site = app.client();
    app.enter_password(&site, &signer).await;
    let (status, text) = app.call(&site, "login/code", &[("code", &code)]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    assert!(text.contains("sudah pernah dipakai"), "{text}");

    // The site first, then the API.
    app.clock.advance(30);
    let code = app.code(signer.secret(0), 0);
    assert_eq!(
        app.call(&site, "login/code", &[("code", &code)]).await.0,
        StatusCode::OK
    );
    let (_, after) = check(&app, &token, &signer.email, &code).await;
    assert_eq!(after["result"], "rejected", "{after}");
    assert!(app.mail_count("otp_code_reused", &signer.email).await >= 2);
    assert!(app.audit_count(&signer.id, "login_otp_replayed").await >= 2);

    // AMS's own id names the signer too.
    sqlx::query("UPDATE accounts SET ams_id = 'AMS-0001' WHERE id = $1")
        .bind(&signer.id)
        .execute(app.services().db.pool())
        .await
        .unwrap();
    app.clock.advance(30);
    let code = app.code(signer.secret(0), 0);
    let (_, by_id) = check(&app, &token, "AMS-0001", &code).await;
    assert_eq!(by_id["result"], "accepted", "{by_id}");
    app.stop().await;
}

async fn unknown_signers_and_wrong_codes_answer_alike(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let suspended = app
        .create_account(AccountSpec {
            email: "siti.rahmawati@bssn.go.id",
            nik: Some("3273015508920002"),
            status: AccountStatus::Suspended,
            ..Default::default()
        })
        .await;
    let (_, token) = client_token(&app, "validate", &[]).await;
    let wrong = wrong_code(&app.code(signer.secret(0), 0));
    let (s1, wrong_answer) = check(&app, &token, &signer.email, &wrong).await;
    let (s2, unknown) = check(&app, &token, "tidak.ada@kominfo.go.id", &wrong).await;
    let (s3, unknown_id) = check(&app, &token, "AMS-9999", &wrong).await;
    let right_for_suspended = app.code(suspended.secret(0), 0);
    let (s4, not_verified) = check(&app, &token, &suspended.email, &right_for_suspended).await;
    for (status, body) in [
        (s1, &wrong_answer),
        (s2, &unknown),
        (s3, &unknown_id),
        (s4, &not_verified),
    ] {
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["checked_at", "result"], "{body}");
        assert_eq!(body["result"], "rejected", "{body}");
    }
    app.stop().await;
}

async fn clients_are_refused_by_token_scope_and_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let body = json!({ "signer": signer.email, "code": "123456" }).to_string();

    let (status, content_type, problem) = post_raw(&app, None, &body).await;
    assert_problem(status, &content_type, &problem, StatusCode::UNAUTHORIZED);
    let (status, content_type, problem) = post_raw(&app, Some("nonsense"), &body).await;
    assert_problem(status, &content_type, &problem, StatusCode::UNAUTHORIZED);

    let (id, token) = client_token(&app, "validate,sync", &[]).await;
    let forged = format!("{}.{}", id, "A".repeat(43));
    let (status, content_type, problem) = post_raw(&app, Some(&forged), &body).await;
    assert_problem(status, &content_type, &problem, StatusCode::UNAUTHORIZED);
    assert_eq!(post_raw(&app, Some(&token), &body).await.0, StatusCode::OK);
    change(
        app.services(),
        &app::ids::ServiceClientId::parse(&id).unwrap(),
        Change::Revoke,
        Actor::CommandLine,
        None,
        app.now(),
    )
    .await
    .unwrap();
    let (status, content_type, problem) = post_raw(&app, Some(&token), &body).await;
    assert_problem(status, &content_type, &problem, StatusCode::UNAUTHORIZED);

    let (_, sync_only) = client_token(&app, "sync,events", &[]).await;
    let (status, content_type, problem) = post_raw(&app, Some(&sync_only), &body).await;
    assert_problem(status, &content_type, &problem, StatusCode::FORBIDDEN);
    assert!(problem["detail_en"].as_str().unwrap().contains("validate"));

    let (_, elsewhere) = client_token(&app, "validate", &["10.0.0.0/8", "2001:db8::/32"]).await;
    let (status, content_type, problem) = post_raw(&app, Some(&elsewhere), &body).await;
    assert_problem(status, &content_type, &problem, StatusCode::FORBIDDEN);
    assert!(problem["detail"].as_str().unwrap().contains("127.0.0.1"));

    let (_, loopback) = client_token(&app, "validate", &["127.0.0.0/8"]).await;
    assert_eq!(
        post_raw(&app, Some(&loopback), &body).await.0,
        StatusCode::OK
    );
    app.stop().await;
}

async fn bad_requests_are_problem_details(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, token) = client_token(&app, "validate", &[]).await;
    for body in [
        "{not json".to_string(),
        "[]".to_string(),
        json!({ "signer": "budi.santoso@kominfo.go.id" }).to_string(),
        json!({ "signer": "", "code": "123456" }).to_string(),
        json!({ "signer": "budi.santoso@kominfo.go.id", "code": "12ab56" }).to_string(),
        json!({ "signer": "x", "code": "123456", "context": { "reference": "r".repeat(201) } })
            .to_string(),
        json!({ "signer": "x", "code": "123456", "context": { "client_ip": "bukan-ip" } })
            .to_string(),
    ] {
        let (status, content_type, problem) = post_raw(&app, Some(&token), &body).await;
        assert_problem(status, &content_type, &problem, StatusCode::BAD_REQUEST);
    }
    let huge = json!({ "signer": "x".repeat(20_000), "code": "123456" }).to_string();
    let (status, content_type, problem) = post_raw(&app, Some(&token), &huge).await;
    assert_problem(
        status,
        &content_type,
        &problem,
        StatusCode::PAYLOAD_TOO_LARGE,
    );
    app.stop().await;
}

async fn repeated_wrong_codes_lock_and_tell_the_signer(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (_, token) = client_token(&app, "validate", &[]).await;
    let wrong = wrong_code(&app.code(signer.secret(0), 0));
    for attempt in 1..=5 {
        let (_, body) = check(&app, &token, &signer.email, &wrong).await;
        assert_eq!(body["result"], "rejected", "attempt {attempt}: {body}");
    }
    let right = app.code(signer.secret(0), 0);
    let (status, body) = check(&app, &token, &signer.email, &right).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"], "locked", "a right code waits too: {body}");
    assert_eq!(app.mail_count("otp_locked", &signer.email).await, 1);
    // The site's login shares the lock.
    let site = app.client();
    app.enter_password(&site, &signer).await;
    let (status, _) = app.call(&site, "login/code", &[("code", &right)]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(31);
    let right = app.code(signer.secret(0), 0);
    let (_, body) = check(&app, &token, &signer.email, &right).await;
    assert_eq!(body["result"], "accepted", "{body}");
    app.stop().await;
}

async fn calls_are_audited_with_the_client_and_context(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (id, token) = client_token(&app, "validate", &[]).await;
    let body = json!({
        "signer": signer.email,
        "code": app.code(signer.secret(0), 0),
        "context": { "client_ip": "203.0.113.7", "purpose": "sign", "reference": "DOC-2026-0042" },
    })
    .to_string();
    let (status, _, answer) = post_raw(&app, Some(&token), &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (actor, detail, subject, ip): (String, String, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT actor, detail, subject_account_id, ip FROM audit_log WHERE action = 'code_validated'",
        )
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    assert_eq!(actor, format!("layanan: AMS uji ({id})"));
    assert_eq!(subject.as_deref(), Some(signer.id.as_str()));
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["result"], "accepted");
    assert_eq!(detail["client_ip"], "203.0.113.7");
    assert_eq!(detail["purpose"], "sign");
    assert_eq!(detail["reference"], "DOC-2026-0042");
    // Creating the client was audited too, without its secret.
    let created: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'service_client_created'")
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
    let secret = token.split_once('.').unwrap().1;
    assert!(!created.contains(secret));
    assert!(app.columns_containing(secret).await.is_empty());
    app.stop().await;
}

on_both_backends!(
    a_code_is_accepted_once_across_api_and_login,
    unknown_signers_and_wrong_codes_answer_alike,
    clients_are_refused_by_token_scope_and_address,
    bad_requests_are_problem_details,
    repeated_wrong_codes_lock_and_tell_the_signer,
    calls_are_audited_with_the_client_and_context,
);
