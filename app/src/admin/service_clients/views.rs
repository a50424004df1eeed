//! What the console's service-client screen shows.

use serde::{Deserialize, Serialize};

use crate::ids::ServiceClientId;
use crate::service_clients::types::FormErrors;

/// The answer to the create form: the new client with its token and, when
/// it was given a webhook, the webhook's signing secret (both shown this
/// once, never retrievable again), or what to fix field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CreateOutcome {
    Created {
        id: ServiceClientId,
        name: String,
        token: String,
        webhook_secret: Option<String>,
    },
    Invalid(FormErrors),
}

/// A webhook just set on a client: its new signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWebhook {
    pub id: ServiceClientId,
    pub url: String,
    pub secret: String,
}
