//! Right codes written together. A right code's write (its step claimed,
//! its failure counter cleared, the session it opens, its audit entry) is
//! the same few rows for every login, and on SQLite all writes queue for
//! one connection: written one login at a time, the round trips to it
//! bound the throughput. Here every right code waiting is written in one
//! transaction, with one statement per kind of row (group commit), the
//! statements sent together (`platform::statements`).
//!
//! A batch commits only when every write in it went through as it would
//! alone: each step claimed, no counter locked, each session still
//! waiting. Otherwise it is rolled back whole and each of its codes is
//! checked again in a transaction of its own (`service::accept_code`),
//! which finds the replay, the lock or the gone session and answers it.
//! A code whose step the read already showed used never joins a batch: a
//! replay rolls one back only when it races the login it copies. Either
//! way the answer is sent after the commit.

use std::sync::Arc;
use std::time::Instant;

use super::repo::{self, StepClaim};
use crate::accounts::repo::{self as accounts_repo, Activation};
use crate::audit::{self, PreparedEntry};
use crate::ids::AccountId;
use crate::platform::db::Db;
use crate::platform::group_commit::GroupCommit;
use crate::platform::metrics::Metrics;
use crate::platform::statements::{Changes, Statement};

/// One right code's write.
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub claim: StepClaim,
    pub account_id: AccountId,
    /// The known browser's counter the attempt was made on, if any;
    /// otherwise the account's OTP counter.
    pub cookie_key: Option<String>,
    pub follow_up: FollowUp,
}

/// What a right code writes beside its claim: the session it activates
/// (a login) and the audit entry that says what happened.
#[derive(Debug, Clone)]
pub struct FollowUp {
    pub activation: Option<Activation>,
    pub audit: PreparedEntry,
}

/// The most right codes in one transaction. The audit rows' nine
/// placeholders each stay far below either database's limit.
const MAX_BATCH: usize = 64;

/// The worker writing right codes together (in `Services::workers`).
pub struct AcceptedCodes(GroupCommit<Acceptance, bool>);

impl AcceptedCodes {
    /// Starts the worker; it counts its batches in `metrics`.
    pub fn start(db: Db, metrics: Arc<Metrics>) -> Self {
        Self(GroupCommit::start(
            MAX_BATCH,
            move |batch: Vec<Acceptance>| {
                let (db, metrics) = (db.clone(), metrics.clone());
                async move {
                    let (size, started) = (batch.len(), Instant::now());
                    let committed = match write_batch(&db, batch).await {
                        Ok(committed) => committed,
                        Err(e) => {
                            tracing::warn!(error = %e, size, "a batch of right codes failed; writing them one by one");
                            false
                        }
                    };
                    metrics.code_batch(size, committed, started.elapsed().as_secs_f64());
                    vec![committed; size]
                }
            },
        ))
    }

    /// Writes `acceptance` with the others waiting; false when its batch
    /// was rolled back (write it alone).
    pub async fn write(&self, acceptance: Acceptance) -> bool {
        self.0.submit(acceptance).await.unwrap_or(false)
    }
}

async fn write_batch(db: &Db, batch: Vec<Acceptance>) -> Result<bool, sqlx::Error> {
    let Some(earliest) = batch.iter().map(|a| a.claim.at).min() else {
        return Ok(true);
    };
    let mut claims = Vec::with_capacity(batch.len());
    let mut accounts = Vec::new();
    let mut keys = Vec::new();
    let mut follow_ups = Vec::with_capacity(batch.len());
    for acceptance in batch {
        claims.push(acceptance.claim);
        match acceptance.cookie_key {
            Some(key) => keys.push(key),
            None => accounts.push(acceptance.account_id),
        }
        follow_ups.push(acceptance.follow_up);
    }
    let mut statements = vec![(
        repo::claim_steps(&claims),
        Changes::Exactly(claims.len() as u64),
    )];
    // A lock that passes between two codes' times counts as still on:
    // that code is checked again alone.
    statements.extend(accounts_repo::clear_all_unless_locked(
        &accounts, &keys, earliest,
    ));
    statements.extend(follow_up_statements(follow_ups));
    db.commit_checked(&statements).await
}

/// What activates the sessions and appends the audit entries of right
/// codes whose steps were claimed; a session gone changes fewer rows than
/// it must (roll back).
pub fn follow_up_statements(follow_ups: Vec<FollowUp>) -> Vec<(Statement, Changes)> {
    let (activations, entries): (Vec<_>, Vec<_>) = follow_ups
        .into_iter()
        .map(|f| (f.activation, f.audit))
        .unzip();
    let activations: Vec<Activation> = activations.into_iter().flatten().collect();
    let mut statements = Vec::new();
    if !activations.is_empty() {
        let activate = accounts_repo::activate_sessions(&activations);
        statements.push((activate, Changes::Exactly(activations.len() as u64)));
    }
    if !entries.is_empty() {
        statements.push((audit::insert_all(&entries), Changes::Any));
    }
    statements
}
