//! Operations: `/metrics` for the allowed addresses, and the request id
//! every answer carries.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{Backend, Options, TestApp, free_port, spawn_app_with, wait_until};
use crate::on_both_backends;

/// The app behind a proxy on loopback (so a test can speak for any client
/// address through `X-Forwarded-For`); `/metrics` is for loopback only.
async fn proxied_app(backend: Backend) -> TestApp {
    let options = Options {
        trusted_proxies: "127.0.0.0/8".into(),
        ..Default::default()
    };
    spawn_app_with(backend, options).await
}

/// `/metrics` as the loopback client sees it.
async fn scrape(app: &TestApp) -> String {
    let response = app.client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// The value of the sample `series` (name and labels, exactly).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .parse()
        .unwrap()
}

async fn metrics_count_requests_otp_checks_and_queues(backend: Backend) {
    let app = proxied_app(backend).await;
    let signer = app.signer().await;
    let before = scrape(&app).await;
    assert_eq!(
        sample(&before, "tpo_otp_checks_total{outcome=\"accepted\"}"),
        0.0
    );
    let client = app.client();
    app.enter_password(&client, &signer).await;
    let (status, _) = app.call(&client, "login/code", &[("code", "000000")]).await;
    assert_ne!(status, StatusCode::OK);
    let code = app.code(signer.secret(0), 0);
    assert_eq!(
        app.call(&client, "login/code", &[("code", &code)]).await.0,
        StatusCode::OK
    );
    let other = app.client();
    app.enter_password(&other, &signer).await;
    app.call(&other, "login/code", &[("code", &code)]).await;
    let (number, _) = crate::helpdesk::open_request(&app, &signer).await;
    app.get_page(&app.client(), "/otp/atur/tautan-rahasia-123")
        .await;
    let after = scrape(&app).await;
    for (outcome, count) in [("accepted", 1.0), ("rejected", 1.0), ("replayed", 1.0)] {
        assert_eq!(
            sample(
                &after,
                &format!("tpo_otp_checks_total{{outcome=\"{outcome}\"}}")
            ),
            count,
            "{outcome}"
        );
    }
    // The right code was written in a batch that committed. Its replay,
    // whose step the read already showed used, was checked alone: it did
    // not join (and roll back) a batch of others' right codes.
    for (committed, count) in [("true", 1.0), ("false", 0.0)] {
        let series = format!("tpo_otp_write_batches_total{{committed=\"{committed}\"}}");
        assert_eq!(sample(&before, &series), 0.0, "{series}");
        assert_eq!(sample(&after, &series), count, "{series}");
    }
    assert_eq!(sample(&after, "tpo_otp_write_batch_codes_total"), 1.0);
    assert_eq!(sample(&after, "tpo_otp_write_batch_seconds_count"), 1.0);
    let code_calls =
        "tpo_http_requests_total{method=\"POST\",route=\"/api/login/code\",status=\"200\"}";
    assert_eq!(sample(&after, code_calls), 1.0);
    assert_eq!(
        sample(
            &after,
            "tpo_http_requests_total{method=\"POST\",route=\"/api/helpdesk/submit\",status=\"200\"}"
        ),
        1.0,
        "the ticket {number}"
    );
    let setup_pages = "tpo_http_request_duration_seconds_count{route=\"/otp/atur/{token}\"}";
    assert_eq!(
        sample(&after, setup_pages),
        1.0,
        "counted under its template"
    );
    assert!(
        !after.contains("tautan-rahasia-123"),
        "no raw path, no token"
    );
    // The ticket's confirmation is in the outbox (no SMTP server here means
    // the folder transport, which may have sent it already).
    let unsent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    let depth = sample(&after, "tpo_mail_outbox_depth");
    assert!(
        depth >= unsent as f64,
        "depth {depth} counts the {unsent} unsent (the sender may have sent more since)"
    );
    assert!(sample(&after, "tpo_mail_outbox_oldest_age_seconds") >= 0.0);
    assert_eq!(sample(&after, "tpo_telegram_outbox_depth"), 0.0);
    assert!(after.contains("# TYPE tpo_selfie_processing_seconds histogram"));
    // Anyone else, also when a trusted proxy forwards for them: 404.
    let outside = app
        .client_at("203.0.113.9")
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), StatusCode::NOT_FOUND);
    assert!(!outside.text().await.unwrap().contains("tpo_"));
    app.stop().await;
}

