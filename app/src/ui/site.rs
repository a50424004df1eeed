//! The brand ("BSrE" unless configured). The server knows it from its
//! settings and writes it into the document's `application-name` meta tag;
//! the browser reads it back from there, so both render the same text.

pub const DEFAULT_BRAND: &str = "BSrE";

pub fn brand() -> String {
    // Route discovery at start-up renders the app without any state.
    #[cfg(feature = "ssr")]
    if let Some(state) = leptos::prelude::use_context::<crate::platform::state::AppState>() {
        return state.services.settings.brand.clone();
    }
    #[cfg(feature = "hydrate")]
    if let Some(brand) = brand_from_document() {
        return brand;
    }
    DEFAULT_BRAND.to_string()
}

#[cfg(feature = "hydrate")]
fn brand_from_document() -> Option<String> {
    leptos::prelude::document()
        .query_selector("meta[name=application-name]")
        .ok()
        .flatten()?
        .get_attribute("content")
}
