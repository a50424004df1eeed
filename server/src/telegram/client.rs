//! The Bot API over HTTPS: `<base>/bot<token>/<method>` with JSON bodies.
//! The base URL is configurable so tests can point it at a local server.

use std::time::Duration;

use app::telegram::types::{ApiResponse, Update};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub struct BotApi {
    http: reqwest::Client,
    /// `<base>/bot<token>`: a secret, never logged.
    endpoint: String,
}

#[derive(Debug)]
pub enum CallError {
    /// Telegram asks to wait (429).
    RetryAfter(i64),
    /// Refused for good (bad request, message gone, bot blocked, bad token).
    Rejected(String),
    /// No answer: network or server trouble; try again later.
    Unreachable(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::RetryAfter(s) => write!(f, "rate limited for {s} s"),
            Self::Rejected(d) => write!(f, "rejected: {d}"),
            Self::Unreachable(d) => write!(f, "unreachable: {d}"),
        }
    }
}

impl BotApi {
    pub fn new(api_base: &str, token: &str) -> Self {
        Self {
            // Longer than the long-poll timeout.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(40))
                .build()
                .expect("HTTP client"),
            endpoint: format!("{}/bot{token}", api_base.trim_end_matches('/')),
        }
    }

    async fn post<T: DeserializeOwned>(
        &self,
        method: &str,
        payload: &Value,
    ) -> Result<T, CallError> {
        let response = self
            .http
            .post(format!("{}/{method}", self.endpoint))
            .json(payload)
            .send()
            .await
            // Without the URL: it contains the token.
            .map_err(|e| CallError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        let answer: ApiResponse<T> = response
            .json()
            .await
            .map_err(|e| CallError::Unreachable(format!("{status}: {}", e.without_url())))?;
        match (answer.ok, answer.result) {
            (true, Some(result)) => Ok(result),
            _ if status.as_u16() == 429 => Err(CallError::RetryAfter(
                answer.parameters.and_then(|p| p.retry_after).unwrap_or(5),
            )),
            _ if status.is_server_error() => Err(CallError::Unreachable(status.to_string())),
            _ => Err(CallError::Rejected(
                answer.description.unwrap_or_else(|| status.to_string()),
            )),
        }
    }

    /// Long-polls for updates from `offset` (which also acknowledges the earlier ones).
    pub async fn get_updates(
        &self,
        offset: i64,
        timeout_seconds: u64,
    ) -> Result<Vec<Update>, CallError> {
        let payload = json!({
            "offset": offset,
            "timeout": timeout_seconds,
            "allowed_updates": ["message", "callback_query"],
        });
        self.post("getUpdates", &payload).await
    }

    pub async fn call(&self, method: &str, payload: &Value) -> Result<(), CallError> {
        self.post::<Value>(method, payload).await.map(drop)
    }
}
