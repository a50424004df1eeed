//! The shell: pages render on the server in Indonesian, probes answer,
//! every response carries the security headers, cross-site posts are refused
//! and no bad input becomes a 500.

use app::accounts::service::{CreateError, NewAccount, create_account};
use app::accounts::types::{AccountStatus, NewPassword, Nik, OfficialEmail, PersonName, Role};
use app::audit::Actor;
use app::platform::db::{RESTART_LOG_AT_PAGES, Tx};
use futures::future::join_all;
use reqwest::StatusCode;
use sqlx::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::helpers::{
    Backend, Form, Options, TestApp, page_text, postgres_skipped, spawn_app, spawn_app_with,
    wait_until,
};
use crate::on_both_backends;

async fn pages_render_in_indonesian(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    let unknown_link = "A".repeat(43);
    let verify = format!("/verifikasi/{unknown_link}");
    let setup = format!("/otp/atur/{unknown_link}");
    for (path, status, expected) in [
        ("/", StatusCode::OK, "Cara kerjanya"),
        (
            "/login",
            StatusCode::OK,
            "Masuk dengan email dinas dan kata sandi",
        ),
        (
            "/helpdesk",
            StatusCode::OK,
            "Masukkan email dinas yang terdaftar di AMS",
        ),
        ("/tiket", StatusCode::OK, "Cek status tiket"),
        (
            "/helpdesk/terkirim?nomor=d1q0517",
            StatusCode::OK,
            "Nomor tiket: #d1q0517",
        ),
        (verify.as_str(), StatusCode::GONE, "Tautan tidak dikenal"),
        (setup.as_str(), StatusCode::GONE, "Tautan tidak dikenal"),
    ] {
        let (got, html) = app.get_page(&client, path).await;
        assert_eq!(got, status, "{path}");
        assert!(
            html.starts_with("<!DOCTYPE html><html lang=\"id\">"),
            "{path}"
        );
        assert!(
            page_text(&html).contains(expected),
            "{path} lacks {expected:?}"
        );
        assert!(
            html.contains("/pkg/tambah-otp.js"),
            "{path} loads the hydration script"
        );
    }
    // Pages behind a login send the visitor to /login.
    for path in ["/akun", "/akun/perangkat-baru", "/admin"] {
        let response = client
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND, "{path}");
        assert_eq!(response.headers()["location"], "/login", "{path}");
    }
    app.stop().await;
}

async fn unknown_pages_are_404_in_indonesian(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, html) = app.get_page(&app.client(), "/tidak-ada").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page_text(&html).contains("Halaman tidak ditemukan"));
    app.stop().await;
}

async fn probes_report_process_and_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    assert_eq!(
        app.get_page(&client, "/healthz").await,
        (StatusCode::OK, "ok".into())
    );
    assert_eq!(
        app.get_page(&client, "/readyz").await,
        (StatusCode::OK, "ready".into())
    );
    app.stop().await;
}

async fn every_response_has_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    for request in [
        client.get(app.url("/")),
        client.get(app.url("/tidak-ada")),
        client.post(app.url("/api/login/state")),
    ] {
        let response = request.send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "same-origin");
        assert_eq!(headers["cache-control"], "no-store");
    }
    app.stop().await;
}

