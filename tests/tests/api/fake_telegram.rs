//! A local server that speaks the Bot API's JSON (the one stand-in the
//! project allows: Telegram cannot be reached from here). It queues updates
//! for getUpdates with real offset semantics, records every call, and counts
//! how many getUpdates calls ever overlapped. Waiting on it is event driven:
//! every pushed update and every recorded call wakes the waiters.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::{Instant, timeout_at};

use crate::helpers::DEADLINE;

/// How long an empty getUpdates call waits for an update (a short long poll).
const LONG_POLL: Duration = Duration::from_millis(300);

#[derive(Default)]
struct Inner {
    updates: VecDeque<Value>,
    /// Delivered once more whatever the offset says (a lost acknowledgement).
    redeliveries: VecDeque<Value>,
    calls: Vec<(String, Value)>,
    polls_now: usize,
    most_polls_at_once: usize,
}

#[derive(Clone)]
pub struct FakeTelegram {
    inner: Arc<Mutex<Inner>>,
    /// Bumped on every pushed update and every recorded call.
    changed: Arc<watch::Sender<u64>>,
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
        let mut changes = fake.changed.subscribe();
        {
            let mut inner = fake.inner.lock().unwrap();
            inner.polls_now += 1;
            inner.most_polls_at_once = inner.most_polls_at_once.max(inner.polls_now);
            // An offset acknowledges every update before it.
            inner
                .updates
                .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
        }
        fake.record(&method, body);
        // A long poll: answer as soon as there is an update, or empty after a while.
        let deadline = Instant::now() + LONG_POLL;
        let result = loop {
            let result: Vec<Value> = {
                let mut inner = fake.inner.lock().unwrap();
                let again: Vec<Value> = inner.redeliveries.drain(..).collect();
                again
                    .into_iter()
                    .chain(inner.updates.iter().cloned())
                    .collect()
            };
            if !result.is_empty()
                || !matches!(timeout_at(deadline, changes.changed()).await, Ok(Ok(())))
            {
                break result;
            }
        };
        fake.inner.lock().unwrap().polls_now -= 1;
        return Json(json!({ "ok": true, "result": result }));
    }
    fake.record(&method, body);
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
            inner: Arc::default(),
            changed: Arc::new(watch::Sender::new(0)),
            base: format!("http://{}", listener.local_addr().unwrap()),
        };
        let router = Router::new()
            .route("/{bot}/{method}", post(method))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        fake
    }

    pub fn push(&self, update: Value) {
        self.inner.lock().unwrap().updates.push_back(update);
        self.changed.send_modify(|n| *n += 1);
    }

    /// Delivers an update that was already acknowledged once more, as
    /// Telegram does when the acknowledgement was lost.
    pub fn redeliver(&self, update: Value) {
        self.inner.lock().unwrap().redeliveries.push_back(update);
        self.changed.send_modify(|n| *n += 1);
    }

    /// Redelivered updates not yet handed to a poller.
    pub fn redeliveries_pending(&self) -> usize {
        self.inner.lock().unwrap().redeliveries.len()
    }

    fn record(&self, method: &str, body: Value) {
        self.inner
            .lock()
            .unwrap()
            .calls
            .push((method.to_string(), body));
        self.changed.send_modify(|n| *n += 1);
    }

    /// Waits (up to [`DEADLINE`]) until `check` finds what it looks for in
    /// the fake's state, woken by every change instead of polling.
    async fn wait_for<T>(&self, what: &str, mut check: impl FnMut(&Self) -> Option<T>) -> T {
        let deadline = Instant::now() + DEADLINE;
        let mut changes = self.changed.subscribe();
        loop {
            if let Some(found) = check(self) {
                return found;
            }
            if !matches!(timeout_at(deadline, changes.changed()).await, Ok(Ok(()))) {
                panic!("gave up after {DEADLINE:?} waiting for {what}");
            }
        }
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

    /// Waits until the chat received a text containing `part`.
    pub async fn wait_for_text(&self, chat_id: i64, part: &str) -> String {
        self.wait_for(&format!("chat {chat_id} to receive {part:?}"), |fake| {
            fake.texts(chat_id).into_iter().find(|t| t.contains(part))
        })
        .await
    }

    /// Waits until the chat received at least `count` texts; returns them all.
    pub async fn wait_for_texts(&self, chat_id: i64, count: usize) -> Vec<String> {
        self.wait_for(
            &format!("chat {chat_id} to receive {count} texts"),
            |fake| Some(fake.texts(chat_id)).filter(|texts| texts.len() >= count),
        )
        .await
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
