//! /admin: the selfies waiting for a verifier.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::error::AppError;
use crate::format::date_time;
use crate::identity_check::server_fns::{ApproveSelfie, RejectSelfie, review_queue};
use crate::identity_check::views::ReviewItem;
use crate::ui::controls::{ErrorMessage, action_error};

#[component]
pub fn AdminPage() -> impl IntoView {
    let approve = ServerAction::<ApproveSelfie>::new();
    let reject = ServerAction::<RejectSelfie>::new();
    let queue = Resource::new(
        move || (approve.version().get(), reject.version().get()),
        |_| review_queue(),
    );
    view! {
        <Title text="Verifikasi swafoto" />
        <h1>"Verifikasi swafoto"</h1>
        <p><a href="/admin/impor">"Impor Signer dari AMS (admin)"</a></p>
        {action_error(approve)}
        {action_error(reject)}
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(items) if items.is_empty() => view! {
                        <p class="card">"Tidak ada swafoto yang menunggu verifikasi."</p>
                    }.into_any(),
                    Ok(items) => items.into_iter().map(|item| view! { <ReviewCard item approve reject /> }).collect_view().into_any(),
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
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
                    <dt>"Nama"</dt><dd>{item.full_name}</dd>
                    <dt>"Email dinas"</dt><dd>{item.email}</dd>
                    <dt>"NIK"</dt><dd>{item.nik_masked}</dd>
                    <dt>"Instansi"</dt><dd>{item.agency.unwrap_or_else(|| "-".into())}</dd>
                    <dt>"Ponsel"</dt><dd>{item.phone.unwrap_or_else(|| "-".into())}</dd>
                    <dt>"Kanal"</dt><dd>{item.channel_label}</dd>
                    <dt>"Diajukan"</dt><dd>{date_time(item.requested_at)}</dd>
                    <dt>"Swafoto dikirim"</dt><dd>{date_time(item.submitted_at)}</dd>
                </dl>
            </div>
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
                    <button type="submit" class="button button--primary">"Setujui"</button>
                </ActionForm>
                <ActionForm action=reject attr:class="form">
                    <input type="hidden" name="ticket_id" value=reject_id.to_string() />
                    <label for=reason_id.clone()>"Alasan penolakan (dikirim ke signer)"</label>
                    <textarea id=reason_id.clone() name="reason" rows="2" maxlength="500" required></textarea>
                    <button type="submit" class="button button--danger">"Tolak"</button>
                </ActionForm>
            </div>
        </article>
    }
}
