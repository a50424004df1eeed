//! What the setup page shows (shared by server and browser).

use serde::{Deserialize, Serialize};

use crate::time::UnixTime;

use crate::otp_devices::views::{AddedDeviceView, EnrollmentView, EvictedDeviceView};
use crate::tickets::views::LinkProblem;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupView {
    pub ticket_number: String,
    pub email_masked: String,
    /// The QR code and key: only once the signer asked for them with a
    /// POST ("Tampilkan kode QR"), so a mail scanner's GET sees no secret.
    pub enrollment: Option<EnrollmentView>,
    pub device_count: usize,
    pub max_devices: usize,
    /// The device that adding one more would remove, if the account is full.
    pub would_evict: Option<EvictedDeviceView>,
    pub expires_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetupPageState {
    Ready(SetupView),
    /// The link was spent by adding this device: shown again on refresh.
    Completed(AddedDeviceView),
    Problem(LinkProblem),
}
