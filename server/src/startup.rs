//! Building and running the application: one function used by `main`,
//! the integration tests and the benchmarks.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use app::otp_devices::accepted::AcceptedCodes;
use app::platform::clock::Clock;
use app::platform::db::{Backend, Db};
use app::platform::face_match::{FaceMatcher, NoFaceMatcher};
use app::platform::metrics::Metrics;
use app::platform::net::{AddressBlocks, TrustedProxies};
use app::platform::rate_limit::RateLimits;
use app::platform::state::{AppState, Services, Settings, Workers};
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::face_match::HttpFaceMatcher;
use crate::mailer::Mailer;
use crate::telegram::client::BotApi;
use crate::telegram::webhook::WebhookSecret;
use crate::{http, keys, telegram, workers};

/// The name cargo-leptos gives the built files (`pkg/tambah-otp.js` …).
pub const OUTPUT_NAME: &str = "tambah-otp";
/// The hashes of the built file names, in the site root (release sites only).
const HASH_FILE: &str = "hash.txt";

/// Opens the database and applies pending migrations.
pub async fn connect_and_migrate(config: &Config) -> anyhow::Result<Db> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let db = Db::connect(&config.database_url, config.database_max_connections)
        .await
        .context("connecting to the database")?;
    let migrator = match db.backend() {
        Backend::Sqlite => &migrations::SQLITE,
        Backend::Postgres => &migrations::POSTGRES,
    };
    migrator
        .run(db.pool())
        .await
        .context("applying database migrations")?;
    Ok(db)
}

/// Everything but the HTTP listener: database, keys, settings.
pub async fn build_services(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Arc<Services>> {
    let face_matcher = face_matcher(config)?;
    let db = connect_and_migrate(config).await?;
    let keys = match keys::load(&config.secret_key, &config.data_dir, &db, clock.now()).await {
        Ok(keys) => keys,
        Err(refused) => {
            db.close().await;
            return Err(refused);
        }
    };
    let limits = RateLimits::new(config.rate_limit_per_minute, clock.clone());
    let limits = match db.backend() {
        Backend::Sqlite => limits,
        Backend::Postgres => limits.shared_across_processes(),
    };
    let metrics = Arc::new(Metrics::default());
    let accepted_codes = AcceptedCodes::start(db.clone(), metrics.clone());
    let services = Arc::new(Services {
        db,
        clock,
        keys,
        settings: Settings {
            brand: config.brand.clone(),
            public_base_url: config.public_base_url.clone(),
            secure_cookies: config.secure_cookies(),
            trusted_proxies: TrustedProxies::parse(&config.trusted_proxies)
                .map_err(|why| anyhow::anyhow!("TPO_TRUSTED_PROXIES: {why}"))?,
            metrics_allow: AddressBlocks::parse(&config.metrics_allow)
                .map_err(|why| anyhow::anyhow!("TPO_METRICS_ALLOW: {why}"))?,
            session_idle_seconds: config.session_idle_minutes.max(1) * 60,
            session_max_seconds: config.session_max_hours.max(1) * 3600,
        },
        limits,
        metrics,
        tunables: RwLock::new(Arc::new(config.tunables()?)),
        face_matcher,
        mail_queued: Notify::new(),
        telegram_queued: Notify::new(),
        workers: Workers::default().with(accepted_codes),
    });
    app::settings::service::seed_and_load(&services)
        .await
        .context("loading the settings")?;
    Ok(services)
}

/// The face-match adapter named by `face_match`.
fn face_matcher(config: &Config) -> anyhow::Result<Arc<dyn FaceMatcher>> {
    match config.face_match.as_str() {
        "none" | "" => {
            tracing::info!(
                "no face-match service configured (TPO_FACE_MATCH=none): reviews show the selfie beside the reference photo only"
            );
            Ok(Arc::new(NoFaceMatcher))
        }
        "http" => {
            let url = config.face_match_url.trim();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                anyhow::bail!("TPO_FACE_MATCH=http needs TPO_FACE_MATCH_URL (http:// or https://)");
            }
            if config.face_match_token.is_empty() {
                anyhow::bail!("TPO_FACE_MATCH=http needs TPO_FACE_MATCH_TOKEN");
            }
            if config.face_match_timeout_ms == 0 {
                anyhow::bail!("TPO_FACE_MATCH_TIMEOUT_MS must be more than 0");
            }
            if url.starts_with("http://") {
                tracing::warn!(
                    "TPO_FACE_MATCH_URL is plain http: NIKs and selfies cross the network unencrypted"
                );
            }
            let timeout = std::time::Duration::from_millis(config.face_match_timeout_ms);
            tracing::info!(
                timeout_ms = config.face_match_timeout_ms,
                "face match through the biometric service (TPO_FACE_MATCH=http)"
            );
            Ok(Arc::new(HttpFaceMatcher::new(
                url,
                &config.face_match_token,
                timeout,
            )?))
        }
        "local" => anyhow::bail!(
            "TPO_FACE_MATCH=local (in-process face embeddings) is not built; use none or http"
        ),
        other => anyhow::bail!("TPO_FACE_MATCH must be none or http, not {other:?}"),
    }
}

