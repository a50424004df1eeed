//! Configuration: defaults, then an optional TOML file, then environment
//! variables (`TPO_*`, and `DATABASE_URL`). Every key is listed in the README.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use app::tunables::Tunables;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub bind_addr: SocketAddr,
    /// `sqlite://…` or `postgres://…`; empty means a SQLite file in `data_dir`.
    pub database_url: String,
    pub database_max_connections: u32,
    /// Threads running requests; none: one per core. Processes sharing a
    /// machine each take their share of its cores.
    pub worker_threads: Option<NonZeroUsize>,
    /// Where the SQLite file, the generated key and the mail folder live.
    pub data_dir: PathBuf,
    /// The address people reach the site at, used in mail links.
    pub public_base_url: String,
    pub brand: String,
    /// First values of the tunables; once stored, the console's
    /// "Pengaturan" (the database) wins.
    pub max_devices: usize,
    pub identity_link_hours: i64,
    pub setup_link_hours: i64,
    /// 64 hex characters; empty means `data_dir/secret.key` (generated on first start).
    pub secret_key: String,
    /// `smtps://user:pass@host:465` (TLS), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtp://host:1025` (plain, local servers only); empty: write .eml files.
    pub smtp_url: String,
    pub mail_from: String,
    pub telegram_bot_token: String,
    pub telegram_api_base: String,
    /// `polling` or `webhook`.
    pub telegram_mode: String,
    pub telegram_webhook_secret: String,
    /// Proxies in front of the server, as comma-separated address blocks:
    /// only from them is `X-Forwarded-For` read. Empty: no proxy.
    pub trusted_proxies: String,
    /// Clients that may read `/metrics`, as comma-separated address blocks.
    pub metrics_allow: String,
    pub rate_limit_per_minute: u32,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    pub selfie_retention_days: i64,
    /// The face-match adapter: `none` (nothing to compare with) or `http`
    /// (a biometric verification service; `local` is not built).
    pub face_match: String,
    /// `http`: where the selfie and NIK are POSTed.
    pub face_match_url: String,
    /// `http`: sent as `Authorization: Bearer …`.
    pub face_match_token: String,
    /// `http`: how long to wait for an answer.
    pub face_match_timeout_ms: u64,
    /// A score at or above this reads "cocok" (a first value, like `max_devices`).
    pub face_match_accept: f64,
    /// A score below this reads "tidak cocok"; in between, "ragu".
    pub face_match_doubt: f64,
    /// Fill an empty database with demo accounts and print their logins.
    pub seed_demo: bool,
    /// The built site (cargo-leptos output): `pkg/`, the CSS and static files.
    pub site_root: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: String::new(),
            database_max_connections: 10,
            worker_threads: None,
            data_dir: PathBuf::from("data"),
            public_base_url: String::new(),
            brand: "BSrE".into(),
            max_devices: 3,
            identity_link_hours: 48,
            setup_link_hours: 24,
            secret_key: String::new(),
            smtp_url: String::new(),
            mail_from: "Helpdesk BSrE <helpdesk@bsre.localhost>".into(),
            telegram_bot_token: String::new(),
            telegram_api_base: "https://api.telegram.org".into(),
            telegram_mode: "polling".into(),
            telegram_webhook_secret: String::new(),
            trusted_proxies: String::new(),
            metrics_allow: "127.0.0.0/8,::1".into(),
            rate_limit_per_minute: 20,
            session_idle_minutes: 30,
            session_max_hours: 12,
            selfie_retention_days: 30,
            face_match: "none".into(),
            face_match_url: String::new(),
            face_match_token: String::new(),
            face_match_timeout_ms: 5000,
            face_match_accept: Tunables::default().face_match_accept,
            face_match_doubt: Tunables::default().face_match_doubt,
            seed_demo: false,
            site_root: PathBuf::from("target/site"),
        }
    }
}

