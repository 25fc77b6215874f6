//! Bluesky record keys ("TIDs") derived from a scheduled post's id, so that every attempt to
//! publish one post writes the same record.
//!
//! A TID (atproto spec, "Record Key" → "TID") is 64 bits, the top one zero: 53 bits of
//! microseconds since the Unix epoch and a 10-bit clock id, written as 13 characters of the
//! sortable base32 alphabet `234567abcdefghijklmnopqrstuvwxyz`. A scheduled post's id is a
//! UUIDv7, whose first 48 bits are its creation time in milliseconds: the TID keeps that
//! time, so records sort by when their posts were written, and fills the microseconds and
//! the clock id from a SHA-256 of the whole id, so two posts of one millisecond differ.

use sha2::{Digest, Sha256};
use uuid::Uuid;

const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
const MICROS_BITS: u32 = 53;

/// The record key for the post with id `id`; the same id always gives the same key.
pub fn for_post(id: Uuid) -> String {
    let hash = Sha256::digest(id.as_bytes());
    let spread = u64::from(u16::from_be_bytes([hash[0], hash[1]]) % 1000);
    let clock = u64::from(u16::from_be_bytes([hash[2], hash[3]]) & 0x3ff);
    let micros = match id.get_timestamp() {
        Some(ts) => {
            let (secs, nanos) = ts.to_unix();
            secs * 1_000_000 + u64::from(nanos / 1_000_000) * 1000 + spread
        }
        // Not a time-ordered id: the whole key comes from the hash.
        None => u64::from_be_bytes(hash[4..12].try_into().expect("8 bytes")),
    };
    encode((micros & ((1 << MICROS_BITS) - 1)) << 10 | clock)
}

fn encode(value: u64) -> String {
    (0..13)
        .map(|i| char::from(ALPHABET[((value >> (60 - 5 * i)) & 31) as usize]))
        .collect()
}

/// Whether `key` is a valid TID: 13 characters of the alphabet, the first one of its first
/// 16 (the top bit is zero).
pub fn is_valid(key: &str) -> bool {
    let bytes = key.as_bytes();
    bytes.len() == 13
        && bytes.iter().all(|b| ALPHABET.contains(b))
        && ALPHABET[..16].contains(&bytes[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_id_gives_one_valid_key() {
        let id = Uuid::now_v7();
        let key = for_post(id);
        assert!(is_valid(&key), "{key}");
        assert_eq!(key, for_post(id));
        assert_ne!(key, for_post(Uuid::now_v7()));
        assert!(is_valid(&for_post(Uuid::new_v4())));
    }

    #[test]
    fn keys_sort_by_when_their_posts_were_written() {
        let earlier = Uuid::parse_str("018f0000-0000-7000-8000-000000000001").unwrap();
        let later = Uuid::parse_str("018f0001-0000-7000-8000-000000000001").unwrap();
        assert!(for_post(earlier) < for_post(later));
    }

    #[test]
    fn the_spec_example_shape_is_valid_and_bad_keys_are_not() {
        assert!(is_valid("3jzfcijpj2z2a"));
        assert!(!is_valid("3jzfcijpj2z2"));
        assert!(!is_valid("zjzfcijpj2z2a"));
        assert!(!is_valid("3jzfcijpj2z21"));
    }
}
