//! A wall-clock time in a brand's time zone, turned into the instant a post goes out.
//!
//! - A time that does not exist (a daylight-saving gap, when clocks go forward) is refused,
//!   saying so: `02:30 does not exist in Europe/Paris on 2026-03-29: clocks go forward`.
//! - A time that exists twice (when clocks go back) means the **earlier** instant: the first
//!   time the wall clock shows it, which is what a person reading the calendar expects, and
//!   what cron and most calendar tools do.
//! - Zones without daylight saving (Asia/Jakarta, Asia/Tehran since 2022, Asia/Kolkata) map
//!   one to one, whatever their offset (Kolkata's +05:30, Tehran's +03:30).

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone as _, Utc};
use chrono_tz::Tz;

use tagar_kernel::Refusal;

/// The request field every error here names.
pub const FIELD: &str = "local_time";

/// Parses `YYYY-MM-DDTHH:MM[:SS]` (no offset: the zone is the brand's).
pub fn parse(text: &str) -> Result<NaiveDateTime, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Refusal::invalid(FIELD, "is required"));
    }
    tagar_model::bounds::bytes(text, tagar_model::bounds::TOKEN_BYTES)
        .map_err(|why| Refusal::invalid(FIELD, why))?;
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .map_err(|_| {
            Refusal::invalid(
                FIELD,
                format!(
                    "{text:?} is not a local time like 2026-03-29T09:30 or 2026-03-29T09:30:00"
                ),
            )
        })
}

/// The instant `local` names in `zone`: refused in a gap, the earlier one when ambiguous.
pub fn resolve(local: NaiveDateTime, zone: Tz) -> Result<DateTime<Utc>, Refusal> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Ok(a.min(b).with_timezone(&Utc)),
        LocalResult::None => Err(Refusal::invalid(
            FIELD,
            format!(
                "{} does not exist in {} on {}: clocks go forward",
                local.format("%H:%M"),
                zone.name(),
                local.date()
            ),
        )),
    }
}

/// Parses and resolves `text` in `zone`, refusing an instant not after `now`.
pub fn instant(text: &str, zone: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, Refusal> {
    let local = parse(text)?;
    let at = resolve(local, zone)?;
    if at <= now {
        return Err(Refusal::invalid(
            FIELD,
            format!(
                "{} in {} ({} UTC) is in the past",
                local.format("%Y-%m-%dT%H:%M:%S"),
                zone.name(),
                at.format("%Y-%m-%d %H:%M:%S")
            ),
        ));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use chrono_tz::{America, Asia, Europe};

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn at(text: &str, zone: Tz) -> Result<DateTime<Utc>, Refusal> {
        resolve(parse(text)?, zone)
    }

    #[test]
    fn both_formats_parse_and_garbage_is_named() {
        assert_eq!(
            parse("2026-03-29T09:30").unwrap(),
            parse("2026-03-29T09:30:00").unwrap()
        );
        let err = parse("29/03/2026 09:30").unwrap_err();
        assert!(err.to_string().starts_with("local_time: "), "{err}");
        assert_eq!(
            parse("").unwrap_err().to_string(),
            "local_time: is required"
        );
        assert!(parse("2026-02-30T09:30").is_err());
    }

    #[test]
    fn paris_spring_gap_is_refused_saying_why() {
        let err = at("2026-03-29T02:30", Europe::Paris).unwrap_err();
        assert_eq!(
            err.to_string(),
            "local_time: 02:30 does not exist in Europe/Paris on 2026-03-29: clocks go forward"
        );
        // Either side of the gap exists: 01:59 is CET (+01), 03:00 is CEST (+02).
        assert_eq!(
            at("2026-03-29T01:59", Europe::Paris).unwrap(),
            utc("2026-03-29T00:59:00Z")
        );
        assert_eq!(
            at("2026-03-29T03:00", Europe::Paris).unwrap(),
            utc("2026-03-29T01:00:00Z")
        );
    }

    #[test]
    fn paris_autumn_overlap_takes_the_earlier_instant() {
        // 02:30 happens twice on 2026-10-25: first at +02 (00:30 UTC), then at +01 (01:30 UTC).
        assert_eq!(
            at("2026-10-25T02:30", Europe::Paris).unwrap(),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(
            at("2026-10-25T03:30", Europe::Paris).unwrap(),
            utc("2026-10-25T02:30:00Z")
        );
        // Summer and winter offsets either side of the change.
        assert_eq!(
            at("2026-07-01T12:00", Europe::Paris).unwrap(),
            utc("2026-07-01T10:00:00Z")
        );
        assert_eq!(
            at("2026-12-01T12:00", Europe::Paris).unwrap(),
            utc("2026-12-01T11:00:00Z")
        );
    }

    #[test]
    fn new_york_gap_and_overlap() {
        let err = at("2026-03-08T02:15", America::New_York).unwrap_err();
        assert_eq!(
            err.to_string(),
            "local_time: 02:15 does not exist in America/New_York on 2026-03-08: clocks go forward"
        );
        // 01:30 on 2026-11-01 is first EDT (-04, 05:30 UTC), then EST (-05, 06:30 UTC).
        assert_eq!(
            at("2026-11-01T01:30", America::New_York).unwrap(),
            utc("2026-11-01T05:30:00Z")
        );
        assert_eq!(
            at("2026-03-08T03:00", America::New_York).unwrap(),
            utc("2026-03-08T07:00:00Z")
        );
    }

    #[test]
    fn zones_without_daylight_saving_map_one_to_one() {
        // Jakarta +07, Kolkata +05:30, Tehran +03:30 (no DST since 2022): on the dates where
        // Europe and America change clocks, nothing is skipped or doubled.
        for day in ["2026-03-08", "2026-03-29", "2026-10-25", "2026-11-01"] {
            for (zone, local, utc_time) in [
                (Asia::Jakarta, "02:30", "T19:30:00Z"),
                (Asia::Kolkata, "02:30", "T21:00:00Z"),
                (Asia::Tehran, "02:29:59", "T22:59:59Z"),
            ] {
                let previous = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
                    .unwrap()
                    .pred_opt()
                    .unwrap();
                assert_eq!(
                    at(&format!("{day}T{local}"), zone).unwrap(),
                    utc(&format!("{previous}{utc_time}")),
                    "{day} {zone}"
                );
            }
        }
        // Tehran's old March change no longer applies: 00:30 on 2026-03-22 exists once.
        assert_eq!(
            at("2026-03-22T00:30", Asia::Tehran).unwrap(),
            utc("2026-03-21T21:00:00Z")
        );
    }

    #[test]
    fn the_past_is_refused_and_the_future_accepted() {
        let now = utc("2026-06-01T10:00:00Z");
        // 17:00 in Jakarta is 10:00 UTC: exactly now is not in the future.
        let err = instant("2026-06-01T17:00", Asia::Jakarta, now).unwrap_err();
        assert!(err.to_string().contains("is in the past"), "{err}");
        assert_eq!(
            instant("2026-06-01T17:00:01", Asia::Jakarta, now).unwrap(),
            utc("2026-06-01T10:00:01Z")
        );
    }
}
