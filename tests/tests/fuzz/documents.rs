//! Whole documents from outside: a Telegram update, the bodies of the
//! integration API, an AMS export (CSV) and a selfie. Arbitrary bytes,
//! well-formed documents with hostile values, and mutations of both.

use std::sync::LazyLock;

use app::accounts::types::{Nik, OfficialEmail};
use app::identity_check::photo::{self, MAX_SIDE, PhotoError, STORED_MAX_SIDE};
use app::signer_import::parse::{self as csv_import, COLUMNS, ImportRow};
use app::signer_import::sync::{self, SignerPut, SignerSync};
use app::telegram::conversation::{
    self, Action, BUTTON_OTP, BUTTON_QUESTION, BUTTON_STATUS, ChatState, Event, IDLE_RESET_SECONDS,
};
use app::telegram::service::incoming;
use app::telegram::types::Update;
use app::tickets::types::{MessageText, TicketNumber};
use app::time::UnixTime;
use app::validation::types::{
    MAX_PURPOSE_CHARS, MAX_REFERENCE_CHARS, MAX_SIGNER_CHARS, ValidateRequest, Validation,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::{fuzz, hostile_text, indonesian, mutated, mutated_bytes};

/// A JSON value of the wrong type now and then, else `value`.
fn sometimes_wrong(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => value,
        1 => Just(Value::Null),
        1 => any::<i64>().prop_map(Value::from),
        1 => Just(json!([])),
        1 => Just(json!({"x": true})),
    ]
}

fn text_value(text: impl Strategy<Value = String>) -> impl Strategy<Value = Value> {
    sometimes_wrong(text.prop_map(Value::from))
}

/// The document as bytes, now and then mutated or cut.
fn as_bytes(document: impl Strategy<Value = Value>) -> impl Strategy<Value = Vec<u8>> {
    document.prop_flat_map(|value| {
        let text = value.to_string();
        prop_oneof![
            4 => Just(text.clone().into_bytes()),
            1 => mutated(Just(text)).prop_map(String::into_bytes),
        ]
    })
}

fn chat_text() -> impl Strategy<Value = String> {
    prop_oneof![
        hostile_text(80),
        proptest::sample::select(
            &[
                "/start",
                "/help",
                "/cancel",
                "/status",
                "/status d1q0517",
                "/status  #D1Q0517 x",
                "/statusd1q0517",
                "/",
                "/start@bot",
                "3201011508900001",
                "3201 0115 0890 0001",
                "budi.santoso@kominfo.go.id",
                "Bagaimana cara memperbarui sertifikat saya?",
            ][..]
        )
        .prop_map(String::from),
        mutated("/status [a-z0-9]{7}"),
    ]
}

fn message() -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        4 => Just("private".to_string()),
        1 => proptest::sample::select(&["group", "supergroup", "channel"][..]).prop_map(String::from),
        1 => hostile_text(10),
    ];
    (
        any::<i64>(),
        any::<i64>(),
        text_value(kind),
        proptest::option::of(text_value(chat_text())),
    )
        .prop_map(|(message_id, chat_id, kind, text)| {
            let mut message =
                json!({"message_id": message_id, "chat": {"id": chat_id, "type": kind}});
            if let Some(text) = text {
                message["text"] = text;
            }
            message
        })
}

fn update() -> impl Strategy<Value = Value> {
    let button = prop_oneof![
        proptest::sample::select(&[BUTTON_OTP, BUTTON_QUESTION, BUTTON_STATUS][..])
            .prop_map(String::from),
        hostile_text(40),
    ];
    let callback = (
        hostile_text(20),
        proptest::option::of(message()),
        proptest::option::of(text_value(button)),
    )
        .prop_map(|(id, message, data)| json!({"id": id, "message": message, "data": data}));
    (
        sometimes_wrong(any::<i64>().prop_map(Value::from)),
        proptest::option::of(message()),
        proptest::option::of(callback),
    )
        .prop_map(|(update_id, message, callback)| {
            let mut update = json!({"update_id": update_id});
            if let Some(message) = message {
                update["message"] = message;
            }
            if let Some(callback) = callback {
                update["callback_query"] = callback;
            }
            update
        })
}

