//! Language detection, fast and good enough for choosing word lists: the script decides
//! Persian (Arabic script) and Hindi (Devanagari); Latin-script text is English, French,
//! Indonesian or romanised Hindi by counting each language's common words.

use super::lexicon::{Lang, Lexicon};
use super::text::Token;

/// A detected language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// The language, `None` when undetermined.
    pub lang: Option<Lang>,
    /// Written in Latin letters although the language's own script is another (romanised Hindi).
    pub romanised: bool,
}

impl Language {
    /// The BCP-47 tag: `en`, `fr`, `id`, `hi`, `hi-Latn`, `fa`, or `und`.
    pub fn tag(self) -> &'static str {
        match (self.lang, self.romanised) {
            (None, _) => "und",
            (Some(Lang::Hi), true) => "hi-Latn",
            (Some(lang), _) => lang.code(),
        }
    }
}

/// Detects the language of `folded` text (with its tokens); `hint` is the network's tag, used
/// when the text itself does not say.
pub fn detect(lexicon: &Lexicon, folded: &str, tokens: &[Token], hint: Option<&str>) -> Language {
    let (mut arabic, mut devanagari, mut latin) = (0usize, 0usize, 0usize);
    for c in folded.chars() {
        match c {
            '\u{0600}'..='\u{06FF}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}' => {
                arabic += 1;
            }
            '\u{0900}'..='\u{097F}' => devanagari += 1,
            c if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) => latin += 1,
            _ => {}
        }
    }
    let native = |lang| Language {
        lang: Some(lang),
        romanised: false,
    };
    if arabic > 0 && arabic >= latin && arabic >= devanagari {
        return native(Lang::Fa);
    }
    if devanagari > 0 && devanagari >= latin {
        return native(Lang::Hi);
    }
    let hint = hint.and_then(Lang::from_tag);
    let mut counts = [0usize; Lang::ALL.len()];
    for token in tokens {
        if let Some(langs) = lexicon.stopwords.get(&token.text) {
            for lang in langs {
                counts[*lang as usize] += 1;
            }
        }
    }
    let best = counts.iter().copied().max().unwrap_or(0);
    let leaders: Vec<Lang> = Lang::ALL
        .into_iter()
        .filter(|l| best > 0 && counts[*l as usize] == best)
        .collect();
    let lang = match leaders.as_slice() {
        [one] => Some(*one),
        [] => hint.filter(|h| *h != Lang::Fa),
        tied => hint.filter(|h| tied.contains(h)),
    };
    Language {
        lang,
        romanised: lang == Some(Lang::Hi),
    }
}
