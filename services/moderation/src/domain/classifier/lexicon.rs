//! The word lists the classifier reads, compiled into the binary from `data/`.

use std::collections::HashMap;

use super::text::{Token, squeeze, words};

/// A language the classifier has word lists for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// English.
    En,
    /// French.
    Fr,
    /// Indonesian.
    Id,
    /// Hindi (Devanagari or romanised).
    Hi,
    /// Persian.
    Fa,
}

impl Lang {
    /// Every language, in a fixed order.
    pub const ALL: [Lang; 5] = [Lang::En, Lang::Fr, Lang::Id, Lang::Hi, Lang::Fa];

    /// The BCP-47 primary subtag.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Id => "id",
            Lang::Hi => "hi",
            Lang::Fa => "fa",
        }
    }

    /// The language of a BCP-47 tag's primary subtag, if it is one of ours.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }
}

/// How strongly a listed term marks a post as abusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// An insult or slur that is abusive nearly wherever it appears.
    Strong,
    /// Rude, but also used loosely (`stupid`, `merde`).
    Mild,
}

/// One listed abusive word or phrase.
#[derive(Debug, Clone)]
pub struct AbuseTerm {
    /// The term as written in the list.
    pub term: String,
    /// Its folded tokens, each with its squeezed form.
    pub tokens: Vec<(String, String)>,
    /// The list it comes from.
    pub lang: Lang,
    /// How strongly it marks abuse.
    pub severity: Severity,
    /// Counts only in posts detected as `lang` (the word is innocent elsewhere).
    pub local: bool,
}

impl AbuseTerm {
    /// Whether the term starts at `tokens[at]`.
    pub fn matches_at(&self, tokens: &[Token], at: usize) -> bool {
        tokens.len() >= at + self.tokens.len()
            && self
                .tokens
                .iter()
                .zip(&tokens[at..])
                .all(|((want, want_sq), got)| got.is(want, want_sq))
    }
}

