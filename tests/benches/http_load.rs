//! The load generator of `make bench` (scripts/bench.sh starts the server
//! processes and seeds the database with `server seed-bulk`): a few
//! concurrent clients drive each scenario for a few seconds and one line per
//! scenario reports requests per second, p50, p99, errors, the server's CPU
//! (from /proc/PID/stat over the window), requests per CPU-second and the
//! share of `/healthz`'s throughput measured in the same run.
//!
//! It reads the server's own settings from the environment (DATABASE_URL,
//! TPO_DATA_DIR, TPO_SECRET_KEY) to prepare what a scenario needs directly
//! in the database: login sessions waiting for a code (the password step is
//! measured on its own; creating tens of thousands of sessions through
//! Argon2 would take minutes), device secrets opened with the master key,
//! a service client.
//!
//! `cargo bench -p tests --bench http_load -- PHASE` with
//! - BENCH_URLS, BENCH_PIDS: the server processes (comma-separated);
//! - BENCH_SIGNERS=FIRST..END: the seeded signers this phase may use;
//! - TPO_TRUSTED_PROXIES=127.0.0.1/32 (each request names its own client
//!   address in X-Forwarded-For);
//! - BENCH_PASSWORD: their password; BENCH_STATE: a file carrying figures
//!   between phases; BENCH_SECONDS (8), BENCH_CLIENTS (8), BENCH_LABEL.
//!
//! Phases: `otp-small` (the OTP step on a small database), `all` (every
//! scenario), `otp-two` (the OTP step through two processes at once).

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use app::accounts::repo::{self as accounts_repo, NewSession};
use app::accounts::sessions::{self, AWAITING_OTP_SECONDS, Stage};
use app::accounts::types::OfficialEmail;
use app::audit::Actor;
use app::otp_devices::repo as devices_repo;
use app::otp_devices::totp::{TotpSecret, step_at};
use app::platform::clock::{Clock, SystemClock};
use app::platform::request::ClientInfo;
use app::platform::state::Services;
use app::service_clients::service::create;
use app::service_clients::types::{AllowList, CallsPerMinute, ClientName, NewClient, Scopes};
use reqwest::StatusCode;
use server::Config;
use server::seed_bulk::{email_of, name_of, nik_of};
use server::startup::build_services;

/// What one operation of a scenario measured.
struct Outcome {
    latency: Duration,
    /// The answer the scenario is about (a refusal can be right).
    expected: bool,
}

/// One operation: `None` when the scenario ran out of fresh inputs; `Err`
/// on a transport failure or a 5xx.
type OpFuture = Pin<Box<dyn Future<Output = Option<Result<Outcome, String>>> + Send>>;
type Op = Arc<dyn Fn(usize) -> OpFuture + Send + Sync>;

struct Bench {
    urls: Vec<String>,
    pids: Vec<u32>,
    http: reqwest::Client,
    svc: Arc<Services>,
    clients: usize,
    window: Duration,
    label: String,
    state: std::path::PathBuf,
    figures: BTreeMap<String, f64>,
    clock_ticks: f64,
}

/// Server CPU seconds so far (user + system) of the processes.
fn cpu_seconds(pids: &[u32], clock_ticks: f64) -> f64 {
    pids.iter()
        .map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map(|(_, rest)| rest.split_whitespace().collect())
                .unwrap_or_default();
            // Fields 14 and 15 of the file: the 12th and 13th after the name.
            let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
            ticks(11).unwrap_or(0.0) + ticks(12).unwrap_or(0.0)
        })
        .sum::<f64>()
        / clock_ticks
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).copied().unwrap_or_default().as_secs_f64() * 1000.0
}

