//! Pages that belong to no single capability.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::site::brand;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Tambah Perangkat OTP"</h1>
            <p class="lead">
                "Kehilangan atau mengganti ponsel yang berisi aplikasi Authenticator? Signer dengan akun AMS "
                "berstatus " <strong>"verified"</strong>
                " dapat menambahkan perangkat OTP baru sendiri setelah membuktikan identitas."
            </p>
        </section>
        <section class="steps" aria-labelledby="cara-kerja">
            <h2 id="cara-kerja">"Cara kerjanya"</h2>
            <ol class="step-list">
                <li>
                    <strong>"Ajukan permohonan"</strong>
                    " melalui Helpdesk " {brand()} " atau bot Telegram, kategori “Permohonan OTP”."
                </li>
                <li>
                    <strong>"Cek email dinas Anda"</strong>
                    ": buka tautan “Pengecekan Data Diri” dan ambil swafoto."
                </li>
                <li>
                    <strong>"Tunggu verifikasi petugas"</strong>
                    ", lalu buka tautan “Atur Perangkat OTP” dari email “Perbarui Akun Anda”."
                </li>
                <li>
                    <strong>"Pindai QR Code"</strong>
                    " dengan aplikasi Authenticator, beri nama perangkat, dan masukkan kode OTP."
                </li>
            </ol>
            <p class="note">
                "Satu akun dapat memiliki beberapa perangkat OTP hingga batas maksimal. Jika batas sudah "
                "tercapai, perangkat yang paling lama ditambahkan akan dihapus otomatis."
            </p>
        </section>
        <section class="actions">
            <A href="/helpdesk" attr:class="button button--primary">"Buka Helpdesk"</A>
            <A href="/login" attr:class="button">"Masuk ke akun"</A>
        </section>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Halaman tidak ditemukan" />
        <section class="card narrow">
            <h1>"Halaman tidak ditemukan"</h1>
            <p>"Alamat yang Anda buka tidak ada. Periksa kembali tautannya, atau kembali ke beranda."</p>
            <A href="/" attr:class="button">"Ke beranda"</A>
        </section>
    }
}
