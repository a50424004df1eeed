//! Importing signers from an AMS export: the `server import-signers`
//! command (dry run, apply, row errors, idempotence, staff accounts, photo
//! consent) and the admin console's upload at /admin/impor; and the audit
//! entry of `server seed-bulk`, the other way signers come in numbers.

use std::path::{Path, PathBuf};

use clap::Parser;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{AccountSpec, Backend, TestAccount, TestApp, page_text, spawn_app};
use crate::identity::{FACE, verifier};
use crate::on_both_backends;
use app::accounts::types::Role;
use app::signer_import::views::{ImportReport, RowOutcome};

const HEADER: &str = "email,full_name,nik,phone,agency,status,photo,photo_consent\n";

/// A configuration file for the command line against the test's database.
pub fn cli_config(app: &TestApp) -> PathBuf {
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
    config
}

/// `server --config … import-signers FILE [--photos DIR] [--dry-run]`.
async fn run_cli(
    app: &TestApp,
    file: &Path,
    photos: Option<&Path>,
    dry_run: bool,
) -> anyhow::Result<()> {
    let mut args = vec![
        "server".to_string(),
        "--config".into(),
        cli_config(app).display().to_string(),
        "import-signers".into(),
        file.display().to_string(),
    ];
    if let Some(photos) = photos {
        args.extend(["--photos".into(), photos.display().to_string()]);
    }
    if dry_run {
        args.push("--dry-run".into());
    }
    server::cli::run(server::cli::Cli::parse_from(args)).await
}

