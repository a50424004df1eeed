//! Fault drills, bounded: a server SIGKILLed during a burst of helpdesk
//! requests, SMTP down for a whole burst, PostgreSQL restarted under load,
//! and a full disk under the data directory. Each drill counts what it sent,
//! what the server acknowledged, what was found afterwards and the mails it
//! checked, and prints the counts (stderr). `scripts/drills.sh` runs them;
//! `scripts/drills.sh --long` runs bigger bursts (`TPO_DRILL_SCALE`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::AnyPool;

use crate::helpers::{
    AccountSpec, Backend, MailServer, Options, TestApp, free_port, postgres_skipped,
    spawn_app_with, spawn_prepared, spawn_with_smtp_down, wait_for, wait_until,
};
use crate::on_both_backends;
use crate::validation_api::client_token;

/// Bursts are this many times their short size (`TPO_DRILL_SCALE`, 1 in
/// the test command; `scripts/drills.sh --long` sets 10).
fn scale() -> usize {
    std::env::var("TPO_DRILL_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// A signer who asks for an OTP reset at the helpdesk.
#[derive(Clone)]
struct Signer {
    email: String,
    name: String,
    nik: String,
}

/// `count` verified signers (at most 26), each with their own NIK.
async fn signers(app: &TestApp, count: usize) -> Vec<Signer> {
    let mut made = Vec::new();
    for i in 0..count.min(26) {
        let signer = Signer {
            email: format!("penanda{i}@kominfo.go.id"),
            name: format!("Penanda {}", (b'A' + i as u8) as char),
            nik: format!("320101150890{:04}", i + 1),
        };
        app.create_account(AccountSpec {
            email: &signer.email,
            name: &signer.name,
            nik: Some(&signer.nik),
            devices: &[],
            ..Default::default()
        })
        .await;
        made.push(signer);
    }
    made
}

/// What a helpdesk request got: its ticket number when acknowledged, else
/// the status and body (`None` status: no answer at all).
type Outcome = Result<String, (Option<StatusCode>, String)>;

/// Periksa then Kirim against `base`, as the helpdesk form does.
async fn request(base: &str, signer: &Signer) -> Outcome {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let post = async |path: &str, form: &[(&str, &str)]| -> Outcome {
        let response = client
            .post(format!("{base}/api/{path}"))
            .form(form)
            .send()
            .await
            .map_err(|e| (None, e.to_string()))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| (None, e.to_string()))?;
        match status.is_success() {
            true => Ok(body),
            false => Err((Some(status), body)),
        }
    };
    post("helpdesk/check", &[("email", &signer.email)]).await?;
    let body = post(
        "helpdesk/submit",
        &[
            ("category", "otp_request"),
            ("full_name", &signer.name),
            ("nik", &signer.nik),
        ],
    )
    .await?;
    serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["number"].as_str().map(str::to_string))
        .ok_or((Some(StatusCode::OK), body))
}

/// `count` requests, `parallel` at a time, spread over `signers`.
async fn burst(base: &str, signers: &[Signer], count: usize, parallel: usize) -> Vec<Outcome> {
    futures::stream::iter(0..count)
        .map(|i| request(base, &signers[i % signers.len()]))
        .buffer_unordered(parallel)
        .collect()
        .await
}

/// A refusal the form shows as the system's trouble, in Indonesian, with
/// an incident code (the server function's error as the browser decodes it).
fn assert_says_try_later((status, body): &(Option<StatusCode>, String)) {
    assert_eq!(*status, Some(StatusCode::INTERNAL_SERVER_ERROR), "{body}");
    let shown = serde_json::from_str::<app::error::AppError>(body)
        .unwrap_or_else(|e| panic!("{e}: {body}"))
        .to_string();
    assert!(
        shown.starts_with("Terjadi gangguan pada sistem. Silakan coba beberapa saat lagi"),
        "{shown}"
    );
}

