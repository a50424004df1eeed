//! Who is asking: client address, user agent and cookies of the current
//! request, read from the context leptos_axum provides.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use http::HeaderValue;
use http::header::{COOKIE, SET_COOKIE, USER_AGENT};
use http::request::Parts;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use super::net::TrustedProxies;
use super::state::Settings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: IpAddr,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The client of a request: the socket peer, or when that is a trusted
    /// proxy, the nearest `X-Forwarded-For` hop that is not one
    /// (see [`TrustedProxies::client`]).
    pub fn from_parts(parts: &Parts, trusted_proxies: &TrustedProxies) -> Self {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| {
                let forwarded_for = parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok());
                trusted_proxies.client(addr.ip(), forwarded_for)
            });
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(300).collect());
        Self {
            ip: peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            user_agent,
        }
    }

    /// For server functions: the current request's client.
    pub fn current(settings: &Settings) -> Self {
        use_context::<Parts>()
            .map(|parts| Self::from_parts(&parts, &settings.trusted_proxies))
            .unwrap_or(Self {
                ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                user_agent: None,
            })
    }
}

/// A cookie of the current request (inside a server function or page).
pub fn cookie(name: &str) -> Option<String> {
    cookie_in(&use_context::<Parts>()?.headers, name)
}

/// A cookie among request headers (plain axum handlers).
pub fn cookie_in(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// A cookie's name, `__Host-` prefixed where the site runs on https:
/// browsers keep such a cookie only if it is `Secure`, for the whole site and
/// without `Domain`, so no other host (a sibling subdomain) can plant or
/// overwrite it. Browsers refuse the prefix on plain http, so local
/// development on loopback uses the plain name.
#[derive(Debug, Clone, Copy)]
pub struct CookieName {
    pub plain: &'static str,
    pub host_only: &'static str,
}

impl CookieName {
    pub fn on(self, settings: &Settings) -> &'static str {
        if settings.secure_cookies {
            self.host_only
        } else {
            self.plain
        }
    }
}

/// Sets (or with `max_age` 0, removes) an HttpOnly cookie on the response.
pub fn set_cookie(name: &str, value: &str, max_age: i64, settings: &Settings) {
    let secure = if settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let header =
        format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    if let (Some(response), Ok(header)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&header),
    ) {
        response.append_header(SET_COOKIE, header);
    }
}

/// The per-response CSP nonce, put in the request extensions by the
/// security-headers middleware, which also names it in the policy.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// Makes the middleware's nonce the one Leptos puts on its inline scripts.
pub fn provide_csp_nonce() {
    let nonce =
        use_context::<Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(value)) = nonce {
        leptos::prelude::provide_context(leptos::nonce::Nonce::from_value(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)], peer: &str) -> Parts {
        let mut builder = http::Request::builder();
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let (mut parts, _) = builder.body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        parts
    }

    #[test]
    fn forwarded_for_is_used_only_from_a_trusted_proxy() {
        let p = parts(
            &[
                ("x-forwarded-for", "1.2.3.4, 203.0.113.9"),
                ("x-forwarded-for", "10.0.0.2"),
            ],
            "10.0.0.1:5000",
        );
        let none = TrustedProxies::default();
        assert_eq!(ClientInfo::from_parts(&p, &none).ip.to_string(), "10.0.0.1");
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            ClientInfo::from_parts(&p, &proxies).ip.to_string(),
            "203.0.113.9"
        );
    }

    #[test]
    fn user_agent_is_truncated() {
        let long = "x".repeat(1000);
        let p = parts(&[("user-agent", &long)], "127.0.0.1:1");
        assert_eq!(
            ClientInfo::from_parts(&p, &TrustedProxies::default())
                .user_agent
                .unwrap()
                .len(),
            300
        );
    }
}
