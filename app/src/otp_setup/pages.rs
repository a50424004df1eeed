//! /otp/atur/:token, the page of the source document: 1) install an
//! authenticator app, 2) scan the QR code, 3) name the device and enter a code.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::server_fns::{CompleteOtpSetup, RevealOtpSetup, otp_setup_page};
use super::views::{SetupPageState, SetupView};
use crate::format::{date, date_time};
use crate::otp_devices::pages::AddedDeviceNotice;
use crate::otp_devices::pages::ScanStep;
use crate::tickets::pages::LinkProblemNotice;
use crate::ui::controls::{ErrorMessage, OtpCodeInput, action_error};
use crate::ui::in_place::{InPlaceForm, refusal};

/// Authenticator apps with their store pages (Android, iOS).
const APPS: [(&str, &str, &str); 3] = [
    (
        "Google Authenticator",
        "https://play.google.com/store/apps/details?id=com.google.android.apps.authenticator2",
        "https://apps.apple.com/app/google-authenticator/id388497605",
    ),
    (
        "Microsoft Authenticator",
        "https://play.google.com/store/apps/details?id=com.azure.authenticator",
        "https://apps.apple.com/app/microsoft-authenticator/id983156458",
    ),
    (
        "FreeOTP",
        "https://play.google.com/store/apps/details?id=org.fedorahosted.freeotp",
        "https://apps.apple.com/app/freeotp-authenticator/id872559395",
    ),
];

#[component]
pub fn OtpSetupPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let reveal = ServerAction::<RevealOtpSetup>::new();
    let page = Resource::new(token, otp_setup_page);
    view! {
        <Title text="Pengaturan OTP" />
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(SetupPageState::Ready(view)) => view! { <SetupSteps view token=token() reveal /> }.into_any(),
                    Ok(SetupPageState::Completed(added)) => view! {
                        <section class="card">
                            <h1>"Pengaturan OTP"</h1>
                            <AddedDeviceNotice added next_href="/login" next_label="Masuk ke akun" />
                        </section>
                    }.into_any(),
                    Ok(SetupPageState::Problem(problem)) => view! { <LinkProblemNotice problem /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SetupSteps(
    view: SetupView,
    token: String,
    reveal: ServerAction<RevealOtpSetup>,
) -> impl IntoView {
    let eviction_warning = view.would_evict.map(|oldest| {
        view! {
            <p class="alert alert--warning" role="status">
                {format!(
                    "Akun Anda sudah memiliki {} perangkat OTP (batas maksimal). Setelah perangkat baru ditambahkan, \
                     perangkat paling lama “{}” (ditambahkan {}) akan dihapus otomatis.",
                    view.device_count, oldest.name, date(oldest.added_at)
                )}
            </p>
        }
    });
    view! {
        <section class="card">
            <h1>"Pengaturan OTP"</h1>
            <p>{format!("Tiket #{} · {}", view.ticket_number, view.email_masked)}</p>
            {eviction_warning}
            <ol class="setup-steps">
                <li>
                    <h2>"Instal aplikasi Authenticator"</h2>
                    <p>"Instal salah satu aplikasi berikut pada ponsel Anda:"</p>
                    <ul class="store-links">
                        {APPS.iter().map(|(name, android, ios)| view! {
                            <li>
                                <strong>{*name}</strong>
                                " · " <a href=*android rel="noopener noreferrer" target="_blank">"Android"</a>
                                " · " <a href=*ios rel="noopener noreferrer" target="_blank">"iPhone"</a>
                            </li>
                        }).collect_view()}
                    </ul>
                </li>
                <li>
                    <h2>"Pindai QR Code"</h2>
                    <p>"Buka aplikasi, pilih tambah akun atau pindai kode QR, lalu arahkan kamera ke QR Code berikut. "
                       "Membuka halaman ini di ponsel yang sama? Tekan “Buka di aplikasi Authenticator” atau ketik kuncinya."</p>
                    {match view.enrollment {
                        Some(enrollment) => view! { <ScanStep enrollment /> }.into_any(),
                        None => view! { <RevealForm token=token.clone() reveal /> }.into_any(),
                    }}
                </li>
                <li>
                    <h2>"Masukkan kode OTP"</h2>
                    <p>"Berikan nama perangkat yang mudah Anda kenali, lalu masukkan kode OTP 6 angka dari aplikasi dan tekan Kirim."</p>
                    <CompleteForm token />
                    <p class="hint">
                        "Kode OTP berubah setiap 30 detik. Jika kode dinyatakan INVALID, pindai ulang QR Code lalu "
                        "masukkan kode yang baru."
                    </p>
                </li>
            </ol>
            <p class="hint">{format!("Tautan ini berlaku sampai {} dan hanya dapat dipakai satu kali.", date_time(view.expires_at))}</p>
        </section>
    }
}

/// The device's name and a code; a refused code keeps the name typed, an
/// accepted one brings the page that says the device was added.
#[component]
fn CompleteForm(token: String) -> impl IntoView {
    let complete = ServerAction::<CompleteOtpSetup>::new();
    view! {
        <InPlaceForm alert_id="galat-atur" refused=refusal(complete)>
            <ActionForm action=complete attr:class="form">
                <input type="hidden" name="token" value=token />
                <label for="nama-perangkat">"Nama Perangkat *"</label>
                <input id="nama-perangkat" name="name" maxlength="64" placeholder="Hp Jackie 2606" autocomplete="off" required aria-describedby="galat-atur" />
                <label for="kode-otp">"Kode OTP *"</label>
                <OtpCodeInput id="kode-otp" described_by="galat-atur" />
                <button type="submit" class="button button--primary">"Kirim"</button>
            </ActionForm>
        </InPlaceForm>
    }
}

/// The button that shows the QR code: a POST, so a mail scanner that opens
/// the link sees no secret. Without JavaScript the form's POST returns to
/// this page, which then shows the QR code.
#[component]
fn RevealForm(token: String, reveal: ServerAction<RevealOtpSetup>) -> impl IntoView {
    view! {
        {action_error(reveal)}
        <ActionForm action=reveal attr:class="form reveal-form">
            <input type="hidden" name="token" value=token />
            <button type="submit" class="button button--primary">"Tampilkan kode QR"</button>
        </ActionForm>
        <p class="hint">
            "Kode QR dan kunci hanya ditampilkan setelah Anda menekan tombol ini, "
            "agar tidak terbaca oleh pemindai tautan di kotak surat."
        </p>
    }
}
