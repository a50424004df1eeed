//! The staff console: who may call what, and the settings.

use reqwest::StatusCode;
use server::http::staff_gate::staff_server_fns;

use serde_json::Value;

use crate::helpdesk::{open_request, open_request_with, request_otp};
use crate::helpers::{
    Backend, Options, TestAccount, TestApp, folder_mail, page_text, spawn_app, wait_until,
};
use crate::identity::{FACE, jpeg, submitted_ticket, upload};
use crate::on_both_backends;
use crate::otp_setup::{approved_link, complete, revealed_page, secret_from};
use app::accounts::types::Role;

/// A signed-in client of every role (and one of none).
pub struct Callers {
    pub signer_account: TestAccount,
    pub anonymous: reqwest::Client,
    pub signer: reqwest::Client,
    pub verifier: reqwest::Client,
    pub admin: reqwest::Client,
}

pub async fn callers(app: &TestApp) -> Callers {
    let signer = app.signer().await;
    let signer_client = app.client();
    assert_eq!(app.log_in(&signer_client, &signer, 0).await, StatusCode::OK);
    Callers {
        signer_account: signer,
        anonymous: app.client(),
        signer: signer_client,
        verifier: app.staff(Role::Verifier, "verifikator@bsre.go.id").await.1,
        admin: app.staff(Role::Admin, "admin@bsre.go.id").await.1,
    }
}

fn admitted(status: StatusCode) -> bool {
    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN
}

/// Every registered server function under `staff/` or `admin/` (found, not
/// listed by hand) and both photo routes, called as anonymous, signer,
/// verifier and admin: only the roles the prefix names get past the check.
async fn every_staff_function_and_photo_route_answers_only_its_roles(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    let functions = staff_server_fns();
    for known in [
        "/api/staff/review/queue",
        "/api/staff/me",
        "/api/admin/settings/save",
        "/api/admin/service-clients/create",
        "/api/admin/service-clients/revoke",
        "/api/admin/service-clients/webhook",
        "/api/admin/service-clients/webhook-remove",
    ] {
        assert!(
            functions.iter().any(|(path, _)| *path == known),
            "{known} is among {functions:?}"
        );
    }
    for (path, needed) in &functions {
        let endpoint = path.trim_start_matches("/api/");
        let (anonymous, _) = app.call(&who.anonymous, endpoint, &[]).await;
        assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{path} as anonymous");
        let (signer, _) = app.call(&who.signer, endpoint, &[]).await;
        assert_eq!(signer, StatusCode::FORBIDDEN, "{path} as signer");
        let (verifier, body) = app.call(&who.verifier, endpoint, &[]).await;
        assert_eq!(
            admitted(verifier),
            *needed == Role::Verifier,
            "{path} as verifier: {verifier} {body}"
        );
        let (admin, body) = app.call(&who.admin, endpoint, &[]).await;
        assert!(admitted(admin), "{path} as admin: {admin} {body}");
    }

    let owner = &who.signer_account;
    submitted_ticket(&app, owner).await;
    let selfie_id: String = sqlx::query_scalar("SELECT id FROM selfies WHERE account_id = $1")
        .bind(&owner.id)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    let photos = [
        format!("/admin/swafoto/{selfie_id}"),
        format!("/admin/referensi/{}", owner.id),
    ];
    for path in &photos {
        for (client, may) in [
            (&who.anonymous, false),
            (&who.signer, false),
            (&who.verifier, true),
            (&who.admin, true),
        ] {
            let (status, _) = app.get_page(client, path).await;
            assert_eq!(admitted(status), may, "{path}: {status}");
        }
    }
    app.stop().await;
}

