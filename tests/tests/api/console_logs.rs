//! The console's audit log (filters, pages, the CSV download) and mail
//! outbox (states, "Kirim ulang sekarang"), for admins only.

use std::net::{IpAddr, Ipv4Addr};

use app::audit::{Actor, AuditEntry, AuditEvent, record};
use app::ids::AccountId;
use app::mail::repo as mail_repo;
use app::mail::templates::Email;
use app::platform::request::ClientInfo;
use app::time::UnixTime;
use reqwest::StatusCode;

use crate::console::{callers, json};
use crate::helpers::{Backend, Options, TestApp, free_port, spawn_app, spawn_app_with, wait_until};
use crate::on_both_backends;

const DAY: i64 = 86_400;

/// Writes one audit entry at `at`, about `subject`, from `user_agent`.
async fn write_entry(
    app: &TestApp,
    actor: Actor<'_>,
    event: AuditEvent,
    subject: Option<&AccountId>,
    user_agent: Option<&str>,
    at: UnixTime,
) {
    let client = ClientInfo {
        ip: IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)),
        user_agent: user_agent.map(str::to_owned),
    };
    let mut entry = AuditEntry::new(actor, event);
    entry.subject_account_id = subject;
    let mut tx = app.services().db.begin_write().await.unwrap();
    record(&mut tx, entry, Some(&client), at).await.unwrap();
    tx.commit().await.unwrap();
}

async fn db_count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