/// Every state a chat can be in, holding what that state keeps.
fn chat_states() -> Vec<ChatState> {
    vec![
        ChatState::Idle,
        ChatState::OtpAwaitingNik,
        ChatState::OtpAwaitingEmail {
            nik: "3201011508900001".into(),
        },
        ChatState::QuestionAwaitingEmail,
        ChatState::QuestionAwaitingText {
            email: "budi@kominfo.go.id".into(),
        },
        ChatState::StatusAwaitingNumber,
        ChatState::StatusAwaitingEmail {
            number: "d1q0517".into(),
        },
    ]
}

/// What the conversation does and keeps holds only valid values, and what
/// it says is Indonesian.
fn check_step(event: &Event, next: &ChatState, actions: &[Action]) -> Result<(), TestCaseError> {
    for action in actions {
        match action {
            Action::Reply { text, .. } => indonesian(text)?,
            Action::Delete { message_id } => {
                let deletes_the_message =
                    matches!(event, Event::Text { message_id: m, .. } if m == message_id);
                prop_assert!(deletes_the_message);
            }
            Action::RequestOtp { nik, email } => {
                prop_assert!(Nik::parse(nik).is_ok() && OfficialEmail::parse(email).is_ok());
            }
            Action::AskQuestion { email, text } => {
                prop_assert!(
                    OfficialEmail::parse(email).is_ok() && MessageText::parse(text).is_ok()
                );
            }
            Action::LookUpStatus { number, email } => {
                prop_assert!(
                    TicketNumber::parse(number).is_ok() && OfficialEmail::parse(email).is_ok()
                );
            }
        }
    }
    match next {
        ChatState::OtpAwaitingEmail { nik } => prop_assert!(Nik::parse(nik).is_ok()),
        ChatState::QuestionAwaitingText { email } => {
            prop_assert!(OfficialEmail::parse(email).is_ok())
        }
        ChatState::StatusAwaitingEmail { number } => {
            prop_assert!(TicketNumber::parse(number).is_ok())
        }
        _ => {}
    }
    let stored = serde_json::to_vec(next).unwrap();
    prop_assert_eq!(&serde_json::from_slice::<ChatState>(&stored).unwrap(), next);
    Ok(())
}

#[test]
fn telegram_update() {
    let input = prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..256),
        6 => as_bytes(update()),
    ];
    fuzz(
        "telegram-update",
        2000,
        |bytes| bytes,
        input,
        |bytes| {
            let Ok(update) = serde_json::from_slice::<Update>(&bytes) else {
                return Ok(());
            };
            let Some(incoming) = incoming(&update) else {
                return Ok(());
            };
            let then = UnixTime::from_secs(1_795_856_415);
            for state in chat_states() {
                for idle in [0, IDLE_RESET_SECONDS + 1] {
                    let (next, actions) = conversation::step(
                        state.clone(),
                        then,
                        incoming.event.clone(),
                        then + idle,
                    );
                    check_step(&incoming.event, &next, &actions)?;
                }
            }
            Ok(())
        },
    );
}

fn valid_nik_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("3201011508900001".to_string()),
        Just("3273015508920002".to_string()),
        "(3201|9401)01[0-2][1-8](0[1-9]|1[0-2])[0-9]{2}[0-9]{3}[1-9]",
    ]
}

