//! "Atur Perangkat OTP": the QR code and key, wrong and drifting codes,
//! replay, reuse and expiry of the link, and eviction at the limit.

use app::otp_devices::totp::TotpSecret;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    AccountSpec, Backend, Options, TestAccount, TestApp, folder_mail, folder_mail_containing,
    page_text, spawn_app, spawn_app_with,
};
use crate::identity::{submitted_ticket, verifier};
use crate::on_both_backends;

/// Request, selfie and approval: the mailed "Atur Perangkat OTP" link.
pub async fn approved_link(app: &TestApp, signer: &TestAccount) -> String {
    let (ticket_id, _) = submitted_ticket(app, signer).await;
    let (_, staff) = verifier(app).await;
    assert_eq!(
        app.call(&staff, "staff/review/approve", &[("ticket_id", &ticket_id)])
            .await
            .0,
        StatusCode::OK
    );
    folder_mail(app, &signer.email, "Perbarui Akun Anda")
        .await
        .link("/otp/atur/")
}

/// The whole journey to a new device: request, selfie, approval, then the
/// setup link's key entered with a current code. Returns the new secret.
pub async fn enrolled_device(app: &TestApp, signer: &TestAccount, name: &str) -> TotpSecret {
    let link = approved_link(app, signer).await;
    let secret = secret_from(&revealed_page(app, &link).await);
    let (status, body) = complete(app, &link, name, &app.code(&secret, 0)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    secret
}

fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

/// The setup page's HTML, as a plain GET (a mail scanner's view).
pub async fn page(app: &TestApp, link: &str) -> (StatusCode, String) {
    app.get_page(&app.client(), link.strip_prefix(&app.base).unwrap())
        .await
}

/// "Tampilkan kode QR" pressed in `client`, a browser without JavaScript:
/// the form's POST and the redirect back to the page.
async fn reveal(app: &TestApp, client: &reqwest::Client, link: &str) -> reqwest::Response {
    client
        .post(app.url("/api/otp-setup/reveal"))
        .header("accept", "text/html")
        .header("referer", link)
        .form(&[("token", token_of(link))])
        .send()
        .await
        .expect("POST /api/otp-setup/reveal")
}

/// The setup page's HTML after "Tampilkan kode QR": with QR code and key.
pub async fn revealed_page(app: &TestApp, link: &str) -> String {
    let client = app.client();
    let answer = reveal(app, &client, link).await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    let back = answer.headers()["location"].to_str().unwrap();
    assert!(back.starts_with(link), "back to the page: {back}");
    let (status, html) = app
        .get_page(&client, back.strip_prefix(&app.base).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    html
}

/// The key the page shows under "Tidak bisa memindai?".
fn manual_key(html: &str) -> String {
    let start = html
        .find("data-testid=\"manual-key\">")
        .expect("manual key on the page")
        + 25;
    html[start..].split('<').next().unwrap().replace(' ', "")
}

pub fn secret_from(html: &str) -> TotpSecret {
    TotpSecret::from_bytes(
        data_encoding::BASE32_NOPAD
            .decode(manual_key(html).as_bytes())
            .unwrap(),
    )
}

pub async fn complete(app: &TestApp, link: &str, name: &str, code: &str) -> (StatusCode, String) {
    app.call(
        &app.client(),
        "otp-setup/complete",
        &[("token", token_of(link)), ("name", name), ("code", code)],
    )
    .await
}

/// Rasterises the page's QR SVG (one `M x y h w v h H x V y` run per dark
/// rectangle) and decodes it.
fn decode_qr(html: &str) -> String {
    let svg = &html[html.find("<svg").unwrap()..];
    let attribute = |name: &str| -> usize {
        let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[start..].split('"').next().unwrap().parse().unwrap()
    };
    let (width, height) = (attribute("width"), attribute("height"));
    let path = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut dark = vec![false; width * height];
    for rect in path.split('M').filter(|r| !r.is_empty()) {
        let numbers: Vec<usize> = rect
            .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().unwrap())
            .collect();
        let (x, y, w, h) = (numbers[0], numbers[1], numbers[2], numbers[3]);
        for row in y..y + h {
            for column in x..x + w {
                dark[row * width + column] = true;
            }
        }
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        if dark[y * width + x] { 0 } else { 255 }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().unwrap().1
}

async fn the_qr_code_is_stable_and_decodes_to_the_otpauth_uri(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let link = approved_link(&app, &signer).await;
    let first = revealed_page(&app, &link).await;
    let refreshed = revealed_page(&app, &link).await;
    assert_eq!(
        manual_key(&first),
        manual_key(&refreshed),
        "a refresh shows the same QR"
    );
    let key = manual_key(&first);
    assert_eq!(key.len(), 32, "160-bit secret");
    let expected = format!(
        "otpauth://totp/BSrE:budi.santoso%40kominfo.go.id?secret={key}&issuer=BSrE&algorithm=SHA1&digits=6&period=30"
    );
    assert_eq!(decode_qr(&first), expected);
    assert!(
        first.contains(&format!("href=\"{}\"", expected.replace('&', "&amp;"))),
        "open-in-app link"
    );
    let text = page_text(&first);
    for step in [
        "Instal aplikasi Authenticator",
        "Pindai QR Code",
        "Masukkan kode OTP",
        "Google Authenticator",
        "detik lagi kode berganti",
    ] {
        assert!(text.contains(step), "{step}");
    }
    app.stop().await;
}

async fn a_wrong_code_is_invalid_and_a_drifting_clock_is_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let link = approved_link(&app, &signer).await;
    let secret = secret_from(&revealed_page(&app, &link).await);
    let wrong = if app.code(&secret, 0) == "123456" {
        "654321"
    } else {
        "123456"
    };
    let (status, body) = complete(&app, &link, "Hp Baru", wrong).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body.contains("Kode OTP INVALID. Pindai ulang QR Code"),
        "{body}"
    );
    let (_, body) = complete(&app, &link, "Hp Baru", &app.code(&secret, -4)).await;
    assert!(body.contains("lebih lambat sekitar 2 menit"), "{body}");
    let (status, body) = complete(&app, &link, "Hp\u{202E}Baru", &app.code(&secret, 0)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        app.device_names(&signer.id).await,
        ["Hp Lama"],
        "nothing added"
    );
    assert_eq!(
        page(&app, &link).await.0,
        StatusCode::OK,
        "the link still works"
    );
    app.stop().await;
}

