//! Header and footer around every page.

use leptos::prelude::*;
use leptos_router::components::A;

use super::site::brand;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <a class="skip-link" href="#isi">"Lewati ke isi halaman"</a>
        <header class="site-header">
            <div class="site-header__bar">
                <A href="/" attr:class="brand">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    <span class="brand__name">{brand()}</span>
                    <span class="brand__product">"Tambah Perangkat OTP"</span>
                </A>
                <MenuToggle />
            </div>
            <nav id=NAV_ID class="site-nav" aria-label="Navigasi utama">
                <A href="/helpdesk">"Helpdesk"</A>
                <A href="/login">"Masuk"</A>
                <A href="/akun">"Akun Saya"</A>
            </nav>
        </header>
    }
}

const NAV_ID: &str = "navigasi-utama";

/// "Menu" on a phone: shows or hides the navigation, which the server
/// renders (with the current page marked) outside this island.
#[island]
fn MenuToggle() -> impl IntoView {
    let (menu_open, set_menu_open) = signal(false);
    let toggle = move |_| {
        let open = !menu_open.get_untracked();
        set_menu_open.set(open);
        #[cfg(feature = "hydrate")]
        if let Some(nav) = document().get_element_by_id(NAV_ID) {
            let _ = nav.class_list().toggle_with_force("site-nav--open", open);
        }
    };
    view! {
        <button
            type="button"
            class="menu-toggle"
            aria-controls=NAV_ID
            aria-expanded=move || menu_open.get().to_string()
            on:click=toggle
        >
            {move || if menu_open.get() { "Tutup" } else { "Menu" }}
        </button>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>
                {format!("Helpdesk {} · ", brand())}
                "Petugas kami tidak pernah meminta kata sandi atau kode OTP Anda."
            </p>
        </footer>
    }
}
