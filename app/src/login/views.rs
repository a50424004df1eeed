//! Where a login stands (shared by server and browser).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginProgress {
    SignedOut,
    /// The password was accepted; a code from a device is next.
    AwaitingCode {
        email_masked: String,
    },
    SignedIn {
        home: String,
    },
}
