//! What pages show about devices (shared by server and browser).

use serde::{Deserialize, Serialize};

use crate::time::UnixTime;

use crate::ids::DeviceId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    pub id: DeviceId,
    pub name: String,
    pub added_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
    pub channel_label: String,
    /// The device whose code opened the session looking at the page.
    pub is_current: bool,
}

/// Everything the QR step of an enrollment needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentView {
    /// Inline SVG of the otpauth URI.
    pub qr_svg: String,
    /// The key in groups of four, for typing by hand.
    pub manual_key: String,
    pub otpauth_uri: String,
    pub issuer: String,
    pub account_label: String,
    /// Server time (unix seconds) when the page was made, for the countdown.
    pub server_time: UnixTime,
}

/// The outcome of adding a device, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedDeviceView {
    pub name: String,
    pub evicted: Vec<EvictedDeviceView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvictedDeviceView {
    pub name: String,
    pub added_at: UnixTime,
}
