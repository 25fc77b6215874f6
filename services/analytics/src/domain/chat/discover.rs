//! Finding hashtag chats in what ingest hears: a chat is a hashtag that bursts at the same
//! weekday and hour, week after week. Pure: the store hands over hourly counts.
//!
//! An hour *bursts* for a tag when it holds at least [`MIN_BURST`] mentions and at least
//! [`BURST_FACTOR`] times the tag's mean over the other hours of the range (hours without
//! mentions count as zero). A tag is a chat candidate when it bursts at one weekday and hour
//! (UTC) in at least [`MIN_WEEKS`] different weeks, and that slot holds [`BURST_FACTOR`]
//! times what the same hour holds on an average other weekday (a tag that spikes every
//! morning is a daily habit, not a chat).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike as _, Duration, TimeZone as _, Timelike as _, Utc};

/// The fewest mentions in an hour that can be a chat.
pub const MIN_BURST: i64 = 20;
/// How far above the tag's other hours a chat's hour stands.
pub const BURST_FACTOR: f64 = 4.0;
/// In how many weeks a slot must burst.
pub const MIN_WEEKS: usize = 2;

const HOUR_US: i64 = 3_600 * 1_000_000;

/// A recurring chat found in the counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The hashtag, canonical.
    pub hashtag: String,
    /// ISO weekday, 1 (Monday) to 7, in UTC.
    pub weekday: u32,
    /// Hour of the day, UTC.
    pub hour: u32,
    /// The next time it is expected.
    pub next_at: DateTime<Utc>,
    /// The weeks it burst in that slot.
    pub weeks: usize,
    /// The median mentions of its bursts.
    pub typical_posts: i64,
    /// The last time it burst.
    pub last_at: DateTime<Utc>,
    /// The starts of the hours it burst in (µs), for its words.
    pub hours: Vec<i64>,
}

/// The candidates among `hours` (tag, hour start in µs, mentions) over `range_hours`
/// hours ending at `now`, most weeks then largest first.
pub fn candidates(
    hours: &[(String, i64, i64)],
    range_hours: i64,
    now: DateTime<Utc>,
) -> Vec<Candidate> {
    let mut by_tag: HashMap<&str, Vec<(i64, i64)>> = HashMap::new();
    for (tag, hour_us, n) in hours {
        by_tag.entry(tag).or_default().push((*hour_us, *n));
    }
    let mut out = Vec::new();
    for (tag, hours) in by_tag {
        let total: i64 = hours.iter().map(|(_, n)| n).sum();
        let mut slots: BTreeMap<(u32, u32), Vec<(i64, i64)>> = BTreeMap::new();
        for &(hour_us, n) in &hours {
            let others = (total - n) as f64 / (range_hours - 1).max(1) as f64;
            if n < MIN_BURST || (n as f64) < BURST_FACTOR * others {
                continue;
            }
            let Some(at) = Utc.timestamp_micros(hour_us).single() else {
                continue;
            };
            slots
                .entry((at.weekday().number_from_monday(), at.hour()))
                .or_default()
                .push((hour_us, n));
        }
        for ((weekday, hour), bursts) in slots {
            let weeks = {
                let mut w: Vec<i64> = bursts
                    .iter()
                    .map(|(h, _)| h.div_euclid(7 * 24 * HOUR_US))
                    .collect();
                w.dedup();
                w.len()
            };
            // Weekly, not daily: the slot stands out from the same hour on other weekdays.
            let at_hour = |other: bool| -> i64 {
                hours
                    .iter()
                    .filter_map(|&(h, n)| {
                        let at = Utc.timestamp_micros(h).single()?;
                        let same_day = at.weekday().number_from_monday() == weekday;
                        (at.hour() == hour && same_day != other).then_some(n)
                    })
                    .sum()
            };
            let other_days = at_hour(true) as f64 / 6.0;
            if weeks < MIN_WEEKS || (at_hour(false) as f64) < BURST_FACTOR * other_days {
                continue;
            }
            let mut sizes: Vec<i64> = bursts.iter().map(|(_, n)| *n).collect();
            sizes.sort_unstable();
            let last_us = bursts.iter().map(|(h, _)| *h).max().unwrap_or_default();
            out.push(Candidate {
                hashtag: tag.to_owned(),
                weekday,
                hour,
                next_at: next_slot(now, weekday, hour),
                weeks,
                typical_posts: sizes[sizes.len() / 2],
                last_at: Utc.timestamp_micros(last_us).single().unwrap_or(now),
                hours: bursts.iter().map(|(h, _)| *h).collect(),
            });
        }
    }
    out.sort_by(|a, b| {
        b.weeks
            .cmp(&a.weeks)
            .then(b.typical_posts.cmp(&a.typical_posts))
            .then(a.hashtag.cmp(&b.hashtag))
    });
    out
}