impl Config {
    /// Defaults < `config_file` (if given and present) < environment.
    pub fn load(config_file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = config_file {
            figment = figment.merge(Toml::file(path));
        }
        figment
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("TPO_"))
            .extract::<Config>()
            .map(Config::with_derived_defaults)
            .map_err(Box::new)
    }

    /// Fills the values that depend on others.
    pub fn with_derived_defaults(mut self) -> Self {
        if self.database_url.is_empty() {
            self.database_url = format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("tambah-otp.db").display()
            );
        }
        // With port 0 the address is known only once bound (see `Application::start`).
        if self.public_base_url.is_empty() && self.bind_addr.port() != 0 {
            self.public_base_url = format!("http://{}", self.bind_addr);
        }
        self.public_base_url = self.public_base_url.trim_end_matches('/').to_string();
        self
    }

    /// The tunables this configuration starts a fresh database with;
    /// values out of range are refused at start rather than clamped.
    pub fn tunables(&self) -> anyhow::Result<Tunables> {
        let configured = Tunables {
            max_devices: self.max_devices,
            identity_link_hours: self.identity_link_hours,
            setup_link_hours: self.setup_link_hours,
            selfie_retention_days: self.selfie_retention_days,
            face_match_accept: self.face_match_accept,
            face_match_doubt: self.face_match_doubt,
        };
        // Read back through the same ranges an admin's change must meet.
        Tunables::default()
            .with_changes(configured.entries().iter().map(|(k, v)| (*k, v.as_str())))
            .map_err(|why| anyhow::anyhow!("configuration: {why}"))
    }

    /// Mails, Telegram messages and the console's links start with
    /// `public_base_url`; a server whose links could reach nobody refuses to
    /// start instead of mailing them. That is a value without `http(s)://`
    /// and a host, or with a query or fragment, and the default a server
    /// bound to every interface (`0.0.0.0`, `[::]`) derives: it does not
    /// know the name its users reach it by.
    pub fn check_public_base_url(&self) -> anyhow::Result<()> {
        let url = &self.public_base_url;
        let unreachable = || {
            anyhow::anyhow!(
                "TPO_PUBLIC_BASE_URL wajib diisi: server mendengarkan di semua antarmuka ({}), \
                 alamat yang tidak dapat dibuka pengguna dari tautan di email",
                self.bind_addr
            )
        };
        if url.is_empty() {
            // Port 0: the address is derived once bound (`Application::start`).
            return match self.bind_addr.ip().is_unspecified() {
                true => Err(unreachable()),
                false => Ok(()),
            };
        }
        let host = ["https://", "http://"]
            .iter()
            .find_map(|scheme| url.strip_prefix(scheme))
            .map(|rest| rest.split('/').next().unwrap_or_default())
            .filter(|host| !host.is_empty() && !url.contains(['?', '#', ' ']))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "TPO_PUBLIC_BASE_URL \"{url}\" bukan alamat situs: tulis seperti https://otp.instansi.go.id"
                )
            })?;
        let ip = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.split(':').next().unwrap_or_default(),
        };
        match ip.parse::<std::net::IpAddr>() {
            Ok(ip) if ip.is_unspecified() => Err(unreachable()),
            _ => Ok(()),
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// The configuration with secrets replaced, for the start-up log.
    pub fn redacted(&self) -> Self {
        let hide = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                "***".to_string()
            }
        };
        let mut shown = self.clone();
        shown.secret_key = hide(&self.secret_key);
        shown.telegram_bot_token = hide(&self.telegram_bot_token);
        shown.telegram_webhook_secret = hide(&self.telegram_webhook_secret);
        shown.face_match_token = hide(&self.face_match_token);
        shown.face_match_url = redact_url_password(&self.face_match_url);
        shown.smtp_url = redact_url_password(&self.smtp_url);
        shown.database_url = redact_url_password(&self.database_url);
        shown
    }
}

fn redact_url_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_defaults_follow_the_data_dir_and_address() {
        let config = Config {
            data_dir: "/tmp/x".into(),
            ..Config::default()
        }
        .with_derived_defaults();
        assert_eq!(
            config.database_url,
            "sqlite:///tmp/x/tambah-otp.db?mode=rwc"
        );
        assert_eq!(config.public_base_url, "http://127.0.0.1:3000");
        assert!(!config.secure_cookies());
    }

    #[test]
    fn links_must_reach_someone() {
        let with = |bind: &str, base: &str| {
            Config {
                bind_addr: bind.parse().unwrap(),
                public_base_url: base.into(),
                ..Config::default()
            }
            .with_derived_defaults()
            .check_public_base_url()
        };
        for fine in [
            ("127.0.0.1:3000", ""),
            ("127.0.0.1:0", ""),
            ("0.0.0.0:3000", "https://otp.example.go.id/"),
            ("0.0.0.0:3000", "http://[2001:db8::1]:8080"),
            ("[::]:3000", "http://10.1.2.3:8080"),
            ("0.0.0.0:3000", "https://otp.example.go.id/tambah-otp"),
        ] {
            assert!(with(fine.0, fine.1).is_ok(), "{fine:?}");
        }
        for (bind, base, says) in [
            ("0.0.0.0:3000", "", "wajib diisi"),
            ("[::]:3000", "", "wajib diisi"),
            ("127.0.0.1:3000", "http://0.0.0.0:3000", "wajib diisi"),
            ("127.0.0.1:3000", "http://[::]/", "wajib diisi"),
            ("0.0.0.0:0", "", "wajib diisi"),
            ("127.0.0.1:3000", "otp.example.go.id", "bukan alamat situs"),
            (
                "127.0.0.1:3000",
                "ftp://otp.example.go.id",
                "bukan alamat situs",
            ),
            ("127.0.0.1:3000", "https://", "bukan alamat situs"),
            (
                "127.0.0.1:3000",
                "https://otp.example.go.id/?a=b",
                "bukan alamat situs",
            ),
        ] {
            let error = with(bind, base).expect_err(base).to_string();
            assert!(error.contains(says), "{bind} {base}: {error}");
        }
    }

    #[test]
    fn configured_tunables_meet_the_consoles_ranges() {
        let config = Config {
            max_devices: 5,
            face_match_doubt: 0.4,
            ..Config::default()
        };
        let tunables = config.tunables().unwrap();
        assert_eq!((tunables.max_devices, tunables.face_match_doubt), (5, 0.4));
        for wrong in [
            Config {
                max_devices: 0,
                ..Config::default()
            },
            Config {
                setup_link_hours: 500,
                ..Config::default()
            },
            Config {
                face_match_doubt: 0.9,
                ..Config::default()
            },
        ] {
            assert!(wrong.tunables().is_err());
        }
    }

    #[test]
    fn secrets_are_hidden_from_the_log() {
        let config = Config {
            face_match: "http".into(),
            face_match_url: "https://user:pw@biometrik.example/compare".into(),
            face_match_token: "rahasia".into(),
            ..Config::default()
        };
        let shown = format!("{:?}", config.redacted());
        assert!(
            !shown.contains("rahasia") && !shown.contains(":pw@"),
            "{shown}"
        );
        assert!(shown.contains("biometrik.example"));
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url_password("smtp://user:secret@mail:587"),
            "smtp://user:***@mail:587"
        );
        assert_eq!(
            redact_url_password("postgres://postgres@127.0.0.1/db"),
            "postgres://postgres@127.0.0.1/db"
        );
        assert_eq!(redact_url_password(""), "");
    }
}
