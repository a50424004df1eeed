//! Hardening: who the client is behind proxies, the master key's checks at
//! start, the session cookie's name, what the mail folder logs.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use reqwest::StatusCode;
use server::Config;

use crate::helpers::{Backend, Options, TestAccount, TestApp, spawn_app, spawn_app_with};
use crate::on_both_backends;

/// An app allowing 2 login attempts a minute per client, behind `trusted_proxies`.
async fn limited_app(backend: Backend, trusted_proxies: &str) -> TestApp {
    let options = Options {
        rate_limit_per_minute: 2,
        trusted_proxies: trusted_proxies.into(),
        ..Default::default()
    };
    spawn_app_with(backend, options).await
}

const COUNTED: StatusCode = StatusCode::UNAUTHORIZED;
const REFUSED: StatusCode = StatusCode::TOO_MANY_REQUESTS;

/// The answers to a wrong password sent with each `X-Forwarded-For` value in turn.
async fn answers(app: &TestApp, forwarded_for: &[&str]) -> Vec<StatusCode> {
    let mut answers = Vec::new();
    for value in forwarded_for {
        let response = app
            .client()
            .post(app.url("/api/login/password"))
            .form(&[("email", "tamu@kominfo.go.id"), ("password", "salah")])
            .header("x-forwarded-for", *value)
            .send()
            .await
            .expect("POST /api/login/password");
        answers.push(response.status());
    }
    answers
}

async fn budgets_follow_the_client_a_trusted_proxy_names(backend: Backend) {
    let app = limited_app(backend, "127.0.0.0/8").await;
    let client = "198.51.100.7";
    // Forging a first hop through the proxy gets the proxy's view; another
    // client has its own budget.
    let forged = "203.0.113.1, 198.51.100.7";
    assert_eq!(
        answers(&app, &[client, client, client, forged, "198.51.100.8"]).await,
        [COUNTED, COUNTED, REFUSED, REFUSED, COUNTED]
    );
    // One IPv6 /64 is one client; the next /64 is another.
    let (a, b, other) = ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:3::1");
    assert_eq!(
        answers(&app, &[a, a, b, other]).await,
        [COUNTED, COUNTED, REFUSED, COUNTED]
    );
    app.stop().await;
}

async fn forwarded_for_is_ignored_without_trusted_proxies(backend: Backend) {
    let app = limited_app(backend, "").await;
    assert_eq!(
        answers(&app, &["198.51.100.1", "198.51.100.2", "198.51.100.3"]).await,
        [COUNTED, COUNTED, REFUSED],
        "every forged address is the one peer"
    );
    app.stop().await;
}

/// Starts another process on the test's database with `config`: the
/// error's whole chain if it refuses, or `None` once it started (and stopped).
async fn refusal(app: &TestApp, config: Config) -> Option<String> {
    match server::Application::start(config, app.clock.clone()).await {
        Ok(started) => {
            started.stop().await;
            None
        }
        Err(why) => Some(format!("{why:#}")),
    }
}

fn key_file(app: &TestApp) -> PathBuf {
    app.data_dir.join("secret.key")
}