/// Filters narrow the log (the account also by its email), pages hold 50
/// entries newest first, wrong input names its field, and only admins see it.
async fn audit_log_filters_narrow_and_page_for_admins_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    let signer = &who.signer_account;
    let signer_id = AccountId::parse(&signer.id).unwrap();
    let start = app.now();
    // 2026-11-20 (WIB), before anything else: 60 expiries by the system
    // about the signer.
    for i in 0..60 {
        let at = start - 8 * DAY + i;
        let event = AuditEvent::TicketExpired;
        write_entry(&app, Actor::System, event, Some(&signer_id), None, at).await;
    }
    // 2026-11-21 (WIB): 3 setting changes by someone not signed in.
    let claimed = "Penguji Anonim";
    for i in 0..3 {
        let event = AuditEvent::SettingChanged {
            key: format!("kunci{i}"),
            from: "1".into(),
            to: "2".into(),
        };
        let actor = Actor::Anonymous { claimed };
        write_entry(&app, actor, event, None, None, start - 7 * DAY).await;
    }

    let list = async |pairs: &[(&str, &str)]| {
        let (status, body) = app.call(&who.admin, "admin/audit/list", pairs).await;
        assert_eq!(status, StatusCode::OK, "{pairs:?}: {body}");
        json(&body)
    };
    let expired = list(&[("query[action]", "ticket_expired")]).await;
    assert_eq!(expired["total"], 60);
    assert_eq!(expired["pages"], 2);
    let items = expired["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    assert_eq!(
        items[0]["at"],
        (start - 8 * DAY + 59).secs(),
        "newest first"
    );
    assert_eq!(items[0]["subject_email"], signer.email.as_str());
    let second = list(&[("query[action]", "ticket_expired"), ("query[page]", "2")]).await;
    let items = second["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert_eq!(items[9]["at"], (start - 8 * DAY).secs(), "oldest last");

    let by_system = db_count(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE actor = 'sistem'",
    )
    .await;
    assert!(by_system >= 60);
    assert_eq!(
        list(&[("query[actor]", "sistem")]).await["total"],
        by_system
    );
    assert_eq!(list(&[("query[actor]", "PENGUJI")]).await["total"], 3);
    let staff_logins = list(&[("query[actor]", "admin@bsre")]).await;
    assert!(
        staff_logins["total"].as_i64().unwrap() >= 1,
        "{staff_logins}"
    );
    assert!(
        staff_logins["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|line| line["actor"] == "admin@bsre.go.id"),
        "{staff_logins}"
    );

    let about_signer: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE subject_account_id = $1")
            .bind(&signer.id)
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
    assert!(about_signer >= 60);
    let by_email = list(&[("query[account]", &signer.email.to_uppercase())]).await;
    assert_eq!(by_email["total"], about_signer);
    assert_eq!(
        list(&[("query[account]", &signer.id)]).await["total"],
        about_signer
    );

    let day = |from: &'static str, to: &'static str| [("query[from]", from), ("query[to]", to)];
    assert_eq!(list(&day("2026-11-21", "2026-11-21")).await["total"], 3);
    assert_eq!(list(&day("2026-11-20", "2026-11-20")).await["total"], 60);
    assert_eq!(list(&day("2026-11-20", "2026-11-21")).await["total"], 63);
    assert_eq!(list(&day("", "2026-11-21")).await["total"], 63);
    let everything = db_count(&app, "SELECT COUNT(*) FROM audit_log").await;
    assert_eq!(list(&day("2026-11-21", "")).await["total"], everything - 60);
    let mut narrowed = day("2026-11-21", "").to_vec();
    narrowed.push(("query[action]", "ticket_expired"));
    assert_eq!(list(&narrowed).await["total"], 0);

    for (pairs, says) in [
        (vec![("query[from]", "kemarin")], "Dari tanggal"),
        (vec![("query[to]", "2026-02-30")], "Sampai tanggal"),
        (
            vec![("query[from]", "2026-11-27"), ("query[to]", "2026-11-26")],
            "Sampai tanggal",
        ),
        (vec![("query[action]", "hapus_semua")], "Tindakan"),
        (vec![("query[account]", "tidak.ada@kominfo.go.id")], "Akun"),
    ] {
        let (status, body) = app.call(&who.admin, "admin/audit/list", &pairs).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{pairs:?}: {body}");
        assert!(body.contains(says), "{pairs:?}: {body}");
    }

    let (status, _) = app.call(&who.verifier, "admin/audit/list", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page) = app
        .get_page(&who.admin, "/admin/audit?action=ticket_expired&page=2")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("60 catatan · halaman 2 dari 2"), "{page}");
    assert!(
        page.contains(r#"href="/admin/audit.csv?action=ticket_expired""#),
        "the download keeps the filters"
    );
    assert!(page.contains(&format!(r#"href="/admin/akun/{}""#, signer.id)));
    app.stop().await;
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> reqwest::Response {
    client.get(app.url(path)).send().await.unwrap()
}

/// The download holds the filtered entries as proper CSV (commas, quotes
/// and line breaks survive; a formula is defused), says it is an
/// attachment nobody caches, is itself audited, and is for admins only.
async fn audit_csv_export_is_escaped_defused_audited_and_admin_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    let signer = &who.signer_account;
    let signer_id = AccountId::parse(&signer.id).unwrap();
    let tricky = "a, \"b\"\nc";
    let formula = "=cmd|' /C calc'!A0";
    let event = AuditEvent::SettingChanged {
        key: "catatan".into(),
        from: tricky.into(),
        to: "d".into(),
    };
    // 2026-11-28 09:00:15 UTC, 16:00:15 WIB.
    let at = UnixTime::from_secs(1_795_856_415);
    write_entry(
        &app,
        Actor::System,
        event,
        Some(&signer_id),
        Some(formula),
        at,
    )
    .await;

    let response = get(&who.admin, &app, "/admin/audit.csv?action=setting_changed").await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(header("content-type").starts_with("text/csv"));
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=log-audit-20261128.csv"
    );
    assert_eq!(header("cache-control"), "no-store");
    let body = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "waktu_utc",
            "waktu_wib",
            "pelaku",
            "tindakan",
            "rincian",
            "akun",
            "tiket",
            "alamat",
            "peramban"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{body}");
    let row = &rows[0];
    assert_eq!(&row[0], "2026-11-28T09:00:15Z");
    assert_eq!(&row[1], "2026-11-28 16:00:15");
    assert_eq!(&row[2], "sistem");
    assert_eq!(&row[3], "setting_changed");
    assert!(row[4].contains(&format!("from: {tricky}")), "{:?}", &row[4]);
    assert_eq!(&row[5], signer.email.as_str());
    assert_eq!(&row[7], "10.1.2.3");
    assert_eq!(&row[8], format!("'{formula}"), "the formula is defused");

    let exports: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, detail FROM audit_log WHERE action = 'audit_exported'")
            .fetch_all(app.services().db.pool())
            .await
            .unwrap();
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].0, "admin@bsre.go.id");
    assert!(
        exports[0].1.contains(r#""rows":1"#)
            && exports[0]
                .1
                .contains(r#""filters":"action=setting_changed""#),
        "{}",
        exports[0].1
    );

    let everything = db_count(&app, "SELECT COUNT(*) FROM audit_log").await;
    let body = get(&who.admin, &app, "/admin/audit.csv")
        .await
        .text()
        .await
        .unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows.len() as i64,
        everything,
        "the whole log, the first export too"
    );
    assert_eq!(&rows[0][3], "audit_exported", "newest first");
    assert!(!body.contains("DIPOTONG"));

    let response = get(&who.admin, &app, "/admin/audit.csv?from=kemarin").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("Dari tanggal"));
    for (client, status) in [
        (&who.anonymous, StatusCode::UNAUTHORIZED),
        (&who.signer, StatusCode::FORBIDDEN),
        (&who.verifier, StatusCode::FORBIDDEN),
    ] {
        let response = get(client, &app, "/admin/audit.csv").await;
        assert_eq!(response.status(), status);
        assert!(!response.text().await.unwrap().contains("waktu_utc"));
    }
    assert_eq!(
        db_count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'audit_exported'"
        )
        .await,
        2,
        "refused and invalid downloads are not exports"
    );
    app.stop().await;
}

fn email(to: &str) -> Email {
    Email {
        kind: "test",
        to: to.into(),
        subject: format!("Pesan untuk {to}"),
        text: "Isi rahasia dengan tautan sekali pakai".into(),
        html: "<p>Isi rahasia dengan tautan sekali pakai</p>".into(),
    }
}

