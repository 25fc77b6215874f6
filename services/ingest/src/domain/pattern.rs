//! What a listening rule listens for: its kind and its pattern, parsed so an invalid one
//! can never reach the matcher.

use std::fmt;

use tagar_model::{Handle, Hashtag};

use super::fold::fold_phrase;
use tagar_kernel::Refusal;

/// What a rule matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    /// A hashtag, compared in canonical form (`#Café` = `#CAFÉ` = `#Cafe` + U+0301).
    Hashtag,
    /// A word or phrase, case-insensitive, on word boundaries, in any script.
    Keyword,
    /// An account: the post's author or a mention of it.
    Handle,
    /// A competitor: a keyword, `@handle` or `#hashtag` whose matches are flagged as
    /// competitor mentions.
    Competitor,
}

impl RuleKind {
    /// The name stored in the read model.
    pub const fn as_str(self) -> &'static str {
        match self {
            RuleKind::Hashtag => "hashtag",
            RuleKind::Keyword => "keyword",
            RuleKind::Handle => "handle",
            RuleKind::Competitor => "competitor",
        }
    }

    /// The kind named `s` (as stored by [`RuleKind::as_str`]).
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Hashtag, Self::Keyword, Self::Handle, Self::Competitor]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The longest keyword or phrase accepted, in chars.
pub const MAX_KEYWORD_CHARS: usize = 100;

/// A rule's pattern, parsed for its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// A hashtag, as written (without `#`).
    Hashtag(Hashtag),
    /// A keyword or phrase, trimmed.
    Keyword(String),
    /// A handle, as written (without `@`).
    Handle(Handle),
}

impl Pattern {
    /// Parses `raw` for `kind`; a competitor pattern is a hashtag when it starts with `#`,
    /// a handle when it starts with `@`, a keyword otherwise.
    pub fn parse(kind: RuleKind, raw: &str) -> Result<Self, Refusal> {
        let raw = raw.trim();
        match kind {
            RuleKind::Hashtag => Self::hashtag(raw),
            RuleKind::Handle => Self::handle(raw),
            RuleKind::Keyword => Self::keyword(raw),
            RuleKind::Competitor if raw.starts_with(['#', '＃']) => Self::hashtag(raw),
            RuleKind::Competitor if raw.starts_with(['@', '＠']) => Self::handle(raw),
            RuleKind::Competitor => Self::keyword(raw),
        }
    }

    fn hashtag(raw: &str) -> Result<Self, Refusal> {
        Hashtag::parse(raw)
            .map(Self::Hashtag)
            .map_err(|e| Refusal::invalid("pattern", e.to_string()))
    }

    fn handle(raw: &str) -> Result<Self, Refusal> {
        Handle::parse(raw)
            .map(Self::Handle)
            .map_err(|e| Refusal::invalid("pattern", e.to_string()))
    }

    fn keyword(raw: &str) -> Result<Self, Refusal> {
        if raw.is_empty() {
            return Err(Refusal::invalid("pattern", "must not be empty"));
        }
        if let Some((at, found)) = raw.char_indices().find(|(_, c)| c.is_control()) {
            return Err(Refusal::invalid(
                "pattern",
                format!("may not contain {found:?} (at byte {at})"),
            ));
        }
        let len = raw.chars().count();
        if len > MAX_KEYWORD_CHARS {
            return Err(Refusal::invalid(
                "pattern",
                format!("is {len} characters long; the limit is {MAX_KEYWORD_CHARS}"),
            ));
        }
        if fold_phrase(raw).trim().is_empty() {
            return Err(Refusal::invalid(
                "pattern",
                "needs at least one word (a letter or digit)",
            ));
        }
        Ok(Self::Keyword(raw.to_owned()))
    }

    /// The pattern as stored and shown: a competitor's keeps its `#`/`@` so it parses back
    /// the same; other kinds are stored without a sigil.
    pub fn to_stored(&self, kind: RuleKind) -> String {
        match (self, kind) {
            (Pattern::Hashtag(h), RuleKind::Competitor) => format!("#{}", h.as_str()),
            (Pattern::Handle(h), RuleKind::Competitor) => format!("@{}", h.as_str()),
            (Pattern::Hashtag(h), _) => h.as_str().to_owned(),
            (Pattern::Handle(h), _) => h.as_str().to_owned(),
            (Pattern::Keyword(k), _) => k.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_parses_its_pattern() {
        assert!(matches!(
            Pattern::parse(RuleKind::Hashtag, " #Café "),
            Ok(Pattern::Hashtag(h)) if h.as_str() == "Café"
        ));
        assert!(matches!(
            Pattern::parse(RuleKind::Handle, "@KopiKenangan"),
            Ok(Pattern::Handle(h)) if h.as_str() == "KopiKenangan"
        ));
        assert!(matches!(
            Pattern::parse(RuleKind::Keyword, "kopi susu"),
            Ok(Pattern::Keyword(k)) if k == "kopi susu"
        ));
        assert!(matches!(
            Pattern::parse(RuleKind::Competitor, "#Starbucks"),
            Ok(Pattern::Hashtag(_))
        ));
        assert!(matches!(
            Pattern::parse(RuleKind::Competitor, "@starbucks"),
            Ok(Pattern::Handle(_))
        ));
        assert!(matches!(
            Pattern::parse(RuleKind::Competitor, "Star bucks"),
            Ok(Pattern::Keyword(_))
        ));
    }

    #[test]
    fn bad_patterns_name_the_field() {
        for (kind, raw) in [
            (RuleKind::Hashtag, "#two words"),
            (RuleKind::Hashtag, "#2024"),
            (RuleKind::Handle, "@bad handle"),
            (RuleKind::Keyword, "   "),
            (RuleKind::Keyword, "!!! ..."),
        ] {
            let err = Pattern::parse(kind, raw).unwrap_err();
            assert!(
                err.to_string().starts_with("pattern: "),
                "{kind} {raw:?}: {err}"
            );
        }
        let long = "a".repeat(MAX_KEYWORD_CHARS + 1);
        assert!(Pattern::parse(RuleKind::Keyword, &long).is_err());
        let nul = Pattern::parse(RuleKind::Keyword, "kopi\0susu").unwrap_err();
        assert!(
            nul.to_string().starts_with("pattern: may not contain"),
            "{nul}"
        );
    }

    #[test]
    fn competitor_patterns_keep_their_sigil_when_stored() {
        let p = Pattern::parse(RuleKind::Competitor, "#Rival").unwrap();
        assert_eq!(p.to_stored(RuleKind::Competitor), "#Rival");
        assert_eq!(
            Pattern::parse(RuleKind::Competitor, &p.to_stored(RuleKind::Competitor)).unwrap(),
            p
        );
        let h = Pattern::parse(RuleKind::Hashtag, "#Rival").unwrap();
        assert_eq!(h.to_stored(RuleKind::Hashtag), "Rival");
    }
}
