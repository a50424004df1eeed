//! The web helpdesk: Periksa, the OTP request and its mail, superseding,
//! link expiry, general questions and the status page.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    AccountSpec, Backend, Options, TestAccount, TestApp, folder_mail, page_text, spawn_app,
    spawn_app_with,
};
use crate::on_both_backends;
use app::accounts::types::{AccountStatus, Role};

/// Periksa with the account's email, then Kirim with the given name and NIK.
pub async fn request_otp(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    name: &str,
    nik: &str,
) -> (StatusCode, String) {
    let (status, body) = app
        .call(client, "helpdesk/check", &[("email", email)])
        .await;
    if status != StatusCode::OK {
        return (status, body);
    }
    app.call(
        client,
        "helpdesk/submit",
        &[
            ("category", "otp_request"),
            ("full_name", name),
            ("nik", nik),
        ],
    )
    .await
}

/// The ticket number in the answer to a successful Kirim.
pub fn ticket_number(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A verified signer's OTP request; returns the ticket number and the mailed link.
pub async fn open_request(app: &TestApp, signer: &TestAccount) -> (String, String) {
    open_request_with(app, signer, "Budi Santoso", "3201011508900001").await
}

pub async fn open_request_with(
    app: &TestApp,
    signer: &TestAccount,
    name: &str,
    nik: &str,
) -> (String, String) {
    let (status, body) = request_otp(app, &app.client(), &signer.email, name, nik).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let number = ticket_number(&body);
    let mail = folder_mail(app, &signer.email, &format!("#{number}")).await;
    (number, mail.link("/verifikasi/"))
}

async fn ticket_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

async fn periksa_opens_the_form_only_for_verified_signers(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signer().await;
    app.create_account(AccountSpec {
        email: "andi@bandung.go.id",
        nik: Some("3273011203850003"),
        status: AccountStatus::Unverified,
        ..Default::default()
    })
    .await;
    app.create_account(AccountSpec {
        email: "rina@kemenkeu.go.id",
        nik: Some("3171014707880004"),
        status: AccountStatus::Suspended,
        ..Default::default()
    })
    .await;
    app.create_account(AccountSpec {
        email: "admin@bsre.go.id",
        nik: None,
        role: Role::Admin,
        ..Default::default()
    })
    .await;

    let client = app.client();
    assert_eq!(
        app.call(
            &client,
            "helpdesk/check",
            &[("email", "Budi.Santoso@Kominfo.go.id ")]
        )
        .await
        .0,
        StatusCode::OK
    );
    let (_, page) = app.get_page(&client, "/helpdesk").await;
    assert!(
        page_text(&page).contains("Email dinas: budi.santoso@kominfo.go.id"),
        "form opens for the checked email"
    );

    let mut refusals = Vec::new();
    for email in [
        "andi@bandung.go.id",
        "rina@kemenkeu.go.id",
        "admin@bsre.go.id",
        "tidak.ada@kominfo.go.id",
    ] {
        refusals.push(
            app.call(&app.client(), "helpdesk/check", &[("email", email)])
                .await,
        );
    }
    for refusal in &refusals {
        assert_eq!(refusal.0, StatusCode::CONFLICT);
        assert!(
            refusal.1.contains("tidak dapat mengajukan permohonan"),
            "{}",
            refusal.1
        );
        assert_eq!(
            refusal, &refusals[0],
            "unverified, suspended, staff and unknown look the same"
        );
    }
    let (status, body) = app
        .call(&client, "helpdesk/check", &[("email", "budi@")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Format email tidak valid"), "{body}");
    app.stop().await;
}

async fn kirim_without_periksa_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signer().await;
    let (status, body) = app
        .call(
            &app.client(),
            "helpdesk/submit",
            &[
                ("category", "otp_request"),
                ("full_name", "Budi Santoso"),
                ("nik", "3201011508900001"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("tekan Periksa sekali lagi"), "{body}");
    assert_eq!(ticket_count(&app).await, 0);
    app.stop().await;
}

async fn mismatched_nik_or_name_creates_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let client = app.client();
    for (name, nik) in [
        ("Budi Santoso", "3201011508900002"),
        ("Budi Santosa", "3201011508900001"),
    ] {
        let (status, body) = request_otp(&app, &client, &signer.email, name, nik).await;
        assert_eq!(status, StatusCode::CONFLICT, "{name} {nik}");
        assert!(body.contains("tidak cocok dengan data akun AMS"), "{body}");
    }
    let (status, body) =
        request_otp(&app, &client, &signer.email, "Budi Santoso", "3201011508").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("NIK harus terdiri dari 16 angka"), "{body}");
    assert_eq!(ticket_count(&app).await, 0);
    assert_eq!(
        app.mail_count("otp_request_received", &signer.email).await,
        0
    );
    assert_eq!(app.audit_count(&signer.id, "helpdesk_mismatch").await, 2);
    app.stop().await;
}

async fn repeated_mismatches_are_throttled(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let client = app.client();
    for _ in 0..5 {
        request_otp(
            &app,
            &client,
            &signer.email,
            "Budi Santoso",
            "3201011508900002",
        )
        .await;
    }
    let (status, _) = request_otp(
        &app,
        &client,
        &signer.email,
        "Budi Santoso",
        "3201011508900001",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right data waits"
    );
    app.clock.advance(3601);
    let (status, _) = request_otp(
        &app,
        &client,
        &signer.email,
        "Budi Santoso",
        "3201011508900001",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

async fn names_match_tolerantly_and_the_nik_exactly(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (status, body) = request_otp(
        &app,
        &app.client(),
        &signer.email,
        "  BUDI   santoso ",
        "3201 0115 0890 0001",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let receipt: Value = serde_json::from_str(&body).unwrap();
    let number = receipt["number"].as_str().unwrap();
    assert_eq!(number.len(), 7);
    assert!(
        number
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    assert_eq!(receipt["email_masked"], "bu**********@kominfo.go.id");
    app.stop().await;
}

async fn the_request_mail_carries_the_ticket_number_and_a_working_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (number, link) = open_request(&app, &signer).await;
    let mail = folder_mail(&app, &signer.email, &number).await;
    assert_eq!(
        mail.subject,
        format!("Permohonan Reset OTP BSrE nomor tiket #{number}")
    );
    assert!(mail.text.contains("Pengecekan Data Diri"));
    assert!(mail.html.contains(">Pengecekan Data Diri</a>"));
    let (status, page) = app
        .get_page(&app.client(), link.strip_prefix(&app.base).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = page_text(&page);
    assert!(
        text.contains(&format!("Tiket #{number}")) && text.contains("32************01"),
        "{text}"
    );
    assert!(
        !page.contains("3201011508900001"),
        "the NIK is never shown in full"
    );
    app.assert_nik_never_in_clear("3201011508900001").await;
    app.stop().await;
}

async fn a_second_request_supersedes_the_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (first, first_link) = open_request(&app, &signer).await;
    let (second, second_link) = open_request(&app, &signer).await;
    assert_ne!(first, second);
    let (status, page) = app
        .get_page(&app.client(), first_link.strip_prefix(&app.base).unwrap())
        .await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page_text(&page).contains("Tautan ini tidak berlaku lagi"));
    assert_eq!(
        app.get_page(&app.client(), second_link.strip_prefix(&app.base).unwrap())
            .await
            .0,
        StatusCode::OK
    );
    let statuses: Vec<(String, String)> =
        sqlx::query_as("SELECT number, status FROM tickets ORDER BY created_at, serial")
            .fetch_all(app.services().db.pool())
            .await
            .unwrap();
    assert_eq!(
        statuses,
        [
            (first, "superseded".into()),
            (second, "awaiting_selfie".into())
        ]
    );
    app.stop().await;
}

async fn an_expired_link_says_so_and_the_ticket_expires(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (number, link) = open_request(&app, &signer).await;
    app.clock.advance(48 * 3600 + 1);
    let (status, page) = app
        .get_page(&app.client(), link.strip_prefix(&app.base).unwrap())
        .await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page_text(&page).contains("Tautan ini sudah kedaluwarsa"));
    app.sweep().await;
    let (status, body) = app
        .call(
            &app.client(),
            "tickets/lookup",
            &[("number", &number), ("email", &signer.email)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"status\":\"expired\""), "{body}");
    app.stop().await;
}

async fn unknown_or_mangled_links_are_explained(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        "/verifikasi/abc",
        "/verifikasi/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/otp/atur/%27%3Cscript%3E",
    ] {
        let (status, page) = app.get_page(&app.client(), path).await;
        assert_eq!(status, StatusCode::GONE, "{path}");
        assert!(page_text(&page).contains("Tautan tidak dikenal"), "{path}");
    }
    app.stop().await;
}

async fn a_general_question_becomes_a_plain_ticket(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let client = app.client();
    app.call(&client, "helpdesk/check", &[("email", &signer.email)])
        .await;
    let (status, body) = app
        .call(
            &client,
            "helpdesk/submit",
            &[("category", "general_question"), ("message", "halo")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Pesan terlalu singkat"), "{body}");
    let (status, body) = app
        .call(
            &client,
            "helpdesk/submit",
            &[
                ("category", "general_question"),
                ("message", "Bagaimana cara memperpanjang sertifikat saya?"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let number = ticket_number(&body);
    let mail = folder_mail(&app, &signer.email, &number).await;
    assert!(mail.text.contains("memperpanjang sertifikat"));
    let (_, body) = app
        .call(
            &client,
            "tickets/lookup",
            &[("number", &number), ("email", &signer.email)],
        )
        .await;
    assert!(
        body.contains("\"category_label\":\"Pertanyaan Umum\"")
            && body.contains("\"status\":\"submitted\""),
        "{body}"
    );
    assert_eq!(
        app.mail_count("otp_request_received", &signer.email).await,
        0,
        "no identity check for questions"
    );
    app.stop().await;
}

/// "Pertanyaan Umum" is capped per account and per client network, so the
/// helpdesk's mail cannot be used to relay anyone's text in bulk: each
/// asker here writes from its own address of one IPv6 /64, behind a proxy.
async fn general_questions_are_capped_per_account_and_per_network(backend: Backend) {
    let options = Options {
        trusted_proxies: "127.0.0.0/8".into(),
        ..Default::default()
    };
    let app = spawn_app_with(backend, options).await;
    let questions = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM tickets WHERE category = 'general_question'",
        )
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
    };
    let mut askers = Vec::new();
    for i in 0..4 {
        let signer = app
            .create_account(AccountSpec {
                email: &format!("penanya.{i}@kominfo.go.id"),
                nik: Some(&format!("320101010180{:04}", i + 1)),
                ..Default::default()
            })
            .await;
        let client = app.client_at(&format!("2001:db8:7:7::{}", i + 1));
        app.call(&client, "helpdesk/check", &[("email", &signer.email)])
            .await;
        askers.push(client);
    }
    let ask = |client: &reqwest::Client, n: usize| {
        let message = format!("Pertanyaan nomor {n} tentang sertifikat saya?");
        let client = client.clone();
        let app = &app;
        async move {
            app.call(
                &client,
                "helpdesk/submit",
                &[("category", "general_question"), ("message", &message)],
            )
            .await
        }
    };
    for n in 0..3 {
        assert_eq!(ask(&askers[0], n).await.0, StatusCode::OK);
    }
    let (status, body) = ask(&askers[0], 3).await;
    assert_ne!(status, StatusCode::OK);
    assert!(body.contains("Batas pertanyaan tercapai"), "{body}");
    assert_eq!(questions().await, 3, "the refused question is not stored");
    // Three more accounts from the same network: its cap (10) holds.
    for asker in &askers[1..3] {
        for n in 0..3 {
            assert_eq!(ask(asker, n).await.0, StatusCode::OK);
        }
    }
    assert_eq!(ask(&askers[3], 0).await.0, StatusCode::OK);
    let (_, body) = ask(&askers[3], 1).await;
    assert!(body.contains("Batas pertanyaan tercapai"), "{body}");
    assert_eq!(questions().await, 10);
    let next_network = app.client_at("2001:db8:7:8::1");
    let fourth = "penanya.3@kominfo.go.id";
    app.call(&next_network, "helpdesk/check", &[("email", fourth)])
        .await;
    assert_eq!(
        ask(&next_network, 1).await.0,
        StatusCode::OK,
        "the next /64 is another network"
    );
    app.clock.advance(86_400 + 1);
    let first = "penanya.0@kominfo.go.id";
    app.call(&askers[0], "helpdesk/check", &[("email", first)])
        .await;
    assert_eq!(ask(&askers[0], 4).await.0, StatusCode::OK, "a day later");
    app.stop().await;
}

async fn the_status_page_needs_number_and_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (number, _) = open_request(&app, &signer).await;
    let client = app.client();
    let (status, page) = app
        .get_page(
            &client,
            &format!(
                "/tiket?nomor=%23{}&email={}",
                number.to_uppercase(),
                signer.email
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = page_text(&page);
    assert!(text.contains("Menunggu pengecekan data diri"), "{text}");
    assert!(
        text.contains("Tautan Pengecekan Data Diri dikirim ke email dinas."),
        "timeline: {text}"
    );
    let (_, page) = app
        .get_page(
            &client,
            &format!("/tiket?nomor={number}&email=orang.lain@kominfo.go.id"),
        )
        .await;
    assert!(page_text(&page).contains("Tiket tidak ditemukan"));
    app.stop().await;
}

on_both_backends!(
    periksa_opens_the_form_only_for_verified_signers,
    kirim_without_periksa_is_refused,
    mismatched_nik_or_name_creates_nothing,
    repeated_mismatches_are_throttled,
    names_match_tolerantly_and_the_nik_exactly,
    the_request_mail_carries_the_ticket_number_and_a_working_link,
    a_second_request_supersedes_the_first,
    an_expired_link_says_so_and_the_ticket_expires,
    unknown_or_mangled_links_are_explained,
    a_general_question_becomes_a_plain_ticket,
    general_questions_are_capped_per_account_and_per_network,
    the_status_page_needs_number_and_email,
);
