//! Page pieces shared by the "Atur Perangkat OTP" page and the logged-in
//! "add a device" page: the scan step (QR code, manual key, open-in-app),
//! the 30-second countdown, and the notice that a device was added.

use leptos::prelude::*;

use super::types::{STEP_SECONDS, seconds_left_in_step};
use super::views::{AddedDeviceView, EnrollmentView};
use crate::format::date;
use crate::time::UnixTime;
use crate::ui::controls::CopyButton;

#[component]
pub fn ScanStep(enrollment: EnrollmentView) -> impl IntoView {
    let key = enrollment.manual_key.replace(' ', "");
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
                <CopyButton text=key label="Salin kunci" />
                <p class="hint">
                    {format!("Nama akun: {}. Penerbit: {}.", enrollment.account_label, enrollment.issuer)}
                </p>
            </details>
        </div>
        <CodeCountdown server_time=enrollment.server_time />
    }
}

/// The 30-second ring next to the code field: it tells the signer how long
/// the code in their app stays valid. The page carries the server's time;
/// the browser keeps the offset to its own clock, so a phone whose clock is
/// off still sees the server's periods.
#[island]
pub fn CodeCountdown(server_time: UnixTime) -> impl IntoView {
    let (seconds_left, set_seconds_left) = signal(seconds_left_in_step(server_time));
    #[cfg(feature = "hydrate")]
    {
        let offset = server_time.secs() as f64 - js_sys::Date::now() / 1000.0;
        let tick = move || {
            let server_now = (js_sys::Date::now() / 1000.0 + offset).floor() as i64;
            set_seconds_left.set(seconds_left_in_step(UnixTime::from_secs(server_now)));
        };
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_millis(250)) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_seconds_left;
    let circumference = 100.0;
    view! {
        <div class="countdown" role="timer" aria-label="Sisa waktu kode OTP saat ini">
            <svg class="countdown__ring" viewBox="0 0 36 36" aria-hidden="true">
                <circle class="countdown__track" cx="18" cy="18" r="15.9155" />
                <circle
                    class="countdown__progress"
                    class:countdown__progress--low=move || seconds_left.get() <= 5
                    cx="18"
                    cy="18"
                    r="15.9155"
                    stroke-dasharray=circumference.to_string()
                    stroke-dashoffset=move || {
                        (circumference * (1.0 - seconds_left.get() as f64 / STEP_SECONDS as f64)).to_string()
                    }
                />
            </svg>
            <span class="countdown__text">
                <span class="countdown__seconds">{move || seconds_left.get()}</span>
                " detik lagi kode berganti"
            </span>
        </div>
    }
}

/// "Penambahan perangkat OTP selesai dilakukan", naming any device removed to stay within the limit.
#[component]
pub fn AddedDeviceNotice(
    added: AddedDeviceView,
    #[prop(into)] next_href: String,
    #[prop(into)] next_label: String,
) -> impl IntoView {
    view! {
        <div class="alert alert--success" role="status">
            <p><strong>"Penambahan perangkat OTP selesai dilakukan."</strong></p>
            <p>{format!("Perangkat “{}” sekarang dapat dipakai untuk masuk.", added.name)}</p>
            {added.evicted.into_iter().map(|old| view! {
                <p class="evicted">
                    {format!(
                        "Karena batas jumlah perangkat tercapai, perangkat paling lama “{}” (ditambahkan {}) telah dihapus otomatis.",
                        old.name, date(old.added_at)
                    )}
                </p>
            }).collect_view()}
        </div>
        <a href=next_href class="button button--primary">{next_label}</a>
    }
}
