//! The script that brings the islands of the server's page to life, loaded
//! when the browser is idle.
//!
//! Leptos' own `HydrationScripts` also puts preload hints for the wasm and its
//! JS glue in the head. Even at low priority the browser fetches them at once,
//! beside the page's own HTML and CSS: on a phone's network the wasm (then
//! 350 KB) competed with the first paint (Lighthouse's simulated LCP went from
//! 1.1 s to 2.8 s). The server's HTML is the whole page, forms included, so
//! the wasm is asked for only once the page has painted and the browser is idle.

use std::collections::HashMap;
use std::path::Path;

use leptos::WasmSplitManifest;
use leptos::nonce::use_nonce;
use leptos::prelude::*;

/// The built files the loader names, read once when the server starts.
#[derive(Clone, Debug)]
pub struct HydrationAssets {
    /// `/pkg/<name>.js`, the wasm-bindgen glue.
    js: String,
    /// `/pkg/<name>.wasm`, the app.
    wasm: String,
    /// Which lazily loaded chunks (the lazy islands) a page needs: with it,
    /// a page asks for its islands' chunks beside the main wasm.
    split_manifest: Option<WasmSplitManifest>,
}

impl HydrationAssets {
    /// The names `cargo leptos build` gave the files: fixed in a debug site,
    /// content-hashed in a release site, whose `hash.txt` lists the hashes.
    pub fn read(options: &LeptosOptions) -> Self {
        let hashes = if options.hash_files {
            std::fs::read_to_string(options.hash_file.as_ref())
                .map(|text| parse_hashes(&text))
                .unwrap_or_else(|error| {
                    tracing::error!(%error, file = %options.hash_file, "the site's hash file is unreadable");
                    HashMap::new()
                })
        } else {
            HashMap::new()
        };
        let hashed = |stem: &str, kind: &str, extension: &str| match hashes.get(kind) {
            Some(hash) => format!("{stem}.{hash}.{extension}"),
            None => format!("{stem}.{extension}"),
        };
        let pkg = format!("/{}", options.site_pkg_dir);
        let name = &options.output_name;
        let manifest_file = Path::new(options.site_root.as_ref())
            .join(options.site_pkg_dir.as_ref())
            .join(hashed("__wasm_split_manifest", "manifest", "json"));
        let split_js = match hashes.get("split") {
            Some(hash) => format!("__wasm_split.{hash}.js"),
            // The placeholder name wasm-split gives the loader before hashing.
            None => "__wasm_split.______________________.js".to_string(),
        };
        let split_manifest = std::fs::read_to_string(manifest_file)
            .ok()
            .and_then(|text| serde_json::from_str::<HashMap<String, Vec<String>>>(&text).ok())
            .map(|chunks| WasmSplitManifest(ArcStoredValue::new((pkg.clone(), chunks, split_js))));
        Self {
            js: format!("{pkg}/{}", hashed(name, "js", "js")),
            wasm: format!("{pkg}/{}", hashed(name, "wasm", "wasm")),
            split_manifest,
        }
    }
}

/// `hash.txt` holds one `kind: hash` line per built file.
fn parse_hashes(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(kind, hash)| (kind.trim().to_string(), hash.trim().to_string()))
        .collect()
}

/// The loader: after the page's load event, at the browser's next idle
/// moment (or after two seconds at the latest, for a page never idle), it
/// starts the wasm and brings each `<leptos-island>` of the page to life
/// (a lazy island first fetches its own chunk), an island before those in
/// its children (a form's password switch inside the form's island). The
/// `data-hydrated` mark lets styles and end-to-end tests tell a live page
/// from a static one.
///
/// A plain form post the server refused comes back to its page with the
/// error in the address (`__path`, `__err`), which the page shows. Once the
/// islands have read it (`frontend`), the address goes back to the page's
/// own: a reload or a bookmark does not show the stale error, and the next
/// post of the form (which returns to this address) does not carry it along.
#[component]
pub fn IdleHydration(assets: HydrationAssets) -> impl IntoView {
    if let Some(manifest) = assets.split_manifest {
        provide_context(manifest);
    }
    let script = format!(
        "const islands = async (node, glue) => {{ for (const el of node.children) {{\
           if (el.localName === 'leptos-island') {{ const live = glue[el.dataset.component]; if (live) await live(el); }}\
           await islands(el, glue); }} }};\
         const hydrate = () => import({js:?}).then(glue => glue.default({{module_or_path: {wasm:?}}})\
           .then(() => {{ glue.hydrate(); return islands(document.body, glue); }}))\
           .then(() => {{\
             const url = new URL(location.href);\
             if (url.searchParams.has('__err')) {{ url.searchParams.delete('__err'); url.searchParams.delete('__path'); url.search = url.searchParams.toString(); history.replaceState(history.state, '', url); }}\
             document.documentElement.setAttribute('data-hydrated', 'true');\
           }});\
         const whenIdle = () => 'requestIdleCallback' in window ? requestIdleCallback(hydrate, {{timeout: 2000}}) : setTimeout(hydrate);\
         document.readyState === 'complete' ? whenIdle() : addEventListener('load', whenIdle, {{once: true}});",
        js = assets.js,
        wasm = assets.wasm,
    );
    view! { <script type="module" nonce=use_nonce()>{script}</script> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(site_root: &Path, hash_file: Option<&Path>) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("tambah-otp")
            .site_root(site_root.display().to_string())
            .hash_files(hash_file.is_some())
            .hash_file(
                hash_file
                    .map(|f| f.display().to_string())
                    .unwrap_or_default()
                    .into(),
            )
            .build()
    }

    /// An empty site folder of this test's own.
    fn site(test: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tpo-hydration-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        dir
    }

    #[test]
    fn a_debug_site_names_its_fixed_files() {
        let site = site("debug");
        let assets = HydrationAssets::read(&options(&site, None));
        assert_eq!(assets.js, "/pkg/tambah-otp.js");
        assert_eq!(assets.wasm, "/pkg/tambah-otp.wasm");
        assert!(assets.split_manifest.is_none());
    }

    #[test]
    fn a_release_site_names_its_hashed_files_and_its_island_chunks() {
        let site = site("release");
        let hash_file = site.join("hash.txt");
        std::fs::write(
            &hash_file,
            "css: c55\njs: j5\nwasm: w4sm\nsplit: sp1\nmanifest: m4n\n",
        )
        .unwrap();
        std::fs::write(
            site.join("pkg/__wasm_split_manifest.m4n.json"),
            r#"{"SelfieCapture": ["split_SelfieCapture.abc"]}"#,
        )
        .unwrap();
        let assets = HydrationAssets::read(&options(&site, Some(&hash_file)));
        assert_eq!(assets.js, "/pkg/tambah-otp.j5.js");
        assert_eq!(assets.wasm, "/pkg/tambah-otp.w4sm.wasm");
        let manifest = assets
            .split_manifest
            .expect("the island's chunk is listed")
            .0;
        let (pkg, chunks, loader) = manifest.get_value();
        assert_eq!(pkg, "/pkg");
        assert_eq!(chunks["SelfieCapture"], ["split_SelfieCapture.abc"]);
        assert_eq!(loader, "__wasm_split.sp1.js");
    }
}
