//! The identity check: photo rules on upload, privacy of stored photos, the
//! verifier's decision and its mails, and retention.

use std::sync::OnceLock;

use image::{DynamicImage, GenericImageView};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpdesk::{open_request, open_request_with};
use crate::helpers::{
    AccountSpec, Backend, TestAccount, TestApp, folder_mail, page_text, spawn_app,
};
use crate::on_both_backends;
use app::accounts::types::{OfficialEmail, Role};
use app::audit::Actor;
use app::identity_check::reference::{ReferenceError, set_reference_photo};

pub const FACE: &[u8] = include_bytes!("../../fixtures/astronaut.jpg");

/// Sends a selfie as the camera page does, with the signer's consent.
pub async fn upload(app: &TestApp, link: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    upload_with_consent(app, link, bytes, Some("ya")).await
}

/// Sends a selfie with `consent` as the `consent` field (none when `None`).
async fn upload_with_consent(
    app: &TestApp,
    link: &str,
    bytes: Vec<u8>,
    consent: Option<&'static str>,
) -> (StatusCode, Value) {
    let mut form = reqwest::multipart::Form::new().part(
        "photo",
        reqwest::multipart::Part::bytes(bytes)
            .file_name("swafoto.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    if let Some(value) = consent {
        form = form.text("consent", value);
    }
    let response = app
        .client()
        .post(format!("{link}/foto"))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A signed-in verifier.
pub async fn verifier(app: &TestApp) -> (TestAccount, reqwest::Client) {
    app.staff(Role::Verifier, "verifikator@bsre.go.id").await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

pub fn jpeg(image: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&image.to_rgb8())
        .unwrap();
    out
}

/// An APP1 segment with Orientation 6 (turn 90° clockwise to view) and a GPS position.
fn exif_app1() -> Vec<u8> {
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        [
            tag.to_le_bytes().as_slice(),
            &kind.to_le_bytes(),
            &count.to_le_bytes(),
            &value,
        ]
        .concat()
    };
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(entry(0x0112, 3, 1, [6, 0, 0, 0]));
    tiff.extend(entry(0x8825, 4, 1, 38u32.to_le_bytes()));
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(entry(0x0001, 2, 2, *b"S\0\0\0"));
    tiff.extend(entry(0x0002, 5, 3, 68u32.to_le_bytes()));
    tiff.extend(0u32.to_le_bytes());
    for (numerator, denominator) in [(6u32, 1u32), (10, 1), (0, 1)] {
        tiff.extend(numerator.to_le_bytes());
        tiff.extend(denominator.to_le_bytes());
    }
    let mut segment = vec![0xFF, 0xE1];
    segment.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
    segment.extend(b"Exif\0\0");
    segment.extend(tiff);
    segment
}

/// The portrait stored sideways with an EXIF tag saying so, plus GPS data:
/// only a server that applies the orientation finds the face.
fn sideways_face_with_exif() -> Vec<u8> {
    let upright = image::load_from_memory(FACE)
        .unwrap()
        .crop_imm(0, 0, 512, 400);
    let stored = jpeg(&upright.rotate270());
    [&stored[..2], &exif_app1(), &stored[2..]].concat()
}

/// 20000×20000 pixels in about 400 KB: the decompression bomb the size checks must stop.
fn huge_png() -> Vec<u8> {
    static PNG: OnceLock<Vec<u8>> = OnceLock::new();
    PNG.get_or_init(|| {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 20_000, 20_000);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let row = vec![0u8; 20_000];
        for _ in 0..20_000 {
            std::io::Write::write_all(&mut stream, &row).unwrap();
        }
        stream.finish().unwrap();
        drop(writer);
        out
    })
    .clone()
}

