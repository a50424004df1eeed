//! /login: email and password, then a code from any of the account's devices.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::use_query_map;

use super::server_fns::{LoginCode, LoginPassword, RequestUnlockLink, UnlockAccount, login_state};
use super::views::LoginProgress;
use crate::accounts::server_fns::Logout;
use crate::ui::controls::{ErrorMessage, OtpCodeInput, PasswordInput};
use crate::ui::in_place::{InPlaceForm, refusal};

#[component]
pub fn LoginPage() -> impl IntoView {
    let code_step = ServerAction::<LoginCode>::new();
    let cancel = ServerAction::<Logout>::new();
    let state = Resource::new(|| (), |_| login_state());
    view! {
        <Title text="Masuk" />
        <section class="card narrow">
            <h1>"Masuk"</h1>
            <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(LoginProgress::SignedOut) => view! {
                            <p>"Masuk dengan email dinas dan kata sandi akun AMS Anda."</p>
                            <PasswordStep />
                            <p class="hint">
                                "Kehilangan perangkat OTP? " <A href="/helpdesk">"Ajukan Permohonan OTP di Helpdesk"</A> "."
                            </p>
                            <UnlockRequest />
                        }.into_any(),
                        Ok(LoginProgress::AwaitingCode { email_masked }) => view! {
                            <p>
                                {format!("Kata sandi untuk {email_masked} benar. ")}
                                "Masukkan kode OTP dari salah satu aplikasi Authenticator yang terdaftar di akun Anda."
                            </p>
                            <InPlaceForm alert_id="galat-kode" refused=refusal(code_step)>
                                <ActionForm action=code_step attr:class="form">
                                    <label for="code">"Kode OTP"</label>
                                    <OtpCodeInput id="code" described_by="galat-kode" />
                                    <button type="submit" class="button button--primary">"Masuk"</button>
                                </ActionForm>
                            </InPlaceForm>
                            <ActionForm action=cancel attr:class="form form--inline">
                                <button type="submit" class="button button--link">"Batal, gunakan akun lain"</button>
                            </ActionForm>
                        }.into_any(),
                        Ok(LoginProgress::SignedIn { home }) => view! { <Redirect path=home /> }.into_any(),
                        Err(error) => view! { <ErrorMessage error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Email and password; a refused password keeps the email typed.
#[component]
fn PasswordStep() -> impl IntoView {
    let password_step = ServerAction::<LoginPassword>::new();
    view! {
        <InPlaceForm alert_id="galat-masuk" refused=refusal(password_step)>
            <ActionForm action=password_step attr:class="form">
                <label for="email">"Email dinas"</label>
                <input id="email" name="email" type="email" inputmode="email" autocomplete="username" required aria-describedby="galat-masuk" />
                <label for="password">"Kata sandi"</label>
                <PasswordInput id="password" name="password" autocomplete="current-password" described_by="galat-masuk" />
                <button type="submit" class="button button--primary">"Lanjut"</button>
            </ActionForm>
        </InPlaceForm>
    }
}

/// "Kirim tautan buka kunci": for an owner whose logins from new browsers
/// are locked after many wrong passwords. The same answer for any email.
/// The answer is shown where it was asked.
#[component]
fn UnlockRequest() -> impl IntoView {
    let request = ServerAction::<RequestUnlockLink>::new();
    view! {
        <details class="unlock">
            <summary>"Masuk dari browser ini dikunci?"</summary>
            <p class="hint">
                "Setelah kata sandi akun Anda terlalu sering salah dimasukkan, masuk dari browser baru dikunci. Kami mengirim tautan buka kunci ke email dinas Anda."
            </p>
            <InPlaceForm alert_id="unlock-error" refused=refusal(request)>
                <ActionForm action=request attr:class="form">
                    <label for="unlock-email">"Email untuk tautan buka kunci"</label>
                    <input id="unlock-email" name="email" type="email" inputmode="email" autocomplete="username" aria-describedby="unlock-error" required />
                    <button type="submit" class="button">"Kirim tautan buka kunci"</button>
                </ActionForm>
            </InPlaceForm>
        </details>
    }
}

/// /buka-kunci?token=…: the mailed unlock link. Opening it changes nothing
/// (mail scanners open links); the button does.
#[component]
pub fn UnlockPage() -> impl IntoView {
    let unlock = ServerAction::<UnlockAccount>::new();
    let query = use_query_map();
    let token = query.read_untracked().get("token").unwrap_or_default();
    view! {
        <Title text="Buka kunci akun" />
        <section class="card narrow">
            <h1>"Buka kunci akun"</h1>
            <InPlaceForm alert_id="galat-buka-kunci" refused=refusal(unlock)>
                <p>
                    "Tekan tombol di bawah ini dengan browser yang ingin Anda pakai untuk masuk. Setelah itu masuk seperti biasa dengan kata sandi dan kode OTP."
                </p>
                <ActionForm action=unlock attr:class="form">
                    <input type="hidden" name="token" value=token />
                    <button type="submit" class="button button--primary" aria-describedby="galat-buka-kunci">"Buka kunci akun"</button>
                </ActionForm>
            </InPlaceForm>
            <p><A href="/login">"Ke halaman Masuk"</A></p>
        </section>
    }
}
