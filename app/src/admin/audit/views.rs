//! What the console's audit screen is asked and shows.

use serde::{Deserialize, Serialize};

use crate::audit::views::AuditLine;

/// The audit filters as typed (the query string of /admin/audit and of
/// /admin/audit.csv).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    /// Text the actor contains: an email, `sistem`, `cli`, `anonim`.
    pub actor: String,
    /// The subject account: its id or its email.
    pub account: String,
    /// A stored action name, or empty for all.
    pub action: String,
    /// `YYYY-MM-DD` (WIB), inclusive.
    pub from: String,
    pub to: String,
    /// From 1.
    pub page: u32,
}

impl AuditQuery {
    /// The filters as (name, value) pairs of a query string.
    pub fn filters(&self) -> Vec<(&'static str, String)> {
        vec![
            ("actor", self.actor.clone()),
            ("account", self.account.clone()),
            ("action", self.action.clone()),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditList {
    pub items: Vec<AuditLine>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
}