fn signer_put() -> impl Strategy<Value = Value> {
    let email = prop_oneof![
        Just("budi.santoso@kominfo.go.id".to_string()),
        "[a-z]{1,8}@[a-z]{2,8}\\.go\\.id",
        hostile_text(40)
    ];
    let name = prop_oneof![
        "[A-Z][a-z]{1,10}( [A-Z][a-z]{1,10}){0,3}",
        hostile_text(120)
    ];
    let nik = prop_oneof![valid_nik_text(), hostile_text(20)];
    let phone = prop_oneof!["(08|\\+628|628)[0-9]{8,11}", hostile_text(20)];
    let status = prop_oneof![
        proptest::sample::select(&["verified", "unverified", "suspended"][..])
            .prop_map(String::from),
        hostile_text(12),
    ];
    let photo = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(|b| STANDARD.encode(b)),
        hostile_text(40),
    ];
    (
        (
            text_value(email),
            text_value(name),
            text_value(nik),
            text_value(status),
        ),
        (
            proptest::option::of(text_value(phone)),
            proptest::option::of(text_value(hostile_text(220))),
            proptest::option::of(text_value(photo)),
            proptest::option::of(sometimes_wrong(any::<bool>().prop_map(Value::from))),
            proptest::option::of(hostile_text(8)),
        ),
    )
        .prop_map(
            |((email, name, nik, status), (phone, agency, photo, consent, extra))| {
                let mut put =
                    json!({"email": email, "full_name": name, "nik": nik, "status": status});
                for (key, value) in [
                    ("phone", phone),
                    ("agency", agency),
                    ("reference_photo", photo),
                    ("photo_consent", consent),
                ] {
                    if let Some(value) = value {
                        put[key] = value;
                    }
                }
                if let Some(extra) = extra {
                    put[extra] = json!("?");
                }
                put
            },
        )
}

#[test]
fn signer_sync_body() {
    let ams_id = prop_oneof![
        Just("AMS-0001".to_string()),
        "[!-~]{1,70}",
        hostile_text(20)
    ];
    let body = prop_oneof![1 => proptest::collection::vec(any::<u8>(), 0..256), 6 => as_bytes(signer_put())];
    fuzz(
        "signer-sync-body",
        2000,
        |bytes| ("AMS-0001".to_string(), bytes),
        (ams_id, body),
        |(ams_id, body)| {
            let ams_id = match sync::parse_ams_id(&ams_id) {
                Ok(id) => id,
                Err(problem) => return indonesian(&problem.id),
            };
            let Ok(put) = serde_json::from_slice::<SignerPut>(&body) else {
                return Ok(());
            };
            let consent = put.photo_consent;
            match SignerSync::parse(ams_id.clone(), put.clone()) {
                Ok(parsed) => {
                    let record = parsed.record;
                    prop_assert_eq!(record.ams_id, Some(ams_id));
                    prop_assert_eq!(Some(record.email), OfficialEmail::parse(&put.email).ok());
                    prop_assert_eq!(Some(record.nik), Nik::parse(&put.nik).ok());
                    prop_assert!(record.full_name.as_str().chars().count() <= 100);
                    if let Some(agency) = record.agency {
                        prop_assert!(
                            agency.chars().count() <= 200 && !agency.chars().any(char::is_control)
                        );
                    }
                    if parsed.photo.is_some() {
                        prop_assert_eq!(consent, Some(true));
                    }
                }
                Err(problem) => {
                    indonesian(&problem.id)?;
                    prop_assert!(!problem.en.is_empty());
                }
            }
            Ok(())
        },
    );
}

fn validate_request() -> impl Strategy<Value = Value> {
    let signer = prop_oneof![
        Just("budi.santoso@kominfo.go.id".to_string()),
        hostile_text(260)
    ];
    let code = prop_oneof!["[0-9 ]{5,8}", hostile_text(10)];
    let ip = prop_oneof![
        Just("203.0.113.7".to_string()),
        Just("2001:db8::1".to_string()),
        hostile_text(50)
    ];
    let context = (
        proptest::option::of(text_value(ip)),
        proptest::option::of(text_value(hostile_text(40))),
        proptest::option::of(text_value(hostile_text(210))),
    )
        .prop_map(|(ip, purpose, reference)| json!({"client_ip": ip, "purpose": purpose, "reference": reference}));
    (
        text_value(signer),
        text_value(code),
        proptest::option::of(sometimes_wrong(context)),
    )
        .prop_map(
            |(signer, code, context)| json!({"signer": signer, "code": code, "context": context}),
        )
}

