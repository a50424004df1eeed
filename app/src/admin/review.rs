//! /admin/verifikasi: the selfies waiting for a verifier, one in focus
//! (the oldest, or `?tiket=` one) with the rest listed below; after a
//! decision the next opens. Keyboard: S goes to "Setujui", T to the
//! rejection reason, N to the next item.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::admin::tables::TicketTable;
use crate::error::AppError;
use crate::format::date_time;
use crate::identity_check::pages::FaceMatchSummary;
use crate::identity_check::server_fns::{ApproveSelfie, RejectSelfie, review_queue};
use crate::identity_check::views::ReviewItem;
use crate::ui::controls::{ErrorMessage, action_error};

#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let approve = ServerAction::<ApproveSelfie>::new();
    let reject = ServerAction::<RejectSelfie>::new();
    let query = use_query_map();
    let wanted = move || query.with(|q| q.get("tiket"));
    let queue = Resource::new(
        move || (approve.version().get(), reject.version().get()),
        |_| review_queue(),
    );
    view! {
        <Title text="Verifikasi swafoto" />
        <h1>"Verifikasi swafoto"</h1>
        <KeyboardShortcuts />
        {action_error(approve)}
        {action_error(reject)}
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(items) if items.is_empty() => view! {
                        <p class="card">"Tidak ada swafoto yang menunggu verifikasi."</p>
                    }.into_any(),
                    Ok(mut items) => {
                        // A decided ticket leaves the queue: the oldest then opens.
                        let focus = wanted()
                            .and_then(|number| items.iter().position(|i| i.ticket_number == number))
                            .unwrap_or(0);
                        let item = items.remove(focus);
                        let next = items.first().map(|i| i.ticket_number.clone());
                        view! {
                            <p class="hint" data-testid="queue-size">
                                {format!("{} permohonan menunggu.", items.len() + 1)}
                            </p>
                            <ReviewCard item approve reject />
                            {next.map(|number| view! {
                                <p><a data-shortcut=NEXT href=format!("/admin/verifikasi?tiket={number}")>"Permohonan berikutnya ›"</a></p>
                            })}
                            {(!items.is_empty()).then(|| view! { <WaitingList items /> })}
                        }.into_any()
                    }
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The `data-shortcut` marks of the elements the keys reach.
const APPROVE: &str = "setujui";
const REASON: &str = "alasan";
const NEXT: &str = "berikutnya";

/// S, T and N while no text field has the focus: S and T move the focus to
/// the element marked for them, N follows the next item's link.
#[island]
fn KeyboardShortcuts() -> impl IntoView {
    Effect::new(move |_| {
        let handle = window_event_listener(leptos::ev::keydown, move |event| {
            if event.ctrl_key() || event.meta_key() || event.alt_key() {
                return;
            }
            let typing = document().active_element().is_some_and(|element| {
                matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            });
            let mark = match event.key().as_str() {
                "s" | "S" => APPROVE,
                "t" | "T" => REASON,
                "n" | "N" => NEXT,
                _ => return,
            };
            if typing {
                return;
            }
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                let target = document()
                    .query_selector(&format!("[data-shortcut={mark}]"))
                    .ok()
                    .flatten()
                    .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(target) = target {
                    if mark == NEXT {
                        target.click();
                    } else {
                        let _ = target.focus();
                    }
                    event.prevent_default();
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = mark;
        });
        on_cleanup(move || handle.remove());
    });
    view! {
        <p class="hint shortcuts">
            "Pintasan papan ketik: " <kbd>"S"</kbd> " ke tombol Setujui (lalu Enter), "
            <kbd>"T"</kbd> " isi alasan penolakan, " <kbd>"N"</kbd> " permohonan berikutnya."
        </p>
    }
}

#[component]
fn WaitingList(items: Vec<ReviewItem>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="antrean">
            <h2 id="antrean">"Antrean berikutnya"</h2>
            <ol class="plain-list">
                {items.into_iter().map(|item| view! {
                    <li>
                        <a href=format!("/admin/verifikasi?tiket={}", item.ticket_number)>{format!("#{}", item.ticket_number)}</a>
                        {format!(" · {} · swafoto {}", item.full_name, date_time(item.submitted_at))}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn ReviewCard(
    item: ReviewItem,
    approve: ServerAction<ApproveSelfie>,
    reject: ServerAction<RejectSelfie>,
) -> impl IntoView {
    let (approve_id, reject_id) = (item.ticket_id.clone(), item.ticket_id.clone());
    let reason_id = format!("alasan-{}", item.ticket_number);
    let mismatches = item.mismatches_30_days;
    view! {
        <article class="card review" data-ticket=item.ticket_number.clone()>
            <h2>{format!("Tiket #{}", item.ticket_number)}</h2>
            <div class="review__body">
                <div class="review__compare">
                    <figure class="review__figure">
                        <img class="review__photo" src=format!("/admin/swafoto/{}", item.selfie_id)
                            alt=format!("Swafoto untuk tiket #{}", item.ticket_number) />
                        <figcaption>"Swafoto permohonan ini"</figcaption>
                    </figure>
                    {match item.reference_set_at {
                        Some(set_at) => view! {
                            <figure class="review__figure">
                                <img class="review__photo" src=format!("/admin/referensi/{}", item.account_id)
                                    alt=format!("Foto referensi {}", item.full_name) />
                                <figcaption>{format!("Foto referensi dari registrasi AMS (disimpan {})", date_time(set_at))}</figcaption>
                            </figure>
                        }.into_any(),
                        None => view! {
                            <div class="review__figure review__missing" role="note" data-testid="no-reference">
                                <strong>"Belum ada foto referensi"</strong>
                                <p>
                                    "Tidak ada foto orang yang sebenarnya untuk dibandingkan. Swafoto sebelumnya berasal dari "
                                    "permohonan serupa dan bukan bukti identitas: cocokkan data AMS dengan hati-hati, dan tolak "
                                    "bila ragu."
                                </p>
                            </div>
                        }.into_any(),
                    }}
                </div>
                <dl class="facts">
                    <FaceMatchSummary outcome=item.face_match />
                    <dt>"Nama"</dt><dd>{item.full_name}</dd>
                    <dt>"Email dinas"</dt><dd>{item.email}</dd>
                    <dt>"NIK"</dt><dd>{item.nik_masked}</dd>
                    <dt>"Instansi"</dt><dd>{item.agency.unwrap_or_else(|| "-".into())}</dd>
                    <dt>"Ponsel"</dt><dd>{item.phone.unwrap_or_else(|| "-".into())}</dd>
                    <dt>"Kanal"</dt><dd>{item.channel_label}</dd>
                    <dt>"Diajukan"</dt><dd>{date_time(item.requested_at)}</dd>
                    <dt>"Swafoto dikirim"</dt><dd>{date_time(item.submitted_at)}</dd>
                    <dt>"Alamat klien"</dt><dd>{item.client_ip.unwrap_or_else(|| "-".into())}</dd>
                    <dt>"Peramban"</dt><dd class="hint">{item.user_agent.unwrap_or_else(|| "-".into())}</dd>
                    <dt>"Data tidak cocok (30 hari)"</dt>
                    <dd data-testid="mismatches" class=(mismatches > 0).then_some("field-error")>
                        {match mismatches {
                            0 => "Tidak ada".to_string(),
                            n => format!("{n} permohonan dengan nama atau NIK yang salah: waspadai pihak lain"),
                        }}
                    </dd>
                </dl>
            </div>
            {(!item.earlier_tickets.is_empty()).then(|| view! {
                <h3>"Tiket lain dari akun ini"</h3>
                <TicketTable tickets=item.earlier_tickets />
            })}
            {(!item.earlier.is_empty()).then(|| view! {
                <h3>"Swafoto sebelumnya dari akun ini"</h3>
                <ul class="earlier">
                    {item.earlier.into_iter().map(|earlier| view! {
                        <li>
                            {earlier.has_image.then(|| view! {
                                <img class="earlier__photo" src=format!("/admin/swafoto/{}", earlier.selfie_id) alt="Swafoto sebelumnya" />
                            })}
                            <span>{format!("{} · {}", date_time(earlier.submitted_at), earlier.decision_label)}</span>
                            {earlier.reason.map(|r| view! { <span class="hint">{format!("Alasan: {r}")}</span> })}
                            {(!earlier.has_image).then(|| view! { <span class="hint">"Foto sudah dihapus (masa simpan berakhir)."</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            <div class="review__actions">
                <ActionForm action=approve attr:class="form form--inline">
                    <input type="hidden" name="ticket_id" value=approve_id.to_string() />
                    <button data-shortcut=APPROVE type="submit" class="button button--primary">"Setujui"</button>
                </ActionForm>
                <ActionForm action=reject attr:class="form">
                    <input type="hidden" name="ticket_id" value=reject_id.to_string() />
                    <label for=reason_id.clone()>"Alasan penolakan (dikirim ke signer)"</label>
                    <textarea data-shortcut=REASON id=reason_id.clone() name="reason" rows="2" maxlength="500" required></textarea>
                    <button type="submit" class="button button--danger">"Tolak"</button>
                </ActionForm>
            </div>
        </article>
    }
}