async fn codes_of_the_previous_and_next_period_are_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    for (offset, email, nik) in [
        (-1, "satu@kominfo.go.id", "3201011508900011"),
        (1, "dua@kominfo.go.id", "3201011508900012"),
    ] {
        let signer = app
            .create_account(AccountSpec {
                email,
                nik: Some(nik),
                ..Default::default()
            })
            .await;
        let (number, link) =
            crate::helpdesk::open_request_with(&app, &signer, "Budi Santoso", nik).await;
        crate::identity::upload(&app, &link, crate::identity::FACE.to_vec()).await;
        let ticket_id: String = sqlx::query_scalar("SELECT id FROM tickets WHERE number = $1")
            .bind(&number)
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
        let staff = app.client();
        let verifier = app
            .create_account(AccountSpec {
                email: &format!("v{offset}@bsre.go.id"),
                nik: None,
                role: app::accounts::types::Role::Verifier,
                ..Default::default()
            })
            .await;
        app.log_in(&staff, &verifier, 0).await;
        app.call(&staff, "staff/review/approve", &[("ticket_id", &ticket_id)])
            .await;
        let setup = folder_mail(&app, email, "Perbarui Akun Anda")
            .await
            .link("/otp/atur/");
        let secret = secret_from(&revealed_page(&app, &setup).await);
        let (status, body) = complete(&app, &setup, "Hp Baru", &app.code(&secret, offset)).await;
        assert_eq!(status, StatusCode::OK, "offset {offset}: {body}");
    }
    app.stop().await;
}

async fn the_enrollment_code_cannot_log_in_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let link = approved_link(&app, &signer).await;
    let secret = secret_from(&revealed_page(&app, &link).await);
    let code = app.code(&secret, 0);
    assert_eq!(
        complete(&app, &link, "Hp Baru", &code).await.0,
        StatusCode::OK
    );
    let client = app.client();
    app.enter_password(&client, &signer).await;
    let (status, body) = app.call(&client, "login/code", &[("code", &code)]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("sudah pernah dipakai"), "{body}");
    app.clock.advance(30);
    assert_eq!(
        app.call(&client, "login/code", &[("code", &app.code(&secret, 0))])
            .await
            .0,
        StatusCode::OK
    );
    app.stop().await;
}