async fn mail_row(app: &TestApp, id: i64) -> (i64, Option<String>, i64) {
    sqlx::query_as("SELECT attempts, last_error, next_attempt_at FROM mail_outbox WHERE id = $1")
        .bind(id)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

/// The outbox lists mail by state without bodies; "Kirim ulang sekarang"
/// makes a failing mail due now and the worker tries it again at once; a
/// sent mail is refused.
async fn outbox_lists_by_state_and_sends_a_failing_mail_now(backend: Backend) {
    // Nothing listens on this port: every attempt fails and is recorded.
    let app = spawn_app_with(
        backend,
        Options {
            smtp_url: format!("smtp://127.0.0.1:{}", free_port()),
            ..Default::default()
        },
    )
    .await;
    let who = callers(&app).await;
    let svc = app.services();
    let mut ids = Vec::new();
    let mut tx = svc.db.begin_write().await.unwrap();
    for to in [
        "gagal@kominfo.go.id",
        "terkirim@kominfo.go.id",
        "antre@kominfo.go.id",
    ] {
        ids.push(
            mail_repo::enqueue(&mut tx, &svc.keys, &email(to), None, app.now())
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    svc.mail_queued.notify_one();
    let (failing, sent, waiting) = (ids[0], ids[1], ids[2]);
    wait_until("the worker to try every mail and fail", async || {
        let mut tried = true;
        for id in [failing, sent, waiting] {
            let (attempts, error, _) = mail_row(&app, id).await;
            tried &= attempts >= 1 && error.is_some();
        }
        tried
    })
    .await;
    let pool = svc.db.pool();
    sqlx::query("UPDATE mail_outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
        .bind(app.now())
        .bind(sent)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE mail_outbox SET last_error = NULL, attempts = 0, next_attempt_at = $1 WHERE id = $2",
    )
    .bind(app.now() + 3600)
    .bind(waiting)
    .execute(pool)
    .await
    .unwrap();

    let list = async |state: &str| {
        let (status, body) = app
            .call(&who.admin, "admin/mail/list", &[("query[state]", state)])
            .await;
        assert_eq!(status, StatusCode::OK, "{state}: {body}");
        assert!(!body.contains("Isi rahasia"), "no bodies: {body}");
        json(&body)
    };
    // Creating the test accounts queued mail too: ours are told apart by id.
    let ours = [("retrying", failing), ("sent", sent), ("waiting", waiting)];
    for (state, _) in ours {
        let found = list(state).await;
        let listed: Vec<i64> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|mail| mail["id"].as_i64().unwrap())
            .collect();
        for (other, id) in ours {
            assert_eq!(listed.contains(&id), other == state, "{state}: {found}");
        }
        assert_eq!(listed.len() as i64, found["total"].as_i64().unwrap());
    }
    let all = list("").await;
    let queued = db_count(&app, "SELECT COUNT(*) FROM mail_outbox").await;
    assert_eq!(all["total"], queued);
    assert_eq!(all["items"][0]["id"], waiting, "newest first");
    let (status, body) = app
        .call(&who.admin, "admin/mail/list", &[("query[state]", "hilang")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Status email"), "{body}");

    let (attempts, _, next_attempt_at) = mail_row(&app, failing).await;
    assert!(next_attempt_at > app.now().secs(), "backing off");
    let failing_id = failing.to_string();
    let send_now = [("mail_id", failing_id.as_str())];
    let (status, _) = app
        .call(&who.verifier, "admin/mail/send-now", &send_now)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app.call(&who.admin, "admin/mail/send-now", &send_now).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    wait_until("the worker to try the mail again at once", async || {
        mail_row(&app, failing).await.0 > attempts
    })
    .await;
    let retried: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, detail FROM audit_log WHERE action = 'mail_retried'")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(
        retried,
        vec![(
            "admin@bsre.go.id".to_string(),
            format!(r#"{{"mail_id":{failing}}}"#)
        )]
    );

    let sent_id = sent.to_string();
    let (status, body) = app
        .call(&who.admin, "admin/mail/send-now", &[("mail_id", &sent_id)])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("sudah terkirim"), "{body}");
    let (status, _) = app
        .call(&who.admin, "admin/mail/send-now", &[("mail_id", "999999")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, page) = app
        .get_page(&who.admin, "/admin/surat?state=retrying")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("gagal@kominfo.go.id") && page.contains("Kirim ulang sekarang"));
    assert!(!page.contains("terkirim@kominfo.go.id") && !page.contains("Isi rahasia"));
    let (_, page) = app.get_page(&who.verifier, "/admin/surat").await;
    assert!(
        page.contains("tidak memiliki akses") && !page.contains("gagal@kominfo.go.id"),
        "a verifier sees the console but not the outbox"
    );
    app.stop().await;
}

on_both_backends!(
    audit_log_filters_narrow_and_page_for_admins_only,
    audit_csv_export_is_escaped_defused_audited_and_admin_only,
    outbox_lists_by_state_and_sends_a_failing_mail_now,
);
