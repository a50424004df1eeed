//! What the console's service-client screen shows.

use serde::{Deserialize, Serialize};

use crate::ids::ServiceClientId;
use crate::service_clients::types::FormErrors;

/// The answer to the create form: the new client with its token (shown
/// this once, never stored), or what to fix field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CreateOutcome {
    Created {
        id: ServiceClientId,
        name: String,
        token: String,
    },
    Invalid(FormErrors),
}