async fn every_answer_carries_a_request_id(backend: Backend) {
    let app = proxied_app(backend).await;
    let id_of = async |client: reqwest::Client, incoming: Option<&str>| {
        let mut request = client.get(app.url("/healthz"));
        if let Some(id) = incoming {
            request = request.header("x-request-id", id);
        }
        let response = request.send().await.unwrap();
        response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string()
    };
    let first = id_of(app.client(), None).await;
    let second = id_of(app.client(), None).await;
    assert_eq!(first.len(), 24, "{first}");
    assert_ne!(first, second, "one id per request");
    assert_eq!(
        id_of(app.client(), Some("lb-0042")).await,
        "lb-0042",
        "the trusted proxy's id is kept"
    );
    let page = app.client().get(app.url("/login")).send().await.unwrap();
    assert!(page.headers().contains_key("x-request-id"), "pages too");
    app.stop().await;
}

on_both_backends!(
    metrics_count_requests_otp_checks_and_queues,
    every_answer_carries_a_request_id,
);

/// The real `server run` on a SQLite database in `data`, with `settings`.
fn server_run(data: &Path, settings: &[(&str, &str)]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tpo-drill-server"));
    command
        .arg("run")
        .env_remove("DATABASE_URL")
        .env_remove("TPO_PUBLIC_BASE_URL")
        .env("TPO_DATA_DIR", data)
        .env("RUST_LOG", "error")
        .envs(settings.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// What a server that must refuse to start wrote to stderr; fails when it
/// serves instead (it would not stop) or exits successfully.
async fn refused_start(mut command: tokio::process::Command) -> String {
    let output = tokio::time::timeout(Duration::from_secs(30), command.output())
        .await
        .expect("the server stops at once instead of serving")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{stderr}");
    stderr
}

/// An operator who binds the server to every interface and forgets its
/// public address is told so at start, before any mail goes out with a
/// link to `http://0.0.0.0:…` that no signer can open.
#[tokio::test]
async fn a_server_on_every_interface_needs_its_public_address() {
    let data = std::env::temp_dir().join(format!("tpo-public-url-{}", std::process::id()));
    let stderr = refused_start(server_run(&data, &[("TPO_BIND_ADDR", "0.0.0.0:3999")])).await;
    let _ = std::fs::remove_dir_all(&data);
    assert!(
        stderr.contains("Galat: TPO_PUBLIC_BASE_URL wajib diisi")
            && stderr.contains("0.0.0.0:3999"),
        "{stderr}"
    );
}

/// Processes sharing a machine each take their share of its cores: the
/// runtime runs as many request threads as `TPO_WORKER_THREADS` says
/// (`/metrics` shows them), and a count that cannot be one is refused at
/// start.
#[tokio::test]
async fn the_worker_threads_setting_sizes_the_runtime() {
    let data = std::env::temp_dir().join(format!("tpo-threads-{}", std::process::id()));
    let server = |threads: &str, port: u16| {
        let bind = format!("127.0.0.1:{port}");
        server_run(
            &data,
            &[("TPO_BIND_ADDR", &bind), ("TPO_WORKER_THREADS", threads)],
        )
    };
    for threads in [1, 3] {
        let port = free_port();
        let mut child = server(&threads.to_string(), port).spawn().unwrap();
        let ready = format!("http://127.0.0.1:{port}/readyz");
        wait_until(format!("the server with {threads} threads"), async || {
            reqwest::get(&ready)
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;
        // Read from the runtime: the OS threads' names do not tell its
        // workers from its blocking pool's threads.
        let metrics = reqwest::get(format!("http://127.0.0.1:{port}/metrics"));
        let metrics = metrics.await.unwrap().text().await.unwrap();
        child.kill().await.unwrap();
        assert_eq!(
            sample(&metrics, "tpo_runtime_worker_threads"),
            threads as f64
        );
    }
    let stderr = refused_start(server("0", free_port())).await;
    let _ = std::fs::remove_dir_all(&data);
    assert!(
        stderr.contains("Galat: reading configuration") && stderr.contains("WORKER_THREADS"),
        "{stderr}"
    );
}
