//! Where something sits in a text: byte ranges, with conversions for clients that count
//! characters or UTF-16 code units.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// A half-open byte range `start..end` into the text it was taken from.
///
/// Bytes are the primary unit because they slice a Rust `&str` directly: both ends are
/// always char boundaries of that text. Use [`Span::char_range`] or [`Span::utf16_range`]
/// when a client counts code points (X API v2, Python) or UTF-16 code units (JavaScript,
/// the twitter-text conformance suite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    /// First byte, inclusive.
    pub start: usize,
    /// Last byte, exclusive.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`; `end` is clamped up to `start`.
    pub const fn new(start: usize, end: usize) -> Self {
        let end = if end < start { start } else { end };
        Self { start, end }
    }

    /// The empty span at `at`.
    pub const fn empty_at(at: usize) -> Self {
        Self { start: at, end: at }
    }

    /// Length in bytes.
    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers nothing.
    pub const fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The byte range, for slicing.
    pub const fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// Whether `other` lies entirely within this span.
    pub const fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The text the span covers, or `None` when it does not fit `text` on char boundaries.
    pub fn slice<'t>(&self, text: &'t str) -> Option<&'t str> {
        text.get(self.range())
    }

    /// The same range counted in Unicode scalar values (code points), or `None` when the
    /// span does not fit `text` on char boundaries.
    pub fn char_range(&self, text: &str) -> Option<Range<usize>> {
        let start = text.get(..self.start)?.chars().count();
        Some(start..start + self.slice(text)?.chars().count())
    }

    /// The same range counted in UTF-16 code units, or `None` when the span does not fit
    /// `text` on char boundaries.
    pub fn utf16_range(&self, text: &str) -> Option<Range<usize>> {
        let start = utf16_len(text.get(..self.start)?);
        Some(start..start + utf16_len(self.slice(text)?))
    }
}

/// The number of UTF-16 code units `text` takes.
pub(crate) fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Walks a text once, turning ascending UTF-16 offsets into byte offsets.
///
/// An offset that falls inside a surrogate pair is rounded down to the char's start.
pub(crate) struct Utf16Cursor<'t> {
    text: &'t str,
    byte: usize,
    unit: usize,
    /// In ASCII text a UTF-16 offset is the byte offset.
    ascii: bool,
}

impl<'t> Utf16Cursor<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Self {
            text,
            byte: 0,
            unit: 0,
            ascii: text.is_ascii(),
        }
    }

    /// The byte offset of UTF-16 offset `unit`; offsets must not go backwards.
    pub(crate) fn byte_at(&mut self, unit: usize) -> usize {
        if self.ascii {
            return unit.min(self.text.len());
        }
        if unit < self.unit {
            // Offsets went backwards (should not happen); restart rather than lie.
            self.byte = 0;
            self.unit = 0;
        }
        for c in self.text[self.byte..].chars() {
            let next = self.unit + c.len_utf16();
            if next > unit {
                break;
            }
            self.unit = next;
            self.byte += c.len_utf8();
        }
        self.byte
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_convert_between_units() {
        let text = "é😀#tag";
        let span = Span::new(6, 10);
        assert_eq!(span.slice(text), Some("#tag"));
        assert_eq!(span.char_range(text), Some(2..6));
        assert_eq!(span.utf16_range(text), Some(3..7));
    }

    #[test]
    fn ranges_of_spans_that_do_not_fit_are_none() {
        let text = "é😀#tag";
        for span in [Span::new(1, 6), Span::new(6, 99), Span::new(3, 6)] {
            assert_eq!(span.char_range(text), None, "{span:?}");
            assert_eq!(span.utf16_range(text), None, "{span:?}");
        }
    }

    #[test]
    fn the_cursor_maps_utf16_offsets_to_bytes() {
        let text = "é😀#tag";
        let mut cursor = Utf16Cursor::new(text);
        assert_eq!(cursor.byte_at(1), 2);
        assert_eq!(
            cursor.byte_at(2),
            2,
            "inside the surrogate pair rounds down"
        );
        assert_eq!(cursor.byte_at(3), 6);
        assert_eq!(cursor.byte_at(99), text.len());
    }
}