/// The report the command prints, from the function it prints it from.
async fn cli_report(
    app: &TestApp,
    file: &Path,
    photos: Option<&Path>,
    dry_run: bool,
) -> ImportReport {
    let config = server::Config::load(Some(&cli_config(app))).unwrap();
    server::cli::import_signers(&config, file, photos.map(Path::to_path_buf), dry_run)
        .await
        .expect("the file is imported")
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

type AccountColumns = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// What the database holds that an import may change.
async fn snapshot(app: &TestApp) -> Vec<String> {
    let accounts: Vec<AccountColumns> = sqlx::query_as(
        "SELECT email, full_name, nik_masked, phone, agency, status, role FROM accounts ORDER BY email",
    )
    .fetch_all(app.services().db.pool())
    .await
    .unwrap();
    let mut rows: Vec<String> = accounts.iter().map(|a| format!("{a:?}")).collect();
    rows.push(format!(
        "photos {}",
        scalar(app, "SELECT COUNT(*) FROM reference_photos").await
    ));
    rows.push(format!(
        "audit {}",
        scalar(app, "SELECT COUNT(*) FROM audit_log").await
    ));
    rows
}

fn outcomes(report: &ImportReport) -> Vec<(u64, &'static str)> {
    report
        .rows
        .iter()
        .map(|row| (row.line, row.outcome.label()))
        .collect()
}

fn message_of(report: &ImportReport, line: u64) -> String {
    match &report.rows.iter().find(|r| r.line == line).unwrap().outcome {
        RowOutcome::Failed { message } => message.clone(),
        other => panic!("line {line} is {other:?}"),
    }
}

async fn admin(app: &TestApp) -> TestAccount {
    app.create_account(AccountSpec {
        email: "admin@bssn.go.id",
        name: "Admin BSrE",
        nik: None,
        phone: None,
        role: Role::Admin,
        ..Default::default()
    })
    .await
}

/// A file with new, changed, staff, invalid and unconsented rows.
fn mixed_file(app: &TestApp) -> (PathBuf, PathBuf) {
    let photos = app.data_dir.join("foto");
    std::fs::create_dir_all(&photos).unwrap();
    std::fs::write(photos.join("ani.jpg"), FACE).unwrap();
    std::fs::write(photos.join("cici.jpg"), FACE).unwrap();
    let csv = app.data_dir.join("ekspor.csv");
    std::fs::write(
        &csv,
        format!(
            "{HEADER}\
             ani.lestari@bssn.go.id,Ani Lestari,3273015508920002,0813 1111 2222,BSSN,verified,ani.jpg,ya\n\
             budi.santoso@kominfo.go.id,Budi Santoso,3201011508900001,081299998888,Instansi Uji,suspended,,\n\
             admin@bssn.go.id,Admin BSrE,3201011508900009,,,verified,,\n\
             eko@kominfo.go.id,Eko,320101150890000,,,verified,,\n\
             cici@kominfo.go.id,Cici,3201014508900003,,,verified,cici.jpg,tidak\n\
             dodi@lan.go.id,Dodi,3201011508900004,,LAN,unverified,,\n"
        ),
    )
    .unwrap();
    (csv, photos)
}

/// The dry run changes nothing and says what applying then does; rows
/// with errors are reported and skipped, the others applied; the command
/// fails when a row failed.
async fn a_dry_run_reports_what_applying_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let budi = app.signer().await;
    let admin = admin(&app).await;
    let (csv, photos) = mixed_file(&app);
    let before = snapshot(&app).await;

    let dry = cli_report(&app, &csv, Some(&photos), true).await;
    assert!(dry.dry_run);
    assert_eq!(snapshot(&app).await, before, "a dry run saves nothing");
    let failed = run_cli(&app, &csv, Some(&photos), true).await.unwrap_err();
    assert!(failed.to_string().contains("3 baris galat"), "{failed}");
    assert_eq!(snapshot(&app).await, before);

    let applied = cli_report(&app, &csv, Some(&photos), false).await;
    assert!(!applied.dry_run);
    assert_eq!(
        applied.rows, dry.rows,
        "applying does what the dry run said"
    );
    assert_eq!(
        outcomes(&applied),
        [
            (2, "dibuat"),
            (3, "diperbarui"),
            (4, "galat"),
            (5, "galat"),
            (6, "galat"),
            (7, "dibuat"),
        ]
    );
    assert_eq!(
        applied.rows[1].outcome,
        RowOutcome::Updated {
            changed: vec!["phone".into(), "status".into()]
        }
    );
    assert_eq!(
        message_of(&applied, 4),
        "Baris 4, kolom email: akun petugas tidak dapat diubah lewat impor atau sinkronisasi"
    );
    assert_eq!(
        message_of(&applied, 5),
        "Baris 5, kolom nik: NIK harus terdiri dari 16 angka."
    );
    assert!(
        message_of(&applied, 6)
            .starts_with("Baris 6, kolom photo_consent: foto referensi adalah data biometrik"),
        "{}",
        message_of(&applied, 6)
    );
    assert_eq!(
        applied.summary(),
        "2 dibuat, 1 diperbarui, 0 tidak berubah, 3 galat"
    );

    // What was applied, and nothing else.
    let (phone, status): (Option<String>, String) =
        sqlx::query_as("SELECT phone, status FROM accounts WHERE id = $1")
            .bind(&budi.id)
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
    assert_eq!(
        (phone.as_deref(), status.as_str()),
        (Some("081299998888"), "suspended")
    );
    assert_eq!(app.audit_count(&budi.id, "account_updated").await, 1);
    let (role, nik): (String, Option<String>) =
        sqlx::query_as("SELECT role, nik_masked FROM accounts WHERE id = $1")
            .bind(&admin.id)
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
    assert_eq!(
        (role.as_str(), nik),
        ("admin", None),
        "staff are never changed"
    );
    let ani: (String, Option<String>, String) = sqlx::query_as(
        "SELECT id, nik_masked, role FROM accounts WHERE email = 'ani.lestari@bssn.go.id'",
    )
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(
        (ani.1.as_deref(), ani.2.as_str()),
        (Some("32************02"), "signer")
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM reference_photos WHERE account_id = $1",
            &ani.0
        )
        .await,
        1,
        "the consented photo is stored"
    );
    assert_eq!(app.audit_count(&ani.0, "reference_photo_set").await, 1);
    assert_eq!(app.audit_count(&ani.0, "account_created").await, 1);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM accounts WHERE email IN ('cici@kominfo.go.id', 'eko@kominfo.go.id')").await,
        0
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM reference_photos").await,
        1
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'signers_imported' AND actor = 'cli'"
        )
        .await,
        1
    );
    app.stop().await;
}

