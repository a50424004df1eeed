//! /admin: what waits for staff, and how fast requests finish.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::error::AppError;
use crate::format::date_time;
use crate::tickets::views::Dashboard;
use crate::ui::controls::ErrorMessage;

#[server(endpoint = "staff/dashboard/load")]
pub async fn load_dashboard() -> Result<Dashboard, AppError> {
    let call = crate::platform::context::call(None)?;
    crate::accounts::current::staff(&call).await?;
    Ok(crate::tickets::stats::dashboard(&call.svc, call.now).await?)
}

/// "2 jam 5 menit", "3 menit", "kurang dari 1 menit".
pub fn duration_text(seconds: i64) -> String {
    let (days, hours, minutes) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    match (days, hours, minutes) {
        (0, 0, 0) => "kurang dari 1 menit".into(),
        (0, 0, m) => format!("{m} menit"),
        (0, h, m) => format!("{h} jam {m} menit"),
        (d, h, _) => format!("{d} hari {h} jam"),
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let figures = Resource::new(|| (), |_| load_dashboard());
    view! {
        <Title text="Dasbor" />
        <h1>"Dasbor"</h1>
        <Suspense fallback=|| view! { <p>"Memuat…"</p> }>
            {move || Suspend::new(async move {
                match figures.await {
                    Ok(figures) => view! { <Figures figures /> }.into_any(),
                    Err(error) => view! { <ErrorMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Figures(figures: Dashboard) -> impl IntoView {
    let open_total: i64 = figures
        .open
        .iter()
        .map(|(_, web, telegram)| web + telegram)
        .sum();
    view! {
        <section class="stats" aria-label="Ringkasan">
            <p class="stat card" data-testid="waiting-selfie">
                <strong>{figures.oldest_waiting.clone().map_or("-".to_string(), |(number, _)| format!("#{number}"))}</strong>
                {match figures.oldest_waiting {
                    Some((number, since)) => view! {
                        "Swafoto terlama menunggu sejak " {date_time(since)} " · "
                        <A href=format!("/admin/verifikasi?tiket={number}")>"Periksa"</A>
                    }.into_any(),
                    None => view! { "Tidak ada swafoto yang menunggu." }.into_any(),
                }}
            </p>
            <p class="stat card"><strong>{figures.opened_today}</strong>"Tiket masuk hari ini"</p>
            <p class="stat card"><strong>{figures.completed_today}</strong>"Perangkat ditambahkan hari ini"</p>
            <p class="stat card"><strong>{figures.opened_this_week}</strong>"Tiket masuk minggu ini"</p>
            <p class="stat card"><strong>{figures.completed_this_week}</strong>"Perangkat ditambahkan minggu ini"</p>
            <p class="stat card" data-testid="median">
                <strong>{figures.median_completion_seconds.map_or("-".to_string(), duration_text)}</strong>
                {format!("Median dari permohonan sampai perangkat ditambahkan ({} tiket, 30 hari)", figures.completed_last_30_days)}
            </p>
        </section>
        <section class="card" aria-labelledby="terbuka">
            <h2 id="terbuka">{format!("Tiket terbuka ({open_total})")}</h2>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th>"Status"</th><th>"Helpdesk web"</th><th>"Telegram"</th></tr></thead>
                    <tbody>
                        {figures.open.into_iter().map(|(status, web, telegram)| view! {
                            <tr><td>{status}</td><td>{web}</td><td>{telegram}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p><A href="/admin/tiket">"Lihat semua tiket terbuka"</A></p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::duration_text;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_text(30), "kurang dari 1 menit");
        assert_eq!(duration_text(180), "3 menit");
        assert_eq!(duration_text(2 * 3600 + 5 * 60), "2 jam 5 menit");
        assert_eq!(duration_text(86_400 + 3 * 3600), "1 hari 3 jam");
    }
}
