//! Header and footer around every page.

use leptos::prelude::*;
use leptos_router::components::A;

use super::site::brand;

#[component]
pub fn Header() -> impl IntoView {
    let (menu_open, set_menu_open) = signal(false);
    let close_menu = move |_| set_menu_open.set(false);
    view! {
        <a class="skip-link" href="#isi">"Lewati ke isi halaman"</a>
        <header class="site-header">
            <div class="site-header__bar">
                <A href="/" attr:class="brand">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    <span class="brand__name">{brand()}</span>
                    <span class="brand__product">"Tambah Perangkat OTP"</span>
                </A>
                <button
                    type="button"
                    class="menu-toggle"
                    aria-controls="navigasi-utama"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| set_menu_open.update(|open| *open = !*open)
                >
                    {move || if menu_open.get() { "Tutup" } else { "Menu" }}
                </button>
            </div>
            <nav
                id="navigasi-utama"
                class="site-nav"
                class:site-nav--open=move || menu_open.get()
                aria-label="Navigasi utama"
            >
                <A href="/helpdesk" on:click=close_menu>"Helpdesk"</A>
                <A href="/login" on:click=close_menu>"Masuk"</A>
                <A href="/akun" on:click=close_menu>"Akun Saya"</A>
            </nav>
        </header>
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
