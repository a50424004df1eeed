//! The HTTP surface: Leptos pages and server functions, health probes,
//! static files, and the middleware every response passes through.

mod admin_gate;
mod api_status;
pub mod api_v1;
mod audit_export;
mod health;
mod metrics;
mod path_text;
mod reference_photos;
mod request_id;
mod security;
mod selfies;
mod signer_import;
pub mod staff_gate;
mod static_files;

use app::platform::state::AppState;
use app::ui::hydration::HydrationAssets;
use app::{App, shell};
use axum::Extension;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Router, middleware};
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::sync::OnceLock;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::telegram::webhook::{self, WebhookSecret};

/// The page routes, generated once per process. Generating them sets a
/// process-wide flag in Leptos that stops every resource from loading; done
/// again while another server in the process renders pages (tests start many),
/// those pages would wait forever.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole site; with `telegram_webhook` (webhook mode) also the bot's endpoint.
pub fn router(state: AppState, telegram_webhook: Option<WebhookSecret>) -> Router {
    let routes = route_list();
    let hydration = HydrationAssets::read(&state.leptos_options);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let origin = security::AllowedOrigin::new(&state.services.settings.public_base_url);
    let mut router = Router::new();
    if let Some(secret) = telegram_webhook {
        router = router.route(
            webhook::PATH,
            post(webhook::receive).layer(Extension(secret)),
        );
    }
    router
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::scrape))
        .merge(api_v1::router())
        .merge(selfies::router())
        .merge(audit_export::router())
        .merge(signer_import::router())
        .merge(reference_photos::router())
        .merge(static_files::router(&state.leptos_options))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            let hydration = hydration.clone();
            move || shell((*options).clone(), hydration.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, move |options| {
            shell(options, hydration.clone())
        }))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            staff_gate::staff_only,
        ))
        .layer(middleware::from_fn(api_status::status_from_error))
        .layer(middleware::from_fn_with_state(
            origin,
            security::same_origin_only,
        ))
        .layer(middleware::from_fn_with_state(
            state.services.settings.secure_cookies,
            security::headers,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::count,
        ))
        .layer(middleware::from_fn_with_state(
            state.services.settings.trusted_proxies.clone(),
            request_id::assign,
        ))
        .with_state(state)
}

/// A bug must not take the connection down or show internals: log it, answer
/// with a plain Indonesian page.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    let error = app::error::internal(format_args!("panic while handling a request: {detail}"));
    let body = format!(
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>Gangguan</title></head>\
         <body><h1>Terjadi gangguan</h1><p>{error}</p><p><a href=\"/\">Kembali ke beranda</a></p></body></html>"
    );
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}
