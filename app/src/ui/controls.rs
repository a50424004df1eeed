//! Small building blocks of forms and messages.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::error::AppError;

/// The error of the last submission of an action, if any, as an alert.
/// Without JavaScript the server puts the error in the URL and the action
/// reads it back while rendering, so this works for plain form posts too.
pub fn action_error<S>(action: ServerAction<S>) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <ErrorMessage error /> })
    }
}

#[component]
pub fn ErrorMessage(error: AppError) -> impl IntoView {
    view! {
        <p class="alert alert--error" role="alert">
            {error.to_string()}
        </p>
    }
}

/// A button that puts `text` on the clipboard and then reads "Tersalin".
#[island]
pub fn CopyButton(text: String, #[prop(into)] label: String) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let promise = window().navigator().clipboard().write_text(&text);
            leptos::task::spawn_local(async move {
                if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                    set_copied.set(true);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&text, set_copied);
    };
    view! {
        <button type="button" class="button button--small" on:click=copy>
            {move || if copied.get() { "Tersalin".to_string() } else { label.clone() }}
        </button>
    }
}

/// A password field with a "Tampilkan" (show) switch.
#[island]
pub fn PasswordInput(
    #[prop(into)] name: String,
    #[prop(into)] id: String,
    #[prop(into)] autocomplete: String,
    #[prop(optional, into)] described_by: Option<String>,
) -> impl IntoView {
    let (visible, set_visible) = signal(false);
    view! {
        <div class="password-field">
            <input
                id=id
                aria-describedby=described_by
                name=name
                type=move || if visible.get() { "text" } else { "password" }
                autocomplete=autocomplete
                required
            />
            <button
                type="button"
                class="button button--small"
                aria-pressed=move || visible.get().to_string()
                on:click=move |_| set_visible.update(|v| *v = !*v)
            >
                {move || if visible.get() { "Sembunyikan" } else { "Tampilkan" }}
            </button>
        </div>
    }
}

/// The 6-digit code field, with the keyboard and autofill hints phones use;
/// `described_by` names the form's error (see [`action_error_for`]).
#[component]
pub fn OtpCodeInput(
    #[prop(into)] id: String,
    #[prop(optional)] described_by: Option<&'static str>,
) -> impl IntoView {
    view! {
        <input
            id=id
            aria-describedby=described_by
            name="code"
            class="otp-input"
            inputmode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9 ]*"
            maxlength="9"
            placeholder="123456"
            required
        />
    }
}

/// A labelled `<select>` of a filter form; `options` are (value, text).
#[component]
pub fn Choice(
    name: &'static str,
    label: &'static str,
    selected: String,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let id = format!("saring-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                {options.into_iter().map(|(value, text)| {
                    let is_selected = value == selected;
                    view! { <option value=value selected=is_selected>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}
