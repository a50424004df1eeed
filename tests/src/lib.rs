//! Integration tests live in tests/; this library holds what the benches
//! share that is worth a unit test of its own.

pub mod wrk;