async fn bad_photos_get_a_helpful_answer_and_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (_, link) = open_request(&app, &signer).await;
    let face = image::load_from_memory(FACE).unwrap();
    let mut pair = DynamicImage::new_rgb8(1024, 512);
    image::GenericImage::copy_from(&mut pair, &face, 0, 0).unwrap();
    image::GenericImage::copy_from(&mut pair, &face, 512, 0).unwrap();
    let scenery = DynamicImage::ImageRgb8(image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x / 3) as u8, (y / 2) as u8, 140])
    }));
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "not an image",
            b"%PDF-1.7 bukan foto".to_vec(),
            "File bukan foto JPEG atau PNG",
        ),
        (
            "truncated JPEG",
            FACE[..FACE.len() / 2].to_vec(),
            "Foto rusak atau tidak lengkap",
        ),
        ("20000x20000 PNG", huge_png(), "resolusi maksimal 8000×8000"),
        ("no face", jpeg(&scenery), "Wajah tidak terdeteksi"),
        ("two faces", jpeg(&pair), "lebih dari satu wajah"),
    ];
    for (case, bytes, message) in cases {
        let (status, answer) = upload(&app, &link, bytes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
        assert!(
            answer["error"]
                .as_str()
                .unwrap_or_default()
                .contains(message),
            "{case}: {answer}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM selfies").await, 0);
    assert_eq!(
        app.get_page(&app.client(), link.strip_prefix(&app.base).unwrap())
            .await
            .0,
        StatusCode::OK,
        "link still usable"
    );
    app.stop().await;
}

async fn plain_form_uploads_redirect_with_the_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (number, link) = open_request(&app, &signer).await;
    // The consent box comes before the form in the page, so first.
    let form = |bytes: &'static [u8]| {
        reqwest::multipart::Form::new().text("consent", "ya").part(
            "photo",
            reqwest::multipart::Part::bytes(bytes).file_name("foto.jpg"),
        )
    };
    let refused = app
        .client()
        .post(format!("{link}/foto"))
        .multipart(form(b"GIF89a"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let back = refused.headers()["location"].to_str().unwrap().to_string();
    assert!(back.ends_with("?galat=bukan-foto"), "{back}");
    let (_, page) = app.get_page(&app.client(), &back).await;
    assert!(page_text(&page).contains("File bukan foto JPEG atau PNG"));
    let accepted = app
        .client()
        .post(format!("{link}/foto"))
        .multipart(form(FACE))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        accepted.headers()["location"],
        format!("/verifikasi/terkirim?nomor={number}")
    );
    app.stop().await;
}

