//! A local server that speaks the Bot API's JSON (the one stand-in the
//! project allows: Telegram cannot be reached from here). It queues updates
//! for getUpdates with real offset semantics, records every call, and counts
//! how many getUpdates calls ever overlapped.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use serde_json::{Value, json};

#[derive(Default)]
struct Inner {
    updates: VecDeque<Value>,
    calls: Vec<(String, Value)>,
    polls_now: usize,
    most_polls_at_once: usize,
}

#[derive(Clone, Default)]
pub struct FakeTelegram {
    inner: Arc<Mutex<Inner>>,
    pub base: String,
}

async fn method(
    State(fake): State<FakeTelegram>,
    Path((_bot, method)): Path<(String, String)>,
    body: Option<Json<Value>>,
) -> Json<Value> {
    let body = body.map(|Json(v)| v).unwrap_or_default();
    let method = method.to_ascii_lowercase();
    if method == "getupdates" {
        let offset = body["offset"].as_i64().unwrap_or(0);
        {
            let mut inner = fake.inner.lock().unwrap();
            inner.polls_now += 1;
            inner.most_polls_at_once = inner.most_polls_at_once.max(inner.polls_now);
            // An offset acknowledges every update before it.
            inner
                .updates
                .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
        }
        let mut result = Vec::new();
        for _ in 0..10 {
            result = fake.inner.lock().unwrap().updates.iter().cloned().collect();
            if !result.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        fake.inner.lock().unwrap().polls_now -= 1;
        return Json(json!({ "ok": true, "result": result }));
    }
    fake.inner
        .lock()
        .unwrap()
        .calls
        .push((method.clone(), body));
    let result = if method == "sendmessage" {
        json!({ "message_id": 1 })
    } else {
        json!(true)
    };
    Json(json!({ "ok": true, "result": result }))
}

impl FakeTelegram {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let fake = FakeTelegram {
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..Default::default()
        };
        let router = Router::new()
            .route("/{bot}/{method}", post(method))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        fake
    }

    pub fn push(&self, update: Value) {
        self.inner.lock().unwrap().updates.push_back(update);
    }

    pub fn calls(&self, method: &str) -> Vec<Value> {
        let method = method.to_ascii_lowercase();
        self.inner
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|(m, _)| *m == method)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Texts sent to a chat, in order.
    pub fn texts(&self, chat_id: i64) -> Vec<String> {
        self.calls("sendMessage")
            .into_iter()
            .filter(|m| m["chat_id"].as_i64() == Some(chat_id))
            .map(|m| m["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Waits (up to 10 s) until the chat received a text containing `part`.
    pub async fn wait_for_text(&self, chat_id: i64, part: &str) -> String {
        for _ in 0..200 {
            if let Some(text) = self.texts(chat_id).into_iter().find(|t| t.contains(part)) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "chat {chat_id} never received {part:?}; got {:?}",
            self.texts(chat_id)
        );
    }

    pub fn most_polls_at_once(&self) -> usize {
        self.inner.lock().unwrap().most_polls_at_once
    }
}

pub fn text(update_id: i64, chat_id: i64, text: &str) -> Value {
    json!({ "update_id": update_id, "message": {
        "message_id": update_id * 10, "chat": { "id": chat_id, "type": "private" }, "text": text
    }})
}

pub fn button(update_id: i64, chat_id: i64, data: &str) -> Value {
    json!({ "update_id": update_id, "callback_query": {
        "id": format!("cb{update_id}"), "data": data,
        "message": { "message_id": 1, "chat": { "id": chat_id, "type": "private" } }
    }})
}
