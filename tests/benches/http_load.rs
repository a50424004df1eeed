//! The load generator of `make bench` (scripts/bench.sh starts the server
//! processes and seeds the database with `server seed-bulk`): a few
//! concurrent clients drive each scenario for a few seconds and one line per
//! scenario reports requests per second, p50, p99, errors, the server's CPU
//! (from /proc/PID/stat over the window), requests per CPU-second, the
//! share of `/healthz`'s throughput measured in the same run, and the CPU
//! the generator itself and (PostgreSQL) the database server used: all
//! three share the machine. `/healthz`, the reference of the shares, is
//! driven by wrk (two threads): it spends far less CPU per request than this
//! generator, which would otherwise set the pace of the cheapest request
//! rather than the server; this generator's own `/healthz` is printed too,
//! as the ceiling it puts on the other scenarios.
//!
//! It reads the server's own settings from the environment (DATABASE_URL,
//! TPO_DATA_DIR, TPO_SECRET_KEY) to prepare what a scenario needs directly
//! in the database: login sessions waiting for a code (the password step is
//! measured on its own; creating tens of thousands of sessions through
//! Argon2 would take minutes), device secrets opened with the master key,
//! a service client, tickets with a live identity-check or setup link (the
//! setup secret revealed by the setup page's own service).
//!
//! A scenario whose every request spends a fresh input (a session, a
//! ticket) runs a short warm-up first and prepares inputs for the window at
//! the rate it saw, within its share of the signers; if they still run out,
//! its figures cover the time actually spent and its line says so.
//!
//! `cargo bench -p tests --bench http_load -- PHASE` with
//! - BENCH_URLS, BENCH_PIDS: the server processes (comma-separated);
//! - BENCH_DATABASE_PID: PostgreSQL's postmaster, if any;
//! - BENCH_SIGNERS=FIRST..END: the seeded signers this phase may use;
//! - TPO_TRUSTED_PROXIES=127.0.0.1/32 (each request names its own client
//!   address in X-Forwarded-For);
//! - BENCH_PASSWORD: their password; BENCH_STATE: a file carrying figures
//!   between phases; BENCH_SECONDS (8), BENCH_CLIENTS (8), BENCH_LABEL.
//!
//! Phases: `otp-small` (the OTP step on a small database), `all` (every
//! scenario), `otp-two` (the OTP step through the first process alone, then
//! through the others at once, with BENCH_CLIENTS in all and then
//! BENCH_CLIENTS each).

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use app::accounts::repo::{self as accounts_repo, NewSession};
use app::accounts::sessions::{self, AWAITING_OTP_SECONDS, Stage};
use app::accounts::types::{OfficialEmail, PersonName};
use app::audit::Actor;
use app::identity_check::types::{CONSENT_FIELD, CONSENT_GIVEN};
use app::otp_devices::repo as devices_repo;
use app::otp_devices::totp::{TotpSecret, step_at};
use app::otp_setup::service as setup;
use app::otp_setup::views::SetupPageState;
use app::platform::clock::{Clock, SystemClock};
use app::platform::request::ClientInfo;
use app::platform::state::Services;
use app::service_clients::service::create;
use app::service_clients::types::{AllowList, CallsPerMinute, ClientName, NewClient, Scopes};
use app::tickets::links;
use app::tickets::repo as tickets_repo;
use app::tickets::service::{Origin, OtpRequest, request_otp_in};
use app::tickets::types::{LinkPurpose, TicketStatus};
use reqwest::StatusCode;
use server::Config;
use server::seed_bulk::{email_of, name_of, nik_of};
use server::startup::build_services;
use tests::wrk::{WrkReport, parse_wrk};

/// The selfie the identity-check scenario uploads (the e2e and API tests' face).
const FACE: &[u8] = include_bytes!("../fixtures/astronaut.jpg");
/// The device name the setup scenario gives.
const SETUP_DEVICE: &str = "Hp Uji Beban";
/// The figure of BENCH_STATE naming the first signer the `all` phase left unspent.
const UNSPENT_SIGNERS: &str = "unspent_signers_from";
/// How long the warm-up of a scenario with fresh inputs runs at most.
const WARM_UP: Duration = Duration::from_secs(1);
/// The scenarios whose target is a share of `/healthz`'s throughput: each
/// is also compared with `/healthz` measured just before and after it.
const TARGETS: [&str; 2] = ["otp_valid", "validate"];
/// How long `/healthz` runs on each side of a target scenario.
const BESIDE: Duration = Duration::from_secs(2);

