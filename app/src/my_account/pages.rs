//! /akun (the signer's details, devices and recent activity) and
//! /akun/perangkat-baru (adding a device while signed in).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Redirect};

use super::server_fns::{
    AddDevice, ConfirmWithCode, RemoveDevice, RenameDevice, my_account, new_device_enrollment,
};
use super::views::AccountView;
use crate::accounts::server_fns::Logout;
use crate::error::AppError;
use crate::format::{date, date_time};
use crate::otp_devices::pages::{AddedDeviceNotice, ScanStep};
use crate::otp_devices::views::DeviceView;
use crate::ui::controls::{ErrorMessage, OtpCodeInput, action_error};

#[component]
pub fn AccountPage() -> impl IntoView {
    let rename = ServerAction::<RenameDevice>::new();
    let remove = ServerAction::<RemoveDevice>::new();
    let confirm = ServerAction::<ConfirmWithCode>::new();
    let logout = ServerAction::<Logout>::new();
    let account = Resource::new(
        move || {
            (
                rename.version().get(),
                remove.version().get(),
                confirm.version().get(),
            )
        },
        |_| my_account(),
    );
    view! {
        <Title text="Akun Saya" />
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(account) => view! {
                        <AccountDetails account=account.clone() />
                        {action_error(rename)}
                        {action_error(remove)}
                        <DeviceList account=account.clone() rename remove />
                        <AddDeviceSection account=account.clone() confirm />
                        <ActivityList account />
                        <ActionForm action=logout attr:class="form form--inline">
                            <button type="submit" class="button">"Keluar"</button>
                        </ActionForm>
                    }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AccountDetails(account: AccountView) -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Akun Saya"</h1>
            <dl class="facts">
                <dt>"Nama"</dt>
                <dd>{account.full_name}</dd>
                <dt>"Email dinas"</dt>
                <dd>{account.email}</dd>
                {account.nik_masked.map(|nik| view! { <dt>"NIK"</dt><dd>{nik}</dd> })}
                {account.agency.map(|agency| view! { <dt>"Instansi"</dt><dd>{agency}</dd> })}
                <dt>"Status"</dt>
                <dd>{account.status_label}</dd>
            </dl>
        </section>
    }
}

