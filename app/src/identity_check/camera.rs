//! "Ambil Foto": the selfie capture. The server renders a plain file form
//! (works without JavaScript, `capture="user"` opens the front camera on
//! phones); once the page is live it becomes a camera with a live preview,
//! an oval guide, capture to a canvas, a preview with "Ulangi" and
//! "Submit", and an upload with progress. When the camera is refused,
//! missing or unsupported, it falls back to choosing a file and says why.
//! Photos are downscaled in the browser (longest side 1280 px, JPEG).
//!
//! Consent comes first (UU PDP: a face photo is biometric data): until the
//! "Saya setuju…" box is ticked, "Ambil Foto" and every "Submit" stay
//! disabled and the camera is never asked for; unticking it closes the
//! camera and drops the photo. The plain form needs the box too (the
//! browser's `required`), and the server refuses a photo without it.

use leptos::html;
use leptos::prelude::*;

use super::types::{CONSENT_FIELD, CONSENT_GIVEN};

// Some stages are reached only from browser code.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Start,
    Opening,
    Live,
    Preview,
    Uploading,
    ChooseFile,
}

/// Longest side of the photo sent to the server.
pub const UPLOAD_MAX_SIDE: u32 = 1280;
pub const UPLOAD_JPEG_QUALITY: f64 = 0.85;

/// The id of the plain (no-JavaScript) form, which the consent box joins.
const PLAIN_FORM_ID: &str = "form-swafoto";

/// An island of its own chunk: only the identity-check page loads the
/// camera's code.
#[island(lazy)]
pub fn SelfieCapture(upload_path: String) -> impl IntoView {
    let (page_live, set_page_live) = signal(false);
    let consented = RwSignal::new(false);
    let consent_box = NodeRef::<html::Input>::new();
    Effect::new(move |_| {
        // A box ticked before the page came alive counts.
        #[cfg(feature = "hydrate")]
        if let Some(input) = consent_box.get_untracked() {
            consented.set(input.checked());
        }
        set_page_live.set(true);
    });
    let plain_form_path = upload_path.clone();
    view! {
        <div class="consent__agree">
            <input id="setuju-swafoto" type="checkbox" name=CONSENT_FIELD value=CONSENT_GIVEN
                form=PLAIN_FORM_ID required node_ref=consent_box
                on:change=move |ev| consented.set(event_target_checked(&ev)) />
            <label for="setuju-swafoto">
                "Saya setuju swafoto saya digunakan dan disimpan seperti dijelaskan di atas."
            </label>
        </div>
        <Show
            when=move || page_live.get()
            fallback=move || {
                view! {
                    <form id=PLAIN_FORM_ID method="post" enctype="multipart/form-data" action=plain_form_path.clone() class="form">
                        <label for="photo-file">"Foto wajah (swafoto)"</label>
                        <input id="photo-file" type="file" name="photo" accept="image/jpeg,image/png" capture="user" required />
                        <button type="submit" class="button button--primary">"Submit"</button>
                    </form>
                }
            }
        >
            <CameraPanel upload_path=upload_path.clone() consented=consented.read_only() />
        </Show>
    }
}

