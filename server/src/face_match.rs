//! The `http` face-match adapter: the population registry's biometric
//! verification service (or a gateway in front of it). One POST per selfie:
//!
//! ```text
//! POST <face_match_url>
//! Authorization: Bearer <face_match_token>
//! {"nik": "3201011508900001", "selfie": "<base64 JPEG>"}
//! ```
//!
//! answered `{"score": 0.87}` (similarity in 0..1) or `{"result":
//! "no_record"}`. Anything else (no answer within the timeout, a non-2xx
//! status, a body that is not one of those, a score outside 0..1) is
//! `Unavailable` with a short reason for the verifier, and a log line: it
//! never stops the review.

use std::time::Duration;

use app::platform::face_match::{
    FaceMatchOutcome, FaceMatchRequest, FaceMatcher, MatchFuture, MatchSource,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

pub struct HttpFaceMatcher {
    http: reqwest::Client,
    url: String,
    /// A secret: never logged.
    token: String,
    timeout: Duration,
}

impl HttpFaceMatcher {
    pub fn new(url: &str, token: &str, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would carry the NIK somewhere not configured.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            url: url.to_string(),
            token: token.to_string(),
            timeout,
        })
    }

    async fn ask(&self, request: &FaceMatchRequest) -> FaceMatchOutcome {
        let Some(nik) = &request.nik else {
            // Accounts created before NIKs were sealed, until the signer
            // types the NIK again.
            let why = "NIK akun belum tersimpan untuk layanan ini";
            tracing::warn!(reason = why, "face-match service not asked");
            return FaceMatchOutcome::Unavailable { why: why.into() };
        };
        let body = serde_json::json!({
            "nik": nik,
            "selfie": STANDARD.encode(&request.selfie_jpeg),
        });
        let sent = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) => return self.unreachable(e),
        };
        let status = response.status();
        match response.bytes().await {
            Ok(body) => match parse_answer(status.as_u16(), &body) {
                Ok(outcome) => outcome,
                Err(why) => {
                    tracing::warn!(status = status.as_u16(), reason = %why, "face-match service gave no usable answer");
                    FaceMatchOutcome::Unavailable { why }
                }
            },
            Err(e) => self.unreachable(e),
        }
    }

    /// No answer (timeout, refused connection, broken body).
    fn unreachable(&self, error: reqwest::Error) -> FaceMatchOutcome {
        let why = if error.is_timeout() {
            format!(
                "layanan tidak menjawab dalam {} ms",
                self.timeout.as_millis()
            )
        } else {
            "layanan tidak dapat dihubungi".to_string()
        };
        // Without the URL: it may carry credentials.
        let error = error.without_url();
        tracing::warn!(reason = %why, error = %error, "face-match service not reached");
        FaceMatchOutcome::Unavailable { why }
    }
}

impl FaceMatcher for HttpFaceMatcher {
    fn compare<'a>(&'a self, request: &'a FaceMatchRequest) -> MatchFuture<'a> {
        Box::pin(self.ask(request))
    }

    fn sends_selfie_out(&self) -> bool {
        true
    }
}

#[derive(Deserialize)]
struct Answer {
    score: Option<f64>,
    result: Option<String>,
}

/// The outcome a service's answer means, or a short reason (Indonesian,
/// shown to staff) why it is unusable.
pub fn parse_answer(status: u16, body: &[u8]) -> Result<FaceMatchOutcome, String> {
    if !(200..300).contains(&status) {
        return Err(format!("layanan menjawab HTTP {status}"));
    }
    let answer: Answer = serde_json::from_slice(body)
        .map_err(|_| "jawaban layanan tidak dapat dibaca".to_string())?;
    match (answer.score, answer.result.as_deref()) {
        (Some(value), _) if (0.0..=1.0).contains(&value) => Ok(FaceMatchOutcome::Score {
            value,
            source: MatchSource::BiometricService,
        }),
        (Some(_), _) => Err("skor dari layanan di luar rentang 0–1".into()),
        (None, Some("no_record")) => Ok(FaceMatchOutcome::NoRecord),
        (None, _) => Err("jawaban layanan tidak dapat dibaca".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(status: u16, body: &str) -> Result<FaceMatchOutcome, String> {
        parse_answer(status, body.as_bytes())
    }

    #[test]
    fn scores_in_range_are_read() {
        assert_eq!(
            parse(200, r#"{"score": 0.87}"#),
            Ok(FaceMatchOutcome::Score {
                value: 0.87,
                source: MatchSource::BiometricService
            })
        );
        for edge in ["0", "1", "0.0", "1.0"] {
            assert!(
                matches!(
                    parse(200, &format!(r#"{{"score": {edge}}}"#)),
                    Ok(FaceMatchOutcome::Score { .. })
                ),
                "{edge}"
            );
        }
        // Extra fields a real service adds are ignored.
        assert!(matches!(
            parse(200, r#"{"score": 0.5, "request_id": "abc"}"#),
            Ok(FaceMatchOutcome::Score { .. })
        ));
    }

    #[test]
    fn no_record_is_its_own_outcome() {
        assert_eq!(
            parse(200, r#"{"result": "no_record"}"#),
            Ok(FaceMatchOutcome::NoRecord)
        );
    }

    #[test]
    fn unusable_answers_say_why() {
        assert_eq!(
            parse(200, r#"{"score": 1.2}"#).unwrap_err(),
            "skor dari layanan di luar rentang 0–1"
        );
        assert!(parse(200, r#"{"score": -0.1}"#).is_err());
        for garbage in [
            "",
            "<html>oops</html>",
            r#"{"score": "0.87"}"#,
            r#"{"result": "match"}"#,
            "{}",
            "[0.87]",
        ] {
            assert_eq!(
                parse(200, garbage).unwrap_err(),
                "jawaban layanan tidak dapat dibaca",
                "{garbage}"
            );
        }
        assert_eq!(
            parse(500, r#"{"score": 0.9}"#).unwrap_err(),
            "layanan menjawab HTTP 500"
        );
        assert_eq!(parse(401, "").unwrap_err(), "layanan menjawab HTTP 401");
        assert!(parse(302, "").is_err());
    }
}