async fn check_values(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM master_key_versions")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

async fn a_different_master_key_is_refused_at_start(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(check_values(&app).await, 1, "recorded on the first start");
    let original = std::fs::read_to_string(key_file(&app)).unwrap();
    let other = Config {
        secret_key: "ab".repeat(32),
        ..app.second_config(&Options::default())
    };
    let why = refusal(&app, other).await.expect("refused");
    assert!(
        why.contains("master key from TPO_SECRET_KEY is not the key this database was sealed with"),
        "{why}"
    );
    assert!(
        why.contains("restore") && why.contains("secret.key"),
        "{why}"
    );
    // The right key, given by the environment instead of the file, starts.
    let same = Config {
        secret_key: original.trim().to_string(),
        ..app.second_config(&Options::default())
    };
    assert_eq!(refusal(&app, same).await, None);
    assert_eq!(check_values(&app).await, 1);
    app.stop().await;
}

async fn a_missing_key_file_is_never_replaced_for_a_database_with_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = key_file(&app);
    let original = std::fs::read(&path).unwrap();
    let restore = || {
        std::fs::write(&path, &original).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    };
    // No account yet, but the check value says a key was in use.
    std::fs::remove_file(&path).unwrap();
    let why = refusal(&app, app.second_config(&Options::default()))
        .await
        .expect("refused");
    assert!(why.contains("no master key"), "{why}");
    assert!(why.contains(&path.display().to_string()), "{why}");
    assert!(!path.exists(), "no new key generated");
    // A database from before the check value, with sealed data in it.
    restore();
    app.signer().await;
    sqlx::query("DELETE FROM master_key_versions")
        .execute(app.services().db.pool())
        .await
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let why = refusal(&app, app.second_config(&Options::default()))
        .await
        .expect("refused");
    assert!(
        why.contains("already holds data sealed with a key"),
        "{why}"
    );
    assert!(!path.exists(), "no new key generated");
    // With its key back it starts and records the check value.
    restore();
    assert_eq!(
        refusal(&app, app.second_config(&Options::default())).await,
        None
    );
    assert_eq!(check_values(&app).await, 1);
    app.stop().await;
}

async fn a_key_file_others_may_read_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = key_file(&app);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let why = refusal(&app, app.second_config(&Options::default()))
        .await
        .expect("refused");
    assert!(
        why.contains(&format!("chmod 600 {}", path.display())),
        "{why}"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        refusal(&app, app.second_config(&Options::default())).await,
        None
    );
    app.stop().await;
}

/// The session cookie a response sets: its name, value and attributes.
fn session_cookie(response: &reqwest::Response) -> (String, String, String) {
    let header = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("tpo_sesi="))
        .unwrap_or_else(|| panic!("no session cookie in {:?}", response.headers()))
        .to_string();
    let (pair, attributes) = header.split_once(';').unwrap();
    let (name, value) = pair.split_once('=').unwrap();
    (name.into(), value.into(), attributes.into())
}

