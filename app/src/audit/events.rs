//! Every kind of audit entry and what it records. Fields are ids and plain
//! values (enum names as their stored text), so the audit log depends on no
//! capability above it.

use serde::{Deserialize, Serialize};

use crate::ids::{DeviceId, SelfieId, ServiceClientId};
use crate::time::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AuditEvent {
    AccountCreated {
        role: String,
        status: String,
    },
    /// A signer's AMS data changed (import or sync): which fields, and the
    /// new status when it changed. Values are personal data and not repeated.
    AccountUpdated {
        changed: Vec<String>,
        status: Option<String>,
    },
    /// An import of signers from an AMS export was applied.
    SignersImported {
        created: usize,
        updated: usize,
        unchanged: usize,
        failed: usize,
    },
    /// Signers with devices were added in bulk for load and scale tests
    /// (`server seed-bulk`), one entry per transaction of them.
    SignersSeeded {
        signers: usize,
        devices: usize,
    },
    /// A wrong password; without a count when the email has no account.
    LoginPasswordFailed {
        consecutive_failures: Option<i64>,
    },
    LoginPasswordAccepted,
    LoginOtpFailed {
        consecutive_failures: i64,
    },
    /// A code that was right but already used (a replay or a shoulder-surfer).
    LoginOtpReplayed {
        device_id: DeviceId,
        step: i64,
    },
    LoginSucceeded {
        device_id: DeviceId,
        device_name: String,
    },
    Logout,
    /// A fresh code confirmed the session for adding a device.
    SessionConfirmed {
        device_id: DeviceId,
    },
    DeviceAdded {
        device_id: DeviceId,
        name: String,
        channel: String,
        drift_steps: i64,
    },
    DeviceRenamed {
        device_id: DeviceId,
        from: String,
        to: String,
    },
    DeviceRemoved {
        device_id: DeviceId,
        name: String,
    },
    /// Removed automatically because a newer device passed the limit.
    DeviceEvicted {
        device_id: DeviceId,
        name: String,
        added_at: UnixTime,
        replaced_by: DeviceId,
        max_devices: usize,
    },
    /// A helpdesk request whose data did not match the account.
    HelpdeskMismatch {
        channel: String,
        nik_matches: bool,
        name_matches: bool,
    },
    TicketCreated {
        number: String,
        category: String,
        channel: String,
    },
    TicketSuperseded,
    TicketExpired,
    SelfieSubmitted {
        selfie_id: SelfieId,
        bytes: usize,
        width: u32,
        height: u32,
    },
    /// The signer agreed to the selfie's use on the identity-check page,
    /// as told there: kept `retention_days` after the ticket closes, and
    /// sent to a biometric service for comparison when `biometric_service`.
    SelfieConsentGiven {
        selfie_id: SelfieId,
        retention_days: i64,
        biometric_service: bool,
    },
    SelfieViewed {
        selfie_id: SelfieId,
    },
    SelfieApproved {
        selfie_id: SelfieId,
    },
    SelfieRejected {
        selfie_id: SelfieId,
        reason: String,
    },
    /// The image was deleted under the retention rule; the row stays.
    SelfieDeleted {
        selfie_id: SelfieId,
        retention_days: i64,
    },
    /// The selfie (and the signer's NIK) went to the face-match service;
    /// `outcome` is the stored outcome (`score`, `no_record`, `unavailable`).
    SelfieFaceMatched {
        selfie_id: SelfieId,
        outcome: String,
    },
    /// The setup page showed its QR code and key, after the signer pressed
    /// "Tampilkan kode QR" (a plain GET of the mailed link shows neither).
    OtpSecretRevealed,
    OtpSetupCompleted {
        device_id: DeviceId,
    },
    /// A signer's reference photo was stored (or replaced).
    ReferencePhotoSet {
        bytes: usize,
        width: u32,
        height: u32,
    },
    ReferencePhotoViewed,
    /// An admin verified, suspended or reactivated an account.
    AccountStatusChanged {
        from: String,
        to: String,
        sessions_ended: u64,
        tickets_closed: usize,
    },
    /// Staff answered a "Pertanyaan Umum" (the answer is on the ticket).
    QuestionAnswered {
        characters: usize,
    },
    /// An admin changed a tunable (values as stored text).
    SettingChanged {
        key: String,
        from: String,
        to: String,
    },
    /// An admin downloaded the audit log as CSV: how many entries, and the
    /// filters as typed (`name=value`, comma separated; empty for all).
    AuditExported {
        rows: usize,
        filters: String,
    },
    /// An admin made an unsent mail due now (`mail_outbox.id`).
    MailRetried {
        mail_id: i64,
    },
    /// A client of the integration API was created (its secret is not kept).
    ServiceClientCreated {
        client_id: ServiceClientId,
        name: String,
        scopes: String,
        allow_from: String,
        /// Its budget; absent in entries from before budgets per client.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        calls_per_minute: Option<u32>,
    },
    ServiceClientRevoked {
        client_id: ServiceClientId,
        name: String,
    },
    /// An admin changed a service client's calls per minute.
    ServiceClientBudgetChanged {
        client_id: ServiceClientId,
        name: String,
        from: i64,
        to: u32,
    },
    /// A service client's webhook was set (`url`, with a new secret that is
    /// not kept in the log) or removed (`url` None; its undelivered events
    /// were dropped).
    ServiceClientWebhookChanged {
        client_id: ServiceClientId,
        name: String,
        url: Option<String>,
        discarded_events: u64,
    },
    /// A service client asked whether a signer's code is right (`result`:
    /// accepted, rejected, locked), with what the caller said about the
    /// request: the signer as given, the end user's address, the purpose
    /// and the document reference.
    CodeValidated {
        result: String,
        signer: String,
        device_id: Option<DeviceId>,
        client_ip: Option<String>,
        purpose: Option<String>,
        reference: Option<String>,
    },
    /// An import or the sync suspended a signer (the change itself is the
    /// `account_updated` before): what that ended.
    SignerAccessEnded {
        sessions_ended: u64,
        tickets_closed: usize,
    },
    /// A service client listed a signer's devices (names and dates).
    SignerDevicesListed {
        devices: usize,
    },
    /// Logins from browsers without the account's device cookie were refused
    /// after 100 consecutive wrong passwords, and an unlock link was mailed
    /// (`requested`: asked for on the login page).
    UnlockLinkSent {
        requested: bool,
    },
    /// The owner followed the mailed unlock link from this browser.
    AccountUnlocked,
    /// A wrong password re-entered to confirm a change on /akun.
    PasswordReentryFailed {
        consecutive_failures: i64,
    },
}