/// A release site (hashed names, precompressed files) is served as the
/// browser asks and cached for a year; a debug site's fixed names are
/// revalidated; nothing missing is ever cached.
async fn built_assets_are_named_by_the_page_precompressed_and_cached_by_name(backend: Backend) {
    let site = std::env::temp_dir().join(format!("tpo-site-{}-{backend:?}", std::process::id()));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("tambah-otp.Abc123.js"), "export {};").unwrap();
    std::fs::write(pkg.join("tambah-otp.Abc123.js.br"), b"brotli bytes").unwrap();
    std::fs::write(
        site.join("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    for (hashed, expected_policy) in [
        (false, "no-cache"),
        (true, "public, max-age=31536000, immutable"),
    ] {
        let hash_file = site.join("hash.txt");
        if hashed {
            std::fs::write(&hash_file, "js: Abc123\nwasm: W4sm56\n").unwrap();
        }
        let app = spawn_app_with(
            backend,
            Options {
                site_root: Some(site.clone()),
                ..Options::default()
            },
        )
        .await;
        let client = app.client();
        let fetch = async |path: &str, encoding: &str| {
            client
                .get(app.url(path))
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap()
        };
        let found = fetch("/pkg/tambah-otp.Abc123.js", "br").await;
        assert_eq!(found.status(), StatusCode::OK);
        assert_eq!(found.headers()["content-encoding"], "br");
        assert_eq!(found.headers()["cache-control"], expected_policy);
        assert_eq!(found.bytes().await.unwrap().as_ref(), b"brotli bytes");
        let plain = fetch("/pkg/tambah-otp.Abc123.js", "identity").await;
        assert_eq!(plain.text().await.unwrap(), "export {};");
        let missing = fetch("/pkg/tambah-otp.Zzz999.js", "br").await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(missing.headers()["cache-control"], "no-store");
        // The page names the files of its own build, and asks for none of
        // them before its paint: no preload hint, only the idle loader.
        let page = client.get(app.url("/login")).send().await.unwrap();
        assert_eq!(page.headers()["cache-control"], "no-store");
        let html = page.text().await.unwrap();
        let (js, wasm) = if hashed {
            ("/pkg/tambah-otp.Abc123.js", "/pkg/tambah-otp.W4sm56.wasm")
        } else {
            ("/pkg/tambah-otp.js", "/pkg/tambah-otp.wasm")
        };
        assert!(html.contains(&format!("import(\"{js}\")")), "{html}");
        assert!(html.contains(&format!("\"{wasm}\"")), "{html}");
        assert!(!html.contains("preload"), "{html}");
        let favicon = client.get(app.url("/favicon.svg")).send().await.unwrap();
        assert_eq!(favicon.status(), StatusCode::OK);
        assert_eq!(favicon.headers()["cache-control"], "public, max-age=86400");
        app.stop().await;
    }
    std::fs::remove_dir_all(&site).unwrap();
}

