//! Hostile input against the running server: oversized and malformed
//! bodies on every POST route, traversal in every path parameter, script
//! and SQL in the text fields people and staff fill in, look-alike and
//! invisible characters in device names. Routes are found, not listed by
//! hand where the code can tell them: every registered server function, the
//! OpenAPI document's paths and the page routes of `app/src/routes.rs`.
//! Always: no 5xx, nothing changed by a refusal, a refusal in Indonesian.

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::face_match::ticket_id;
use crate::fake_telegram::FakeTelegram;
use crate::helpdesk::ticket_number;
use crate::helpers::{
    Backend, Options, TestAccount, TestApp, page_text, spawn_app, spawn_app_with,
};
use crate::on_both_backends;
use crate::validation_api::client_token;
use app::accounts::types::Role;
use app::error::AppError;
use app::signer_import::pages::{APPLY_PATH, CHECK_PATH};

/// Tables whose rows a refused request must leave as they were.
const GUARDED_TABLES: &[&str] = &[
    "accounts",
    "otp_devices",
    "tickets",
    "link_tokens",
    "selfies",
    "reference_photos",
    "service_clients",
    "settings",
    "pending_enrollments",
    "webhook_events",
];

async fn row_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in GUARDED_TABLES {
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
        counts.push((*table, count));
    }
    counts
}

