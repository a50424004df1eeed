//! Server functions of /helpdesk.

use leptos::prelude::*;

use super::views::HelpdeskView;
use crate::error::AppError;
use crate::tickets::views::Receipt;

#[cfg(feature = "ssr")]
mod checked_email {
    //! The email that passed "Periksa", carried to the form in a signed,
    //! short-lived cookie: it keeps the address out of URLs, works without
    //! JavaScript, and makes the form usable only after the check.

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use crate::accounts::types::OfficialEmail;
    use crate::platform::request::{cookie, set_cookie};
    use crate::platform::state::Services;
    use crate::time::UnixTime;

    const COOKIE: &str = "tpo_periksa";
    const PURPOSE: &str = "helpdesk-checked-email";
    pub const LIFETIME_SECONDS: i64 = 30 * 60;

    pub fn remember(svc: &Services, email: &OfficialEmail, now: UnixTime) {
        let expires = now + LIFETIME_SECONDS;
        let message = format!("{}|{expires}", email.as_str());
        let tag = svc.keys.sign(PURPOSE, message.as_bytes());
        let value = format!(
            "{}.{expires}.{}",
            URL_SAFE_NO_PAD.encode(email.as_str()),
            URL_SAFE_NO_PAD.encode(tag)
        );
        set_cookie(COOKIE, &value, LIFETIME_SECONDS, &svc.settings);
    }

    pub fn forget(svc: &Services) {
        set_cookie(COOKIE, "", 0, &svc.settings);
    }

    pub fn read(svc: &Services, now: UnixTime) -> Option<OfficialEmail> {
        let value = cookie(COOKIE)?;
        let mut parts = value.split('.');
        let email = String::from_utf8(URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
        let expires = UnixTime::from_secs(parts.next()?.parse().ok()?);
        let tag = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        let message = format!("{email}|{expires}");
        (expires > now && svc.keys.verify(PURPOSE, message.as_bytes(), &tag))
            .then(|| OfficialEmail::parse(&email).ok())
            .flatten()
    }
}

#[server(endpoint = "helpdesk/state")]
pub async fn helpdesk_state() -> Result<HelpdeskView, AppError> {
    let call = crate::platform::context::call(None)?;
    Ok(HelpdeskView {
        checked_email: checked_email::read(&call.svc, call.now).map(String::from),
    })
}

/// "Periksa": opens the form for the email of a verified signer.
#[server(endpoint = "helpdesk/check")]
pub async fn helpdesk_check(email: String) -> Result<(), AppError> {
    use crate::accounts::types::OfficialEmail;
    use crate::platform::rate_limit::Action;
    use crate::tickets::service::{RequestError, is_eligible};
    let call = crate::platform::context::call(Some(Action::Helpdesk))?;
    let email = OfficialEmail::parse(&email).map_err(AppError::Invalid)?;
    if !is_eligible(&call.svc, &email).await? {
        return Err(RequestError::NotEligible.into());
    }
    checked_email::remember(&call.svc, &email, call.now);
    Ok(())
}

#[server(endpoint = "helpdesk/reset")]
pub async fn helpdesk_reset() -> Result<(), AppError> {
    let call = crate::platform::context::call(None)?;
    checked_email::forget(&call.svc);
    Ok(())
}

/// "Kirim": a Permohonan OTP or a general question, for the checked email.
#[server(endpoint = "helpdesk/submit")]
pub async fn helpdesk_submit(
    category: String,
    full_name: Option<String>,
    nik: Option<String>,
    message: Option<String>,
) -> Result<Receipt, AppError> {
    use crate::accounts::types::{Nik, PersonName};
    use crate::platform::rate_limit::Action;
    use crate::tickets::service::{Origin, OtpRequest, ask_question, request_otp};
    use crate::tickets::types::{Category, MessageText};
    let crate::platform::context::Call { svc, client, now } =
        crate::platform::context::call(Some(Action::Helpdesk))?;
    let email = checked_email::read(&svc, now).ok_or_else(|| {
        AppError::rejected("Sesi formulir telah berakhir. Masukkan email dinas Anda lalu tekan Periksa sekali lagi.")
    })?;
    let receipt = match Category::parse(&category) {
        Some(Category::OtpRequest) => {
            let full_name = PersonName::parse(full_name.as_deref().unwrap_or_default())
                .map_err(AppError::Invalid)?;
            let nik = Nik::parse(nik.as_deref().unwrap_or_default()).map_err(AppError::Invalid)?;
            let request = OtpRequest {
                email: &email,
                nik: &nik,
                full_name: Some(&full_name),
                origin: Origin::Web(&client),
            };
            request_otp(&svc, request, now).await?
        }
        Some(Category::GeneralQuestion) => {
            let question = MessageText::parse(message.as_deref().unwrap_or_default())
                .map_err(AppError::Invalid)?;
            ask_question(&svc, &email, &question, Origin::Web(&client), now).await?
        }
        None => return Err(AppError::invalid("Pilih kategori permohonan.")),
    };
    leptos_axum::redirect(&format!(
        "/helpdesk/terkirim?nomor={}&kategori={category}",
        receipt.number
    ));
    Ok(receipt)
}
