//! /admin/akun (search) and /admin/akun/:id (one account).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::server_fns::{RemoveAccountDevice, SetAccountStatus, load_account, search_accounts};
use super::views::{AccountDetail, AccountHit};
use crate::accounts::types::AccountStatus;
use crate::admin::layout::is_admin;
use crate::admin::tables::{AuditTable, TicketTable};
use crate::format::date_time;
use crate::identity_check::types::{CONSENT_FIELD, CONSENT_GIVEN, ReferenceProblem};
use crate::ids::AccountId;
use crate::ui::controls::{ErrorMessage, action_error};

#[component]
pub fn AccountsPage() -> impl IntoView {
    let query = use_query_map();
    let asked = move || query.with(|q| q.get("q")).filter(|q| !q.trim().is_empty());
    let hits = Resource::new(asked, |asked| async move {
        match asked {
            Some(text) => Some(search_accounts(text).await),
            None => None,
        }
    });
    view! {
        <Title text="Akun" />
        <h1>"Akun"</h1>
        <form method="get" action="/admin/akun" class="form card" role="search">
            <label for="cari-akun">"Cari email, nama, atau NIK"</label>
            <input id="cari-akun" name="q" type="search" autocomplete="off" maxlength="100"
                prop:value=move || asked().unwrap_or_default() />
            <span class="hint">"NIK dicocokkan utuh (16 angka) dan tidak pernah ditampilkan lengkap."</span>
            <button type="submit" class="button button--primary">"Cari"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Mencari…"</p> }>
            {move || Suspend::new(async move {
                match hits.await {
                    None => ().into_any(),
                    Some(Ok(hits)) if hits.is_empty() => view! { <p class="card">"Tidak ada akun yang cocok."</p> }.into_any(),
                    Some(Ok(hits)) => view! { <AccountHits hits /> }.into_any(),
                    Some(Err(error)) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AccountHits(hits: Vec<AccountHit>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead><tr><th>"Nama"</th><th>"Email dinas"</th><th>"NIK"</th><th>"Peran"</th><th>"Status"</th></tr></thead>
                <tbody>
                    {hits.into_iter().map(|hit| view! {
                        <tr>
                            <td><A href=format!("/admin/akun/{}", hit.id)>{hit.full_name}</A></td>
                            <td>{hit.email}</td>
                            <td>{hit.nik_masked}</td>
                            <td>{hit.role_label}</td>
                            <td>{hit.status_label}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let params = use_params_map();
    let set_status = ServerAction::<SetAccountStatus>::new();
    let remove_device = ServerAction::<RemoveAccountDevice>::new();
    let account = Resource::new(
        move || {
            (
                params.with(|p| p.get("id")),
                set_status.version().get(),
                remove_device.version().get(),
            )
        },
        |(id, _, _)| async move {
            match id.as_deref().and_then(AccountId::parse) {
                Some(id) => load_account(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Akun" />
        {action_error(set_status)}
        {action_error(remove_device)}
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(account) => view! { <AccountView account set_status remove_device /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What the reference photo upload did, read back from the redirect
/// (`?ok=referensi` or `?galat=<code>`).
#[component]
fn ReferenceOutcome() -> impl IntoView {
    let query = use_query_map();
    move || {
        query.with(|q| {
            if q.get("ok").as_deref() == Some("referensi") {
                Some(view! { <p class="alert alert--success" role="status">"Foto referensi disimpan."</p> }.into_any())
            } else {
                q.get("galat")
                    .and_then(|code| ReferenceProblem::from_code(&code))
                    .map(|problem| view! { <p class="alert alert--error" role="alert">{problem.to_string()}</p> }.into_any())
            }
        })
    }
}

/// Admins set (or replace) a signer's reference photo: a plain multipart
/// form (works without JavaScript) to the server's upload route, which
/// checks the photo like a selfie and needs the signer's consent at
/// registration.
#[component]
fn ReferenceForm(account_id: AccountId) -> impl IntoView {
    view! {
        <form method="post" enctype="multipart/form-data" action=format!("/admin/akun/{account_id}/referensi")
            class="form" data-testid="reference-form">
            <label for="foto-referensi">"Foto referensi baru (JPEG/PNG, satu wajah)"</label>
            <input id="foto-referensi" type="file" name="photo" accept="image/jpeg,image/png" required />
            <div class="checkbox-row">
                <input id="referensi-setuju" type="checkbox" name=CONSENT_FIELD value=CONSENT_GIVEN required />
                <label for="referensi-setuju">"Signer menyetujui penggunaan foto ini saat registrasi"</label>
            </div>
            <span class="hint">
                "Foto referensi adalah data biometrik. Simpan hanya foto registrasi AMS atau KTP yang penggunaannya "
                "telah disetujui Signer; foto lama diganti dan perubahan dicatat di log audit."
            </span>
            <button type="submit" class="button button--primary">"Simpan foto referensi"</button>
        </form>
    }
}

#[component]
fn AccountView(
    account: AccountDetail,
    set_status: ServerAction<SetAccountStatus>,
    remove_device: ServerAction<RemoveAccountDevice>,
) -> impl IntoView {
    let admin = is_admin();
    let id = account.id.to_string();
    let status_actions: Vec<(AccountStatus, &str, &str)> = match account.status {
        AccountStatus::Verified => vec![(
            AccountStatus::Suspended,
            "Tangguhkan akun",
            "button button--danger",
        )],
        AccountStatus::Unverified => vec![
            (
                AccountStatus::Verified,
                "Verifikasi akun",
                "button button--primary",
            ),
            (
                AccountStatus::Suspended,
                "Tangguhkan akun",
                "button button--danger",
            ),
        ],
        AccountStatus::Suspended => vec![(
            AccountStatus::Verified,
            "Aktifkan kembali",
            "button button--primary",
        )],
    };
    view! {
        <h1>{account.full_name.clone()}</h1>
        <section class="card" aria-labelledby="data-akun">
            <h2 id="data-akun">"Data AMS"</h2>
            <dl class="facts">
                <dt>"Email dinas"</dt><dd>{account.email.clone()}</dd>
                <dt>"NIK"</dt><dd>{account.nik_masked.clone()}</dd>
                <dt>"Instansi"</dt><dd>{account.agency.clone().unwrap_or_else(|| "-".into())}</dd>
                <dt>"Ponsel"</dt><dd>{account.phone.clone().unwrap_or_else(|| "-".into())}</dd>
                <dt>"Peran"</dt><dd>{account.role_label.clone()}</dd>
                <dt>"Status"</dt><dd data-testid="account-status">{account.status.label()}</dd>
                <dt>"Terdaftar"</dt><dd>{date_time(account.created_at)}</dd>
            </dl>
            {admin.then(|| view! {
                <div class="button-row">
                    {status_actions.into_iter().map(|(to, label, class)| {
                        let id = id.clone();
                        view! {
                            <ActionForm action=set_status attr:class="form form--inline">
                                <input type="hidden" name="id" value=id />
                                <input type="hidden" name="status" value=to.as_str() />
                                <button type="submit" class=class>{label}</button>
                            </ActionForm>
                        }
                    }).collect_view()}
                </div>
                <p class="hint">"Menangguhkan akun langsung mengakhiri semua sesinya dan menutup tiketnya yang masih terbuka beserta tautannya."</p>
            })}
        </section>
        <section class="card" aria-labelledby="perangkat">
            <h2 id="perangkat">{format!("Perangkat OTP ({})", account.devices.len())}</h2>
            {account.devices.is_empty().then(|| view! { <p>"Tidak ada perangkat."</p> })}
            <ul class="device-list">
                {account.devices.into_iter().map(|device| {
                    let account_id = account.id.clone();
                    view! {
                        <li class="device">
                            <strong class="device__name">{device.name.clone()}</strong>
                            <p class="device__meta">
                                {format!("Ditambahkan {} lewat {} · terakhir dipakai {}",
                                    date_time(device.added_at), device.channel_label,
                                    device.last_used_at.map(date_time).unwrap_or_else(|| "belum pernah".into()))}
                            </p>
                            {admin.then(|| view! {
                                <ActionForm action=remove_device attr:class="form form--inline">
                                    <input type="hidden" name="account_id" value=account_id.to_string() />
                                    <input type="hidden" name="device_id" value=device.id.to_string() />
                                    <button type="submit" class="button button--small button--danger"
                                        aria-label=format!("Hapus perangkat {}", device.name)>"Hapus perangkat"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="referensi">
            <h2 id="referensi">"Foto referensi"</h2>
            <ReferenceOutcome />
            {match account.reference_set_at {
                Some(at) => view! {
                    <figure class="review__figure">
                        <img class="review__photo" src=format!("/admin/referensi/{}", account.id) alt=format!("Foto referensi {}", account.full_name) />
                        <figcaption>{format!("Disimpan {}", date_time(at))}</figcaption>
                    </figure>
                }.into_any(),
                None => view! { <p>"Belum ada foto referensi."</p> }.into_any(),
            }}
            {(admin && !account.is_staff).then(|| view! { <ReferenceForm account_id=account.id.clone() /> })}
        </section>
        <section class="card" aria-labelledby="tiket-akun">
            <h2 id="tiket-akun">"Tiket"</h2>
            <TicketTable tickets=account.tickets />
        </section>
        <section class="card" aria-labelledby="audit-akun">
            <h2 id="audit-akun">"Log audit"</h2>
            <AuditTable lines=account.audit />
        </section>
    }
}
