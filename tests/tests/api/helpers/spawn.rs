//! `spawn_app`: the real server on port 0 against a fresh database (a SQLite
//! file in a temporary directory, or a new database on the PostgreSQL
//! cluster the test command starts), with a clock the test controls.

use std::path::PathBuf;
use std::sync::Arc;

use app::platform::clock::ManualClock;
use app::platform::state::Services;
use app::time::UnixTime;
use server::{Application, Config};

use super::database::{Backend, TestDatabase};
use super::fake_biometric::FaceMatchService;

/// A fixed, realistic start time: 2026-11-28 09:00:15 UTC.
pub const START: UnixTime = UnixTime::from_secs(1_795_856_415);

pub struct TestApp {
    pub app: Option<Application>,
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Removed by [`TestApp::stop`], or when the test panics before it.
    database: TestDatabase,
}

pub struct Options {
    pub rate_limit_per_minute: u32,
    pub smtp_url: String,
    pub max_devices: usize,
    /// A Bot API base URL: turns the Telegram bot on (polling unless a
    /// webhook secret is given).
    pub telegram_api_base: Option<String>,
    pub telegram_webhook_secret: Option<String>,
    /// A biometric service: turns the `http` face-match adapter on.
    pub face_match: Option<FaceMatchService>,
    /// `TPO_TRUSTED_PROXIES`.
    pub trusted_proxies: String,
    /// `TPO_PUBLIC_BASE_URL` (default: the bound address, plain http).
    pub public_base_url: Option<String>,
    /// The PostgreSQL cluster to create the test's database on (default:
    /// the test command's, `TPO_TEST_POSTGRES_URL`).
    pub postgres_admin_url: Option<String>,
    /// The built site to serve (default: `target/site`).
    pub site_root: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            rate_limit_per_minute: 100_000,
            smtp_url: String::new(),
            max_devices: 3,
            telegram_api_base: None,
            telegram_webhook_secret: None,
            face_match: None,
            trusted_proxies: String::new(),
            public_base_url: None,
            postgres_admin_url: None,
            site_root: None,
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Options::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: Options) -> TestApp {
    spawn_prepared(backend, options, async |_| {}).await
}

/// Like [`spawn_app_with`], with `prepare` run on the configuration after
/// the fresh database and data directory exist and before the server starts
/// (to restore a backup into them, or to mount a small disk there).
pub async fn spawn_prepared(
    backend: Backend,
    options: Options,
    prepare: impl AsyncFnOnce(&Config),
) -> TestApp {
    let database = TestDatabase::create(backend, options.postgres_admin_url.as_deref()).await;
    let data_dir = database.data_dir.clone();
    let clock = Arc::new(ManualClock::new(START));
    let config = Config {
        bind_addr: "127.0.0.1:0".parse().unwrap(),
        database_url: database.url.clone(),
        data_dir: data_dir.clone(),
        rate_limit_per_minute: options.rate_limit_per_minute,
        smtp_url: options.smtp_url.clone(),
        max_devices: options.max_devices,
        trusted_proxies: options.trusted_proxies.clone(),
        public_base_url: options.public_base_url.clone().unwrap_or_default(),
        ..Config::default()
    }
    .with_derived_defaults();
    let mut config = with_telegram(config, &options);
    if let Some(site_root) = &options.site_root {
        config.site_root = site_root.clone();
    }
    if let Some(service) = &options.face_match {
        config.face_match = "http".into();
        config.face_match_url = service.url.clone();
        config.face_match_token = service.token.clone();
        config.face_match_timeout_ms = service.timeout_ms;
    }
    let database_url = config.database_url.clone();
    prepare(&config).await;
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
        database,
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

pub fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).unwrap();
    bytes
}

impl TestApp {
    pub fn services(&self) -> &Arc<Services> {
        self.app.as_ref().expect("running").services()
    }

    pub fn now(&self) -> UnixTime {
        self.services().now()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client with its own cookie jar.
    pub fn client(&self) -> reqwest::Client {
        browser().build().unwrap()
    }

    /// A browser-like client behind a proxy that names it `address` in
    /// `X-Forwarded-For` (heeded when the app trusts loopback proxies).
    pub fn client_at(&self, address: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", address.parse().unwrap());
        browser().default_headers(headers).build().unwrap()
    }

    /// Stops the server (which closes its pool), then drops the test's
    /// database and data directory. Stop any second process first.
    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            tokio::time::timeout(std::time::Duration::from_secs(30), app.stop())
                .await
                .expect("the server stops within 30 s");
        }
        self.database.remove().await;
    }
}

impl TestApp {
    /// A second server process on the same database (same key, same data
    /// directory), as in a scale-out behind a load balancer.
    pub async fn second_process(&self, options: Options) -> Application {
        Application::start(self.second_config(&options), self.clock.clone())
            .await
            .expect("second process starts")
    }

    /// The configuration of [`TestApp::second_process`], to change before starting.
    pub fn second_config(&self, options: &Options) -> Config {
        let config = Config {
            bind_addr: "127.0.0.1:0".parse().unwrap(),
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            smtp_url: options.smtp_url.clone(),
            rate_limit_per_minute: options.rate_limit_per_minute,
            ..Config::default()
        }
        .with_derived_defaults();
        with_telegram(config, options)
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

fn browser() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
}

/// Every HTTP call of a test gives up after this long instead of hanging.
pub const HTTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A client for the test's own servers (MailDev's API).
pub(super) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .build()
        .unwrap()
}
