//! /admin/audit: the audit log with its filters, pages and CSV download.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::server_fns::list_audit;
use super::views::{AuditList, AuditQuery};
use crate::admin::tables::AuditTable;
use crate::audit::views::ACTIONS;
use crate::ui::controls::{Choice, ErrorMessage};
use crate::ui::pager::{Pager, filtered_href};

/// The CSV download of the same filters (served by the server crate).
pub const CSV_PATH: &str = "/admin/audit.csv";

#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        params.with(|q| AuditQuery {
            actor: q.get("actor").unwrap_or_default(),
            account: q.get("account").unwrap_or_default(),
            action: q.get("action").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        })
    };
    let entries = Resource::new(query, list_audit);
    view! {
        <Title text="Log audit" />
        <h1>"Log audit"</h1>
        <AuditFilters query=untrack(query) />
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(list) => view! { <AuditPages list query=query() /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AuditFilters(query: AuditQuery) -> impl IntoView {
    let mut actions = vec![(String::new(), "Semua tindakan".to_string())];
    actions.extend(ACTIONS.iter().map(|a| (a.to_string(), a.to_string())));
    let filters = query.filters();
    let pairs: Vec<(&str, &str)> = filters.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let csv = filtered_href(CSV_PATH, &pairs, None);
    view! {
        <form method="get" action="/admin/audit" class="card filters" role="search">
            <div class="field">
                <label for="saring-pelaku">"Pelaku (email, sistem, cli)"</label>
                <input id="saring-pelaku" name="actor" type="search" maxlength="100" value=query.actor autocomplete="off" />
            </div>
            <div class="field">
                <label for="saring-akun">"Akun (id atau email)"</label>
                <input id="saring-akun" name="account" type="search" maxlength="254" value=query.account autocomplete="off" />
            </div>
            <Choice name="action" label="Tindakan" selected=query.action options=actions />
            <div class="field">
                <label for="saring-dari">"Dari tanggal"</label>
                <input id="saring-dari" name="from" type="date" value=query.from />
            </div>
            <div class="field">
                <label for="saring-sampai">"Sampai tanggal"</label>
                <input id="saring-sampai" name="to" type="date" value=query.to />
            </div>
            <button type="submit" class="button button--primary">"Terapkan"</button>
            <a class="button" href=csv download rel="external">"Unduh CSV"</a>
        </form>
    }
}

#[component]
fn AuditPages(list: AuditList, query: AuditQuery) -> impl IntoView {
    let (page, pages) = (list.page, list.pages);
    view! {
        <p class="hint" data-testid="audit-total">
            {format!("{} catatan · halaman {} dari {} · waktu dalam WIB", list.total, page, pages)}
        </p>
        <AuditTable lines=list.items full=true />
        <Pager path="/admin/audit" filters=query.filters() page pages />
    }
}
