//! Mail through a real SMTP server (MailDev): delivery, an outage that
//! delays mail without losing it, and two server processes sharing the outbox.

use std::collections::HashSet;

use app::mail::repo as mail_repo;
use app::mail::templates::Email;
use reqwest::StatusCode;

use crate::helpdesk::request_otp;
use crate::helpers::{
    Backend, MailServer, Options, page_text, spawn_app_with, spawn_with_smtp_down, wait_for,
    wait_until,
};
use crate::on_both_backends;

async fn outbox_state(app: &crate::helpers::TestApp) -> (i64, i64, Option<String>) {
    sqlx::query_as("SELECT COUNT(*), COALESCE(MAX(attempts), 0), MAX(last_error) FROM mail_outbox WHERE sent_at IS NULL")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

async fn the_request_mail_arrives_over_smtp_and_its_link_works(backend: Backend) {
    let mail_server = MailServer::start().await;
    let app = spawn_app_with(
        backend,
        Options {
            smtp_url: mail_server.smtp_url(),
            ..Default::default()
        },
    )
    .await;
    let signer = app.signer().await;
    let (status, body) = request_otp(
        &app,
        &app.client(),
        &signer.email,
        "Budi Santoso",
        "3201011508900001",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mail = mail_server
        .wait_for(&signer.email, "Permohonan Reset OTP BSrE nomor tiket #")
        .await;
    assert!(mail.html.contains("Pengecekan Data Diri"));
    let link = mail.link("/verifikasi/");
    assert_eq!(
        link.len(),
        app.base.len() + "/verifikasi/".len() + 43,
        "the decoded link is whole: {link}"
    );
    let (status, page) = app
        .get_page(&app.client(), link.strip_prefix(&app.base).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page_text(&page).contains("Pengecekan Data Diri"));
    let blanked: (String, String, Option<Vec<u8>>) = sqlx::query_as(
        "SELECT body_text, body_html, bodies_sealed FROM mail_outbox WHERE kind = 'otp_request_received'",
    )
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(
        blanked,
        (String::new(), String::new(), None),
        "sent bodies (with their links) are not kept, sealed or not"
    );
    app.stop().await;
}

async fn mail_waits_while_smtp_is_down_and_arrives_after(backend: Backend) {
    let (app, smtp) = spawn_with_smtp_down(backend).await;
    let signer = app.signer().await;
    let (status, body) = request_otp(
        &app,
        &app.client(),
        &signer.email,
        "Budi Santoso",
        "3201011508900001",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the ticket is created while mail is down: {body}"
    );
    wait_until("the worker to try the mail and fail", async || {
        let (waiting, tried, error) = outbox_state(&app).await;
        waiting >= 1 && tried >= 1 && error.is_some()
    })
    .await;
    let mail_server = smtp.come_back(&app).await;
    let mail = mail_server
        .wait_for(&signer.email, "Permohonan Reset OTP")
        .await;
    assert!(mail.text.contains("/verifikasi/"));
    // MailDev shows the message as soon as it arrives, a moment before the
    // worker records it as sent.
    wait_until("the outbox to record the mail as sent", async || {
        outbox_state(&app).await.0 == 0
    })
    .await;
    app.stop().await;
}

async fn two_processes_send_each_message_exactly_once(backend: Backend) {
    let mail_server = MailServer::start().await;
    let first = spawn_app_with(
        backend,
        Options {
            smtp_url: mail_server.smtp_url(),
            ..Default::default()
        },
    )
    .await;
    let second = first
        .second_process(Options {
            smtp_url: mail_server.smtp_url(),
            ..Default::default()
        })
        .await;
    let svc = first.services();
    let mut tx = svc.db.begin_write().await.unwrap();
    for i in 0..40 {
        let email = Email {
            kind: "test",
            to: format!("penerima{i}@kominfo.go.id"),
            subject: format!("Pesan {i}"),
            text: format!("Isi {i}"),
            html: format!("<p>Isi {i}</p>"),
        };
        mail_repo::enqueue(&mut tx, &svc.keys, &email, None, first.now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    svc.mail_queued.notify_one();
    second.services().mail_queued.notify_one();
    let received = wait_for("40 messages received and none left unsent", async || {
        let received = mail_server.all().await;
        let unsent = outbox_state(&first).await.0;
        (received.len() >= 40 && unsent == 0).then_some(received)
    })
    .await;
    // No message can still be on its way: each was handed to a sender once
    // (every claim counts an attempt), and a sender marks a message sent
    // only after the SMTP server accepted it.
    let claimed_again: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE attempts > 1")
            .fetch_one(svc.db.pool())
            .await
            .unwrap();
    assert_eq!(claimed_again, 0, "each message handed to one sender, once");
    let subjects: HashSet<String> = received.iter().map(|m| m.subject.clone()).collect();
    assert_eq!(received.len(), 40, "no message twice, none lost");
    assert_eq!(subjects.len(), 40);
    let senders: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NOT NULL")
            .fetch_one(svc.db.pool())
            .await
            .unwrap();
    assert_eq!(senders, 40);
    second.stop().await;
    first.stop().await;
}

on_both_backends!(
    the_request_mail_arrives_over_smtp_and_its_link_works,
    mail_waits_while_smtp_is_down_and_arrives_after,
    two_processes_send_each_message_exactly_once,
);
