//! /helpdesk and /helpdesk/terkirim.

use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::server_fns::{HelpdeskCheck, HelpdeskReset, HelpdeskSubmit, helpdesk_state};
use crate::tickets::types::{Category, TicketNumber};
use crate::ui::controls::ErrorMessage;
use crate::ui::in_place::{InPlaceForm, refusal};
use crate::ui::site::brand;

#[component]
pub fn HelpdeskPage() -> impl IntoView {
    let check = ServerAction::<HelpdeskCheck>::new();
    let reset = ServerAction::<HelpdeskReset>::new();
    let state = Resource::new(|| (), |_| helpdesk_state());
    view! {
        <Title text="Helpdesk" />
        <section class="card">
            <h1>{format!("Helpdesk {}", brand())}</h1>
            <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(state) => match state.checked_email {
                            None => view! {
                                <p>"Masukkan email dinas yang terdaftar di AMS, lalu tekan Periksa."</p>
                                <InPlaceForm alert_id="galat-periksa" refused=refusal(check)>
                                    <ActionForm action=check attr:class="form">
                                        <label for="email">"Email dinas"</label>
                                        <input id="email" name="email" type="email" inputmode="email" autocomplete="email" required aria-describedby="galat-periksa" />
                                        <button type="submit" class="button button--primary">"Periksa"</button>
                                    </ActionForm>
                                </InPlaceForm>
                            }.into_any(),
                            Some(email) => view! {
                                <div class="checked-email">
                                    <p>"Email dinas: " <strong data-testid="checked-email">{email}</strong></p>
                                    <ActionForm action=reset attr:class="form form--inline">
                                        <button type="submit" class="button button--link">"Ganti email"</button>
                                    </ActionForm>
                                </div>
                                <RequestForm />
                            }.into_any(),
                        },
                        Err(error) => view! { <ErrorMessage error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <p class="note">
            "Sudah punya nomor tiket? " <A href="/tiket">"Cek status tiket"</A> "."
        </p>
    }
}

/// The request; a refused one keeps what was typed.
#[component]
fn RequestForm() -> impl IntoView {
    let submit = ServerAction::<HelpdeskSubmit>::new();
    view! {
        <InPlaceForm alert_id="galat-permohonan" refused=refusal(submit)>
            <ActionForm action=submit attr:class="form">
                <CategoryFields />
                <button type="submit" class="button button--primary">"Kirim"</button>
            </ActionForm>
        </InPlaceForm>
    }
}

/// The category and the fields it asks for. Without JavaScript both field
/// groups stay visible; once the page is live, only the chosen category's
/// fields are shown.
#[island]
fn CategoryFields() -> impl IntoView {
    let (category, set_category) = signal(Category::OtpRequest.as_str().to_string());
    let (live, set_live) = signal(false);
    let select = NodeRef::<html::Select>::new();
    Effect::new(move |_| {
        // A category chosen before the page came alive counts.
        if let Some(select) = select.get_untracked() {
            set_category.set(select.value());
        }
        set_live.set(true);
    });
    let hide_unless =
        move |wanted: Category| move || live.get() && category.get() != wanted.as_str();
    view! {
        <label for="kategori">"Kategori"</label>
        <select id="kategori" name="category" node_ref=select on:change=move |ev| set_category.set(event_target_value(&ev))>
            <option value=Category::OtpRequest.as_str() selected>{Category::OtpRequest.label()}</option>
            <option value=Category::GeneralQuestion.as_str()>{Category::GeneralQuestion.label()}</option>
        </select>
        <fieldset class="fieldset" class:is-hidden=hide_unless(Category::OtpRequest)>
            <legend>"Data akun AMS (untuk Permohonan OTP)"</legend>
            <p class="hint">
                "Nama lengkap dan NIK harus sama dengan data akun AMS Anda. Setelah Anda menekan Kirim, "
                "kami mengirim tautan Pengecekan Data Diri ke email dinas di atas."
            </p>
            <label for="nama">"Nama lengkap"</label>
            <input id="nama" name="full_name" autocomplete="name" maxlength="100" aria-describedby="galat-permohonan" />
            <label for="nik">"NIK"</label>
            <input id="nik" name="nik" inputmode="numeric" autocomplete="off" maxlength="19" placeholder="16 angka sesuai KTP"
                aria-describedby="galat-permohonan" />
        </fieldset>
        <fieldset class="fieldset" class:is-hidden=hide_unless(Category::GeneralQuestion)>
            <legend>"Pertanyaan (untuk Pertanyaan Umum)"</legend>
            <label for="pesan">"Pesan"</label>
            <textarea id="pesan" name="message" rows="5" maxlength="2000" aria-describedby="galat-permohonan"></textarea>
        </fieldset>
    }
}

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let query = use_query_map();
    let number = move || query.with(|q| q.get("nomor").and_then(|n| TicketNumber::parse(&n).ok()));
    let category = move || query.with(|q| q.get("kategori").and_then(|c| Category::parse(&c)));
    let state = Resource::new(|| (), |_| helpdesk_state());
    view! {
        <Title text="Permohonan terkirim" />
        <section class="card">
            {move || match number() {
                None => view! {
                    <h1>"Nomor tiket tidak dikenal"</h1>
                    <p><A href="/helpdesk">"Kembali ke Helpdesk"</A></p>
                }.into_any(),
                Some(number) => view! {
                    <h1>"Permohonan Anda sudah kami terima"</h1>
                    <p class="ticket-number">"Nomor tiket: " <strong data-testid="ticket-number">{format!("#{number}")}</strong></p>
                    <Suspense fallback=|| ()>
                        {move || { let number = number.clone(); Suspend::new(async move {
                            let email = state.await.ok().and_then(|s| s.checked_email).unwrap_or_else(|| "email dinas Anda".into());
                            match category() {
                                Some(Category::GeneralQuestion) => view! {
                                    <p>{format!("Kami mengirim konfirmasi ke {email}. Petugas akan membalas pertanyaan Anda melalui email.")}</p>
                                }.into_any(),
                                _ => view! {
                                    <p>{format!(
                                        "Kami mengirim email “Permohonan Reset OTP {} nomor tiket #{number}” ke {email}. \
                                         Buka email tersebut lalu tekan tautan “Pengecekan Data Diri” untuk mengambil swafoto. \
                                         Tautan berlaku 48 jam.",
                                        brand()
                                    )}</p>
                                    <p class="hint">"Tidak menerima email dalam beberapa menit? Periksa folder spam, atau ajukan permohonan lagi: permohonan baru menggantikan yang lama."</p>
                                }.into_any(),
                            }
                        })}}
                    </Suspense>
                    <p><A href="/tiket">"Cek status tiket"</A></p>
                }.into_any(),
            }}
        </section>
    }
}
