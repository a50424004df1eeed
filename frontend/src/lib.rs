//! The browser half: hydrates the server-rendered page into the live app.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The staff console is a lazily loaded chunk (app::routes): hydrating
    // one of its pages waits for that chunk, so the page is marked live only
    // once the whole tree has hydrated.
    wasm_bindgen_futures::spawn_local(async {
        leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), app::App)
            .await
            .forget();
        // Lets styles and end-to-end tests tell a live page from a static one.
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
