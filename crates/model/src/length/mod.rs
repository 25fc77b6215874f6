//! Whether a text fits a network: its length in the network's units, valid or why not,
//! and where it stops fitting.
//!
//! - [`x`]: X, measured by twitter-text on the NFC form of the text;
//! - [`units`]: the units every other network counts in (graphemes, UTF-16, Threads);
//! - [`links`]: which links get a fixed length (Mastodon's 23).

mod links;
mod units;
mod x;

use serde::Serialize;

use crate::chars::is_invalid_char;
use crate::{Counting, Extraction, Network, NetworkRules, Span, extract};

pub use x::{XWeighting, weigh_x};

use units::Tally;

/// Valid, or the reason the network would refuse the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    /// The network will take it.
    Fits,
    /// Nothing to post (on X: no text at all; elsewhere: only white space).
    Empty,
    /// Longer than the limit, by `over_by` of the network's units.
    TooLong {
        /// How far over the limit, in the network's units.
        over_by: usize,
    },
    /// More UTF-8 bytes than the network stores (Bluesky), by `over_by` bytes.
    TooManyBytes {
        /// How far over the byte limit.
        over_by: usize,
    },
    /// A character no network accepts (U+FFFE, U+FFFF, U+FEFF) at byte `at`.
    InvalidChar {
        /// Byte offset of the char.
        at: usize,
    },
    /// More hashtags than the network accepts.
    TooManyHashtags {
        /// Hashtags found.
        found: usize,
        /// The network's limit.
        max: usize,
    },
    /// More mentions than the network accepts.
    TooManyMentions {
        /// Mentions found.
        found: usize,
        /// The network's limit.
        max: usize,
    },
    /// More links than the network accepts (Threads: 5).
    TooManyLinks {
        /// Links found.
        found: usize,
        /// The network's limit.
        max: usize,
    },
}

/// A text measured against a network's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct LengthCheck {
    /// The network measured for.
    pub network: Network,
    /// The length in the network's units ([`crate::Counting`]).
    pub length: usize,
    /// The network's limit in the same units.
    pub max_length: usize,
    /// The byte offset where the text stops fitting: everything before it fits. Equal to
    /// the text's length when all of it fits.
    pub fits_until: usize,
    /// Valid, or why not.
    pub verdict: Verdict,
}

impl LengthCheck {
    /// Whether the network will take the text.
    pub fn is_valid(&self) -> bool {
        self.verdict == Verdict::Fits
    }
}

/// Measures `text` for `network`.
pub fn weigh(network: Network, text: &str) -> LengthCheck {
    match network {
        Network::X => weigh_x(text, XWeighting::V3),
        other => weigh_extracted(other, text, &extract(other, text)),
    }
}

/// The entities of `text` under `network`'s rules ([`extract`]) and its length
/// ([`weigh_extracted`]), with one twitter-text pass for an X post in NFC (nearly all of
/// them) where the two would take two.
pub fn extract_and_weigh(network: Network, text: &str) -> (Extraction<'_>, LengthCheck) {
    if network.rules().counting == Counting::XWeighted
        && let Some(both) = x::extract_and_weigh_x(text)
    {
        return both;
    }
    let entities = extract(network, text);
    let check = weigh_extracted(network, text, &entities);
    (entities, check)
}

/// Measures `text` for `network`, reusing entities already extracted from it with
/// [`extract`]`(network, text)`; saves a pass on the ingest path.
pub fn weigh_extracted(network: Network, text: &str, entities: &Extraction<'_>) -> LengthCheck {
    let rules = network.rules();
    let mut check = match rules.counting {
        Counting::XWeighted => return weigh_x(text, XWeighting::V3),
        counting => measure(rules, counting, text, entities),
    };
    check.verdict = verdict(rules, text, &check, entities);
    check
}

/// Walks the text once, counting units and noting where the limit is passed.
fn measure(
    rules: &NetworkRules,
    counting: Counting,
    text: &str,
    entities: &Extraction<'_>,
) -> LengthCheck {
    let mut tally = Tally::new(rules.max_length);
    let mut pos = 0;
    for (span, units) in links::fixed_lengths(rules, counting, text, entities) {
        tally.run(counting, &text[pos..span.start], pos);
        tally.add(units, span.start);
        pos = span.end;
    }
    tally.run(counting, &text[pos..], pos);
    let mut fits_until = tally.fits_until.unwrap_or(text.len());
    if let Some(max_bytes) = rules.max_bytes {
        fits_until = fits_until.min(floor_char_boundary(text, max_bytes));
    }
    if let Some(at) = first_invalid_char(text) {
        fits_until = fits_until.min(at);
    }
    LengthCheck {
        network: rules.network,
        length: tally.units,
        max_length: rules.max_length,
        fits_until,
        verdict: Verdict::Fits,
    }
}

fn verdict(
    rules: &NetworkRules,
    text: &str,
    check: &LengthCheck,
    entities: &Extraction<'_>,
) -> Verdict {
    if text.trim().is_empty() {
        return Verdict::Empty;
    }
    if let Some(at) = first_invalid_char(text) {
        return Verdict::InvalidChar { at };
    }
    if check.length > rules.max_length {
        return Verdict::TooLong {
            over_by: check.length - rules.max_length,
        };
    }
    if let Some(max) = rules.max_bytes.filter(|&max| text.len() > max) {
        return Verdict::TooManyBytes {
            over_by: text.len() - max,
        };
    }
    let found = entities.hashtags().count();
    if let Some(max) = rules.max_hashtags.filter(|&max| found > max) {
        return Verdict::TooManyHashtags { found, max };
    }
    let found = entities.mentions().count();
    if let Some(max) = rules.max_mentions.filter(|&max| found > max) {
        return Verdict::TooManyMentions { found, max };
    }
    let found = entities.urls().count();
    if let Some(max) = rules.max_links.filter(|&max| found > max) {
        return Verdict::TooManyLinks { found, max };
    }
    Verdict::Fits
}

pub(crate) fn first_invalid_char(text: &str) -> Option<usize> {
    text.char_indices()
        .find(|&(_, c)| is_invalid_char(c))
        .map(|(at, _)| at)
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    (0..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// An entity counted at a fixed number of units, whatever it spells.
type Fixed = (Span, usize);

#[cfg(test)]
mod tests;
