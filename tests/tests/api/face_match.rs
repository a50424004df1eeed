//! The face-match check of a selfie: the score and its band in the review
//! queue, every way the service can fail leaving the review working, the
//! `none` adapter, once per selfie (and recovered after a lost check), and
//! the NIK sent in clear to the service but never stored in clear.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpdesk::open_request_with;
use crate::helpers::fake_biometric::{Answer, FakeBiometric};
use crate::helpers::{
    AccountSpec, Backend, Options, TestAccount, TestApp, page_text, spawn_app, spawn_app_with,
    wait_for,
};
use crate::identity::{FACE, submitted_ticket, upload, verifier};
use crate::on_both_backends;

const NIK_CLOSE: &str = "3201011508900011";
const NIK_DOUBT: &str = "3201011508900012";
const NIK_FAR: &str = "3201011508900013";
const NIK_UNKNOWN: &str = "3201011508900014";
const NIK_LATE: &str = "3201011508900015";
const NIK_BROKEN: &str = "3201011508900016";
const NIK_GARBAGE: &str = "3201011508900017";
const NIK_OUT_OF_RANGE: &str = "3201011508900018";

/// A signer with its own email and NIK who sent a selfie; returns the
/// account and the ticket number.
async fn signer_with_selfie(app: &TestApp, nik: &str) -> (TestAccount, String) {
    let email = format!("signer.{}@kominfo.go.id", &nik[12..]);
    let signer = app
        .create_account(AccountSpec {
            email: &email,
            nik: Some(nik),
            ..Default::default()
        })
        .await;
    let (number, link) = open_request_with(app, &signer, "Budi Santoso", nik).await;
    assert_eq!(upload(app, &link, FACE.to_vec()).await.0, StatusCode::OK);
    (signer, number)
}

