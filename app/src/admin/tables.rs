//! Tables several console screens share.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::audit::views::AuditLine;
use crate::format::date_time;
use crate::tickets::views::TicketListItem;

#[component]
pub fn TicketTable(tickets: Vec<TicketListItem>) -> impl IntoView {
    if tickets.is_empty() {
        return view! { <p>"Tidak ada tiket."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead><tr>
                    <th>"Nomor"</th><th>"Kategori"</th><th>"Kanal"</th><th>"Status"</th>
                    <th>"Signer"</th><th>"Diajukan"</th><th>"Diperbarui"</th>
                </tr></thead>
                <tbody>
                    {tickets.into_iter().map(|t| view! {
                        <tr>
                            <td><A href=format!("/admin/tiket/{}", t.number)>{format!("#{}", t.number)}</A></td>
                            <td>{t.category_label}</td>
                            <td>{t.channel_label}</td>
                            <td>{t.status_label}</td>
                            <td>{t.full_name}<br /><span class="hint">{t.email}</span></td>
                            <td>{date_time(t.created_at)}</td>
                            <td>{date_time(t.updated_at)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Audit entries; `full` adds the subject account, the ticket and the
/// browser (the whole log's screen; an account's page needs none of them).
#[component]
pub fn AuditTable(lines: Vec<AuditLine>, #[prop(optional)] full: bool) -> impl IntoView {
    if lines.is_empty() {
        return view! { <p>"Belum ada catatan."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table table--compact">
                <thead><tr>
                    <th>"Waktu"</th><th>"Pelaku"</th><th>"Tindakan"</th><th>"Rincian"</th>
                    {full.then(|| view! { <th>"Akun"</th><th>"Tiket"</th> })}
                    <th>"Alamat"</th>
                    {full.then(|| view! { <th>"Peramban"</th> })}
                </tr></thead>
                <tbody>
                    {lines.into_iter().map(|line| {
                        let account = line.subject_account_id.clone().map(|id| {
                            let text = line.subject_email.clone().unwrap_or_else(|| id.to_string());
                            view! { <A href=format!("/admin/akun/{id}")>{text}</A> }
                        });
                        let ticket = match (line.ticket_number.clone(), line.ticket_id.clone()) {
                            (Some(number), _) => Some(view! {
                                <A href=format!("/admin/tiket/{number}")>{format!("#{number}")}</A>
                            }.into_any()),
                            (None, Some(id)) => Some(view! { <code>{id.to_string()}</code> }.into_any()),
                            (None, None) => None,
                        };
                        view! {
                            <tr>
                                <td>{date_time(line.at)}</td>
                                <td>{line.actor}</td>
                                <td><code>{line.action}</code></td>
                                <td class="table__detail">{line.detail}</td>
                                {full.then(|| view! { <td>{account}</td><td>{ticket}</td> })}
                                <td>{line.ip.unwrap_or_default()}</td>
                                {full.then(|| view! { <td class="table__detail">{line.user_agent.unwrap_or_default()}</td> })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
