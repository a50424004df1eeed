//! The bot's conversation as a pure state machine: (state, event, now) ->
//! (state, actions). No I/O here; `service` persists the state and carries
//! out the actions, so every step is testable on its own.

use serde::{Deserialize, Serialize};

use crate::accounts::types::{Nik, OfficialEmail};
use crate::tickets::types::{MessageText, TicketNumber};
use crate::time::UnixTime;

/// A conversation left alone this long starts over.
pub const IDLE_RESET_SECONDS: i64 = 30 * 60;

pub const BUTTON_OTP: &str = "kategori:otp";
pub const BUTTON_QUESTION: &str = "kategori:pertanyaan";
pub const BUTTON_STATUS: &str = "kategori:status";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ChatState {
    #[default]
    Idle,
    /// "Permohonan OTP": waiting for the NIK.
    OtpAwaitingNik,
    /// Waiting for the email; the NIK is kept only until the request is made.
    OtpAwaitingEmail {
        nik: String,
    },
    QuestionAwaitingEmail,
    QuestionAwaitingText {
        email: String,
    },
    StatusAwaitingNumber,
    StatusAwaitingEmail {
        number: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A text message (commands included), with its message id.
    Text { text: String, message_id: i64 },
    /// An inline-keyboard button.
    Button { data: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Reply {
        text: String,
        with_categories: bool,
    },
    /// Removes a message the signer sent (it held their NIK).
    Delete {
        message_id: i64,
    },
    RequestOtp {
        nik: String,
        email: String,
    },
    AskQuestion {
        email: String,
        text: String,
    },
    LookUpStatus {
        number: String,
        email: String,
    },
}

fn reply(text: impl Into<String>) -> Action {
    Action::Reply {
        text: text.into(),
        with_categories: false,
    }
}

fn menu(text: impl Into<String>) -> Action {
    Action::Reply {
        text: text.into(),
        with_categories: true,
    }
}

pub const ASK_NIK: &str = "Anda memilih kategori Permohonan OTP. Mohon inputkan NIK anda. /cancel jika ingin mengganti kategori";
pub const ASK_EMAIL: &str = "Mohon inputkan email dinas anda (email yang terdaftar di AMS). /cancel jika ingin mengganti kategori";
pub const GENERIC_OTP_ANSWER: &str = "Jika NIK dan email dinas tersebut sesuai dengan akun AMS berstatus verified, email \
     \"Permohonan Reset OTP\" akan dikirim ke email dinas tersebut dalam beberapa menit. Buka email itu dan ikuti \
     tautan \"Pengecekan Data Diri\" untuk melanjutkan. Jika tidak ada email, periksa kembali data Anda lalu ketik /start.";
pub const GENERIC_QUESTION_ANSWER: &str = "Jika email dinas tersebut terdaftar di AMS dengan status verified, \
     pertanyaan Anda tercatat sebagai tiket dan konfirmasinya dikirim ke email tersebut. Petugas akan membalas melalui email.";

fn welcome() -> Action {
    menu("Selamat datang di Helpdesk. Silakan pilih kategori:")
}

fn help() -> Action {
    menu(
        "Bot ini menerima Permohonan OTP (menambah perangkat OTP bila Anda kehilangan aplikasi Authenticator), \
         pertanyaan umum, dan pengecekan status tiket.\n\n\
         /start – pilih kategori\n/status <nomor tiket> – cek status tiket\n/cancel – batalkan dan ganti kategori\n/help – bantuan ini\n\n\
         Petugas tidak pernah meminta kata sandi atau kode OTP Anda.",
    )
}

/// The next state and what to do, for one event in a private chat.
pub fn step(
    state: ChatState,
    updated_at: UnixTime,
    event: Event,
    now: UnixTime,
) -> (ChatState, Vec<Action>) {
    let state = if now - updated_at > IDLE_RESET_SECONDS {
        ChatState::Idle
    } else {
        state
    };
    match event {
        Event::Button { data } => choose(&data),
        Event::Text { text, message_id } => {
            let text = text.trim();
            let (command, argument) = split_command(text);
            match command {
                Some("/start") => (ChatState::Idle, vec![welcome()]),
                Some("/help") => (state, vec![help()]),
                Some("/cancel") => (
                    ChatState::Idle,
                    vec![menu("Permintaan dibatalkan. Silakan pilih kategori:")],
                ),
                Some("/status") if argument.is_empty() => choose(BUTTON_STATUS),
                Some("/status") => status_number(argument),
                Some(_) => (
                    state,
                    vec![reply("Perintah tidak dikenal. Ketik /help untuk bantuan.")],
                ),
                None => answer(state, text, message_id),
            }
        }
    }
}

fn split_command(text: &str) -> (Option<&str>, &str) {
    if !text.starts_with('/') {
        return (None, text);
    }
    let (command, argument) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    // "/start@NamaBot" is how Telegram writes a command meant for one bot.
    let command = command.split('@').next().unwrap_or(command);
    (Some(command), argument.trim())
}

fn choose(button: &str) -> (ChatState, Vec<Action>) {
    match button {
        BUTTON_OTP => (ChatState::OtpAwaitingNik, vec![reply(ASK_NIK)]),
        BUTTON_QUESTION => (
            ChatState::QuestionAwaitingEmail,
            vec![reply(
                "Anda memilih kategori Pertanyaan Umum. Mohon inputkan email dinas anda. /cancel jika ingin mengganti kategori",
            )],
        ),
        BUTTON_STATUS => (
            ChatState::StatusAwaitingNumber,
            vec![reply(
                "Mohon inputkan nomor tiket (7 huruf/angka, contoh: d1q0517). /cancel untuk membatalkan",
            )],
        ),
        _ => (ChatState::Idle, vec![welcome()]),
    }
}

fn status_number(text: &str) -> (ChatState, Vec<Action>) {
    match TicketNumber::parse(text) {
        Ok(number) => (
            ChatState::StatusAwaitingEmail {
                number: number.to_string(),
            },
            vec![reply(
                "Mohon inputkan email dinas yang Anda pakai saat mengajukan tiket tersebut.",
            )],
        ),
        Err(hint) => (
            ChatState::StatusAwaitingNumber,
            vec![reply(format!("{hint} Mohon inputkan nomor tiket."))],
        ),
    }
}

fn answer(state: ChatState, text: &str, message_id: i64) -> (ChatState, Vec<Action>) {
    match state {
        ChatState::Idle => (
            ChatState::Idle,
            vec![menu(
                "Silakan pilih kategori, atau ketik /help untuk bantuan.",
            )],
        ),
        ChatState::OtpAwaitingNik => match Nik::parse(text) {
            Ok(nik) => (
                ChatState::OtpAwaitingEmail {
                    nik: nik.digits().to_string(),
                },
                vec![
                    Action::Delete { message_id },
                    reply(format!(
                        "NIK {} diterima (pesan berisi NIK telah dihapus dari percakapan ini).",
                        nik.masked()
                    )),
                    reply(ASK_EMAIL),
                ],
            ),
            Err(hint) => (
                ChatState::OtpAwaitingNik,
                vec![
                    Action::Delete { message_id },
                    reply(format!("{hint} Mohon inputkan NIK anda.")),
                ],
            ),
        },
        ChatState::OtpAwaitingEmail { nik } => match OfficialEmail::parse(text) {
            Ok(email) => {
                let masked = Nik::parse(&nik).map(|n| n.masked()).unwrap_or_default();
                (
                    ChatState::Idle,
                    vec![
                        Action::RequestOtp {
                            nik,
                            email: email.to_string(),
                        },
                        reply(format!(
                            "Ringkasan permohonan:\nKategori: Permohonan OTP\nNIK: {masked}\nEmail dinas: {email}\n\n{GENERIC_OTP_ANSWER}"
                        )),
                    ],
                )
            }
            Err(hint) => (
                ChatState::OtpAwaitingEmail { nik },
                vec![reply(format!("{hint} {ASK_EMAIL}"))],
            ),
        },
        ChatState::QuestionAwaitingEmail => match OfficialEmail::parse(text) {
            Ok(email) => (
                ChatState::QuestionAwaitingText {
                    email: email.to_string(),
                },
                vec![reply("Silakan tulis pertanyaan Anda dalam satu pesan.")],
            ),
            Err(hint) => (
                ChatState::QuestionAwaitingEmail,
                vec![reply(format!("{hint} Mohon inputkan email dinas anda."))],
            ),
        },
        ChatState::QuestionAwaitingText { email } => match MessageText::parse(text) {
            Ok(question) => (
                ChatState::Idle,
                vec![
                    Action::AskQuestion {
                        email,
                        text: question.as_str().to_string(),
                    },
                    reply(GENERIC_QUESTION_ANSWER),
                ],
            ),
            Err(hint) => (ChatState::QuestionAwaitingText { email }, vec![reply(hint)]),
        },
        ChatState::StatusAwaitingNumber => status_number(text),
        ChatState::StatusAwaitingEmail { number } => match OfficialEmail::parse(text) {
            Ok(email) => (
                ChatState::Idle,
                vec![Action::LookUpStatus {
                    number,
                    email: email.to_string(),
                }],
            ),
            Err(hint) => (
                ChatState::StatusAwaitingEmail { number },
                vec![reply(format!("{hint} Mohon inputkan email dinas anda."))],
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

    fn text(t: &str) -> Event {
        Event::Text {
            text: t.into(),
            message_id: 7,
        }
    }

    fn replies(actions: &[Action]) -> Vec<&str> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Reply { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn start_offers_the_categories() {
        let (state, actions) = step(ChatState::Idle, NOW, text("/start"), NOW);
        assert_eq!(state, ChatState::Idle);
        assert!(matches!(
            &actions[0],
            Action::Reply {
                with_categories: true,
                ..
            }
        ));
    }

    #[test]
    fn the_otp_request_follows_the_source_document() {
        let (state, actions) = step(
            ChatState::Idle,
            NOW,
            Event::Button {
                data: BUTTON_OTP.into(),
            },
            NOW,
        );
        assert_eq!(state, ChatState::OtpAwaitingNik);
        assert_eq!(
            replies(&actions),
            [
                "Anda memilih kategori Permohonan OTP. Mohon inputkan NIK anda. /cancel jika ingin mengganti kategori"
            ]
        );
        let (state, actions) = step(state, NOW, text("3201 0115 0890 0001"), NOW);
        assert_eq!(
            state,
            ChatState::OtpAwaitingEmail {
                nik: "3201011508900001".into()
            }
        );
        assert_eq!(actions[0], Action::Delete { message_id: 7 });
        assert!(replies(&actions)[0].contains("32************01"));
        let (state, actions) = step(state, NOW, text("Budi.Santoso@Kominfo.go.id"), NOW);
        assert_eq!(state, ChatState::Idle);
        assert_eq!(
            actions[0],
            Action::RequestOtp {
                nik: "3201011508900001".into(),
                email: "budi.santoso@kominfo.go.id".into()
            }
        );
        let summary = replies(&actions)[0];
        assert!(summary.contains("NIK: 32************01") && summary.contains(GENERIC_OTP_ANSWER));
        assert!(
            !summary.contains("3201011508900001"),
            "the NIK is not echoed in full"
        );
    }

    #[test]
    fn bad_input_gets_a_hint_and_the_same_question() {
        let (state, actions) = step(ChatState::OtpAwaitingNik, NOW, text("12345"), NOW);
        assert_eq!(state, ChatState::OtpAwaitingNik);
        assert_eq!(
            replies(&actions),
            ["NIK harus terdiri dari 16 angka. Mohon inputkan NIK anda."]
        );
        let waiting = ChatState::OtpAwaitingEmail {
            nik: "3201011508900001".into(),
        };
        let (state, actions) = step(waiting.clone(), NOW, text("bukan email"), NOW);
        assert_eq!(state, waiting);
        assert!(replies(&actions)[0].starts_with("Format email tidak valid"));
    }

    #[test]
    fn cancel_works_at_every_step() {
        for state in [
            ChatState::OtpAwaitingNik,
            ChatState::OtpAwaitingEmail {
                nik: "3201011508900001".into(),
            },
            ChatState::QuestionAwaitingEmail,
            ChatState::QuestionAwaitingText {
                email: "a@b.go.id".into(),
            },
            ChatState::StatusAwaitingNumber,
            ChatState::StatusAwaitingEmail {
                number: "d1q0517".into(),
            },
        ] {
            let (next, actions) = step(state, NOW, text("/cancel"), NOW);
            assert_eq!(next, ChatState::Idle);
            assert!(matches!(
                &actions[0],
                Action::Reply {
                    with_categories: true,
                    ..
                }
            ));
        }
    }

    #[test]
    fn status_takes_a_number_then_the_email() {
        let (state, _) = step(ChatState::Idle, NOW, text("/status@BsreBot #D1Q0517"), NOW);
        assert_eq!(
            state,
            ChatState::StatusAwaitingEmail {
                number: "d1q0517".into()
            }
        );
        let (state, actions) = step(state, NOW, text("budi@kominfo.go.id"), NOW);
        assert_eq!(state, ChatState::Idle);
        assert_eq!(
            actions,
            [Action::LookUpStatus {
                number: "d1q0517".into(),
                email: "budi@kominfo.go.id".into()
            }]
        );
    }

    #[test]
    fn a_forgotten_conversation_starts_over() {
        let (state, _) = step(
            ChatState::OtpAwaitingNik,
            NOW,
            text("3201011508900001"),
            NOW + IDLE_RESET_SECONDS + 1,
        );
        assert_eq!(state, ChatState::Idle);
    }

    #[test]
    fn states_survive_storage() {
        let state = ChatState::OtpAwaitingEmail {
            nik: "3201011508900001".into(),
        };
        let stored = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<ChatState>(&stored).unwrap(), state);
    }
}