fn leptos_options(config: &Config, addr: SocketAddr) -> LeptosOptions {
    // Under `cargo leptos` its environment describes the build; otherwise the
    // defaults match what `cargo leptos build` writes.
    let site_root = std::env::var("LEPTOS_SITE_ROOT")
        .unwrap_or_else(|_| config.site_root.display().to_string());
    // A release site carries the hashes of its file names (scripts/build-site.sh
    // copies cargo-leptos' hash.txt into it). Leptos joins this name to the
    // executable's folder, which an absolute path replaces: the site stays
    // self-contained whichever binary serves it.
    let hash_file = std::path::absolute(Path::new(&site_root).join(HASH_FILE))
        .unwrap_or_else(|_| Path::new(&site_root).join(HASH_FILE));
    LeptosOptions::builder()
        .hash_files(hash_file.is_file())
        .hash_file(hash_file.display().to_string().into())
        .output_name(
            std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| OUTPUT_NAME.to_string()),
        )
        .site_root(site_root)
        .site_pkg_dir(std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".to_string()))
        .site_addr(addr)
        .build()
}

struct TelegramBot {
    api: Arc<BotApi>,
    /// Set in webhook mode.
    webhook: Option<WebhookSecret>,
}

fn telegram_bot(config: &Config) -> anyhow::Result<Option<TelegramBot>> {
    if config.telegram_bot_token.is_empty() {
        return Ok(None);
    }
    let api = Arc::new(BotApi::new(
        &config.telegram_api_base,
        &config.telegram_bot_token,
    ));
    let webhook = match config.telegram_mode.as_str() {
        "polling" => None,
        "webhook" if config.telegram_webhook_secret.len() >= 16 => {
            Some(WebhookSecret(config.telegram_webhook_secret.clone()))
        }
        "webhook" => anyhow::bail!(
            "TPO_TELEGRAM_MODE=webhook needs TPO_TELEGRAM_WEBHOOK_SECRET of at least 16 characters"
        ),
        other => anyhow::bail!("TPO_TELEGRAM_MODE must be polling or webhook, not {other:?}"),
    };
    Ok(Some(TelegramBot { api, webhook }))
}

pub struct Application {
    addr: SocketAddr,
    services: Arc<Services>,
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Application {
    /// Binds the listener (port 0 picks a free one) and starts serving and
    /// the background workers.
    pub async fn start(mut config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.bind_addr)
            .await
            .with_context(|| format!("binding {}", config.bind_addr))?;
        let addr = listener.local_addr()?;
        if config.public_base_url.is_empty() {
            config.public_base_url = format!("http://{addr}");
        }
        let services = build_services(&config, clock).await?;
        let mailer = Arc::new(Mailer::new(
            &config.smtp_url,
            &config.mail_from,
            config.outbox_dir(),
        )?);
        let state = AppState {
            leptos_options: Arc::new(leptos_options(&config, addr)),
            services: services.clone(),
        };
        let shutdown = CancellationToken::new();
        let bot = telegram_bot(&config)?;
        let router = http::router(state, bot.as_ref().and_then(|b| b.webhook.clone()));
        let serve_shutdown = shutdown.clone();
        let server = tokio::spawn(async move {
            let served = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move { serve_shutdown.cancelled().await })
            .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "HTTP server stopped with an error");
            }
        });
        let mut tasks = vec![
            server,
            tokio::spawn(workers::mail::run(
                services.clone(),
                mailer,
                shutdown.clone(),
            )),
            tokio::spawn(workers::webhooks::run(services.clone(), shutdown.clone())),
            tokio::spawn(workers::sweeper::run(services.clone(), shutdown.clone())),
            tokio::spawn(workers::settings::run(services.clone(), shutdown.clone())),
        ];
        if services.db.backend() == Backend::Postgres {
            tasks.push(tokio::spawn(workers::rate_limits::run(
                services.clone(),
                shutdown.clone(),
            )));
        }
        match bot {
            None => tracing::info!(
                "no Telegram bot token configured (TPO_TELEGRAM_BOT_TOKEN): the Telegram channel is off"
            ),
            Some(bot) => {
                tasks.push(tokio::spawn(telegram::sender::run(
                    services.clone(),
                    bot.api.clone(),
                    shutdown.clone(),
                )));
                match bot.webhook {
                    None => tasks.push(tokio::spawn(telegram::poller::run(
                        services.clone(),
                        bot.api,
                        shutdown.clone(),
                    ))),
                    Some(WebhookSecret(secret)) => {
                        let url = format!(
                            "{}{}",
                            services.settings.public_base_url,
                            telegram::webhook::PATH
                        );
                        let payload = serde_json::json!({
                            "url": url, "secret_token": secret, "allowed_updates": ["message", "callback_query"],
                        });
                        match bot.api.call("setWebhook", &payload).await {
                            Ok(()) => tracing::info!(%url, "Telegram bot started (webhook)"),
                            Err(e) => {
                                tracing::warn!(%url, error = %e, "setWebhook failed: Telegram cannot reach the bot")
                            }
                        }
                    }
                }
            }
        }
        Ok(Self {
            addr,
            services,
            shutdown,
            tasks,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn services(&self) -> &Arc<Services> {
        &self.services
    }

    /// Stops accepting, lets running requests and workers finish, closes the pool.
    pub async fn stop(self) {
        self.shutdown.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
        self.services.db.close().await;
    }

    /// Runs until SIGINT or SIGTERM, then stops gracefully.
    pub async fn run_until_signal(self) {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.stop().await;
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return interrupt.await.unwrap_or_default(),
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or_default();
}