/// Importing the same file twice: everything unchanged the second time,
/// photo included, and nothing more audited about the accounts.
async fn applying_twice_changes_nothing_the_second_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let _budi = app.signer().await;
    let photos = app.data_dir.join("foto");
    std::fs::create_dir_all(&photos).unwrap();
    std::fs::write(photos.join("ani.jpg"), FACE).unwrap();
    let csv = app.data_dir.join("ekspor.csv");
    std::fs::write(
        &csv,
        format!(
            "{HEADER}\
             ani.lestari@bssn.go.id,Ani Lestari,3273015508920002,,BSSN,verified,ani.jpg,ya\n\
             budi.santoso@kominfo.go.id,Dr. Budi Santoso,3201011508900001,081234567890,Kominfo,verified,ani.jpg,yes\n"
        ),
    )
    .unwrap();
    run_cli(&app, &csv, Some(&photos), false)
        .await
        .expect("every row applies");
    // Created and updated NIKs are kept sealed for the face-match service,
    // never in clear.
    app.assert_nik_never_in_clear("3273015508920002").await;
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM accounts WHERE nik_sealed IS NOT NULL"
        )
        .await,
        2
    );
    const ACCOUNT_AUDITS: &str =
        "SELECT COUNT(*) FROM audit_log WHERE subject_account_id IS NOT NULL";
    let audited = scalar(&app, ACCOUNT_AUDITS).await;
    let before = snapshot(&app).await;
    let again = cli_report(&app, &csv, Some(&photos), false).await;
    assert_eq!(
        outcomes(&again),
        [(2, "tidak berubah"), (3, "tidak berubah")]
    );
    assert_eq!(
        again.summary(),
        "0 dibuat, 0 diperbarui, 2 tidak berubah, 0 galat"
    );
    assert_eq!(scalar(&app, ACCOUNT_AUDITS).await, audited);
    let after = snapshot(&app).await;
    assert_eq!(after[..after.len() - 1], before[..before.len() - 1]);
    run_cli(&app, &csv, Some(&photos), false)
        .await
        .expect("exit code 0");
    app.stop().await;
}

/// A bad file changes nothing and says what is wrong, once.
async fn a_bad_file_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = snapshot(&app).await;
    let csv = app.data_dir.join("salah.csv");
    std::fs::write(&csv, "email;nama\nbudi@kominfo.go.id;Budi\n").unwrap();
    let refused = run_cli(&app, &csv, None, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.starts_with("Baris judul CSV tidak sesuai"),
        "{refused}"
    );
    std::fs::write(&csv, b"email,full_name\n\xff\xfe\n").unwrap();
    let refused = run_cli(&app, &csv, None, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("bukan teks UTF-8"), "{refused}");
    assert_eq!(snapshot(&app).await, before);
    app.stop().await;
}