#[component]
fn CameraPanel(upload_path: String, consented: ReadSignal<bool>) -> impl IntoView {
    let stage = RwSignal::new(Stage::Start);
    let error = RwSignal::new(None::<String>);
    let fallback_reason = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<String>);
    let progress = RwSignal::new(0u32);
    let video = NodeRef::<html::Video>::new();

    // Consent withdrawn: close the camera and forget the photo.
    Effect::new(move |_| {
        if !consented.get()
            && matches!(
                stage.get_untracked(),
                Stage::Live | Stage::Preview | Stage::ChooseFile
            )
        {
            #[cfg(feature = "hydrate")]
            {
                browser::stop_camera();
                browser::forget_photo();
            }
            preview.set(None);
            error.set(None);
            stage.set(Stage::Start);
        }
    });
    let open_camera = move |_| {
        if !consented.get_untracked() {
            return;
        }
        error.set(None);
        stage.set(Stage::Opening);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match browser::start_camera().await {
                Ok(()) if !consented.get_untracked() => {
                    // Withdrawn while the browser asked for the camera.
                    browser::stop_camera();
                    stage.set(Stage::Start);
                }
                Ok(()) => {
                    stage.set(Stage::Live);
                    if let Some(element) = video.get_untracked() {
                        browser::show_stream(&element);
                    }
                }
                Err(reason) => {
                    fallback_reason.set(Some(reason.to_string()));
                    stage.set(Stage::ChooseFile);
                }
            }
        });
    };
    let take_photo = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(element) = video.get_untracked() {
            leptos::task::spawn_local(async move {
                match browser::capture(&element).await {
                    Ok(url) => {
                        browser::stop_camera();
                        preview.set(Some(url));
                        stage.set(Stage::Preview);
                    }
                    Err(message) => error.set(Some(message)),
                }
            });
        }
    };
    let retake = move |_| {
        #[cfg(feature = "hydrate")]
        browser::forget_photo();
        preview.set(None);
        error.set(None);
        stage.set(if fallback_reason.get_untracked().is_some() {
            Stage::ChooseFile
        } else {
            Stage::Start
        });
    };
    let cancel = move |_| {
        #[cfg(feature = "hydrate")]
        browser::stop_camera();
        stage.set(Stage::Start);
    };
    let file_chosen = move |ev: leptos::ev::Event| {
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match browser::photo_from_file_input(&ev).await {
                Ok(url) => {
                    preview.set(Some(url));
                    stage.set(Stage::Preview);
                }
                Err(message) => error.set(Some(message)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let submit = {
        let upload_path = upload_path.clone();
        move |_| {
            error.set(None);
            progress.set(0);
            stage.set(Stage::Uploading);
            #[cfg(feature = "hydrate")]
            {
                let upload_path = upload_path.clone();
                leptos::task::spawn_local(async move {
                    let consent = consented.get_untracked();
                    match browser::upload(&upload_path, consent, move |percent| {
                        progress.set(percent)
                    })
                    .await
                    {
                        Ok(next_page) => {
                            let _ = window().location().set_href(&next_page);
                        }
                        Err(message) => {
                            error.set(Some(message));
                            stage.set(Stage::Preview);
                        }
                    }
                });
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = &upload_path;
        }
    };

    view! {
        <div class="selfie" data-stage=move || format!("{:?}", stage.get()).to_lowercase()>
            {move || error.get().map(|message| view! { <p class="alert alert--error" role="alert">{message}</p> })}
            <div class="camera" class:is-hidden=move || stage.get() != Stage::Live>
                <video node_ref=video class="camera__video" autoplay playsinline muted aria-label="Pratinjau kamera"></video>
                <div class="camera__oval" aria-hidden="true"></div>
                <p class="camera__hint">"Posisikan wajah Anda di dalam oval, lalu tekan Jepret."</p>
            </div>
            {move || match stage.get() {
                Stage::Start => view! {
                    <p class="hint">"Lepas masker dan kacamata hitam, cari tempat dengan cahaya cukup, dan pastikan hanya wajah Anda yang terlihat."</p>
                    <p class="hint" id="perlu-persetujuan" hidden=move || consented.get()>
                        "Centang persetujuan di atas untuk membuka kamera."
                    </p>
                    <button type="button" class="button button--primary" on:click=open_camera
                        disabled=move || !consented.get() aria-describedby="perlu-persetujuan">"Ambil Foto"</button>
                }.into_any(),
                Stage::Opening => view! { <p role="status">"Membuka kamera… izinkan akses kamera bila diminta."</p> }.into_any(),
                Stage::Live => view! {
                    <div class="button-row">
                        <button type="button" class="button button--primary" on:click=take_photo>"Jepret"</button>
                        <button type="button" class="button" on:click=cancel>"Batal"</button>
                    </div>
                }.into_any(),
                Stage::Preview => view! {
                    <figure class="selfie__preview">
                        <img src=move || preview.get().unwrap_or_default() alt="Pratinjau swafoto Anda" />
                        <figcaption>"Pastikan wajah Anda terlihat jelas dan tidak buram."</figcaption>
                    </figure>
                    <div class="button-row">
                        <button type="button" class="button" on:click=retake>"Ulangi"</button>
                        <button type="button" class="button button--primary" on:click=submit.clone()
                            disabled=move || !consented.get()>"Submit"</button>
                    </div>
                }.into_any(),
                Stage::Uploading => view! {
                    <label for="unggah">{move || format!("Mengunggah foto… {}%", progress.get())}</label>
                    <progress id="unggah" max="100" value=move || progress.get().to_string()></progress>
                }.into_any(),
                Stage::ChooseFile => view! {
                    <p class="alert alert--warning" role="status">
                        {move || fallback_reason.get().unwrap_or_default()}
                        " Anda tetap dapat mengirim swafoto: pilih atau ambil foto dengan tombol di bawah."
                    </p>
                    <label for="photo-fallback">"Foto wajah (swafoto)"</label>
                    <input id="photo-fallback" type="file" accept="image/jpeg,image/png" capture="user" on:change=file_chosen
                        disabled=move || !consented.get() />
                }.into_any(),
            }}
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The browser APIs behind the panel. The stream and the photo are
    //! JavaScript objects, kept here rather than in (thread-safe) signals.

    use std::cell::RefCell;

    use js_sys::{Function, Object, Promise, Reflect};
    use leptos::prelude::{document, window};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        Blob, CanvasRenderingContext2d, DomException, FormData, HtmlCanvasElement,
        HtmlInputElement, HtmlVideoElement, ImageBitmap, MediaStream, MediaStreamConstraints,
        MediaStreamTrack, ProgressEvent, Url, XmlHttpRequest,
    };

    use super::{UPLOAD_JPEG_QUALITY, UPLOAD_MAX_SIDE};

    thread_local! {
        static STREAM: RefCell<Option<MediaStream>> = const { RefCell::new(None) };
        static PHOTO: RefCell<Option<(Blob, String)>> = const { RefCell::new(None) };
    }

    #[derive(Debug)]
    pub enum CameraProblem {
        Denied,
        Missing,
        Busy,
        Unsupported,
    }

    impl std::fmt::Display for CameraProblem {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(match self {
                Self::Denied => {
                    "Izin kamera ditolak, sehingga kamera tidak dapat dibuka di halaman ini."
                }
                Self::Missing => "Kamera tidak ditemukan di perangkat ini.",
                Self::Busy => "Kamera sedang dipakai aplikasi lain.",
                Self::Unsupported => "Peramban ini tidak mendukung kamera langsung di halaman web.",
            })
        }
    }

    pub async fn start_camera() -> Result<(), CameraProblem> {
        let devices = window()
            .navigator()
            .media_devices()
            .map_err(|_| CameraProblem::Unsupported)?;
        let video = Object::new();
        let ideal = |value: u32| {
            let o = Object::new();
            let _ = Reflect::set(&o, &"ideal".into(), &value.into());
            o
        };
        let _ = Reflect::set(&video, &"facingMode".into(), &"user".into());
        let _ = Reflect::set(&video, &"width".into(), &ideal(1280));
        let _ = Reflect::set(&video, &"height".into(), &ideal(960));
        let constraints = MediaStreamConstraints::new();
        constraints.set_audio(&JsValue::FALSE);
        constraints.set_video(&video);
        let promise = devices
            .get_user_media_with_constraints(&constraints)
            .map_err(|_| CameraProblem::Unsupported)?;
        let stream: MediaStream = JsFuture::from(promise)
            .await
            .map_err(|e| {
                match e
                    .dyn_ref::<DomException>()
                    .map(DomException::name)
                    .as_deref()
                {
                    Some("NotAllowedError" | "SecurityError" | "PermissionDeniedError") => {
                        CameraProblem::Denied
                    }
                    Some("NotFoundError" | "DevicesNotFoundError" | "OverconstrainedError") => {
                        CameraProblem::Missing
                    }
                    Some("NotReadableError" | "TrackStartError" | "AbortError") => {
                        CameraProblem::Busy
                    }
                    _ => CameraProblem::Unsupported,
                }
            })?
            .unchecked_into();
        STREAM.with(|s| s.replace(Some(stream)));
        Ok(())
    }

    pub fn show_stream(video: &HtmlVideoElement) {
        STREAM.with(|s| {
            if let Some(stream) = s.borrow().as_ref() {
                video.set_src_object(Some(stream));
                let _ = video.play();
            }
        });
    }

    pub fn stop_camera() {
        if let Some(stream) = STREAM.with(|s| s.take()) {
            for track in stream.get_tracks().iter() {
                track.unchecked_into::<MediaStreamTrack>().stop();
            }
        }
    }

    pub fn forget_photo() {
        if let Some((_, url)) = PHOTO.with(|p| p.take()) {
            let _ = Url::revoke_object_url(&url);
        }
    }

    /// A canvas of at most UPLOAD_MAX_SIDE holding `width`×`height` scaled down.
    fn canvas_for(
        width: u32,
        height: u32,
    ) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d, f64, f64), String> {
        let scale = (UPLOAD_MAX_SIDE as f64 / width.max(height).max(1) as f64).min(1.0);
        let (w, h) = (
            (width as f64 * scale).round(),
            (height as f64 * scale).round(),
        );
        let canvas: HtmlCanvasElement = document()
            .create_element("canvas")
            .map_err(|_| "Kanvas tidak tersedia.".to_string())?
            .unchecked_into();
        canvas.set_width(w as u32);
        canvas.set_height(h as u32);
        let context = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .ok_or_else(|| "Kanvas tidak tersedia.".to_string())?
            .unchecked_into::<CanvasRenderingContext2d>();
        Ok((canvas, context, w, h))
    }

    async fn to_jpeg(canvas: &HtmlCanvasElement) -> Result<String, String> {
        let canvas = canvas.clone();
        let promise = Promise::new(&mut |resolve: Function, _reject: Function| {
            let _ = canvas.to_blob_with_type_and_encoder_options(
                &resolve,
                "image/jpeg",
                &UPLOAD_JPEG_QUALITY.into(),
            );
        });
        let blob: Blob = JsFuture::from(promise)
            .await
            .ok()
            .filter(|b| !b.is_null())
            .ok_or_else(|| "Foto tidak dapat dibuat. Coba lagi.".to_string())?
            .unchecked_into();
        let url = Url::create_object_url_with_blob(&blob)
            .map_err(|_| "Pratinjau gagal dibuat.".to_string())?;
        forget_photo();
        PHOTO.with(|p| p.replace(Some((blob, url.clone()))));
        Ok(url)
    }

    /// Captures the current video frame; returns a preview URL.
    pub async fn capture(video: &HtmlVideoElement) -> Result<String, String> {
        let (width, height) = (video.video_width(), video.video_height());
        if width == 0 || height == 0 {
            return Err("Kamera belum siap. Tunggu sebentar, lalu tekan Jepret lagi.".into());
        }
        let (canvas, context, w, h) = canvas_for(width, height)?;
        context
            .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, w, h)
            .map_err(|_| "Foto tidak dapat diambil. Coba lagi.".to_string())?;
        to_jpeg(&canvas).await
    }

    /// Reads the chosen file (upright, as its EXIF says), scales it down, re-encodes it.
    pub async fn photo_from_file_input(event: &web_sys::Event) -> Result<String, String> {
        let unreadable =
            || "File ini tidak dapat dibaca sebagai foto. Pilih foto JPEG atau PNG.".to_string();
        let input: HtmlInputElement = event.target().ok_or_else(unreadable)?.unchecked_into();
        let file = input
            .files()
            .and_then(|files| files.get(0))
            .ok_or_else(unreadable)?;
        let promise = window()
            .create_image_bitmap_with_blob(&file)
            .map_err(|_| unreadable())?;
        let bitmap: ImageBitmap = JsFuture::from(promise)
            .await
            .map_err(|_| unreadable())?
            .unchecked_into();
        let (canvas, context, w, h) = canvas_for(bitmap.width(), bitmap.height())?;
        context
            .draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, w, h)
            .map_err(|_| unreadable())?;
        bitmap.close();
        to_jpeg(&canvas).await
    }

    /// Posts the photo with the signer's consent (the server refuses it
    /// without); reports progress in percent; returns the next page.
    pub async fn upload(
        path: &str,
        consent: bool,
        on_progress: impl Fn(u32) + 'static,
    ) -> Result<String, String> {
        let network = || {
            "Foto gagal terkirim. Periksa koneksi internet Anda lalu tekan Submit lagi.".to_string()
        };
        let blob = PHOTO
            .with(|p| p.borrow().as_ref().map(|(blob, _)| blob.clone()))
            .ok_or_else(|| "Ambil foto terlebih dahulu.".to_string())?;
        let form = FormData::new().map_err(|_| network())?;
        form.append_with_blob_and_filename("photo", &blob, "swafoto.jpg")
            .map_err(|_| network())?;
        if consent {
            form.append_with_str(super::CONSENT_FIELD, super::CONSENT_GIVEN)
                .map_err(|_| network())?;
        }
        let xhr = XmlHttpRequest::new().map_err(|_| network())?;
        xhr.open_with_async("POST", path, true)
            .map_err(|_| network())?;
        let _ = xhr.set_request_header("Accept", "application/json");
        let progress = Closure::<dyn Fn(ProgressEvent)>::new(move |event: ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                on_progress((event.loaded() / event.total() * 100.0).round() as u32);
            }
        });
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        }
        let done = {
            let xhr = xhr.clone();
            Promise::new(&mut |resolve: Function, reject: Function| {
                xhr.set_onload(Some(&resolve));
                xhr.set_onerror(Some(&reject));
            })
        };
        xhr.send_with_opt_form_data(Some(&form))
            .map_err(|_| network())?;
        let outcome = JsFuture::from(done).await;
        drop(progress);
        outcome.map_err(|_| network())?;
        let body = xhr.response_text().ok().flatten().unwrap_or_default();
        let answer = js_sys::JSON::parse(&body).unwrap_or(JsValue::NULL);
        let field = |name: &str| {
            Reflect::get(&answer, &name.into())
                .ok()
                .and_then(|v| v.as_string())
        };
        match (xhr.status().unwrap_or(0), field("redirect"), field("error")) {
            (200, Some(next), _) => {
                forget_photo();
                Ok(next)
            }
            (_, _, Some(message)) => Err(message),
            _ => Err(network()),
        }
    }
}
