//! Delivering outbox mail: over SMTP, or (the default for a newcomer's
//! machine) as .eml files in `data/outbox`, logged by recipient and subject.

use std::path::{Path, PathBuf};

use anyhow::Context;
use app::mail::repo::OpenedMail;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub enum MailTransport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder { dir: PathBuf },
}

pub struct Mailer {
    transport: MailTransport,
    from: Mailbox,
}

impl Mailer {
    pub fn new(smtp_url: &str, from: &str, outbox_dir: PathBuf) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .parse()
            .with_context(|| format!("TPO_MAIL_FROM {from:?} is not a mail address"))?;
        let transport = if smtp_url.is_empty() {
            std::fs::create_dir_all(&outbox_dir)
                .with_context(|| format!("creating the mail folder {}", outbox_dir.display()))?;
            MailTransport::Folder { dir: outbox_dir }
        } else {
            MailTransport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
                    .context("TPO_SMTP_URL is not a valid smtp:// or smtps:// URL")?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            )
        };
        Ok(Self { transport, from })
    }

    pub fn describe(&self) -> String {
        match &self.transport {
            MailTransport::Smtp(_) => "SMTP".into(),
            MailTransport::Folder { dir } => format!("folder {}", dir.display()),
        }
    }

    pub async fn send(&self, mail: &OpenedMail) -> Result<(), String> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e| format!("recipient: {e}"))?;
        let domain = self.from.email.domain().to_string();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            // Stable per outbox row: a retry after a lost acknowledgement
            // carries the same id, so receivers can drop the duplicate.
            .message_id(Some(format!("<outbox-{}@{domain}>", mail.id)))
            .multipart(MultiPart::alternative_plain_html(
                mail.body_text.clone(),
                mail.body_html.clone(),
            ))
            .map_err(|e| format!("building message: {e}"))?;
        match &self.transport {
            MailTransport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            MailTransport::Folder { dir } => {
                let id = format!(
                    "{}-{}",
                    mail.id,
                    hex::encode(app::platform::crypto::random_bytes::<4>())
                );
                write_whole(dir, &format!("{id}.eml"), &message.formatted())
                    .await
                    .map_err(|e| format!("writing the mail file: {e}"))?;
                // Recipient and subject only: the body's links are live
                // bearer tokens, and logs travel further than the folder.
                tracing::info!(
                    to = %mail.recipient,
                    subject = %mail.subject,
                    file = %dir.join(format!("{id}.eml")).display(),
                    "mail written to the local outbox folder (open the file for its links)"
                );
                Ok(())
            }
        }
    }
}

/// Writes `bytes` to `dir/name` whole or not at all: into a hidden
/// temporary file first, synced, then renamed into place. A full disk
/// leaves no partial mail (the temporary file is removed) and the outbox
/// row is retried.
async fn write_whole(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = dir.join(format!(".{name}.tmp"));
    let placed = async {
        tokio::fs::write(&temporary, bytes).await?;
        tokio::fs::File::open(&temporary).await?.sync_all().await?;
        tokio::fs::rename(&temporary, dir.join(name)).await
    }
    .await;
    // A failed write or rename (a full disk or directory) leaves no file.
    if placed.is_err() {
        let _ = tokio::fs::remove_file(&temporary).await;
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::captured::capture;

    #[tokio::test(flavor = "current_thread")]
    async fn the_folder_transport_logs_no_link_token() {
        let dir = std::env::temp_dir().join(format!(
            "tpo-outbox-{}",
            hex::encode(app::platform::crypto::random_bytes::<6>())
        ));
        let mailer = Mailer::new("", "Helpdesk <helpdesk@bsre.localhost>", dir.clone()).unwrap();
        let token = "p3VtQ0Rk2x9TnLq8yZ1aBcDeFgHiJkLmNoPqRsTuVwX";
        let link = format!("https://otp.example.go.id/atur-perangkat/{token}");
        let mail = OpenedMail {
            id: 7,
            recipient: "budi.santoso@kominfo.go.id".into(),
            subject: "Perbarui Akun Anda".into(),
            body_text: format!("Buka tautan ini:\n{link}\n"),
            body_html: format!("<a href=\"{link}\">{link}</a>"),
        };
        let (log, _guard) = capture();
        mailer.send(&mail).await.unwrap();
        let logged = log.text();
        assert!(
            logged.contains("mail written to the local outbox folder"),
            "{logged}"
        );
        assert!(logged.contains("budi.santoso@kominfo.go.id"), "{logged}");
        assert!(logged.contains("Perbarui Akun Anda"), "{logged}");
        assert!(!logged.contains(token), "{logged}");
        let written: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(written.len(), 1, "the mail itself is in the folder");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
