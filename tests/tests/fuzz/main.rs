//! Fuzzing every parser of outside input, bounded so that it runs inside
//! `cargo test` (about half a minute in a debug build; each target prints
//! its counts and time with `-- --nocapture`).
//!
//! Each target first replays its seed corpus (`tests/fuzz-corpus/<target>/`,
//! one input per file) and the failures proptest found before
//! (`tests/proptest-regressions/fuzz/<target>.txt`, committed), then
//! generates new inputs: arbitrary text and bytes, well-formed inputs with
//! hostile values, and mutations of both. The properties: no panic; what is
//! accepted keeps the type's documented invariant and reads back as itself;
//! what is refused is refused with an Indonesian message.
//!
//! Longer runs: `PROPTEST_CASES=200000 cargo test -p tests --test fuzz --release
//! -- --nocapture` (every target then runs that many generated cases). A
//! failure is shrunk to a small input and written to the regression file:
//! commit it with the fix, or copy the input into the corpus.

mod documents;
mod support;
mod values;
