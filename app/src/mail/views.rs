//! What the console shows of queued and sent mail (shared by server and
//! browser). Bodies are never shown: they hold single-use links.

use serde::{Deserialize, Serialize};

use crate::time::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailState {
    /// Not tried yet.
    Waiting,
    /// Tried and failed; the worker tries again later.
    Retrying,
    Sent,
}

crate::text_enum::text_enum!(MailState { Waiting => "waiting", Retrying => "retrying", Sent => "sent" });

impl MailState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Sent => "Terkirim",
            Self::Waiting => "Menunggu dikirim",
            Self::Retrying => "Gagal, akan dicoba lagi",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSummary {
    pub id: i64,
    pub created_at: UnixTime,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub state: MailState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<UnixTime>,
    pub next_attempt_at: UnixTime,
}
