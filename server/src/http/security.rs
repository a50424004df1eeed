//! Response headers and the same-origin rule for state-changing requests.

use app::platform::crypto::random_bytes;
use app::platform::request::CspNonce;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Security headers on every response, with a fresh CSP nonce that the
/// page's inline hydration script carries.
pub async fn headers(State(https): State<bool>, mut request: Request, next: Next) -> Response {
    let nonce = STANDARD.encode(random_bytes::<16>());
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let is_favicon = request.uri().path() == "/favicon.svg";
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let has_cache_control = headers.contains_key(header::CACHE_CONTROL);
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set("content-security-policy", &csp);
    set("x-frame-options", "DENY");
    set("x-content-type-options", "nosniff");
    // Same-origin only: link tokens in page URLs never leave the site, while
    // plain form posts still find their way back to the page they came from.
    set("referrer-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(self), microphone=(), geolocation=(), payment=()",
    );
    set("cross-origin-opener-policy", "same-origin");
    if https {
        set(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    if !has_cache_control {
        // Pages carry personal data. Built assets set their own policy
        // (static_files); the icon keeps a fixed name, so a day at most.
        set(
            "cache-control",
            if is_favicon {
                "public, max-age=86400"
            } else {
                "no-store"
            },
        );
    }
    response
}

/// The site's own origin, as browsers send it in `Origin`.
#[derive(Clone)]
pub struct AllowedOrigin(String);

impl AllowedOrigin {
    pub fn new(public_base_url: &str) -> Self {
        let without_path = match public_base_url.find("://") {
            Some(i) => match public_base_url[i + 3..].find('/') {
                Some(j) => &public_base_url[..i + 3 + j],
                None => public_base_url,
            },
            None => public_base_url,
        };
        Self(without_path.to_ascii_lowercase())
    }
}

/// Leptos server functions have no CSRF protection of their own: a browser
/// request that changes state must come from this site. Browsers say where a
/// request comes from (`Sec-Fetch-Site`, `Origin`); requests from other
/// programs carry neither and are not a cross-site risk.
pub async fn same_origin_only(
    State(allowed): State<AllowedOrigin>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let allowed_here = is_same_origin(request.headers(), &allowed);
    if allowed_here {
        next.run(request).await
    } else {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site state-changing request");
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            Body::from("Permintaan ditolak: permintaan ini tidak berasal dari situs ini."),
        )
            .into_response()
    }
}

fn is_same_origin(headers: &axum::http::HeaderMap, allowed: &AllowedOrigin) -> bool {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
    };
    match (text("sec-fetch-site"), text("origin")) {
        (Some(site), _) => site == "same-origin" || site == "none",
        (None, Some(origin)) => {
            origin == allowed.0
                || text("host").is_some_and(|host| {
                    origin == format!("http://{host}") || origin == format!("https://{host}")
                })
        }
        (None, None) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_origin_drops_the_path() {
        assert_eq!(
            AllowedOrigin::new("https://otp.bsre.go.id/app").0,
            "https://otp.bsre.go.id"
        );
        assert_eq!(
            AllowedOrigin::new("http://127.0.0.1:3000").0,
            "http://127.0.0.1:3000"
        );
    }

    fn headers(pairs: &[(&'static str, &str)]) -> axum::http::HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (axum::http::HeaderName::from_static(k), v.parse().unwrap()))
            .collect()
    }

    #[test]
    fn browsers_must_come_from_this_site() {
        let site = AllowedOrigin::new("https://otp.bsre.go.id");
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &site
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &site
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            &site
        ));
        assert!(is_same_origin(
            &headers(&[("origin", "https://otp.bsre.go.id")]),
            &site
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "https://evil.example")]),
            &site
        ));
        assert!(!is_same_origin(&headers(&[("origin", "null")]), &site));
        assert!(is_same_origin(
            &headers(&[
                ("origin", "http://10.0.0.5:3000"),
                ("host", "10.0.0.5:3000")
            ]),
            &site
        ));
        assert!(
            is_same_origin(&headers(&[]), &site),
            "programs without browser headers"
        );
    }
}