/// A word list line that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("data/{file} line {line}: {reason}")]
pub struct LexiconError {
    /// The data file.
    pub file: String,
    /// The 1-based line.
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// Every word list, indexed for matching.
#[derive(Debug, Default)]
pub struct Lexicon {
    /// Abusive terms.
    pub abuse: Vec<AbuseTerm>,
    /// Abusive terms by their first token, exact and squeezed.
    abuse_index: HashMap<String, Vec<usize>>,
    /// Sentiment words: `(language, +1 or -1)` per folded word.
    pub sentiment: HashMap<String, Vec<(Lang, i32)>>,
    /// Negators per folded word.
    pub negators: HashMap<String, Vec<Lang>>,
    /// Latin-script stopwords per folded word (romanised Hindi counts as Hindi).
    pub stopwords: HashMap<String, Vec<Lang>>,
}

const ABUSE: [(Lang, &str); 5] = [
    (Lang::En, include_str!("../../../data/abuse/en.txt")),
    (Lang::Fr, include_str!("../../../data/abuse/fr.txt")),
    (Lang::Id, include_str!("../../../data/abuse/id.txt")),
    (Lang::Hi, include_str!("../../../data/abuse/hi.txt")),
    (Lang::Fa, include_str!("../../../data/abuse/fa.txt")),
];
const SENTIMENT: [(Lang, &str); 5] = [
    (Lang::En, include_str!("../../../data/sentiment/en.txt")),
    (Lang::Fr, include_str!("../../../data/sentiment/fr.txt")),
    (Lang::Id, include_str!("../../../data/sentiment/id.txt")),
    (Lang::Hi, include_str!("../../../data/sentiment/hi.txt")),
    (Lang::Fa, include_str!("../../../data/sentiment/fa.txt")),
];
const STOPWORDS: [(Lang, &str); 4] = [
    (Lang::En, include_str!("../../../data/stopwords/en.txt")),
    (Lang::Fr, include_str!("../../../data/stopwords/fr.txt")),
    (Lang::Id, include_str!("../../../data/stopwords/id.txt")),
    (Lang::Hi, include_str!("../../../data/stopwords/hi.txt")),
];

fn lines(data: &str) -> impl Iterator<Item = (usize, &str)> {
    data.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

fn single_word(text: &str) -> Option<String> {
    match words(text).as_slice() {
        [one] => Some(one.text.clone()),
        _ => None,
    }
}

impl Lexicon {
    /// The lists shipped in `services/moderation/data/`.
    pub fn builtin() -> Result<Self, LexiconError> {
        let mut lexicon = Self::default();
        for (lang, data) in ABUSE {
            lexicon.add_abuse(lang, data)?;
        }
        for (lang, data) in SENTIMENT {
            lexicon.add_sentiment(lang, data)?;
        }
        for (lang, data) in STOPWORDS {
            for (_, line) in lines(data) {
                for word in words(line) {
                    lexicon.stopwords.entry(word.text).or_default().push(lang);
                }
            }
        }
        Ok(lexicon)
    }

    fn add_abuse(&mut self, lang: Lang, data: &str) -> Result<(), LexiconError> {
        let file = format!("abuse/{}.txt", lang.code());
        for (line, text) in lines(data) {
            let error = |reason: &str| LexiconError {
                file: file.clone(),
                line,
                reason: reason.to_owned(),
            };
            let mut fields = text.split('|').map(str::trim);
            let term = fields.next().unwrap_or_default().to_owned();
            let (mut severity, mut local) = (Severity::Strong, false);
            for flag in fields {
                match flag {
                    "" => {}
                    "mild" => severity = Severity::Mild,
                    "local" => local = true,
                    other => return Err(error(&format!("unknown flag `{other}`"))),
                }
            }
            let tokens: Vec<(String, String)> = words(&term)
                .into_iter()
                .map(|t| {
                    let sq = squeeze(&t.text);
                    (t.text, sq)
                })
                .collect();
            let Some((first, first_sq)) = tokens.first().cloned() else {
                return Err(error("no word in the term"));
            };
            let index = self.abuse.len();
            self.abuse.push(AbuseTerm {
                term,
                tokens,
                lang,
                severity,
                local,
            });
            for key in [first, first_sq] {
                let slot = self.abuse_index.entry(key).or_default();
                if !slot.contains(&index) {
                    slot.push(index);
                }
            }
        }
        Ok(())
    }

    fn add_sentiment(&mut self, lang: Lang, data: &str) -> Result<(), LexiconError> {
        for (line, text) in lines(data) {
            let error = |reason: &str| LexiconError {
                file: format!("sentiment/{}.txt", lang.code()),
                line,
                reason: reason.to_owned(),
            };
            let (sign, word) = text.split_at(text.chars().next().map_or(0, char::len_utf8));
            let word = single_word(word).ok_or_else(|| error("expected one word"))?;
            match sign {
                "+" => self.sentiment.entry(word).or_default().push((lang, 1)),
                "-" => self.sentiment.entry(word).or_default().push((lang, -1)),
                "!" => self.negators.entry(word).or_default().push(lang),
                _ => return Err(error("a line starts with +, - or !")),
            }
        }
        Ok(())
    }

    /// The abusive terms that may start at `token` (confirm with [`AbuseTerm::matches_at`]).
    pub fn abuse_candidates(&self, token: &Token) -> impl Iterator<Item = &AbuseTerm> {
        let exact = self.abuse_index.get(&token.text);
        let squeezed = token
            .squeezed
            .as_ref()
            .and_then(|s| self.abuse_index.get(s));
        exact
            .into_iter()
            .chain(squeezed)
            .flatten()
            .map(|&i| &self.abuse[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lists_parse() {
        let lexicon = Lexicon::builtin().expect("data files parse");
        for lang in Lang::ALL {
            let n = lexicon.abuse.iter().filter(|t| t.lang == lang).count();
            assert!((15..=120).contains(&n), "{lang:?} has {n} abuse terms");
        }
        assert!(lexicon.negators.contains_key("not"));
        assert!(lexicon.stopwords["the"].contains(&Lang::En));
    }

    #[test]
    fn tags_map_to_languages() {
        assert_eq!(Lang::from_tag("hi-Latn"), Some(Lang::Hi));
        assert_eq!(Lang::from_tag("FR"), Some(Lang::Fr));
        assert_eq!(Lang::from_tag("es"), None);
    }
}
