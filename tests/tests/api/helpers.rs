//! `spawn_app`: the real server on port 0 against a fresh database (a SQLite
//! file in a temporary directory, or a new database on the PostgreSQL
//! cluster the test command starts), with a clock the test controls.

use std::path::PathBuf;
use std::sync::Arc;

use app::accounts::service::{NewAccount, create_account};
use app::accounts::types::{
    AccountStatus, NewPassword, Nik, OfficialEmail, PersonName, PhoneNumber, Role,
};
use app::audit::Actor;
use app::otp_devices::service::provision_device;
use app::otp_devices::totp::{TotpSecret, step_at};
use app::otp_devices::types::DeviceName;
use app::platform::clock::ManualClock;
use app::platform::state::Services;
use reqwest::StatusCode;
use server::{Application, Config};
use sqlx::Connection;

/// A server function's form fields.
pub type Form<'a> = &'a [(&'a str, &'a str)];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the test command's PostgreSQL cluster listens.
pub const POSTGRES_URL_VAR: &str = "TPO_TEST_POSTGRES_URL";

/// A fixed, realistic start time: 2026-11-28 09:00:15 UTC.
pub const START: i64 = 1_795_856_415;

pub struct TestApp {
    pub app: Option<Application>,
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub data_dir: PathBuf,
    pub database_url: String,
}

pub struct Options {
    pub rate_limit_per_minute: u32,
    pub smtp_url: String,
    pub max_devices: usize,
    /// A Bot API base URL: turns the Telegram bot on (polling unless a
    /// webhook secret is given).
    pub telegram_api_base: Option<String>,
    pub telegram_webhook_secret: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            rate_limit_per_minute: 100_000,
            smtp_url: String::new(),
            max_devices: 3,
            telegram_api_base: None,
            telegram_webhook_secret: None,
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Options::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: Options) -> TestApp {
    let data_dir = std::env::temp_dir().join(format!("tpo-test-{}", hex::encode(random::<8>())));
    std::fs::create_dir_all(&data_dir).expect("temp dir");
    let database_url = match backend {
        Backend::Sqlite => String::new(),
        Backend::Postgres => fresh_postgres_database().await,
    };
    let clock = Arc::new(ManualClock::new(START));
    let config = Config {
        bind_addr: "127.0.0.1:0".parse().unwrap(),
        database_url,
        data_dir: data_dir.clone(),
        rate_limit_per_minute: options.rate_limit_per_minute,
        smtp_url: options.smtp_url.clone(),
        max_devices: options.max_devices,
        ..Config::default()
    }
    .with_derived_defaults();
    let config = with_telegram(config, &options);
    let database_url = config.database_url.clone();
    let app = Application::start(config, clock.clone())
        .await
        .expect("the app starts");
    let base = format!("http://{}", app.addr());
    TestApp {
        app: Some(app),
        base,
        clock,
        data_dir,
        database_url,
    }
}

fn with_telegram(mut config: Config, options: &Options) -> Config {
    if let Some(base) = &options.telegram_api_base {
        config.telegram_bot_token = "123456:TEST-TOKEN".into();
        config.telegram_api_base = base.clone();
        if let Some(secret) = &options.telegram_webhook_secret {
            config.telegram_mode = "webhook".into();
            config.telegram_webhook_secret = secret.clone();
        }
    }
    config
}

async fn fresh_postgres_database() -> String {
    let admin_url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
        panic!("{POSTGRES_URL_VAR} is not set: run the tests with `make test`, which starts a PostgreSQL cluster")
    });
    let name = format!("tpo_{}", hex::encode(random::<6>()));
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL reachable");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("URL with a database name");
    format!("{base}/{name}")
}

pub fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).unwrap();
    bytes
}

/// A signer (or staff member) created directly through the domain services.
#[derive(Debug, Clone)]
pub struct TestAccount {
    pub id: String,
    pub email: String,
    pub password: String,
    pub devices: Vec<(String, TotpSecret)>,
}

impl TestAccount {
    pub fn secret(&self, index: usize) -> &TotpSecret {
        &self.devices[index].1
    }
}

pub struct AccountSpec<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub nik: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub role: Role,
    pub status: AccountStatus,
    pub devices: &'a [&'a str],
}

impl Default for AccountSpec<'_> {
    fn default() -> Self {
        Self {
            email: "budi.santoso@kominfo.go.id",
            name: "Budi Santoso",
            nik: Some("3201011508900001"),
            phone: Some("081234567890"),
            role: Role::Signer,
            status: AccountStatus::Verified,
            devices: &["Hp Lama"],
        }
    }
}

impl TestApp {
    pub fn services(&self) -> &Arc<Services> {
        self.app.as_ref().expect("running").services()
    }

