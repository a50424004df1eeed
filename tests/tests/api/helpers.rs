//! `spawn_app`: the real server on port 0 against a fresh database (a SQLite
//! file in a temporary directory, or a new database on the PostgreSQL
//! cluster the test command starts), with a clock the test controls.

use std::path::PathBuf;
use std::sync::Arc;

use app::accounts::service::{NewAccount, create_account, provision_device};
use app::accounts::types::{
    AccountStatus, NewPassword, Nik, OfficialEmail, PersonName, PhoneNumber, Role,
};
use app::audit::Actor;
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
}

pub struct Options {
    pub rate_limit_per_minute: u32,
    pub smtp_url: String,
    pub max_devices: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            rate_limit_per_minute: 100_000,
            smtp_url: String::new(),
            max_devices: 3,
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
        smtp_url: options.smtp_url,
        max_devices: options.max_devices,
        ..Config::default()
    }
    .with_derived_defaults();
    let app = Application::start(config, clock.clone())
        .await
        .expect("the app starts");
    let base = format!("http://{}", app.addr());
    TestApp {
        app: Some(app),
        base,
        clock,
        data_dir,
    }
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
            id,
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
            .unwrap();
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    /// Email + password, then a code from the device at `device`.
    pub async fn log_in(
        &self,
        client: &reqwest::Client,
        account: &TestAccount,
        device: usize,
    ) -> StatusCode {
        let (status, body) = self
            .call(
                client,
                "login/password",
                &[("email", &account.email), ("password", &account.password)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "password step: {body}");
        let code = self.code(account.secret(device), 0);
        self.call(client, "login/code", &[("code", &code)]).await.0
    }

    pub async fn get_page(&self, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
        let response = client.get(self.url(path)).send().await.unwrap();
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            app.stop().await;
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
