//! Request budgets of a scale-out: processes on one PostgreSQL database
//! share one budget per action and client, instead of one each.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{Backend, Options, postgres_skipped, spawn_app_with, wait_until};

const BUDGET: u32 = 60;

/// One client hammers "Periksa" through both processes in turn, at 20
/// requests a second for 12 s (a process learns what the other spent at
/// each flush, about once a second): together they admit about one budget,
/// where separate in-memory budgets would admit two.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgres_share_one_budget() {
    if postgres_skipped() {
        return;
    }
    let options = || Options {
        rate_limit_per_minute: BUDGET,
        ..Default::default()
    };
    let first = spawn_app_with(Backend::Postgres, options()).await;
    let second = first.second_process(options()).await;
    let bases = [first.base.clone(), format!("http://{}", second.addr())];
    let client = first.client();
    let mut ticks = tokio::time::interval(Duration::from_millis(50));
    let mut answers = Vec::new();
    for i in 0..(BUDGET * 4) as usize {
        ticks.tick().await;
        let response = client
            .post(format!("{}/api/helpdesk/check", bases[i % 2]))
            .form(&[("email", "bukan.penanda@kominfo.go.id")])
            .send()
            .await
            .expect("POST /api/helpdesk/check");
        answers.push(response.status());
    }
    let refused = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let admitted = answers.len() - refused;
    assert!(
        answers
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS || *s == answers[0]),
        "only the answer to an unknown email, or 429: {answers:?}"
    );
    assert!(!answers[0].is_server_error(), "{answers:?}");
    let budget = BUDGET as usize;
    assert!(
        (budget..=budget * 3 / 2).contains(&admitted),
        "admitted {admitted} of {} requests: one budget of {budget} (within a factor 1.5), not one per process",
        answers.len()
    );
    assert!(
        answers[answers.len() - 20..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "both processes refuse once the shared budget is spent: {answers:?}"
    );
    eprintln!(
        "admitted {admitted} of {} requests, budget {budget}",
        answers.len()
    );
    // Each process added what it admitted to the shared count.
    wait_until("both processes flushed their counts", async || {
        sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COALESCE(SUM(spent), 0) AS BIGINT) FROM rate_limit_counts WHERE bucket = 'helpdesk:127.0.0.1'",
        )
        .fetch_one(first.services().db.pool())
        .await
        .unwrap()
            == admitted as i64
    })
    .await;
    second.stop().await;
    first.stop().await;
}

/// A burst from more addresses than one statement adds (500 buckets) is
/// flushed whole: every address's count reaches the database, and a second
/// burst adds to the counts the first left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flush_of_many_addresses_adds_every_count() {
    if postgres_skipped() {
        return;
    }
    const ADDRESSES: usize = 1_100;
    let app = spawn_app_with(
        Backend::Postgres,
        Options {
            rate_limit_per_minute: BUDGET,
            trusted_proxies: "127.0.0.1/32".into(),
            ..Default::default()
        },
    )
    .await;
    let client = app.client();
    let counts = async || -> Vec<(String, i64)> {
        sqlx::query_as(
            "SELECT bucket, CAST(SUM(spent) AS BIGINT) FROM rate_limit_counts
             WHERE bucket LIKE 'helpdesk:10.%' GROUP BY bucket ORDER BY bucket",
        )
        .fetch_all(app.services().db.pool())
        .await
        .unwrap()
    };
    for burst in 1..=2_i64 {
        for n in 0..ADDRESSES {
            let response = client
                .post(format!("{}/api/helpdesk/check", app.base))
                .header("X-Forwarded-For", format!("10.9.{}.{}", n / 250, n % 250))
                .form(&[("email", "bukan.penanda@kominfo.go.id")])
                .send()
                .await
                .expect("POST /api/helpdesk/check");
            assert_ne!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        }
        wait_until("the burst's counts were flushed", async || {
            let counts = counts().await;
            counts.len() == ADDRESSES && counts.iter().all(|(_, spent)| *spent == burst)
        })
        .await;
    }
    app.stop().await;
}
