//! A brand's activity as CSV, for spreadsheets.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat};

use super::fold::Counts;

/// The header row.
pub const CSV_HEADER: &str =
    "minute,mentions,flagged,hidden,published,likes,reposts,replies,negative";

/// One row per minute (`minute_us`, its counters), after the header; minutes in RFC 3339 UTC.
/// Every field is a number or a timestamp, so nothing needs quoting.
pub fn activity_csv(minutes: &[(i64, Counts)]) -> String {
    let mut csv = String::with_capacity(64 * (minutes.len() + 1));
    csv.push_str(CSV_HEADER);
    csv.push('\n');
    for (minute_us, c) in minutes {
        let minute = DateTime::from_timestamp_micros(*minute_us)
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_default();
        let _ = writeln!(
            csv,
            "{minute},{},{},{},{},{},{},{},{}",
            c.mentions, c.flagged, c.hidden, c.published, c.likes, c.reposts, c.replies, c.negative
        );
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MINUTE_US;

    #[test]
    fn rows_follow_the_header() {
        let counts = Counts {
            mentions: 3,
            flagged: 1,
            likes: 7,
            ..Counts::default()
        };
        let csv = activity_csv(&[(MINUTE_US, counts)]);
        assert_eq!(
            csv,
            format!("{CSV_HEADER}\n1970-01-01T00:01:00Z,3,1,0,0,7,0,0,0\n")
        );
    }
}
