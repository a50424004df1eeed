//! Every request gets an id: the `X-Request-Id` a trusted proxy sent (when
//! it is a sane token), or a fresh one. It is returned in the response's
//! `X-Request-Id` and carried by a tracing span, so every log line written
//! while the request is handled names it.

use app::platform::crypto::random_bytes;
use app::platform::net::TrustedProxies;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use tracing::Instrument;

const HEADER: &str = "x-request-id";

/// What an incoming id may be: 1 to 64 of `A-Z a-z 0-9 - _ . :` (UUIDs,
/// ULIDs and the usual proxy formats); anything else is replaced.
fn sane(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn fresh() -> String {
    hex::encode(random_bytes::<12>())
}

pub async fn assign(
    State(proxies): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    let from_proxy = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| proxies.trusts(peer.ip()));
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| from_proxy && sane(id))
        .map_or_else(fresh, str::to_string);
    let value = HeaderValue::from_str(&id).expect("a sane id is a header value");
    request.headers_mut().insert(HEADER, value.clone());
    let span = tracing::info_span!("request", id = %id);
    let mut response = next.run(request).instrument(span).await;
    response.headers_mut().insert(HEADER, value);
    response
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;
    use crate::telemetry::captured::capture;

    /// A request from `peer` through the middleware to a handler that logs.
    async fn call(proxies: &str, peer: &str, incoming: Option<&str>) -> (String, String) {
        let (log, _guard) = capture();
        let proxies = TrustedProxies::parse(proxies).unwrap();
        let router = Router::new()
            .route(
                "/",
                get(|| async {
                    tracing::info!("handling the request");
                    "ok"
                }),
            )
            .layer(axum::middleware::from_fn_with_state(proxies, assign));
        let mut request = http::Request::builder().uri("/");
        if let Some(id) = incoming {
            request = request.header(HEADER, id);
        }
        let mut request = request.body(Body::empty()).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        let response = router.oneshot(request).await.unwrap();
        let id = response.headers()[HEADER].to_str().unwrap().to_string();
        (id, log.text())
    }

    #[tokio::test]
    async fn the_id_is_in_the_answer_and_in_every_log_line_of_the_request() {
        let (id, log) = call("", "203.0.113.7:4000", None).await;
        assert_eq!(id.len(), 24, "{id}");
        let line = log
            .lines()
            .find(|l| l.contains("handling the request"))
            .unwrap();
        assert!(line.contains(&format!("request{{id={id}}}")), "{line}");
    }

    #[tokio::test]
    async fn an_incoming_id_is_kept_only_from_a_trusted_proxy_and_only_when_sane() {
        let proxy = "10.0.0.1:4000";
        let (id, log) = call("10.0.0.0/8", proxy, Some("lb-7f3a.42")).await;
        assert_eq!(id, "lb-7f3a.42");
        assert!(log.contains("request{id=lb-7f3a.42}"), "{log}");
        let (id, _) = call("", proxy, Some("lb-7f3a.42")).await;
        assert_ne!(id, "lb-7f3a.42", "a client cannot choose its id");
        let (id, _) = call("10.0.0.0/8", proxy, Some("x\" \" y")).await;
        assert_eq!(id.len(), 24, "replaced: {id}");
    }

    #[test]
    fn only_short_plain_tokens_are_kept() {
        assert!(sane("3f9a1c2e-77b1-4c1e-9a55-0e4b1f2a3b4c"));
        assert!(sane("01JD8X3Q2M7Z:web.1_a"));
        assert!(!sane(""));
        assert!(!sane(&"a".repeat(65)));
        for bad in ["a b", "a\"b", "<script>", "a\u{0}b", "ä"] {
            assert!(!sane(bad), "{bad:?}");
        }
        assert!(sane(&fresh()) && fresh() != fresh());
    }
}
