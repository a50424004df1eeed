//! /admin/klien-layanan: the service clients, the form that creates one
//! (its token, and its webhook secret when given a webhook, shown once),
//! budgets, webhooks and revocation.

use leptos::prelude::*;
use leptos_meta::Title;

use super::server_fns::{
    CreateServiceClient, RemoveServiceClientWebhook, RevokeServiceClient, SetServiceClientBudget,
    SetServiceClientWebhook, list_service_clients,
};
use super::views::{CreateOutcome, NewWebhook};
use crate::format::date_time;
use crate::service_clients::types::{CallsPerMinute, FormErrors, Scope, Scopes};
use crate::service_clients::views::ClientSummary;
use crate::ui::controls::{CopyButton, ErrorMessage, action_error};

#[component]
pub fn ServiceClientsPage() -> impl IntoView {
    let clients = Resource::new(|| (), |_| list_service_clients());
    view! {
        <Title text="Klien layanan" />
        <h1>"Klien layanan"</h1>
        <p class="hint">
            "Mesin yang memanggil API integrasi (/api/v1), misalnya AMS. Setiap panggilan memakai token "
            "klien; mencabut klien menolak panggilan berikutnya. “Terakhir dipakai” dicatat per menit. "
            "Setiap perubahan tercatat di log audit."
        </p>
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match clients.await {
                    Ok(list) => view! { <ServiceClients list /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The clients and the forms that change them. An island (of its own
/// chunk): a new token or webhook secret is shown once, where it was
/// asked for, so the page is not reloaded; the list is read again after
/// each change instead.
#[island(lazy)]
fn ServiceClients(list: Vec<ClientSummary>) -> impl IntoView {
    let create = ServerAction::<CreateServiceClient>::new();
    let budget = ServerAction::<SetServiceClientBudget>::new();
    let revoke = ServerAction::<RevokeServiceClient>::new();
    let webhooks = Webhooks {
        set: ServerAction::new(),
        remove: ServerAction::new(),
    };
    let clients = RwSignal::new(list);
    Effect::watch(
        move || {
            (
                create.version().get(),
                budget.version().get(),
                revoke.version().get(),
                webhooks.set.version().get(),
                webhooks.remove.version().get(),
            )
        },
        move |_, _, _| {
            leptos::task::spawn_local(async move {
                if let Ok(list) = list_service_clients().await {
                    clients.set(list);
                }
            });
        },
        false,
    );
    view! {
        <NewToken create />
        <NewWebhookSecret set=webhooks.set />
        {action_error(budget)}
        {action_error(revoke)}
        {action_error(webhooks.remove)}
        {move || view! { <ClientTable list=clients.get() budget revoke webhooks /> }}
        <CreateForm create />
    }
}

/// The token of the client just created: shown this once, with a copy
/// button; it is in no stored place, so a reload loses it for good.
#[component]
fn NewToken(create: ServerAction<CreateServiceClient>) -> impl IntoView {
    move || {
        match create.value().get() {
        Some(Ok(CreateOutcome::Created { id, name, token, webhook_secret })) => view! {
            <section class="alert alert--warning" role="status" aria-labelledby="token-baru">
                <h2 id="token-baru">{format!("Klien layanan \"{name}\" dibuat")}</h2>
                <p>{format!("Id: {id}. Token untuk AMS:")}</p>
                <p class="manual-key__value"><code data-testid="new-token">{token.clone()}</code></p>
                <CopyButton text=token label="Salin token" />
                <p>
                    <strong>"Simpan token ini sekarang: token tidak akan ditampilkan lagi."</strong>
                    " Yang disimpan hanya sidiknya (hash), jadi token yang hilang berarti membuat klien baru."
                </p>
                {webhook_secret.map(|secret| view! { <WebhookSecret secret /> })}
            </section>
        }
        .into_any(),
        Some(Err(error)) => view! { <ErrorMessage error /> }.into_any(),
        _ => ().into_any(),
    }
    }
}

/// A webhook's new signing secret with its copy button and warning.
#[component]
fn WebhookSecret(secret: String) -> impl IntoView {
    view! {
        <p>"Rahasia penandatangan webhook (untuk memeriksa header X-TPO-Signature):"</p>
        <p class="manual-key__value"><code data-testid="new-webhook-secret">{secret.clone()}</code></p>
        <CopyButton text=secret label="Salin rahasia webhook" />
        <p>
            <strong>"Simpan rahasia ini sekarang: rahasia tidak akan ditampilkan lagi."</strong>
            " Rahasia yang hilang berarti mengatur webhook lagi (dengan rahasia baru)."
        </p>
    }
}

/// The secret of the webhook just set on a client, shown this once.
#[component]
fn NewWebhookSecret(set: ServerAction<SetServiceClientWebhook>) -> impl IntoView {
    move || match set.value().get() {
        Some(Ok(NewWebhook { id, url, secret })) => view! {
            <section class="alert alert--warning" role="status" aria-labelledby="webhook-baru">
                <h2 id="webhook-baru">"Webhook diatur"</h2>
                <p>{format!("Klien {id}: peristiwa dikirim ke {url}.")}</p>
                <WebhookSecret secret />
            </section>
        }
        .into_any(),
        Some(Err(error)) => view! { <ErrorMessage error /> }.into_any(),
        None => ().into_any(),
    }
}

/// The actions that set or remove a client's webhook.
#[derive(Clone, Copy)]
struct Webhooks {
    set: ServerAction<SetServiceClientWebhook>,
    remove: ServerAction<RemoveServiceClientWebhook>,
}

#[component]
fn ClientTable(
    list: Vec<ClientSummary>,
    budget: ServerAction<SetServiceClientBudget>,
    revoke: ServerAction<RevokeServiceClient>,
    webhooks: Webhooks,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="card">"Belum ada klien layanan."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table table--compact">
                <thead><tr>
                    <th>"Nama"</th><th>"Id"</th><th>"Cakupan"</th><th>"Alamat diizinkan"</th>
                    <th>"Panggilan per menit"</th><th>"Webhook"</th><th>"Dibuat"</th>
                    <th>"Terakhir dipakai"</th><th>"Status"</th><th></th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|client| view! { <ClientRow client budget revoke webhooks /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn ClientRow(
    client: ClientSummary,
    budget: ServerAction<SetServiceClientBudget>,
    revoke: ServerAction<RevokeServiceClient>,
    webhooks: Webhooks,
) -> impl IntoView {
    let webhook_cell = view! { <WebhookCell client=client.clone() webhooks /> };
    let id = client.id.to_string();
    let status = match client.revoked_at {
        None => "Aktif".to_string(),
        Some(at) => format!("Dicabut {}", date_time(at)),
    };
    let allow_from = match client.allow_from.as_str() {
        "" => "semua alamat".to_string(),
        blocks => blocks.replace(',', ", "),
    };
    let (budget_cell, revoke_cell) = if client.revoked_at.is_none() {
        let (budget_id, revoke_id) = (id.clone(), id.clone());
        let budget_label = format!("Panggilan per menit untuk {}", client.name);
        let question = format!(
            "Cabut \"{}\"? Panggilan berikutnya dengan tokennya ditolak; ini tidak dapat dibatalkan.",
            client.name
        );
        (
            view! {
                <ActionForm action=budget attr:class="form form--inline">
                    <input type="hidden" name="id" value=budget_id />
                    <input name="calls_per_minute" inputmode="numeric" size="7" aria-label=budget_label
                        value=client.calls_per_minute.to_string() required />
                    <button type="submit" class="button button--small">"Ubah"</button>
                </ActionForm>
            }
            .into_any(),
            view! {
                <details class="confirm">
                    <summary class="button button--small button--danger">"Cabut"</summary>
                    <p>{question}</p>
                    <ActionForm action=revoke attr:class="form form--inline">
                        <input type="hidden" name="id" value=revoke_id />
                        <button type="submit" class="button button--small button--danger">"Ya, cabut klien ini"</button>
                    </ActionForm>
                </details>
            }
            .into_any(),
        )
    } else {
        (
            client.calls_per_minute.to_string().into_any(),
            ().into_any(),
        )
    };
    let shown_id = id.clone();
    view! {
        <tr data-testid="service-client" data-client-id=id>
            <td>{client.name}</td>
            <td><code>{shown_id}</code></td>
            <td>{client.scopes.replace(',', ", ")}</td>
            <td>{allow_from}</td>
            <td>{budget_cell}</td>
            <td data-testid="client-webhook">{webhook_cell}</td>
            <td>{date_time(client.created_at)}</td>
            <td>{client.last_used_at.map(date_time).unwrap_or_else(|| "belum pernah".into())}</td>
            <td data-testid="client-status">{status}</td>
            <td>{revoke_cell}</td>
        </tr>
    }
}

/// The client's webhook URL (never its secret) and, on an active client
/// with the events scope, the forms that set, replace or remove it.
#[component]
fn WebhookCell(client: ClientSummary, webhooks: Webhooks) -> impl IntoView {
    let shown = match &client.webhook_url {
        Some(url) => view! { <code>{url.clone()}</code> }.into_any(),
        None => "tidak ada".into_any(),
    };
    let may_have_one = client.revoked_at.is_none()
        && Scopes::parse(&client.scopes).is_ok_and(|scopes| scopes.contains(Scope::Events));
    let actions = may_have_one.then(|| {
        let id = client.id.to_string();
        let (set_label, hint) = match client.webhook_url {
            None => ("Atur webhook", "Rahasia penandatangannya ditampilkan sekali setelah disimpan."),
            Some(_) => (
                "Ganti webhook",
                "Rahasia baru dibuat (yang lama tidak berlaku); peristiwa yang belum terkirim menuju alamat baru.",
            ),
        };
        let remove = client.webhook_url.is_some().then(|| {
            let id = id.clone();
            view! {
                <ActionForm action=webhooks.remove attr:class="form form--inline">
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="button button--small button--danger">
                        "Hapus webhook (peristiwa yang belum terkirim dibuang)"
                    </button>
                </ActionForm>
            }
        });
        view! {
            <details class="confirm">
                <summary class="button button--small">{set_label}</summary>
                <ActionForm action=webhooks.set attr:class="form form--inline">
                    <input type="hidden" name="id" value=id />
                    <input name="url" inputmode="url" size="30" maxlength="2000" required
                        placeholder="https://ams.example.go.id/webhook"
                        aria-label=format!("URL webhook untuk {}", client.name) />
                    <button type="submit" class="button button--small">"Simpan"</button>
                </ActionForm>
                <p class="hint">{hint}</p>
                {remove}
            </details>
        }
    });
    view! { {shown} {actions} }
}

/// The create form; each field shows its own message after a wrong submit.
#[component]
fn CreateForm(create: ServerAction<CreateServiceClient>) -> impl IntoView {
    let errors = move || match create.value().get() {
        Some(Ok(CreateOutcome::Invalid(errors))) => errors,
        _ => FormErrors::default(),
    };
    let message = move |pick: fn(FormErrors) -> Option<String>, id: &'static str| {
        move || pick(errors()).map(|text| view! { <p class="field-error" id=id>{text}</p> })
    };
    let invalid = move |pick: fn(FormErrors) -> Option<String>| {
        move || pick(errors()).is_some().then_some("true")
    };
    view! {
        <section class="card" aria-labelledby="klien-baru">
            <h2 id="klien-baru">"Buat klien layanan"</h2>
            <ActionForm action=create attr:class="form">
                <div class="field">
                    <label for="klien-nama">"Nama"</label>
                    <input id="klien-nama" name="form[name]" maxlength="100" placeholder="AMS produksi"
                        aria-invalid=invalid(|e| e.name) aria-describedby="klien-nama-galat" />
                    {message(|e| e.name, "klien-nama-galat")}
                </div>
                <fieldset class="fieldset" aria-invalid=invalid(|e| e.scopes) aria-describedby="klien-cakupan-galat">
                    <legend>"Cakupan"</legend>
                    {Scope::ALL.iter().map(|scope| {
                        let id = format!("klien-cakupan-{scope}");
                        view! {
                            <div class="checkbox-row">
                                <input id=id.clone() type="checkbox" name=format!("form[scopes][{scope}]") value="on" />
                                <label for=id><code>{scope.as_str()}</code>{format!(" · {}", scope.label())}</label>
                            </div>
                        }
                    }).collect_view()}
                    {message(|e| e.scopes, "klien-cakupan-galat")}
                </fieldset>
                <div class="field">
                    <label for="klien-alamat">"Alamat yang diizinkan (CIDR, satu per baris)"</label>
                    <textarea id="klien-alamat" name="form[allow_from]" rows="3" maxlength="2000"
                        placeholder="10.20.0.0/16" aria-invalid=invalid(|e| e.allow_from)
                        aria-describedby="klien-alamat-galat"></textarea>
                    <span class="hint">"Kosongkan agar klien boleh memanggil dari alamat mana saja."</span>
                    {message(|e| e.allow_from, "klien-alamat-galat")}
                </div>
                <div class="field">
                    <label for="klien-batas">"Panggilan per menit"</label>
                    <input id="klien-batas" name="form[calls_per_minute]" inputmode="numeric"
                        value=CallsPerMinute::DEFAULT.to_string() aria-invalid=invalid(|e| e.calls_per_minute)
                        aria-describedby="klien-batas-galat" />
                    <span class="hint">"1 sampai 100.000; lonjakan sebesar batas ini diizinkan."</span>
                    {message(|e| e.calls_per_minute, "klien-batas-galat")}
                </div>
                <div class="field">
                    <label for="klien-webhook">"URL webhook (opsional)"</label>
                    <input id="klien-webhook" name="form[webhook_url]" inputmode="url" maxlength="2000"
                        placeholder="https://ams.example.go.id/webhook" aria-invalid=invalid(|e| e.webhook_url)
                        aria-describedby="klien-webhook-galat" />
                    <span class="hint">
                        "Ke sini peristiwa (perangkat ditambah/dihapus, akun dikunci…) dikirim, bertanda tangan. "
                        "Hanya untuk klien dengan cakupan events; kosongkan bila tidak perlu."
                    </span>
                    {message(|e| e.webhook_url, "klien-webhook-galat")}
                </div>
                <button type="submit" class="button button--primary">"Buat klien layanan"</button>
            </ActionForm>
        </section>
    }
}