async fn page_nonce_matches_the_policy(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.client().get(app.url("/login")).send().await.unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    let html = response.text().await.unwrap();
    assert!(
        html.contains(&format!("<script type=\"module\" nonce=\"{nonce}\">")),
        "hydration script carries the nonce"
    );
    app.stop().await;
}

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    let form = [("email", "budi@kominfo.go.id"), ("password", "x")];
    let evil = client
        .post(app.url("/api/login/password"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    assert!(
        evil.text()
            .await
            .unwrap()
            .contains("tidak berasal dari situs ini")
    );
    let cross = client
        .post(app.url("/api/login/password"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let same = client
        .post(app.url("/api/login/password"))
        .header("origin", &app.base)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        same.status(),
        StatusCode::UNAUTHORIZED,
        "same-origin request reaches the login"
    );
    app.stop().await;
}

async fn bad_input_gets_a_clear_answer_never_a_500(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    let cases: [(&str, Form, StatusCode, &str); 5] = [
        (
            "login/password",
            &[("email", "bukan-email"), ("password", "x")],
            StatusCode::BAD_REQUEST,
            "Format email tidak valid",
        ),
        (
            "login/password",
            &[("email", "a@b.go.id")],
            StatusCode::BAD_REQUEST,
            "BadRequest",
        ),
        (
            "login/password",
            &[("email", "a@b.go.id"), ("password", "")],
            StatusCode::BAD_REQUEST,
            "Kata sandi wajib diisi",
        ),
        (
            "login/code",
            &[("code", "12")],
            StatusCode::CONFLICT,
            "Waktu memasukkan kode OTP habis",
        ),
        ("account", &[], StatusCode::UNAUTHORIZED, "Unauthenticated"),
    ];
    for (endpoint, form, status, text) in cases {
        let (got, body) = app.call(&client, endpoint, form).await;
        assert_eq!(got, status, "{endpoint} {form:?}: {body}");
        assert!(body.contains(text), "{endpoint}: {body}");
    }
    // Ids have one shape; anything else is refused before a query runs.
    let (_, staff) = app.staff(Role::Verifier, "verifikator@bsre.go.id").await;
    let forged = [("ticket_id", "' OR 1=1 --")];
    let (got, body) = app.call(&staff, "staff/review/approve", &forged).await;
    assert_eq!(got, StatusCode::BAD_REQUEST, "{body}");
    let raw = client
        .post(app.url("/api/login/password"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, b'%', b'%'])
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

/// Two administrators creating the same signer at once: one account, and
/// the other gets the domain's answer, not a database error.
async fn concurrent_creations_of_one_account_make_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let svc = app.services();
    let attempts = (0..6).map(|i| {
        let new = NewAccount {
            email: OfficialEmail::parse("kembar@kominfo.go.id").unwrap(),
            full_name: PersonName::parse("Kembar Sejati").unwrap(),
            nik: Some(Nik::parse("3201011508900077").unwrap()),
            phone: None,
            agency: None,
            role: Role::Signer,
            status: AccountStatus::Verified,
            password: NewPassword::parse(&format!("sandi-kembar-{i}")).unwrap(),
        };
        create_account(svc, new, Actor::System, app.now())
    });
    let results = join_all(attempts).await;
    let created = results.iter().filter(|r| r.is_ok()).count();
    let taken = results
        .iter()
        .filter(|r| matches!(r, Err(CreateError::Taken)))
        .count();
    assert_eq!((created, taken), (1, 5), "{results:?}");
    app.stop().await;
}

/// A stored enum value the code does not know is an error, never a default
/// (a role read as "signer" by fallback could hide an admin, or worse).
async fn unknown_enum_text_in_a_column_is_an_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool = app.services().db.pool();
    let known: Role = sqlx::query_scalar("SELECT 'admin'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(known, Role::Admin);
    let unknown = sqlx::query_scalar::<_, Role>("SELECT 'superuser'")
        .fetch_one(pool)
        .await
        .unwrap_err();
    assert!(
        unknown.to_string().contains("\"superuser\" is not a Role"),
        "{unknown}"
    );
    app.stop().await;
}

/// The checkpoint count in the header of SQLite's write-ahead log: it goes
/// up each time a write starts the log over from its beginning.
fn wal_restarts(app: &TestApp) -> u32 {
    let header = std::fs::read(app.data_dir.join("tambah-otp.db-wal")).unwrap();
    u32::from_be_bytes(header[12..16].try_into().unwrap())
}

/// On SQLite no COMMIT of the writer pays for a checkpoint (automatic
/// checkpoints are off on its connection), yet the log does not grow
/// without bound while the server keeps writing: the checkpointer copies it
/// into the file beside the writer, and a later write starts it over.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_write_ahead_log_is_checkpointed_beside_the_writer() {
    let app = spawn_app(Backend::Sqlite).await;
    let db = &app.services().db;
    let write = async |n: i64| {
        let mut tx = db.begin_write().await.unwrap();
        sqlx::query("INSERT INTO wal_probe (n) VALUES ($1)")
            .bind(n)
            .execute(&mut *tx)
            .await
            .unwrap();
        let automatic: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        automatic
    };
    sqlx::query("CREATE TABLE wal_probe (n INTEGER)")
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(
        write(0).await,
        0,
        "the writer never checkpoints in a COMMIT"
    );
    let before = wal_restarts(&app);
    let mut n = 0;
    wait_until("a write that starts the log over", async || {
        n += 1;
        write(n).await;
        wal_restarts(&app) > before
    })
    .await;
    app.stop().await;
}

/// The writer's statement journals (a multi-row insert's undo) stay in
/// memory instead of spilling to a temporary file past 64 KB. Its page
/// cache is SQLite's 2 MB, and 64 MB only for a bulk load's transaction,
/// after which the serving writes get 2 MB again: with 64 MB every commit
/// that followed a page split walked the whole cache (a quarter of the
/// writer's time at the login code step), and `seed-bulk` took 16-18 s for
/// 100,000 signers without either setting, 8-10 s with both (see
/// `platform::connections`).
#[tokio::test]
async fn the_writer_keeps_its_temporary_storage_in_memory_and_a_large_cache_for_bulk_loads() {
    let app = spawn_app(Backend::Sqlite).await;
    let db = &app.services().db;
    let pragma = async |tx: &mut Tx, name: &str| -> i64 {
        sqlx::query_scalar(&format!("PRAGMA {name}"))
            .fetch_one(&mut **tx)
            .await
            .unwrap()
    };
    let mut serving = db.begin_write().await.unwrap();
    assert_eq!(pragma(&mut serving, "temp_store").await, 2, "2 is MEMORY");
    assert_eq!(pragma(&mut serving, "cache_size").await, -2000, "2 MB");
    serving.commit().await.unwrap();
    let mut bulk = db.begin_bulk_write().await.unwrap();
    assert_eq!(pragma(&mut bulk, "temp_store").await, 2, "2 is MEMORY");
    assert_eq!(pragma(&mut bulk, "cache_size").await, -65536, "64 MB");
    bulk.commit().await.unwrap();
    let mut serving = db.begin_write().await.unwrap();
    let after = pragma(&mut serving, "cache_size").await;
    assert_eq!(after, -2000, "a serving write after the bulk load");
    serving.rollback().await.unwrap();
    let mut reader = db.pool().acquire().await.unwrap();
    let temp_store: i64 = sqlx::query_scalar("PRAGMA temp_store")
        .fetch_one(&mut *reader)
        .await
        .unwrap();
    assert_eq!(temp_store, 0, "the other connections keep the default");
    drop(reader);
    app.stop().await;
}

/// A SQLite app with a `wal_probe` table for [`write_pages`].
async fn app_with_wal_probe() -> TestApp {
    let app = spawn_app(Backend::Sqlite).await;
    sqlx::query("CREATE TABLE wal_probe (n INTEGER, filler BLOB)")
        .execute(app.services().db.pool())
        .await
        .unwrap();
    app
}

/// Commits `rows` rows of about a 4 KB page each, numbered `n`.
async fn write_pages(app: &TestApp, n: i64, rows: i64) {
    let mut tx = app.services().db.begin_write().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE rows (k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM rows WHERE k < $2)
         INSERT INTO wal_probe (n, filler) SELECT $1, zeroblob(4000) FROM rows",
    )
    .bind(n)
    .bind(rows)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn log_file_bytes(app: &TestApp) -> u64 {
    std::fs::metadata(app.data_dir.join("tambah-otp.db-wal"))
        .unwrap()
        .len()
}

/// Under steady load (writes back to back, readers always in the log) no
/// checkpoint finds the log all copied and unused, so no write would start
/// it over and it would grow with every write: the checkpointer starts it
/// over itself once it passes 64 MB.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_write_ahead_log_starts_over_under_steady_load() {
    let app = app_with_wal_probe().await;
    let writing = Arc::new(AtomicBool::new(true));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (db, writing) = (app.services().db.clone(), writing.clone());
            tokio::spawn(async move {
                while writing.load(Ordering::Relaxed) {
                    db.read(async |conn| {
                        // The newest row: a short read of a page in the log.
                        sqlx::query_scalar::<_, i64>(
                            "SELECT n FROM wal_probe ORDER BY rowid DESC LIMIT 1",
                        )
                        .fetch_optional(conn)
                        .await
                    })
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    let before = wal_restarts(&app);
    // Transactions of 25 pages, six times the length at which the log
    // starts over: some 384 MB.
    let transactions = 6 * i64::from(RESTART_LOG_AT_PAGES) / 25;
    let written = transactions as u64 * 25 * 4096;
    for n in 0..transactions {
        write_pages(&app, n, 25).await;
    }
    writing.store(false, Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
    let log = log_file_bytes(&app);
    assert!(
        wal_restarts(&app) >= before + 2,
        "the log started over {} times",
        wal_restarts(&app) - before
    );
    assert!(
        log < written / 2,
        "a {} MB log for {} MB written",
        log >> 20,
        written >> 20
    );
    app.stop().await;
}

/// A log file one long transaction grew to three times the restart length
/// (a bulk seed did: 4.3 GB) is cut back to at most twice that length once
/// the log starts over, rather than kept at its largest.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_log_file_grown_by_a_long_transaction_is_cut_back() {
    let app = app_with_wal_probe().await;
    let restart_length = RESTART_LOG_AT_PAGES as u64 * 4096;
    write_pages(&app, 0, 3 * i64::from(RESTART_LOG_AT_PAGES)).await;
    let grown = log_file_bytes(&app);
    assert!(grown > 2 * restart_length, "a {} MB log", grown >> 20);
    let mut n = 0;
    wait_until("the log file cut back", async || {
        n += 1;
        write_pages(&app, n, 1).await;
        log_file_bytes(&app) <= 2 * restart_length
    })
    .await;
    app.stop().await;
}

/// Closing the database waits for the connections still lent (here the
/// writer, in a transaction), closes them too, and leaves every write in
/// the database file itself, the log empty or gone: the file alone can be
/// copied once the process stopped. A `seed-bulk` whose final log restart
/// was still running on the writer when it closed left a 70-200 MB log.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn closing_waits_for_lent_connections_and_leaves_every_write_in_the_file() {
    let app = app_with_wal_probe().await;
    write_pages(&app, 0, 100).await;
    let log = app.data_dir.join("tambah-otp.db-wal");
    assert!(
        log_file_bytes(&app) > 100 * 4096,
        "the log holds the writes"
    );
    let db = app.services().db.clone();
    let mut tx = db.begin_write().await.unwrap();
    sqlx::query("INSERT INTO wal_probe (n) VALUES (1)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let closing = tokio::spawn({
        let db = db.clone();
        async move { db.close().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!closing.is_finished(), "close waits for the lent writer");
    tx.commit().await.unwrap();
    closing.await.unwrap();
    let left = std::fs::metadata(&log).map_or(0, |m| m.len());
    assert_eq!(left, 0, "the log is empty or gone");
    // The database file alone, as a copy made after the stop would be.
    let copies = app.data_dir.join("copies");
    std::fs::create_dir(&copies).unwrap();
    let copied = copies.join("copy.db");
    std::fs::copy(app.data_dir.join("tambah-otp.db"), &copied).unwrap();
    let url = format!("sqlite://{}", copied.display());
    let mut file = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM wal_probe")
        .fetch_one(&mut file)
        .await
        .unwrap();
    assert_eq!(rows, 101, "every committed row is in the file");
    file.close().await.unwrap();
    app.stop().await;
}

/// An idle server leaves the database file alone: the checkpointer skips
/// its ticks while no write ended since its last checkpoint, and wakes for
/// the next write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_idle_database_is_not_checkpointed() {
    let app = spawn_app(Backend::Sqlite).await;
    let db = &app.services().db;
    let write = async || {
        let tx = db.begin_write().await.unwrap();
        tx.commit().await.unwrap();
        let before = db.checkpointer_counts().checkpoints;
        wait_until("a checkpoint after the write", async || {
            db.checkpointer_counts().checkpoints > before
        })
        .await;
    };
    write().await;
    let idle = db.checkpointer_counts();
    wait_until("ten ticks of the checkpointer", async || {
        db.checkpointer_counts().ticks >= idle.ticks + 10
    })
    .await;
    assert_eq!(
        db.checkpointer_counts().checkpoints,
        idle.checkpoints,
        "no checkpoint while nothing is written"
    );
    write().await;
    app.stop().await;
}

/// Ends every PostgreSQL session on the app's database but its own (as a
/// restart or a failover would): how many.
async fn terminate_server_connections(app: &TestApp) -> usize {
    let mut admin = sqlx::postgres::PgConnection::connect(&app.database_url)
        .await
        .unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    admin.close().await.unwrap();
    killed.len()
}

/// PostgreSQL hung up on the server's pooled connections while they rested
/// (a restart, a failover, an idle timeout): once they rested a second or
/// more (db.rs pings such a connection on its way out of the pool), the
/// next requests get fresh connections, not a 503 for a dead one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connections_killed_while_idle_are_replaced_not_handed_out() {
    if postgres_skipped() {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let client = app.client();
    let ready = (StatusCode::OK, "ready".to_string());
    assert_eq!(app.get_page(&client, "/readyz").await, ready);
    let killed = terminate_server_connections(&app).await;
    assert!(killed > 0, "the server's connections were found");
    // Past the second after which a resting connection is pinged.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    for _ in 0..killed + 1 {
        assert_eq!(app.get_page(&client, "/readyz").await, ready);
    }
    app.stop().await;
}

/// The same for the connections lent to requests' reads and write
/// transactions (`platform::connections`), which the pool does not manage:
/// killed and used at once, each fails one read and is closed rather than
/// kept; killed and rested a second, they are pinged and replaced before
/// any request gets one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lent_connections_killed_are_closed_or_replaced() {
    if postgres_skipped() {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let db = app.services().db.clone();
    let read = async || {
        db.read(async |conn| {
            sqlx::query_scalar::<_, i32>("SELECT 1 FROM pg_sleep(0.05)")
                .fetch_one(conn)
                .await
        })
        .await
    };
    // Three lent at once: three connections resting in the set.
    let lent = 3;
    let warm = join_all((0..lent).map(|_| read())).await;
    assert!(warm.iter().all(Result::is_ok), "{warm:?}");
    assert!(
        terminate_server_connections(&app).await >= lent,
        "the lent connections were found"
    );
    let mut failed = 0;
    while read().await.is_err() {
        failed += 1;
        assert!(failed <= lent, "a killed connection was lent again");
    }
    for _ in 0..2 * lent {
        read().await.expect("no killed connection is lent again");
    }
    let warm = join_all((0..lent).map(|_| read())).await;
    assert!(warm.iter().all(Result::is_ok), "{warm:?}");
    terminate_server_connections(&app).await;
    // Past the second after which a resting connection is pinged.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let after_rest = join_all((0..lent).map(|_| read())).await;
    assert!(after_rest.iter().all(Result::is_ok), "{after_rest:?}");
    let tx = db.begin_write().await.expect("a write transaction begins");
    tx.commit().await.expect("and commits");
    app.stop().await;
}

on_both_backends!(
    pages_render_in_indonesian,
    unknown_pages_are_404_in_indonesian,
    probes_report_process_and_database,
    every_response_has_security_headers,
    built_assets_are_named_by_the_page_precompressed_and_cached_by_name,
    page_nonce_matches_the_policy,
    cross_site_posts_are_refused,
    bad_input_gets_a_clear_answer_never_a_500,
    concurrent_creations_of_one_account_make_one,
    unknown_enum_text_in_a_column_is_an_error,
);
