//! Login: password, then a code from any device; the replay guard; throttling.

use futures::future::join_all;
use reqwest::StatusCode;

use crate::helpers::{AccountSpec, Backend, spawn_app};
use crate::on_both_backends;
use app::accounts::types::AccountStatus;

async fn code_from_any_device_logs_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app
        .create_account(AccountSpec {
            devices: &["Hp Lama", "Tablet"],
            ..Default::default()
        })
        .await;
    let client = app.client();
    assert_eq!(app.log_in(&client, &signer, 1).await, StatusCode::OK);
    let (status, body) = app.call(&client, "account", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("\"name\":\"Tablet\"") && body.contains("\"is_current\":true"),
        "{body}"
    );
    app.stop().await;
}

async fn wrong_password_and_unknown_email_look_the_same(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let client = app.client();
    let wrong = app
        .call(
            &client,
            "login/password",
            &[("email", &signer.email), ("password", "salah-sekali")],
        )
        .await;
    let unknown = app
        .call(
            &client,
            "login/password",
            &[("email", "tidak.ada@kominfo.go.id"), ("password", "x")],
        )
        .await;
    assert_eq!(
        wrong,
        (StatusCode::UNAUTHORIZED, "\"BadCredentials\"".into())
    );
    assert_eq!(unknown, wrong);
    assert_eq!(
        app.audit_count(&signer.id, "login_password_failed").await,
        1
    );
    app.stop().await;
}

async fn suspended_accounts_cannot_log_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app
        .create_account(AccountSpec {
            status: AccountStatus::Suspended,
            ..Default::default()
        })
        .await;
    let (status, body) = app
        .call(
            &app.client(),
            "login/password",
            &[("email", &signer.email), ("password", &signer.password)],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("ditangguhkan"), "{body}");
    app.stop().await;
}

async fn neighbouring_steps_are_accepted_and_farther_ones_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    for (offset, accepted) in [(-2, false), (2, false), (-1, true), (1, true)] {
        let client = app.client();
        app.enter_password(&client, &signer).await;
        let code = app.code(signer.secret(0), offset);
        let (status, body) = app.call(&client, "login/code", &[("code", &code)]).await;
        assert_eq!(
            status == StatusCode::OK,
            accepted,
            "offset {offset}: {status} {body}"
        );
        // Each accepted step may be used once; move on so the next case is fresh.
        app.clock.advance(90);
    }
    app.stop().await;
}

async fn same_code_submitted_64_times_concurrently_is_accepted_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let clients: Vec<_> = (0..64).map(|_| app.client()).collect();
    for client in &clients {
        let (status, _) = app
            .call(
                client,
                "login/password",
                &[("email", &signer.email), ("password", &signer.password)],
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let code = app.code(signer.secret(0), 0);
    let form = [("code", code.as_str())];
    let results = join_all(
        clients
            .iter()
            .map(|client| app.call(client, "login/code", &form)),
    )
    .await;
    let accepted = results
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .count();
    assert_eq!(accepted, 1, "{results:?}");
    for (status, body) in results
        .iter()
        .filter(|(status, _)| *status != StatusCode::OK)
    {
        assert!(
            (*status == StatusCode::CONFLICT && body.contains("sudah pernah dipakai"))
                || *status == StatusCode::TOO_MANY_REQUESTS,
            "{status} {body}"
        );
    }
    assert_eq!(app.active_sessions(&signer.id).await, 1);
    assert!(app.audit_count(&signer.id, "login_otp_replayed").await >= 1);
    app.stop().await;
}

async fn replayed_code_is_refused_logged_and_mailed(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    assert_eq!(app.log_in(&app.client(), &signer, 0).await, StatusCode::OK);
    let replay = app.client();
    app.enter_password(&replay, &signer).await;
    let code = app.code(signer.secret(0), 0);
    let (status, body) = app.call(&replay, "login/code", &[("code", &code)]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("Kode OTP ini sudah pernah dipakai"), "{body}");
    assert_eq!(app.audit_count(&signer.id, "login_otp_replayed").await, 1);
    assert_eq!(app.mail_count("otp_code_reused", &signer.email).await, 1);
    // The next period's code works.
    app.clock.advance(30);
    let code = app.code(signer.secret(0), 0);
    assert_eq!(
        app.call(&replay, "login/code", &[("code", &code)]).await.0,
        StatusCode::OK
    );
    app.stop().await;
}

async fn otp_throttling_engages_and_releases(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let client = app.client();
    app.enter_password(&client, &signer).await;
    let wrong = {
        let right = app.code(signer.secret(0), 0);
        if right == "000000" {
            "111111".to_string()
        } else {
            "000000".to_string()
        }
    };
    for attempt in 1..=5 {
        let (status, body) = app.call(&client, "login/code", &[("code", &wrong)]).await;
        assert_eq!(status, StatusCode::CONFLICT, "attempt {attempt}");
        assert!(body.contains("Kode OTP salah"), "{body}");
        if attempt < 5 {
            assert!(
                body.contains(&format!("Sisa percobaan sebelum jeda: {}", 5 - attempt)),
                "{body}"
            );
        }
    }
    let right = app.code(signer.secret(0), 0);
    let (status, body) = app.call(&client, "login/code", &[("code", &right)]).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "a correct code waits too: {body}"
    );
    assert!(body.contains("TooManyAttempts"), "{body}");
    app.clock.advance(31);
    let right = app.code(signer.secret(0), 0);
    assert_eq!(
        app.call(&client, "login/code", &[("code", &right)]).await.0,
        StatusCode::OK
    );
    app.stop().await;
}

