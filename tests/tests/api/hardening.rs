//! Hardening: who the client is behind proxies, the master key's checks at
//! start, the session cookie's name, what the mail folder logs.

use reqwest::StatusCode;

use crate::helpers::{Backend, Options, TestApp, spawn_app_with};
use crate::on_both_backends;

/// A wrong password from the client a proxy says it forwards for.
async fn login_via(app: &TestApp, forwarded_for: Option<&str>) -> StatusCode {
    let mut request = app
        .client()
        .post(app.url("/api/login/password"))
        .form(&[("email", "tamu@kominfo.go.id"), ("password", "salah")]);
    if let Some(value) = forwarded_for {
        request = request.header("x-forwarded-for", value);
    }
    request
        .send()
        .await
        .expect("POST /api/login/password")
        .status()
}

async fn budgets_follow_the_client_a_trusted_proxy_names(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            rate_limit_per_minute: 2,
            trusted_proxies: "127.0.0.0/8".into(),
            ..Default::default()
        },
    )
    .await;
    let refused = StatusCode::TOO_MANY_REQUESTS;
    for _ in 0..2 {
        assert_eq!(
            login_via(&app, Some("198.51.100.7")).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(login_via(&app, Some("198.51.100.7")).await, refused);
    // Forging a first hop through the proxy gets the proxy's view.
    assert_eq!(
        login_via(&app, Some("203.0.113.1, 198.51.100.7")).await,
        refused
    );
    assert_eq!(
        login_via(&app, Some("198.51.100.8")).await,
        StatusCode::UNAUTHORIZED,
        "another client has its own budget"
    );
    // One IPv6 /64 is one client; the next /64 is another.
    for _ in 0..2 {
        assert_eq!(
            login_via(&app, Some("2001:db8:1:2::1")).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(login_via(&app, Some("2001:db8:1:2:ffff::9")).await, refused);
    assert_eq!(
        login_via(&app, Some("2001:db8:1:3::1")).await,
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

async fn forwarded_for_is_ignored_without_trusted_proxies(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            rate_limit_per_minute: 2,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        login_via(&app, Some("198.51.100.1")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_via(&app, Some("198.51.100.2")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_via(&app, Some("198.51.100.3")).await,
        StatusCode::TOO_MANY_REQUESTS,
        "every forged address is the one peer"
    );
    app.stop().await;
}

on_both_backends!(
    budgets_follow_the_client_a_trusted_proxy_names,
    forwarded_for_is_ignored_without_trusted_proxies,
);
