//! /admin/surat: the mail outbox by state, with "Kirim ulang sekarang".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::server_fns::{SendMailNow, list_mail};
use super::views::{MailList, MailQuery};
use crate::format::date_time;
use crate::mail::views::{MailState, MailSummary};
use crate::ui::controls::{Choice, ErrorMessage, action_error};
use crate::ui::pager::Pager;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let params = use_query_map();
    let send_now = ServerAction::<SendMailNow>::new();
    let query = move || {
        params.with(|q| MailQuery {
            state: q.get("state").unwrap_or_default(),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        })
    };
    let mails = Resource::new(
        move || (query(), send_now.version().get()),
        |(query, _)| list_mail(query),
    );
    let mut states = vec![(String::new(), "Semua status".to_string())];
    states.extend(
        MailState::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.label().to_string())),
    );
    view! {
        <Title text="Kotak keluar" />
        <h1>"Kotak keluar"</h1>
        <p class="hint">"Isi email tidak ditampilkan: isinya memuat tautan sekali pakai."</p>
        <form method="get" action="/admin/surat" class="card filters" role="search">
            <Choice name="state" label="Status" selected=untrack(query).state options=states />
            <button type="submit" class="button button--primary">"Terapkan"</button>
        </form>
        {action_error(send_now)}
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match mails.await {
                    Ok(list) => view! { <MailPages list query=query() send_now /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MailPages(
    list: MailList,
    query: MailQuery,
    send_now: ServerAction<SendMailNow>,
) -> impl IntoView {
    let (page, pages) = (list.page, list.pages);
    let table = if list.items.is_empty() {
        view! { <p>"Tidak ada email."</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap">
                <table class="table table--compact">
                    <thead><tr>
                        <th>"Dibuat"</th><th>"Jenis"</th><th>"Penerima"</th><th>"Subjek"</th>
                        <th>"Status"</th><th>"Percobaan"</th><th>"Galat terakhir"</th>
                        <th>"Percobaan berikutnya"</th><th></th>
                    </tr></thead>
                    <tbody>
                        {list.items.into_iter().map(|mail| view! { <MailRow mail send_now /> }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <p class="hint" data-testid="mail-total">{format!("{} email · halaman {} dari {}", list.total, page, pages)}</p>
        {table}
        <Pager path="/admin/surat" filters=vec![("state", query.state)] page pages />
    }
}

#[component]
fn MailRow(mail: MailSummary, send_now: ServerAction<SendMailNow>) -> impl IntoView {
    let unsent = mail.state != MailState::Sent;
    let next = match mail.sent_at {
        Some(at) => format!("terkirim {}", date_time(at)),
        None => date_time(mail.next_attempt_at),
    };
    view! {
        <tr>
            <td>{date_time(mail.created_at)}</td>
            <td><code>{mail.kind}</code></td>
            <td>{mail.recipient}</td>
            <td>{mail.subject}</td>
            <td>{mail.state.label()}</td>
            <td>{mail.attempts}</td>
            <td class="table__detail">{mail.last_error.unwrap_or_default()}</td>
            <td>{next}</td>
            <td>
                {unsent.then(|| view! {
                    <ActionForm action=send_now attr:class="form form--inline">
                        <input type="hidden" name="mail_id" value=mail.id.to_string() />
                        <button type="submit" class="button button--small">"Kirim ulang sekarang"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}
