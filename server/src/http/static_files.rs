//! The built assets under `/pkg/`: served precompressed (Brotli or gzip, as
//! the browser accepts) and, when their names carry a content hash, cached
//! for a year without revalidation.

use app::platform::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use leptos::config::LeptosOptions;
use std::path::Path;
use tower_http::services::ServeDir;

/// A hashed name changes with its content, so a cached copy is never stale.
const HASHED: &str = "public, max-age=31536000, immutable";
/// Fixed names (debug builds) change content in place: revalidate each time.
const FIXED: &str = "no-cache";

pub fn router(options: &LeptosOptions) -> Router<AppState> {
    let pkg = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let files = ServeDir::new(pkg).precompressed_br().precompressed_gzip();
    let policy = HeaderValue::from_static(if options.hash_files { HASHED } else { FIXED });
    Router::new().nest_service(
        &format!("/{}", options.site_pkg_dir),
        Router::new()
            .fallback_service(files)
            .layer(middleware::from_fn(move |request: Request, next: Next| {
                let policy = policy.clone();
                async move { cache_found(policy, next.run(request).await) }
            })),
    )
}

/// Only what was found may be cached: a 404 must not stick for a year.
fn cache_found(policy: HeaderValue, mut response: Response) -> Response {
    if response.status().is_success() {
        response.headers_mut().insert(header::CACHE_CONTROL, policy);
    }
    response
}
