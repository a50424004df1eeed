//! Drains the mail outbox. Woken when mail is queued; otherwise it looks
//! again when the next retry is due (at most every 30 s, which also picks up
//! mail queued by another process).

use std::sync::Arc;
use std::time::Duration;

use app::mail::repo::{self as mail_repo, ClaimedMail};
use app::platform::queue::lease_owner;
use app::platform::state::Services;
use tokio_util::sync::CancellationToken;

use crate::mailer::Mailer;

const LEASE_SECONDS: i64 = 120;
const IDLE_POLL: Duration = Duration::from_secs(30);

pub async fn run(svc: Arc<Services>, mailer: Arc<Mailer>, shutdown: CancellationToken) {
    let owner = lease_owner("mail");
    tracing::info!(worker = %owner, transport = %mailer.describe(), "mail worker started");
    loop {
        let round = send_due(&svc, &mailer, &owner).await;
        let pause = super::rest_after(round, &mail_repo::QUEUE, &svc, IDLE_POLL).await;
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = svc.mail_queued.notified() => {}
            _ = tokio::time::sleep(pause) => {}
        }
    }
    tracing::info!(worker = %owner, "mail worker stopped");
}

/// Sends every message that is due now, then clears the sent bodies'
/// earlier copies out of SQLite's write-ahead log.
async fn send_due(svc: &Services, mailer: &Mailer, owner: &str) -> Result<(), sqlx::Error> {
    let mut sent = 0;
    while let Some(mail) = mail_repo::QUEUE
        .claim::<ClaimedMail>(svc.db.pool(), owner, svc.now(), LEASE_SECONDS)
        .await?
    {
        // A body that does not open (a wrong key, a damaged row) is retried
        // like a send that failed, and says so in the outbox's last error.
        let sent_now = match mail.open(&svc.keys) {
            Ok(opened) => mailer.send(&opened).await,
            Err(e) => Err(e.to_string()),
        };
        match sent_now {
            Ok(()) => {
                mail_repo::QUEUE
                    .mark_sent(svc.db.pool(), mail.id, owner, svc.now())
                    .await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(mail_id = mail.id, attempt = mail.attempts, %error, "mail not sent; will retry");
                mail_repo::retry_later(svc.db.pool(), &mail, owner, &error, svc.now()).await?;
                // The server is probably down: leave the rest for the next round.
                break;
            }
        }
    }
    if sent > 0 && !svc.db.truncate_wal().await? {
        tracing::debug!("write-ahead log still in use; emptied after the next mail");
    }
    Ok(())
}
