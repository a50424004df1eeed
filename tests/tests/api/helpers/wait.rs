//! Waiting for what the server does in the background: a condition polled
//! every few milliseconds under one overall deadline, never a fixed sleep.
//! To show that something did *not* happen, wait for a later event that is
//! ordered after it (an update recorded as handled, an outbox drained, a
//! later message received), then assert the absence.

use std::fmt::Display;
use std::time::Duration;

use tokio::time::Instant;

/// How long a test waits for background work before it fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

const INTERVAL: Duration = Duration::from_millis(20);

/// Polls `check` until it gives a value, for at most [`DEADLINE`]; then
/// fails naming `what` it waited for.
pub async fn wait_for<T>(what: impl Display, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if Instant::now() >= deadline {
            panic!("gave up after {DEADLINE:?} waiting for {what}");
        }
        tokio::time::sleep(INTERVAL).await;
    }
}

/// Polls `check` until it holds, for at most [`DEADLINE`].
pub async fn wait_until(what: impl Display, mut check: impl AsyncFnMut() -> bool) {
    wait_for(what, async || check().await.then_some(())).await
}
