//! The posts a replica published lately, by event id: the memory of the duplicate drop.
//!
//! A post's `PostIngested` event id is derived from (tenant, network, native id), so every
//! copy of a post is the same event. The copies this replica published lately are dropped
//! here, at no cost but a lookup; a copy it does not remember (pushed to another replica,
//! or after a restart, or after it was forgotten) is published again, and every consumer
//! drops it by its event id, which they record in the same transaction as what it changed.
//! So no store round trip stands on the hot path, and nothing is counted twice downstream.
//!
//! Only published posts are remembered: a post whose publish fails is not, so a retry
//! publishes it. Two batches holding the same post at once both publish it, which
//! consumers see as one event.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use uuid::Uuid;

/// How many posts a replica remembers by default: about 48 MB.
pub const DEFAULT_CAPACITY: usize = 1_000_000;

/// The event ids of the posts published lately, the oldest forgotten first.
#[derive(Debug)]
pub struct SeenPosts {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    ids: HashSet<u128, BuildHasherDefault<IdHasher>>,
    order: VecDeque<u128>,
}

impl SeenPosts {
    /// Remembers at most `capacity` posts (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// For each of `ids`, whether it was published lately.
    pub fn published(&self, ids: &[Uuid]) -> Vec<bool> {
        let inner = self.lock();
        ids.iter()
            .map(|id| inner.ids.contains(&id.as_u128()))
            .collect()
    }

    /// Remembers `ids` as published, forgetting the oldest beyond the capacity.
    pub fn remember(&self, ids: &[Uuid]) {
        let mut inner = self.lock();
        for id in ids {
            if inner.ids.insert(id.as_u128()) {
                inner.order.push_back(id.as_u128());
            }
        }
        while inner.order.len() > self.capacity {
            if let Some(oldest) = inner.order.pop_front() {
                inner.ids.remove(&oldest);
            }
        }
    }

    /// How many posts it remembers.
    pub fn len(&self) -> usize {
        self.lock().order.len()
    }

    /// Whether it remembers none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Event ids are SHA-256 digests already: their low bits are the hash.
#[derive(Debug, Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, id: u128) {
        self.0 = id as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Vec<Uuid> {
        (0..n).map(|i| Uuid::from_u128(i * 7_919 + 1)).collect()
    }

    #[test]
    fn what_was_published_is_known_and_the_rest_is_not() {
        let seen = SeenPosts::new(10);
        let all = ids(4);
        seen.remember(&all[..2]);
        assert_eq!(seen.published(&all), [true, true, false, false]);
        seen.remember(&all[..3]);
        assert_eq!(seen.len(), 3, "remembered once each");
    }

    #[test]
    fn the_oldest_are_forgotten_beyond_the_capacity() {
        let seen = SeenPosts::new(3);
        let all = ids(5);
        seen.remember(&all);
        assert_eq!(seen.published(&all), [false, false, true, true, true]);
        assert_eq!(seen.len(), 3);
    }
}
