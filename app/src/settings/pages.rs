//! /admin/pengaturan: the tunables, each with its range.

use leptos::prelude::*;
use leptos_meta::Title;

use super::server_fns::{SaveSettings, current_settings};
use crate::tunables::{TUNABLES, Tunables};
use crate::ui::controls::{ErrorMessage, action_error};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| current_settings());
    view! {
        <Title text="Pengaturan" />
        <h1>"Pengaturan"</h1>
        <p class="hint">
            "Berlaku untuk semua server dalam beberapa detik tanpa memulai ulang. Setiap perubahan tercatat di log audit."
        </p>
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(values) => view! { <SettingsEditor values /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The form with its answer above it. An island (of its own chunk): the
/// form keeps what was typed, and says where it was refused or that it was
/// saved.
#[island(lazy)]
fn SettingsEditor(values: Tunables) -> impl IntoView {
    let save = ServerAction::<SaveSettings>::new();
    view! {
        {action_error(save)}
        {move || save.value().get().and_then(Result::ok).map(|_| view! {
            <p class="alert alert--success" role="status">"Pengaturan disimpan."</p>
        })}
        <SettingsForm values save />
    }
}

#[component]
fn SettingsForm(values: Tunables, save: ServerAction<SaveSettings>) -> impl IntoView {
    let entries = values.entries();
    view! {
        <ActionForm action=save attr:class="form card settings">
            {TUNABLES.iter().zip(entries).map(|(tunable, (key, value))| {
                let id = format!("pengaturan-{key}");
                view! {
                    <div class="field">
                        <label for=id.clone()>{tunable.label}</label>
                        <input
                            id=id
                            name=format!("values[{key}]")
                            value=value
                            inputmode=if tunable.whole { "numeric" } else { "decimal" }
                            required
                        />
                        <span class="hint">{format!("{} sampai {} {}", tunable.min, tunable.max, tunable.unit)}</span>
                    </div>
                }
            }).collect_view()}
            <button type="submit" class="button button--primary">"Simpan pengaturan"</button>
        </ActionForm>
    }
}
