//! The 30-second ring next to the code field: it tells the signer how long
//! the code in their app stays valid. The page carries the server's time;
//! the browser keeps the offset to its own clock, so a phone whose clock is
//! off still sees the server's periods.

use leptos::prelude::*;

use crate::otp_devices::types::{STEP_SECONDS, seconds_left_in_step};

#[component]
pub fn CodeCountdown(server_time: i64) -> impl IntoView {
    let (seconds_left, set_seconds_left) = signal(seconds_left_in_step(server_time));
    #[cfg(feature = "hydrate")]
    {
        let offset = server_time as f64 - js_sys::Date::now() / 1000.0;
        let tick = move || {
            let server_now = (js_sys::Date::now() / 1000.0 + offset).floor() as i64;
            set_seconds_left.set(seconds_left_in_step(server_now));
        };
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_millis(250)) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_seconds_left;
    let circumference = 100.0;
    view! {
        <div class="countdown" role="timer" aria-label="Sisa waktu kode OTP saat ini">
            <svg class="countdown__ring" viewBox="0 0 36 36" aria-hidden="true">
                <circle class="countdown__track" cx="18" cy="18" r="15.9155" />
                <circle
                    class="countdown__progress"
                    class:countdown__progress--low=move || seconds_left.get() <= 5
                    cx="18"
                    cy="18"
                    r="15.9155"
                    stroke-dasharray=circumference.to_string()
                    stroke-dashoffset=move || {
                        (circumference * (1.0 - seconds_left.get() as f64 / STEP_SECONDS as f64)).to_string()
                    }
                />
            </svg>
            <span class="countdown__text">
                <span class="countdown__seconds">{move || seconds_left.get()}</span>
                " detik lagi kode berganti"
            </span>
        </div>
    }
}