async fn queue(app: &TestApp, staff: &reqwest::Client) -> Vec<Value> {
    let (status, body) = app.call(staff, "staff/review/queue", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// The queue entry of ticket `number`.
async fn entry(app: &TestApp, staff: &reqwest::Client, number: &str) -> Value {
    queue(app, staff)
        .await
        .into_iter()
        .find(|item| item["ticket_number"] == number)
        .unwrap_or_else(|| panic!("ticket #{number} is in the queue"))
}

/// The face-match outcome of ticket `number` once its background check is done.
async fn outcome(app: &TestApp, staff: &reqwest::Client, number: &str) -> Value {
    wait_for(format!("the face-match outcome of #{number}"), async || {
        let found = entry(app, staff, number).await["face_match"].clone();
        (found["outcome"] != "pending").then_some(found)
    })
    .await
}

/// The review card of ticket `number` on /admin, as visible text.
/// The review card of ticket `number`, opened in focus as a verifier does.
async fn card(app: &TestApp, staff: &reqwest::Client, number: &str) -> String {
    let path = format!("/admin/verifikasi?tiket={number}");
    let (_, page) = app.get_page(staff, &path).await;
    let start = page
        .find(&format!("data-ticket=\"{number}\""))
        .unwrap_or_else(|| panic!("a card for #{number}"));
    let end = page[start..].find("</article>").unwrap() + start;
    page_text(&page[start..end])
}

pub async fn ticket_id(app: &TestApp, number: &str) -> String {
    sqlx::query_scalar("SELECT id FROM tickets WHERE number = $1")
        .bind(number)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

async fn ticket_status(app: &TestApp, number: &str) -> String {
    sqlx::query_scalar("SELECT status FROM tickets WHERE number = $1")
        .bind(number)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

async fn scores_show_with_their_band_and_the_nik_is_sent_but_never_stored_in_clear(
    backend: Backend,
) {
    let fake = FakeBiometric::start(&[
        (NIK_CLOSE, Answer::Score(0.91)),
        (NIK_DOUBT, Answer::Score(0.70)),
        (NIK_FAR, Answer::Score(0.30)),
    ])
    .await;
    let app = spawn_app_with(
        backend,
        Options {
            face_match: Some(fake.service(5_000)),
            ..Options::default()
        },
    )
    .await;
    let (close, close_number) = signer_with_selfie(&app, NIK_CLOSE).await;
    let (_, doubt_number) = signer_with_selfie(&app, NIK_DOUBT).await;
    let (far, far_number) = signer_with_selfie(&app, NIK_FAR).await;
    let (_, staff) = verifier(&app).await;

    let close_outcome = outcome(&app, &staff, &close_number).await;
    assert_eq!(close_outcome["outcome"], "score");
    assert_eq!(close_outcome["percent"], 91);
    assert_eq!(close_outcome["band"], "match");
    assert_eq!(
        close_outcome["source_label"],
        "Layanan verifikasi biometrik"
    );
    assert_eq!(outcome(&app, &staff, &doubt_number).await["band"], "doubt");
    assert_eq!(outcome(&app, &staff, &far_number).await["band"], "no_match");

    for (number, shown) in [
        (
            &close_number,
            "Pencocokan wajah 91% (cocok) · Layanan verifikasi biometrik",
        ),
        (
            &doubt_number,
            "Pencocokan wajah 70% (ragu) · Layanan verifikasi biometrik",
        ),
        (
            &far_number,
            "Pencocokan wajah 30% (tidak cocok) · Layanan verifikasi biometrik",
        ),
    ] {
        let card = card(&app, &staff, number).await;
        assert!(card.contains(shown), "{card}");
        assert!(card.contains("keputusan tetap pada petugas"), "{card}");
    }

    // The service got each NIK in clear, with the stored selfie, once.
    let calls = fake.calls();
    assert!(fake.refused().is_empty(), "{:?}", fake.refused());
    let mut niks: Vec<&str> = calls.iter().map(|c| c.nik.as_str()).collect();
    niks.sort_unstable();
    assert_eq!(niks, [NIK_CLOSE, NIK_DOUBT, NIK_FAR]);
    assert!(
        calls
            .iter()
            .all(|c| image::load_from_memory(&c.selfie).is_ok())
    );
    assert_eq!(app.audit_count(&close.id, "selfie_face_matched").await, 1);
    // Reading the queue again asks nobody.
    queue(&app, &staff).await;
    app.get_page(&staff, "/admin/verifikasi").await;
    assert_eq!(fake.calls().len(), 3, "once per selfie, not per page view");

    // Nothing was decided by the score: a verifier still decides, either way.
    assert_eq!(ticket_status(&app, &close_number).await, "selfie_submitted");
    let far_ticket = ticket_id(&app, &far_number).await;
    let (status, body) = app
        .call(
            &staff,
            "staff/review/approve",
            &[("ticket_id", &far_ticket)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ticket_status(&app, &far_number).await, "approved");

    // At rest: the search finds what is stored in clear, and no NIK.
    assert!(
        app.columns_containing(&far.email)
            .await
            .contains(&"accounts.email".to_string()),
        "the search sees stored text"
    );
    for nik in [NIK_CLOSE, NIK_DOUBT, NIK_FAR] {
        app.assert_nik_never_in_clear(nik).await;
    }
    app.stop().await;
}

async fn an_unusable_service_shows_why_and_the_review_still_works(backend: Backend) {
    let fake = FakeBiometric::start(&[
        (NIK_LATE, Answer::Late(Duration::from_secs(3))),
        (NIK_BROKEN, Answer::ServerError),
        (NIK_GARBAGE, Answer::Garbage),
        (NIK_OUT_OF_RANGE, Answer::OutOfRange),
    ])
    .await;
    let app = spawn_app_with(
        backend,
        Options {
            face_match: Some(fake.service(400)),
            ..Options::default()
        },
    )
    .await;
    let mut tickets = Vec::new();
    for (nik, expected) in [
        (NIK_UNKNOWN, None),
        (NIK_LATE, Some("layanan tidak menjawab dalam 400 ms")),
        (NIK_BROKEN, Some("layanan menjawab HTTP 500")),
        (NIK_GARBAGE, Some("jawaban layanan tidak dapat dibaca")),
        (
            NIK_OUT_OF_RANGE,
            Some("skor dari layanan di luar rentang 0–1"),
        ),
    ] {
        let (_, number) = signer_with_selfie(&app, nik).await;
        tickets.push((number, expected));
    }
    let (_, staff) = verifier(&app).await;
    for (number, expected) in &tickets {
        let found = outcome(&app, &staff, number).await;
        match expected {
            None => assert_eq!(found["outcome"], "no_record", "{found}"),
            Some(why) => {
                assert_eq!(found["outcome"], "unavailable", "{found}");
                assert_eq!(found["why"], *why);
            }
        }
    }
    for (number, expected) in &tickets {
        let card = card(&app, &staff, number).await;
        match expected {
            None => assert!(
                card.contains("Pencocokan wajah Tidak ada data di layanan biometrik"),
                "{card}"
            ),
            Some(why) => assert!(
                card.contains(&format!("Pencocokan wajah Skor tidak tersedia {why}")),
                "{card}"
            ),
        }
    }
    // Every review can still be decided.
    for (number, _) in &tickets {
        let id = ticket_id(&app, number).await;
        let (status, body) = app
            .call(&staff, "staff/review/approve", &[("ticket_id", &id)])
            .await;
        assert_eq!(status, StatusCode::OK, "#{number}: {body}");
    }
    assert_eq!(fake.calls().len(), 5);
    assert!(fake.refused().is_empty(), "{:?}", fake.refused());
    app.stop().await;
}

async fn without_a_service_the_review_says_there_is_nothing_to_compare(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (ticket_id, number) = submitted_ticket(&app, &signer).await;
    let (_, staff) = verifier(&app).await;
    assert_eq!(
        outcome(&app, &staff, &number).await["outcome"],
        "nothing_to_compare"
    );
    let card = card(&app, &staff, &number).await;
    assert!(
        card.contains(
            "Pencocokan wajah Tidak ada pembanding (layanan pencocokan wajah tidak diatur)"
        ),
        "{card}"
    );
    assert_eq!(app.audit_count(&signer.id, "selfie_face_matched").await, 0);
    assert_eq!(
        app.call(&staff, "staff/review/approve", &[("ticket_id", &ticket_id)])
            .await
            .0,
        StatusCode::OK
    );
    app.assert_nik_never_in_clear("3201011508900001").await;
    // The search would see the digits in a byte column too.
    sqlx::query("UPDATE accounts SET nik_sealed = $1")
        .bind(b"3201011508900001".to_vec())
        .execute(app.services().db.pool())
        .await
        .unwrap();
    assert_eq!(
        app.columns_containing("3201011508900001").await,
        ["accounts.nik_sealed"]
    );
    app.stop().await;
}

/// A check lost to a crash is run by the review queue a minute after the
/// upload; then never again.
async fn a_lost_check_is_run_by_the_queue_once(backend: Backend) {
    let fake = FakeBiometric::start(&[(NIK_CLOSE, Answer::Score(0.85))]).await;
    let app = spawn_app_with(
        backend,
        Options {
            face_match: Some(fake.service(5_000)),
            ..Options::default()
        },
    )
    .await;
    let (_, number) = signer_with_selfie(&app, NIK_CLOSE).await;
    let (_, staff) = verifier(&app).await;
    assert_eq!(outcome(&app, &staff, &number).await["percent"], 85);
    assert_eq!(fake.calls().len(), 1);
    // As if the process died before storing it.
    sqlx::query(
        "UPDATE selfies SET match_outcome = NULL, match_score = NULL, match_source = NULL,
             match_note = NULL, matched_at = NULL",
    )
    .execute(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(
        entry(&app, &staff, &number).await["face_match"]["outcome"],
        "pending",
        "a young selfie is left to its own check"
    );
    assert!(
        card(&app, &staff, &number)
            .await
            .contains("Skor sedang dihitung")
    );
    assert_eq!(fake.calls().len(), 1);

    app.clock.advance(61);
    assert_eq!(
        entry(&app, &staff, &number).await["face_match"]["percent"],
        85,
        "the queue ran the lost check before answering"
    );
    assert_eq!(fake.calls().len(), 2);
    queue(&app, &staff).await;
    assert_eq!(fake.calls().len(), 2);
    app.stop().await;
}

/// An account created before NIKs were sealed has nothing to send; typing
/// the NIK in a new request seals it, and the next selfie is matched.
async fn an_account_without_a_sealed_nik_gets_one_from_its_next_request(backend: Backend) {
    let fake = FakeBiometric::start(&[(NIK_CLOSE, Answer::Score(0.88))]).await;
    let app = spawn_app_with(
        backend,
        Options {
            face_match: Some(fake.service(5_000)),
            ..Options::default()
        },
    )
    .await;
    let signer = app
        .create_account(AccountSpec {
            nik: Some(NIK_CLOSE),
            ..Default::default()
        })
        .await;
    sqlx::query("UPDATE accounts SET nik_sealed = NULL")
        .execute(app.services().db.pool())
        .await
        .unwrap();
    let (_, staff) = verifier(&app).await;
    let (number, link) = open_request_with(&app, &signer, "Budi Santoso", NIK_CLOSE).await;
    // The request itself sealed the NIK the signer typed (it matched the digest)…
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts WHERE id = $1 AND nik_sealed IS NOT NULL",
            &signer.id
        )
        .await,
        1
    );
    assert_eq!(upload(&app, &link, FACE.to_vec()).await.0, StatusCode::OK);
    assert_eq!(outcome(&app, &staff, &number).await["percent"], 88);
    assert_eq!(fake.calls()[0].nik, NIK_CLOSE);
    app.assert_nik_never_in_clear(NIK_CLOSE).await;

    // …and without one there is nothing to send: unavailable, nobody asked.
    sqlx::query("UPDATE accounts SET nik_sealed = NULL")
        .execute(app.services().db.pool())
        .await
        .unwrap();
    let id = ticket_id(&app, &number).await;
    app.call(
        &staff,
        "staff/review/reject",
        &[
            ("ticket_id", &id),
            ("reason", "Foto kurang jelas, mohon ulangi"),
        ],
    )
    .await;
    let mail = crate::helpers::folder_mail(
        &app,
        &signer.email,
        &format!("Pengecekan Ulang Data Diri tiket #{number}"),
    )
    .await;
    let again = mail.link("/verifikasi/");
    assert_eq!(upload(&app, &again, FACE.to_vec()).await.0, StatusCode::OK);
    let found = outcome(&app, &staff, &number).await;
    assert_eq!(found["outcome"], "unavailable", "{found}");
    assert_eq!(found["why"], "NIK akun belum tersimpan untuk layanan ini");
    assert_eq!(fake.calls().len(), 1);
    app.stop().await;
}

/// With a service configured, the consent notice says the selfie goes to it
/// (before the camera opens), and the recorded consent says so too.
async fn the_consent_notice_names_the_biometric_service(backend: Backend) {
    let fake = FakeBiometric::start(&[(NIK_CLOSE, Answer::Score(0.9))]).await;
    let app = spawn_app_with(
        backend,
        Options {
            face_match: Some(fake.service(5_000)),
            ..Options::default()
        },
    )
    .await;
    let email = "signer.notice@kominfo.go.id";
    let signer = app
        .create_account(AccountSpec {
            email,
            nik: Some(NIK_CLOSE),
            ..Default::default()
        })
        .await;
    let (_, link) = open_request_with(&app, &signer, "Budi Santoso", NIK_CLOSE).await;
    let (_, page) = app
        .get_page(&app.client(), link.strip_prefix(&app.base).unwrap())
        .await;
    assert!(
        page_text(&page).contains("dikirim ke layanan verifikasi biometrik"),
        "{}",
        page_text(&page)
    );
    assert_eq!(upload(&app, &link, FACE.to_vec()).await.0, StatusCode::OK);
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'selfie_consent_given' AND subject_account_id = $1",
    )
    .bind(&signer.id)
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    assert!(detail.contains(r#""biometric_service":true"#), "{detail}");
    app.stop().await;
}

on_both_backends!(
    the_consent_notice_names_the_biometric_service,
    scores_show_with_their_band_and_the_nik_is_sent_but_never_stored_in_clear,
    an_unusable_service_shows_why_and_the_review_still_works,
    without_a_service_the_review_says_there_is_nothing_to_compare,
    a_lost_check_is_run_by_the_queue_once,
    an_account_without_a_sealed_nik_gets_one_from_its_next_request,
);
