//! The browser half: the page arrives whole from the server; this brings its
//! islands (the few parts that react in the browser) to life.

use leptos::prelude::provide_context;
use leptos::server::ServerActionError;

// Each island of `app` is an export of this module, called by the loader
// (`app::ui::hydration`) for each `<leptos-island>` on the page.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    provide_refused_post();
}

/// A plain form post the server refused comes back with its error in the
/// address, and the server rendered the page with it: an island's action
/// starts with that error too, as on the server (what leptos_router does
/// for a wholly hydrated app).
fn provide_refused_post() {
    let Ok(search) = leptos::prelude::window().location().search() else {
        return;
    };
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return;
    };
    if let (Some(path), Some(error)) = (params.get("__path"), params.get("__err")) {
        provide_context(ServerActionError::new(&path, &error));
    }
}
