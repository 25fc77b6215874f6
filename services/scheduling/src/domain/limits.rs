//! A network's per-account limits, checked when a post is scheduled: the user learns that a
//! slot is over the limit when choosing it, not when the network refuses the post.

use tagar_kernel::Refusal;
use tagar_model::Network;
use tagar_networks::Limits;

/// How many of the account's other posts fall in the hour and the day on each side of the
/// slot (`(before, after]` windows ending or starting at it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Around {
    /// In the hour up to the slot.
    pub hour_before: u64,
    /// In the hour from the slot.
    pub hour_after: u64,
    /// In the day up to the slot.
    pub day_before: u64,
    /// In the day from the slot.
    pub day_after: u64,
}

/// Refuses a slot that would put the account over `limits` in a rolling hour or day that
/// begins or ends at it.
pub fn check(network: Network, limits: Limits, around: Around) -> Result<(), Refusal> {
    let over = |count: u64, limit: u32, per: &str, side: &str| {
        (count >= u64::from(limit)).then(|| {
            Refusal::Limit(format!(
                "local_time: {network} allows {limit} posts {per} from one account, and {count} are already scheduled or published in the {} {side} this time; choose another time",
                per.trim_start_matches("a ").trim_start_matches("an "),
            ))
        })
    };
    let refusal = over(
        around.hour_before,
        limits.posts_per_hour,
        "an hour",
        "before",
    )
    .or_else(|| over(around.hour_after, limits.posts_per_hour, "an hour", "after"))
    .or_else(|| over(around.day_before, limits.posts_per_day, "a day", "before"))
    .or_else(|| over(around.day_after, limits.posts_per_day, "a day", "after"));
    refusal.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        posts_per_hour: 3,
        posts_per_day: 5,
    };

    #[test]
    fn a_slot_within_the_limits_is_fine_and_one_past_them_is_refused_with_the_reason() {
        let fine = Around {
            hour_before: 2,
            hour_after: 2,
            day_before: 4,
            day_after: 4,
        };
        assert!(check(Network::Bluesky, LIMITS, fine).is_ok());
        let hour = check(
            Network::Bluesky,
            LIMITS,
            Around {
                hour_after: 3,
                ..fine
            },
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            hour,
            "local_time: bluesky allows 3 posts an hour from one account, and 3 are already scheduled or published in the hour after this time; choose another time"
        );
        let day = check(
            Network::Bluesky,
            LIMITS,
            Around {
                day_before: 5,
                ..fine
            },
        )
        .unwrap_err();
        assert!(matches!(day, Refusal::Limit(_)));
        assert!(day.to_string().contains("5 posts a day"), "{day}");
    }
}
