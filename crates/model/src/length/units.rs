//! The units networks other than X count text in, and the tally that walks a text once.

use unicode_segmentation::UnicodeSegmentation;

use crate::Counting;
use crate::chars::is_emoji_char;
use crate::span::utf16_len;

/// Units counted so far, and the byte where the limit was first passed.
pub(super) struct Tally {
    max: usize,
    pub(super) units: usize,
    pub(super) fits_until: Option<usize>,
}

impl Tally {
    pub(super) fn new(max: usize) -> Self {
        Self {
            max,
            units: 0,
            fits_until: None,
        }
    }

    /// Adds `units` for something starting at byte `at`.
    pub(super) fn add(&mut self, units: usize, at: usize) {
        self.units += units;
        if self.units > self.max && self.fits_until.is_none() {
            self.fits_until = Some(at);
        }
    }

    /// Counts plain text starting at byte `offset`.
    pub(super) fn run(&mut self, counting: Counting, text: &str, offset: usize) {
        if self.fits_until.is_some() {
            self.units += count(counting, text);
            return;
        }
        match counting {
            Counting::Utf16 | Counting::XWeighted => {
                for (i, c) in text.char_indices() {
                    self.add(c.len_utf16(), offset + i);
                }
            }
            Counting::Graphemes => {
                for (i, g) in text.grapheme_indices(true) {
                    self.add(1, offset + i);
                    for cut in conjunct_cuts(g) {
                        self.add(1, offset + i + cut);
                    }
                }
            }
            Counting::Utf16EmojiBytes => {
                for (i, g) in text.grapheme_indices(true) {
                    self.add(threads_units(g), offset + i);
                }
            }
        }
    }
}

/// The length of `text` in `counting`'s units.
pub(super) fn count(counting: Counting, text: &str) -> usize {
    match counting {
        Counting::Utf16 | Counting::XWeighted => utf16_len(text),
        Counting::Graphemes => text
            .graphemes(true)
            .map(|g| 1 + conjunct_cuts(g).count())
            .sum(),
        Counting::Utf16EmojiBytes => text.graphemes(true).map(threads_units).sum(),
    }
}

/// Threads: a grapheme holding an emoji counts its UTF-8 bytes ("Emojis are counted as
/// the number of UTF-8 bytes"), any other its UTF-16 code units.
fn threads_units(grapheme: &str) -> usize {
    if grapheme.chars().any(is_emoji_char) {
        grapheme.len()
    } else {
        utf16_len(grapheme)
    }
}

/// Where a grapheme cluster splits as Unicode 15.0 drew clusters: byte offsets into it.
///
/// Unicode 15.1 (rule GB9c, which `unicode-segmentation` implements) joins an Indic
/// conjunct (consonant + virama + consonant, `न्द`) into one cluster; Mastodon (Ruby) and
/// Bluesky (`graphemer`) still split it, so `हिन्दी` is 3 for them and 2 under 15.1. We
/// take the stricter count: a cluster is split again before every consonant that only
/// GB9c had joined to it.
fn conjunct_cuts(grapheme: &str) -> impl Iterator<Item = usize> + '_ {
    // One-char clusters (nearly all) have nothing to split.
    let first = grapheme.chars().next().map_or(0, char::len_utf8);
    grapheme[first..]
        .char_indices()
        .filter(|&(_, c)| is_conjunct_consonant(c))
        .map(move |(i, _)| first + i)
}

/// `Indic_Conjunct_Break=Consonant` (Unicode 15.1): the consonants of the scripts whose
/// virama GB9c treats as a linker. Inside a cluster, only GB9c puts one after the first char.
fn is_conjunct_consonant(c: char) -> bool {
    matches!(c,
        '\u{0915}'..='\u{0939}' | '\u{0958}'..='\u{095F}' | '\u{0978}'..='\u{097F}' // Devanagari
        | '\u{0995}'..='\u{09B9}' | '\u{09DC}'..='\u{09DF}' | '\u{09F0}'..='\u{09F1}' // Bengali
        | '\u{0A95}'..='\u{0AB9}' | '\u{0AF9}' // Gujarati
        | '\u{0B15}'..='\u{0B39}' | '\u{0B5C}'..='\u{0B5F}' | '\u{0B71}' // Oriya
        | '\u{0C15}'..='\u{0C39}' | '\u{0C58}'..='\u{0C5A}' // Telugu
        | '\u{0D15}'..='\u{0D3A}' // Malayalam
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conjuncts_count_as_unicode_15_0_did() {
        assert_eq!(conjunct_cuts("न्दी").collect::<Vec<_>>(), ["न्".len()]);
        assert_eq!(count(Counting::Graphemes, "हिन्दी"), 3);
        // क्ष त्रि य under Unicode 15.1; क् ष त् रि य as Mastodon and Bluesky count.
        assert_eq!("क्षत्रिय".graphemes(true).count(), 3);
        assert_eq!(count(Counting::Graphemes, "क्षत्रिय"), 5);
        assert_eq!(count(Counting::Graphemes, "👨‍👩‍👧‍👦 é"), 3);
    }

    #[test]
    fn threads_counts_emoji_in_bytes() {
        assert_eq!(count(Counting::Utf16EmojiBytes, "😀"), 4);
        assert_eq!(count(Counting::Utf16EmojiBytes, "👍🏽"), 8);
        assert_eq!(count(Counting::Utf16EmojiBytes, "é日"), 2);
    }
}
