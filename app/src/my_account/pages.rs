//! /akun (the signer's details, devices and recent activity) and
//! /akun/perangkat-baru (adding a device while signed in).

use leptos::html;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
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
    // Only for plain form posts (no JavaScript): the server puts a failed
    // rename or remove in the URL, and these read it back for the page.
    // With JavaScript each device item runs its own actions.
    let rename = ServerAction::<RenameDevice>::new();
    let remove = ServerAction::<RemoveDevice>::new();
    let confirm = ServerAction::<ConfirmWithCode>::new();
    let logout = ServerAction::<Logout>::new();
    // Bumped by a device item after a successful rename or remove: the
    // account is read again, and every device item closes and clears its forms.
    let devices_changed = RwSignal::new(0u32);
    let account = Resource::new(
        move || (devices_changed.get(), confirm.version().get()),
        |_| my_account(),
    );
    view! {
        <Title text="Akun Saya" />
        // Transition, not Suspense: after an action the page stays as it is
        // while the account is read again, instead of collapsing to "Memuat…".
        <Transition fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(account) => view! { <AccountDetails account /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
            // Built once, outside the Suspend above (which is rebuilt whenever
            // the account is read again): its items, keyed by device id, keep
            // their own state and DOM, and a removed device's goes with it.
            <Show when=move || matches!(account.get(), Some(Ok(_)))>
                {action_error(rename)}
                {action_error(remove)}
                <DeviceList account devices_changed />
            </Show>
            {move || Suspend::new(async move {
                account.await.ok().map(|account| view! {
                    <AddDeviceSection account=account.clone() confirm />
                    <ActivityList account />
                    <ActionForm action=logout attr:class="form form--inline">
                        <button type="submit" class="button">"Keluar"</button>
                    </ActionForm>
                })
            })}
        </Transition>
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
    account: Resource<Result<AccountView, AppError>>,
    devices_changed: RwSignal<u32>,
) -> impl IntoView {
    let loaded = move || account.get().and_then(Result::ok);
    let devices = Memo::new(move |_| loaded().map(|a| a.devices).unwrap_or_default());
    let heading = move || {
        let max = loaded().map(|a| a.max_devices).unwrap_or_default();
        format!("Perangkat OTP ({} dari {max})", devices.with(Vec::len))
    };
    view! {
        <section class="card" aria-labelledby="perangkat">
            <h2 id="perangkat">{heading}</h2>
            <ul class="device-list">
                <For
                    each=move || devices.get()
                    key=|device| device.id.clone()
                    children=move |device| view! { <DeviceItem device devices devices_changed /> }
                />
            </ul>
        </section>
    }
}

/// One device with its rename and remove forms. Its state (which form is
/// open, what is typed, the last error) belongs to this device only: the
/// list is keyed by device id. After any successful rename or remove on the
/// page every item closes and clears its forms, as a reloaded page would
/// show them after a plain form post.
#[component]
fn DeviceItem(
    /// The device as first listed; later reads of the account update it.
    device: DeviceView,
    devices: Memo<Vec<DeviceView>>,
    devices_changed: RwSignal<u32>,
) -> impl IntoView {
    let id = device.id.clone();
    let device = Memo::new(move |_| {
        devices
            .with(|all| all.iter().find(|d| d.id == id).cloned())
            .unwrap_or_else(|| device.clone())
    });
    let rename = ServerAction::<RenameDevice>::new();
    let remove = ServerAction::<RemoveDevice>::new();
    let rename_details = NodeRef::<html::Details>::new();
    let remove_details = NodeRef::<html::Details>::new();
    let rename_form = NodeRef::<html::Form>::new();
    let remove_form = NodeRef::<html::Form>::new();
    let password = NodeRef::<html::Input>::new();

    // A success anywhere on the page: tell every item (this one included).
    Effect::new(move |_| {
        let renamed = matches!(rename.value().get(), Some(Ok(())));
        let removed = matches!(remove.value().get(), Some(Ok(())));
        if renamed || removed {
            devices_changed.update(|n| *n += 1);
        }
    });
    // Close and clear both forms, errors included.
    Effect::watch(
        move || devices_changed.get(),
        move |_, _, _| {
            for (details, form) in [(rename_details, rename_form), (remove_details, remove_form)] {
                if let Some(form) = form.get_untracked() {
                    form.reset();
                }
                if let Some(details) = details.get_untracked() {
                    details.set_open(false);
                }
            }
            rename.value().set(None);
            remove.value().set(None);
        },
        false,
    );
    // A refused removal keeps its form open with the error, but the
    // password typed is gone: it is typed again, on purpose.
    Effect::new(move |_| {
        if matches!(remove.value().get(), Some(Err(_)))
            && remove.version().get_untracked() > 0
            && let Some(input) = password.get_untracked()
        {
            input.set_value("");
            _ = input.focus();
        }
    });

    let id = device.with_untracked(|d| d.id.to_string());
    let (rename_id, remove_id) = (id.clone(), id.clone());
    let (name_field, password_field) = (format!("nama-{id}"), format!("sandi-{id}"));
    let name = move || device.with(|d| d.name.clone());
    let meta = move || {
        device.with(|d| {
            let last_used = d
                .last_used_at
                .map(date_time)
                .unwrap_or_else(|| "belum pernah".into());
            format!(
                "Ditambahkan {} melalui {}. Terakhir dipakai: {last_used}.",
                date_time(d.added_at),
                d.channel_label
            )
        })
    };
    let is_current = move || device.with(|d| d.is_current);
    view! {
        <li class="device" data-device-id=id data-device-name=name>
            <div class="device__head">
                <strong class="device__name">{name}</strong>
                {move || is_current().then(|| view! { <span class="badge">"dipakai sesi ini"</span> })}
            </div>
            <p class="device__meta">{meta}</p>
            <details class="device__action" node_ref=rename_details>
                <summary>"Ganti nama"</summary>
                <ActionForm action=rename node_ref=rename_form attr:class="form">
                    <input type="hidden" name="device_id" value=rename_id />
                    <label for=name_field.clone()>"Nama baru"</label>
                    <input
                        id=name_field
                        name="name"
                        placeholder=name
                        autocomplete="off"
                        maxlength="64"
                        required
                    />
                    {fresh_error(rename)}
                    <button type="submit" class="button" disabled=move || rename.pending().get()>
                        "Simpan nama"
                    </button>
                </ActionForm>
            </details>
            <details class="device__action" node_ref=remove_details>
                <summary>"Hapus"</summary>
                <ActionForm action=remove node_ref=remove_form attr:class="form">
                    <input type="hidden" name="device_id" value=remove_id />
                    <p class="hint">
                        {move || if is_current() {
                            "Ini perangkat yang Anda pakai untuk masuk sekarang: setelah dihapus Anda akan keluar. "
                        } else {
                            ""
                        }}
                        "Masukkan kata sandi untuk menghapus perangkat ini."
                    </p>
                    <label for=password_field.clone()>"Kata sandi"</label>
                    <input
                        id=password_field
                        node_ref=password
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                    />
                    {fresh_error(remove)}
                    <button type="submit" class="button button--danger" disabled=move || remove.pending().get()>
                        "Hapus perangkat"
                    </button>
                </ActionForm>
            </details>
        </li>
    }
}

/// The error of this item's last submission, next to its form. An error a
/// plain form post left in the URL is not this item's (the page shows it
/// above the list), so only errors of submissions made here count.
fn fresh_error<S>(action: ServerAction<S>) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || {
        (action.version().get() > 0)
            .then(|| action.value().get())
            .flatten()
            .and_then(Result::err)
            .map(|error| view! { <ErrorMessage error /> })
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
