//! The harness every fuzz target shares: the seed corpus, the bounded
//! proptest run with its regression file, the check that a refusal speaks
//! Indonesian, and the building blocks of hostile text.

use std::cell::Cell;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::time::Instant;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

/// Generated cases per target unless `PROPTEST_CASES` says otherwise.
fn cases(default_cases: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases)
}

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz-corpus")
        .join(target)
}

/// The seed inputs of `target`, every file in `tests/fuzz-corpus/<target>/`
/// (sorted, so a failure names the same file each run).
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

/// Runs `property` on every seed of the target's corpus (read by `seed`),
/// then on generated inputs: a bounded number of cases, failures shrunk and
/// kept in `tests/proptest-regressions/fuzz/<target>.txt`, which every later
/// run replays first. Prints what ran (`-- --nocapture` shows it).
pub fn fuzz<S>(
    target: &'static str,
    default_cases: u32,
    seed: impl Fn(Vec<u8>) -> S::Value,
    strategy: S,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let started = Instant::now();
    let seeds = corpus(target);
    for (name, bytes) in &seeds {
        if let Err(failure) = property(seed(bytes.clone())) {
            panic!("fuzz {target}: corpus file {name}: {failure}");
        }
    }
    let regressions = format!(
        "{}/proptest-regressions/fuzz/{target}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let cases = cases(default_cases);
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(Box::leak(
            regressions.into_boxed_str(),
        )))),
        ..Config::default()
    };
    let ran = Cell::new(0u32);
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&strategy, |input| {
        ran.set(ran.get() + 1);
        property(input)
    });
    if let Err(failure) = outcome {
        panic!("fuzz {target}: {failure}");
    }
    eprintln!(
        "fuzz {target}: {} corpus inputs and {} generated cases in {:.2?}",
        seeds.len(),
        ran.get(),
        started.elapsed()
    );
}

/// A corpus file as text (text targets keep UTF-8 seeds).
pub fn text_seed(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("a text corpus file is UTF-8")
}

/// Words only an Indonesian sentence of this project carries…
const INDONESIAN: &[&str] = &[
    "wajib",
    "harus",
    "tidak",
    "maksimal",
    "minimal",
    "terdiri",
    "mengandung",
    "berkas",
    "baris",
    "kolom",
    "foto",
    "karakter",
    "angka",
    "atau",
    "dan",
    "pada",
    "tanpa",
    "hanya",
    "dari",
    "isi",
    "nama",
    "nomor",
    "kode",
    "pastikan",
    "ambil",
    "terlalu",
    "kosong",
    "dikenal",
    "tanggal",
    "huruf",
    "perangkat",
    "pesan",
    "dengan",
    "yang",
    "bukan",
    "rusak",
    "anda",
    "mohon",
    "jika",
    "silakan",
    "maaf",
    "pilih",
    "ketik",
    "kirim",
    "untuk",
    "bantuan",
    "perintah",
    "ini",
    "sudah",
    "belum",
    "akan",
];
/// …and words that would give an English one away.
const ENGLISH: &[&str] = &[
    "must", "the", "invalid", "expected", "error", "missing", "required", "should", "failed",
    "cannot", "unknown", "please", "too",
];