async fn password_guessing_does_not_lock_the_code_step(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let owner = app.client();
    app.enter_password(&owner, &signer).await;
    let attacker = app.client();
    for _ in 0..12 {
        app.call(
            &attacker,
            "login/password",
            &[("email", &signer.email), ("password", "tebakan")],
        )
        .await;
    }
    let (status, _) = app
        .call(
            &attacker,
            "login/password",
            &[("email", &signer.email), ("password", &signer.password)],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "password step is throttled"
    );
    let code = app.code(signer.secret(0), 0);
    assert_eq!(
        app.call(&owner, "login/code", &[("code", &code)]).await.0,
        StatusCode::OK,
        "code step is not"
    );
    app.stop().await;
}

async fn logout_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let client = app.client();
    assert_eq!(app.log_in(&client, &signer, 0).await, StatusCode::OK);
    assert_eq!(app.call(&client, "logout", &[]).await.0, StatusCode::OK);
    assert_eq!(
        app.call(&client, "account", &[]).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.active_sessions(&signer.id).await, 0);
    app.stop().await;
}

async fn per_client_rate_limit_answers_429(backend: Backend) {
    let app = crate::helpers::spawn_app_with(
        backend,
        crate::helpers::Options {
            rate_limit_per_minute: 3,
            ..Default::default()
        },
    )
    .await;
    let client = app.client();
    let form = [("email", "a@kominfo.go.id"), ("password", "x")];
    for _ in 0..3 {
        assert_eq!(
            app.call(&client, "login/password", &form).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, body) = app.call(&client, "login/password", &form).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("TooManyAttempts"), "{body}");
    app.stop().await;
}

async fn a_secret_that_does_not_open_is_an_incident_not_a_wrong_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    // What a wrong master key or a damaged row looks like to the server.
    sqlx::query("UPDATE otp_devices SET secret_sealed = $1 WHERE account_id = $2")
        .bind(vec![1u8; 44])
        .bind(&signer.id)
        .execute(app.services().db.pool())
        .await
        .unwrap();
    let client = app.client();
    app.enter_password(&client, &signer).await;
    for _ in 0..6 {
        let code = app.code(signer.secret(0), 0);
        let (status, body) = app.call(&client, "login/code", &[("code", &code)]).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        assert!(body.contains("Internal"), "an incident code: {body}");
    }
    let failures = app
        .count(
            "SELECT otp_failures FROM accounts WHERE id = $1",
            &signer.id,
        )
        .await;
    assert_eq!(failures, 0, "the owner's code never counts as wrong");
    assert_eq!(app.audit_count(&signer.id, "login_otp_failed").await, 0);
    app.stop().await;
}