/// An admin's change is checked whole, stored, audited and in force in
/// another process on the same database within seconds; a wrong value
/// changes nothing and says why.
async fn settings_are_checked_audited_and_live_in_every_process(backend: Backend) {
    let app = spawn_app(backend).await;
    let other = app.second_process(Options::default()).await;
    let who = callers(&app).await;
    assert_eq!(app.services().tunables().max_devices, 3);

    let (status, body) = app
        .call(
            &who.admin,
            "admin/settings/save",
            &[
                ("values[max_devices]", "0"),
                ("values[setup_link_hours]", "12"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body.contains("Batas perangkat per akun: isi antara 1 dan 10"),
        "{body}"
    );
    assert_eq!(
        app.services().tunables().setup_link_hours,
        24,
        "nothing stored"
    );

    let (status, body) = app
        .call(
            &who.admin,
            "admin/settings/save",
            &[
                ("values[max_devices]", "2"),
                ("values[face_match_accept]", "0,85"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.services().tunables().max_devices, 2);
    wait_until("the other process to reload the settings", async || {
        other.services().tunables().max_devices == 2
            && other.services().tunables().face_match_accept == 0.85
    })
    .await;
    let changes: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor, detail FROM audit_log WHERE action = 'setting_changed' ORDER BY id",
    )
    .fetch_all(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0].0, "admin@bsre.go.id");
    assert!(changes[0].1.contains(r#""from":"3""#) && changes[0].1.contains(r#""to":"2""#));

    let (status, _) = app
        .call(
            &who.verifier,
            "admin/settings/save",
            &[("values[max_devices]", "5")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    other.stop().await;
    app.stop().await;
}

/// A signer's "Pertanyaan Umum"; returns the ticket number.
async fn ask(app: &TestApp, email: &str, question: &str) -> String {
    let client = app.client();
    app.call(&client, "helpdesk/check", &[("email", email)])
        .await;
    let (status, body) = app
        .call(
            &client,
            "helpdesk/submit",
            &[("category", "general_question"), ("message", question)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string()
}

pub fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// Staff find a question by its filters, read it with the mail it caused,
/// answer it once: the signer gets the answer by mail and the ticket closes.
async fn a_general_question_is_found_answered_by_mail_and_closed(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    let signer = &who.signer_account;
    let number = ask(
        &app,
        &signer.email,
        "Bagaimana cara memperpanjang sertifikat saya?",
    )
    .await;
    open_request(&app, signer).await;

    let list = async |pairs: &[(&str, &str)]| {
        let (status, body) = app.call(&who.verifier, "staff/tickets/list", pairs).await;
        (status, body)
    };
    let (status, body) = list(&[("query[category]", "general_question")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found = json(&body);
    assert_eq!(found["total"], 1, "{body}");
    assert_eq!(found["items"][0]["number"], number.as_str());
    let (_, body) = list(&[("query[search]", &format!("#{}", number.to_uppercase()))]).await;
    assert_eq!(json(&body)["total"], 1, "{body}");
    let (_, body) = list(&[("query[search]", "budi.santoso@")]).await;
    assert_eq!(
        json(&body)["total"],
        2,
        "both tickets of the signer: {body}"
    );
    let (_, body) = list(&[("query[channel]", "telegram")]).await;
    assert_eq!(json(&body)["total"], 0, "{body}");
    let (status, body) = list(&[("query[from]", "kemarin")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("TTTT-BB-HH"), "{body}");

    let (status, body) = app
        .call(&who.verifier, "staff/tickets/load", &[("number", &number)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ticket = json(&body);
    assert_eq!(ticket["awaiting_answer"], true);
    assert_eq!(
        ticket["mails"][0]["subject"].as_str().unwrap(),
        format!("Pertanyaan Helpdesk BSrE nomor tiket #{number}")
    );
    let ticket_id = ticket["id"].as_str().unwrap().to_string();

    let answer = [("ticket_id", ticket_id.as_str()), ("answer", "pendek")];
    let (status, body) = app.call(&who.admin, "staff/tickets/answer", &answer).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let text = "Perpanjangan sertifikat dilakukan di portal AMS, menu Sertifikat.";
    let answer = [("ticket_id", ticket_id.as_str()), ("answer", text)];
    let (status, body) = app.call(&who.admin, "staff/tickets/answer", &answer).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mail = folder_mail(
        &app,
        &signer.email,
        &format!("Jawaban Helpdesk BSrE untuk tiket #{number}"),
    )
    .await;
    assert!(
        mail.text.contains(text) && mail.text.contains("memperpanjang sertifikat"),
        "{}",
        mail.text
    );
    let (status, body) = app
        .call(&who.verifier, "staff/tickets/answer", &answer)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "answered once: {body}");

    let (_, body) = app
        .call(&who.verifier, "staff/tickets/load", &[("number", &number)])
        .await;
    let ticket = json(&body);
    assert_eq!(ticket["status_label"], "Ditutup");
    assert_eq!(ticket["answer"], text);
    assert_eq!(ticket["answered_by"], "admin@bsre.go.id");
    assert_eq!(ticket["mails"].as_array().unwrap().len(), 2);
    assert_eq!(app.audit_count(&signer.id, "question_answered").await, 1);
    let (_, page) = app
        .get_page(&who.verifier, &format!("/admin/tiket/{number}"))
        .await;
    assert!(page_text(&page).contains(text), "the page shows the answer");
    app.stop().await;
}

/// Accounts are found by a whole NIK (through its digest), by email or by
/// name, and the NIK is never shown whole.
async fn staff_find_accounts_by_nik_email_or_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    for (query, hits) in [
        ("3201011508900001", 1),
        ("3201 0115 0890 0001", 1),
        ("3201011508900009", 0),
        ("SANTOSO@KOMINFO", 1),
        ("budi sant", 1),
        ("%_", 0),
    ] {
        let (status, body) = app
            .call(&who.verifier, "staff/accounts/search", &[("query", query)])
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert_eq!(
            json(&body).as_array().unwrap().len(),
            hits,
            "{query}: {body}"
        );
        assert!(
            !body.contains("3201011508900001"),
            "never the whole NIK: {body}"
        );
    }
    let (status, body) = app
        .call(&who.verifier, "staff/accounts/search", &[("query", "b")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("minimal 2 karakter"), "{body}");
    let (status, body) = app
        .call(
            &who.verifier,
            "staff/accounts/load",
            &[("id", &who.signer_account.id)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["devices"].as_array().unwrap().len(), 1);
    app.stop().await;
}

/// Suspension ends the signer's sessions and the links already mailed, and
/// login is refused; reactivation lets them in again. Nobody suspends
/// themselves, and a verifier suspends nobody.
async fn suspending_an_account_ends_its_sessions_and_links(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    let signer = &who.signer_account;
    let (_, link) = open_request(&app, signer).await;
    let suspend = [("id", signer.id.as_str()), ("status", "suspended")];
    let (status, _) = app
        .call(&who.verifier, "admin/accounts/status", &suspend)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .call(&who.admin, "admin/accounts/status", &suspend)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .call(&who.admin, "admin/accounts/status", &suspend)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    let (status, _) = app.call(&who.signer, "account", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the open session ended");
    let (status, body) = upload(&app, &link, FACE.to_vec()).await;
    assert_eq!(status, StatusCode::GONE, "the mailed link is void: {body}");
    let (status, body) = app.enter_password(&app.client(), signer).await;
    assert_ne!(status, StatusCode::OK, "login refused: {body}");
    let (_, detail) = app
        .call(&who.admin, "staff/accounts/load", &[("id", &signer.id)])
        .await;
    let detail = json(&detail);
    assert_eq!(detail["status"], "suspended");
    assert!(
        detail["audit"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("tickets_closed: 1"),
        "{detail}"
    );

    let reactivate = [("id", signer.id.as_str()), ("status", "verified")];
    let (status, _) = app
        .call(&who.admin, "admin/accounts/status", &reactivate)
        .await;
    assert_eq!(status, StatusCode::OK);
    app.clock.advance(30); // a fresh code: the one of the first login is spent
    assert_eq!(app.log_in(&app.client(), signer, 0).await, StatusCode::OK);

    let admin_id: String =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'admin@bsre.go.id'")
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
    let own = [("id", admin_id.as_str()), ("status", "suspended")];
    let (status, body) = app.call(&who.admin, "admin/accounts/status", &own).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("akun Anda sendiri"), "{body}");
    app.stop().await;
}

/// An admin removes a lost device, even the signer's last one; the signer
/// is told by mail and the audit names the admin.
async fn an_admin_removes_a_lost_device(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    let signer = &who.signer_account;
    let device_id: String = sqlx::query_scalar("SELECT id FROM otp_devices WHERE account_id = $1")
        .bind(&signer.id)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    let form = [
        ("account_id", signer.id.as_str()),
        ("device_id", device_id.as_str()),
    ];
    let (status, _) = app
        .call(&who.verifier, "admin/accounts/remove-device", &form)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .call(&who.admin, "admin/accounts/remove-device", &form)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM otp_devices WHERE account_id = $1",
            &signer.id
        )
        .await,
        0
    );
    let (status, _) = app.call(&who.signer, "account", &[]).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "its session ended with it"
    );
    folder_mail(&app, &signer.email, "dihapus").await;
    let actor: String = sqlx::query_scalar(
        "SELECT actor FROM audit_log WHERE action = 'device_removed' AND subject_account_id = $1",
    )
    .bind(&signer.id)
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(actor, "admin@bsre.go.id");
    app.stop().await;
}

/// The review names where the request came from, the account's other
/// tickets and the mismatched attempts of the last 30 days, so a verifier
/// sees when someone else may be trying.
async fn the_review_shows_origin_history_and_mismatches(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    let signer = &who.signer_account;
    let question = ask(&app, &signer.email, "Apakah sertifikat saya masih berlaku?").await;
    let (status, _) = request_otp(
        &app,
        &app.client(),
        &signer.email,
        "Budi Santoso",
        "3201011508900009",
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "a wrong NIK is a mismatch");
    let (_, number) = submitted_ticket(&app, signer).await;
    let (status, body) = app.call(&who.verifier, "staff/review/queue", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let item = &json(&body)[0];
    assert_eq!(item["ticket_number"], number.as_str());
    assert_eq!(item["mismatches_30_days"], 1, "{item}");
    assert_eq!(item["client_ip"], "127.0.0.1");
    assert_eq!(item["earlier_tickets"][0]["number"], question.as_str());
    let (_, page) = app.get_page(&who.verifier, "/admin/verifikasi").await;
    let text = page_text(&page);
    assert!(
        text.contains("1 permohonan dengan nama atau NIK yang salah"),
        "{text}"
    );
    assert!(text.contains(&format!("#{question}")));
    assert!(text.contains("Pintasan papan ketik"));
    app.clock.advance(31 * 86_400);
    let (_, fresh) = app
        .staff(Role::Verifier, "verifikator.dua@bsre.go.id")
        .await;
    let (_, body) = app.call(&fresh, "staff/review/queue", &[]).await;
    assert_eq!(
        json(&body)[0]["mismatches_30_days"],
        0,
        "older attempts age out"
    );
    app.stop().await;
}

/// The dashboard counts what waits and what finished, and the median time
/// from request to device added.
async fn the_dashboard_counts_waiting_and_finished_requests(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let link = approved_link(&app, &signer).await;
    app.clock.advance(20 * 60);
    let secret = secret_from(&revealed_page(&app, &link).await);
    let (status, body) = complete(&app, &link, "Hp Baru", &app.code(&secret, 0)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let other = app
        .create_account(crate::helpers::AccountSpec {
            email: "sari@lan.go.id",
            nik: Some("3201011508900002"),
            ..Default::default()
        })
        .await;
    let (waiting, link) = open_request_with(&app, &other, "Budi Santoso", "3201011508900002").await;
    assert_eq!(upload(&app, &link, FACE.to_vec()).await.0, StatusCode::OK);
    ask(&app, &other.email, "Kapan sertifikat saya kedaluwarsa?").await;
    let (_, admin) = app.staff(Role::Admin, "admin@bsre.go.id").await;
    let (status, body) = app.call(&admin, "staff/dashboard/load", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let figures = json(&body);
    let (_, dashboard_page) = app.get_page(&admin, "/admin").await;
    assert!(
        page_text(&dashboard_page).contains("Tiket terbuka (2)"),
        "{figures}"
    );
    assert_eq!(figures["oldest_waiting"][0], waiting.as_str());
    assert_eq!(figures["opened_today"], 3);
    assert_eq!(figures["completed_today"], 1);
    assert!(figures["median_completion_seconds"].as_i64().unwrap() >= 20 * 60);
    let open = figures["open"].as_array().unwrap();
    let row = |label: &str| open.iter().find(|r| r[0] == label).cloned().unwrap();
    assert_eq!(row("Diterima")[1], 1, "the question, on the web: {figures}");
    assert_eq!(row("Menunggu verifikasi petugas")[1], 1);
    let (_, page) = app.get_page(&admin, "/admin").await;
    let text = page_text(&page);
    assert!(
        text.contains(&format!("#{waiting}")) && text.contains("20 menit"),
        "{text}"
    );
    app.stop().await;
}

/// Posts the account page's reference photo form; returns the status and
/// where it redirects to.
async fn post_reference(
    app: &TestApp,
    client: &reqwest::Client,
    account_id: &str,
    photo: Vec<u8>,
    consent: bool,
) -> (StatusCode, String) {
    let mut form = reqwest::multipart::Form::new().part(
        "photo",
        reqwest::multipart::Part::bytes(photo)
            .file_name("registrasi.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    if consent {
        form = form.text("consent", "ya");
    }
    let response = client
        .post(app.url(&format!("/admin/akun/{account_id}/referensi")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location)
}

/// An admin sets a signer's reference photo on the account page (a plain
/// form): checked like a selfie, only with the signer's consent at
/// registration, audited, then served to staff. Nobody else may.
async fn an_admin_sets_a_reference_photo_on_the_account_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    let signer = &who.signer_account;
    let page_path = format!("/admin/akun/{}", signer.id);
    let (_, page) = app.get_page(&who.admin, &page_path).await;
    let text = page_text(&page);
    assert!(
        text.contains("Belum ada foto referensi.")
            && text.contains("Signer menyetujui penggunaan foto ini saat registrasi")
            && text.contains("Simpan foto referensi"),
        "{text}"
    );
    let (_, page) = app.get_page(&who.verifier, &page_path).await;
    assert!(
        !page_text(&page).contains("Simpan foto referensi"),
        "the form is for admins"
    );

    for (client, refused) in [
        (&who.anonymous, StatusCode::UNAUTHORIZED),
        (&who.signer, StatusCode::FORBIDDEN),
        (&who.verifier, StatusCode::FORBIDDEN),
    ] {
        let (status, _) = post_reference(&app, client, &signer.id, FACE.to_vec(), true).await;
        assert_eq!(status, refused);
    }
    let stored = async || {
        app.count(
            "SELECT COUNT(*) FROM reference_photos WHERE account_id = $1",
            &signer.id,
        )
        .await
    };
    assert_eq!(stored().await, 0);

    let scenery = image::DynamicImage::new_rgb8(640, 480);
    for (photo, consent, code, message) in [
        (
            FACE.to_vec(),
            false,
            "tanpa-persetujuan",
            "menyetujuinya saat registrasi",
        ),
        (
            jpeg(&scenery),
            true,
            "tanpa-wajah",
            "Wajah tidak terdeteksi",
        ),
    ] {
        let (status, back) = post_reference(&app, &who.admin, &signer.id, photo, consent).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(back, format!("{page_path}?galat={code}"));
        let (_, page) = app.get_page(&who.admin, &back).await;
        assert!(page_text(&page).contains(message), "{code}");
    }
    assert_eq!(stored().await, 0);
    assert_eq!(app.audit_count(&signer.id, "reference_photo_set").await, 0);

    let (status, back) = post_reference(&app, &who.admin, &signer.id, FACE.to_vec(), true).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(back, format!("{page_path}?ok=referensi"));
    assert_eq!(stored().await, 1);
    let (_, page) = app.get_page(&who.admin, &back).await;
    assert!(page_text(&page).contains("Foto referensi disimpan."));
    assert!(page.contains(&format!("/admin/referensi/{}", signer.id)));
    let response = who
        .admin
        .get(app.url(&format!("/admin/referensi/{}", signer.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let actor: String = sqlx::query_scalar(
        "SELECT actor FROM audit_log WHERE action = 'reference_photo_set' AND subject_account_id = $1",
    )
    .bind(&signer.id)
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(actor, "admin@bsre.go.id");

    let admin_id: String =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'admin@bsre.go.id'")
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
    let (_, back) = post_reference(&app, &who.admin, &admin_id, FACE.to_vec(), true).await;
    assert!(back.ends_with("?galat=bukan-signer"), "{back}");
    app.stop().await;
}

on_both_backends!(
    the_dashboard_counts_waiting_and_finished_requests,
    the_review_shows_origin_history_and_mismatches,
    an_admin_sets_a_reference_photo_on_the_account_page,
    every_staff_function_and_photo_route_answers_only_its_roles,
    settings_are_checked_audited_and_live_in_every_process,
    a_general_question_is_found_answered_by_mail_and_closed,
    staff_find_accounts_by_nik_email_or_name,
    suspending_an_account_ends_its_sessions_and_links,
    an_admin_removes_a_lost_device,
);
