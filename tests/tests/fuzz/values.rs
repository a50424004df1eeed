//! The single values people type or links carry: each parser accepts only
//! what keeps its documented invariant, reads its own output back as the
//! same value, and refuses everything else in Indonesian.

use app::accounts::types::{AmsId, Nik, OfficialEmail};
use app::otp_devices::types::{DEVICE_NAME_MAX_CHARS, DeviceName, OTP_DIGITS, OtpCode};
use app::platform::crypto::{SecretToken, presented_token_digest};
use app::tickets::types::{TICKET_NUMBER_LEN, TicketNumber};
use proptest::prelude::*;
use unicode_normalization::is_nfkc;

use crate::support::{fuzz, hostile_char, hostile_text, indonesian, mutated, text_seed};

/// `text` with spaces, tabs or non-breaking spaces put between its characters.
fn spaced(text: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let gaps = proptest::collection::vec(
        proptest::sample::select(&["", "", "", " ", "\t", "\u{a0}", "  "][..]),
        32,
    );
    (text, gaps).prop_map(|(text, gaps)| {
        let mut out = String::from(gaps[0]);
        for (i, c) in text.chars().enumerate() {
            out.push(c);
            out.push_str(gaps[(i + 1) % gaps.len()]);
        }
        out
    })
}

/// NIKs that exist: a province code, regency, district, birth date (day + 40
/// for women) and serial number.
fn valid_nik() -> impl Strategy<Value = String> {
    let province =
        proptest::sample::select(&[11u8, 12, 21, 31, 32, 35, 51, 64, 71, 81, 91, 94, 96][..]);
    let month_and_day = (1u32..=12).prop_flat_map(|month| {
        let days = match month {
            2 => 29,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (Just(month), 1..=days, any::<bool>())
    });
    (
        province,
        1u32..=99,
        1u32..=99,
        month_and_day,
        0u32..=99,
        1u32..=9999,
    )
        .prop_map(
            |(province, regency, district, (month, day, woman), year, serial)| {
                let day = if woman { day + 40 } else { day };
                format!(
                    "{province:02}{regency:02}{district:02}{day:02}{month:02}{year:02}{serial:04}"
                )
            },
        )
}

#[test]
fn nik() {
    let input = prop_oneof![
        hostile_text(24),
        spaced("[0-9]{14,18}"),
        mutated(valid_nik()),
        spaced(valid_nik()),
    ];
    fuzz("nik", 5000, text_seed, input, |input| {
        let typed_digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        match Nik::parse(&input) {
            Ok(nik) => {
                prop_assert_eq!(nik.digits(), typed_digits.as_str());
                prop_assert!(
                    nik.digits().len() == 16 && nik.digits().bytes().all(|b| b.is_ascii_digit())
                );
                prop_assert_eq!(Nik::parse(nik.digits()), Ok(nik.clone()));
                let masked = nik.masked();
                prop_assert_eq!(masked.chars().count(), 16);
                prop_assert_eq!(&masked[2..14], "************");
            }
            Err(message) => indonesian(&message)?,
        }
        Ok(())
    });
    // Every NIK that can exist is accepted, however it is spaced.
    fuzz("nik-valid", 2000, text_seed, spaced(valid_nik()), |input| {
        prop_assert!(Nik::parse(&input).is_ok(), "refused {input:?}");
        Ok(())
    });
}

fn valid_email() -> impl Strategy<Value = String> {
    (
        "[ \t]{0,2}",
        "[a-zA-Z0-9]{1,12}([._+-][a-zA-Z0-9]{1,8}){0,2}",
        "[a-zA-Z0-9]{1,10}(-[a-zA-Z0-9]{1,6})?(\\.[a-zA-Z0-9]{1,10}){0,2}\\.[a-zA-Z]{2,4}",
        "[ \t]{0,2}",
    )
        .prop_map(|(before, local, domain, after)| format!("{before}{local}@{domain}{after}"))
}

#[test]
fn official_email() {
    let input = prop_oneof![hostile_text(40), mutated(valid_email()), valid_email()];
    fuzz("official-email", 5000, text_seed, input, |input| {
        match OfficialEmail::parse(&input) {
            Ok(email) => {
                let text = email.as_str();
                prop_assert_eq!(text, input.trim().to_lowercase());
                prop_assert!(text.len() <= 254 && text.matches('@').count() == 1);
                prop_assert!(
                    text.bytes()
                        .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase())
                );
                prop_assert_eq!(OfficialEmail::parse(&format!("{email}")), Ok(email.clone()));
                let json = serde_json::to_string(&email).unwrap();
                prop_assert_eq!(
                    serde_json::from_str::<OfficialEmail>(&json).ok(),
                    Some(email.clone())
                );
                prop_assert!(email.masked().ends_with(text.split_once('@').unwrap().1));
            }
            Err(message) => indonesian(&message)?,
        }
        Ok(())
    });
    fuzz(
        "official-email-valid",
        2000,
        text_seed,
        valid_email(),
        |input| {
            prop_assert!(OfficialEmail::parse(&input).is_ok(), "refused {input:?}");
            Ok(())
        },
    );
}