/// What the code step's one write transaction leaves (the module doc of
/// `login::service` lists its statements): a wrong code's attempt counted
/// and audited, then for the right code the device's step claimed, the
/// counter cleared, the waiting session replaced by one active session and
/// the login audited.
async fn a_login_claims_the_step_rotates_the_session_and_is_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let client = app.client();
    app.enter_password(&client, &signer).await;
    let sessions_at = |stage: &'static str| {
        let sql =
            format!("SELECT COUNT(*) FROM sessions WHERE account_id = $1 AND stage = '{stage}'");
        let (app, id) = (&app, signer.id.clone());
        async move { app.count(&sql, &id).await }
    };
    assert_eq!(sessions_at("awaiting_otp").await, 1);
    let accepted: Vec<String> = (-1..=1).map(|o| app.code(signer.secret(0), o)).collect();
    let wrong = (0..)
        .map(|c| format!("{c:06}"))
        .find(|c| !accepted.contains(c))
        .unwrap();
    let (status, body) = app.call(&client, "login/code", &[("code", &wrong)]).await;
    assert_ne!(status, StatusCode::OK, "{body}");
    let failures = "SELECT otp_failures FROM accounts WHERE id = $1";
    assert_eq!(app.count(failures, &signer.id).await, 1);
    assert_eq!(app.audit_count(&signer.id, "login_otp_failed").await, 1);

    let code = app.code(signer.secret(0), 0);
    let (status, body) = app.call(&client, "login/code", &[("code", &code)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let step = app::otp_devices::totp::step_at(app.now());
    let last_used = "SELECT last_used_step FROM otp_devices WHERE account_id = $1";
    assert_eq!(app.count(last_used, &signer.id).await, step);
    assert_eq!(app.count(failures, &signer.id).await, 0);
    assert_eq!(sessions_at("awaiting_otp").await, 0);
    assert_eq!(sessions_at("active").await, 1);
    assert_eq!(app.audit_count(&signer.id, "login_succeeded").await, 1);
    let (status, _) = app.call(&client, "account", &[]).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

/// The write that activates a waiting session names it by number and
/// checks its digest too: a number that now belongs to another session
/// (SQLite may hand out a deleted last row's number again) changes nothing,
/// so the batch rolls back instead of activating a stranger's session.
async fn an_activation_changes_its_session_only_while_the_digest_is_the_waiting_ones(
    backend: Backend,
) {
    use app::accounts::repo::{Activation, activate_sessions};
    use app::accounts::sessions::SessionKey;
    use app::platform::statements::Changes;

    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let client = app.client();
    app.enter_password(&client, &signer).await;
    let db = &app.services().db;
    let (id, digest): (i64, Vec<u8>) =
        sqlx::query_as("SELECT id, token_digest FROM sessions WHERE account_id = $1")
            .bind(&signer.id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    let device = app::ids::DeviceId::parse(&app.device_ids(&signer.id).await[0]).unwrap();
    let activate = |digest: Vec<u8>| {
        let activation = Activation {
            waiting: SessionKey { id, digest },
            token_digest: vec![7; 32],
            device_id: device.clone(),
            expires_at: app.now() + 600,
            ip: "127.0.0.1".into(),
            user_agent: None,
            at: app.now(),
        };
        [(activate_sessions(&[activation]), Changes::Exactly(1))]
    };
    let active = "SELECT COUNT(*) FROM sessions WHERE account_id = $1 AND stage = 'active'";
    assert!(!db.commit_checked(&activate(vec![9; 32])).await.unwrap());
    assert_eq!(app.count(active, &signer.id).await, 0);
    assert!(db.commit_checked(&activate(digest)).await.unwrap());
    assert_eq!(app.count(active, &signer.id).await, 1);
    app.stop().await;
}

/// Right codes arriving together are written together (group commit); a
/// replayed code among them sends its batch back to be checked one by one,
/// and every other signer still gets in, each with exactly its own rows.
async fn signers_logging_in_at_once_each_get_their_own_session_and_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut signers = Vec::new();
    for n in 1..=12 {
        let (email, nik) = (
            format!("budi.santoso.{n}@kominfo.go.id"),
            format!("320101150890{n:04}"),
        );
        signers.push(
            app.create_account(AccountSpec {
                email: &email,
                nik: Some(&nik),
                ..Default::default()
            })
            .await,
        );
    }
    let clients: Vec<_> = signers.iter().map(|_| app.client()).collect();
    for (client, signer) in clients.iter().zip(&signers) {
        app.enter_password(client, signer).await;
    }
    // The first signer's code was used a moment ago from elsewhere.
    let first = &signers[0];
    assert_eq!(app.log_in(&app.client(), first, 0).await, StatusCode::OK);
    let codes: Vec<String> = signers.iter().map(|s| app.code(s.secret(0), 0)).collect();
    let forms: Vec<[(&str, &str); 1]> = codes.iter().map(|c| [("code", c.as_str())]).collect();
    let answers = join_all(
        clients
            .iter()
            .zip(&forms)
            .map(|(client, form)| app.call(client, "login/code", form)),
    )
    .await;
    assert_eq!(answers[0].0, StatusCode::CONFLICT, "{:?}", answers[0]);
    assert!(
        answers[0].1.contains("sudah pernah dipakai"),
        "{:?}",
        answers[0]
    );
    let step = app::otp_devices::totp::step_at(app.now());
    let last_used = "SELECT last_used_step FROM otp_devices WHERE account_id = $1";
    for ((signer, client), (status, body)) in signers.iter().zip(&clients).zip(&answers).skip(1) {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert_eq!(app.active_sessions(&signer.id).await, 1);
        assert_eq!(app.audit_count(&signer.id, "login_succeeded").await, 1);
        assert_eq!(app.count(last_used, &signer.id).await, step);
        assert_eq!(app.call(client, "account", &[]).await.0, StatusCode::OK);
    }
    assert_eq!(app.active_sessions(&first.id).await, 1);
    assert_eq!(app.audit_count(&first.id, "login_succeeded").await, 1);
    assert_eq!(app.audit_count(&first.id, "login_otp_replayed").await, 1);
    app.stop().await;
}

on_both_backends!(
    code_from_any_device_logs_in,
    wrong_password_and_unknown_email_look_the_same,
    suspended_accounts_cannot_log_in,
    neighbouring_steps_are_accepted_and_farther_ones_not,
    same_code_submitted_64_times_concurrently_is_accepted_once,
    replayed_code_is_refused_logged_and_mailed,
    otp_throttling_engages_and_releases,
    password_guessing_does_not_lock_the_code_step,
    logout_ends_the_session,
    per_client_rate_limit_answers_429,
    a_secret_that_does_not_open_is_an_incident_not_a_wrong_code,
    a_login_claims_the_step_rotates_the_session_and_is_audited,
    signers_logging_in_at_once_each_get_their_own_session_and_entry,
    an_activation_changes_its_session_only_while_the_digest_is_the_waiting_ones,
);