/// What one operation of a scenario measured.
struct Outcome {
    latency: Duration,
    /// The status and the start of the body of an answer the scenario is
    /// not about (a refusal can be the right answer).
    unexpected: Option<String>,
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
    /// PostgreSQL's postmaster, whose processes' CPU is reported too.
    database_pid: Option<u32>,
}

/// CPU seconds so far (user + system) of one process, every thread
/// included; 0 once it is gone.
fn process_cpu_seconds(pid: u32, clock_ticks: f64) -> f64 {
    let ticks = stat_fields(pid)
        .map(|fields| {
            // Fields 14 and 15 of the file: the 12th and 13th after the name.
            let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
            tick(11).unwrap_or(0.0) + tick(12).unwrap_or(0.0)
        })
        .unwrap_or(0.0);
    ticks / clock_ticks
}

/// The fields of `/proc/PID/stat` after the process's name.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(String::from).collect())
}

/// PostgreSQL's postmaster and its children (a backend per connection,
/// the WAL writer, the checkpointer…).
fn process_tree(postmaster: u32) -> Vec<u32> {
    let children = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            // Field 4 of the file, the parent: the 2nd after the name.
            stat_fields(pid).and_then(|fields| fields.get(1)?.parse::<u32>().ok())
                == Some(postmaster)
        });
    std::iter::once(postmaster).chain(children).collect()
}

/// Where the machine's CPU went so far: the server processes, this load
/// generator and, on PostgreSQL, each process of the database server.
#[derive(Clone, Default)]
struct CpuSeconds {
    server: f64,
    generator: f64,
    database: Option<BTreeMap<u32, f64>>,
}

/// CPU seconds used between two readings.
#[derive(Clone, Copy, Default)]
struct CpuUsed {
    server: f64,
    generator: f64,
    /// A database process that ended between the two readings is left
    /// out, rather than counted as negative (backends are pooled and
    /// stay; an autovacuum worker may come and go).
    database: Option<f64>,
}

impl CpuSeconds {
    fn since(&self, before: &CpuSeconds) -> CpuUsed {
        let database = self.database.as_ref().map(|now| {
            let before = before.database.clone().unwrap_or_default();
            now.iter()
                .map(|(pid, seconds)| seconds - before.get(pid).copied().unwrap_or(0.0))
                .sum()
        });
        CpuUsed {
            server: self.server - before.server,
            generator: self.generator - before.generator,
            database,
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).copied().unwrap_or_default().as_secs_f64() * 1000.0
}

/// What one run of a scenario measured.
struct Run {
    /// Latencies of the answers, sorted.
    latencies: Vec<Duration>,
    errors: usize,
    /// What the first error was (a refused connection, a 5xx status).
    first_error: Option<String>,
    unexpected: usize,
    /// Seconds from the first request to the last answer.
    elapsed: f64,
    /// CPU seconds over the same time.
    cpu: CpuUsed,
    /// Whether the fresh inputs ran out before the window ended.
    ran_out: bool,
}

impl Run {
    /// Answers per second over the time actually spent.
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed
    }

    fn summary(self) -> Summary {
        Summary {
            rate: self.rate(),
            p50: percentile(&self.latencies, 0.5),
            p99: percentile(&self.latencies, 0.99),
            answered: self.latencies.len(),
            errors: self.errors,
            unexpected: self.unexpected,
            first_error: self.first_error,
            elapsed: self.elapsed,
            cpu: self.cpu,
            ran_out: self.ran_out,
        }
    }
}

/// What a scenario's line reports, whichever generator drove it.
struct Summary {
    rate: f64,
    /// Milliseconds.
    p50: f64,
    p99: f64,
    answered: usize,
    errors: usize,
    unexpected: usize,
    first_error: Option<String>,
    elapsed: f64,
    cpu: CpuUsed,
    ran_out: bool,
}

impl Bench {
    fn cpu_seconds(&self) -> CpuSeconds {
        let sum = |pids: &[u32]| {
            pids.iter()
                .map(|&pid| process_cpu_seconds(pid, self.clock_ticks))
                .sum()
        };
        CpuSeconds {
            server: sum(&self.pids),
            generator: process_cpu_seconds(std::process::id(), self.clock_ticks),
            database: self.database_pid.map(|postmaster| {
                process_tree(postmaster)
                    .into_iter()
                    .map(|pid| (pid, process_cpu_seconds(pid, self.clock_ticks)))
                    .collect()
            }),
        }
    }

