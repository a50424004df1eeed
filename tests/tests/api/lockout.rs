//! Lockout that strangers cannot cause: device cookies, per-address delays,
//! the account-wide limit for browsers without the cookie and its mailed
//! unlock link, equal answers for unknown emails, reserve-then-verify under
//! concurrency, the password re-entry throttle and the helpdesk limit per
//! requester and account.

use futures::future::join_all;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::helpdesk::request_otp;
use crate::helpers::{
    AccountSpec, Backend, Options, TestAccount, TestApp, folder_mail, spawn_app_with,
};
use crate::on_both_backends;

/// The app behind a trusted proxy on loopback, so each test client can
/// name its own address in `X-Forwarded-For`.
async fn proxied_app(backend: Backend) -> TestApp {
    let options = Options {
        trusted_proxies: "127.0.0.0/8".into(),
        ..Default::default()
    };
    spawn_app_with(backend, options).await
}

/// A browser with its own cookie jar at client address `ip`.
fn browser_at(ip: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_str(ip).unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn password(
    app: &TestApp,
    browser: &reqwest::Client,
    email: &str,
    password: &str,
) -> (StatusCode, String) {
    app.call(
        browser,
        "login/password",
        &[("email", email), ("password", password)],
    )
    .await
}

/// A six-digit code that no device of `account` accepts now (none of the
/// accepted neighbouring steps), different for each `n`.
fn wrong_code(app: &TestApp, account: &TestAccount, n: u32) -> String {
    let accepted: Vec<String> = (-1..=1).map(|o| app.code(account.secret(0), o)).collect();
    (n * 7919..)
        .map(|c| format!("{:06}", c % 1_000_000))
        .find(|c| !accepted.contains(c))
        .unwrap()
}

/// A browser that has logged in to `account` before (it holds the device
/// cookie), logged out again.
async fn known_browser(app: &TestApp, account: &TestAccount, ip: &str) -> reqwest::Client {
    let browser = browser_at(ip);
    assert_eq!(app.log_in(&browser, account, 0).await, StatusCode::OK);
    assert_eq!(app.call(&browser, "logout", &[]).await.0, StatusCode::OK);
    // The next code must come from a later step than the one just used.
    app.clock.advance(30);
    browser
}

/// A known browser's own wrong codes pause that browser (its counter, not
/// the account's): a right code from it is refused while the pause lasts,
/// whether it is checked alone or with others, and let in afterwards.
async fn a_paused_known_browser_is_refused_even_a_right_code(backend: Backend) {
    let app = proxied_app(backend).await;
    let owner = app.signer().await;
    let browser = known_browser(&app, &owner, "192.0.2.10").await;
    let (status, body) = app.enter_password(&browser, &owner).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for n in 0..11 {
        let code = wrong_code(&app, &owner, n);
        app.call(&browser, "login/code", &[("code", &code)]).await;
    }
    let right = app.code(owner.secret(0), 0);
    let (status, body) = app.call(&browser, "login/code", &[("code", &right)]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(app.active_sessions(&owner.id).await, 0);
    app.clock.advance(60);
    let right = app.code(owner.secret(0), 0);
    let (status, body) = app.call(&browser, "login/code", &[("code", &right)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.active_sessions(&owner.id).await, 1);
    app.stop().await;
}

async fn a_strangers_thousand_failures_do_not_lock_out_the_owner(backend: Backend) {
    let app = proxied_app(backend).await;
    let owner = app.signer().await;
    let owners_browser = known_browser(&app, &owner, "192.0.2.10").await;
    // Another known browser, later at an address the stranger also uses.
    let owner_elsewhere = known_browser(&app, &owner, "198.51.100.7").await;

    // 1,000 wrong passwords from 50 addresses, 20 from each.
    let answers = join_all((0..50).map(|i| {
        let app = &app;
        let email = owner.email.clone();
        async move {
            let attacker = browser_at(&format!("198.51.100.{i}"));
            let mut statuses = Vec::new();
            for n in 0..20 {
                let guess = format!("tebakan-{i}-{n}");
                statuses.push(password(app, &attacker, &email, &guess).await.0);
            }
            statuses
        }
    }))
    .await;
    let counted = answers
        .iter()
        .flatten()
        .filter(|s| **s == StatusCode::UNAUTHORIZED);
    let delayed = answers
        .iter()
        .flatten()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(counted.count(), 500, "10 counted per address: {answers:?}");
    assert_eq!(delayed.count(), 500, "then each address waits");
    assert_eq!(
        app.mail_count("account_unlock", &owner.email).await,
        1,
        "one unlock mail when the limit is reached, not one per failure"
    );

    // The owner's known browser logs in at once, even from an address the
    // stranger has made wait.
    for browser in [&owners_browser, &owner_elsewhere] {
        assert_eq!(app.log_in(browser, &owner, 0).await, StatusCode::OK);
        app.clock.advance(30);
    }

    // A new browser: the right password is refused until the unlock link;
    // a wrong one answers as for any email.
    let new_browser = browser_at("203.0.113.5");
    let (status, body) = password(&app, &new_browser, &owner.email, &owner.password).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("Kirim tautan buka kunci"), "{body}");
    let wrong = password(&app, &browser_at("203.0.113.6"), &owner.email, "salah").await;
    let unknown = password(
        &app,
        &browser_at("203.0.113.7"),
        "tidak.ada@kominfo.go.id",
        "salah",
    )
    .await;
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);

    // Asking for another link answers the same for any email; one goes out
    // only for a locked account, at most every ten minutes.
    let ask = async |email: &str| {
        app.call(&new_browser, "login/unlock-request", &[("email", email)])
            .await
    };
    let (status, body) = ask(&owner.email).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ask("tidak.ada@kominfo.go.id").await, (status, body));
    assert_eq!(app.mail_count("account_unlock", &owner.email).await, 1);
    app.clock.advance(601);
    ask(&owner.email).await;
    assert_eq!(app.mail_count("account_unlock", &owner.email).await, 2);
    let mail = folder_mail(&app, &owner.email, "Buka kunci akun").await;
    let link = mail.link("/buka-kunci?token=");
    let token = link.split("token=").nth(1).unwrap();
    let (page_status, page) = app.get_page(&new_browser, "/buka-kunci").await;
    assert_eq!(page_status, StatusCode::OK);
    assert!(page.contains("Buka kunci akun"), "{page}");
    let (status, body) = app
        .call(&new_browser, "login/unlock", &[("token", &token[1..])])
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a mangled link is refused: {body}"
    );
    assert!(body.contains("Tautan buka kunci tidak berlaku"), "{body}");
    let (status, body) = app
        .call(&new_browser, "login/unlock", &[("token", token)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("Kunci dibuka"),
        "the page shows the answer: {body}"
    );
    assert_eq!(app.log_in(&new_browser, &owner, 0).await, StatusCode::OK);
    let (status, body) = app
        .call(
            &browser_at("203.0.113.8"),
            "login/unlock",
            &[("token", token)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a link opens once: {body}");
    assert_eq!(app.audit_count(&owner.id, "account_unlocked").await, 1);
    app.stop().await;
}

async fn thousands_of_wrong_codes_from_many_addresses_get_nothing(backend: Backend) {
    let app = proxied_app(backend).await;
    let owner = app.signer().await;
    let owners_browser = known_browser(&app, &owner, "192.0.2.10").await;

    // A stranger who knows the password: 2,000 wrong codes from 50
    // addresses, in 100 rounds of 2 addresses with 10 codes each, waiting out
    // the longest pause (15 minutes) between rounds.
    let mut answers = Vec::new();
    let mut last_attacker = None;
    for round in 0..100u32 {
        let round_answers = join_all((0..2u32).map(|a| {
            let (app, owner) = (&app, &owner);
            async move {
                let attacker = browser_at(&format!("198.51.100.{}", (round * 2 + a) % 50));
                let (status, body) = app.enter_password(&attacker, owner).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                let mut statuses = Vec::new();
                for n in 0..10 {
                    let code = wrong_code(app, owner, round * 20 + a * 10 + n);
                    statuses.push(app.call(&attacker, "login/code", &[("code", &code)]).await);
                }
                (attacker, statuses)
            }
        }))
        .await;
        for (attacker, statuses) in round_answers {
            answers.extend(statuses);
            last_attacker = Some(attacker);
        }
        app.clock.advance(901);
    }
    assert_eq!(answers.len(), 2000);
    assert!(
        answers.iter().all(|(status, _)| *status != StatusCode::OK),
        "no guess gets through"
    );
    let checked = answers
        .iter()
        .filter(|(_, b)| b.contains("Kode OTP salah"))
        .count();
    assert_eq!(
        checked, 100,
        "exactly 100 guesses are checked, then the block"
    );
    assert_eq!(
        app.mail_count("otp_locked", &owner.email).await,
        2,
        "told when the first pause and the block start, not per failure"
    );
    // The right code from the attacker's side is refused now.
    let attacker = last_attacker.unwrap();
    let (status, body) = app.enter_password(&attacker, &owner).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let right = app.code(owner.secret(0), 0);
    let (status, body) = app.call(&attacker, "login/code", &[("code", &right)]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("diblokir"), "{body}");
    assert_eq!(app.active_sessions(&owner.id).await, 0);

    // The owner's known browser still logs in.
    assert_eq!(app.log_in(&owners_browser, &owner, 0).await, StatusCode::OK);
    app.stop().await;
}

async fn unknown_and_existing_emails_get_the_same_answer_when_throttled(backend: Backend) {
    let app = proxied_app(backend).await;
    let owner = app.signer().await;
    let unknown = "tidak.ada@kominfo.go.id";
    let mut last = Vec::new();
    for (ip, email) in [
        ("198.51.100.1", owner.email.as_str()),
        ("198.51.100.2", unknown),
    ] {
        let browser = browser_at(ip);
        let mut answers = Vec::new();
        for _ in 0..11 {
            answers.push(password(&app, &browser, email, "salah").await);
        }
        assert!(
            answers[..10]
                .iter()
                .all(|a| a.0 == StatusCode::UNAUTHORIZED),
            "{email}: {answers:?}"
        );
        last.push(answers.pop().unwrap());
    }
    assert_eq!(last[0].0, StatusCode::TOO_MANY_REQUESTS, "{last:?}");
    assert_eq!(last[0], last[1], "the same answer for an unknown email");
    // Throttled by address, not by account: the owner's right password
    // from another address goes through.
    let (status, body) = app
        .enter_password(&browser_at("198.51.100.3"), &owner)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.stop().await;
}

async fn concurrent_wrong_attempts_cannot_outrun_the_budget(backend: Backend) {
    let app = proxied_app(backend).await;
    let owner = app.signer().await;

    // 30 wrong codes at once on one waiting session: the account's OTP
    // counter checks at most its 5 free attempts.
    let browser = browser_at("198.51.100.1");
    app.enter_password(&browser, &owner).await;
    let forms: Vec<[(&str, String); 1]> = (0..30)
        .map(|n| [("code", wrong_code(&app, &owner, n))])
        .collect();
    let answers = join_all(forms.iter().map(|[(field, code)]| {
        let (app, browser) = (&app, &browser);
        async move { app.call(browser, "login/code", &[(field, code)]).await }
    }))
    .await;
    let checked = answers
        .iter()
        .filter(|(_, b)| b.contains("Kode OTP salah"))
        .count();
    assert!((1..=5).contains(&checked), "{checked} checked: {answers:?}");
    assert!(answers.iter().all(|(s, _)| *s != StatusCode::OK));
    let failures = app
        .count("SELECT otp_failures FROM accounts WHERE id = $1", &owner.id)
        .await;
    assert!(failures <= 5, "{failures}");

    // 30 wrong passwords at once from one address: at most its 10 free ones
    // reach Argon2.
    let attacker = browser_at("198.51.100.2");
    let answers = join_all((0..30).map(|_| password(&app, &attacker, &owner.email, "salah"))).await;
    let checked = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    assert!(
        (1..=10).contains(&checked),
        "{checked} checked: {answers:?}"
    );
    app.stop().await;
}

async fn remove_device(
    app: &TestApp,
    browser: &reqwest::Client,
    device_id: &str,
    password: &str,
) -> (StatusCode, String) {
    app.call(
        browser,
        "account/devices/remove",
        &[("device_id", device_id), ("password", password)],
    )
    .await
}

async fn password_reentry_is_throttled_per_account(backend: Backend) {
    let app = proxied_app(backend).await;
    let owner = app
        .create_account(AccountSpec {
            devices: &["Hp Lama", "Tablet"],
            ..Default::default()
        })
        .await;
    let tablet = app.device_ids(&owner.id).await[1].clone();
    let browser = browser_at("192.0.2.10");
    assert_eq!(app.log_in(&browser, &owner, 0).await, StatusCode::OK);
    for _ in 0..3 {
        let (status, body) = remove_device(&app, &browser, &tablet, "salah").await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body.contains("Kata sandi salah"), "{body}");
    }
    // Another session of the same account waits too.
    let other = browser_at("192.0.2.11");
    app.clock.advance(30);
    assert_eq!(app.log_in(&other, &owner, 0).await, StatusCode::OK);
    let (status, body) = remove_device(&app, &other, &tablet, &owner.password).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right one waits: {body}"
    );
    assert_eq!(app.device_ids(&owner.id).await.len(), 2);
    assert_eq!(
        app.audit_count(&owner.id, "password_reentry_failed").await,
        3
    );
    app.clock.advance(31);
    let (status, body) = remove_device(&app, &browser, &tablet, &owner.password).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.device_names(&owner.id).await, ["Hp Lama"]);
    app.stop().await;
}

