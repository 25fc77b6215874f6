//! Character classes shared by the extractors and the value objects.
//!
//! These are Tagar's own rules for the networks that do not follow twitter-text; X's
//! rules come from the `twitter-text` crate itself.

use unicode_normalization::char::is_combining_mark;

/// Zero-width non-joiner: part of Persian words (می‌خواهم), so part of their hashtags.
pub(crate) const ZWNJ: char = '\u{200C}';
/// Zero-width joiner: joins emoji sequences and some Indic conjuncts.
pub(crate) const ZWJ: char = '\u{200D}';

/// Letters, digits, combining marks (Devanagari vowel signs and virama, Arabic harakat),
/// the underscore and the middle dot (Catalan `l·l`).
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c) || c == '_' || c == '·'
}

/// A char that makes a tag more than digits and underscores.
pub(crate) fn is_letter_like(c: char) -> bool {
    c.is_alphabetic() || is_combining_mark(c) || is_emoji_char(c)
}

/// A char that may appear inside a hashtag on networks that allow emoji in tags.
pub(crate) fn is_tag_char(c: char, emoji: bool) -> bool {
    is_word_char(c) || c == ZWNJ || c == ZWJ || (emoji && is_emoji_char(c))
}

/// Emoji and the code points that build emoji sequences.
///
/// An approximation of `Extended_Pictographic` plus emoji components that covers every
/// emoji in Unicode 16: the pictographic blocks, dingbats and arrows used as emoji,
/// regional indicators (flags), skin-tone modifiers, the keycap combiner, variation
/// selector 16 and the tag characters of subdivision flags.
pub(crate) fn is_emoji_char(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF   // pictographs, emoticons, transport, flags, skin tones
        | 0x2600..=0x27BF   // misc symbols and dingbats
        | 0x2300..=0x23FF   // technical (⌚ ⏰)
        | 0x2B00..=0x2BFF   // arrows and stars (⭐)
        | 0x2190..=0x21FF   // arrows
        | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122
        | 0x2139 | 0x24C2 | 0x25AA..=0x25FE
        | 0x20E3            // combining enclosing keycap
        | 0xFE0F            // variation selector 16
        | 0xE0020..=0xE007F // tags (subdivision flags)
    )
}

/// Characters that no network accepts in a post: non-characters and the byte-order mark.
pub(crate) fn is_invalid_char(c: char) -> bool {
    matches!(c, '\u{FFFE}' | '\u{FFFF}' | '\u{FEFF}')
}

/// Whether `c` can precede a sigil (`#`, `@`, `$`) that starts an entity.
pub(crate) fn can_precede_entity(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(c) => !(is_word_char(c) || c == ZWNJ || c == ZWJ || "&/)#@$＃＠".contains(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devanagari_marks_and_persian_zwnj_are_tag_chars() {
        assert!("हिन्दी".chars().all(|c| is_tag_char(c, false)));
        assert!("می‌خواهم".chars().all(|c| is_tag_char(c, false)));
        assert!(!is_tag_char('🎉', false));
        assert!(is_tag_char('🎉', true));
        assert!(!is_tag_char('.', true));
    }
}