/// Words too common to say what a chat is about, in the five languages.
const STOPWORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "you",
    "your",
    "with",
    "this",
    "that",
    "are",
    "was",
    "what",
    "who",
    "how",
    "our",
    "all",
    "but",
    "not",
    "have",
    "has",
    "just",
    "from",
    "they",
    "will",
    "can",
    "les",
    "des",
    "une",
    "est",
    "pour",
    "pas",
    "que",
    "qui",
    "dans",
    "sur",
    "avec",
    "vous",
    "nous",
    "mon",
    "ton",
    "son",
    "aux",
    "yang",
    "dan",
    "ini",
    "itu",
    "aku",
    "kamu",
    "untuk",
    "dengan",
    "ada",
    "tidak",
    "juga",
    "sudah",
    "lagi",
    "saja",
    "bisa",
    "hai",
    "है",
    "का",
    "की",
    "के",
    "में",
    "और",
    "से",
    "को",
    "यह",
    "हैं",
    "kya",
    "hai",
    "aur",
    "और",
    "که",
    "از",
    "به",
    "این",
    "با",
    "را",
    "است",
    "برای",
    "هم",
    "یک",
];

/// The `n` commonest words of `texts`: no hashtags, handles, links, numbers or stopwords,
/// at least three letters, lower-cased; the commonest first, ties alphabetically.
pub fn top_words(texts: &[String], n: usize) -> Vec<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for text in texts {
        let mut seen = std::collections::HashSet::new();
        for token in text.split_whitespace() {
            if token.starts_with(['#', '@', '＃', '＠']) || token.contains("://") {
                continue;
            }
            let word = token
                .trim_matches(|c: char| c.is_ascii_punctuation() || "…“”‘’«»！？،؛؟।".contains(c))
                .to_lowercase();
            if word.chars().count() < 3
                || word.chars().any(|c| c.is_ascii_digit())
                || !word.chars().any(char::is_alphabetic)
                || STOPWORDS.contains(&word.as_str())
            {
                continue;
            }
            // A word counts once per post: a post repeating itself is not a topic.
            if seen.insert(word.clone()) {
                *counts.entry(word).or_default() += 1;
            }
        }
    }
    let mut words: Vec<(String, usize)> = counts.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    words.into_iter().take(n).map(|(w, _)| w).collect()
}

/// The next start of `weekday` at `hour` (UTC) after `now`.
fn next_slot(now: DateTime<Utc>, weekday: u32, hour: u32) -> DateTime<Utc> {
    let today = now
        .date_naive()
        .and_hms_opt(hour, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let ahead = (i64::from(weekday) - i64::from(now.weekday().number_from_monday())).rem_euclid(7);
    let at = today + Duration::days(ahead);
    if at > now { at } else { at + Duration::days(7) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hour(y: i32, m: u32, d: u32, h: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn a_tag_bursting_at_one_weekday_and_hour_week_after_week_is_a_chat() {
        // Tuesdays 2026-11-10, -17 and -24 at 14:00 UTC: #KopiChat; noise elsewhere.
        let mut hours = vec![
            ("kopichat".to_owned(), hour(2026, 11, 10, 14), 120),
            ("kopichat".to_owned(), hour(2026, 11, 17, 14), 90),
            ("kopichat".to_owned(), hour(2026, 11, 24, 14), 150),
            ("kopichat".to_owned(), hour(2026, 11, 20, 9), 3),
            // Big but every day at a different hour: a trend, not a chat.
            ("diwali".to_owned(), hour(2026, 11, 10, 8), 400),
            ("diwali".to_owned(), hour(2026, 11, 11, 19), 380),
            // Bursts once only.
            ("oneoff".to_owned(), hour(2026, 11, 12, 10), 500),
        ];
        for d in 1..=28 {
            hours.push(("kopi".to_owned(), hour(2026, 11, d, 7), 30));
        }
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let found = candidates(&hours, 28 * 24, now);
        assert_eq!(found.len(), 1, "{found:?}");
        let chat = &found[0];
        assert_eq!(
            (chat.hashtag.as_str(), chat.weekday, chat.hour),
            ("kopichat", 2, 14)
        );
        assert_eq!((chat.weeks, chat.typical_posts), (3, 120));
        assert_eq!(
            chat.next_at,
            Utc.with_ymd_and_hms(2026, 12, 1, 14, 0, 0).unwrap()
        );
        assert_eq!(chat.last_at.timestamp_micros(), hour(2026, 11, 24, 14));
    }

    #[test]
    fn top_words_skip_tags_handles_links_numbers_and_stopwords() {
        let texts = [
            "A1 kopi tubruk #KopiChat @ana".to_owned(),
            "A2 kopi susu, always! https://t.co/x".to_owned(),
            "the kopi tubruk kopi tubruk".to_owned(),
            "मुझे कॉफ़ी पसंद है #KopiChat".to_owned(),
        ];
        assert_eq!(top_words(&texts, 3), ["kopi", "tubruk", "always"]);
        assert!(
            top_words(&texts, 20).contains(&"पसंद".to_owned()),
            "Devanagari kept whole"
        );
    }

    #[test]
    fn the_next_slot_is_strictly_ahead() {
        let tuesday_14 = Utc.with_ymd_and_hms(2026, 12, 1, 14, 0, 0).unwrap();
        assert_eq!(next_slot(tuesday_14, 2, 14), tuesday_14 + Duration::days(7));
        assert_eq!(
            next_slot(tuesday_14 - Duration::minutes(1), 2, 14),
            tuesday_14
        );
    }
}