#[test]
fn validate_body() {
    let body = prop_oneof![1 => proptest::collection::vec(any::<u8>(), 0..256), 6 => as_bytes(validate_request())];
    fuzz(
        "validate-body",
        2000,
        |bytes| bytes,
        body,
        |body| {
            let Ok(request) = serde_json::from_slice::<ValidateRequest>(&body) else {
                return Ok(());
            };
            match Validation::parse(request) {
                Ok(validation) => {
                    let bounded = |text: &str, max: usize| {
                        !text.is_empty()
                            && text.chars().count() <= max
                            && !text.chars().any(char::is_control)
                    };
                    prop_assert!(bounded(&validation.signer, MAX_SIGNER_CHARS));
                    prop_assert!(
                        validation
                            .purpose
                            .as_deref()
                            .is_none_or(|p| bounded(p, MAX_PURPOSE_CHARS))
                    );
                    prop_assert!(
                        validation
                            .reference
                            .as_deref()
                            .is_none_or(|r| bounded(r, MAX_REFERENCE_CHARS))
                    );
                    prop_assert!(validation.code.as_str().bytes().all(|b| b.is_ascii_digit()));
                }
                Err(problem) => indonesian(&problem.id)?,
            }
            Ok(())
        },
    );
}

/// An export written by a CSV writer: the columns in any order, values
/// valid or hostile, comma or semicolon, with or without a BOM and CRLF.
fn export() -> impl Strategy<Value = (Vec<u8>, usize)> {
    let value = |valid: BoxedStrategy<String>| prop_oneof![3 => valid, 1 => hostile_text(30)];
    let row = (
        value(
            prop_oneof![
                "[a-z]{1,8}(\\.[a-z]{1,8})?@[a-z]{2,8}\\.go\\.id",
                "[A-Z]{1,3}@[a-z]{2,4}\\.id"
            ]
            .boxed(),
        ),
        value("[A-Z][a-z]{1,10}( [A-Z][a-z]{1,10}){0,2}".boxed()),
        value(valid_nik_text().boxed()),
        value(prop_oneof![Just(String::new()), "08[0-9]{8,11}"].boxed()),
        value("[A-Za-z ]{0,20}".boxed()),
        // Never empty, so no row is blank and every row is reported.
        proptest::sample::select(&["verified", "unverified", "suspended", "aktif", "VERIFIED"][..]),
        value(
            prop_oneof![
                Just(String::new()),
                "[a-z]{1,8}\\.jpg",
                Just("../etc/passwd".to_string())
            ]
            .boxed(),
        ),
        value(
            proptest::sample::select(&["", "ya", "tidak", "yes", "0", "mungkin"][..])
                .prop_map(String::from)
                .boxed(),
        ),
    );
    (
        Just(COLUMNS).prop_shuffle(),
        proptest::collection::vec(row, 1..8),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(columns, rows, semicolon, bom, crlf)| {
            let mut writer = csv::WriterBuilder::new()
                .delimiter(if semicolon { b';' } else { b',' })
                .terminator(if crlf {
                    csv::Terminator::CRLF
                } else {
                    csv::Terminator::Any(b'\n')
                })
                .from_writer(Vec::new());
            writer.write_record(columns).unwrap();
            let count = rows.len();
            for (email, name, nik, phone, agency, status, photo, consent) in rows {
                let value = |column: &str| -> String {
                    match column {
                        "email" => email.clone(),
                        "full_name" => name.clone(),
                        "nik" => nik.clone(),
                        "phone" => phone.clone(),
                        "agency" => agency.clone(),
                        "status" => status.to_string(),
                        "photo" => photo.clone(),
                        _ => consent.clone(),
                    }
                };
                writer
                    .write_record(columns.iter().map(|c| value(c)))
                    .unwrap();
            }
            let mut bytes = if bom {
                "\u{feff}".as_bytes().to_vec()
            } else {
                Vec::new()
            };
            bytes.extend(writer.into_inner().unwrap());
            (bytes, count)
        })
}