#[component]
fn DeviceList(
    account: AccountView,
    rename: ServerAction<RenameDevice>,
    remove: ServerAction<RemoveDevice>,
) -> impl IntoView {
    let count = account.devices.len();
    let max = account.max_devices;
    view! {
        <section class="card" aria-labelledby="perangkat">
            <h2 id="perangkat">{format!("Perangkat OTP ({count} dari {max})")}</h2>
            <ul class="device-list">
                {account.devices.into_iter().map(|device| view! { <DeviceItem device rename remove /> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn DeviceItem(
    device: DeviceView,
    rename: ServerAction<RenameDevice>,
    remove: ServerAction<RemoveDevice>,
) -> impl IntoView {
    let last_used = device
        .last_used_at
        .map(date_time)
        .unwrap_or_else(|| "belum pernah".into());
    let DeviceView {
        id,
        name,
        added_at,
        channel_label,
        is_current,
        ..
    } = device;
    let meta = format!(
        "Ditambahkan {} melalui {channel_label}. Terakhir dipakai: {last_used}.",
        date_time(added_at)
    );
    let (rename_id, rename_name, remove_id) = (id.to_string(), name.clone(), id.to_string());
    view! {
        <li class="device" data-device-name=name.clone()>
            <div class="device__head">
                <strong class="device__name">{name.clone()}</strong>
                {is_current.then(|| view! { <span class="badge">"dipakai sesi ini"</span> })}
            </div>
            <p class="device__meta">
                {meta}
            </p>
            <details class="device__action">
                <summary>"Ganti nama"</summary>
                <ActionForm action=rename attr:class="form">
                    <input type="hidden" name="device_id" value=rename_id.clone() />
                    <label for=format!("nama-{rename_id}")>"Nama baru"</label>
                    <input id=format!("nama-{rename_id}") name="name" value=rename_name.clone() maxlength="64" required />
                    <button type="submit" class="button">"Simpan nama"</button>
                </ActionForm>
            </details>
            <details class="device__action">
                <summary>"Hapus"</summary>
                <ActionForm action=remove attr:class="form">
                    <input type="hidden" name="device_id" value=remove_id.clone() />
                    <p class="hint">
                        {if is_current {
                            "Ini perangkat yang Anda pakai untuk masuk sekarang: setelah dihapus Anda akan keluar. "
                        } else {
                            ""
                        }}
                        "Masukkan kata sandi untuk menghapus perangkat ini."
                    </p>
                    <label for=format!("sandi-{remove_id}")>"Kata sandi"</label>
                    <input id=format!("sandi-{remove_id}") name="password" type="password" autocomplete="current-password" required />
                    <button type="submit" class="button button--danger">"Hapus perangkat"</button>
                </ActionForm>
            </details>
        </li>
    }
}

#[component]
fn AddDeviceSection(account: AccountView, confirm: ServerAction<ConfirmWithCode>) -> impl IntoView {
    let at_limit = account.devices.len() >= account.max_devices;
    let limit_warning = account.devices.first().filter(|_| at_limit).map(|oldest| {
        view! {
            <p class="alert alert--warning">
                {format!(
                    "Akun Anda sudah memiliki {} perangkat (batas maksimal). Jika Anda menambah perangkat baru, \
                     perangkat paling lama “{}” (ditambahkan {}) akan dihapus otomatis.",
                    account.max_devices, oldest.name, date(oldest.added_at)
                )}
            </p>
        }
    });
    view! {
        <section class="card" aria-labelledby="tambah">
            <h2 id="tambah">"Tambah perangkat"</h2>
            {limit_warning}
            {if account.confirmed_for_adding {
                view! {
                    <A href="/akun/perangkat-baru" attr:class="button button--primary">"Lanjut tambah perangkat"</A>
                }.into_any()
            } else {
                view! {
                    <p>"Untuk keamanan, masukkan dulu kode OTP dari perangkat yang sudah terdaftar."</p>
                    {action_error(confirm)}
                    <ActionForm action=confirm attr:class="form">
                        <label for="kode-konfirmasi">"Kode OTP perangkat lama"</label>
                        <OtpCodeInput id="kode-konfirmasi" />
                        <button type="submit" class="button">"Konfirmasi"</button>
                    </ActionForm>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ActivityList(account: AccountView) -> impl IntoView {
    (!account.recent_activity.is_empty()).then(|| {
        view! {
            <section class="card" aria-labelledby="aktivitas">
                <h2 id="aktivitas">"Aktivitas terakhir"</h2>
                <ul class="activity">
                    {account.recent_activity.into_iter().map(|a| view! {
                        <li><time>{date_time(a.at)}</time>" "{a.text}</li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
pub fn AddDevicePage() -> impl IntoView {
    let add = ServerAction::<AddDevice>::new();
    let enrollment = Resource::new(|| (), |_| new_device_enrollment());
    view! {
        <Title text="Tambah perangkat" />
        <section class="card">
            <h1>"Tambah perangkat OTP"</h1>
            {move || match add.value().get() {
                Some(Ok(added)) => view! { <AddedDeviceNotice added next_href="/akun" next_label="Kembali ke Akun Saya" /> }.into_any(),
                _ => view! {
                    <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
                        {move || Suspend::new(async move {
                            match enrollment.await {
                                Ok(enrollment) => view! {
                                    <ol class="setup-steps">
                                        <li>
                                            <h2>"Pindai QR Code"</h2>
                                            <p>"Buka aplikasi Authenticator di perangkat baru, lalu pindai QR Code berikut."</p>
                                            <ScanStep enrollment />
                                        </li>
                                        <li>
                                            <h2>"Beri nama dan masukkan kode"</h2>
                                            {action_error(add)}
                                            <ActionForm action=add attr:class="form">
                                                <label for="nama-perangkat">"Nama Perangkat"</label>
                                                <input id="nama-perangkat" name="name" maxlength="64" placeholder="Hp Jackie 2606" required />
                                                <label for="kode-baru">"Kode OTP"</label>
                                                <OtpCodeInput id="kode-baru" />
                                                <button type="submit" class="button button--primary">"Kirim"</button>
                                            </ActionForm>
                                        </li>
                                    </ol>
                                }.into_any(),
                                Err(AppError::Unauthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                                Err(error) => view! {
                                    <ErrorMessage error />
                                    <A href="/akun" attr:class="button">"Kembali ke Akun Saya"</A>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                }.into_any(),
            }}
        </section>
    }
}