/// A refusal the form shows as the database out of reach: 503 and the
/// Indonesian "try again" message, without an incident code.
fn assert_says_unavailable((status, body): &(Option<StatusCode>, String)) {
    assert_eq!(*status, Some(StatusCode::SERVICE_UNAVAILABLE), "{body}");
    let shown = serde_json::from_str::<app::error::AppError>(body)
        .unwrap_or_else(|e| panic!("{e}: {body}"))
        .to_string();
    assert_eq!(shown, UNAVAILABLE, "{body}");
}

const UNAVAILABLE: &str = "Layanan sedang tidak tersedia. Silakan coba lagi dalam beberapa saat.";

fn acknowledged(outcomes: &[Outcome]) -> Vec<String> {
    outcomes.iter().filter_map(|o| o.clone().ok()).collect()
}

/// Every ticket number in the database, and for each ticket whether its
/// request mail is in the outbox (the mail names the number in its subject).
async fn tickets_and_mails(pool: &AnyPool) -> Vec<(String, bool)> {
    let numbers: Vec<String> = sqlx::query_scalar("SELECT number FROM tickets")
        .fetch_all(pool)
        .await
        .unwrap();
    let subjects: Vec<String> = sqlx::query_scalar("SELECT subject FROM mail_outbox")
        .fetch_all(pool)
        .await
        .unwrap();
    numbers
        .into_iter()
        .map(|n| {
            let mailed = subjects.iter().any(|s| s.contains(&format!("#{n}")));
            (n, mailed)
        })
        .collect()
}

/// Every acknowledged ticket exists and every ticket has its mail queued
/// (written in the same transaction); returns how many tickets exist.
async fn assert_nothing_lost(pool: &AnyPool, acked: &[String]) -> usize {
    let tickets = tickets_and_mails(pool).await;
    for number in acked {
        assert!(
            tickets.iter().any(|(n, _)| n == number),
            "acknowledged ticket #{number} is missing"
        );
    }
    let unmailed: Vec<_> = tickets.iter().filter(|(_, mailed)| !mailed).collect();
    assert!(
        unmailed.is_empty(),
        "tickets without their mail: {unmailed:?}"
    );
    tickets.len()
}

/// Waits until MailDev holds a mail naming each of `numbers`, for as long
/// as mail keeps arriving (a long drill's burst takes more than one
/// deadline to send).
async fn all_delivered(mail_server: &MailServer, numbers: &[String]) {
    let missing = async || {
        let subjects: Vec<String> = mail_server
            .all()
            .await
            .into_iter()
            .map(|m| m.subject)
            .collect();
        numbers
            .iter()
            .filter(|n| !subjects.iter().any(|s| s.contains(&format!("#{n}"))))
            .count()
    };
    let mut left = numbers.len() + 1;
    while left > 0 {
        let before = left;
        left = wait_for(
            format!("more of {before} request mails to arrive"),
            async || Some(missing().await).filter(|&now| now < before),
        )
        .await;
    }
}

/// The drill's counts, written past the test harness's capture: every
/// acknowledged ticket was found (the caller asserted it), then what else
/// the drill checked.
fn report(
    drill: &str,
    backend: Backend,
    (requests, created, acknowledged): (usize, usize, usize),
    checked: &[(&str, usize)],
) {
    let checked: Vec<String> = checked.iter().map(|(k, v)| format!(", {v} {k}")).collect();
    let _ = writeln!(
        std::io::stderr(),
        "drill {drill} ({backend:?}): {requests} requests, {created} tickets created, \
         {acknowledged} acknowledged, {acknowledged} found{}",
        checked.concat()
    );
}

// --- SMTP down for the whole burst ------------------------------------------

