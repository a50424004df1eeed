//! The port to a face-match service: "how alike are this selfie and the
//! real person?". It lives down here so that [`super::state::Services`] can
//! hold the configured adapter; what the answer means (bands, storing it
//! once per selfie, showing it) is `identity_check::face_match`. Adapters:
//! [`NoFaceMatcher`] (nothing configured) here, the population registry's
//! HTTP service in the `server` crate.

use std::future::Future;
use std::pin::Pin;

use crate::text_enum::text_enum;

/// What one comparison is given. The NIK is the clear digits: the registry
/// finds its own photo of the person by it. Never log it.
pub struct FaceMatchRequest {
    /// `None` when the account holds no sealed NIK (created before NIKs
    /// were sealed, and the signer has not typed it since).
    pub nik: Option<String>,
    /// The selfie as stored: re-encoded JPEG without metadata.
    pub selfie_jpeg: Vec<u8>,
    /// The account's reference photo, if it has one.
    pub reference_jpeg: Option<Vec<u8>>,
}

impl std::fmt::Debug for FaceMatchRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceMatchRequest")
            .field("nik", &self.nik.as_ref().map(|_| "…"))
            .field("selfie_bytes", &self.selfie_jpeg.len())
            .field(
                "reference_bytes",
                &self.reference_jpeg.as_ref().map(Vec::len),
            )
            .finish()
    }
}

/// Who computed a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchSource {
    /// The biometric verification service reached over HTTP (the
    /// population registry's, or one in front of it).
    BiometricService,
}

text_enum!(MatchSource {
    BiometricService => "biometric_service",
});

impl MatchSource {
    pub fn label(self) -> &'static str {
        match self {
            MatchSource::BiometricService => "Layanan verifikasi biometrik",
        }
    }
}

/// The answer of one comparison. None of them is an error: a service that
/// is down leaves the verifier without a score, never without the review.
#[derive(Debug, Clone, PartialEq)]
pub enum FaceMatchOutcome {
    /// Similarity in 0..=1 (checked by the adapter).
    Score { value: f64, source: MatchSource },
    /// The service has no photo of this NIK.
    NoRecord,
    /// No answer that can be used; `why` is short and shown to staff.
    Unavailable { why: String },
    /// No service is configured: there is nothing to compare with.
    NothingToCompare,
}

pub type MatchFuture<'a> = Pin<Box<dyn Future<Output = FaceMatchOutcome> + Send + 'a>>;

/// A face-match adapter. Implementations never fail: every problem is
/// [`FaceMatchOutcome::Unavailable`], and they bound their own waiting.
pub trait FaceMatcher: Send + Sync {
    fn compare<'a>(&'a self, request: &'a FaceMatchRequest) -> MatchFuture<'a>;

    /// Whether a comparison sends the selfie (and the NIK) to a service
    /// outside this one: the consent notice on the identity-check page says
    /// so when it does.
    fn sends_selfie_out(&self) -> bool;
}

/// The `none` adapter (the default): nothing to compare with.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFaceMatcher;

impl FaceMatcher for NoFaceMatcher {
    fn compare<'a>(&'a self, _request: &'a FaceMatchRequest) -> MatchFuture<'a> {
        Box::pin(std::future::ready(FaceMatchOutcome::NothingToCompare))
    }

    fn sends_selfie_out(&self) -> bool {
        false
    }
}