async fn a_strangers_helpdesk_mismatches_do_not_block_the_owner(backend: Backend) {
    let app = proxied_app(backend).await;
    let owner = app.signer().await;
    let (name, nik, wrong_nik) = ("Budi Santoso", "3201011508900001", "3201011508900002");
    let stranger = browser_at("198.51.100.1");
    for _ in 0..5 {
        let (status, body) = request_otp(&app, &stranger, &owner.email, name, wrong_nik).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
    }
    let (status, _) = request_otp(&app, &stranger, &owner.email, name, nik).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the stranger's address waits, even with the right data"
    );
    let (status, body) =
        request_otp(&app, &browser_at("192.0.2.10"), &owner.email, name, nik).await;
    assert_eq!(status, StatusCode::OK, "the owner from elsewhere: {body}");
    assert_eq!(app.audit_count(&owner.id, "helpdesk_mismatch").await, 5);
    app.stop().await;
}

/// The step-up on `/akun` before adding a device spends the account's OTP
/// budget, never the device cookie's: whoever holds the signer's session
/// (here opened from the owner's known browser) gets the account's 5 free
/// guesses, not the cookie's 10, and then the pause that browsers without
/// the cookie share, which tells the owner.
async fn step_up_on_the_account_page_spends_the_account_budget(backend: Backend) {
    let app = proxied_app(backend).await;
    let owner = app.signer().await;
    let session = known_browser(&app, &owner, "192.0.2.10").await;
    let owner_elsewhere = known_browser(&app, &owner, "192.0.2.20").await;
    assert_eq!(app.log_in(&session, &owner, 0).await, StatusCode::OK);
    app.clock.advance(30);
    for n in 0..5 {
        let code = wrong_code(&app, &owner, n);
        let (status, body) = app
            .call(&session, "account/confirm", &[("code", &code)])
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body.contains("Kode OTP salah"), "{body}");
    }
    let right = app.code(owner.secret(0), 0);
    let (status, body) = app
        .call(&session, "account/confirm", &[("code", &right)])
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the sixth guess waits, even the right code: {body}"
    );
    let failures = app
        .count("SELECT otp_failures FROM accounts WHERE id = $1", &owner.id)
        .await;
    assert_eq!(failures, 5, "the account's counter, not the cookie's");
    assert_eq!(app.audit_count(&owner.id, "session_confirmed").await, 0);
    // A browser without the cookie waits on the same counter…
    let stranger = browser_at("198.51.100.9");
    app.enter_password(&stranger, &owner).await;
    let (status, _) = app.call(&stranger, "login/code", &[("code", &right)]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // …while the owner's other known browser, with its own budget, logs in.
    assert_eq!(
        app.log_in(&owner_elsewhere, &owner, 0).await,
        StatusCode::OK
    );
    app.stop().await;
}

on_both_backends!(
    a_paused_known_browser_is_refused_even_a_right_code,
    a_strangers_thousand_failures_do_not_lock_out_the_owner,
    thousands_of_wrong_codes_from_many_addresses_get_nothing,
    unknown_and_existing_emails_get_the_same_answer_when_throttled,
    concurrent_wrong_attempts_cannot_outrun_the_budget,
    password_reentry_is_throttled_per_account,
    a_strangers_helpdesk_mismatches_do_not_block_the_owner,
    step_up_on_the_account_page_spends_the_account_budget,
);