/// One login step posted with `cookie` (if any) as the Cookie header.
async fn login_step(
    app: &TestApp,
    endpoint: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client()
        .post(app.url(&format!("/api/{endpoint}")))
        .form(form);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

/// The password step, without a cookie: the session cookie it sets.
async fn password_step(app: &TestApp, signer: &TestAccount) -> (String, String, String) {
    let password = [
        ("email", signer.email.as_str()),
        ("password", signer.password.as_str()),
    ];
    let response = login_step(app, "login/password", &password, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    session_cookie(&response)
}

async fn session_cookie_is_host_prefixed_on_https(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            public_base_url: Some("https://otp.example.go.id".into()),
            ..Default::default()
        },
    )
    .await;
    let signer = app.signer().await;
    let (name, token, attributes) = password_step(&app, &signer).await;
    assert_eq!(name, "__Host-tpo_sesi");
    assert!(
        attributes.contains("Secure") && attributes.contains("Path=/"),
        "{attributes}"
    );
    assert!(
        !attributes.to_ascii_lowercase().contains("domain"),
        "{attributes}"
    );
    let code = app.code(signer.secret(0), 0);
    // The plain name is not the session any more.
    let plain = format!("tpo_sesi={token}");
    let refused = login_step(&app, "login/code", &[("code", &code)], Some(&plain)).await;
    assert_ne!(refused.status(), StatusCode::OK);
    let prefixed = format!("__Host-tpo_sesi={token}");
    let response = login_step(&app, "login/code", &[("code", &code)], Some(&prefixed)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (name, token, _) = session_cookie(&response);
    assert_eq!(name, "__Host-tpo_sesi");
    let active = format!("__Host-tpo_sesi={token}");
    let account = login_step(&app, "account", &[], Some(&active)).await;
    assert_eq!(account.status(), StatusCode::OK);
    app.stop().await;
}

async fn session_cookie_keeps_its_plain_name_on_http(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (name, _, attributes) = password_step(&app, &signer).await;
    assert_eq!(name, "tpo_sesi");
    assert!(!attributes.contains("Secure"), "{attributes}");
    // And a browser on loopback logs in with it.
    assert_eq!(app.log_in(&app.client(), &signer, 0).await, StatusCode::OK);
    app.stop().await;
}

/// The cookie names its session by number beside a secret: the code step
/// keeps the number and replaces the secret, so the waiting cookie, or the
/// number with any other secret, opens nothing.
async fn a_session_cookie_opens_its_session_only_with_its_current_secret(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (_, waiting, _) = password_step(&app, &signer).await;
    let code = app.code(signer.secret(0), 0);
    let cookie = |value: &str| format!("tpo_sesi={value}");
    let response = login_step(
        &app,
        "login/code",
        &[("code", &code)],
        Some(&cookie(&waiting)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (_, active, _) = session_cookie(&response);
    let (number, secret) = active.split_once('.').unwrap();
    let (waiting_number, waiting_secret) = waiting.split_once('.').unwrap();
    assert_eq!(number, waiting_number);
    assert_ne!(secret, waiting_secret);
    let account = async |value: &str| {
        login_step(&app, "account", &[], Some(&cookie(value)))
            .await
            .status()
    };
    assert_eq!(account(&active).await, StatusCode::OK);
    assert_eq!(account(&waiting).await, StatusCode::UNAUTHORIZED);
    let forged = format!("{number}.{}", "A".repeat(43));
    assert_eq!(account(&forged).await, StatusCode::UNAUTHORIZED);
    assert_eq!(account(secret).await, StatusCode::UNAUTHORIZED);
    assert_eq!(account(&active).await, StatusCode::OK);
    app.stop().await;
}

async fn stored_nik_masks_are_shortened_by_migration_16(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let mask = || async {
        sqlx::query_scalar::<_, String>("SELECT nik_masked FROM accounts WHERE id = $1")
            .bind(&signer.id)
            .fetch_one(app.services().db.pool())
            .await
            .unwrap()
    };
    assert_eq!(mask().await, "32************01", "new accounts");
    // A database from before migration 16, holding the older, wider mask.
    let pool = app.services().db.pool();
    for sql in [
        "UPDATE accounts SET nik_masked = '3201********0001'",
        "DELETE FROM _sqlx_migrations WHERE version = 16",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
    server::startup::connect_and_migrate(&app.second_config(&Options::default()))
        .await
        .expect("migrates")
        .close()
        .await;
    assert_eq!(mask().await, "32************01", "rewritten in place");
    app.stop().await;
}

async fn an_older_code_after_a_newer_login_is_expired_not_reused(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let newer = app.client();
    app.enter_password(&newer, &signer).await;
    let code = app.code(signer.secret(0), 1);
    assert_eq!(
        app.call(&newer, "login/code", &[("code", &code)]).await.0,
        StatusCode::OK
    );
    let older = app.client();
    app.enter_password(&older, &signer).await;
    let code = app.code(signer.secret(0), -1);
    let (status, body) = app.call(&older, "login/code", &[("code", &code)]).await;
    assert_ne!(status, StatusCode::OK);
    assert!(body.contains("sudah tidak berlaku"), "{body}");
    assert!(!body.contains("sudah pernah dipakai"), "{body}");
    assert_eq!(app.mail_count("otp_code_reused", &signer.email).await, 0);
    assert_eq!(app.audit_count(&signer.id, "login_otp_replayed").await, 0);
    assert_eq!(app.audit_count(&signer.id, "login_otp_failed").await, 1);
    app.stop().await;
}

on_both_backends!(
    budgets_follow_the_client_a_trusted_proxy_names,
    forwarded_for_is_ignored_without_trusted_proxies,
    a_different_master_key_is_refused_at_start,
    a_missing_key_file_is_never_replaced_for_a_database_with_data,
    a_key_file_others_may_read_is_refused,
    session_cookie_is_host_prefixed_on_https,
    session_cookie_keeps_its_plain_name_on_http,
    a_session_cookie_opens_its_session_only_with_its_current_secret,
    stored_nik_masks_are_shortened_by_migration_16,
    an_older_code_after_a_newer_login_is_expired_not_reused,
);
