//! The face-match check of a selfie: once per selfie, right after the upload
//! (in the background, so a slow service never slows the signer), asks the
//! configured adapter how alike the selfie and the real person are, and
//! stores the answer on the selfie's row. The verifier sees it as a score
//! with a plain-language band; it informs and never approves anything.
//!
//! The port itself (the `FaceMatcher` trait and its request and outcome)
//! lives in `platform::face_match`, below `platform::state::Services` that
//! holds the configured adapter; it is re-exported here.

use std::sync::Arc;

use super::repo::{self, SelfieRow, StoreMatch};
use super::types::{FaceMatchBand, MatchOutcomeKind};
use super::views::FaceMatchView;
use crate::accounts::repo as accounts_repo;
use crate::accounts::service::open_nik;
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::ids::SelfieId;
use crate::platform::state::Services;

use crate::time::UnixTime;
use crate::tunables::Tunables;

pub use crate::platform::face_match::{
    FaceMatchOutcome, FaceMatchRequest, FaceMatcher, MatchFuture, MatchSource, NoFaceMatcher,
};

/// A pending selfie without an outcome this long after its upload lost its
/// background check (a crash or restart): the review queue runs it then.
/// Longer than any sensible service timeout, so the two rarely overlap (and
/// if they do, the first stored outcome wins).
pub const LOST_AFTER_SECONDS: i64 = 60;

/// The band of a score in 0..=1: "cocok" at or above `accept`, "tidak
/// cocok" below `doubt`, "ragu" in between.
pub fn band(value: f64, accept: f64, doubt: f64) -> FaceMatchBand {
    if value >= accept {
        FaceMatchBand::Match
    } else if value >= doubt {
        FaceMatchBand::Doubt
    } else {
        FaceMatchBand::NoMatch
    }
}

/// The outcome stored on a selfie's row, if any (a row that says "score"
/// without a score or source reads as unavailable rather than failing).
pub fn stored_outcome(row: &SelfieRow) -> Option<FaceMatchOutcome> {
    Some(match row.match_outcome? {
        MatchOutcomeKind::Score => match (row.match_score, row.match_source) {
            (Some(value), Some(source)) => FaceMatchOutcome::Score { value, source },
            _ => FaceMatchOutcome::Unavailable {
                why: "skor tersimpan tidak lengkap".into(),
            },
        },
        MatchOutcomeKind::NoRecord => FaceMatchOutcome::NoRecord,
        MatchOutcomeKind::Unavailable => FaceMatchOutcome::Unavailable {
            why: row.match_note.clone().unwrap_or_default(),
        },
        MatchOutcomeKind::NothingToCompare => FaceMatchOutcome::NothingToCompare,
    })
}

/// What the verifier reads; `None` is a check still running.
pub fn view(outcome: Option<&FaceMatchOutcome>, tunables: &Tunables) -> FaceMatchView {
    match outcome {
        None => FaceMatchView::Pending,
        Some(FaceMatchOutcome::Score { value, source }) => FaceMatchView::Score {
            percent: (value.clamp(0.0, 1.0) * 100.0).floor() as u8,
            source_label: source.label().into(),
            band: band(
                *value,
                tunables.face_match_accept,
                tunables.face_match_doubt,
            ),
        },
        Some(FaceMatchOutcome::NoRecord) => FaceMatchView::NoRecord,
        Some(FaceMatchOutcome::Unavailable { why }) => {
            FaceMatchView::Unavailable { why: why.clone() }
        }
        Some(FaceMatchOutcome::NothingToCompare) => FaceMatchView::NothingToCompare,
    }
}

/// Runs the check of one selfie unless it has an outcome already, and
/// returns the stored outcome. `None` when the selfie is gone or its image
/// was deleted.
pub async fn match_selfie(
    svc: &Services,
    selfie_id: &SelfieId,
) -> Result<Option<FaceMatchOutcome>, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let Some(row) = repo::find(&mut conn, selfie_id).await? else {
        return Ok(None);
    };
    if let Some(done) = stored_outcome(&row) {
        return Ok(Some(done));
    }
    let Some((selfie_jpeg, account_id, ticket_id)) = repo::image(&mut conn, selfie_id).await?
    else {
        return Ok(None);
    };
    let nik = accounts_repo::nik_sealed(&mut conn, &account_id)
        .await?
        .and_then(|sealed| open_nik(svc, &account_id, &sealed));
    let reference_jpeg = repo::reference_image(&mut conn, &account_id).await?;
    // Never hold a pooled connection while waiting on another service.
    drop(conn);
    let request = FaceMatchRequest {
        nik,
        selfie_jpeg,
        reference_jpeg,
    };
    let outcome = svc.face_matcher.compare(&request).await;
    drop(request);
    let (kind, score, source, note) = match &outcome {
        FaceMatchOutcome::Score { value, source } => {
            (MatchOutcomeKind::Score, Some(*value), Some(*source), None)
        }
        FaceMatchOutcome::NoRecord => (MatchOutcomeKind::NoRecord, None, None, None),
        FaceMatchOutcome::Unavailable { why } => (
            MatchOutcomeKind::Unavailable,
            None,
            None,
            Some(why.as_str()),
        ),
        FaceMatchOutcome::NothingToCompare => {
            (MatchOutcomeKind::NothingToCompare, None, None, None)
        }
    };
    let now = svc.now();
    let mut tx = svc.db.begin_write().await?;
    let stored = repo::store_match(
        &mut tx,
        selfie_id,
        StoreMatch {
            outcome: kind,
            score,
            source,
            note,
        },
        now,
    )
    .await?;
    if !stored {
        // Another process (the upload's task or a queue view) was first.
        drop(tx);
        let mut conn = svc.db.pool().acquire().await?;
        return Ok(repo::find(&mut conn, selfie_id)
            .await?
            .as_ref()
            .and_then(stored_outcome));
    }
    // Data left the system only when a service was asked.
    if kind != MatchOutcomeKind::NothingToCompare {
        let event = AuditEvent::SelfieFaceMatched {
            selfie_id: selfie_id.clone(),
            outcome: kind.as_str().to_string(),
        };
        let entry = AuditEntry::new(Actor::System, event)
            .subject(&account_id)
            .ticket(&ticket_id);
        audit::record(&mut tx, entry, None, now).await?;
    }
    tx.commit().await?;
    Ok(Some(outcome))
}