    pub fn now(&self) -> i64 {
        self.services().now()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client with its own cookie jar.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .unwrap()
    }

    /// The current code of `secret` by the app's clock, `offset` steps away.
    pub fn code(&self, secret: &TotpSecret, offset: i64) -> String {
        secret.code_for_step(step_at(self.now()) + offset, 6)
    }

    /// Devices are added a day apart, oldest first.
    pub async fn create_account(&self, spec: AccountSpec<'_>) -> TestAccount {
        let svc = self.services();
        let password = format!("sandi-{}", hex::encode(random::<4>()));
        let new = NewAccount {
            email: OfficialEmail::parse(spec.email).unwrap(),
            full_name: PersonName::parse(spec.name).unwrap(),
            nik: spec.nik.map(|n| Nik::parse(n).unwrap()),
            phone: spec.phone.map(|p| PhoneNumber::parse(p).unwrap()),
            agency: Some("Instansi Uji".into()),
            role: spec.role,
            status: spec.status,
            password: NewPassword::parse(&password).unwrap(),
        };
        let now = self.now();
        let id = create_account(svc, new, Actor::System, now).await.unwrap();
        let mut devices = Vec::new();
        for (i, name) in spec.devices.iter().enumerate() {
            let added_at = now - (spec.devices.len() - i) as i64 * 86_400;
            let (secret, _) =
                provision_device(svc, &id, &DeviceName::parse(name).unwrap(), added_at)
                    .await
                    .unwrap();
            devices.push((name.to_string(), secret));
        }
        TestAccount {
            id: id.to_string(),
            email: spec.email.to_string(),
            password,
            devices,
        }
    }

    pub async fn signer(&self) -> TestAccount {
        self.create_account(AccountSpec::default()).await
    }

    /// Posts a form to a server function the way a script would (JSON answer).
    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let response = client
            .post(self.url(&format!("/api/{endpoint}")))
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /api/{endpoint}: {e:?}"));
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    /// The password step of login.
    pub async fn enter_password(
        &self,
        client: &reqwest::Client,
        account: &TestAccount,
    ) -> (StatusCode, String) {
        self.call(
            client,
            "login/password",
            &[("email", &account.email), ("password", &account.password)],
        )
        .await
    }

    pub async fn device_ids(&self, account_id: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT id FROM otp_devices WHERE account_id = $1 ORDER BY added_seq")
            .bind(account_id)
            .fetch_all(self.services().db.pool())
            .await
            .unwrap()
    }

    /// Email + password, then a code from the device at `device`.
    pub async fn log_in(
        &self,
        client: &reqwest::Client,
        account: &TestAccount,
        device: usize,
    ) -> StatusCode {
        let (status, body) = self.enter_password(client, account).await;
        assert_eq!(status, StatusCode::OK, "password step: {body}");
        let code = self.code(account.secret(device), 0);
        self.call(client, "login/code", &[("code", &code)]).await.0
    }

    pub async fn get_page(&self, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
        let response = client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e:?}"));
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            tokio::time::timeout(std::time::Duration::from_secs(30), app.stop())
                .await
                .expect("the server stops within 30 s");
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// The visible text of an HTML page, tags removed and whitespace collapsed.
pub fn page_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs each listed `async fn name(backend: Backend)` once on SQLite and
/// once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )+
        }
    };
}

impl TestApp {
    /// Mail queued (sent or not) of `kind` to `recipient`.
    pub async fn mail_count(&self, kind: &str, recipient: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE kind = $1 AND recipient = $2")
            .bind(kind)
            .bind(recipient)
            .fetch_one(self.services().db.pool())
            .await
            .unwrap()
    }

    pub async fn count(&self, sql: &str, account_id: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(account_id)
            .fetch_one(self.services().db.pool())
            .await
            .unwrap()
    }

    pub async fn active_sessions(&self, account_id: &str) -> i64 {
        self.count(
            "SELECT COUNT(*) FROM sessions WHERE account_id = $1 AND stage = 'active'",
            account_id,
        )
        .await
    }

    pub async fn audit_count(&self, account_id: &str, action: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE subject_account_id = $1 AND action = $2",
        )
        .bind(account_id)
        .bind(action)
        .fetch_one(self.services().db.pool())
        .await
        .unwrap()
    }

    pub async fn device_names(&self, account_id: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT name FROM otp_devices WHERE account_id = $1 ORDER BY added_seq")
            .bind(account_id)
            .fetch_all(self.services().db.pool())
            .await
            .unwrap()
    }
}

