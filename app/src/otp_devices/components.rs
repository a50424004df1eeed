//! The enrollment panel shared by the "Atur Perangkat OTP" page and the
//! logged-in "add a device" page: scan the QR code (or type the key, or open
//! the app directly on a phone), then name the device and enter a code.

use leptos::prelude::*;

use super::views::EnrollmentView;
use crate::ui::countdown::CodeCountdown;

#[component]
pub fn ScanStep(enrollment: EnrollmentView) -> impl IntoView {
    let key = enrollment.manual_key.clone();
    let (copied, set_copied) = signal(false);
    let copy_key = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let key = key.replace(' ', "");
            let clipboard = window().navigator().clipboard();
            let promise = clipboard.write_text(&key);
            leptos::task::spawn_local(async move {
                if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                    set_copied.set(true);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&key, set_copied);
    };
    view! {
        <div class="scan">
            <figure class="qr" aria-label="QR Code untuk aplikasi Authenticator">
                <div class="qr__image" inner_html=enrollment.qr_svg.clone()></div>
                <figcaption>{format!("{} · {}", enrollment.issuer, enrollment.account_label)}</figcaption>
            </figure>
            <a class="button button--primary open-in-app" href=enrollment.otpauth_uri.clone()>
                "Buka di aplikasi Authenticator"
            </a>
            <details class="manual-key">
                <summary>"Tidak bisa memindai?"</summary>
                <p>
                    "Di aplikasi Authenticator pilih “Masukkan kunci penyiapan” (enter a setup key), "
                    "pilih jenis “Berbasis waktu”, lalu ketik kunci berikut:"
                </p>
                <p class="manual-key__value">
                    <code data-testid="manual-key">{enrollment.manual_key.clone()}</code>
                </p>
                <button type="button" class="button button--small" on:click=copy_key>
                    {move || if copied.get() { "Tersalin" } else { "Salin kunci" }}
                </button>
                <p class="hint">
                    {format!("Nama akun: {}. Penerbit: {}.", enrollment.account_label, enrollment.issuer)}
                </p>
            </details>
        </div>
        <CodeCountdown server_time=enrollment.server_time />
    }
}
