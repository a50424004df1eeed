//! What /akun shows (shared by server and browser).

use serde::{Deserialize, Serialize};

use crate::time::UnixTime;

use crate::otp_devices::views::{AddedDeviceView, DeviceView, EnrollmentView};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub full_name: String,
    pub email: String,
    pub nik_masked: Option<String>,
    pub agency: Option<String>,
    pub status_label: String,
    pub devices: Vec<DeviceView>,
    pub max_devices: usize,
    /// A fresh code confirmed this session: adding a device is allowed.
    pub confirmed_for_adding: bool,
    pub recent_activity: Vec<ActivityView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub at: UnixTime,
    pub text: String,
}

/// What /akun/perangkat-baru shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SelfEnrollment {
    /// Scan the QR code, then name the device and type its code.
    Pending(EnrollmentView),
    /// The device just added (and any removed to stay within the limit),
    /// shown once.
    Added(AddedDeviceView),
}
