//! An audit entry as the console shows it (shared by server and browser).

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, TicketId};
use crate::time::UnixTime;

/// Every stored action name (`AuditEvent`'s variants, in its order), for
/// the console's filter; a test in `events` keeps the two in step.
pub const ACTIONS: &[&str] = &[
    "account_created",
    "account_updated",
    "signers_imported",
    "signers_seeded",
    "login_password_failed",
    "login_password_accepted",
    "login_otp_failed",
    "login_otp_replayed",
    "login_succeeded",
    "logout",
    "session_confirmed",
    "device_added",
    "device_renamed",
    "device_removed",
    "device_evicted",
    "helpdesk_mismatch",
    "ticket_created",
    "ticket_superseded",
    "ticket_expired",
    "selfie_submitted",
    "selfie_viewed",
    "selfie_approved",
    "selfie_consent_given",
    "selfie_rejected",
    "selfie_deleted",
    "selfie_face_matched",
    "otp_secret_revealed",
    "otp_setup_completed",
    "reference_photo_set",
    "reference_photo_viewed",
    "account_status_changed",
    "question_answered",
    "setting_changed",
    "audit_exported",
    "mail_retried",
    "service_client_created",
    "service_client_revoked",
    "service_client_budget_changed",
    "service_client_webhook_changed",
    "code_validated",
    "signer_access_ended",
    "signer_devices_listed",
    "unlock_link_sent",
    "account_unlocked",
    "password_reentry_failed",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub id: i64,
    pub at: UnixTime,
    pub actor: String,
    /// The event's stored name (`device_removed` …).
    pub action: String,
    /// The event's fields, `name: value` separated by commas.
    pub detail: String,
    pub subject_account_id: Option<AccountId>,
    /// The subject account's email, when the account exists.
    pub subject_email: Option<String>,
    pub ticket_id: Option<TicketId>,
    /// The ticket's number, when the ticket exists.
    pub ticket_number: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
