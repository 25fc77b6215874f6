//! Native post ids shaped like X's snowflakes: milliseconds since the network's epoch, a
//! worker number taken from the seed, and a sequence within the millisecond.

use chrono::{DateTime, Utc};

/// X's snowflake epoch (2010-11-04), in Unix milliseconds.
const EPOCH_MS: i64 = 1_288_834_974_657;

/// Hands out unique, increasing ids for posts given in time order.
#[derive(Debug, Clone)]
pub struct IdClock {
    worker: u64,
    last_ms: i64,
    sequence: u64,
}

impl IdClock {
    /// A clock whose worker number comes from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            worker: seed & 0x3FF,
            last_ms: i64::MIN,
            sequence: 0,
        }
    }

    /// The id of a post written at `at` (never less than the previous one).
    pub fn next(&mut self, at: DateTime<Utc>) -> u64 {
        let ms = (at.timestamp_millis() - EPOCH_MS).max(0);
        if ms > self.last_ms {
            self.last_ms = ms;
            self.sequence = 0;
        } else {
            self.sequence += 1;
            if self.sequence > 0xFFF {
                // More than 4,096 posts in one millisecond: borrow the next one.
                self.last_ms += 1;
                self.sequence = 0;
            }
        }
        ((self.last_ms as u64) << 22) | (self.worker << 12) | self.sequence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_increasing_even_within_a_millisecond() {
        let mut clock = IdClock::new(42);
        let at = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let ids: Vec<u64> = (0..10_000).map(|_| clock.next(at)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
