//! /tiket, the status page of any ticket, and the notice every mailed link
//! shows when it cannot be used.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::server_fns::ticket_lookup;
use super::views::{LinkProblem, TicketView};
use crate::format::date_time;
use crate::ui::controls::ErrorMessage;

#[component]
pub fn TicketStatusPage() -> impl IntoView {
    let query = use_query_map();
    let asked = move || query.with(|q| q.get("nomor").zip(q.get("email")));
    let ticket = Resource::new(asked, |asked| async move {
        match asked {
            Some((number, email)) => Some(ticket_lookup(number, email).await),
            None => None,
        }
    });
    view! {
        <Title text="Status tiket" />
        <section class="card">
            <h1>"Cek status tiket"</h1>
            <form method="get" action="/tiket" class="form">
                <label for="nomor">"Nomor tiket"</label>
                <input id="nomor" name="nomor" placeholder="d1q0517" maxlength="9" autocomplete="off"
                    prop:value=move || asked().map(|(n, _)| n).unwrap_or_default() required />
                <label for="email-tiket">"Email dinas"</label>
                <input id="email-tiket" name="email" type="email" autocomplete="email"
                    prop:value=move || asked().map(|(_, e)| e).unwrap_or_default() required />
                <button type="submit" class="button button--primary">"Cek status"</button>
            </form>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match ticket.await {
                    Some(Ok(ticket)) => view! { <TicketDetails ticket /> }.into_any(),
                    Some(Err(error)) => view! { <ErrorMessage error /> }.into_any(),
                    None => ().into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TicketDetails(ticket: TicketView) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="tiket">
            <h2 id="tiket">{format!("Tiket #{}", ticket.number)}</h2>
            <dl class="facts">
                <dt>"Kategori"</dt><dd>{ticket.category_label}</dd>
                <dt>"Kanal"</dt><dd>{ticket.channel_label}</dd>
                <dt>"Status"</dt><dd data-testid="ticket-status">{ticket.status_label}</dd>
                <dt>"Diajukan"</dt><dd>{date_time(ticket.created_at)}</dd>
                <dt>"Diperbarui"</dt><dd>{date_time(ticket.updated_at)}</dd>
            </dl>
            <h3>"Riwayat"</h3>
            <ol class="timeline">
                {ticket.events.into_iter().map(|event| view! {
                    <li>
                        <time>{date_time(event.at)}</time>
                        <strong>{event.status_label}</strong>
                        <span>{event.note}</span>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// A mailed link that cannot be used: why, and how to start again.
#[component]
pub fn LinkProblemNotice(problem: LinkProblem) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::GONE);
    }
    view! {
        <Title text=problem.title() />
        <section class="card">
            <h1>{problem.title()}</h1>
            <p>{problem.explanation()}</p>
            <div class="actions">
                <A href="/helpdesk" attr:class="button button--primary">"Ajukan Permohonan OTP"</A>
                <A href="/tiket" attr:class="button">"Cek status tiket"</A>
            </div>
        </section>
    }
}