impl Bench {
    /// Runs `op` from `clients` tasks until the window ends or the inputs
    /// run out; prints the scenario's line and keeps its figures under `key`.
    async fn scenario(&mut self, key: &str, name: &str, op: Op) {
        let next = Arc::new(AtomicUsize::new(0));
        let cpu_before = cpu_seconds(&self.pids, self.clock_ticks);
        let started = Instant::now();
        let deadline = started + self.window;
        let tasks: Vec<_> = (0..self.clients)
            .map(|_| {
                let (op, next) = (op.clone(), next.clone());
                tokio::spawn(async move {
                    let (mut latencies, mut unexpected, mut errors) = (Vec::new(), 0, 0);
                    while Instant::now() < deadline {
                        match op(next.fetch_add(1, Ordering::Relaxed)).await {
                            None => break,
                            Some(Ok(outcome)) => {
                                unexpected += usize::from(!outcome.expected);
                                latencies.push(outcome.latency);
                            }
                            Some(Err(_)) => errors += 1,
                        }
                    }
                    (latencies, unexpected, errors)
                })
            })
            .collect();
        let (mut latencies, mut unexpected, mut errors) = (Vec::new(), 0, 0);
        for task in tasks {
            let (l, u, e) = task.await.expect("a client task");
            latencies.extend(l);
            unexpected += u;
            errors += e;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds(&self.pids, self.clock_ticks) - cpu_before;
        latencies.sort();
        let done = latencies.len() + errors;
        let rate = latencies.len() as f64 / elapsed;
        let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
        let per_cpu = if cpu > 0.0 {
            latencies.len() as f64 / cpu
        } else {
            0.0
        };
        let healthz = self.figures.get("healthz_rps").copied();
        let share = healthz.map_or(String::from("    -"), |h| {
            format!("{:>5.1}%", rate / h * 100.0)
        });
        println!(
            "{:<8} {name:<44} {rate:>8.0} req/s  p50 {p50:>7.2} ms  p99 {p99:>7.2} ms  errors {:>4}  {:>5.2} cores  {per_cpu:>8.0} req/CPU-s  {share} of /healthz  ({done} in {elapsed:.1} s)",
            self.label,
            errors + unexpected,
            cpu / elapsed,
        );
        self.figures.insert(format!("{key}_rps"), rate);
        self.figures.insert(format!("{key}_p99"), p99);
    }

    fn save(&self) {
        let text: String = self
            .figures
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect();
        std::fs::write(&self.state, text).expect("writing BENCH_STATE");
    }

    fn get(&self, path: &'static str, check: fn(&[u8]) -> bool) -> Op {
        let (http, urls) = (self.http.clone(), self.urls.clone());
        Arc::new(move |i| {
            let (http, url) = (http.clone(), format!("{}{path}", urls[i % urls.len()]));
            Box::pin(async move {
                let sent = Instant::now();
                let response = http.get(url).send().await;
                Some(
                    answer(response, sent, |status, body| {
                        status == StatusCode::OK && check(body)
                    })
                    .await,
                )
            })
        })
    }
}

/// The outcome of a request: its latency and whether `expect` holds.
async fn answer(
    response: reqwest::Result<reqwest::Response>,
    sent: Instant,
    expect: impl Fn(StatusCode, &[u8]) -> bool,
) -> Result<Outcome, String> {
    let response = response.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    let latency = sent.elapsed();
    if status.is_server_error() {
        return Err(format!("{status}"));
    }
    Ok(Outcome {
        latency,
        expected: expect(status, &body),
    })
}

/// A signer ready for the code step: a waiting session's token and the
/// secret of the device whose code it will send.
struct Waiting {
    email: String,
    token: String,
    secret: TotpSecret,
}

/// For each signer in `range`, a login session waiting for a code (as the
/// password step leaves it) and the secret of its device number `device`.
async fn waiting_sessions(svc: &Services, range: Range<usize>, device: usize) -> Vec<Waiting> {
    let now = SystemClock.now();
    let client = ClientInfo {
        ip: "127.0.0.1".parse().unwrap(),
        user_agent: Some("tpo-bench".into()),
    };
    let mut tx = svc.db.begin_write().await.expect("a transaction");
    let mut ready = Vec::with_capacity(range.len());
    for n in range {
        let email = email_of(n);
        let account = accounts_repo::find_by_email(&mut tx, &OfficialEmail::parse(&email).unwrap())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("signer {n} ({email}) is not seeded"));
        let devices = devices_repo::for_account(&mut tx, &account.id)
            .await
            .unwrap();
        let row = &devices[device % devices.len()];
        let secret = svc
            .keys
            .open(row.id.as_str().as_bytes(), &row.secret_sealed)
            .expect("the master key opens the seeded secrets");
        let session = NewSession {
            account_id: &account.id,
            device_id: None,
            stage: Stage::AwaitingOtp,
            expires_at: now + AWAITING_OTP_SECONDS,
        };
        let token = accounts_repo::create_session(&mut tx, session, &client, now)
            .await
            .unwrap();
        ready.push(Waiting {
            email,
            token: token.text,
            secret: TotpSecret::from_bytes(secret),
        });
    }
    tx.commit().await.unwrap();
    ready
}

