//! A load generator on loopback against the real server (SQLite, release
//! build): concurrent clients for a few seconds per endpoint; prints
//! requests per second, latency percentiles, and the share of `/healthz`'s
//! throughput measured in the same run.
//! `cargo bench -p tests --bench http_load`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use app::accounts::service::SignerRecord;
use app::accounts::types::{AccountStatus, Nik, OfficialEmail, PersonName};
use app::audit::Actor;
use app::otp_devices::service::provision_device;
use app::otp_devices::totp::{TotpSecret, step_at};
use app::otp_devices::types::DeviceName;
use app::platform::clock::{Clock, SystemClock};
use app::platform::state::Services;
use app::service_clients::service::create;
use app::service_clients::types::{AllowList, CallsPerMinute, ClientName, NewClient, Scopes};
use app::signer_import::service::apply_signer_in;
use reqwest::StatusCode;
use server::{Application, Config};

const CLIENTS: usize = 32;
const DURATION: Duration = Duration::from_secs(5);
/// Signers seeded for the validation scenario: each request checks a
/// different signer's current code, so the replay guard refuses none. More
/// than one run's worth at the rates measured here; when they run out the
/// scenario ends early and says so.
const VALIDATE_SIGNERS: usize = 12_000;

/// What one request of a scenario sends: `None` when the scenario has run
/// out of fresh inputs.
type Request = dyn Fn(&reqwest::Client, usize) -> Option<reqwest::RequestBuilder> + Send + Sync;
/// Whether an answer is the one the scenario is about.
type Expect = fn(StatusCode, &[u8]) -> bool;

struct Report {
    requests: usize,
    unexpected: usize,
    errors: usize,
    latencies: Vec<Duration>,
}

/// Runs one scenario and prints its line; answers its requests per second.
async fn hammer(name: &str, request: Arc<Request>, expect: Expect, healthz: Option<f64>) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + DURATION;
    let mut workers = Vec::new();
    for _ in 0..CLIENTS {
        let (request, next) = (request.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut report = Report {
                requests: 0,
                unexpected: 0,
                errors: 0,
                latencies: Vec::new(),
            };
            while Instant::now() < deadline {
                let Some(builder) = request(&client, next.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                let sent = Instant::now();
                match builder.send().await {
                    // A refusal (4xx) is an answer too; only 5xx and failures count as errors.
                    Ok(response) if !response.status().is_server_error() => {
                        let status = response.status();
                        let body = response.bytes().await.unwrap_or_default();
                        report.requests += 1;
                        report.unexpected += usize::from(!expect(status, &body));
                        report.latencies.push(sent.elapsed());
                    }
                    _ => report.errors += 1,
                }
            }
            report
        }));
    }
    let mut all = Report {
        requests: 0,
        unexpected: 0,
        errors: 0,
        latencies: Vec::new(),
    };
    for worker in workers {
        let report = worker.await.unwrap();
        all.requests += report.requests;
        all.unexpected += report.unexpected;
        all.errors += report.errors;
        all.latencies.extend(report.latencies);
    }
    let elapsed = started.elapsed().min(DURATION).as_secs_f64();
    all.latencies.sort();
    let percentile = |p: f64| {
        all.latencies
            .get(
                ((all.latencies.len() as f64 * p) as usize)
                    .min(all.latencies.len().saturating_sub(1)),
            )
            .copied()
            .unwrap_or_default()
    };
    let rate = all.requests as f64 / elapsed;
    let share = healthz
        .map(|h| format!("   {:>5.1}% of /healthz", rate / h * 100.0))
        .unwrap_or_default();
    println!(
        "{name:<44} {rate:>8.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   unexpected {}   errors {}   ({CLIENTS} clients, {elapsed:.1} s){share}",
        percentile(0.50).as_secs_f64() * 1000.0,
        percentile(0.99).as_secs_f64() * 1000.0,
        all.unexpected,
        all.errors,
    );
    rate
}

const OK: Expect = |status, _| status == StatusCode::OK;

