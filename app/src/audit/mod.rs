//! The audit log: every state change, who made it, when and from where.
//! Rows are appended in the same transaction as the change they describe.

#[cfg(feature = "ssr")]
mod repo;
#[cfg(feature = "ssr")]
pub use repo::*;

use serde::{Deserialize, Serialize};

/// What happened. Stored as the snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    AccountCreated,
    LoginPasswordFailed,
    LoginPasswordAccepted,
    LoginOtpFailed,
    LoginOtpReplayed,
    LoginSucceeded,
    Logout,
    SessionConfirmed,
    DeviceAdded,
    DeviceRenamed,
    DeviceRemoved,
    DeviceEvicted,
    HelpdeskMismatch,
    TicketCreated,
    TicketSuperseded,
    TicketExpired,
    SelfieSubmitted,
    SelfieViewed,
    SelfieApproved,
    SelfieRejected,
    SelfieDeleted,
    OtpSetupCompleted,
}

crate::text_enum::text_enum!(AuditAction {
    AccountCreated => "account_created",
    LoginPasswordFailed => "login_password_failed",
    LoginPasswordAccepted => "login_password_accepted",
    LoginOtpFailed => "login_otp_failed",
    LoginOtpReplayed => "login_otp_replayed",
    LoginSucceeded => "login_succeeded",
    Logout => "logout",
    SessionConfirmed => "session_confirmed",
    DeviceAdded => "device_added",
    DeviceRenamed => "device_renamed",
    DeviceRemoved => "device_removed",
    DeviceEvicted => "device_evicted",
    HelpdeskMismatch => "helpdesk_mismatch",
    TicketCreated => "ticket_created",
    TicketSuperseded => "ticket_superseded",
    TicketExpired => "ticket_expired",
    SelfieSubmitted => "selfie_submitted",
    SelfieViewed => "selfie_viewed",
    SelfieApproved => "selfie_approved",
    SelfieRejected => "selfie_rejected",
    SelfieDeleted => "selfie_deleted",
    OtpSetupCompleted => "otp_setup_completed",
});
