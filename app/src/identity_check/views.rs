//! What identity-check pages show (shared by server and browser).

use serde::{Deserialize, Serialize};

use crate::time::UnixTime;

use super::types::FaceMatchBand;
use crate::ids::{AccountId, SelfieId, TicketId};
use crate::tickets::views::{LinkProblem, TicketListItem};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyView {
    pub ticket_number: String,
    pub name_masked: String,
    pub email_masked: String,
    pub nik_masked: String,
    /// Set on a "Pengecekan Ulang": why the previous selfie was rejected.
    pub rejection_reason: Option<String>,
    pub expires_at: UnixTime,
    /// Where the photo is posted (multipart fields `photo` and `consent`).
    pub upload_path: String,
    /// What the consent notice says: selfies are deleted this many days
    /// after the ticket closes (the live setting)…
    pub selfie_retention_days: i64,
    /// …and whether a biometric service receives the selfie for comparison.
    pub biometric_service: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerifyPageState {
    Ready(VerifyView),
    Problem(LinkProblem),
}

/// A selfie waiting for a verifier, with the account it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub ticket_id: TicketId,
    pub ticket_number: String,
    pub channel_label: String,
    pub requested_at: UnixTime,
    pub submitted_at: UnixTime,
    pub selfie_id: SelfieId,
    pub account_id: AccountId,
    /// When the account's reference photo was set; `None` when it has none.
    pub reference_set_at: Option<UnixTime>,
    pub full_name: String,
    pub email: String,
    pub nik_masked: String,
    pub phone: Option<String>,
    pub agency: Option<String>,
    /// The face-match service's view of this selfie (informs, decides nothing).
    pub face_match: FaceMatchView,
    pub earlier: Vec<EarlierSelfie>,
    /// Where the request came from (web only; Telegram has no address).
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The account's other tickets, newest first.
    pub earlier_tickets: Vec<TicketListItem>,
    /// Helpdesk requests for this account whose name or NIK did not match,
    /// in the last 30 days: someone else may be trying.
    pub mismatches_30_days: i64,
}

/// The face-match outcome of a selfie as the verifier reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FaceMatchView {
    /// A similarity score, in whole percent (rounded down, so that the
    /// percentage never reads above its band).
    Score {
        percent: u8,
        source_label: String,
        band: FaceMatchBand,
    },
    /// The service has no photo of this NIK.
    NoRecord,
    /// The service gave no usable answer; `why` is short.
    Unavailable { why: String },
    /// No face-match service is configured.
    NothingToCompare,
    /// Just uploaded: the service is being asked.
    Pending,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierSelfie {
    pub selfie_id: SelfieId,
    pub submitted_at: UnixTime,
    pub decision_label: String,
    pub reason: Option<String>,
    /// False once the retention period removed the photo.
    pub has_image: bool,
}
