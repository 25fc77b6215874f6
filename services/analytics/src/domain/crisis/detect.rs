//! Is a brand in a storm? Its last few minutes against its own baseline: negative posts far
//! above its usual rate (and a large share of what it hears), or volume far above it. Pure:
//! the store hands over the figures.

use std::collections::{HashMap, HashSet};

use tagar_kernel::Refusal;

use crate::domain::chat::discover::top_words;

/// What a spike is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Negative posts.
    Negative,
    /// Mentions, whatever their tone.
    Volume,
}

impl Trigger {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Negative => "negative",
            Trigger::Volume => "volume",
        }
    }

    /// Inverse of [`Trigger::as_str`].
    pub fn parse(name: &str) -> Option<Trigger> {
        [Trigger::Negative, Trigger::Volume]
            .into_iter()
            .find(|t| t.as_str() == name)
    }
}

/// A brand's thresholds. The defaults raise a crisis for a planted surge of a few dozen
/// negative posts in two minutes and stay quiet for the demo's traffic (a hashtag chat of
/// hundreds of posts, a few abusive ones among them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// The window looked at: this many minutes up to now (1 to 60).
    pub window_minutes: u32,
    /// At least this many negative posts in the window …
    pub min_negatives: u64,
    /// … and this many times the brand's usual negatives for that long …
    pub negative_factor: f64,
    /// … and at least this share (0 to 1) of the window's mentions negative.
    pub min_negative_share: f64,
    /// At least this many mentions in the window …
    pub min_mentions: u64,
    /// … and this many times the brand's usual mentions for that long (not counted while
    /// the brand's own hashtag chat is live: that volume is expected).
    pub volume_factor: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            window_minutes: 2,
            min_negatives: 20,
            negative_factor: 4.0,
            min_negative_share: 0.3,
            min_mentions: 1_000,
            volume_factor: 5.0,
        }
    }
}

impl Thresholds {
    /// Checks every field, the error naming it.
    pub fn check(self) -> Result<Self, Refusal> {
        if !(1..=60).contains(&self.window_minutes) {
            return Err(Refusal::invalid("window_minutes", "must be 1 to 60"));
        }
        if self.min_negatives == 0 {
            return Err(Refusal::invalid("min_negatives", "must be at least 1"));
        }
        if self.min_mentions == 0 {
            return Err(Refusal::invalid("min_mentions", "must be at least 1"));
        }
        for (field, factor) in [
            ("negative_factor", self.negative_factor),
            ("volume_factor", self.volume_factor),
        ] {
            if !(factor.is_finite() && (1.0..=1_000.0).contains(&factor)) {
                return Err(Refusal::invalid(field, "must be 1 to 1000"));
            }
        }
        let share = self.min_negative_share;
        if !(share.is_finite() && (0.0..=1.0).contains(&share)) {
            return Err(Refusal::invalid("min_negative_share", "must be 0 to 1"));
        }
        Ok(self)
    }
}

/// What the brand heard in the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Negative posts.
    pub negatives: u64,
    /// Mentions.
    pub mentions: u64,
    /// Its length in minutes.
    pub minutes: u32,
}

/// The brand's usual rates per minute.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Baseline {
    /// Negative posts a minute.
    pub negatives_per_minute: f64,
    /// Mentions a minute.
    pub mentions_per_minute: f64,
}

impl Baseline {
    /// Rates from the totals of the `minutes` before the window. A brand with little history
    /// is averaged over an hour at least, so its first busy minutes are not their own
    /// baseline.
    pub fn from_totals(negatives: u64, mentions: u64, minutes: u64) -> Self {
        let minutes = minutes.max(MIN_BASELINE_MINUTES) as f64;
        Self {
            negatives_per_minute: negatives as f64 / minutes,
            mentions_per_minute: mentions as f64 / minutes,
        }
    }
}

/// The shortest history a baseline is averaged over.
pub const MIN_BASELINE_MINUTES: u64 = 60;

/// How far back the baseline looks.
pub const BASELINE_DAYS: i64 = 7;

/// Whether the window is a spike, and why (a sentence for people). Negative posts first:
/// a storm of them is a crisis whatever the volume. `chat_live`: one of the brand's own
/// hashtag chats is live, so volume alone says nothing.
pub fn spike(
    thresholds: &Thresholds,
    window: Window,
    baseline: Baseline,
    chat_live: bool,
) -> Option<(Trigger, String)> {
    let minutes = f64::from(window.minutes.max(1));
    let usual_negatives = baseline.negatives_per_minute * minutes;
    let share = if window.mentions == 0 {
        1.0
    } else {
        (window.negatives as f64 / window.mentions as f64).min(1.0)
    };
    if window.negatives >= thresholds.min_negatives
        && window.negatives as f64 >= thresholds.negative_factor * usual_negatives
        && share >= thresholds.min_negative_share
    {
        let why = format!(
            "{} negative posts in {} minutes ({:.0} % of mentions); the brand usually has {:.1} a minute",
            window.negatives,
            window.minutes,
            share * 100.0,
            baseline.negatives_per_minute
        );
        return Some((Trigger::Negative, why));
    }
    let usual_mentions = baseline.mentions_per_minute * minutes;
    if !chat_live
        && window.mentions >= thresholds.min_mentions
        && window.mentions as f64 >= thresholds.volume_factor * usual_mentions
    {
        let why = format!(
            "{} mentions in {} minutes; the brand usually has {:.1} a minute",
            window.mentions, window.minutes, baseline.mentions_per_minute
        );
        return Some((Trigger::Volume, why));
    }
    None
}

/// Up to `n` words common in `now` (the window's negative posts) that were rare in
/// `before` (the brand's earlier negative posts): each word's share of posts now against
/// its share before, the strongest rise first; a word must be in two posts at least.
pub fn rising_terms(now: &[String], before: &[String], n: usize) -> Vec<String> {
    let counts = |texts: &[String]| -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for text in texts {
            for word in top_words(std::slice::from_ref(text), usize::MAX)
                .into_iter()
                .collect::<HashSet<_>>()
            {
                *counts.entry(word).or_insert(0) += 1;
            }
        }
        counts
    };
    let (in_now, in_before) = (counts(now), counts(before));
    let share = |n: usize, of: usize| n as f64 / of.max(1) as f64;
    let mut rising: Vec<(String, f64, usize)> = in_now
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(word, n)| {
            let was = share(in_before.get(&word).copied().unwrap_or(0), before.len());
            let rise = share(n, now.len()) / (was + 0.05);
            (word, rise, n)
        })
        .collect();
    rising.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    rising.into_iter().take(n).map(|(w, _, _)| w).collect()
}
