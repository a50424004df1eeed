//! What the console's outbox screen shows.

use serde::{Deserialize, Serialize};

use crate::mail::views::MailSummary;

/// The outbox filter as typed (the query string of /admin/surat).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MailQuery {
    /// `waiting`, `retrying`, `sent`, or empty for all.
    pub state: String,
    /// From 1.
    pub page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailList {
    pub items: Vec<MailSummary>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
}
