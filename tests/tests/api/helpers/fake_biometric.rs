//! A local stand-in for the population registry's biometric verification
//! service (the `http` face-match adapter's other end). It checks what a
//! real service would refuse (the bearer token, the JSON shape, a JPEG in
//! base64), records every call, and answers per NIK as the test says: a
//! score, no record, too late, a 500, garbage, or a score out of range.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

pub const TOKEN: &str = "token-uji-biometrik";

/// How the fake answers for one NIK (unknown NIKs: no record).
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Score(f64),
    NoRecord,
    /// A good score, but only after this long.
    Late(Duration),
    ServerError,
    /// 200 with a body that is not JSON.
    Garbage,
    /// 200 with `{"score": 1.7}`.
    OutOfRange,
}

/// One request the fake accepted (right token, right shape).
#[derive(Debug, Clone)]
pub struct Call {
    pub nik: String,
    pub selfie: Vec<u8>,
}

#[derive(Default)]
struct Inner {
    answers: HashMap<String, Answer>,
    calls: Vec<Call>,
    /// Requests refused for a wrong token or shape, with the reason.
    refused: Vec<String>,
}

#[derive(Clone)]
pub struct FakeBiometric {
    inner: Arc<Mutex<Inner>>,
    pub url: String,
}

/// What the face-match adapter is configured with in a test.
#[derive(Debug, Clone)]
pub struct FaceMatchService {
    pub url: String,
    pub token: String,
    pub timeout_ms: u64,
}

impl FakeBiometric {
    pub async fn start(answers: &[(&str, Answer)]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let fake = FakeBiometric {
            inner: Arc::default(),
            url: format!("http://{}/v1/face-match", listener.local_addr().unwrap()),
        };
        fake.inner.lock().unwrap().answers = answers
            .iter()
            .map(|(nik, answer)| (nik.to_string(), *answer))
            .collect();
        let router = Router::new()
            .route("/v1/face-match", post(compare))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        fake
    }

    /// The configuration that points the app at this fake.
    pub fn service(&self, timeout_ms: u64) -> FaceMatchService {
        FaceMatchService {
            url: self.url.clone(),
            token: TOKEN.into(),
            timeout_ms,
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    pub fn refused(&self) -> Vec<String> {
        self.inner.lock().unwrap().refused.clone()
    }
}

/// Why a request is not one the real service would take, if it is not.
fn shape_problem(headers: &HeaderMap, body: &[u8]) -> Result<Call, String> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if authorization != Some(&format!("Bearer {TOKEN}")) {
        return Err(format!("authorization {authorization:?}"));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/json") {
        return Err(format!("content type {content_type:?}"));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let fields = value.as_object().ok_or("not an object")?;
    let mut keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if keys != ["nik", "selfie"] {
        return Err(format!("fields {keys:?}"));
    }
    let nik = value["nik"].as_str().ok_or("nik is not text")?;
    if nik.len() != 16 || !nik.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("nik {nik:?} is not 16 digits"));
    }
    let selfie = data_encoding::BASE64
        .decode(
            value["selfie"]
                .as_str()
                .ok_or("selfie is not text")?
                .as_bytes(),
        )
        .map_err(|e| format!("selfie is not base64: {e}"))?;
    if !selfie.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err("selfie is not a JPEG".into());
    }
    Ok(Call {
        nik: nik.to_string(),
        selfie,
    })
}

async fn compare(State(fake): State<FakeBiometric>, headers: HeaderMap, body: Bytes) -> Response {
    let call = match shape_problem(&headers, &body) {
        Ok(call) => call,
        Err(problem) => {
            let status = if problem.starts_with("authorization") {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            fake.inner.lock().unwrap().refused.push(problem.clone());
            return (status, problem).into_response();
        }
    };
    let answer = {
        let mut inner = fake.inner.lock().unwrap();
        let answer = inner
            .answers
            .get(&call.nik)
            .copied()
            .unwrap_or(Answer::NoRecord);
        inner.calls.push(call);
        answer
    };
    let json_body = |value: Value| {
        (
            [(header::CONTENT_TYPE, "application/json")],
            value.to_string(),
        )
            .into_response()
    };
    match answer {
        Answer::Score(score) => json_body(json!({ "score": score })),
        Answer::NoRecord => json_body(json!({ "result": "no_record" })),
        Answer::Late(delay) => {
            tokio::time::sleep(delay).await;
            json_body(json!({ "score": 0.99 }))
        }
        Answer::ServerError => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
        Answer::Garbage => "<html>Gateway sedang sibuk</html>".into_response(),
        Answer::OutOfRange => json_body(json!({ "score": 1.7 })),
    }
}
