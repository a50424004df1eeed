//! Forms that answer in place. The server renders the form, a plain post to
//! its server function that works without JavaScript: the server answers
//! with the next page, or with the same page and the error. Once the page
//! is live, [`InPlaceForm`] sends the same form with `fetch` instead, so a
//! refused submission keeps what was typed and says why beside the form,
//! and an accepted one loads what the server says comes next. One small
//! island serves every such form: the signer's pages carry no per-form
//! code.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::error::AppError;

/// The message of `action`'s refused plain form post, which the server put
/// in the address: what an [`InPlaceForm`] shows before any submission.
pub fn refusal<S>(action: ServerAction<S>) -> Option<String>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    action
        .value()
        .get_untracked()
        .and_then(Result::err)
        .map(|error| error.to_string())
}

/// Wraps a server-rendered form (its `children`). `alert_id` is the id of
/// the error message, which the form's fields name in `aria-describedby`;
/// `refused` the error of a plain form post, shown at first.
///
/// After a refusal every password field is emptied and the first gets the
/// focus: a password is typed again, on purpose. An accepted submission
/// follows the server's redirect, or shows the server's answer in place of
/// the form when it is text (a reply meant to be read where it was asked:
/// the request is done), or else loads the page again, which the server
/// renders in its next state.
#[island]
pub fn InPlaceForm(
    #[prop(into)] alert_id: String,
    refused: Option<String>,
    children: Children,
) -> impl IntoView {
    let refusal = RwSignal::new(refused);
    let answer = RwSignal::new(None::<String>);
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        browser::submit(event, refusal, answer);
        #[cfg(not(feature = "hydrate"))]
        let _ = (event, answer);
    };
    view! {
        <div class="in-place" on:submit=on_submit>
            {move || refusal.get().map(|message| view! {
                <p class="alert alert--error" role="alert" id=alert_id.clone()>{message}</p>
            })}
            {move || answer.get().map(|message| view! {
                <p class="alert alert--success" role="status">{message}</p>
            })}
            <div class:is-hidden=move || answer.get().is_some()>{children()}</div>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use leptos::server_fn::redirect::REDIRECT_HEADER;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        FormData, HtmlFormElement, HtmlInputElement, RequestInit, Response, UrlSearchParams,
    };

    use crate::error::AppError;

    const UNREACHABLE: &str = "Permintaan gagal terkirim. Periksa koneksi Anda lalu coba lagi.";

    /// What the server said to a submission.
    enum Outcome {
        /// Go to this address (the server redirected).
        GoTo(String),
        /// Show this text where the form was sent.
        Say(String),
        /// Accepted: the page itself shows what changed.
        Reload,
    }

    pub(super) fn submit(
        event: leptos::ev::SubmitEvent,
        refusal: RwSignal<Option<String>>,
        answer: RwSignal<Option<String>>,
    ) {
        let Some(form) = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        event.prevent_default();
        let buttons = form.query_selector_all("button[type=submit]").ok();
        let set_busy = move |busy: bool| {
            if let Some(buttons) = &buttons {
                for i in 0..buttons.length() {
                    if let Some(button) = buttons.item(i) {
                        let _ = button
                            .unchecked_into::<web_sys::Element>()
                            .toggle_attribute_with_force("disabled", busy);
                    }
                }
            }
        };
        set_busy(true);
        leptos::task::spawn_local(async move {
            match send(&form).await {
                Ok(Outcome::GoTo(address)) => {
                    let _ = window().location().assign(&address);
                }
                Ok(Outcome::Reload) => {
                    let _ = window().location().reload();
                }
                Ok(Outcome::Say(text)) => {
                    refusal.set(None);
                    answer.set(Some(text));
                }
                Err(message) => {
                    answer.set(None);
                    refusal.set(Some(message));
                    forget_passwords(&form);
                    set_busy(false);
                }
            }
        });
    }

    /// Posts the form as the browser would, asking for the server
    /// function's own answer rather than a page.
    async fn send(form: &HtmlFormElement) -> Result<Outcome, String> {
        let request = || -> Result<js_sys::Promise, wasm_bindgen::JsValue> {
            let fields = UrlSearchParams::new_with_str_sequence_sequence(
                &FormData::new_with_form(form)?.into(),
            )?;
            let headers = web_sys::Headers::new()?;
            headers.set("Accept", "application/json")?;
            headers.set("Content-Type", "application/x-www-form-urlencoded")?;
            let init = RequestInit::new();
            init.set_method("POST");
            init.set_headers(&headers);
            init.set_body(&fields);
            Ok(window().fetch_with_str_and_init(&form.action(), &init))
        };
        let unreachable = |_| UNREACHABLE.to_string();
        let response: Response = JsFuture::from(request().map_err(unreachable)?)
            .await
            .and_then(|value| value.dyn_into())
            .map_err(unreachable)?;
        // A server function that redirects answers a fetch with the
        // address in `Location` and this header, not with a 302.
        let headers = response.headers();
        if headers.has(REDIRECT_HEADER).unwrap_or(false)
            && let Ok(Some(address)) = headers.get("Location")
        {
            return Ok(Outcome::GoTo(address));
        }
        let body = match response.text() {
            Ok(text) => JsFuture::from(text)
                .await
                .ok()
                .and_then(|text| text.as_string()),
            Err(_) => None,
        }
        .unwrap_or_default();
        if !response.ok() {
            return Err(serde_json::from_str::<AppError>(&body)
                .unwrap_or(AppError::BadRequest)
                .to_string());
        }
        Ok(match serde_json::from_str::<String>(&body) {
            Ok(text) if !text.is_empty() => Outcome::Say(text),
            _ => Outcome::Reload,
        })
    }

    /// Empties the form's password fields and puts the focus on the first.
    fn forget_passwords(form: &HtmlFormElement) {
        let Ok(fields) = form.query_selector_all("input[type=password]") else {
            return;
        };
        for i in 0..fields.length() {
            if let Some(field) = fields
                .item(i)
                .and_then(|node| node.dyn_into::<HtmlInputElement>().ok())
            {
                field.set_value("");
                if i == 0 {
                    let _ = field.focus();
                }
            }
        }
    }
}
