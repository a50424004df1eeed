//! What helpdesk pages show (shared by server and browser).

use serde::{Deserialize, Serialize};

/// What /helpdesk shows: the email checked with "Periksa", if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpdeskView {
    pub checked_email: Option<String>,
}