/// Rows in file order on real lines; a valid row holds parsed values, a
/// refused one names its line and column in Indonesian.
fn check_rows(bytes: &[u8], rows: &[ImportRow]) -> Result<(), TestCaseError> {
    // Lines end at `\n`, `\r\n` or a lone `\r`, as editors show them.
    let text = String::from_utf8_lossy(bytes)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let lines = text.matches('\n').count() as u64 + 1;
    let mut previous = 1;
    for row in rows {
        prop_assert!(
            row.line > previous && row.line <= lines,
            "line {} after {previous} of {lines}",
            row.line
        );
        previous = row.line;
        match &row.parsed {
            Ok(signer) => {
                prop_assert_eq!(
                    Some(signer.record.email.clone()),
                    OfficialEmail::parse(&row.email).ok()
                );
                if let Some(photo) = &signer.photo {
                    prop_assert!(!photo.contains(['/', '\\']) && !photo.starts_with('.'));
                }
            }
            Err(problem) => {
                prop_assert_eq!(problem.line, row.line);
                let text = problem.to_string();
                prop_assert!(
                    text.starts_with(&format!("Baris {}, kolom ", row.line)),
                    "{text}"
                );
                for (_, message) in &problem.problems {
                    indonesian(message)?;
                }
            }
        }
    }
    Ok(())
}

#[test]
fn signer_csv() {
    // Well-formed files: every row is read and reported.
    fuzz(
        "signer-csv",
        1000,
        |bytes| (bytes, 0),
        export(),
        |(bytes, count)| match csv_import::parse(&bytes) {
            Ok(rows) => {
                prop_assert!(
                    count == 0 || rows.len() == count,
                    "{} rows of {count}",
                    rows.len()
                );
                check_rows(&bytes, &rows)
            }
            Err(problem) => {
                prop_assert!(count == 0, "a well-formed file refused: {problem}");
                indonesian(&problem.to_string())
            }
        },
    );
    // Anything else: refused as a whole in Indonesian, or read row by row.
    let damaged = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        export().prop_flat_map(
            |(bytes, _)| mutated(Just(String::from_utf8(bytes).unwrap()))
                .prop_map(String::into_bytes)
        ),
    ];
    fuzz(
        "signer-csv-damaged",
        1000,
        |bytes| bytes,
        damaged,
        |bytes| match csv_import::parse(&bytes) {
            Ok(rows) => check_rows(&bytes, &rows),
            Err(problem) => indonesian(&problem.to_string()),
        },
    );
}

static ASTRONAUT: &[u8] = include_bytes!("../../fixtures/astronaut.jpg");

/// A 300×300 grey PNG: decodes, has no face.
static PLAIN_PNG: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let image = image::GrayImage::from_pixel(300, 300, image::Luma([128]));
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
});

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The plain PNG claiming other dimensions (with a correct checksum): a
/// decompression bomb's header.
fn lying_png() -> impl Strategy<Value = Vec<u8>> {
    (any::<u32>(), any::<u32>(), 0..3u8).prop_map(|(width, height, scale)| {
        let (width, height) = match scale {
            0 => (width, height),
            1 => (width % (MAX_SIDE * 2), height % (MAX_SIDE * 2)),
            _ => (MAX_SIDE, MAX_SIDE),
        };
        let mut png = PLAIN_PNG.clone();
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    })
}

#[test]
fn selfie() {
    let junk = proptest::collection::vec(any::<u8>(), 0..2048);
    let input = prop_oneof![
        4 => junk.clone(),
        4 => junk.clone().prop_map(|rest| [&[0xFF, 0xD8, 0xFF][..], &rest].concat()),
        4 => junk.prop_map(|rest| [&PLAIN_PNG[..8], &rest].concat()),
        4 => lying_png(),
        2 => mutated_bytes(&PLAIN_PNG),
        1 => mutated_bytes(ASTRONAUT),
    ];
    fuzz(
        "selfie",
        400,
        |bytes| bytes,
        input,
        |bytes| {
            match photo::process(&bytes) {
                Ok(selfie) => {
                    let decoded =
                        image::load_from_memory_with_format(&selfie.jpeg, image::ImageFormat::Jpeg)
                            .expect("the stored selfie is a JPEG");
                    prop_assert_eq!(
                        (decoded.width(), decoded.height()),
                        (selfie.width, selfie.height)
                    );
                    prop_assert!(selfie.width.max(selfie.height) <= STORED_MAX_SIDE);
                    prop_assert!(
                        !selfie.jpeg.windows(4).any(|w| w == b"Exif"),
                        "metadata kept"
                    );
                }
                Err(problem) => {
                    indonesian(&problem.to_string())?;
                    prop_assert_eq!(PhotoError::from_code(problem.code()), Some(problem));
                }
            }
            Ok(())
        },
    );
}
