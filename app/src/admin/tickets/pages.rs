//! /admin/tiket (list with filters) and /admin/tiket/:number (one ticket).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::server_fns::{AnswerTicket, list_tickets, load_ticket};
use super::views::TicketDetail;
use crate::admin::tables::TicketTable;
use crate::format::date_time;
use crate::tickets::types::{Category, TicketChannel, TicketStatus};
use crate::tickets::views::{TicketList, TicketQuery};
use crate::ui::controls::{Choice, ErrorMessage, action_error};
use crate::ui::pager::Pager;

/// The list's filters, as its query string carries them.
fn filters(query: &TicketQuery) -> Vec<(&'static str, String)> {
    vec![
        ("status", query.status.clone()),
        ("channel", query.channel.clone()),
        ("category", query.category.clone()),
        ("from", query.from.clone()),
        ("to", query.to.clone()),
        ("search", query.search.clone()),
    ]
}

#[component]
pub fn TicketsPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        params.with(|q| TicketQuery {
            status: q.get("status").unwrap_or_else(|| "open".into()),
            channel: q.get("channel").unwrap_or_default(),
            category: q.get("category").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
            search: q.get("search").unwrap_or_default(),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        })
    };
    let tickets = Resource::new(query, list_tickets);
    view! {
        <Title text="Tiket" />
        <h1>"Tiket"</h1>
        <TicketFilters query=untrack(query) />
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match tickets.await {
                    Ok(list) => view! { <TicketPages list query=query() /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TicketFilters(query: TicketQuery) -> impl IntoView {
    let option = |value: &str, text: &str| (value.to_string(), text.to_string());
    let mut statuses = vec![
        option("open", "Semua yang terbuka"),
        option("", "Semua status"),
    ];
    statuses.extend(
        TicketStatus::ALL
            .iter()
            .map(|s| option(s.as_str(), s.label())),
    );
    let mut channels = vec![option("", "Semua kanal")];
    channels.extend(
        TicketChannel::ALL
            .iter()
            .map(|c| option(c.as_str(), c.label())),
    );
    let mut categories = vec![option("", "Semua kategori")];
    categories.extend(Category::ALL.iter().map(|c| option(c.as_str(), c.label())));
    view! {
        <form method="get" action="/admin/tiket" class="card filters" role="search">
            <Choice name="status" label="Status" selected=query.status options=statuses />
            <Choice name="channel" label="Kanal" selected=query.channel options=channels />
            <Choice name="category" label="Kategori" selected=query.category options=categories />
            <div class="field">
                <label for="saring-dari">"Dari tanggal"</label>
                <input id="saring-dari" name="from" type="date" value=query.from />
            </div>
            <div class="field">
                <label for="saring-sampai">"Sampai tanggal"</label>
                <input id="saring-sampai" name="to" type="date" value=query.to />
            </div>
            <div class="field field--wide">
                <label for="saring-cari">"Nomor tiket atau email"</label>
                <input id="saring-cari" name="search" type="search" maxlength="100" value=query.search autocomplete="off" />
            </div>
            <button type="submit" class="button button--primary">"Terapkan"</button>
        </form>
    }
}

#[component]
fn TicketPages(list: TicketList, query: TicketQuery) -> impl IntoView {
    let (page, pages) = (list.page, list.pages);
    view! {
        <p class="hint" data-testid="ticket-total">{format!("{} tiket · halaman {} dari {}", list.total, page, pages)}</p>
        <TicketTable tickets=list.items />
        <Pager path="/admin/tiket" filters=filters(&query) page pages />
    }
}

#[component]
pub fn TicketPage() -> impl IntoView {
    let params = use_params_map();
    let answer = ServerAction::<AnswerTicket>::new();
    let ticket = Resource::new(
        move || {
            (
                params.with(|p| p.get("number").unwrap_or_default()),
                answer.version().get(),
            )
        },
        |(number, _)| load_ticket(number),
    );
    view! {
        <Title text="Tiket" />
        {action_error(answer)}
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match ticket.await {
                    Ok(ticket) => view! { <TicketView ticket answer /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TicketView(ticket: TicketDetail, answer: ServerAction<AnswerTicket>) -> impl IntoView {
    let ticket_id = ticket.id.to_string();
    // Shown once there is something to say: a consent, or selfies without
    // one (sent before consent was recorded).
    let consent = match ticket.selfie_consent_at {
        Some(at) => Some(date_time(at)),
        None if !ticket.selfies.is_empty() => Some("Tidak tercatat".to_string()),
        None => None,
    };
    view! {
        <h1>{format!("Tiket #{}", ticket.number)}</h1>
        <section class="card">
            <dl class="facts">
                <dt>"Kategori"</dt><dd>{ticket.category_label}</dd>
                <dt>"Kanal"</dt><dd>{ticket.channel_label}</dd>
                <dt>"Status"</dt><dd data-testid="ticket-status">{ticket.status_label}</dd>
                <dt>"Signer"</dt>
                <dd><A href=format!("/admin/akun/{}", ticket.account_id)>{ticket.full_name}</A>" · "{ticket.email}</dd>
                <dt>"Diajukan"</dt><dd>{date_time(ticket.created_at)}</dd>
                <dt>"Alamat klien"</dt><dd>{ticket.client_ip.unwrap_or_else(|| "-".into())}</dd>
                <dt>"Peramban"</dt><dd>{ticket.user_agent.unwrap_or_else(|| "-".into())}</dd>
                {consent.map(|text| view! {
                    <dt>"Persetujuan swafoto"</dt><dd data-testid="selfie-consent">{text}</dd>
                })}
            </dl>
        </section>
        {ticket.message.map(|message| view! {
            <section class="card" aria-labelledby="pertanyaan">
                <h2 id="pertanyaan">"Pertanyaan"</h2>
                <p class="message">{message}</p>
                {ticket.answer.map(|text| view! {
                    <h3>{format!("Jawaban dari {}", ticket.answered_by.unwrap_or_default())}</h3>
                    <p class="message" data-testid="ticket-answer">{text}</p>
                })}
            </section>
        })}
        {ticket.awaiting_answer.then(|| view! {
            <section class="card" aria-labelledby="jawab">
                <h2 id="jawab">"Jawab pertanyaan"</h2>
                <ActionForm action=answer attr:class="form">
                    <input type="hidden" name="ticket_id" value=ticket_id />
                    <label for="jawaban">"Jawaban (dikirim ke email dinas Signer, lalu tiket ditutup)"</label>
                    <textarea id="jawaban" name="answer" rows="6" minlength="10" maxlength="2000" required></textarea>
                    <button type="submit" class="button button--primary">"Kirim jawaban"</button>
                </ActionForm>
            </section>
        })}
        <section class="card" aria-labelledby="riwayat">
            <h2 id="riwayat">"Riwayat"</h2>
            <ol class="timeline">
                {ticket.events.into_iter().map(|e| view! {
                    <li><time>{date_time(e.at)}</time><strong>{e.status_label}</strong><span>{e.note}</span></li>
                }).collect_view()}
            </ol>
        </section>
        <section class="card" aria-labelledby="surel">
            <h2 id="surel">"Email terkirim untuk tiket ini"</h2>
            {ticket.mails.is_empty().then(|| view! { <p>"Belum ada email."</p> })}
            <ul class="plain-list">
                {ticket.mails.into_iter().map(|m| view! {
                    <li>
                        <strong>{m.subject}</strong>
                        <span class="hint">{format!(" · {} · {} · {}", m.recipient, date_time(m.created_at), m.state.label())}</span>
                        {m.last_error.map(|e| view! { <span class="field-error">{format!(" Galat terakhir: {e}")}</span> })}
                    </li>
                }).collect_view()}
            </ul>
        </section>
        {(!ticket.selfies.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="swafoto-tiket">
                <h2 id="swafoto-tiket">"Swafoto"</h2>
                <ul class="earlier">
                    {ticket.selfies.into_iter().map(|s| view! {
                        <li>
                            {s.has_image.then(|| view! {
                                <img class="earlier__photo" src=format!("/admin/swafoto/{}", s.selfie_id) alt="Swafoto tiket ini" />
                            })}
                            <span>{format!("{} · {}", date_time(s.submitted_at), s.decision_label)}</span>
                            {s.reason.map(|r| view! { <span class="hint">{format!("Alasan: {r}")}</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}