    /// Runs `op` from `clients` tasks until `window` ends or the inputs run
    /// out; the clock stops when the last client is done.
    async fn run(&self, op: &Op, window: Duration) -> Run {
        let next = Arc::new(AtomicUsize::new(0));
        let cpu_before = self.cpu_seconds();
        let started = Instant::now();
        let deadline = started + window;
        let tasks: Vec<_> = (0..self.clients)
            .map(|_| {
                let (op, next) = (op.clone(), next.clone());
                tokio::spawn(async move {
                    let (mut latencies, mut unexpected, mut errors) = (Vec::new(), 0, 0);
                    let mut first_error = None;
                    let ran_out = loop {
                        if Instant::now() >= deadline {
                            break false;
                        }
                        match op(next.fetch_add(1, Ordering::Relaxed)).await {
                            None => break true,
                            Some(Ok(outcome)) => {
                                if let Some(answer) = outcome.unexpected {
                                    unexpected += 1;
                                    first_error.get_or_insert(format!("unexpected {answer}"));
                                }
                                latencies.push(outcome.latency);
                            }
                            Some(Err(error)) => {
                                errors += 1;
                                first_error.get_or_insert(error);
                            }
                        }
                    };
                    (latencies, unexpected, errors, first_error, ran_out)
                })
            })
            .collect();
        let mut run = Run {
            latencies: Vec::new(),
            errors: 0,
            first_error: None,
            unexpected: 0,
            elapsed: 0.0,
            cpu: CpuUsed::default(),
            ran_out: false,
        };
        for task in tasks {
            let (l, u, e, first_error, ran_out) = task.await.expect("a client task");
            run.latencies.extend(l);
            run.unexpected += u;
            run.errors += e;
            run.first_error = run.first_error.or(first_error);
            run.ran_out |= ran_out;
        }
        run.elapsed = started.elapsed().as_secs_f64();
        run.cpu = self.cpu_seconds().since(&cpu_before);
        run.latencies.sort();
        run
    }

    /// Runs `op` for the window; prints the scenario's line and keeps its
    /// figures under `key`. Figures are over the time actually spent.
    async fn scenario(&mut self, key: &str, name: &str, op: Op) {
        let run = self.run(&op, self.window).await;
        self.report(key, name, run.summary());
    }