/// The message without what it quotes: from the first `"` to the last one
/// what the person wrote (any language, maybe holding quotes itself), then
/// field names in backticks.
fn own_words(message: &str) -> String {
    let mut own = message.to_string();
    if let (Some(first), Some(last)) = (own.find('"'), own.rfind('"')) {
        own.replace_range(first..=last, " ");
    }
    own.split('`')
        .step_by(2)
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A refusal the person can read: an Indonesian sentence, no English in
/// its own words.
pub fn indonesian(message: &str) -> Result<(), TestCaseError> {
    let own = own_words(message);
    let words: Vec<&str> = own
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    prop_assert!(
        words.iter().any(|w| INDONESIAN.contains(w)),
        "not Indonesian: {message:?}"
    );
    prop_assert!(
        !words.iter().any(|w| ENGLISH.contains(w)),
        "English in the message: {message:?}"
    );
    Ok(())
}

/// Characters that break naive parsers: separators of every kind, the
/// invisible and direction-changing ones, combining marks, look-alikes of
/// Latin letters, full-width digits, markup, quotes, path and SQL pieces.
const HOSTILE: &[char] = &[
    ' ',
    '\t',
    '\n',
    '\r',
    '\u{0}',
    '\u{7}',
    '\u{1b}',
    '\u{85}',
    '\u{a0}',
    '\u{2000}',
    '\u{2028}',
    '\u{3000}',
    '\u{ad}',
    '\u{200b}',
    '\u{200c}',
    '\u{200d}',
    '\u{200e}',
    '\u{202e}',
    '\u{2066}',
    '\u{feff}',
    '\u{e0041}',
    '\u{fe0f}',
    '\u{301}',
    '\u{308}',
    '\u{344}',
    'а',
    'е',
    'о',
    'р',
    'с',
    'В',
    'Н',
    'Α',
    'ο',
    'ı',
    'İ',
    'ß',
    'ﬁ',
    '０',
    '９',
    'Ａ',
    '٣',
    '#',
    '@',
    '.',
    '-',
    '_',
    '/',
    '\\',
    '%',
    '+',
    '<',
    '>',
    '&',
    '\'',
    '"',
    ';',
    ',',
    '=',
    '*',
    '?',
    ':',
    '🔐',
    '👍',
    '\u{1f3fd}',
    'é',
    'ک',
    '\u{10ffff}',
    '\u{fffd}',
];

/// A character of the hostile alphabet, or an ordinary one.
pub fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::sample::select(HOSTILE),
        2 => proptest::char::range('0', '9'),
        2 => proptest::char::range('a', 'z'),
        1 => proptest::char::range('A', 'Z'),
        1 => any::<char>(),
    ]
}

/// Any text: arbitrary Unicode, or a string of hostile characters.
pub fn hostile_text(max_chars: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(any::<char>(), 0..=max_chars)
            .prop_map(|chars| chars.into_iter().collect::<String>()),
        proptest::collection::vec(hostile_char(), 0..=max_chars)
            .prop_map(|chars| chars.into_iter().collect::<String>()),
    ]
}

/// `text` with a few characters inserted, replaced or deleted.
pub fn mutated(text: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let edits =
        proptest::collection::vec((any::<prop::sample::Index>(), 0..3u8, hostile_char()), 1..4);
    (text, edits).prop_map(|(text, edits)| {
        let mut chars: Vec<char> = text.chars().collect();
        for (at, kind, c) in edits {
            let at = at.index(chars.len() + 1);
            match kind {
                0 => chars.insert(at, c),
                1 if at < chars.len() => chars[at] = c,
                _ if at < chars.len() => {
                    chars.remove(at);
                }
                _ => chars.push(c),
            }
        }
        chars.into_iter().collect()
    })
}

/// `bytes` with a few bytes flipped, inserted or cut, or cut short.
pub fn mutated_bytes(bytes: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    let edits =
        proptest::collection::vec((any::<prop::sample::Index>(), 0..4u8, any::<u8>()), 1..6);
    edits.prop_map(move |edits| {
        let mut bytes = bytes.to_vec();
        for (at, kind, value) in edits {
            let at = at.index(bytes.len());
            match kind {
                0 => bytes[at] ^= value.max(1),
                1 => bytes.insert(at, value),
                // Like the truncation, a removal keeps one byte: the
                // next edit needs a position to pick.
                2 if bytes.len() > 1 => {
                    bytes.remove(at);
                }
                2 => {}
                _ => bytes.truncate(at.max(1)),
            }
        }
        bytes
    })
}

/// Edits of a one-byte document never leave it empty: an edit after a
/// removal of its last byte had no position to pick, and the generator
/// itself panicked (seen once in CI on the selfie's fuzz run).
#[test]
fn mutated_bytes_of_one_byte_keep_at_least_one() {
    let mut runner = TestRunner::deterministic();
    let strategy = mutated_bytes(b"x");
    for _ in 0..2_000 {
        let bytes = strategy.new_tree(&mut runner).unwrap().current();
        assert!(!bytes.is_empty());
    }
}
