//! The bounds of every field Tagar takes in, in one place: what the edges (the wire
//! conversion of a post, the gRPC handlers) check before anything else sees a value, and what
//! the READMEs document. Each is generous next to what the networks themselves allow, and
//! small enough that nothing downstream (a log record, an index, a sum of counters, date
//! arithmetic) can be pushed past its limits by one crafted value.
//!
//! The checks return the reason only; the caller names the field.

use chrono::{DateTime, Duration, TimeZone as _, Utc};

/// A post's text, in bytes: above every network's limit (Facebook's 63,206 characters can
/// take up to four bytes each).
pub const TEXT_BYTES: usize = 256 * 1024;
/// Hashtag signs (`#`, `＃`) in one post's text: no network's post has more than a few dozen
/// hashtags (Instagram allows 30), so a text with more is not a post.
pub const HASHTAG_SIGNS: usize = 200;
/// Mention signs (`@`, `＠`) in one post's text, for the same reason.
pub const MENTION_SIGNS: usize = 200;
/// A post's native id, in bytes (AT-URIs are the longest in practice).
pub const NATIVE_ID_BYTES: usize = 512;
/// A conversation id, in bytes (a root post's native id).
pub const CONVERSATION_ID_BYTES: usize = 512;
/// An author's id on their network, in bytes (Bluesky DIDs are the longest).
pub const AUTHOR_ID_BYTES: usize = 256;
/// An author's handle, in bytes (a Mastodon `user@domain` with a 253-byte domain fits).
pub const HANDLE_BYTES: usize = 320;
/// An author's display name, in characters (X allows 50, Bluesky 64 graphemes).
pub const DISPLAY_NAME_CHARS: usize = 256;
/// A language tag (BCP 47), in bytes.
pub const LANGUAGE_BYTES: usize = 35;
/// Media attached to one post (Instagram carousels hold 20).
pub const MEDIA_PER_POST: usize = 20;
/// A media URL, in bytes.
pub const URL_BYTES: usize = 2_048;
/// A media item's alt text, in characters (Bluesky allows 2,000, Mastodon 1,500).
pub const ALT_TEXT_CHARS: usize = 2_000;
/// The largest counter accepted (followers, likes, reposts, replies, quotes, views): a
/// trillion, so a million of them still sum within an `i64`.
pub const COUNTER_MAX: u64 = 1_000_000_000_000;
/// How far in the future a post's time may be: clocks disagree, not by more than a day.
pub const FUTURE_SKEW: Duration = Duration::days(1);
/// A free-text note a person writes (a rejection's reason, a moderator's note), in
/// characters.
pub const NOTE_CHARS: usize = 2_000;
/// A person's name as recorded (an approver, a moderator), in characters.
pub const PERSON_CHARS: usize = 256;
/// A short token of a request (a time zone, a local time, an id as typed), in bytes.
pub const TOKEN_BYTES: usize = 128;

/// The earliest time accepted for a post or an account: 2000-01-01, before every social
/// network Tagar speaks to.
pub fn earliest() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The latest time a query may name: 2100-01-01. Queries may look ahead (the end of a
/// period), not so far that time arithmetic overflows.
pub fn latest_query() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `at` lies between [`earliest`] and [`latest_query`]: a time a query may name.
pub fn query_time(at: DateTime<Utc>) -> Result<(), String> {
    if at < earliest() || at > latest_query() {
        return Err(format!(
            "{at} is outside {} to {}",
            earliest().date_naive(),
            latest_query().date_naive()
        ));
    }
    Ok(())
}

/// `value` has at most `max` bytes, and no NUL character (no network sends one, and
/// PostgreSQL's text cannot hold one).
pub fn bytes(value: &str, max: usize) -> Result<(), String> {
    if value.len() > max {
        return Err(format!("is {} bytes long; the limit is {max}", value.len()));
    }
    no_nul(value)
}

/// `value` holds no NUL character.
pub fn no_nul(value: &str) -> Result<(), String> {
    match value.find('\0') {
        Some(at) => Err(format!("may not contain the NUL character (at byte {at})")),
        None => Ok(()),
    }
}

/// `value` has at most `max` characters (and so at most `4 × max` bytes, checked first, so
/// a huge value is refused without counting it).
pub fn chars(value: &str, max: usize) -> Result<(), String> {
    if value.len() > max.saturating_mul(4) {
        return Err(format!(
            "is {} bytes long, over the limit of {max} characters",
            value.len()
        ));
    }
    let len = value.chars().count();
    if len > max {
        return Err(format!("is {len} characters long; the limit is {max}"));
    }
    no_nul(value)
}

/// `value` is no larger than [`COUNTER_MAX`].
pub fn counter(value: u64) -> Result<(), String> {
    if value > COUNTER_MAX {
        return Err(format!("is {value}; the limit is {COUNTER_MAX}"));
    }
    Ok(())
}

/// `at` lies between [`earliest`] and [`FUTURE_SKEW`] after `now`.
pub fn time(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    if at < earliest() {
        return Err(format!("{at} is before {}", earliest().date_naive()));
    }
    if now
        .checked_add_signed(FUTURE_SKEW)
        .is_some_and(|latest| at > latest)
    {
        return Err(format!("{at} is more than a day in the future"));
    }
    Ok(())
}

/// How many of the characters in `signs` `text` holds (a cheap upper bound of its entities
/// of that kind, counted without parsing).
pub fn signs(text: &str, signs: &[char]) -> usize {
    text.chars().filter(|c| signs.contains(c)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_says_why() {
        assert!(bytes("kopi", 4).is_ok());
        assert_eq!(
            bytes("kopi!", 4).unwrap_err(),
            "is 5 bytes long; the limit is 4"
        );
        assert!(chars("café", 4).is_ok());
        assert_eq!(
            chars("cafés", 4).unwrap_err(),
            "is 5 characters long; the limit is 4"
        );
        assert!(chars(&"x".repeat(2_000_000), 256).is_err());
        assert!(counter(COUNTER_MAX).is_ok());
        assert!(counter(u64::MAX).is_err());
        let now = Utc::now();
        assert!(time(now, now).is_ok());
        assert!(time(now + Duration::days(2), now).is_err());
        assert!(time(DateTime::<Utc>::MIN_UTC, now).is_err());
        assert!(time(DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MAX_UTC).is_ok());
        assert_eq!(signs("#a ＃b @c #d", &['#', '＃']), 3);
        assert!(bytes("a\0b", 10).unwrap_err().contains("NUL"));
        assert!(chars("a\0b", 10).unwrap_err().contains("NUL"));
    }
}