/// Words that only an Indonesian answer of this site holds.
fn indonesian(body: &str) -> bool {
    let lower = body.to_lowercase();
    [
        "tidak",
        "wajib",
        "harus",
        "silakan",
        "terlalu",
        "coba",
        "gangguan",
        "masuk",
        "isi ",
        "kembali",
        "hanya",
        "petugas",
        "dapat",
        "huruf",
        "angka",
        "halaman",
        "permintaan",
        "berkas",
        "karakter",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// A logged-in admin whose session cookie can also go into raw requests.
struct Admin {
    client: reqwest::Client,
    cookie: String,
}

async fn admin(app: &TestApp) -> Admin {
    let account = app.staff_account(Role::Admin, "admin@bsre.go.id").await;
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    assert_eq!(app.log_in(&client, &account, 0).await, StatusCode::OK);
    let cookie = jar
        .cookies(&app.url("/").parse().unwrap())
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_string();
    Admin { client, cookie }
}

/// One request as written, byte for byte (no URL normalisation, which
/// would resolve the `..` this suite sends): the status and the whole answer.
async fn raw(
    app: &TestApp,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let host = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer (413) and close before the body is all sent.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

/// What went wrong, collected so one run names every failing request.
#[derive(Default)]
struct Findings {
    sent: usize,
    problems: Vec<String>,
}

impl Findings {
    /// An answer to a hostile request: there, not a server error, and when
    /// it refuses with a message, the message is Indonesian.
    fn check(&mut self, what: &str, status: u16, answer: &str) {
        self.sent += 1;
        if status == 0 || status >= 500 {
            self.problems
                .push(format!("{what}: {status} {}", excerpt(answer)));
        } else if (400..500).contains(&status)
            && status != 404
            && status != 405
            && has_text(answer)
            && !indonesian(&shown(answer))
        {
            self.problems.push(format!(
                "{what}: {status} not Indonesian: {}",
                excerpt(answer)
            ));
        }
    }

    fn assert_none(self, test: &str) {
        eprintln!("{test}: {} hostile requests", self.sent);
        assert!(
            self.problems.is_empty(),
            "{} of {} requests:\n{}",
            self.problems.len(),
            self.sent,
            self.problems.join("\n")
        );
    }
}

/// The body of an answer, chunked or not.
fn body_of(answer: &str) -> String {
    let Some((head, body)) = answer.split_once("\r\n\r\n") else {
        return answer.to_string();
    };
    if !head.to_lowercase().contains("transfer-encoding: chunked") {
        return body.to_string();
    }
    let mut joined = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        joined.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    joined
}

/// What a person reads of the answer: a server function's error is JSON
/// the page shows as its message; anything else as it is.
fn shown(answer: &str) -> String {
    let body = body_of(answer);
    serde_json::from_str::<AppError>(&body).map_or(body, |e| e.to_string())
}

/// Whether the answer has a body with words in it (413 from a body limit
/// may come bare).
fn has_text(answer: &str) -> bool {
    answer
        .split_once("\r\n\r\n")
        .is_some_and(|(_, body)| body.chars().any(char::is_alphabetic))
}

fn excerpt(answer: &str) -> String {
    let body = answer
        .split_once("\r\n\r\n")
        .map_or(answer, |(_, body)| body);
    body.chars().take(300).collect()
}

const TELEGRAM_SECRET: &str = "rahasia-webhook-0123456789";

/// Every operation of the OpenAPI document: method (upper case) and path.
async fn api_operations(app: &TestApp) -> Vec<(String, String)> {
    let document: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut operations = Vec::new();
    for (path, methods) in document["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            operations.push((method.to_uppercase(), path.clone()));
        }
    }
    assert!(operations.len() >= 5, "API operations: {operations:?}");
    operations
}

/// Every POST (and PUT) route: the server functions registered in the
/// process, the OpenAPI document's operations, and the upload routes.
async fn post_routes(app: &TestApp) -> Vec<(String, String)> {
    let functions: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    assert!(
        functions.len() >= 40,
        "server functions found: {functions:?}"
    );
    let uploads = [
        CHECK_PATH.to_string(),
        APPLY_PATH.to_string(),
        "/admin/akun/00000000000000000000000000000000/referensi".to_string(),
        format!("/verifikasi/{}/foto", "A".repeat(43)),
        "/telegram/webhook".to_string(),
    ];
    let mut routes: Vec<(String, String)> = functions
        .into_iter()
        .chain(uploads)
        .map(|path| ("POST".to_string(), path))
        .collect();
    routes.extend(
        api_operations(app)
            .await
            .into_iter()
            .filter(|(method, _)| method == "POST" || method == "PUT")
            .map(|(method, path)| (method, path.replace("{ams_id}", "AMS-1"))),
    );
    routes
}

/// Bodies that are too big, of the wrong type, or not what the route reads.
fn hostile_bodies() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    const FORM: &str = "application/x-www-form-urlencoded";
    let deep = format!("a{}=1", "[a]".repeat(2000));
    vec![
        ("oversized form", FORM, vec![b'a'; 16 * 1024 * 1024]),
        ("broken encoding", FORM, b"\xff\xfe%zz&&==&%&x=%".to_vec()),
        ("missing fields", FORM, Vec::new()),
        (
            "wrong types",
            FORM,
            b"email[]=a&email[]=b&name[x]=1&device_id[]=&values=3&code[0][1]=2&ticket_id=-1&number=%00".to_vec(),
        ),
        ("deep nesting", FORM, deep.into_bytes()),
        ("truncated json", "application/json", b"{\"email\": [".to_vec()),
        ("json of the wrong shape", "application/json", b"[1, {\"a\": null}, \"x\"]".to_vec()),
        ("plain text", "text/plain", b"hello".to_vec()),
        ("multipart without boundary", "multipart/form-data", b"--x\r\n\r\n".to_vec()),
        ("xml", "application/xml", b"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>".to_vec()),
    ]
}

async fn every_post_route_survives_hostile_bodies(backend: Backend) {
    // The bot in webhook mode, so that its route is there too.
    let fake = FakeTelegram::start().await;
    let options = Options {
        telegram_api_base: Some(fake.base.clone()),
        telegram_webhook_secret: Some(TELEGRAM_SECRET.into()),
        ..Default::default()
    };
    let app = spawn_app_with(backend, options).await;
    let admin = admin(&app).await;
    let (_, token) = client_token(&app, "validate,sync", &[]).await;
    let bearer = format!("Bearer {token}");
    let routes = post_routes(&app).await;
    let before = row_counts(&app).await;
    let mut findings = Findings::default();
    for (method, path) in &routes {
        // Logging out would end the admin's session for the routes after it.
        let callers: Vec<(&str, Vec<(&str, &str)>)> = if path.ends_with("/logout") {
            vec![("anonymous", vec![])]
        } else {
            vec![
                ("anonymous", vec![]),
                ("admin", vec![("Cookie", admin.cookie.as_str())]),
                ("service client", vec![("Authorization", bearer.as_str())]),
                (
                    "Telegram",
                    vec![("X-Telegram-Bot-Api-Secret-Token", TELEGRAM_SECRET)],
                ),
            ]
        };
        for (caller, auth) in &callers {
            for (what, content_type, body) in hostile_bodies() {
                let mut headers = auth.clone();
                headers.push(("Content-Type", content_type));
                let (status, answer) = raw(&app, method, path, &headers, &body).await;
                findings.check(
                    &format!("{method} {path} as {caller}, {what}"),
                    status,
                    &answer,
                );
            }
        }
    }
    assert_eq!(
        row_counts(&app).await,
        before,
        "a refused request changed data"
    );
    let (status, _) = app.get_page(&admin.client, "/admin").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the admin's session and the server are still there"
    );
    findings.assert_none("hostile bodies");
    app.stop().await;
}

