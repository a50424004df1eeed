//! /akun (the signer's details, devices and recent activity) and
//! /akun/perangkat-baru (adding a device while signed in).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Redirect};

use super::server_fns::{
    AddDevice, ConfirmWithCode, RemoveDevice, RenameDevice, my_account, new_device_enrollment,
};
use super::views::{AccountView, SelfEnrollment};
use crate::accounts::server_fns::Logout;
use crate::error::AppError;
use crate::format::{date, date_time};
use crate::otp_devices::pages::{AddedDeviceNotice, ScanStep};
use crate::otp_devices::views::{DeviceView, EnrollmentView};
use crate::ui::controls::{ErrorMessage, OtpCodeInput, action_error};
use crate::ui::in_place::{InPlaceForm, refusal};

#[component]
pub fn AccountPage() -> impl IntoView {
    // Only for plain form posts (no JavaScript): the server puts a failed
    // rename or remove in the URL, and these read it back for the page.
    // With JavaScript each device item runs its own actions.
    let rename = ServerAction::<RenameDevice>::new();
    let remove = ServerAction::<RemoveDevice>::new();
    let confirm = ServerAction::<ConfirmWithCode>::new();
    let logout = ServerAction::<Logout>::new();
    let account = Resource::new(|| (), |_| my_account());
    view! {
        <Title text="Akun Saya" />
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(account) => view! {
                        <AccountDetails account=account.clone() />
                        {action_error(rename)}
                        {action_error(remove)}
                        <DeviceList devices=account.devices.clone() max_devices=account.max_devices />
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
fn DeviceList(devices: Vec<DeviceView>, max_devices: usize) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="perangkat">
            <h2 id="perangkat">{format!("Perangkat OTP ({} dari {max_devices})", devices.len())}</h2>
            <ul class="device-list">
                {devices.into_iter().map(|device| view! { <DeviceItem device /> }).collect_view()}
            </ul>
        </section>
    }
}

/// One device with its rename and remove forms. A refused rename or
/// removal keeps that form open with its error beside it (the password
/// typed is gone: it is typed again, on purpose); a success brings the page
/// again, with every form closed and empty and the list read again.
#[component]
fn DeviceItem(device: DeviceView) -> impl IntoView {
    let rename = ServerAction::<RenameDevice>::new();
    let remove = ServerAction::<RemoveDevice>::new();
    let id = device.id.to_string();
    let (name_field, password_field) = (format!("nama-{id}"), format!("sandi-{id}"));
    let (rename_alert, remove_alert) = (format!("galat-nama-{id}"), format!("galat-hapus-{id}"));
    let (rename_id, remove_id) = (id.clone(), id.clone());
    let (name, placeholder) = (device.name.clone(), device.name.clone());
    let last_used = device
        .last_used_at
        .map(date_time)
        .unwrap_or_else(|| "belum pernah".into());
    let meta = format!(
        "Ditambahkan {} melalui {}. Terakhir dipakai: {last_used}.",
        date_time(device.added_at),
        device.channel_label
    );
    let current_hint = if device.is_current {
        "Ini perangkat yang Anda pakai untuk masuk sekarang: setelah dihapus Anda akan keluar. "
    } else {
        ""
    };
    view! {
        <li class="device" data-device-id=id data-device-name=device.name>
            <div class="device__head">
                <strong class="device__name">{name}</strong>
                {device.is_current.then(|| view! { <span class="badge">"dipakai sesi ini"</span> })}
            </div>
            <p class="device__meta">{meta}</p>
            <details class="device__action">
                <summary>"Ganti nama"</summary>
                <InPlaceForm alert_id=rename_alert.clone() refused=None>
                    <ActionForm action=rename attr:class="form">
                        <input type="hidden" name="device_id" value=rename_id />
                        <label for=name_field.clone()>"Nama baru"</label>
                        <input
                            id=name_field
                            name="name"
                            placeholder=placeholder
                            autocomplete="off"
                            maxlength="64"
                            required
                            aria-describedby=rename_alert
                        />
                        <button type="submit" class="button">"Simpan nama"</button>
                    </ActionForm>
                </InPlaceForm>
            </details>
            <details class="device__action">
                <summary>"Hapus"</summary>
                <InPlaceForm alert_id=remove_alert.clone() refused=None>
                    <ActionForm action=remove attr:class="form">
                        <input type="hidden" name="device_id" value=remove_id />
                        <p class="hint">
                            {current_hint}
                            "Masukkan kata sandi untuk menghapus perangkat ini."
                        </p>
                        <label for=password_field.clone()>"Kata sandi"</label>
                        <input
                            id=password_field
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            required
                            aria-describedby=remove_alert
                        />
                        <button type="submit" class="button button--danger">"Hapus perangkat"</button>
                    </ActionForm>
                </InPlaceForm>
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
                    <InPlaceForm alert_id="galat-konfirmasi" refused=refusal(confirm)>
                        <ActionForm action=confirm attr:class="form">
                            <label for="kode-konfirmasi">"Kode OTP perangkat lama"</label>
                            <OtpCodeInput id="kode-konfirmasi" described_by="galat-konfirmasi" />
                            <button type="submit" class="button">"Konfirmasi"</button>
                        </ActionForm>
                    </InPlaceForm>
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
    let enrollment = Resource::new(|| (), |_| new_device_enrollment());
    view! {
        <Title text="Tambah perangkat" />
        <section class="card">
            <h1>"Tambah perangkat OTP"</h1>
            <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
                {move || Suspend::new(async move {
                    match enrollment.await {
                        Ok(SelfEnrollment::Pending(enrollment)) => view! { <AddDeviceSteps enrollment /> }.into_any(),
                        Ok(SelfEnrollment::Added(added)) => view! {
                            <AddedDeviceNotice added next_href="/akun" next_label="Kembali ke Akun Saya" />
                        }.into_any(),
                        Err(AppError::Unauthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(error) => view! {
                            <ErrorMessage error />
                            <A href="/akun" attr:class="button">"Kembali ke Akun Saya"</A>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Scan, name and code. A refused code keeps the name typed; an accepted
/// one loads this page again, which the server then renders as the notice
/// of the device added (see `service::self_enrollment`).
#[component]
fn AddDeviceSteps(enrollment: EnrollmentView) -> impl IntoView {
    let add = ServerAction::<AddDevice>::new();
    view! {
        <ol class="setup-steps">
            <li>
                <h2>"Pindai QR Code"</h2>
                <p>"Buka aplikasi Authenticator di perangkat baru, lalu pindai QR Code berikut."</p>
                <ScanStep enrollment />
            </li>
            <li>
                <h2>"Beri nama dan masukkan kode"</h2>
                <InPlaceForm alert_id="galat-tambah" refused=refusal(add)>
                    <ActionForm action=add attr:class="form">
                        <label for="nama-perangkat">"Nama Perangkat"</label>
                        <input id="nama-perangkat" name="name" maxlength="64" placeholder="Hp Jackie 2606" autocomplete="off" required aria-describedby="galat-tambah" />
                        <label for="kode-baru">"Kode OTP"</label>
                        <OtpCodeInput id="kode-baru" described_by="galat-tambah" />
                        <button type="submit" class="button button--primary">"Kirim"</button>
                    </ActionForm>
                </InPlaceForm>
            </li>
        </ol>
    }
}