    /// `GET /healthz` driven by wrk for `window`: two threads and a
    /// connection per client (`wrk -t2 -c8` by default, as the reference
    /// figures of the bench's targets were measured). The generator's CPU
    /// in its figures is wrk's.
    async fn wrk_healthz(&self, window: Duration) -> Summary {
        let cpu_before = self.cpu_seconds();
        let started = Instant::now();
        let mut wrk = std::process::Command::new("wrk")
            .arg("--latency")
            .arg(format!("-t{}", self.clients.min(2)))
            .arg(format!("-c{}", self.clients))
            .arg(format!("-d{}s", window.as_secs().max(1)))
            .arg(format!("{}/healthz", self.urls[0]))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("wrk (scripts/ensure-tools.sh --bench installs it)");
        // Its CPU is read while it is a zombie: ended, not yet reaped.
        let mut wrk_cpu = 0.0;
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let state = stat_fields(wrk.id()).and_then(|f| f.first().cloned());
            if state.as_deref() == Some("Z") {
                wrk_cpu = process_cpu_seconds(wrk.id(), self.clock_ticks);
                break;
            }
            if state.is_none() || started.elapsed() > window * 4 + Duration::from_secs(5) {
                let _ = wrk.kill();
                break;
            }
        }
        let output = wrk.wait_with_output().expect("wrk's report");
        let elapsed = started.elapsed().as_secs_f64();
        let mut cpu = self.cpu_seconds().since(&cpu_before);
        cpu.generator = wrk_cpu;
        let report = String::from_utf8_lossy(&output.stdout);
        let WrkReport {
            answered,
            rate,
            p50,
            p99,
            errors,
        } = parse_wrk(&report)
            .unwrap_or_else(|| panic!("wrk printed no report it could read:\n{report}"));
        Summary {
            rate,
            p50,
            p99,
            answered,
            errors,
            unexpected: 0,
            first_error: (errors > 0).then(|| format!("{errors} refused or failed (wrk)")),
            elapsed,
            cpu,
            ran_out: false,
        }
    }

    /// Prints a scenario's line and keeps its figures under `key`.
    fn report(&mut self, key: &str, name: &str, run: Summary) {
        let Summary {
            rate,
            p50,
            p99,
            answered,
            errors,
            unexpected,
            first_error,
            elapsed,
            cpu,
            ran_out,
        } = run;
        let done = answered + errors;
        let per_cpu = if cpu.server > 0.0 {
            answered as f64 / cpu.server
        } else {
            0.0
        };
        let healthz = self.figures.get("healthz_rps").copied();
        let share = healthz.map_or(String::from("    -"), |h| {
            format!("{:>5.1}%", rate / h * 100.0)
        });
        let span = if ran_out {
            format!("{done} requests, inputs ran out after {elapsed:.1} s")
        } else {
            format!("{done} in {elapsed:.1} s")
        };
        let mut others = format!("generator {:.2} cores", cpu.generator / elapsed);
        if let Some(database) = cpu.database {
            others += &format!(", database {:.2} cores", database / elapsed);
        }
        println!(
            "{:<8} {name:<44} {rate:>8.0} req/s  p50 {p50:>7.2} ms  p99 {p99:>7.2} ms  errors {:>4}  {:>5.2} cores  {per_cpu:>8.0} req/CPU-s  {share} of /healthz  ({span}; {others})",
            self.label,
            errors + unexpected,
            cpu.server / elapsed,
        );
        if let Some(error) = first_error {
            println!("{:<8}   the first error: {error}", self.label);
        }
        self.figures.insert(format!("{key}_rps"), rate);
        self.figures.insert(format!("{key}_p99"), p99);
    }

    /// A scenario whose every request spends a fresh input, made by
    /// `prepare` for signers of `signers`: a short warm-up on a few inputs
    /// measures the rate, then inputs for the window at twice that rate are
    /// made, within this scenario's share of the signers left.
    async fn fresh<T>(
        &mut self,
        key: &str,
        name: &str,
        signers: &mut Signers,
        prepare: impl AsyncFn(Range<usize>) -> Vec<T>,
        make_op: impl Fn(&Bench, Vec<T>) -> Op,
    ) {
        let share = signers.share(key);
        let warm_up = signers.take((self.clients * 32).min(share / 4));
        let warm_up = make_op(self, prepare(warm_up).await);
        let run = self.run(&warm_up, WARM_UP.min(self.window)).await;
        // Twice the rate seen: a warm-up's first requests are slower, and
        // the shared machine's pace varies.
        let rate = run.rate();
        let needed = (rate * self.window.as_secs_f64() * 2.0) as usize + self.clients;
        let inputs = signers.take(needed.min(share.saturating_sub(share / 4)));
        signers.scenario_done(key);
        if inputs.is_empty() {
            println!(
                "{:<8} {name:<44} not run: no fresh signers left (raise BENCH_SIGNERS)",
                self.label
            );
            return;
        }
        let op = make_op(self, prepare(inputs).await);
        // Once the `all` phase measured `/healthz`, it runs again beside each target.
        if !(self.figures.contains_key("healthz_rps") && TARGETS.contains(&key)) {
            return self.scenario(key, name, op).await;
        }
        // The machine's pace drifts within minutes (see the drift line):
        // the share of the `/healthz` measured around the scenario is the
        // one a slow or fast stretch does not skew.
        let before = self.wrk_healthz(BESIDE).await.rate;
        self.scenario(key, name, op).await;
        let after = self.wrk_healthz(BESIDE).await.rate;
        let share = self.figures[&format!("{key}_rps")] / ((before + after) / 2.0);
        println!(
            "{:<8} {name}: {:.1}% of /healthz measured just before and after it ({before:.0} and {after:.0} req/s)",
            self.label,
            share * 100.0
        );
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
    let unexpected = (!expect(status, &body)).then(|| {
        let text = String::from_utf8_lossy(&body);
        format!("{status}: {}", text.chars().take(160).collect::<String>())
    });
    Ok(Outcome {
        latency,
        unexpected,
    })
}

/// A signer ready for the code step: a waiting session's token and the
/// secret of the device whose code it will send.
#[derive(Clone)]
struct Waiting {
    email: String,
    token: String,
    secret: TotpSecret,
    /// The secrets of the account's other devices, whose codes a wrong
    /// code must not be either.
    others: Vec<TotpSecret>,
}