/// Names as people give them: words of letters, digits and emoji.
fn plausible_device_name() -> impl Strategy<Value = String> {
    let word = "[A-Za-z0-9éÉüß]{1,8}|[а-яА-Я]{1,8}|[α-ω]{1,6}|🔐|📱|[0-9]{4}";
    let gap = proptest::sample::select(&[" ", "  ", "\t", "\u{a0}", "\u{3000}", "\n"][..]);
    (
        proptest::collection::vec((word, gap), 1..6),
        proptest::sample::select(&["", " ", "\t"][..]),
    )
        .prop_map(|(words, edge)| {
            let mut name = String::from(edge);
            for (word, gap) in words {
                name.push_str(&word);
                name.push_str(gap);
            }
            name
        })
}

fn visible(c: char) -> bool {
    !c.is_control()
        && !matches!(c,
            '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
            | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
            | '\u{ffa0}' | '\u{fff0}'..='\u{fffb}' | '\u{e0000}'..='\u{e0fff}')
}

/// `text` with its ASCII letters, digits and punctuation in their full-width
/// forms ("Hp 1" as "Ｈｐ １"), as an East Asian keyboard types them.
fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap(),
            other => other,
        })
        .collect()
}

#[test]
fn device_name_full_width_is_the_plain_name() {
    fuzz(
        "device-name-width",
        2000,
        text_seed,
        plausible_device_name(),
        |input| {
            let wide = full_width(&input);
            prop_assert_eq!(DeviceName::parse(&wide), DeviceName::parse(&input));
            Ok(())
        },
    );
}

#[test]
fn device_name() {
    let input = prop_oneof![
        hostile_text(80),
        mutated(plausible_device_name()),
        plausible_device_name(),
    ];
    fuzz("device-name", 5000, text_seed, input, |input| {
        match DeviceName::parse(&input) {
            Ok(name) => {
                let text = name.as_str();
                let chars = text.chars().count();
                prop_assert!(
                    (1..=DEVICE_NAME_MAX_CHARS).contains(&chars),
                    "{chars} characters"
                );
                prop_assert!(text.chars().all(visible), "invisible character in {text:?}");
                prop_assert!(
                    text.chars().all(|c| !c.is_whitespace() || c == ' ')
                        && !text.starts_with(' ')
                        && !text.ends_with(' ')
                        && !text.contains("  "),
                    "whitespace not collapsed in {text:?}"
                );
                prop_assert!(is_nfkc(text), "not NFKC: {text:?}");
                for word in text.split(' ') {
                    let has = |range: std::ops::RangeInclusive<char>| {
                        word.chars()
                            .any(|c| c.is_alphabetic() && range.contains(&c))
                    };
                    let scripts = [
                        has('a'..='z') || has('A'..='Z'),
                        has('\u{391}'..='\u{3c9}'),
                        has('\u{400}'..='\u{4ff}'),
                    ];
                    prop_assert!(
                        scripts.iter().filter(|s| **s).count() <= 1,
                        "look-alike scripts mixed in {word:?}"
                    );
                }
                prop_assert_eq!(DeviceName::parse(text), Ok(name.clone()));
                let json = serde_json::to_string(&name).unwrap();
                prop_assert_eq!(
                    serde_json::from_str::<DeviceName>(&json).ok(),
                    Some(name.clone())
                );
            }
            Err(message) => indonesian(&message)?,
        }
        Ok(())
    });
}