impl TestApp {
    /// A second server process on the same database (same key, same data
    /// directory), as in a scale-out behind a load balancer.
    pub async fn second_process(&self, options: Options) -> Application {
        let config = Config {
            bind_addr: "127.0.0.1:0".parse().unwrap(),
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            smtp_url: options.smtp_url.clone(),
            rate_limit_per_minute: 100_000,
            ..Config::default()
        }
        .with_derived_defaults();
        let config = with_telegram(config, &options);
        Application::start(config, self.clock.clone())
            .await
            .expect("second process starts")
    }

    /// Runs the background sweep (expiry, retention) now.
    pub async fn sweep(&self) {
        server::workers::sweeper::sweep(self.services())
            .await
            .expect("sweep");
    }
}

/// A free loopback port for a server a test starts itself (MailDev). Taken
/// below the kernel's ephemeral range (32768+), where port-0 listeners and
/// outgoing connections of concurrent tests would otherwise collide with it.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 20_000 + (std::process::id() % 400) as u16 * 30;
    loop {
        let port = base + NEXT.fetch_add(1, Ordering::SeqCst) % 700;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Every HTTP call of a test gives up after this long instead of hanging.
pub const HTTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .build()
        .unwrap()
}

/// MailDev, a real SMTP server with a JSON API, run as a child process.
pub struct MailServer {
    /// Killed when the server is dropped.
    _process: tokio::process::Child,
    pub smtp_port: u16,
    pub api_port: u16,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct ReceivedMail {
    pub subject: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub html: String,
    pub to: Vec<Address>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Address {
    pub address: String,
}

impl ReceivedMail {
    /// The first link in the plain-text body that contains `path`.
    pub fn link(&self, path: &str) -> String {
        self.text
            .split_whitespace()
            .find(|word| word.starts_with("http") && word.contains(path))
            .unwrap_or_else(|| panic!("no {path} link in: {}", self.text))
            .to_string()
    }
}

impl MailServer {
    pub async fn start() -> Self {
        Self::start_on(free_port(), free_port()).await
    }

    pub async fn start_on(smtp_port: u16, api_port: u16) -> Self {
        let maildev =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/node_modules/.bin/maildev");
        assert!(
            maildev.exists(),
            "MailDev is missing: run `make test` (it runs npm ci in tests/e2e)"
        );
        let child = tokio::process::Command::new(maildev)
            .args([
                "--smtp",
                &smtp_port.to_string(),
                "--web",
                &api_port.to_string(),
            ])
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--silent"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("MailDev starts");
        let server = Self {
            _process: child,
            smtp_port,
            api_port,
        };
        for _ in 0..100 {
            if http()
                .get(server.api("/api/email"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("MailDev did not start on ports {smtp_port}/{api_port}");
    }

    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    fn api(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.api_port)
    }

    pub async fn all(&self) -> Vec<ReceivedMail> {
        http()
            .get(self.api("/api/email"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits (up to 20 s) for a mail to `to` whose subject contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> ReceivedMail {
        for _ in 0..200 {
            if let Some(mail) = self
                .all()
                .await
                .into_iter()
                .find(|m| m.subject.contains(subject) && m.to.iter().any(|a| a.address == to))
            {
                return mail;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no mail \"{subject}\" to {to}");
    }
}

/// A mail the worker wrote to the local outbox folder (no SMTP configured):
/// the newest one to `to` whose subject contains `subject`, decoded. Waits
/// up to 10 s for the worker.
pub async fn folder_mail(app: &TestApp, to: &str, subject: &str) -> ReceivedMail {
    folder_mail_containing(app, to, subject, "").await
}

/// Like [`folder_mail`], for a mail whose text also contains `text`.
pub async fn folder_mail_containing(
    app: &TestApp,
    to: &str,
    subject: &str,
    text: &str,
) -> ReceivedMail {
    let dir = app.data_dir.join("outbox");
    for _ in 0..100 {
        app.services().mail_queued.notify_one();
        let mut found: Vec<(std::time::SystemTime, ReceivedMail)> = Vec::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(raw) = std::fs::read(entry.path()) else {
                continue;
            };
            let Some(message) = mail_parser::MessageParser::default().parse(&raw) else {
                continue;
            };
            let recipient = message
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_string();
            let mail_subject = message.subject().unwrap_or_default().to_string();
            let body = message.body_text(0).unwrap_or_default().to_string();
            if recipient == to && mail_subject.contains(subject) && body.contains(text) {
                let modified = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                found.push((
                    modified,
                    ReceivedMail {
                        subject: mail_subject,
                        text: body,
                        html: message.body_html(0).unwrap_or_default().to_string(),
                        to: vec![Address { address: recipient }],
                    },
                ));
            }
        }
        if let Some((_, mail)) = found.into_iter().max_by_key(|(modified, _)| *modified) {
            return mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no mail \"{subject}\" to {to} in {}", dir.display());
}