/// For each signer in `range`, a login session waiting for a code (as the
/// password step leaves it) and the secret of its device number `device`.
async fn waiting_sessions(svc: &Services, range: Range<usize>, device: usize) -> Vec<Waiting> {
    let (client, now) = (bench_client(), SystemClock.now());
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
        let open = |row: &devices_repo::DeviceRow| {
            let secret = svc
                .keys
                .open(row.id.as_str().as_bytes(), &row.secret_sealed);
            TotpSecret::from_bytes(secret.expect("the master key opens the seeded secrets"))
        };
        let chosen = device % devices.len();
        let others = devices
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != chosen)
            .map(|(_, row)| open(row))
            .collect();
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
            token,
            secret: open(&devices[chosen]),
            others,
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

/// A code none of the account's devices gives for a step near now, so
/// that the answer is "wrong code": a fixed "000000" was a right one once
/// in 13,720 requests, and one that avoided only the sending device's codes
/// was another device's once in 8,583.
fn wrong_code(waiting: &Waiting) -> String {
    let step = step_at(SystemClock.now());
    let near: Vec<String> = std::iter::once(&waiting.secret)
        .chain(&waiting.others)
        .flat_map(|secret| (step - 2..=step + 2).map(move |step| secret.code_for_step(step, 6)))
        .collect();
    (0..=near.len())
        .map(|n| format!("{n:06}"))
        .find(|code| !near.contains(code))
        .expect("one more candidate than there are codes to avoid")
}

/// An operation whose request `i` spends input `i` (none once they are all
/// spent), sent by `send` to the servers in turn.
fn spending<T, F, Fut>(bench: &Bench, inputs: Vec<T>, send: F) -> Op
where
    T: Clone + Send + Sync + 'static,
    F: Fn(reqwest::Client, String, usize, T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Outcome, String>> + Send + 'static,
{
    let (http, urls) = (bench.http.clone(), bench.urls.clone());
    Arc::new(move |i| {
        let Some(input) = inputs.get(i).cloned() else {
            return Box::pin(async { None });
        };
        let sending = send(http.clone(), urls[i % urls.len()].clone(), i, input);
        Box::pin(async move { Some(sending.await) })
    })
}

/// The code step of login with each waiting session once: `valid` sends
/// the device's current code (answer 200), else a wrong one (answer 4xx).
fn code_step(bench: &Bench, ready: Vec<Waiting>, valid: bool) -> Op {
    let cookie = sessions::cookie_name(&bench.svc.settings);
    spending(bench, ready, move |http, base, i, waiting| {
        let cookie = format!("{cookie}={}", waiting.token);
        async move {
            let code = if valid {
                current_code(&waiting.secret)
            } else {
                wrong_code(&waiting)
            };
            let sent = Instant::now();
            let response = http
                .post(format!("{base}/api/login/code"))
                .header("cookie", cookie)
                .header("x-forwarded-for", client_address(i))
                .form(&[("code", code.as_str())])
                .send()
                .await;
            answer(response, sent, move |status, _| {
                status.is_success() == valid
            })
            .await
        }
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

/// The seeded signers a phase may spend, shared out between the scenarios
/// still to run by their `shares`, so that each gets some.
struct Signers {
    pool: Range<usize>,
    shares_left: usize,
}

impl Signers {
    /// `pool` for the scenarios `to_come`.
    fn new<'a>(pool: Range<usize>, to_come: impl IntoIterator<Item = &'a str>) -> Self {
        let shares_left = to_come.into_iter().map(shares).sum();
        Self { pool, shares_left }
    }

    /// What scenario `key`, the next to run, may spend.
    fn share(&self, key: &str) -> usize {
        self.pool.len() * shares(key) / self.shares_left.max(1)
    }

    /// Takes up to `count` signers off the front of the pool.
    fn take(&mut self, count: usize) -> Range<usize> {
        let end = (self.pool.start + count).min(self.pool.end);
        let taken = self.pool.start..end;
        self.pool.start = end;
        taken
    }

    fn scenario_done(&mut self, key: &str) {
        self.shares_left = self.shares_left.saturating_sub(shares(key));
    }
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
        database_pid: std::env::var("BENCH_DATABASE_PID")
            .ok()
            .map(|pid| pid.trim().parse().expect("a process id")),
    };
    let pool = signers_from_env();
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
        "all" => all_scenarios(&mut bench, pool, &password).await,
        "otp-two" => {
            let unspent = bench.figures.get(UNSPENT_SIGNERS).map(|&n| n as usize);
            let unspent = unspent.unwrap_or(pool.start).max(pool.start)..pool.end;
            let clients = bench.clients;
            let (urls, pids) = (bench.urls.clone(), bench.pids.clone());
            // The first server alone, with the machine's every core; the
            // others each with their share of them (TPO_WORKER_THREADS),
            // as processes sharing a machine are run.
            let (alone, together) = (0..1, 1..urls.len());
            let processes = together.len();
            // The one process alone, then its clients shared out between
            // the processes (what the split costs), then as many again for
            // each process (what a second process adds): each pair of
            // figures taken a few seconds apart, since the machine's pace
            // drifts within minutes, and in rounds whose median ratio is
            // the one a slow or fast stretch does not decide.
            let runs = [
                (OTP_ONE, alone, clients),
                (OTP_TWO, together.clone(), clients),
                (OTP_TWO_EACH, together, clients * processes),
            ];
            let mut signers = Signers::new(
                unspent,
                (0..TWO_PROCESS_ROUNDS).flat_map(|_| runs.clone().map(|(key, _, _)| key)),
            );
            let mut ratios = vec![Vec::new(); runs.len() - 1];
            for round in 1..=TWO_PROCESS_ROUNDS {
                let mut rates = Vec::new();
                for (key, servers, clients_now) in runs.clone() {
                    let processes_now = servers.len();
                    let name = format!(
                        "login code step, {processes_now} process{} × {} clients ({round}/{TWO_PROCESS_ROUNDS})",
                        if processes_now == 1 { "" } else { "es" },
                        clients_now / processes_now
                    );
                    bench.urls = urls[servers.clone()].to_vec();
                    bench.pids = pids[servers].to_vec();
                    bench.clients = clients_now;
                    bench
                        .fresh(
                            key,
                            &name,
                            &mut signers,
                            async |range| waiting_sessions(&svc, range, 2).await,
                            |bench, ready| code_step(bench, ready, true),
                        )
                        .await;
                    rates.push(bench.figures.remove(&format!("{key}_rps")));
                }
                if let [Some(one), together @ ..] = rates.as_slice() {
                    for (ratios, together) in ratios.iter_mut().zip(together) {
                        ratios.extend(together.map(|together| together / one));
                    }
                }
            }
            (bench.urls, bench.pids, bench.clients) = (urls, pids, clients);
            for ((_, _, clients_now), mut ratios) in runs[1..].iter().zip(ratios) {
                ratios.sort_by(f64::total_cmp);
                let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.2}×")).collect();
                let median = ratios.get(ratios.len() / 2).copied().unwrap_or(0.0);
                println!(
                    "{:<8} {processes} processes × {} clients on one database: {median:.2}× one process × {clients} clients just before, median of {} rounds ({})",
                    bench.label,
                    clients_now / processes,
                    ratios.len(),
                    shown.join(", ")
                );
            }
        }
        other => panic!("unknown phase {other}"),
    }
    bench.save();
    bench.svc.db.close().await;
}