/// Starts the check of a freshly stored selfie without waiting for it.
pub fn spawn_match(svc: Arc<Services>, selfie_id: SelfieId) {
    tokio::spawn(async move {
        if let Err(e) = match_selfie(&svc, &selfie_id).await {
            tracing::warn!(selfie = %selfie_id, error = %e, "face match of a selfie not stored");
        }
    });
}

/// Runs, all at once, the checks of pending selfies whose background check
/// was lost ([`LOST_AFTER_SECONDS`] after the upload without an outcome),
/// so the review queue shows them; younger ones are left to their task.
pub async fn recover_lost(svc: &Arc<Services>, now: UnixTime) -> Result<(), sqlx::Error> {
    let lost = {
        let mut conn = svc.db.pool().acquire().await?;
        repo::without_match(&mut conn, now - LOST_AFTER_SECONDS).await?
    };
    let mut running = tokio::task::JoinSet::new();
    for selfie_id in lost {
        let svc = svc.clone();
        running.spawn(async move { match_selfie(&svc, &selfie_id).await });
    }
    while let Some(done) = running.join_next().await {
        match done {
            Ok(result) => {
                result?;
            }
            Err(e) => tracing::warn!(error = %e, "a face-match check did not finish"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_thresholds_inclusively_at_the_bottom() {
        let (accept, doubt) = (0.80, 0.60);
        assert_eq!(band(1.0, accept, doubt), FaceMatchBand::Match);
        assert_eq!(band(0.80, accept, doubt), FaceMatchBand::Match);
        assert_eq!(band(0.7999, accept, doubt), FaceMatchBand::Doubt);
        assert_eq!(band(0.60, accept, doubt), FaceMatchBand::Doubt);
        assert_eq!(band(0.5999, accept, doubt), FaceMatchBand::NoMatch);
        assert_eq!(band(0.0, accept, doubt), FaceMatchBand::NoMatch);
        assert_eq!(FaceMatchBand::Match.label(), "cocok");
        assert_eq!(FaceMatchBand::Doubt.label(), "ragu");
        assert_eq!(FaceMatchBand::NoMatch.label(), "tidak cocok");
    }

    #[test]
    fn equal_thresholds_leave_no_doubt_band() {
        assert_eq!(band(0.75, 0.75, 0.75), FaceMatchBand::Match);
        assert_eq!(band(0.74, 0.75, 0.75), FaceMatchBand::NoMatch);
    }

    #[test]
    fn outcome_kinds_are_stored_as_text() {
        for kind in MatchOutcomeKind::ALL {
            assert_eq!(MatchOutcomeKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(MatchOutcomeKind::parse("approved"), None);
        assert_eq!(
            MatchSource::parse("biometric_service"),
            Some(MatchSource::BiometricService)
        );
    }

    #[test]
    fn percentages_never_read_above_their_band() {
        let tunables = Tunables::default();
        let score = |value| FaceMatchOutcome::Score {
            value,
            source: MatchSource::BiometricService,
        };
        assert_eq!(
            view(Some(&score(0.7999)), &tunables),
            FaceMatchView::Score {
                percent: 79,
                source_label: "Layanan verifikasi biometrik".into(),
                band: FaceMatchBand::Doubt,
            }
        );
        assert!(matches!(
            view(Some(&score(1.0)), &tunables),
            FaceMatchView::Score {
                percent: 100,
                band: FaceMatchBand::Match,
                ..
            }
        ));
        assert_eq!(view(None, &tunables), FaceMatchView::Pending);
        assert_eq!(
            view(Some(&FaceMatchOutcome::NothingToCompare), &tunables),
            FaceMatchView::NothingToCompare
        );
    }
}
