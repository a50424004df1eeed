//! Ticket numbers: a keyed permutation of a serial counter onto the
//! 36^7 seven-character strings of `[a-z0-9]`. Two serials can never give
//! the same number (it is a bijection), and without the key the numbers
//! reveal neither order nor volume.
//!
//! A balanced Feistel network on 38 bits (two 19-bit halves, HMAC-SHA256
//! rounds) permutes [0, 2^38); cycle-walking keeps the result below 36^7.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::types::{TICKET_NUMBER_LEN, TicketNumber};

const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
/// 36^7
pub const SPACE: u64 = 78_364_164_096;
const HALF_BITS: u32 = 19;
const HALF_MASK: u64 = (1 << HALF_BITS) - 1;
const ROUNDS: u8 = 8;

pub struct TicketNumberer {
    key: [u8; 32],
}

impl TicketNumberer {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// The number of the `serial`-th ticket (serials start at 1; wrap past 36^7).
    pub fn number(&self, serial: u64) -> TicketNumber {
        let mut value = serial % SPACE;
        loop {
            value = self.permute(value);
            if value < SPACE {
                break;
            }
        }
        let mut text = [b'0'; TICKET_NUMBER_LEN];
        let mut rest = value;
        for slot in text.iter_mut().rev() {
            *slot = ALPHABET[(rest % 36) as usize];
            rest /= 36;
        }
        TicketNumber::parse(std::str::from_utf8(&text).expect("ASCII"))
            .expect("7 characters of [a-z0-9]")
    }

    fn permute(&self, value: u64) -> u64 {
        let (mut left, mut right) = (value >> HALF_BITS, value & HALF_MASK);
        for round in 0..ROUNDS {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("any key length");
            mac.update(&[round]);
            mac.update(&right.to_be_bytes());
            let digest = mac.finalize().into_bytes();
            let f = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) & HALF_MASK;
            (left, right) = (right, left ^ f);
        }
        (left << HALF_BITS) | right
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn numbers_are_unique_across_100k_serials() {
        let numberer = TicketNumberer::new([42; 32]);
        let numbers: HashSet<String> = (1..=100_000)
            .map(|serial| numberer.number(serial).to_string())
            .collect();
        assert_eq!(numbers.len(), 100_000);
        assert!(
            numbers
                .iter()
                .all(|n| n.len() == 7 && n.bytes().all(|b| ALPHABET.contains(&b)))
        );
    }

    #[test]
    fn numbers_are_not_sequential_and_depend_on_the_key() {
        let a = TicketNumberer::new([1; 32]);
        let b = TicketNumberer::new([2; 32]);
        let first: Vec<String> = (1..=5).map(|s| a.number(s).to_string()).collect();
        assert_ne!(
            first,
            (1..=5).map(|s| b.number(s).to_string()).collect::<Vec<_>>()
        );
        // Consecutive serials share no common prefix pattern.
        let prefixes: HashSet<&str> = first.iter().map(|n| &n[..3]).collect();
        assert_eq!(prefixes.len(), 5, "{first:?}");
        assert_eq!(a.number(7).to_string(), a.number(7).to_string(), "stable");
    }

    #[test]
    fn the_permutation_is_a_bijection_on_a_sample_window() {
        let numberer = TicketNumberer::new([9; 32]);
        // The raw Feistel step must not map two inputs to one output.
        let outputs: HashSet<u64> = (0..200_000u64).map(|v| numberer.permute(v)).collect();
        assert_eq!(outputs.len(), 200_000);
    }
}