/// The scenarios that spend fresh signers, in the order they run, and how
/// many shares of them each gets; the `otp-two` phase's are left over by
/// the `all` phase (a signer the setup scenario gave a new device has that
/// device's current code spent). The code step and the validation API run
/// ten times as fast as the helpdesk, setup and selfie scenarios and are
/// what the targets are about: with equal shares, 40,000 signers gave each
/// of them about one second.
const SHARES: [(&str, usize); 10] = [
    ("otp_valid", 4),
    ("otp_large", 1),
    ("otp_wrong", 2),
    ("validate", 4),
    ("ticket", 1),
    ("setup", 1),
    ("selfie", 1),
    (OTP_ONE, 2),
    (OTP_TWO, 2),
    (OTP_TWO_EACH, 3),
];
const OTP_ONE: &str = "otp_one";
const OTP_TWO: &str = "otp_two";
const OTP_TWO_EACH: &str = "otp_two_each";
/// How many times the `otp-two` phase measures one process and then two.
const TWO_PROCESS_ROUNDS: usize = 3;

fn shares(key: &str) -> usize {
    SHARES
        .iter()
        .find_map(|&(name, shares)| (name == key).then_some(shares))
        .unwrap_or_else(|| panic!("scenario {key} has no shares in SHARES"))
}

