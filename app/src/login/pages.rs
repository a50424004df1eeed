//! /login: email and password, then a code from any of the account's devices.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Redirect};

use super::server_fns::{LoginCode, LoginPassword, login_state};
use super::views::LoginProgress;
use crate::accounts::server_fns::Logout;
use crate::ui::controls::{ErrorMessage, OtpCodeInput, PasswordInput, action_error_for};

#[component]
pub fn LoginPage() -> impl IntoView {
    let password_step = ServerAction::<LoginPassword>::new();
    let code_step = ServerAction::<LoginCode>::new();
    let cancel = ServerAction::<Logout>::new();
    let state = Resource::new(
        move || {
            (
                password_step.version().get(),
                code_step.version().get(),
                cancel.version().get(),
            )
        },
        |_| login_state(),
    );
    view! {
        <Title text="Masuk" />
        <section class="card narrow">
            <h1>"Masuk"</h1>
            <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(LoginProgress::SignedOut) => view! {
                            <p>"Masuk dengan email dinas dan kata sandi akun AMS Anda."</p>
                            {action_error_for(password_step, "galat-masuk")}
                            <ActionForm action=password_step attr:class="form">
                                <label for="email">"Email dinas"</label>
                                <input id="email" name="email" type="email" inputmode="email" autocomplete="username" required aria-describedby="galat-masuk" />
                                <label for="password">"Kata sandi"</label>
                                <PasswordInput id="password" name="password" autocomplete="current-password" described_by="galat-masuk" />
                                <button type="submit" class="button button--primary">"Lanjut"</button>
                            </ActionForm>
                            <p class="hint">
                                "Kehilangan perangkat OTP? " <A href="/helpdesk">"Ajukan Permohonan OTP di Helpdesk"</A> "."
                            </p>
                        }.into_any(),
                        Ok(LoginProgress::AwaitingCode { email_masked }) => view! {
                            <p>
                                {format!("Kata sandi untuk {email_masked} benar. ")}
                                "Masukkan kode OTP dari salah satu aplikasi Authenticator yang terdaftar di akun Anda."
                            </p>
                            {action_error_for(code_step, "galat-kode")}
                            <ActionForm action=code_step attr:class="form">
                                <label for="code">"Kode OTP"</label>
                                <OtpCodeInput id="code" described_by="galat-kode" />
                                <button type="submit" class="button button--primary">"Masuk"</button>
                            </ActionForm>
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