/// The client address request `i` comes from, as the proxy in front of the
/// server (the bench, trusted through TPO_TRUSTED_PROXIES) says: one
/// address per request, so the per-address failure budgets (measured by
/// their own tests) are not what is measured.
fn client_address(i: usize) -> String {
    format!("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255)
}

fn current_code(secret: &TotpSecret) -> String {
    secret.code_for_step(step_at(SystemClock.now()), 6)
}

/// The code step of login with each waiting session once: `valid` sends
/// the device's current code (answer 200), else a wrong one (answer 4xx).
fn code_step(bench: &Bench, ready: Vec<Waiting>, valid: bool) -> Op {
    let ready = Arc::new(ready);
    let (http, urls) = (bench.http.clone(), bench.urls.clone());
    let cookie = sessions::cookie_name(&bench.svc.settings);
    Arc::new(move |i| {
        let (http, ready) = (http.clone(), ready.clone());
        let url = format!("{}/api/login/code", urls[i % urls.len()]);
        Box::pin(async move {
            let waiting = ready.get(i)?;
            let code = if valid {
                current_code(&waiting.secret)
            } else {
                "000000".to_string()
            };
            let sent = Instant::now();
            let response = http
                .post(url)
                .header("cookie", format!("{cookie}={}", waiting.token))
                .header("x-forwarded-for", client_address(i))
                .form(&[("code", code.as_str())])
                .send()
                .await;
            Some(
                answer(response, sent, move |status, _| {
                    status.is_success() == valid
                })
                .await,
            )
        })
    })
}

fn signers_from_env() -> Range<usize> {
    let text = std::env::var("BENCH_SIGNERS").expect("BENCH_SIGNERS=FIRST..END");
    let (first, end) = text.split_once("..").expect("BENCH_SIGNERS=FIRST..END");
    first.parse().unwrap()..end.parse().unwrap()
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Takes up to `count` signers off the front of `pool`.
fn take(pool: &mut Range<usize>, count: usize) -> Range<usize> {
    let end = (pool.start + count).min(pool.end);
    let taken = pool.start..end;
    pool.start = end;
    taken
}

#[tokio::main]
async fn main() {
    let phase = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "all".into());
    let config = Config::load(None).expect("the server's settings");
    let svc = build_services(&config, Arc::new(SystemClock))
        .await
        .expect("the database of the server under test");
    let list = |name: &str| -> Vec<String> {
        std::env::var(name)
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    let clients = env_or("BENCH_CLIENTS", 8);
    let state: std::path::PathBuf = env_or("BENCH_STATE", "bench-state".into());
    let figures = std::fs::read_to_string(&state)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
        .collect();
    let mut bench = Bench {
        urls: list("BENCH_URLS"),
        pids: list("BENCH_PIDS")
            .iter()
            .map(|p| p.parse().expect("a process id"))
            .collect(),
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .build()
            .unwrap(),
        svc,
        clients,
        window: Duration::from_secs(env_or("BENCH_SECONDS", 8)),
        label: env_or("BENCH_LABEL", String::new()),
        state,
        figures,
        clock_ticks: env_or("BENCH_CLOCK_TICKS", 100.0),
    };
    let mut pool = signers_from_env();
    let password: String = env_or("BENCH_PASSWORD", String::new());
    let svc = bench.svc.clone();
    match phase.as_str() {
        "otp-small" => {
            // Every device of every signer once: a fresh session and device per request.
            let mut ready = Vec::new();
            for device in 0..3 {
                ready.extend(waiting_sessions(&svc, pool.clone(), device).await);
            }
            let count = ready.len();
            bench
                .figures
                .insert("small_signers".into(), pool.end as f64);
            let op = code_step(&bench, ready, true);
            bench
                .scenario(
                    "otp_small",
                    &format!("login code step, valid ({count} requests)"),
                    op,
                )
                .await;
        }
        "all" => all_scenarios(&mut bench, &mut pool, &password).await,
        "otp-two" => {
            let ready = waiting_sessions(&svc, take(&mut pool, 40_000), 2).await;
            let op = code_step(&bench, ready, true);
            bench
                .scenario("otp_two", "login code step, valid, 2 processes", op)
                .await;
            let one = bench.figures.get("otp_valid_rps").copied().unwrap_or(0.0);
            let two = bench.figures["otp_two_rps"];
            println!(
                "{:<8} two processes on one database: {two:.0} req/s together, {:.2}× one process ({one:.0} req/s)",
                bench.label,
                two / one
            );
        }
        other => panic!("unknown phase {other}"),
    }
    bench.save();
    bench.svc.db.close().await;
}

async fn all_scenarios(bench: &mut Bench, pool: &mut Range<usize>, password: &str) {
    let svc = bench.svc.clone();
    let total = pool.end;
    // Fresh signers for each scenario that spends them: a share of the pool,
    // more than a window needs at the rates seen on two cores.
    let share = (pool.len() / 5).min(40_000);
    let op = bench.get("/healthz", |_| true);
    bench.scenario("healthz", "GET /healthz", op).await;
    let op = bench.get("/login", |body| body.windows(9).any(|w| w == b"kata sand"));
    bench
        .scenario("login_page", "GET /login (server-rendered)", op)
        .await;

    // The password step (Argon2id): any seeded signer, the right password.
    let (http, urls, first, password) = (
        bench.http.clone(),
        bench.urls.clone(),
        pool.start,
        password.to_string(),
    );
    let op: Op = Arc::new(move |i| {
        let (http, password) = (http.clone(), password.clone());
        let url = format!("{}/api/login/password", urls[i % urls.len()]);
        Box::pin(async move {
            let email = email_of(first + i % 1_000);
            let sent = Instant::now();
            let response = http
                .post(url)
                .header("x-forwarded-for", client_address(i))
                .form(&[("email", email.as_str()), ("password", password.as_str())])
                .send()
                .await;
            Some(answer(response, sent, |status, _| status == StatusCode::OK).await)
        })
    });
    bench
        .scenario("password", "login password step (Argon2id)", op)
        .await;

    let ready = waiting_sessions(&svc, take(pool, share), 0).await;
    let op = code_step(bench, ready, true);
    bench
        .scenario("otp_valid", "login code step, valid codes", op)
        .await;
    // As many requests as on the small database (3 devices of 1,000 signers).
    let ready = waiting_sessions(&svc, take(pool, 3_000), 1).await;
    let count = ready.len();
    let op = code_step(bench, ready, true);
    bench
        .scenario(
            "otp_large",
            &format!("login code step, valid ({count} requests)"),
            op,
        )
        .await;
    if let (Some(small), Some(signers)) = (
        bench.figures.get("otp_small_p99"),
        bench.figures.get("small_signers"),
    ) {
        let large = bench.figures["otp_large_p99"];
        println!(
            "{:<8} login code step p99: {small:.2} ms with {signers} signers, {large:.2} ms with {total} signers: {:.2}×",
            bench.label,
            large / small
        );
    }
    let ready = waiting_sessions(&svc, take(pool, share), 0).await;
    let op = code_step(bench, ready, false);
    bench
        .scenario("otp_wrong", "login code step, wrong codes", op)
        .await;

    // The validation API (AMS): each request another signer's current code.
    let client = NewClient {
        name: ClientName::parse("AMS beban").unwrap(),
        scopes: Scopes::parse("validate").unwrap(),
        allow_from: AllowList::default(),
        calls_per_minute: CallsPerMinute::new(CallsPerMinute::MAX).unwrap(),
    };
    let token = create(&svc, &client, Actor::CommandLine, None, SystemClock.now())
        .await
        .unwrap()
        .token;
    let ready = Arc::new(waiting_sessions(&svc, take(pool, share), 0).await);
    let (http, urls) = (bench.http.clone(), bench.urls.clone());
    let op: Op = Arc::new(move |i| {
        let (http, ready, token) = (http.clone(), ready.clone(), token.clone());
        let url = format!("{}/api/v1/validate", urls[i % urls.len()]);
        Box::pin(async move {
            let signer = ready.get(i)?;
            let body =
                serde_json::json!({ "signer": signer.email, "code": current_code(&signer.secret) });
            let sent = Instant::now();
            let response = http.post(url).bearer_auth(token).json(&body).send().await;
            Some(
                answer(response, sent, |status, body| {
                    status == StatusCode::OK && body.windows(10).any(|w| w == b"\"accepted\"")
                })
                .await,
            )
        })
    });
    bench
        .scenario("validate", "validation API (AMS), valid codes", op)
        .await;

    // Helpdesk: "Periksa" (not measured), then the Permohonan OTP (measured).
    let signers = take(pool, share);
    let (http, urls) = (bench.http.clone(), bench.urls.clone());
    let op: Op = Arc::new(move |i| {
        let http = http.clone();
        let n = signers.start + i;
        let base = urls[i % urls.len()].clone();
        Box::pin(async move {
            if n >= signers.end {
                return None;
            }
            let email = email_of(n);
            let checked = http
                .post(format!("{base}/api/helpdesk/check"))
                .header("x-forwarded-for", client_address(i))
                .form(&[("email", email.as_str())])
                .send()
                .await;
            let cookies: Vec<String> = match checked {
                Ok(r) if r.status().is_success() => r
                    .headers()
                    .get_all("set-cookie")
                    .iter()
                    .filter_map(|v| v.to_str().ok()?.split(';').next().map(String::from))
                    .collect(),
                Ok(r) => return Some(Err(format!("check: {}", r.status()))),
                Err(e) => return Some(Err(e.to_string())),
            };
            let (nik, name) = (nik_of(n), name_of(n));
            let sent = Instant::now();
            let response = http
                .post(format!("{base}/api/helpdesk/submit"))
                .header("cookie", cookies.join("; "))
                .header("x-forwarded-for", client_address(i))
                .form(&[
                    ("category", "otp_request"),
                    ("full_name", name.as_str()),
                    ("nik", nik.digits()),
                ])
                .send()
                .await;
            Some(
                answer(response, sent, |status, _| {
                    status.is_success() || status.is_redirection()
                })
                .await,
            )
        })
    });
    bench
        .scenario("ticket", "helpdesk ticket (Permohonan OTP)", op)
        .await;
}