async fn smtp_down_for_a_whole_burst_loses_no_mail(backend: Backend) {
    let (app, smtp) = spawn_with_smtp_down(backend).await;
    let signers = signers(&app, 8).await;
    let sent = 24 * scale();
    let outcomes = burst(&app.base, &signers, sent, 6).await;
    let acked = acknowledged(&outcomes);
    assert_eq!(acked.len(), sent, "mail being down refuses no request");
    let pool = app.services().db.pool();
    wait_until("the mail worker to try and fail", async || {
        let (unsent, failed): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COUNT(last_error) FROM mail_outbox WHERE sent_at IS NULL",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        unsent == sent as i64 && failed >= 1
    })
    .await;
    let created = assert_nothing_lost(pool, &acked).await;
    let mail_server = smtp.come_back(&app).await;
    all_delivered(&mail_server, &acked).await;
    wait_until("the outbox to record every mail as sent", async || {
        let unsent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
                .fetch_one(pool)
                .await
                .unwrap();
        unsent == 0
    })
    .await;
    let counts = (sent, created, acked.len());
    report(
        "smtp-down",
        backend,
        counts,
        &[("mails delivered", acked.len())],
    );
    app.stop().await;
}

// --- SIGKILL during a burst -------------------------------------------------

/// The real `server run` as a child process on `app`'s database, data
/// directory and key.
struct DrillServer {
    child: tokio::process::Child,
    base: String,
}