async fn a_used_link_shows_its_outcome_and_adds_nothing_more(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let link = approved_link(&app, &signer).await;
    let secret = secret_from(&revealed_page(&app, &link).await);
    let (status, body) = complete(&app, &link, "Hp Jackie 2606", &app.code(&secret, 0)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, html) = page(&app, &link).await;
    assert_eq!(status, StatusCode::OK);
    let text = page_text(&html);
    assert!(
        text.contains("Penambahan perangkat OTP selesai dilakukan")
            && text.contains("Hp Jackie 2606"),
        "{text}"
    );
    app.clock.advance(30);
    let (status, body) = complete(&app, &link, "Hp Lain", &app.code(&secret, 0)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("Tautan ini sudah digunakan"), "{body}");
    assert_eq!(
        app.device_names(&signer.id).await,
        ["Hp Lama", "Hp Jackie 2606"]
    );
    let (_, body) = app
        .call(
            &app.client(),
            "tickets/lookup",
            &[
                ("number", &ticket_number(&app, &signer).await),
                ("email", &signer.email),
            ],
        )
        .await;
    assert!(body.contains("\"status\":\"completed\""), "{body}");
    app.stop().await;
}

async fn ticket_number(app: &TestApp, signer: &TestAccount) -> String {
    sqlx::query_scalar(
        "SELECT number FROM tickets WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(&signer.id)
    .fetch_one(app.services().db.pool())
    .await
    .unwrap()
}

async fn at_the_limit_the_oldest_device_is_named_and_removed(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app
        .create_account(AccountSpec {
            devices: &["Hp Kantor", "Tablet Rumah", "Hp Pribadi"],
            ..Default::default()
        })
        .await;
    let link = approved_link(&app, &signer).await;
    let html = revealed_page(&app, &link).await;
    assert!(
        page_text(&html).contains("perangkat paling lama “Hp Kantor”"),
        "warned before adding"
    );
    let secret = secret_from(&html);
    let (status, body) = complete(&app, &link, "Hp Baru", &app.code(&secret, 0)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(result["evicted"][0]["name"], "Hp Kantor");
    assert_eq!(
        app.device_names(&signer.id).await,
        ["Tablet Rumah", "Hp Pribadi", "Hp Baru"]
    );
    let mail = folder_mail_containing(
        &app,
        &signer.email,
        "Perangkat OTP baru ditambahkan",
        "Hp Baru",
    )
    .await;
    assert!(
        mail.text.contains("\"Hp Baru\"")
            && mail.text.contains("perangkat paling lama \"Hp Kantor\""),
        "{}",
        mail.text
    );
    app.clock.advance(30);
    let client = app.client();
    app.enter_password(&client, &signer).await;
    let (status, _) = app
        .call(
            &client,
            "login/code",
            &[("code", &app.code(signer.secret(0), 0))],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the evicted device no longer logs in"
    );
    app.stop().await;
}

async fn an_expired_setup_link_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let link = approved_link(&app, &signer).await;
    app.clock.advance(24 * 3600 + 1);
    let (status, html) = page(&app, &link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page_text(&html).contains("Tautan ini sudah kedaluwarsa"));
    app.stop().await;
}

/// A link mailed before the account stopped being verified adds nothing,
/// whatever path changed the status; it works again once the account is
/// verified again (its ticket was never closed here).
async fn a_link_of_an_inactive_account_adds_no_device(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let link = approved_link(&app, &signer).await;
    let secret = secret_from(&revealed_page(&app, &link).await);
    let set_status = |status: &'static str| {
        sqlx::query("UPDATE accounts SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(&signer.id)
            .execute(app.services().db.pool())
    };
    set_status("suspended").await.unwrap();
    let (status, html) = page(&app, &link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(
        page_text(&html).contains("Akun ini sedang tidak aktif"),
        "{html}"
    );
    let (status, body) = complete(&app, &link, "Hp Baru", &app.code(&secret, 0)).await;
    assert_ne!(status, StatusCode::OK);
    assert!(body.contains("Akun ini sedang tidak aktif"), "{body}");
    let devices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM otp_devices WHERE account_id = $1")
        .bind(&signer.id)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    assert_eq!(devices, signer.devices.len() as i64);
    set_status("verified").await.unwrap();
    assert_eq!(
        complete(&app, &link, "Hp Baru", &app.code(&secret, 0))
            .await
            .0,
        StatusCode::OK
    );
    app.stop().await;
}

async fn concurrent_submissions_of_one_link_add_one_device(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let link = approved_link(&app, &signer).await;
    let secret = secret_from(&revealed_page(&app, &link).await);
    let code = app.code(&secret, 0);
    let names: Vec<String> = (0..8).map(|i| format!("Hp {i}")).collect();
    let results = join_all(names.iter().map(|name| complete(&app, &link, name, &code))).await;
    assert_eq!(
        results
            .iter()
            .filter(|(status, _)| *status == StatusCode::OK)
            .count(),
        1,
        "{results:?}"
    );
    assert_eq!(app.device_names(&signer.id).await.len(), 2);
    app.stop().await;
}

/// A browser without JavaScript posts the form and follows redirects.
async fn the_form_works_without_javascript(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let link = approved_link(&app, &signer).await;
    let secret = secret_from(&revealed_page(&app, &link).await);
    let client = app.client();
    let post = |code: String| {
        client
            .post(app.url("/api/otp-setup/complete"))
            .header("accept", "text/html")
            .header("referer", &link)
            .form(&[
                ("token", token_of(&link).to_string()),
                ("name", "Hp Baru".into()),
                ("code", code),
            ])
            .send()
    };
    let wrong = post("000000".into()).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::FOUND);
    let back = wrong.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(&link), "back to the page: {back}");
    let (_, html) = app
        .get_page(&client, back.strip_prefix(&app.base).unwrap())
        .await;
    assert!(
        page_text(&html).contains("Kode OTP INVALID"),
        "the error is shown on the page"
    );
    let right = post(app.code(&secret, 0)).await.unwrap();
    assert_eq!(right.status(), StatusCode::FOUND);
    let (_, html) = app
        .get_page(
            &client,
            right.headers()["location"]
                .to_str()
                .unwrap()
                .strip_prefix(&app.base)
                .unwrap(),
        )
        .await;
    assert!(page_text(&html).contains("Penambahan perangkat OTP selesai dilakukan"));
    app.stop().await;
}