/// The page routes of `app/src/routes.rs`, children under their parent's path.
fn page_routes() -> Vec<String> {
    let source = include_str!("../../../app/src/routes.rs");
    let mut parent = String::new();
    let mut routes = Vec::new();
    for line in source.lines() {
        let Some((_, rest)) = line.split_once("path!(\"") else {
            continue;
        };
        let path = &rest[..rest.find('"').unwrap()];
        if line.contains("<ParentRoute") {
            parent = path.to_string();
        } else if path.starts_with('/') {
            routes.push(path.to_string());
        } else {
            routes.push(format!("{parent}/{path}").trim_end_matches('/').to_string());
        }
    }
    for known in [
        "/verifikasi/:token",
        "/otp/atur/:token",
        "/admin/tiket/:number",
        "/admin/akun/:id",
    ] {
        assert!(
            routes.iter().any(|r| r == known),
            "{known} among {routes:?}"
        );
    }
    routes
}

/// Traversal, encoded traversal, NUL and other things no id looks like.
const TRAVERSALS: &[&str] = &[
    "..",
    "../../../../../../etc/passwd",
    "..%2f..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2fCargo.toml",
    "%2e%2e",
    "%2E%2E%2F",
    "..%5c..%5c..%5cCargo.toml",
    "%252e%252e%252fsecret.key",
    "....//....//etc/passwd",
    "%c0%ae%c0%ae%c0%af",
    "%00",
    "x%00.jpg",
    "%ff%fe",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "'%20OR%20'1'%3D'1",
    "%7B%7D",
];

async fn path_parameters_refuse_traversal(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    let (_, token) = client_token(&app, "validate,sync", &[]).await;
    let bearer = format!("Bearer {token}");
    let mut templates: Vec<(String, String)> = page_routes()
        .into_iter()
        .filter(|route| route.contains(':'))
        .map(|route| ("GET".to_string(), route))
        .collect();
    templates.extend(
        api_operations(&app)
            .await
            .into_iter()
            .filter(|(_, path)| path.contains('{')),
    );
    templates.extend(
        [
            ("GET", "/admin/swafoto/{id}"),
            ("GET", "/admin/referensi/{id}"),
            ("POST", "/admin/akun/{id}/referensi"),
            ("POST", "/verifikasi/{token}/foto"),
            ("GET", "/pkg/{file}"),
            ("GET", "/{file}"),
            ("GET", "/tiket?nomor={number}"),
            ("GET", "/admin/tiket?q={query}"),
        ]
        .map(|(m, p)| (m.to_string(), p.to_string())),
    );
    let secret_key = std::fs::read_to_string(app.data_dir.join("secret.key")).unwrap_or_default();
    let before = row_counts(&app).await;
    let mut findings = Findings::default();
    for (method, template) in &templates {
        for payload in TRAVERSALS {
            let target = fill(template, payload);
            for (caller, header) in [
                ("anonymous", None),
                ("admin", Some(("Cookie", admin.cookie.as_str()))),
                ("service client", Some(("Authorization", bearer.as_str()))),
            ] {
                let headers: Vec<(&str, &str)> = header.into_iter().collect();
                let (status, answer) = raw(&app, method, &target, &headers, b"").await;
                let what = format!("{method} {target} as {caller}");
                findings.check(&what, status, &answer);
                let leaked = ["root:x:0:0", "[workspace]", "[package]"]
                    .into_iter()
                    .chain((!secret_key.trim().is_empty()).then_some(secret_key.trim()))
                    .find(|needle| answer.contains(needle));
                if let Some(needle) = leaked {
                    findings
                        .problems
                        .push(format!("{what}: answer holds {needle:?}"));
                }
            }
        }
    }
    assert_eq!(row_counts(&app).await, before, "a traversal changed data");
    findings.assert_none("path traversal");
    app.stop().await;
}

/// The template with every parameter (`:name` or `{name}`) set to `payload`.
fn fill(template: &str, payload: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find([':', '{']) {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after.find(['/', '}', '?']).unwrap_or(after.len());
        let end = if rest.as_bytes()[at] == b'{' {
            end + 1
        } else {
            end
        };
        out.push_str(payload);
        rest = &after[end.min(after.len())..];
    }
    out.push_str(rest);
    out
}

/// Script and SQL as people write them into the site.
const SCRIPT_AND_SQL: &str = "<script>alert(\"xss\")</script> ' OR '1'='1'; DROP TABLE tickets;-- <img src=x onerror=alert(1)>";