impl AuditEvent {
    /// The `action` column and the `detail` JSON of this event.
    pub(super) fn to_stored(&self) -> (String, String) {
        let mut value = serde_json::to_value(self).expect("an audit event is plain data");
        let action = value
            .as_object_mut()
            .and_then(|fields| fields.remove("action"))
            .and_then(|tag| tag.as_str().map(str::to_owned))
            .expect("every audit event is tagged with its action");
        (action, value.to_string())
    }

    /// The event stored as `action` and `detail`; an error when they do not
    /// describe one (a renamed action or a missing field), never a default.
    pub(super) fn from_stored(action: &str, detail: &str) -> Result<Self, serde_json::Error> {
        let mut value: serde_json::Value = serde_json::from_str(detail)?;
        if let Some(fields) = value.as_object_mut() {
            fields.insert("action".into(), action.into());
        }
        serde_json::from_value(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::views::ACTIONS;

    #[test]
    fn events_round_trip_through_action_and_detail() {
        let events = [
            AuditEvent::Logout,
            AuditEvent::LoginPasswordFailed {
                consecutive_failures: None,
            },
            AuditEvent::DeviceEvicted {
                device_id: DeviceId::generate(),
                name: "Hp lama".into(),
                added_at: UnixTime::from_secs(1_795_856_415),
                replaced_by: DeviceId::generate(),
                max_devices: 3,
            },
        ];
        for event in events {
            let (action, detail) = event.to_stored();
            assert_eq!(AuditEvent::from_stored(&action, &detail).unwrap(), event);
        }
        assert_eq!(
            AuditEvent::Logout.to_stored(),
            ("logout".into(), "{}".into())
        );
    }

    #[test]
    fn a_client_created_before_budgets_still_reads() {
        let detail = r#"{"client_id":"0123456789abcdef0123456789abcdef","name":"AMS","scopes":"validate","allow_from":""}"#;
        match AuditEvent::from_stored("service_client_created", detail).unwrap() {
            AuditEvent::ServiceClientCreated {
                calls_per_minute, ..
            } => assert_eq!(calls_per_minute, None),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_stored_event_missing_a_field_is_an_error() {
        assert!(AuditEvent::from_stored("device_removed", r#"{"name":"Hp"}"#).is_err());
        assert!(AuditEvent::from_stored("no_such_action", "{}").is_err());
    }

    /// The names serde knows for the enum's variants, read from its answer
    /// to an unknown one ("unknown variant `…`, expected one of `a`, `b`").
    fn variant_names() -> Vec<String> {
        let error = AuditEvent::from_stored("no_such_action", "{}")
            .unwrap_err()
            .to_string();
        let (_, expected) = error
            .split_once("expected one of")
            .unwrap_or_else(|| panic!("serde names the variants: {error}"));
        expected
            .split(',')
            .map(|name| name.trim().trim_matches('`').to_string())
            .filter(|name| !name.is_empty())
            .collect()
    }

    #[test]
    fn the_console_lists_every_action_and_only_those() {
        let mut known = variant_names();
        known.sort();
        let mut listed: Vec<String> = ACTIONS.iter().map(|a| a.to_string()).collect();
        listed.sort();
        assert_eq!(listed, known, "audit::views::ACTIONS follows AuditEvent");
    }

    #[test]
    fn queries_use_the_stored_action_names() {
        let (action, _) = AuditEvent::HelpdeskMismatch {
            channel: "web".into(),
            nik_matches: false,
            name_matches: true,
        }
        .to_stored();
        assert_eq!(action, super::super::repo::HELPDESK_MISMATCH);
        let (action, _) = AuditEvent::TicketCreated {
            number: "d1q0517".into(),
            category: "otp_request".into(),
            channel: "web".into(),
        }
        .to_stored();
        assert_eq!(action, super::super::repo::TICKET_CREATED);
    }
}