/// Signers without a password (as AMS creates them), each with one device
/// added a day ago, so today's codes are all unused.
async fn seed_signers(svc: &Services, count: usize) -> Vec<(String, TotpSecret)> {
    let now = SystemClock.now();
    let device = DeviceName::parse("Ponsel").unwrap();
    let mut signers = Vec::with_capacity(count);
    for i in 0..count {
        let email = format!("penanda.{i}@beban.go.id");
        // 31 71 01 DD MM 80 SSSS: a valid, distinct NIK per signer.
        let (day, month, serial) = (i / 9_999 % 28 + 1, i / 9_999 / 28 % 12 + 1, i % 9_999 + 1);
        let record = SignerRecord {
            ams_id: None,
            email: OfficialEmail::parse(&email).unwrap(),
            full_name: PersonName::parse(&format!("Penanda {i}")).unwrap(),
            nik: Nik::parse(&format!("317101{day:02}{month:02}80{serial:04}")).unwrap(),
            phone: None,
            agency: None,
            status: AccountStatus::Verified,
        };
        let mut tx = svc.db.begin_write().await.unwrap();
        let applied = apply_signer_in(&mut tx, svc, &record, None, Actor::CommandLine, None, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let id = applied.upserted.id().clone();
        let (secret, _) = provision_device(svc, &id, &device, now - 86_400)
            .await
            .unwrap();
        signers.push((email, secret));
    }
    signers
}

#[tokio::main]
async fn main() {
    let data_dir = std::env::temp_dir().join(format!("tpo-load-{}", std::process::id()));
    let config = Config {
        bind_addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.clone(),
        rate_limit_per_minute: 10_000_000,
        seed_demo: false,
        ..Config::default()
    }
    .with_derived_defaults();
    let app = Application::start(config, Arc::new(SystemClock))
        .await
        .expect("server starts");
    let base = format!("http://{}", app.addr());
    println!("server on {base} (SQLite in {})", data_dir.display());
    let url = |path: &str| format!("{base}{path}");
    let get = |path: &str| -> Arc<Request> {
        let target = url(path);
        Arc::new(move |c, _| Some(c.get(&target)))
    };

    let healthz = hammer("GET /healthz", get("/healthz"), OK, None).await;
    let base_rate = Some(healthz);
    hammer(
        "GET /login (server-rendered page)",
        get("/login"),
        OK,
        base_rate,
    )
    .await;
    hammer("GET / (server-rendered page)", get("/"), OK, base_rate).await;
    // An unknown ticket: parsing, a database read and the refusal (409).
    let lookup = url("/api/tickets/lookup");
    hammer(
        "POST /api/tickets/lookup (db read)",
        Arc::new(move |c, _| {
            Some(
                c.post(&lookup)
                    .form(&[("number", "d1q0517"), ("email", "tidak.ada@kominfo.go.id")]),
            )
        }),
        |status, _| status == StatusCode::CONFLICT,
        base_rate,
    )
    .await;

    let svc = app.services().clone();
    let seeding = Instant::now();
    let signers = Arc::new(seed_signers(&svc, VALIDATE_SIGNERS).await);
    println!(
        "seeded {VALIDATE_SIGNERS} signers with a device in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let client = NewClient {
        name: ClientName::parse("AMS beban").unwrap(),
        scopes: Scopes::parse("validate").unwrap(),
        allow_from: AllowList::default(),
        // The highest budget a client can have: the limit is not what is measured.
        calls_per_minute: CallsPerMinute::new(CallsPerMinute::MAX).unwrap(),
    };
    let client = create(&svc, &client, Actor::CommandLine, None, SystemClock.now())
        .await
        .unwrap();
    let validate = url("/api/v1/validate");
    let token = client.token;
    hammer(
        "POST /api/v1/validate (valid code, AMS)",
        Arc::new(move |c, i| {
            let (email, secret) = signers.get(i)?;
            let code = secret.code_for_step(step_at(SystemClock.now()), 6);
            Some(
                c.post(&validate)
                    .bearer_auth(&token)
                    .json(&serde_json::json!({ "signer": email, "code": code })),
            )
        }),
        |status, body| status == StatusCode::OK && body.windows(10).any(|w| w == b"\"accepted\""),
        base_rate,
    )
    .await;
    app.stop().await;
    let _ = std::fs::remove_dir_all(data_dir);
}
