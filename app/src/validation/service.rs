//! Checking a signer's code for a service client.

use super::types::{Validation, ValidationResult};
use crate::accounts::repo::{self as accounts_repo, AccountRow, FailureCounter};
use crate::accounts::types::{AccountStatus, OfficialEmail, Role};
use crate::audit::{self, AuditEntry, AuditEvent};
use crate::ids::{AccountId, DeviceId};
use crate::otp_devices::accepted::FollowUp;
use crate::otp_devices::repo as devices_repo;
use crate::otp_devices::service::{AcceptedCode, Attempt, CodeBudget, CodeError, accept_code};
use crate::otp_devices::totp::{ACCEPTED_SKEW_STEPS, TotpSecret};
use crate::platform::db::Tx;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::service_clients::service::ServiceClient;
use crate::time::UnixTime;

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted {
        device_id: DeviceId,
        device_name: String,
    },
    Rejected,
    Locked,
}

impl Outcome {
    pub fn result(&self) -> ValidationResult {
        match self {
            Self::Accepted { .. } => ValidationResult::Accepted,
            Self::Rejected => ValidationResult::Rejected,
            Self::Locked => ValidationResult::Locked,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// A device secret that does not open: the server's fault, not the code's.
    #[error("the sealed secret of device {0} does not open")]
    SecretUnreadable(DeviceId),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Only a verified signer's codes are checked; staff accounts and signers
/// who are not (or no longer) verified answer like an unknown signer.
fn may_sign(account: &AccountRow) -> bool {
    account.role == Role::Signer && account.status == AccountStatus::Verified
}

/// Checks `validation`'s code for its signer on behalf of `client`, with the
/// site login's rules (`verify_account_code`), and records the call.
/// `caller` is the client's connection (the audit's address); the end
/// user's address, purpose and document reference go into the entry. An
/// accepted code's entry is committed with its claim, before the answer.
pub async fn validate(
    svc: &Services,
    client: &ServiceClient,
    validation: &Validation,
    caller: &ClientInfo,
    now: UnixTime,
) -> Result<Outcome, ValidateError> {
    let email = OfficialEmail::parse(&validation.signer).ok();
    let signer = devices_repo::signer_with_devices(&svc.db, &validation.signer, email.as_ref());
    let (account, devices) = signer.await?.unzip();
    let subject = account.as_ref().map(|a| &a.id);
    let entry = |outcome: &Outcome| {
        let event = AuditEvent::CodeValidated {
            result: outcome.result().as_str().to_string(),
            signer: validation.signer.clone(),
            device_id: match outcome {
                Outcome::Accepted { device_id, .. } => Some(device_id.clone()),
                _ => None,
            },
            client_ip: validation.client_ip.map(|ip| ip.to_string()),
            purpose: validation.purpose.clone(),
            reference: validation.reference.clone(),
        };
        let mut entry = AuditEntry::new(client.actor(), event);
        if let Some(subject) = subject {
            entry = entry.subject(subject);
        }
        entry.prepare(Some(caller), now)
    };
    let (outcome, mut tx) = match account.as_ref().filter(|a| may_sign(a)) {
        Some(account) => {
            let (actor, code) = (client.actor(), &validation.code);
            let accepted_entry = |accepted: &AcceptedCode| FollowUp {
                activation: None,
                audit: entry(&Outcome::from(accepted.clone())),
            };
            let devices = devices.unwrap_or_default();
            let attempt = Attempt::new(account, actor, CodeBudget::Account, caller, now);
            match accept_code(svc, &attempt, devices, code, accepted_entry).await {
                // Its entry was written with its claim.
                Ok(Some(accepted)) => return Ok(accepted.into()),
                // Only a session to activate can be gone, and there is none.
                Ok(None) => return Err(ValidateError::Database(sqlx::Error::RowNotFound)),
                Err(
                    CodeError::Invalid { .. } | CodeError::Expired { .. } | CodeError::Replayed,
                ) => (Outcome::Rejected, svc.db.begin_write().await?),
                Err(CodeError::Delayed(_) | CodeError::Blocked) => {
                    (Outcome::Locked, svc.db.begin_write().await?)
                }
                Err(CodeError::SecretUnreadable(id)) => {
                    return Err(ValidateError::SecretUnreadable(id));
                }
                Err(CodeError::Database(e)) => return Err(e.into()),
            }
        }
        None => (
            Outcome::Rejected,
            check_against_nothing(svc, validation, now).await?,
        ),
    };
    audit::insert(&mut tx, &[entry(&outcome)]).await?;
    tx.commit().await?;
    Ok(outcome)
}

impl From<AcceptedCode> for Outcome {
    fn from(accepted: AcceptedCode) -> Self {
        Self::Accepted {
            device_id: accepted.device_id,
            device_name: accepted.device_name,
        }
    }
}

/// The work a wrong code costs, done for a signer whose code is not
/// checked, so that the answer takes about as long: a secret opened, a
/// TOTP computed, and a failure-counter update (all on nothing); the
/// devices came with the signer's one read, found or not. A fixed sleep
/// would be told apart by its regularity. Returns the write transaction of
/// that update, for the call's audit entry.
async fn check_against_nothing(
    svc: &Services,
    validation: &Validation,
    now: UnixTime,
) -> Result<Tx, sqlx::Error> {
    let nobody = AccountId::generate();
    let sealed = svc.keys.seal(nobody.as_str().as_bytes(), &[0u8; 20]);
    let secret = svc
        .keys
        .open(nobody.as_str().as_bytes(), &sealed)
        .map(TotpSecret::from_bytes)
        .unwrap_or_else(|_| TotpSecret::from_bytes(vec![0u8; 20]));
    let matched = secret.matching_step(&validation.code, now, ACCEPTED_SKEW_STEPS);
    std::hint::black_box(matched);
    let mut tx = svc.db.begin_write().await?;
    accounts_repo::clear_failures(&mut tx, &nobody, FailureCounter::Otp).await?;
    Ok(tx)
}