/// A multipart upload of the console form.
async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    csv: &str,
    photos: &[(&str, &[u8])],
) -> (StatusCode, Value) {
    let mut form = reqwest::multipart::Form::new().part(
        "csv",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
            .file_name("ekspor.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    for (name, bytes) in photos {
        form = form.part(
            "photos",
            reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name(name.to_string())
                .mime_str("image/jpeg")
                .unwrap(),
        );
    }
    let response = client
        .post(app.url(path))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Only an admin may use the console import; its dry run saves nothing.
async fn the_console_import_is_for_admins_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let signer_client = app.client();
    assert_eq!(app.log_in(&signer_client, &signer, 0).await, StatusCode::OK);
    let (_, verifier_client) = verifier(&app).await;
    let admin = admin(&app).await;
    let admin_client = app.client();
    assert_eq!(app.log_in(&admin_client, &admin, 0).await, StatusCode::OK);
    let csv = format!(
        "{HEADER}ani.lestari@bssn.go.id,Ani Lestari,3273015508920002,,BSSN,verified,ani.jpg,ya\n\
         cici@kominfo.go.id,Cici,3201014508900003,,,verified,cici.jpg,ya\n"
    );
    let photos: &[(&str, &[u8])] = &[("ani.jpg", FACE)];
    let before = snapshot(&app).await;

    for (client, status) in [
        (&app.client(), StatusCode::UNAUTHORIZED),
        (&signer_client, StatusCode::FORBIDDEN),
        (&verifier_client, StatusCode::FORBIDDEN),
    ] {
        for path in ["/admin/impor/periksa", "/admin/impor/terapkan"] {
            let (got, body) = upload(&app, client, path, &csv, photos).await;
            assert_eq!(got, status, "{path}: {body}");
        }
        let (got, body) = app.call(client, "admin/import/limits", &[]).await;
        assert_eq!(got, status, "{body}");
    }
    assert_eq!(snapshot(&app).await, before);
    let (status, page) = app.get_page(&admin_client, "/admin/impor").await;
    assert_eq!(status, StatusCode::OK);
    let text = page_text(&page);
    assert!(
        text.contains("Periksa (uji coba)") && text.contains("Terapkan"),
        "{text}"
    );

    let (status, dry) = upload(&app, &admin_client, "/admin/impor/periksa", &csv, photos).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    let dry: ImportReport = serde_json::from_value(dry).unwrap();
    assert!(dry.dry_run);
    assert_eq!(snapshot(&app).await, before, "the check saves nothing");
    assert_eq!(outcomes(&dry), [(2, "dibuat"), (3, "galat")]);
    assert!(
        message_of(&dry, 3)
            .starts_with("Baris 3, kolom photo: berkas foto \"cici.jpg\" tidak ikut diunggah"),
        "{}",
        message_of(&dry, 3)
    );

    let (status, applied) =
        upload(&app, &admin_client, "/admin/impor/terapkan", &csv, photos).await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    let applied: ImportReport = serde_json::from_value(applied).unwrap();
    assert_eq!(applied.rows, dry.rows);
    let ani: String =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'ani.lestari@bssn.go.id'")
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM reference_photos WHERE account_id = $1",
            &ani
        )
        .await,
        1
    );
    let actor: String = sqlx::query_scalar(
        "SELECT actor FROM audit_log WHERE subject_account_id = $1 AND action = 'account_created'",
    )
    .bind(&ani)
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(actor, "admin@bssn.go.id", "the admin is the actor");

    let (status, body) = upload(
        &app,
        &admin_client,
        "/admin/impor/terapkan",
        "nama\nx\n",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("Baris judul CSV tidak sesuai"),
        "{body}"
    );
    app.stop().await;
}

/// `server seed-bulk` is audited like every other way accounts are made:
/// one entry by the command line with what it added.
async fn seeding_in_bulk_leaves_an_audit_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let config = cli_config(&app).display().to_string();
    let args = [
        "server",
        "--config",
        &config,
        "seed-bulk",
        "--signers",
        "7",
        "--devices",
        "2",
    ];
    server::cli::run(server::cli::Cli::parse_from(args))
        .await
        .expect("the signers are seeded");
    let entries: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, detail FROM audit_log WHERE action = 'signers_seeded'")
            .fetch_all(app.services().db.pool())
            .await
            .unwrap();
    let entries: Vec<(String, Value)> = entries
        .into_iter()
        .map(|(actor, detail)| (actor, serde_json::from_str(&detail).unwrap()))
        .collect();
    assert_eq!(
        entries,
        [("cli".to_string(), json!({ "signers": 7, "devices": 14 }))]
    );
    app.stop().await;
}

on_both_backends!(
    seeding_in_bulk_leaves_an_audit_entry,
    a_dry_run_reports_what_applying_does,
    applying_twice_changes_nothing_the_second_time,
    a_bad_file_changes_nothing,
    the_console_import_is_for_admins_only,
);
