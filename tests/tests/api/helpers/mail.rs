//! Mail as the tests receive it: from MailDev, a real SMTP server with a
//! JSON API run as a child process, or from the local outbox folder the
//! server writes to when no SMTP server is configured.

use super::database::Backend;
use super::spawn::{Options, TestApp, free_port, http, spawn_app_with};
use super::wait::{wait_for, wait_until};

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
        wait_until(
            format!("MailDev to answer on ports {smtp_port}/{api_port}"),
            async || {
                http()
                    .get(server.api("/api/email"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            },
        )
        .await;
        server
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

    /// Waits for a mail to `to` whose subject contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> ReceivedMail {
        wait_for(format!("a mail \"{subject}\" to {to}"), async || {
            self.all()
                .await
                .into_iter()
                .find(|m| m.subject.contains(subject) && m.to.iter().any(|a| a.address == to))
        })
        .await
    }
}

/// The ports of an SMTP server that is down for now (see
/// [`spawn_with_smtp_down`]).
pub struct SmtpDown {
    smtp_port: u16,
    api_port: u16,
}

/// An app whose SMTP server is down until [`SmtpDown::come_back`].
pub async fn spawn_with_smtp_down(backend: Backend) -> (TestApp, SmtpDown) {
    let smtp = SmtpDown {
        smtp_port: free_port(),
        api_port: free_port(),
    };
    let options = Options {
        smtp_url: format!("smtp://127.0.0.1:{}", smtp.smtp_port),
        ..Default::default()
    };
    (spawn_app_with(backend, options).await, smtp)
}

impl SmtpDown {
    /// Starts MailDev on the ports the app was given, and makes every mail
    /// due: the clock moves past any retry's backoff and the worker wakes.
    pub async fn come_back(self, app: &TestApp) -> MailServer {
        let server = MailServer::start_on(self.smtp_port, self.api_port).await;
        app.clock.advance(3600);
        app.services().mail_queued.notify_one();
        server
    }
}

/// A mail the worker wrote to the local outbox folder (no SMTP configured):
/// the newest one to `to` whose subject contains `subject`, decoded. Waits
/// for the worker to write it.
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
    wait_for(
        format!("a mail \"{subject}\" to {to} in {}", dir.display()),
        async || {
            app.services().mail_queued.notify_one();
            newest_in_folder(&dir, to, subject, text)
        },
    )
    .await
}

/// The newest `.eml` in `dir` to `to` whose subject contains `subject` and
/// whose text contains `text`.
fn newest_in_folder(
    dir: &std::path::Path,
    to: &str,
    subject: &str,
    text: &str,
) -> Option<ReceivedMail> {
    let mut found: Vec<(std::time::SystemTime, ReceivedMail)> = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
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
    found
        .into_iter()
        .max_by_key(|(modified, _)| *modified)
        .map(|(_, mail)| mail)
}
