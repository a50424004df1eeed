//! The browser half: hydrates the server-rendered page into the live app.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The page marks itself `data-hydrated` once its own lazily loaded code
    // has hydrated it (app::routes). Lazy routes need hydrate_lazy.
    leptos::mount::hydrate_lazy(app::App);
}
