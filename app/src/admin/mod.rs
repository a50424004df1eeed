//! The staff area. For now the verifier queue of the identity check.

pub mod pages;