#[test]
fn otp_code() {
    let input = prop_oneof![hostile_text(12), spaced("[0-9]{5,7}"), mutated("[0-9]{6}")];
    fuzz("otp-code", 5000, text_seed, input, |input| {
        let typed: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        match OtpCode::parse(&input) {
            Ok(code) => {
                prop_assert_eq!(code.as_str(), typed.as_str());
                prop_assert!(
                    code.as_str().len() == OTP_DIGITS
                        && code.as_str().bytes().all(|b| b.is_ascii_digit())
                );
                prop_assert_eq!(OtpCode::parse(code.as_str()), Ok(code.clone()));
                prop_assert_eq!(format!("{code:?}"), "OtpCode(******)");
            }
            Err(message) => indonesian(&message)?,
        }
        Ok(())
    });
}

#[test]
fn ticket_number() {
    let typed = ("[ ]{0,2}#?[ ]{0,1}", "[a-zA-Z0-9]{6,8}", "[ \t]{0,2}")
        .prop_map(|(a, b, c)| format!("{a}{b}{c}"));
    let input = prop_oneof![hostile_text(12), mutated(typed.clone()), typed];
    fuzz("ticket-number", 5000, text_seed, input, |input| {
        match TicketNumber::parse(&input) {
            Ok(number) => {
                let text = number.as_str();
                prop_assert!(
                    text.len() == TICKET_NUMBER_LEN
                        && text
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                );
                prop_assert_eq!(TicketNumber::parse(&number.to_string()), Ok(number.clone()));
                prop_assert_eq!(
                    TicketNumber::parse(&format!("#{number}")),
                    Ok(number.clone())
                );
                let json = serde_json::to_string(&number).unwrap();
                prop_assert_eq!(
                    serde_json::from_str::<TicketNumber>(&json).ok(),
                    Some(number.clone())
                );
            }
            Err(message) => indonesian(&message)?,
        }
        Ok(())
    });
}

#[test]
fn ams_id() {
    let typed = "[!-~]{1,64}";
    let input = prop_oneof![
        hostile_text(70),
        mutated(typed),
        typed.prop_map(String::from),
        "[.%2eE/]{1,6}".prop_map(String::from)
    ];
    fuzz("ams-id", 5000, text_seed, input, |input| {
        match AmsId::parse(&input) {
            Ok(id) => {
                let text = id.as_str();
                prop_assert_eq!(text, input.as_str());
                prop_assert!(
                    (1..=AmsId::MAX_CHARS).contains(&text.len())
                        && text.bytes().all(|b| b.is_ascii_graphic() && b != b'/')
                );
                // One URL path segment: a dot segment would be resolved away
                // by every URL parser (RFC 3986 5.2.4) and name another route.
                prop_assert!(text != "." && text != "..", "dot segment {text:?} accepted");
                prop_assert_eq!(AmsId::parse(&id.to_string()), Ok(id.clone()));
            }
            Err(message) => indonesian(&message)?,
        }
        Ok(())
    });
}

#[test]
fn link_token() {
    let issued = any::<u8>().prop_map(|_| SecretToken::generate().text);
    let input = prop_oneof![
        hostile_text(50),
        "[A-Za-z0-9_-]{42,44}".prop_map(String::from),
        mutated(issued.clone()),
        issued,
        proptest::collection::vec(hostile_char(), 43).prop_map(|c| c.into_iter().collect()),
    ];
    fuzz("link-token", 5000, text_seed, input, |input| {
        let shaped = input.len() == 43
            && input
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        match presented_token_digest(&input) {
            Some(digest) => {
                prop_assert!(shaped, "looked up {input:?}");
                prop_assert_eq!(digest.len(), 32);
            }
            None => prop_assert!(!shaped, "refused a well-formed token {input:?}"),
        }
        Ok(())
    });
    // Every token the server issues comes back as its own digest.
    for _ in 0..1000 {
        let token = SecretToken::generate();
        assert_eq!(presented_token_digest(&token.text), Some(token.digest));
    }
}