/// Mail scanners open links with GET: the page shows a button, and only its
/// POST (rate limited, audited) shows the QR code and key, to that browser.
async fn a_get_of_the_link_never_shows_the_secret(backend: Backend) {
    let options = Options {
        rate_limit_per_minute: 3,
        ..Default::default()
    };
    let app = spawn_app_with(backend, options).await;
    let signer = app.signer().await;
    let link = approved_link(&app, &signer).await;
    let (status, scanned) = page(&app, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page_text(&scanned).contains("Tampilkan kode QR"));
    assert_eq!(app.audit_count(&signer.id, "otp_secret_revealed").await, 0);
    let browser = app.client();
    assert_eq!(
        reveal(&app, &browser, &link).await.status(),
        StatusCode::FOUND
    );
    let (_, shown) = app
        .get_page(&browser, link.strip_prefix(&app.base).unwrap())
        .await;
    let key = manual_key(&shown);
    assert!(shown.contains("otpauth://totp/"));
    assert_eq!(app.audit_count(&signer.id, "otp_secret_revealed").await, 1);
    let who: Option<String> = sqlx::query_scalar(
        "SELECT ip FROM audit_log WHERE action = 'otp_secret_revealed' AND subject_account_id = $1",
    )
    .bind(&signer.id)
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(who.as_deref(), Some("127.0.0.1"));
    // The same link fetched again by anyone else, before and after.
    for html in [scanned, page(&app, &link).await.1] {
        assert!(!html.contains(&key), "no key in a plain GET");
        assert!(!html.contains("otpauth"), "no otpauth URI in a plain GET");
        assert!(!html.contains("manual-key") && !html.contains("<svg"));
    }
    // The button is rate limited with the other enrolment steps.
    let answers = [
        reveal(&app, &app.client(), &link).await.status(),
        reveal(&app, &app.client(), &link).await.status(),
    ];
    assert_eq!(answers, [StatusCode::FOUND, StatusCode::FOUND]);
    let refused = reveal(&app, &app.client(), &link).await;
    let back = refused.headers()["location"].to_str().unwrap().to_string();
    assert!(
        back.contains("__err"),
        "the refusal is shown on the page: {back}"
    );
    assert_eq!(app.audit_count(&signer.id, "otp_secret_revealed").await, 3);
    app.stop().await;
}

on_both_backends!(
    a_get_of_the_link_never_shows_the_secret,
    the_form_works_without_javascript,
    the_qr_code_is_stable_and_decodes_to_the_otpauth_uri,
    a_wrong_code_is_invalid_and_a_drifting_clock_is_named,
    codes_of_the_previous_and_next_period_are_accepted,
    the_enrollment_code_cannot_log_in_again,
    a_used_link_shows_its_outcome_and_adds_nothing_more,
    at_the_limit_the_oldest_device_is_named_and_removed,
    an_expired_setup_link_says_so,
    concurrent_submissions_of_one_link_add_one_device,
    a_link_of_an_inactive_account_adds_no_device,
);
