//! Handling one Telegram update exactly once: in a single transaction the
//! update id is recorded (a second delivery finds it and does nothing), the
//! chat state moves on, a ticket is created when asked, and the replies are
//! queued; the sender delivers them after the commit.

use serde_json::json;

use super::conversation::{self, Action, ChatState, Event};
use super::repo;
use super::types::Update;
use crate::accounts::types::{Nik, OfficialEmail};
use crate::platform::state::Services;
use crate::tickets::service::{
    Origin, OtpRequest, RequestError, ask_question_in, lookup, request_otp_in,
};
use crate::tickets::types::{MessageText, TicketNumber};
use crate::time::UnixTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Handled,
    /// Delivered before: nothing done again.
    Duplicate,
    /// Nothing a bot answers (an edit, a sticker, a chat member change…).
    Ignored,
}

/// What an update says, in a private chat or not.
#[derive(Debug)]
pub struct Incoming {
    pub chat_id: i64,
    pub private: bool,
    pub event: Event,
    pub callback_id: Option<String>,
}

/// The event an update carries, if it is one the bot answers.
pub fn incoming(update: &Update) -> Option<Incoming> {
    if let Some(query) = &update.callback_query {
        let message = query.message.as_ref()?;
        return Some(Incoming {
            chat_id: message.chat.id,
            private: message.chat.kind == "private",
            event: Event::Button {
                data: query.data.clone().unwrap_or_default(),
            },
            callback_id: Some(query.id.clone()),
        });
    }
    let message = update.message.as_ref()?;
    Some(Incoming {
        chat_id: message.chat.id,
        private: message.chat.kind == "private",
        event: Event::Text {
            text: message.text.clone()?,
            message_id: message.message_id,
        },
        callback_id: None,
    })
}

fn category_keyboard() -> serde_json::Value {
    json!({ "inline_keyboard": [
        [{ "text": "Permohonan OTP", "callback_data": conversation::BUTTON_OTP }],
        [{ "text": "Pertanyaan Umum", "callback_data": conversation::BUTTON_QUESTION }],
        [{ "text": "Cek Status Tiket", "callback_data": conversation::BUTTON_STATUS }],
    ]})
}

/// A database failure aborts the update (Telegram delivers it again); a
/// refusal (unknown account, mismatch) is deliberately not told to the chat.
fn only_database_errors<T>(result: Result<T, RequestError>) -> Result<(), sqlx::Error> {
    match result {
        Err(RequestError::Database(e)) => Err(e),
        _ => Ok(()),
    }
}

pub async fn handle_update(
    svc: &Services,
    update: &Update,
    now: UnixTime,
) -> Result<Outcome, sqlx::Error> {
    let incoming = incoming(update);
    let mut tx = svc.db.begin_write().await?;
    if !repo::first_time(
        &mut tx,
        update.update_id,
        incoming.as_ref().map(|i| i.chat_id),
        now,
    )
    .await?
    {
        return Ok(Outcome::Duplicate);
    }
    let Some(Incoming {
        chat_id,
        private,
        event,
        callback_id,
    }) = incoming
    else {
        tx.commit().await?;
        return Ok(Outcome::Ignored);
    };
    if let Some(id) = callback_id {
        repo::enqueue(
            &mut tx,
            chat_id,
            "answerCallbackQuery",
            &json!({ "callback_query_id": id }),
            now,
        )
        .await?;
    }
    let reply = |text: &str| json!({ "chat_id": chat_id, "text": text });
    if !private {
        // Told once a day: a busy group must not make the bot a chatterbox
        // (or spend its sending budget).
        if !repo::replied_since(&mut tx, chat_id, now - 86_400).await? {
            let text = "Maaf, layanan Helpdesk hanya melayani chat pribadi. Silakan kirim pesan langsung kepada bot ini.";
            repo::enqueue(&mut tx, chat_id, "sendMessage", &reply(text), now).await?;
        }
        tx.commit().await?;
        return Ok(Outcome::Handled);
    }
    if svc.limits.check_chat(chat_id).is_err() {
        // Too many messages: they are recorded as handled and not answered.
        tx.commit().await?;
        return Ok(Outcome::Handled);
    }
    let (state, updated_at) = match repo::load_state(&mut tx, chat_id).await? {
        Some((sealed, updated_at)) => {
            let state = svc
                .keys
                .open(&chat_id.to_be_bytes(), &sealed)
                .ok()
                .and_then(|plain| serde_json::from_slice::<ChatState>(&plain).ok());
            // A conversation the server cannot read (a changed key, an older
            // state shape) starts over rather than locking the chat out, but
            // the operator should know.
            if state.is_none() {
                tracing::warn!(chat_id, "unreadable Telegram chat state; starting over");
            }
            (state.unwrap_or_default(), updated_at)
        }
        None => (ChatState::Idle, now),
    };
    let (next, actions) = conversation::step(state, updated_at, event, now);
    for action in actions {
        match action {
            Action::Reply {
                text,
                with_categories,
            } => {
                let mut payload = reply(&text);
                if with_categories {
                    payload["reply_markup"] = category_keyboard();
                }
                repo::enqueue(&mut tx, chat_id, "sendMessage", &payload, now).await?;
            }
            Action::Delete { message_id } => {
                let payload = json!({ "chat_id": chat_id, "message_id": message_id });
                repo::enqueue(&mut tx, chat_id, "deleteMessage", &payload, now).await?;
            }
            // The answer is the same whatever the outcome: the mail is the proof.
            Action::RequestOtp { nik, email } => {
                if let (Ok(nik), Ok(email)) = (Nik::parse(&nik), OfficialEmail::parse(&email)) {
                    let request = OtpRequest {
                        email: &email,
                        nik: &nik,
                        full_name: None,
                        origin: Origin::Telegram { chat_id },
                    };
                    only_database_errors(request_otp_in(&mut tx, svc, request, now).await)?;
                }
            }
            Action::AskQuestion { email, text } => {
                if let (Ok(email), Ok(question)) =
                    (OfficialEmail::parse(&email), MessageText::parse(&text))
                {
                    let asked = ask_question_in(
                        &mut tx,
                        svc,
                        &email,
                        &question,
                        Origin::Telegram { chat_id },
                        now,
                    )
                    .await;
                    only_database_errors(asked)?;
                }
            }
            Action::LookUpStatus { number, email } => {
                let found = match (TicketNumber::parse(&number), OfficialEmail::parse(&email)) {
                    (Ok(number), Ok(email)) => lookup(svc, &number, &email).await?,
                    _ => None,
                };
                let text = match found {
                    Some(ticket) => format!(
                        "Tiket #{}\nKategori: {}\nStatus: {}\nDiperbarui: {}",
                        ticket.number,
                        ticket.category_label,
                        ticket.status_label,
                        crate::format::date_time(ticket.updated_at)
                    ),
                    None => "Tiket tidak ditemukan. Periksa kembali nomor tiket dan email dinas yang Anda pakai saat mengajukan.".into(),
                };
                repo::enqueue(&mut tx, chat_id, "sendMessage", &reply(&text), now).await?;
            }
        }
    }
    let plain = serde_json::to_vec(&next).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    repo::save_state(
        &mut tx,
        chat_id,
        &svc.keys.seal(&chat_id.to_be_bytes(), &plain),
        now,
    )
    .await?;
    tx.commit().await?;
    svc.mail_queued.notify_one();
    svc.telegram_queued.notify_one();
    Ok(Outcome::Handled)
}
