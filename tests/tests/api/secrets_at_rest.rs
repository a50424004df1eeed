//! Secrets at rest: after a whole journey, once the outbox has sent its
//! mail, neither a logical dump of the database nor its raw files (WAL
//! included; on PostgreSQL the whole cluster directory) nor the data directory (the outbox `.eml` files aside: they are
//! the mail) hold a TOTP secret, a password, a NIK or a link token in clear.

use std::path::{Path, PathBuf};

use app::accounts::types::Role;
use app::otp_devices::totp::TotpSecret;
use reqwest::StatusCode;

use crate::drills::{DrillCluster, spawn_on_own_cluster};
use crate::helpdesk::open_request_with;
use crate::helpers::{AccountSpec, Backend, DEADLINE, TestAccount, TestApp, wait_until};
use crate::on_both_backends;
use crate::otp_setup::enrolled_device;

/// One thing that must not rest in clear, in every form it could take:
/// text, raw bytes, and hex (how dumps write binary columns).
struct Needle {
    what: String,
    forms: Vec<Vec<u8>>,
}

impl Needle {
    fn text(what: impl Into<String>, text: &str) -> Self {
        Self {
            what: what.into(),
            forms: vec![text.as_bytes().to_vec()],
        }
    }

    fn totp(what: &str, secret: &TotpSecret) -> Self {
        let raw = secret.as_bytes();
        Self {
            what: format!("TOTP secret of {what}"),
            forms: vec![
                secret.to_base32().into_bytes(),
                secret.to_grouped_base32().into_bytes(),
                raw.to_vec(),
                hex::encode(raw).into_bytes(),
                hex::encode_upper(raw).into_bytes(),
            ],
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// Each needle found in `bytes`, named with `place`.
fn findings(place: &str, bytes: &[u8], needles: &[Needle]) -> Vec<String> {
    needles
        .iter()
        .filter(|n| n.forms.iter().any(|form| contains(bytes, form)))
        .map(|n| format!("{} in {place}", n.what))
        .collect()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

fn is_outbox_mail(data_dir: &Path, path: &Path) -> bool {
    path.parent() == Some(&data_dir.join("outbox")) && path.extension().is_some_and(|e| e == "eml")
}

/// The token (the last path segment, 43 base64url characters) of every
/// link to the site in the mails the server wrote to its outbox folder,
/// spent or still live.
fn mailed_tokens(data_dir: &Path, base: &str) -> Vec<String> {
    let mut files = Vec::new();
    files_under(&data_dir.join("outbox"), &mut files);
    let mut tokens = Vec::new();
    for file in files {
        let raw = std::fs::read(&file).unwrap();
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let text = message.body_text(0).unwrap_or_default().to_string();
        for word in text.split_whitespace().filter(|w| w.starts_with(base)) {
            let last = word.rsplit('/').next().unwrap_or_default();
            if last.len() == 43 {
                tokens.push(last.to_string());
            }
        }
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

/// The binaries of the PostgreSQL the test cluster runs (`pg_dump`).
pub fn postgres_bin(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("Debian's PostgreSQL packages (/usr/lib/postgresql)")
        .flatten()
        .map(|e| e.path().join("bin"))
        .collect();
    dirs.sort();
    dirs.pop().expect("a PostgreSQL version").join(name)
}

/// A logical dump of the app's database: `sqlite3 .dump` or `pg_dump`.
pub fn logical_dump(app: &TestApp, backend: Backend) -> Vec<u8> {
    let output = match backend {
        Backend::Sqlite => {
            let file = app.data_dir.join("tambah-otp.db");
            std::process::Command::new("sqlite3")
                .arg(&file)
                .arg(".dump")
                .output()
                .expect("the sqlite3 command line tool (apt-get install sqlite3)")
        }
        Backend::Postgres => std::process::Command::new(postgres_bin("pg_dump"))
            .args(["--no-owner", "--dbname", &app.database_url])
            .output()
            .expect("pg_dump runs"),
    };
    assert!(
        output.status.success(),
        "dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.len() > 10_000, "a whole dump");
    output.stdout
}

/// Each needle found in a logical dump, the raw database files (SQLite's
/// file and WAL; PostgreSQL's whole cluster directory, its server log
/// aside, after a checkpoint) and the data directory (its outbox mails aside).
async fn at_rest(
    app: &TestApp,
    backend: Backend,
    cluster: Option<&DrillCluster>,
    needles: &[Needle],
) -> Vec<String> {
    let mut found = findings("the logical dump", &logical_dump(app, backend), needles);
    let mut files = Vec::new();
    files_under(&app.data_dir, &mut files);
    if backend == Backend::Sqlite {
        assert!(
            files.iter().any(|f| f.ends_with("tambah-otp.db-wal")),
            "the WAL is searched too: {files:?}"
        );
    }
    files.retain(|f| !is_outbox_mail(&app.data_dir, f));
    if let Some(cluster) = cluster {
        sqlx::query("CHECKPOINT")
            .execute(app.services().db.pool())
            .await
            .unwrap();
        let before = files.len();
        files_under(&cluster.dir, &mut files);
        assert!(
            files[before..]
                .iter()
                .any(|f| f.starts_with(cluster.dir.join("pg_wal"))),
            "the WAL is searched too"
        );
        files.retain(|f| !f.ends_with("server.log"));
    }
    for file in &files {
        let Ok(bytes) = std::fs::read(file) else {
            continue; // PostgreSQL removed a temporary file meanwhile.
        };
        found.extend(findings(&file.display().to_string(), &bytes, needles));
    }
    found
}

pub const SITI_NIK: &str = "3273015508920002";

/// A second signer, Siti, whose helpdesk request stays open: (her account,
/// the live link mailed to her).
pub async fn siti_with_open_request(app: &TestApp) -> (TestAccount, String) {
    let siti = app
        .create_account(AccountSpec {
            email: "siti.rahmawati@bssn.go.id",
            name: "Siti Rahmawati",
            nik: Some(SITI_NIK),
            ..Default::default()
        })
        .await;
    let (_, live_link) = open_request_with(app, &siti, "Siti Rahmawati", SITI_NIK).await;
    (siti, live_link)
}

async fn outbox_drained(app: &TestApp) {
    wait_until("the outbox to send every mail", async || {
        app.services().mail_queued.notify_one();
        let unsent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
                .fetch_one(app.services().db.pool())
                .await
                .unwrap();
        unsent == 0
    })
    .await;
}

async fn a_whole_journey_leaves_no_secret_in_clear_at_rest(backend: Backend) {
    // On PostgreSQL a cluster of the test's own, so its raw files hold this
    // journey and nothing of other tests.
    let (app, cluster) = spawn_on_own_cluster(backend).await;
    let signer = app.signer().await;
    let new_secret = enrolled_device(&app, &signer, "Hp Baru").await;
    app.clock.advance(30);
    let client = app.client();
    assert_eq!(app.enter_password(&client, &signer).await.0, StatusCode::OK);
    let (status, body) = app
        .call(
            &client,
            "login/code",
            &[("code", &app.code(&new_secret, 0))],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "login with the new device: {body}");
    // A second signer's request stays open: its mailed link is live.
    let (siti, live_link) = siti_with_open_request(&app).await;
    let (verifier, _) = app.staff(Role::Admin, "admin@bsre.go.id").await;
    outbox_drained(&app).await;

    let tokens = mailed_tokens(&app.data_dir, &app.base);
    assert!(
        tokens.len() >= 3 && tokens.iter().any(|t| live_link.ends_with(t.as_str())),
        "the request, setup and live links were mailed: {tokens:?}"
    );
    let mut needles = vec![
        Needle::totp("the new device", &new_secret),
        Needle::totp("the signer's first device", signer.secret(0)),
        Needle::totp("the admin's device", verifier.secret(0)),
        Needle::text("the signer's password", &signer.password),
        Needle::text("the second signer's password", &siti.password),
        Needle::text("the admin's password", &verifier.password),
        Needle::text("the signer's NIK", "3201011508900001"),
        Needle::text("the second signer's NIK", SITI_NIK),
    ];
    for token in &tokens {
        needles.push(Needle::text(format!("link token {token}"), token));
    }

    // The mail worker empties SQLite's log just after its last send: look
    // until the deadline, then report what is still there.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let found = loop {
        let found = at_rest(&app, backend, cluster.as_ref(), &needles).await;
        if found.is_empty() || tokio::time::Instant::now() > deadline {
            break found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(found.is_empty(), "in clear at rest: {found:#?}");
    app.stop().await;
    drop(cluster);
}

on_both_backends!(a_whole_journey_leaves_no_secret_in_clear_at_rest);