/// UU PDP: the signer agrees before the photo is used. Without the consent
/// field (or with another value) nothing is stored and the link stays
/// usable; with it the ticket records when, the audit log what the signer
/// was told, and the console's ticket page shows it.
async fn a_selfie_needs_the_signers_consent(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (number, link) = open_request(&app, &signer).await;
    let path = link.strip_prefix(&app.base).unwrap().to_string();
    let (status, page) = app.get_page(&app.client(), &path).await;
    assert_eq!(status, StatusCode::OK);
    let text = page_text(&page);
    for told in [
        "Persetujuan penggunaan swafoto",
        "dibandingkan dengan foto registrasi Anda",
        "Hanya petugas verifikator dan admin helpdesk",
        "30 hari setelah tiket ini selesai",
        "menarik persetujuan dengan tidak mengirim swafoto",
        "Saya setuju",
    ] {
        assert!(text.contains(told), "{told}: {text}");
    }
    assert!(
        !text.contains("layanan verifikasi biometrik"),
        "no biometric service is configured"
    );
    assert!(
        page.contains(r#"name="consent""#) && page.contains("required"),
        "the plain form needs the box too"
    );
    for consent in [None, Some(""), Some("tidak")] {
        let (status, answer) = upload_with_consent(&app, &link, FACE.to_vec(), consent).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{consent:?}");
        assert!(
            answer["error"]
                .as_str()
                .unwrap_or_default()
                .contains("centang persetujuan penggunaan swafoto"),
            "{consent:?}: {answer}"
        );
    }
    let plain = app
        .client()
        .post(format!("{link}/foto"))
        .multipart(reqwest::multipart::Form::new().part(
            "photo",
            reqwest::multipart::Part::bytes(FACE).file_name("foto.jpg"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::SEE_OTHER);
    let back = plain.headers()["location"].to_str().unwrap().to_string();
    assert!(back.ends_with("?galat=tanpa-persetujuan"), "{back}");
    let (_, page) = app.get_page(&app.client(), &back).await;
    assert!(page_text(&page).contains("centang persetujuan penggunaan swafoto"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM selfies").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM tickets WHERE selfie_consent_at IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(app.audit_count(&signer.id, "selfie_consent_given").await, 0);
    assert_eq!(
        app.get_page(&app.client(), &path).await.0,
        StatusCode::OK,
        "link still usable"
    );

    let (status, answer) = upload(&app, &link, FACE.to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let consent_at: Option<i64> =
        sqlx::query_scalar("SELECT selfie_consent_at FROM tickets WHERE number = $1")
            .bind(&number)
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
    assert_eq!(consent_at, Some(app.now().secs()));
    assert_eq!(app.audit_count(&signer.id, "selfie_consent_given").await, 1);
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'selfie_consent_given' AND subject_account_id = $1",
    )
    .bind(&signer.id)
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    assert!(
        detail.contains(r#""retention_days":30"#)
            && detail.contains(r#""biometric_service":false"#),
        "{detail}"
    );
    let (_, staff) = verifier(&app).await;
    let (status, page) = app
        .get_page(&staff, &format!("/admin/tiket/{number}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page_text(&page).contains(&format!(
            "Persetujuan swafoto {}",
            app::format::date_time(app.now())
        )),
        "{}",
        page_text(&page)
    );
    app.stop().await;
}

/// The notice shows the retention setting in force, not a fixed number.
async fn the_consent_notice_shows_the_live_retention(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (_, admin) = app.staff(Role::Admin, "admin@bsre.go.id").await;
    let (status, body) = app
        .call(
            &admin,
            "admin/settings/save",
            &[("values[selfie_retention_days]", "45")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, link) = open_request(&app, &signer).await;
    let (_, page) = app
        .get_page(&app.client(), link.strip_prefix(&app.base).unwrap())
        .await;
    assert!(
        page_text(&page).contains("45 hari setelah tiket ini selesai"),
        "{}",
        page_text(&page)
    );
    app.stop().await;
}

async fn a_good_photo_is_stored_upright_without_metadata_and_the_link_is_spent(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (number, link) = open_request(&app, &signer).await;
    let (status, answer) = upload(&app, &link, sideways_face_with_exif()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["redirect"],
        format!("/verifikasi/terkirim?nomor={number}")
    );
    let stored: Vec<u8> = sqlx::query_scalar("SELECT image FROM selfies")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    assert!(!stored.windows(4).any(|w| w == b"Exif"), "no EXIF block");
    assert!(
        !stored.windows(2).any(|w| w == [0xFF, 0xE1]),
        "no APP1 segment at all"
    );
    assert_eq!(
        image::load_from_memory(&stored).unwrap().dimensions(),
        (512, 400),
        "turned upright"
    );
    let (status, page) = app
        .get_page(&app.client(), link.strip_prefix(&app.base).unwrap())
        .await;
    assert_eq!(status, StatusCode::GONE);
    assert!(
        page_text(&page).contains("Tautan ini sudah digunakan"),
        "reused link"
    );
    let (status, _) = upload(&app, &link, FACE.to_vec()).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM selfies").await, 1);
    let (_, body) = app
        .call(
            &app.client(),
            "tickets/lookup",
            &[("number", &number), ("email", &signer.email)],
        )
        .await;
    assert!(body.contains("\"status\":\"selfie_submitted\""), "{body}");
    app.stop().await;
}

async fn only_staff_can_see_a_selfie(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (_, link) = open_request(&app, &signer).await;
    upload(&app, &link, FACE.to_vec()).await;
    let id: String = sqlx::query_scalar("SELECT id FROM selfies")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    let path = format!("/admin/swafoto/{id}");
    assert_eq!(
        app.get_page(&app.client(), &path).await.0,
        StatusCode::FORBIDDEN,
        "anonymous"
    );
    let signer_client = app.client();
    assert_eq!(app.log_in(&signer_client, &signer, 0).await, StatusCode::OK);
    assert_eq!(
        app.get_page(&signer_client, &path).await.0,
        StatusCode::FORBIDDEN,
        "the signer"
    );
    assert_eq!(
        app.call(&signer_client, "staff/review/queue", &[]).await.0,
        StatusCode::FORBIDDEN
    );
    let (staff, staff_client) = verifier(&app).await;
    let response = staff_client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.headers()["cache-control"], "no-store, private");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE actor_account_id = $1 AND action = 'selfie_viewed'", &staff.id).await, 1);
    app.stop().await;
}

/// Sends a selfie for a new request and returns (ticket id, ticket number).
pub async fn submitted_ticket(app: &TestApp, signer: &TestAccount) -> (String, String) {
    let (number, link) = open_request(app, signer).await;
    assert_eq!(upload(app, &link, FACE.to_vec()).await.0, StatusCode::OK);
    let id = sqlx::query_scalar("SELECT id FROM tickets WHERE number = $1")
        .bind(&number)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    (id, number)
}

async fn approval_mails_the_setup_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (ticket_id, number) = submitted_ticket(&app, &signer).await;
    let (_, staff) = verifier(&app).await;
    let (status, queue) = app.call(&staff, "staff/review/queue", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        queue.contains(&number) && queue.contains("3201********0001"),
        "{queue}"
    );
    let (_, page) = app.get_page(&staff, "/admin/verifikasi").await;
    assert!(
        page_text(&page).contains(&format!("Tiket #{number}")) && page.contains("/admin/swafoto/")
    );
    assert_eq!(
        app.call(&staff, "staff/review/approve", &[("ticket_id", &ticket_id)])
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = app
        .call(&staff, "staff/review/approve", &[("ticket_id", &ticket_id)])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "decided once");
    assert!(body.contains("sudah diputuskan"), "{body}");
    let mail = folder_mail(&app, &signer.email, "Perbarui Akun Anda").await;
    assert!(mail.text.contains("Atur Perangkat OTP"));
    let link = mail.link("/otp/atur/");
    let (status, page) = app
        .get_page(&app.client(), link.strip_prefix(&app.base).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page_text(&page).contains("Pindai QR Code"));
    app.stop().await;
}

async fn rejection_needs_a_reason_and_mails_a_new_check(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (ticket_id, number) = submitted_ticket(&app, &signer).await;
    let (_, staff) = verifier(&app).await;
    let (status, body) = app
        .call(
            &staff,
            "staff/review/reject",
            &[("ticket_id", &ticket_id), ("reason", "  ")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Alasan penolakan wajib diisi"), "{body}");
    let reason = "Wajah tertutup bayangan, ambil di tempat terang";
    assert_eq!(
        app.call(
            &staff,
            "staff/review/reject",
            &[("ticket_id", &ticket_id), ("reason", reason)]
        )
        .await
        .0,
        StatusCode::OK
    );
    let mail = folder_mail(
        &app,
        &signer.email,
        &format!("Pengecekan Ulang Data Diri tiket #{number}"),
    )
    .await;
    assert!(mail.text.contains(reason));
    let link = mail.link("/verifikasi/");
    let (status, page) = app
        .get_page(&app.client(), link.strip_prefix(&app.base).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page_text(&page).contains(&format!("Alasan: {reason}")));
    assert_eq!(
        upload(&app, &link, FACE.to_vec()).await.0,
        StatusCode::OK,
        "a second selfie"
    );
    let (_, queue) = app.call(&staff, "staff/review/queue", &[]).await;
    assert!(
        queue.contains("\"decision_label\":\"Ditolak\""),
        "earlier selfie shown: {queue}"
    );
    app.stop().await;
}

async fn photos_are_deleted_after_retention_and_the_record_stays(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (ticket_id, _) = submitted_ticket(&app, &signer).await;
    let (_, staff) = verifier(&app).await;
    app.call(
        &staff,
        "staff/review/reject",
        &[("ticket_id", &ticket_id), ("reason", "Foto buram sekali")],
    )
    .await;
    // A new request supersedes (closes) this ticket.
    open_request(&app, &signer).await;
    app.clock.advance(29 * 86_400);
    app.sweep().await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM selfies WHERE image IS NOT NULL").await,
        1,
        "kept for 30 days"
    );
    app.clock.advance(2 * 86_400);
    app.sweep().await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM selfies WHERE image IS NOT NULL").await,
        0
    );
    let kept: (String, String) = sqlx::query_as("SELECT decision, decided_by FROM selfies")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    assert_eq!(kept.0, "rejected");
    assert_eq!(app.audit_count(&signer.id, "selfie_deleted").await, 1);
    app.stop().await;
}

/// An upload to a link that cannot be used is answered before its body is
/// read: the client announces 11 MiB, sends none of it, and still gets the
/// link's answer (the old order would wait for the body).
async fn an_upload_to_a_dead_link_is_refused_before_the_body_is_read(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(backend).await;
    let address = app.base.strip_prefix("http://").unwrap();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /verifikasi/{}/foto HTTP/1.1\r\nHost: {address}\r\nAccept: application/json\r\n\
         Content-Type: multipart/form-data; boundary=batas\r\nContent-Length: {}\r\n\r\n",
        "A".repeat(43),
        11 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("answered without the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 410"), "{answer}");
    assert!(answer.contains("Tautan tidak dikenal"), "{answer}");
    app.stop().await;
}

async fn a_selfie_nobody_reviews_is_not_kept_beyond_retention(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (ticket_id, _) = submitted_ticket(&app, &signer).await;
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM tickets WHERE id = $1")
            .bind(&ticket_id)
            .fetch_one(app.services().db.pool())
            .await
            .unwrap()
    };
    app.clock.advance(29 * 86_400);
    app.sweep().await;
    assert_eq!(
        status().await,
        "selfie_submitted",
        "still waiting at 29 days"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM selfies WHERE image IS NOT NULL").await,
        1
    );
    app.clock.advance(2 * 86_400);
    app.sweep().await;
    assert_eq!(status().await, "expired");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM selfies WHERE image IS NOT NULL").await,
        0,
        "the photo goes with the request"
    );
    assert_eq!(app.audit_count(&signer.id, "selfie_deleted").await, 1);
    let (_, staff) = verifier(&app).await;
    let (status, body) = app
        .call(&staff, "staff/review/approve", &[("ticket_id", &ticket_id)])
        .await;
    assert_ne!(
        status,
        StatusCode::OK,
        "an expired request cannot be approved: {body}"
    );
    app.stop().await;
}

async fn reference_photos_are_checked_and_shown_beside_the_selfie_to_staff_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let svc = app.services();
    let signer = app.signer().await;
    let email = OfficialEmail::parse(&signer.email).unwrap();
    let set = |bytes: Vec<u8>, consent: bool| {
        set_reference_photo(svc, &email, bytes, consent, Actor::System, app.now())
    };
    assert!(matches!(
        set(FACE.to_vec(), false).await,
        Err(ReferenceError::NoConsent)
    ));
    let scenery = DynamicImage::new_rgb8(640, 480);
    assert!(matches!(
        set(jpeg(&scenery), true).await,
        Err(ReferenceError::Photo(_))
    ));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM reference_photos").await,
        0
    );
    let account_id = set(FACE.to_vec(), true).await.unwrap();
    assert_eq!(account_id.as_str(), signer.id);

    let (_, number) = submitted_ticket(&app, &signer).await;
    let other = app
        .create_account(AccountSpec {
            email: "tanpa.referensi@kominfo.go.id",
            nik: Some("3201011508900002"),
            ..Default::default()
        })
        .await;
    let (other_number, other_link) =
        open_request_with(&app, &other, "Budi Santoso", "3201011508900002").await;
    assert_eq!(
        upload(&app, &other_link, FACE.to_vec()).await.0,
        StatusCode::OK
    );
    let (staff, staff_client) = verifier(&app).await;
    let card = async |number: &str| {
        let path = format!("/admin/verifikasi?tiket={number}");
        let (_, page) = app.get_page(&staff_client, &path).await;
        let start = page.find(&format!("data-ticket=\"{number}\"")).unwrap();
        let end = page[start..].find("</article>").unwrap() + start;
        page[start..end].to_string()
    };
    assert!(
        card(&number)
            .await
            .contains(&format!("/admin/referensi/{}", signer.id))
    );
    let other_card = card(&other_number).await;
    assert!(page_text(&other_card).contains("Belum ada foto referensi"));
    assert!(!other_card.contains("/admin/referensi/"));

    let path = format!("/admin/referensi/{}", signer.id);
    assert_eq!(
        app.get_page(&app.client(), &path).await.0,
        StatusCode::FORBIDDEN,
        "anonymous"
    );
    let signer_client = app.client();
    assert_eq!(app.log_in(&signer_client, &signer, 0).await, StatusCode::OK);
    assert_eq!(
        app.get_page(&signer_client, &path).await.0,
        StatusCode::FORBIDDEN,
        "the signer, even for their own photo"
    );
    let response = staff_client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.headers()["cache-control"], "no-store, private");
    let stored = image::load_from_memory(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(
        stored.dimensions(),
        image::load_from_memory(FACE).unwrap().dimensions()
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE actor_account_id = $1 AND action = 'reference_photo_viewed'",
            &staff.id
        )
        .await,
        1
    );
    for missing in [
        format!("/admin/referensi/{}", other.id),
        "/admin/referensi/bukan-id".into(),
    ] {
        assert_eq!(
            app.get_page(&staff_client, &missing).await.0,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    app.stop().await;
}

/// `server set-reference-photo` against the test's own database.
async fn the_command_line_sets_a_reference_photo_only_with_consent(backend: Backend) {
    use clap::Parser;
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let config = app.data_dir.join("cli.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\ndatabase_url = {:?}\n",
            app.data_dir.display().to_string(),
            app.database_url
        ),
    )
    .unwrap();
    let photo = app.data_dir.join("registrasi.jpg");
    std::fs::write(&photo, FACE).unwrap();
    let command = |consent: bool| {
        let mut args = vec![
            "server".to_string(),
            "--config".into(),
            config.display().to_string(),
        ];
        args.extend([
            "set-reference-photo".into(),
            "--email".into(),
            signer.email.clone(),
        ]);
        if consent {
            args.push("--consent-at-registration".into());
        }
        args.push(photo.display().to_string());
        server::cli::run(server::cli::Cli::parse_from(args))
    };
    let refused = command(false).await.unwrap_err().to_string();
    assert!(
        refused.contains("menyetujuinya saat registrasi"),
        "{refused}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM reference_photos").await,
        0
    );
    command(true).await.unwrap();
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM reference_photos WHERE account_id = $1",
            &signer.id
        )
        .await,
        1
    );
    assert_eq!(app.audit_count(&signer.id, "reference_photo_set").await, 1);
    app.stop().await;
}