/// The page as HTML, checked to show `text` only escaped.
async fn shows_escaped(app: &TestApp, client: &reqwest::Client, path: &str, visible: &str) {
    let (status, html) = app.get_page(client, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    for raw_markup in ["<script>alert(", "<img src=x"] {
        assert!(
            !html.contains(raw_markup),
            "{path} holds {raw_markup:?} unescaped"
        );
    }
    assert!(
        page_text(&html).contains(visible),
        "{path} does not show {visible:?}"
    );
}

async fn script_and_sql_are_stored_verbatim_and_shown_escaped(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    let signer: TestAccount = app.signer().await;
    let client = app.client();

    // The helpdesk question.
    let (status, body) = app
        .call(&client, "helpdesk/check", &[("email", &signer.email)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .call(
            &client,
            "helpdesk/submit",
            &[
                ("category", "general_question"),
                ("message", SCRIPT_AND_SQL),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let number = ticket_number(&body);
    let id = ticket_id(&app, &number).await;
    let stored: String = sqlx::query_scalar("SELECT message FROM tickets WHERE id = $1")
        .bind(&id)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    assert_eq!(stored, SCRIPT_AND_SQL);

    // The staff answer to it.
    let (status, body) = app
        .call(
            &admin.client,
            "staff/tickets/answer",
            &[("ticket_id", &id), ("answer", SCRIPT_AND_SQL)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: String = sqlx::query_scalar("SELECT answer FROM tickets WHERE id = $1")
        .bind(&id)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    assert_eq!(answer, SCRIPT_AND_SQL);
    shows_escaped(
        &app,
        &admin.client,
        &format!("/admin/tiket/{number}"),
        "DROP TABLE tickets;--",
    )
    .await;

    // The device name (within its 64 characters).
    let name = "<script>alert(1)</script>' OR 1=1;--";
    assert_eq!(app.log_in(&client, &signer, 0).await, StatusCode::OK);
    let device = app.device_ids(&signer.id).await.remove(0);
    let (status, body) = app
        .call(
            &client,
            "account/devices/rename",
            &[("device_id", &device), ("name", name)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.device_names(&signer.id).await, [name]);
    shows_escaped(&app, &client, "/akun", "OR 1=1;--").await;
    shows_escaped(
        &app,
        &admin.client,
        &format!("/admin/akun/{}", signer.id),
        "OR 1=1;--",
    )
    .await;
    app.stop().await;
}

async fn look_alike_and_invisible_device_names_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let client = app.client();
    assert_eq!(app.log_in(&client, &signer, 0).await, StatusCode::OK);
    let device = app.device_ids(&signer.id).await.remove(0);
    let rename = |name: String| {
        let (app, client, device) = (&app, &client, &device);
        async move {
            app.call(
                client,
                "account/devices/rename",
                &[("device_id", device), ("name", &name)],
            )
            .await
        }
    };
    const INVISIBLE: &str = "tidak dapat ditampilkan";
    const MIXED: &str = "mencampur huruf Latin, Yunani atau Kiril";
    // Refused with the rule's message (Err), or stored normalised (Ok).
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("Hp\u{200B}Budi", Err(INVISIBLE)),
        ("Hp \u{202E}iduB", Err(INVISIBLE)),
        ("\u{FEFF}Hp Budi", Err(INVISIBLE)),
        ("Hp Budi\u{2066}", Err(INVISIBLE)),
        ("Hp\u{00AD}Budi", Err(INVISIBLE)),
        ("Hp \u{E0041}Budi", Err(INVISIBLE)),
        ("Hp \u{3164}", Err(INVISIBLE)),
        ("Hp\u{0000}Budi", Err(INVISIBLE)),
        ("\u{200B}\u{200C}\u{200D}", Err(INVISIBLE)),
        ("Hp \u{0412}udi", Err(MIXED)),
        ("Hp Bud\u{0456}", Err(MIXED)),
        ("\u{03A1}hone", Err(MIXED)),
        // Decomposed accents, wide spaces, one script a word.
        ("Hp Bu De\u{0301}wi", Ok("Hp Bu Déwi")),
        ("  Hp\u{3000}Kantor\t2026 ", Ok("Hp Kantor 2026")),
        ("Телефон Budi", Ok("Телефон Budi")),
    ];
    for (name, expected) in cases {
        let before = app.device_names(&signer.id).await;
        let (status, body) = rename(name.to_string()).await;
        let after = app.device_names(&signer.id).await;
        match expected {
            Err(message) => {
                assert_eq!(status, StatusCode::BAD_REQUEST, "{name:?}: {body}");
                assert!(body.contains(message), "{name:?}: {body}");
                assert_eq!(after, before, "{name:?} changed the name");
            }
            Ok(stored) => {
                assert_eq!(status, StatusCode::OK, "{name:?}: {body}");
                assert_eq!(after, [*stored]);
            }
        }
    }
    let sent = cases.len();
    eprintln!("device names: {sent} hostile requests");
    app.stop().await;
}

on_both_backends!(
    every_post_route_survives_hostile_bodies,
    path_parameters_refuse_traversal,
    script_and_sql_are_stored_verbatim_and_shown_escaped,
    look_alike_and_invisible_device_names_are_refused,
);