impl DrillServer {
    async fn start(app: &TestApp, smtp_url: &str) -> Self {
        let port = free_port();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tpo-drill-server"))
            .arg("run")
            .env("DATABASE_URL", &app.database_url)
            .env("TPO_DATA_DIR", &app.data_dir)
            .env("TPO_BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("TPO_SMTP_URL", smtp_url)
            .env("TPO_RATE_LIMIT_PER_MINUTE", "100000")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the drill server starts");
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        wait_until(format!("the drill server on {}", server.base), async || {
            reqwest::get(format!("{}/readyz", server.base))
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;
        server
    }

    async fn kill(mut self) {
        // SIGKILL: no graceful shutdown, no flush.
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }
}

async fn a_killed_server_keeps_every_acknowledged_ticket(backend: Backend) {
    let mail_server = MailServer::start().await;
    let mut app = spawn_app_with(backend, Options::default()).await;
    let signers = signers(&app, 8).await;
    // Checks read the database through a pool of their own: the in-process
    // server stops, and child processes take over its database.
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .connect(&app.database_url)
        .await
        .unwrap();
    let in_process = app.app.take().expect("running");
    in_process.stop().await;

    let server = DrillServer::start(&app, &mail_server.smtp_url()).await;
    let sent = 40 * scale();
    let kill_after = 8 * scale();
    let acks = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(tokio::sync::Notify::new());
    let base = server.base.clone();
    let requests = futures::stream::iter(0..sent)
        .map(|i| {
            let (acks, killed, base) = (acks.clone(), killed.clone(), base.clone());
            let signer = &signers[i % signers.len()];
            async move {
                let outcome = request(&base, signer).await;
                if outcome.is_ok() && acks.fetch_add(1, Ordering::SeqCst) + 1 == kill_after {
                    killed.notify_one();
                }
                outcome
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<Outcome>>();
    let killer = async {
        killed.notified().await;
        server.kill().await;
    };
    let (outcomes, ()) = tokio::join!(requests, killer);
    let acked = acknowledged(&outcomes);
    assert!(
        acked.len() >= kill_after && acked.len() < sent,
        "killed mid-burst: {} of {sent} acknowledged",
        acked.len()
    );

    let restarted = DrillServer::start(&app, &mail_server.smtp_url()).await;
    let created = assert_nothing_lost(&pool, &acked).await;
    // A mail the killed process had claimed stays leased to it for two
    // minutes; every other one is sent by the restarted server.
    let leased: Vec<String> = sqlx::query_scalar(
        "SELECT subject FROM mail_outbox WHERE sent_at IS NULL AND lease_owner IS NOT NULL",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected: Vec<String> = acked
        .iter()
        .filter(|n| !leased.iter().any(|s| s.contains(&format!("#{n}"))))
        .cloned()
        .collect();
    all_delivered(&mail_server, &expected).await;
    let after = request(&restarted.base, &signers[0]).await;
    assert!(after.is_ok(), "the restarted server serves: {after:?}");
    let mails = [
        ("mails delivered after restart", expected.len()),
        ("mails still leased to the killed process", leased.len()),
    ];
    report("sigkill", backend, (sent, created, acked.len()), &mails);
    restarted.kill().await;
    pool.close().await;
    app.stop().await;
}

// --- PostgreSQL restarted under load -----------------------------------------

fn pg_cluster(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-cluster.sh");
    let output = std::process::Command::new(script)
        .args(args)
        .output()
        .expect("scripts/pg-cluster.sh runs");
    assert!(
        output.status.success(),
        "pg-cluster.sh {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// A PostgreSQL cluster of the drill's own, stopped and removed on drop.
pub struct DrillCluster {
    /// Its data directory (the raw files, WAL included).
    pub dir: PathBuf,
    port: String,
}

impl DrillCluster {
    /// The cluster, started, and its admin URL.
    pub fn start() -> (Self, String) {
        let mut name = [0u8; 6];
        getrandom::fill(&mut name).unwrap();
        let dir = std::env::temp_dir().join(format!("tpo-drill-pg-{}", hex::encode(name)));
        let cluster = Self {
            dir,
            port: free_port().to_string(),
        };
        let url = cluster.up();
        (cluster, url)
    }

    fn up(&self) -> String {
        pg_cluster(&["start", self.dir.to_str().unwrap(), &self.port])
    }

    fn down(&self) {
        pg_cluster(&["stop", self.dir.to_str().unwrap()]);
    }
}

/// The app on `backend`, on PostgreSQL with a cluster of its own (to stop,
/// or to read the raw files of).
pub async fn spawn_on_own_cluster(backend: Backend) -> (TestApp, Option<DrillCluster>) {
    let cluster = (backend == Backend::Postgres).then(DrillCluster::start);
    let options = Options {
        postgres_admin_url: cluster.as_ref().map(|(_, url)| url.clone()),
        ..Default::default()
    };
    let app = spawn_app_with(backend, options).await;
    (app, cluster.map(|(cluster, _)| cluster))
}

impl Drop for DrillCluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-cluster.sh"),
        )
        .args(["stop", self.dir.to_str().unwrap()])
        .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn readyz(base: &str) -> Option<StatusCode> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .get(format!("{base}/readyz"))
        .send()
        .await
        .ok()
        .map(|r| r.status())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_under_load_the_app_reconnects() {
    if postgres_skipped() {
        return;
    }
    let (cluster, admin_url) = DrillCluster::start();
    let app = spawn_app_with(
        Backend::Postgres,
        Options {
            postgres_admin_url: Some(admin_url),
            ..Default::default()
        },
    )
    .await;
    let signers = signers(&app, 4).await;
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (stop, base, signers) = (stop.clone(), app.base.clone(), signers.clone());
        tokio::spawn(async move {
            let mut outcomes = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                outcomes.push(request(&base, &signers[outcomes.len() % signers.len()]).await);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            outcomes
        })
    };
    let acked_before = async |n: usize| {
        wait_until(format!("{n} requests served"), async || {
            let served: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
                .fetch_one(app.services().db.pool())
                .await
                .unwrap_or(0);
            served as usize >= n
        })
        .await
    };
    acked_before(5 * scale()).await;
    assert_eq!(readyz(&app.base).await, Some(StatusCode::OK));

    cluster.down();
    wait_until("/readyz to report the database down", async || {
        readyz(&app.base).await == Some(StatusCode::SERVICE_UNAVAILABLE)
    })
    .await;
    let down_for = Duration::from_millis(1500);
    tokio::time::sleep(down_for).await;
    cluster.up();
    wait_until("/readyz to report ready again", async || {
        readyz(&app.base).await == Some(StatusCode::OK)
    })
    .await;
    let before_restart: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    acked_before(before_restart as usize + 5 * scale()).await;
    stop.store(true, Ordering::SeqCst);
    let outcomes = load.await.unwrap();
    let acked = acknowledged(&outcomes);
    let refused: Vec<_> = outcomes.iter().filter_map(|o| o.clone().err()).collect();
    // A request may also wait out the outage in the pool's queue and succeed.
    for refusal in &refused {
        assert_says_unavailable(refusal);
    }
    let created = assert_nothing_lost(app.services().db.pool(), &acked).await;
    let checked = [
        ("refused while down", refused.len()),
        ("mails queued", acked.len()),
    ];
    let counts = (outcomes.len(), created, acked.len());
    report("postgres-restart", Backend::Postgres, counts, &checked);
    app.stop().await;
    drop(cluster);
}

// --- The database out of reach ------------------------------------------------

/// A path, with a form to POST or a bearer token to POST a validation with
/// (neither: a GET).
type Request<'a> = (&'a str, Option<&'a [(&'a str, &'a str)]>, Option<&'a str>);

/// GETs or POSTs `path` and returns the status, the `Retry-After` header and the body.
async fn answer(
    app: &TestApp,
    path: &str,
    form: Option<&[(&str, &str)]>,
    token: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let request = match (form, token) {
        (Some(form), _) => client.post(app.url(path)).form(form),
        (None, Some(token)) => client
            .post(app.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(r#"{"signer":"budi@bssn.go.id","code":"123456"}"#),
        (None, None) => client.get(app.url(path)),
    };
    let response = request.send().await.unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry_after, response.text().await.unwrap())
}

/// While the database cannot be reached (PostgreSQL stopped; on SQLite both
/// pools (readers and writer) closed, so no connection can be had), a page, a server function and
/// the integration API answer 503 with `Retry-After` and say in Indonesian
/// that the service is unavailable, never 500 with an incident code; once
/// PostgreSQL is back, the same requests are served.
async fn a_database_out_of_reach_answers_503(backend: Backend) {
    let (app, cluster) = spawn_on_own_cluster(backend).await;
    let signer = app.signer().await;
    let (_, token) = client_token(&app, "validate", &[]).await;
    let page = format!("/otp/atur/{}", "A".repeat(43));
    let check = [("email", signer.email.as_str())];
    let requests: [Request; 3] = [
        (&page, None, None),
        ("/api/helpdesk/check", Some(&check), None),
        ("/api/v1/validate", None, Some(&token)),
    ];
    let served = async || {
        for (path, form, token) in requests {
            let (status, _, body) = answer(&app, path, form, token).await;
            // The unknown link is gone (410), the wrong code refused (200).
            assert!(status.as_u16() < 500, "{path}: {status} {body}");
        }
    };
    served().await;

    match &cluster {
        Some(cluster) => cluster.down(),
        None => app.services().db.close().await,
    }
    for (path, form, token) in requests {
        let (status, retry_after, body) = answer(&app, path, form, token).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {body}");
        assert_eq!(retry_after.as_deref(), Some("10"), "{path}");
        // A server function's error is JSON the form decodes and shows.
        let shown = serde_json::from_str::<app::error::AppError>(&body)
            .map_or(body.clone(), |e| e.to_string());
        assert!(shown.contains(UNAVAILABLE), "{path}: {body}");
        assert!(!shown.contains("kode insiden"), "{path}: {body}");
    }

    if let Some(cluster) = &cluster {
        cluster.up();
        wait_until("/readyz to report ready again", async || {
            readyz(&app.base).await == Some(StatusCode::OK)
        })
        .await;
        served().await;
    }
    app.stop().await;
    drop(cluster);
}

// --- Disk full under the data directory ---------------------------------------

/// A small tmpfs mounted on a directory, detached on drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    /// None when this machine does not allow mounting (not root).
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success());
        mounted.then(|| Self(dir.to_path_buf()))
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> PathBuf {
        let filler = self.0.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 16 * 1024];
        while file.write_all(&chunk).is_ok() {}
        while file.write_all(&chunk[..512]).is_ok() {}
        let _ = file.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .output();
    }
}

/// Every `.eml` in the outbox folder parses with a subject and a body, and
/// no temporary file is left: (subjects, leftover temporary files).
fn outbox_folder(data_dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut subjects = Vec::new();
    let mut leftovers = Vec::new();
    for entry in std::fs::read_dir(data_dir.join("outbox"))
        .unwrap()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.ends_with(".eml") {
            leftovers.push(name);
            continue;
        }
        let raw = std::fs::read(entry.path()).unwrap();
        let message = mail_parser::MessageParser::default()
            .parse(&raw)
            .unwrap_or_else(|| panic!("{name} is a whole mail"));
        let body = message.body_text(0).unwrap_or_default().to_string();
        assert!(body.contains("/verifikasi/"), "{name} is a whole mail");
        subjects.push(message.subject().unwrap_or_default().to_string());
    }
    (subjects, leftovers)
}

async fn a_full_disk_refuses_cleanly_and_half_writes_nothing(backend: Backend) {
    let disk = std::sync::Mutex::new(None);
    let app = spawn_prepared(backend, Options::default(), async |config| {
        *disk.lock().unwrap() = SmallDisk::mount(&config.data_dir, "6m");
    })
    .await;
    let Some(disk) = disk.into_inner().unwrap() else {
        let _ = writeln!(
            std::io::stderr(),
            "note: the disk-full drill needs to mount a tmpfs (root); skipped on {backend:?}"
        );
        app.stop().await;
        return;
    };
    let signers = signers(&app, 4).await;
    let filler = disk.fill();
    let pool = app.services().db.pool();
    // On SQLite the database is on the full disk: requests fail once its
    // log cannot grow. On PostgreSQL only the mail files are.
    let mut outcomes = Vec::new();
    for i in 0..20 * scale() {
        let outcome = request(&app.base, &signers[i % signers.len()]).await;
        let refused = outcome.is_err();
        outcomes.push(outcome);
        if refused {
            break;
        }
    }
    let acked = acknowledged(&outcomes);
    let refused: Vec<_> = outcomes.iter().filter_map(|o| o.clone().err()).collect();
    match backend {
        Backend::Sqlite => {
            assert_says_try_later(refused.first().expect("a full disk refuses a request"));
        }
        Backend::Postgres => assert!(refused.is_empty(), "{refused:?}"),
    }
    let created = assert_nothing_lost(pool, &acked).await;
    assert_eq!(created, acked.len(), "a refused request leaves no ticket");
    if !acked.is_empty() {
        wait_until("the mail worker to fail on the full disk", async || {
            app.services().mail_queued.notify_one();
            let failed: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND last_error IS NOT NULL",
            )
            .fetch_one(pool)
            .await
            .unwrap_or(0);
            failed >= 1
        })
        .await;
    }
    // A mail being written at this moment has its temporary file; none may
    // stay behind once its write has failed.
    wait_until("no half-written mail file to remain", async || {
        outbox_folder(&app.data_dir).1.is_empty()
    })
    .await;

    std::fs::remove_file(filler).unwrap();
    app.clock.advance(3600);
    let after = request(&app.base, &signers[0]).await;
    let after = after.expect("with space again the helpdesk works");
    let mut all = acked.clone();
    all.push(after);
    wait_until("every mail to be written whole", async || {
        // The failed rounds while the disk was full pushed the retries out
        // (backoff grows with each attempt): let every retry fall due.
        app.clock.advance(86_400);
        app.services().mail_queued.notify_one();
        let (subjects, _) = outbox_folder(&app.data_dir);
        all.iter()
            .all(|n| subjects.iter().any(|s| s.contains(&format!("#{n}"))))
    })
    .await;
    let (subjects, leftovers) = outbox_folder(&app.data_dir);
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let checked = [
        ("refused while full", refused.len()),
        ("mail files whole", subjects.len()),
    ];
    let counts = (outcomes.len() + 1, created + 1, all.len());
    report("disk-full", backend, counts, &checked);
    let data_dir = app.data_dir.clone();
    app.stop().await;
    drop(disk);
    let _ = std::fs::remove_dir(data_dir);
}

on_both_backends!(
    smtp_down_for_a_whole_burst_loses_no_mail,
    a_killed_server_keeps_every_acknowledged_ticket,
    a_full_disk_refuses_cleanly_and_half_writes_nothing,
    a_database_out_of_reach_answers_503,
);
