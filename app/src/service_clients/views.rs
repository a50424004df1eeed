//! A service client as the console lists it (shared by server and browser).
//! The secret is not here: only its digest is stored.

use serde::{Deserialize, Serialize};

use crate::ids::ServiceClientId;
use crate::time::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSummary {
    pub id: ServiceClientId,
    pub name: String,
    /// `validate,sync` as stored.
    pub scopes: String,
    /// Blocks as stored, comma separated; empty: any address.
    pub allow_from: String,
    pub calls_per_minute: i64,
    pub created_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
    /// Its last authenticated call, to the minute; None: not since known.
    pub last_used_at: Option<UnixTime>,
    /// Where its events go; None: no webhook. (Its secret is never here.)
    pub webhook_url: Option<String>,
}