/// A signer promoted to verifier while their request waits: they may not
/// decide it, and neither may another verifier; an admin may.
async fn own_and_staff_tickets_are_refused_to_verifiers(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (ticket_id, _) = submitted_ticket(&app, &signer).await;
    sqlx::query("UPDATE accounts SET role = 'verifier' WHERE id = $1")
        .bind(&signer.id)
        .execute(app.services().db.pool())
        .await
        .unwrap();
    let own_client = app.client();
    assert_eq!(app.log_in(&own_client, &signer, 0).await, StatusCode::OK);
    let approve = [("ticket_id", ticket_id.as_str())];
    let (status, body) = app
        .call(&own_client, "staff/review/approve", &approve)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("akun Anda sendiri"), "{body}");
    let (_, colleague) = verifier(&app).await;
    let (status, body) = app.call(&colleague, "staff/review/approve", &approve).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("hanya dapat diputuskan oleh admin"), "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM selfies WHERE decision IS NOT NULL"
        )
        .await,
        0
    );
    let admin = app
        .create_account(AccountSpec {
            email: "admin@bsre.go.id",
            name: "Admin",
            nik: None,
            phone: None,
            role: Role::Admin,
            ..Default::default()
        })
        .await;
    let admin_client = app.client();
    assert_eq!(app.log_in(&admin_client, &admin, 0).await, StatusCode::OK);
    assert_eq!(
        app.call(&admin_client, "staff/review/approve", &approve)
            .await
            .0,
        StatusCode::OK
    );
    app.stop().await;
}

on_both_backends!(
    bad_photos_get_a_helpful_answer_and_store_nothing,
    plain_form_uploads_redirect_with_the_reason,
    a_selfie_needs_the_signers_consent,
    the_consent_notice_shows_the_live_retention,
    a_good_photo_is_stored_upright_without_metadata_and_the_link_is_spent,
    only_staff_can_see_a_selfie,
    approval_mails_the_setup_link,
    rejection_needs_a_reason_and_mails_a_new_check,
    photos_are_deleted_after_retention_and_the_record_stays,
    a_selfie_nobody_reviews_is_not_kept_beyond_retention,
    an_upload_to_a_dead_link_is_refused_before_the_body_is_read,
    reference_photos_are_checked_and_shown_beside_the_selfie_to_staff_only,
    the_command_line_sets_a_reference_photo_only_with_consent,
    own_and_staff_tickets_are_refused_to_verifiers,
);
