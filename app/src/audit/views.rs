//! An audit entry as the console shows it (shared by server and browser).

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, TicketId};
use crate::time::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub id: i64,
    pub at: UnixTime,
    pub actor: String,
    /// The event's stored name (`device_removed` …).
    pub action: String,
    /// The event's fields, `name: value` separated by commas.
    pub detail: String,
    pub subject_account_id: Option<AccountId>,
    pub ticket_id: Option<TicketId>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
