//! What the console's ticket page shows.

use serde::{Deserialize, Serialize};

use crate::identity_check::views::EarlierSelfie;
use crate::ids::{AccountId, TicketId};
use crate::mail::views::MailSummary;
use crate::tickets::views::TicketEventView;
use crate::time::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDetail {
    pub id: TicketId,
    pub number: String,
    pub category_label: String,
    pub channel_label: String,
    pub status_label: String,
    /// An open "Pertanyaan Umum": the page offers the answer form.
    pub awaiting_answer: bool,
    pub message: Option<String>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub created_at: UnixTime,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub account_id: AccountId,
    pub full_name: String,
    pub email: String,
    pub events: Vec<TicketEventView>,
    pub mails: Vec<MailSummary>,
    pub selfies: Vec<EarlierSelfie>,
    /// When the signer agreed to the selfie on the identity-check page.
    pub selfie_consent_at: Option<UnixTime>,
}
