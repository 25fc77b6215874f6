//! Sentiment from small per-language lexicons, with negation: a negator up to three words
//! before a sentiment word flips it ("not good", "pas bon", "tidak bagus"); Hindi also
//! negates after the word ("accha nahi"), so for Hindi the next word is checked too.
//! Persian negates with a verb prefix, which this lexicon approach does not see.

use super::lexicon::{Lang, Lexicon};
use super::text::Token;

/// The overall feeling of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sentiment {
    /// Negative.
    Negative,
    /// Neither.
    Neutral,
    /// Positive.
    Positive,
}

/// Reads the sentiment of `tokens` in `lang` (every lexicon when undetermined); each abusive
/// term found counts as one more negative word.
pub fn read(lexicon: &Lexicon, tokens: &[Token], lang: Option<Lang>, abusive: usize) -> Sentiment {
    let speaks = |l: Lang| lang.is_none_or(|want| want == l);
    let negator = |t: &Token| {
        lexicon
            .negators
            .get(&t.text)
            .is_some_and(|ls| ls.iter().any(|l| speaks(*l)))
    };
    let mut sum = -(abusive as i64);
    for (i, token) in tokens.iter().enumerate() {
        let Some(polarity) = lexicon.sentiment.get(&token.text).and_then(|entries| {
            entries
                .iter()
                .find(|(l, _)| speaks(*l))
                .map(|(_, p)| i64::from(*p))
        }) else {
            continue;
        };
        let before = &tokens[i.saturating_sub(3)..i];
        let after_hindi = lang == Some(Lang::Hi) && tokens.get(i + 1).is_some_and(negator);
        let negated = before.iter().any(negator) || after_hindi;
        sum += if negated { -polarity } else { polarity };
    }
    match sum.signum() {
        -1 => Sentiment::Negative,
        1 => Sentiment::Positive,
        _ => Sentiment::Neutral,
    }
}
