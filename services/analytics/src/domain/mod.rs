//! The analytics domain, pure and without I/O: how an event folds into per-minute counters
//! ([`fold`]), how a batch of folds adds up ([`tally`]), the trend maths ([`trends`]), and
//! the CSV export ([`export`]), hashtag chats' views and reports ([`chat`]), and crisis
//! detection ([`crisis`]).

pub mod chat;
pub mod crisis;
pub mod export;
pub mod fold;
pub mod responses;
pub mod tally;
pub mod trends;

/// A minute in microseconds, the store's unit of time.
pub const MINUTE_US: i64 = 60_000_000;

/// The start of the minute holding `us` (microseconds since the epoch), also before 1970.
pub fn minute_of(us: i64) -> i64 {
    us.div_euclid(MINUTE_US) * MINUTE_US
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_floor_towards_the_past() {
        assert_eq!(minute_of(0), 0);
        assert_eq!(minute_of(MINUTE_US - 1), 0);
        assert_eq!(minute_of(MINUTE_US), MINUTE_US);
        assert_eq!(minute_of(-1), -MINUTE_US);
    }
}
