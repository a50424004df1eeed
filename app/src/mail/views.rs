//! What the console shows of queued and sent mail (shared by server and
//! browser). Bodies are never shown: they hold single-use links.

use serde::{Deserialize, Serialize};

use crate::time::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailState {
    Sent,
    /// Not tried yet.
    Waiting,
    /// Tried and failed; the worker tries again later.
    Retrying,
}

impl MailState {
    pub const ALL: [Self; 3] = [Self::Waiting, Self::Retrying, Self::Sent];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Waiting => "waiting",
            Self::Retrying => "retrying",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Sent => "Terkirim",
            Self::Waiting => "Menunggu dikirim",
            Self::Retrying => "Gagal, akan dicoba lagi",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
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
