//! Two server processes on one PostgreSQL database, driven together: the
//! replay guard and the device limit hold across them. (SQLite serves one
//! process; the PostgreSQL cluster of the test command is needed.) Mail and
//! Telegram across two processes have their own tests:
//! `mail::two_processes_send_each_message_exactly_once` and
//! `telegram::two_processes_never_both_poll_or_answer`.

use app::otp_devices::service::provision_device;
use app::otp_devices::types::DeviceName;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, Options, postgres_skipped, spawn_app};
use crate::validation_api::client_token;

/// The same code, sent at once through both processes to the login code
/// step (a waiting session on each) and to the validation API (three
/// calls, so the four refusals stay within the account's five free failures
/// and each is answered as a replay, not with the pause): accepted exactly
/// once. Then eight device enrollments at once, half
/// through each process: the signer ends with the limit's three devices.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgres_keep_the_replay_guard_and_the_device_limit() {
    if postgres_skipped() {
        eprintln!("scale-out runs on PostgreSQL only: skipped without TPO_TEST_POSTGRES_URL");
        return;
    }
    let first = spawn_app(Backend::Postgres).await;
    let second = first.second_process(Options::default()).await;
    let bases = [first.base.clone(), format!("http://{}", second.addr())];
    let signer = first.signer().await;
    let (_, token) = client_token(&first, "validate", &[]).await;

    let browsers = [first.client(), first.client()];
    for (browser, base) in browsers.iter().zip(&bases) {
        let password = browser
            .post(format!("{base}/api/login/password"))
            .form(&[("email", &signer.email), ("password", &signer.password)])
            .send()
            .await
            .unwrap();
        assert_eq!(password.status(), StatusCode::OK);
    }
    let code = first.code(signer.secret(0), 0);
    let logins = browsers.iter().zip(&bases).map(|(browser, base)| {
        let request = browser
            .post(format!("{base}/api/login/code"))
            .form(&[("code", &code)]);
        async move { request.send().await.unwrap().status() }
    });
    let api = reqwest::Client::new();
    let validations = (0..3).map(|i| {
        let request = api
            .post(format!("{}/api/v1/validate", bases[i % 2]))
            .bearer_auth(&token)
            .json(&json!({ "signer": signer.email, "code": code }));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    });
    let (logins, validations) = tokio::join!(join_all(logins), join_all(validations));
    let logged_in = logins.iter().filter(|s| **s == StatusCode::OK).count();
    let validated = validations
        .iter()
        .filter(|body| body["result"] == "accepted")
        .count();
    assert_eq!(
        logged_in + validated,
        1,
        "one code accepted once across both processes: logins {logins:?}, API {validations:?}"
    );
    assert!(
        logins
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "a replay is refused as such: {logins:?}"
    );

    let services = [first.services().clone(), second.services().clone()];
    let account = app::ids::AccountId::parse(&signer.id).unwrap();
    let now = first.now();
    let enrollments = (0..8).map(|i| {
        let (svc, account) = (services[i % 2].clone(), account.clone());
        async move {
            let name = DeviceName::parse(&format!("Ponsel {i}")).unwrap();
            provision_device(&svc, &account, &name, now).await.is_ok()
        }
    });
    let enrolled = join_all(enrollments).await;
    assert!(
        enrolled.iter().all(|ok| *ok),
        "every enrollment went through: {enrolled:?}"
    );
    assert_eq!(
        first.device_ids(&signer.id).await.len(),
        3,
        "the device limit holds across both processes"
    );

    second.stop().await;
    first.stop().await;
}
