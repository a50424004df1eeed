//! A load generator on loopback against the real server (SQLite, release
//! build): concurrent clients for a few seconds per endpoint; prints
//! requests per second and latency percentiles.
//! `cargo bench -p tests --bench http_load`

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::platform::clock::SystemClock;
use server::{Application, Config};

const CLIENTS: usize = 32;
const DURATION: Duration = Duration::from_secs(5);

struct Report {
    requests: usize,
    errors: usize,
    latencies: Vec<Duration>,
}

async fn hammer(
    base: &str,
    name: &str,
    request: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync + 'static,
) {
    let request = Arc::new(request);
    let deadline = Instant::now() + DURATION;
    let mut workers = Vec::new();
    for _ in 0..CLIENTS {
        let request = request.clone();
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut report = Report {
                requests: 0,
                errors: 0,
                latencies: Vec::new(),
            };
            while Instant::now() < deadline {
                let started = Instant::now();
                match request(&client).send().await {
                    // A refusal (4xx) is an answer too; only 5xx and failures count as errors.
                    Ok(response) if !response.status().is_server_error() => {
                        let _ = response.bytes().await;
                        report.requests += 1;
                        report.latencies.push(started.elapsed());
                    }
                    _ => report.errors += 1,
                }
            }
            report
        }));
    }
    let mut all = Report {
        requests: 0,
        errors: 0,
        latencies: Vec::new(),
    };
    for worker in workers {
        let report = worker.await.unwrap();
        all.requests += report.requests;
        all.errors += report.errors;
        all.latencies.extend(report.latencies);
    }
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
    println!(
        "{name:<40} {:>8.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   errors {}   ({CLIENTS} clients, {base})",
        all.requests as f64 / DURATION.as_secs_f64(),
        percentile(0.50).as_secs_f64() * 1000.0,
        percentile(0.99).as_secs_f64() * 1000.0,
        all.errors,
    );
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
    let url = |path: &str| format!("{base}{path}");

    let health = url("/healthz");
    hammer(&base, "GET /healthz", move |c| c.get(&health)).await;
    let login = url("/login");
    hammer(&base, "GET /login (server-rendered page)", move |c| {
        c.get(&login)
    })
    .await;
    let home = url("/");
    hammer(&base, "GET / (server-rendered page)", move |c| c.get(&home)).await;
    // An unknown ticket: parsing, a database read and the refusal (409).
    hammer(&base, "POST /api/tickets/lookup (db read)", {
        let lookup = url("/api/tickets/lookup");
        move |c| {
            c.post(&lookup)
                .form(&[("number", "d1q0517"), ("email", "tidak.ada@kominfo.go.id")])
        }
    })
    .await;
    app.stop().await;
    let _ = std::fs::remove_dir_all(data_dir);
}