async fn all_scenarios(bench: &mut Bench, pool: Range<usize>, password: &str) {
    let svc = bench.svc.clone();
    let total = pool.end;
    // The `otp-two` phase, on PostgreSQL, spends what this one leaves.
    let mut signers = Signers::new(pool, SHARES.map(|(key, _)| key));
    let healthz = bench.wrk_healthz(bench.window).await;
    bench.report("healthz", "GET /healthz (wrk)", healthz);
    let op = bench.get("/healthz", |_| true);
    bench
        .scenario("healthz_generator", "GET /healthz (this generator)", op)
        .await;
    let op = bench.get("/login", |body| body.windows(9).any(|w| w == b"kata sand"));
    bench
        .scenario("login_page", "GET /login (server-rendered)", op)
        .await;

    // The password step (Argon2id): any seeded signer, the right password.
    let (http, urls, first, password) = (
        bench.http.clone(),
        bench.urls.clone(),
        signers.pool.start,
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

    bench
        .fresh(
            "otp_valid",
            "login code step, valid codes",
            &mut signers,
            async |range| waiting_sessions(&svc, range, 0).await,
            |bench, ready| code_step(bench, ready, true),
        )
        .await;
    // As many requests as on the small database (3 devices of 1,000 signers).
    let share = signers.share("otp_large");
    let ready = waiting_sessions(&svc, signers.take(3_000.min(share)), 1).await;
    signers.scenario_done("otp_large");
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
    bench
        .fresh(
            "otp_wrong",
            "login code step, wrong codes",
            &mut signers,
            async |range| waiting_sessions(&svc, range, 0).await,
            |bench, ready| code_step(bench, ready, false),
        )
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
    bench
        .fresh(
            "validate",
            "validation API (AMS), valid codes",
            &mut signers,
            async |range| waiting_sessions(&svc, range, 0).await,
            |bench, ready| validation(bench, ready, &token),
        )
        .await;
    // A shared virtual machine's speed drifts within minutes: /healthz
    // again, its share of the first says how far the shares measured
    // between the two can be trusted.
    let again = bench.wrk_healthz(bench.window).await;
    bench.report("healthz_again", "GET /healthz (wrk) again (drift)", again);
    bench
        .fresh(
            "ticket",
            "helpdesk ticket (Permohonan OTP)",
            &mut signers,
            async |range| range.collect(),
            helpdesk_ticket,
        )
        .await;
    bench
        .fresh(
            "setup",
            "OTP setup page, device added",
            &mut signers,
            async |range| revealed_setup_links(&svc, range).await,
            setup_completion,
        )
        .await;
    bench
        .fresh(
            "selfie",
            "identity check, selfie upload (JPEG)",
            &mut signers,
            async |range| ticket_links(&svc, range, LinkPurpose::IdentityCheck).await,
            selfie_upload,
        )
        .await;
    bench
        .figures
        .insert(UNSPENT_SIGNERS.into(), signers.pool.start as f64);
}

/// The validation API with each signer's current code once.
fn validation(bench: &Bench, ready: Vec<Waiting>, token: &str) -> Op {
    let token = token.to_string();
    spending(bench, ready, move |http, base, _, signer| {
        let token = token.clone();
        async move {
            let body =
                serde_json::json!({ "signer": signer.email, "code": current_code(&signer.secret) });
            let sent = Instant::now();
            let response = http
                .post(format!("{base}/api/v1/validate"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await;
            answer(response, sent, |status, body| {
                status == StatusCode::OK && body.windows(10).any(|w| w == b"\"accepted\"")
            })
            .await
        }
    })
}

/// Helpdesk: "Periksa" (not measured), then the Permohonan OTP (measured),
/// once for each signer.
fn helpdesk_ticket(bench: &Bench, signers: Vec<usize>) -> Op {
    spending(bench, signers, |http, base, i, n| async move {
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
            Ok(r) => return Err(format!("check: {}", r.status())),
            Err(e) => return Err(e.to_string()),
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
        answer(response, sent, |status, _| {
            status.is_success() || status.is_redirection()
        })
        .await
    })
}

/// The bench's own browser, as the server records it.
fn bench_client() -> ClientInfo {
    ClientInfo {
        ip: "127.0.0.1".parse().unwrap(),
        user_agent: Some("tpo-bench".into()),
    }
}

/// For each signer in `range`, a Permohonan OTP as the helpdesk form makes
/// it (the ticket then awaits a selfie) and the token of a live link of
/// `purpose` for it. For a setup link the ticket is approved first, as a
/// verifier's approval leaves it (without a selfie: the upload has its own
/// scenario). The mailed link holds another token (only its digest is
/// stored), so one is issued here.
async fn ticket_links(svc: &Services, range: Range<usize>, purpose: LinkPurpose) -> Vec<String> {
    let (client, now) = (bench_client(), SystemClock.now());
    let mut tx = svc.db.begin_write().await.expect("a transaction");
    let mut tokens = Vec::with_capacity(range.len());
    for n in range {
        let (email, nik) = (OfficialEmail::parse(&email_of(n)).unwrap(), nik_of(n));
        let name = PersonName::parse(&name_of(n)).unwrap();
        let request = OtpRequest {
            email: &email,
            nik: &nik,
            full_name: Some(&name),
            origin: Origin::Web(&client),
        };
        let receipt = request_otp_in(&mut tx, svc, request, now)
            .await
            .unwrap_or_else(|e| panic!("a Permohonan OTP for signer {n}: {e}"));
        let ticket = tickets_repo::find_by_number(&mut tx, &receipt.number)
            .await
            .unwrap()
            .expect("the ticket just made");
        if purpose == LinkPurpose::OtpSetup {
            let approved = tickets_repo::transition(
                &mut tx,
                &ticket.id,
                &[TicketStatus::AwaitingSelfie],
                TicketStatus::Approved,
                "Disetujui untuk uji beban.",
                now,
            )
            .await
            .unwrap();
            assert!(approved, "ticket {} awaits a selfie", ticket.number);
        }
        let link = links::issue(&mut tx, &ticket.id, purpose, &svc.tunables(), now)
            .await
            .unwrap();
        tokens.push(link.token.text);
    }
    tx.commit().await.unwrap();
    tokens
}

/// The identity-check page's upload of a selfie (a real JPEG face, with the
/// signer's consent), once for each link: accepted, next page named.
fn selfie_upload(bench: &Bench, tokens: Vec<String>) -> Op {
    spending(bench, tokens, |http, base, i, token| async move {
        let path = LinkPurpose::IdentityCheck.path(&token);
        let photo = reqwest::multipart::Part::bytes(FACE)
            .file_name("swafoto.jpg")
            .mime_str("image/jpeg")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .part("photo", photo)
            .text(CONSENT_FIELD, CONSENT_GIVEN);
        let sent = Instant::now();
        let response = http
            .post(format!("{base}{path}/foto"))
            .header("accept", "application/json")
            .header("x-forwarded-for", client_address(i))
            .multipart(form)
            .send()
            .await;
        answer(response, sent, |status, body| {
            status == StatusCode::OK && body.windows(10).any(|w| w == b"\"redirect\"")
        })
        .await
    })
}

/// A live setup link and the secret its page shows.
#[derive(Clone)]
struct SetupLink {
    token: String,
    secret: TotpSecret,
}

/// For each signer in `range`, an approved ticket with a live "Atur
/// Perangkat OTP" link whose secret was revealed as the page's "Tampilkan
/// kode QR" does, and that secret as the page then shows it.
async fn revealed_setup_links(svc: &Services, range: Range<usize>) -> Vec<SetupLink> {
    let (client, now) = (bench_client(), SystemClock.now());
    let tokens = ticket_links(svc, range, LinkPurpose::OtpSetup).await;
    let mut ready = Vec::with_capacity(tokens.len());
    for token in tokens {
        setup::reveal(svc, &token, &client, now).await.unwrap();
        let SetupPageState::Ready(view) = setup::page(svc, &token, true, now).await.unwrap() else {
            panic!("the setup page of a live link");
        };
        let key = view.enrollment.expect("the revealed key").manual_key;
        let secret = data_encoding::BASE32_NOPAD
            .decode(key.replace(' ', "").as_bytes())
            .expect("the page's key is base32");
        ready.push(SetupLink {
            token,
            secret: TotpSecret::from_bytes(secret),
        });
    }
    ready
}

/// The setup page's "Kirim": the device named and a code from the revealed
/// secret, once for each link; the page then shows the added device.
fn setup_completion(bench: &Bench, links: Vec<SetupLink>) -> Op {
    spending(bench, links, |http, base, i, link| async move {
        let code = current_code(&link.secret);
        let sent = Instant::now();
        let response = http
            .post(format!("{base}/api/otp-setup/complete"))
            .header("x-forwarded-for", client_address(i))
            .form(&[
                ("token", link.token.as_str()),
                ("name", SETUP_DEVICE),
                ("code", code.as_str()),
            ])
            .send()
            .await;
        answer(response, sent, |status, body| {
            let added = format!("\"name\":\"{SETUP_DEVICE}\"");
            status == StatusCode::OK && body.windows(added.len()).any(|w| w == added.as_bytes())
        })
        .await
    })
}
