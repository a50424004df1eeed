//! /admin/impor: an admin uploads an AMS export (CSV) and the reference
//! photos it names, checks it ("Periksa (uji coba)": nothing is saved) and
//! applies it ("Terapkan"). The upload runs from the browser (it needs the
//! page to be live); the report lists every row.

use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use super::server_fns::import_page;
use super::views::{ImportReport, UploadLimits};
use crate::error::AppError;
use crate::ui::controls::ErrorMessage;

/// The upload routes of the server (admin only).
pub const CHECK_PATH: &str = "/admin/impor/periksa";
pub const APPLY_PATH: &str = "/admin/impor/terapkan";

#[component]
pub fn SignerImportPage() -> impl IntoView {
    let limits = Resource::new(|| (), |_| import_page());
    view! {
        <Title text="Impor Signer dari AMS" />
        <h1>"Impor Signer dari AMS"</h1>
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match limits.await {
                    Ok(limits) => view! { <ImportForm limits /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// An island (of its own chunk): the upload runs from the browser.
#[island(lazy)]
fn ImportForm(limits: UploadLimits) -> impl IntoView {
    let form = NodeRef::<html::Form>::new();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let report = RwSignal::new(None::<ImportReport>);
    // The buttons work only once the island is live; until then (and on
    // the server) they are shown disabled rather than doing nothing.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let idle = move || live.get() && !busy.get();
    let send = move |path: &'static str| {
        error.set(None);
        #[cfg(feature = "hydrate")]
        if let Some(element) = form.get_untracked() {
            busy.set(true);
            leptos::task::spawn_local(async move {
                match browser::upload(&element, path).await {
                    Ok(answer) => report.set(Some(answer)),
                    Err(message) => {
                        report.set(None);
                        error.set(Some(message));
                    }
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (path, form);
    };
    view! {
        <section class="card">
            <p>
                "Setiap baris berkas CSV membuat atau memperbarui satu akun Signer menurut ID AMS-nya (bila ada), lalu email dinasnya. "
                "Baris judul berisi kolom "<code>"email, full_name, nik, phone, agency, status, photo, photo_consent"</code>
                " (urutan bebas), ditambah kolom "<code>"ams_id"</code>" bila ada. Status: "<code>"verified"</code>", "<code>"unverified"</code>" atau "<code>"suspended"</code>". "
                "Kolom "<code>"photo"</code>" menyebut nama berkas foto referensi (pilih berkasnya di bawah); "
                "foto hanya disimpan bila "<code>"photo_consent"</code>" berisi "<code>"ya"</code>
                ": Signer menyetujuinya saat registrasi. Akun petugas tidak pernah diubah."
            </p>
            <p class="hint">
                {format!(
                    "CSV maksimal {} MB dan {} baris; seluruh unggahan (CSV dan foto) maksimal {} MB.",
                    limits.max_csv_megabytes, limits.max_rows, limits.max_upload_megabytes
                )}
            </p>
            <form class="form" node_ref=form on:submit=|ev| ev.prevent_default()>
                <label for="impor-csv">"Berkas CSV ekspor AMS"</label>
                <input id="impor-csv" type="file" name="csv" accept=".csv,text/csv" required />
                <label for="impor-foto">"Foto referensi (opsional, boleh lebih dari satu)"</label>
                <input id="impor-foto" type="file" name="photos" accept="image/jpeg,image/png" multiple />
                <div class="button-row">
                    <button type="button" class="button" disabled=move || !idle()
                        on:click=move |_| send(CHECK_PATH)>
                        "Periksa (uji coba)"
                    </button>
                    <button type="button" class="button button--primary" disabled=move || !idle()
                        on:click=move |_| send(APPLY_PATH)>
                        "Terapkan"
                    </button>
                </div>
            </form>
            {move || busy.get().then(|| view! { <p role="status">"Memproses berkas…"</p> })}
            {move || error.get().map(|message| view! {
                <p class="alert alert--error" role="alert">{message}</p>
            })}
        </section>
        {move || report.get().map(|report| view! { <ReportTable report /> })}
    }
}

#[component]
fn ReportTable(report: ImportReport) -> impl IntoView {
    let (title, note) = if report.dry_run {
        (
            "Hasil uji coba",
            "Belum ada yang disimpan. Tekan Terapkan untuk menyimpan perubahan ini.",
        )
    } else {
        (
            "Hasil impor",
            "Perubahan telah disimpan; baris dengan galat dilewati.",
        )
    };
    view! {
        <section class="card" data-testid="import-report">
            <h2>{title}</h2>
            <p class="alert alert--success" role="status">{report.summary()}</p>
            <p class="hint">{note}</p>
            <table class="report-table">
                <thead>
                    <tr><th>"Baris"</th><th>"Email"</th><th>"Hasil"</th><th>"Keterangan"</th></tr>
                </thead>
                <tbody>
                    {report.rows.into_iter().map(|row| view! {
                        <tr data-result=row.outcome.label()>
                            <td>{row.line}</td>
                            <td>{row.email}</td>
                            <td>{row.outcome.label()}</td>
                            <td>{row.outcome.detail()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The multipart upload of the form, and its JSON answer.

    use js_sys::{Function, Promise};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{FormData, HtmlFormElement, XmlHttpRequest};

    use super::ImportReport;

    pub async fn upload(form: &HtmlFormElement, path: &str) -> Result<ImportReport, String> {
        let network = || "Berkas gagal terkirim. Periksa koneksi Anda lalu coba lagi.".to_string();
        let data = FormData::new_with_form(form).map_err(|_| network())?;
        let xhr = XmlHttpRequest::new().map_err(|_| network())?;
        xhr.open_with_async("POST", path, true)
            .map_err(|_| network())?;
        let _ = xhr.set_request_header("Accept", "application/json");
        let done = {
            let xhr = xhr.clone();
            Promise::new(&mut |resolve: Function, reject: Function| {
                xhr.set_onload(Some(&resolve));
                xhr.set_onerror(Some(&reject));
            })
        };
        xhr.send_with_opt_form_data(Some(&data))
            .map_err(|_| network())?;
        JsFuture::from(done).await.map_err(|_| network())?;
        let body = xhr.response_text().ok().flatten().unwrap_or_default();
        if xhr.status().unwrap_or(0) == 200 {
            return serde_json::from_str(&body).map_err(|_| network());
        }
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        Err(answer
            .get("error")
            .and_then(|e| e.as_str())
            .map(str::to_string)
            .unwrap_or_else(network))
    }
}
