//! What the console's account screens show.

use serde::{Deserialize, Serialize};

use crate::accounts::types::AccountStatus;
use crate::audit::views::AuditLine;
use crate::ids::{AccountId, DeviceId};
use crate::tickets::views::TicketListItem;
use crate::time::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountHit {
    pub id: AccountId,
    pub full_name: String,
    pub email: String,
    pub nik_masked: String,
    pub role_label: String,
    pub status_label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetail {
    pub id: AccountId,
    pub full_name: String,
    pub email: String,
    pub nik_masked: String,
    pub phone: Option<String>,
    pub agency: Option<String>,
    pub role_label: String,
    pub is_staff: bool,
    pub status: AccountStatus,
    pub created_at: UnixTime,
    pub devices: Vec<DeviceLine>,
    pub reference_set_at: Option<UnixTime>,
    pub tickets: Vec<TicketListItem>,
    pub audit: Vec<AuditLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceLine {
    pub id: DeviceId,
    pub name: String,
    pub added_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
    pub channel_label: String,
}
