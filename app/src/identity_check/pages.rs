//! /verifikasi/:token and /verifikasi/terkirim.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::camera::SelfieCapture;
use super::server_fns::verification_page;
use super::types::upload_refusal_message;
use super::views::{FaceMatchView, VerifyPageState, VerifyView};
use crate::format::date_time;
use crate::tickets::pages::LinkProblemNotice;
use crate::tickets::types::TicketNumber;
use crate::ui::controls::ErrorMessage;

#[component]
pub fn VerifyPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let page = Resource::new(token, verification_page);
    view! {
        <Title text="Pengecekan Data Diri" />
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(VerifyPageState::Ready(view)) => view! { <IdentityCheck view /> }.into_any(),
                    Ok(VerifyPageState::Problem(problem)) => view! { <LinkProblemNotice problem /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn IdentityCheck(view: VerifyView) -> impl IntoView {
    let query = use_query_map();
    // Set by the plain-form fallback when the server refused the photo.
    let refused = move || {
        query.with(|q| {
            q.get("galat")
                .and_then(|code| upload_refusal_message(&code))
        })
    };
    view! {
        <section class="card">
            <h1>"Pengecekan Data Diri"</h1>
            <p class="ticket-number">"Tiket " <strong>{format!("#{}", view.ticket_number)}</strong></p>
            <dl class="facts">
                <dt>"Nama"</dt><dd>{view.name_masked}</dd>
                <dt>"Email dinas"</dt><dd>{view.email_masked}</dd>
                <dt>"NIK"</dt><dd>{view.nik_masked}</dd>
            </dl>
            {view.rejection_reason.map(|reason| view! {
                <div class="alert alert--warning" role="status">
                    <p><strong>"Swafoto sebelumnya ditolak petugas."</strong></p>
                    <p>{format!("Alasan: {reason}")}</p>
                </div>
            })}
            <p>
                "Jika data di atas milik Anda, baca dan setujui penggunaan swafoto di bawah, tekan "
                <strong>"Ambil Foto"</strong> " untuk mengambil swafoto, periksa hasilnya, lalu tekan "
                <strong>"Submit"</strong> "."
            </p>
            <ConsentNotice retention_days=view.selfie_retention_days biometric_service=view.biometric_service />
            {move || refused().map(|error| view! { <p class="alert alert--error" role="alert">{error}</p> })}
            <SelfieCapture upload_path=view.upload_path />
            <p class="hint">{format!("Tautan ini berlaku sampai {}.", date_time(view.expires_at))}</p>
        </section>
    }
}

/// What the signer agrees to before the camera opens (UU PDP: a face photo
/// is biometric, specific personal data): what the photo is for, who sees
/// it, how long it is kept, and their rights. The checkbox itself is part
/// of [`SelfieCapture`], which keeps the camera shut until it is ticked.
#[component]
fn ConsentNotice(retention_days: i64, biometric_service: bool) -> impl IntoView {
    let kept = if retention_days == 0 {
        "Swafoto dihapus otomatis segera setelah tiket ini selesai atau ditutup.".to_string()
    } else {
        format!(
            "Swafoto dihapus otomatis {retention_days} hari setelah tiket ini selesai atau ditutup."
        )
    };
    view! {
        <section class="consent" aria-labelledby="persetujuan-swafoto" data-testid="consent-notice">
            <h2 id="persetujuan-swafoto">"Persetujuan penggunaan swafoto"</h2>
            <p>
                "Swafoto adalah data biometrik, yang menurut Undang-Undang Pelindungan Data Pribadi "
                "termasuk data pribadi yang bersifat spesifik. Kamera baru dibuka setelah Anda menyetujui hal berikut."
            </p>
            <dl class="facts consent__facts">
                <dt>"Untuk apa"</dt>
                <dd>
                    "Swafoto dibandingkan dengan foto registrasi Anda untuk memastikan bahwa benar Anda "
                    "yang mengajukan permohonan, sebelum perangkat OTP baru ditambahkan ke akun Anda."
                </dd>
                <dt>"Siapa yang melihat"</dt>
                <dd>
                    "Hanya petugas verifikator dan admin helpdesk. "
                    {biometric_service.then_some(
                        "Untuk perbandingan, swafoto beserta NIK Anda juga dikirim ke layanan verifikasi biometrik. "
                    )}
                    "Swafoto tidak dibagikan kepada pihak lain."
                </dd>
                <dt>"Berapa lama disimpan"</dt>
                <dd data-testid="consent-retention">
                    {kept}
                    " Catatan keputusan petugas (tanpa foto) tetap disimpan."
                </dd>
                <dt>"Hak Anda"</dt>
                <dd>
                    "Anda dapat menarik persetujuan dengan tidak mengirim swafoto: hapus centang atau tutup "
                    "halaman ini sebelum menekan Submit. Untuk pertanyaan, akses, atau penghapusan data Anda, "
                    "hubungi " <A href="/helpdesk">"Helpdesk"</A> " (kategori Pertanyaan Umum)."
                </dd>
            </dl>
        </section>
    }
}

#[component]
pub fn SelfieSubmittedPage() -> impl IntoView {
    let query = use_query_map();
    let number = move || query.with(|q| q.get("nomor").and_then(|n| TicketNumber::parse(&n).ok()));
    view! {
        <Title text="Swafoto terkirim" />
        <section class="card">
            <h1>"Swafoto terkirim"</h1>
            {move || number().map(|n| view! { <p class="ticket-number">"Tiket " <strong>{format!("#{n}")}</strong></p> })}
            <p>
                "Petugas kami akan memeriksa swafoto Anda. Hasilnya dikirim ke email dinas Anda: jika disetujui, "
                "email “Perbarui Akun Anda” berisi tautan " <strong>"Atur Perangkat OTP"</strong> "."
            </p>
            <p><A href="/tiket">"Cek status tiket"</A></p>
        </section>
    }
}

/// The face-match outcome of a selfie, as one entry of the review card's
/// facts list (`<dl>`). The score informs; the verifier decides.
#[component]
pub fn FaceMatchSummary(outcome: FaceMatchView) -> impl IntoView {
    let (kind, text, hint) = match outcome {
        FaceMatchView::Score {
            percent,
            source_label,
            band,
        } => (
            band.label().replace(' ', "-"),
            format!("{percent}% ({}) · {source_label}", band.label()),
            Some("Skor hanya membantu; keputusan tetap pada petugas.".to_string()),
        ),
        FaceMatchView::NoRecord => (
            "no-record".to_string(),
            "Tidak ada data di layanan biometrik".to_string(),
            None,
        ),
        FaceMatchView::Unavailable { why } => (
            "unavailable".to_string(),
            "Skor tidak tersedia".to_string(),
            (!why.is_empty()).then_some(why),
        ),
        FaceMatchView::NothingToCompare => (
            "none".to_string(),
            "Tidak ada pembanding (layanan pencocokan wajah tidak diatur)".to_string(),
            None,
        ),
        FaceMatchView::Pending => (
            "pending".to_string(),
            "Skor sedang dihitung".to_string(),
            Some("Muat ulang halaman sebentar lagi.".to_string()),
        ),
    };
    view! {
        <dt>"Pencocokan wajah"</dt>
        <dd class=format!("face-match face-match--{kind}") data-testid="face-match">
            <span>{text}</span>
            {hint.map(|hint| view! { " " <span class="hint">{hint}</span> })}
        </dd>
    }
}
