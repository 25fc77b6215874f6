//! What the synthetic users write, per language: post templates with slots, names, products,
//! abusive and spam texts. Written for Tagar's users: English, French, Indonesian, Hindi
//! (Devanagari and romanised) and Persian (with the zero-width non-joiner where it belongs).
//!
//! Slots: `{brand}` name, `{handle}` `@brand`, `{tag}` `#Brand`, `{trend}` the trending tag,
//! `{chat}` the chat's tag, `{product}`, `{emoji}`, `{url}`, `{mention}` `@someone`.

mod en;
mod fa;
mod fr;
mod hi;
mod id;

use std::fmt;
use std::str::FromStr;

/// A language the generator writes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// English.
    En,
    /// French.
    Fr,
    /// Indonesian.
    Id,
    /// Hindi (Devanagari, with some romanised Hinglish).
    Hi,
    /// Persian.
    Fa,
}

impl Language {
    /// Every language, in the default order.
    pub const ALL: [Language; 5] = [
        Language::En,
        Language::Fr,
        Language::Id,
        Language::Hi,
        Language::Fa,
    ];

    /// The BCP-47 tag written in `Post::language`.
    pub fn code(self) -> &'static str {
        self.lexicon().code
    }

    /// How much of the traffic is in this language, relative to the others.
    pub fn weight(self) -> f64 {
        match self {
            Language::En => 0.30,
            Language::Id => 0.25,
            Language::Hi => 0.20,
            Language::Fr => 0.13,
            Language::Fa => 0.12,
        }
    }

    /// The words of this language.
    pub fn lexicon(self) -> &'static Lexicon {
        match self {
            Language::En => &en::LEXICON,
            Language::Fr => &fr::LEXICON,
            Language::Id => &id::LEXICON,
            Language::Hi => &hi::LEXICON,
            Language::Fa => &fa::LEXICON,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Language::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown language {s:?}; expected en, fr, id, hi or fa"))
    }
}

/// A name in its script, and romanised for handles.
pub type Name = (&'static str, &'static str);

/// Everything written in one language.
#[derive(Debug)]
pub struct Lexicon {
    /// BCP-47 tag.
    pub code: &'static str,
    /// Original posts about a brand (each names it by name, handle or hashtag).
    pub posts: &'static [&'static str],
    /// Everyday chatter that names no brand.
    pub chatter: &'static [&'static str],
    /// Friendly replies to someone.
    pub replies: &'static [&'static str],
    /// Posts carrying the trending hashtag.
    pub trend: &'static [&'static str],
    /// Abusive replies: insults typical of the language, aimed at a brand.
    pub abuse: &'static [&'static str],
    /// Spam campaign texts (repeated word for word by throwaway accounts).
    pub spam: &'static [&'static str],
    /// A brand's own posts.
    pub brand_posts: &'static [&'static str],
    /// A live chat host's questions.
    pub questions: &'static [&'static str],
    /// Answers to a live chat's questions.
    pub answers: &'static [&'static str],
    /// Products people talk about.
    pub products: &'static [&'static str],
    /// Given names.
    pub given_names: &'static [Name],
    /// Family names.
    pub family_names: &'static [Name],
}

/// Emoji people use (with a variation selector and a skin tone among them).
pub const EMOJIS: &[&str] = &[
    "☕", "🔥", "😍", "👏", "🙏", "✨", "😂", "💯", "🎉", "❤️", "👍🏽", "🤩", "😋", "🌅", "🙌",
];

/// Throwaway spam account handles start like this.
pub const SPAM_HANDLES: &[&str] = &[
    "promo_deals",
    "free_follow",
    "win_big",
    "cuan_cepat",
    "gratis_",
    "earn_daily",
    "bonus_hub",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_kind_of_text() {
        for lang in Language::ALL {
            let l = lang.lexicon();
            for (kind, list) in [
                ("posts", l.posts),
                ("chatter", l.chatter),
                ("replies", l.replies),
                ("trend", l.trend),
                ("abuse", l.abuse),
                ("spam", l.spam),
                ("brand_posts", l.brand_posts),
                ("questions", l.questions),
                ("answers", l.answers),
                ("products", l.products),
            ] {
                assert!(list.len() >= 3, "{lang}: {kind}");
            }
            assert!(
                l.posts.iter().all(|t| names_brand(t)),
                "{lang}: a post names no brand"
            );
            assert!(
                l.abuse.iter().all(|t| names_brand(t)),
                "{lang}: abuse names no brand"
            );
            assert!(
                l.spam.iter().all(|t| names_brand(t)),
                "{lang}: spam names no brand"
            );
            assert!(
                l.trend.iter().all(|t| t.contains("{trend}")),
                "{lang}: trend"
            );
            assert_eq!(lang.code().parse::<Language>(), Ok(lang));
        }
    }

    #[test]
    fn persian_keeps_its_zero_width_non_joiners() {
        let fa = Language::Fa.lexicon();
        let all = fa.posts.iter().chain(fa.abuse).chain(fa.chatter);
        assert!(all.filter(|t| t.contains('\u{200C}')).count() >= 5);
    }

    fn names_brand(t: &str) -> bool {
        t.contains("{brand}") || t.contains("{handle}") || t.contains("{tag}")
    }
}
