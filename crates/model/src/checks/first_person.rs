//! First-person singular in a brand that speaks as "we", in our five languages.
//!
//! Whole words only, matched case-insensitively after the same folding as hashtags, so
//! "I" inside "IBM", French "ma" inside "maison" and Indonesian "saya" inside "sayang"
//! are not flagged. A word may belong to several languages (`me`: English and French).
//! When the draft's language is known (its BCP-47 primary subtag), only that language is
//! checked; otherwise every language the brand speaks. Romanised Hindi words that are also
//! English words (`main`, `mere`, `maine`, `mai`) are flagged only when the draft says it
//! is Hindi (`hi`, `hi-Latn`). Words inside links and mentions are not prose and are
//! skipped.
//!
//! Not detected, because a word list cannot tell them from other words without a
//! dictionary: Indonesian `-ku`/`ku-` clitics written solid (`bukuku`, `kubaca`: `buku`
//! itself ends in `ku`), Persian first-person verb endings and the possessive `ـم`
//! (`کتابم`, `می‌روم`: countless words end in `م`), and French first-person verb forms
//! without `je`. A hyphenated clitic (`sahabat-ku`) is caught, as the word `ku`.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::words::{fold, fold_into, words};
use crate::Span;

/// A language whose first-person forms Tagar knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English (`en`).
    English,
    /// French (`fr`).
    French,
    /// Indonesian (`id`).
    Indonesian,
    /// Hindi (`hi`), in Devanagari and romanised.
    Hindi,
    /// Persian (`fa`).
    Persian,
}

impl Language {
    /// Every language, in a stable order.
    pub const ALL: [Language; 5] = [
        Language::English,
        Language::French,
        Language::Indonesian,
        Language::Hindi,
        Language::Persian,
    ];

    /// The BCP-47 primary language subtag.
    pub const fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::French => "fr",
            Language::Indonesian => "id",
            Language::Hindi => "hi",
            Language::Persian => "fa",
        }
    }
}

/// One first-person singular word found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hit<'t> {
    pub(super) span: Span,
    pub(super) word: &'t str,
    pub(super) language: Language,
}

const ENGLISH: &[&str] = &[
    "i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll",
];
const FRENCH: &[&str] = &["je", "moi", "mon", "ma", "mes", "me", "moi-même"];
const INDONESIAN: &[&str] = &[
    "aku", "saya", "daku", "ku", "diriku", "milikku", "punyaku", "gue", "gw",
];
const HINDI: &[&str] = &[
    "मैं",
    "मैंने",
    "मुझे",
    "मुझको",
    "मुझसे",
    "मुझ",
    "मेरा",
    "मेरी",
    "मेरे",
    "mera",
    "meri",
    "mujhe",
    "mujhko",
    "mujhse",
];
/// Romanised Hindi that is also English; flagged only in drafts marked Hindi.
const HINDI_AMBIGUOUS: &[&str] = &["main", "mai", "maine", "mere"];
const PERSIAN: &[&str] = &["من", "مرا", "منم", "خودم", "اینجانب", "بنده"];

/// Folded word → every (language, flagged only when the draft is in that language) it
/// belongs to: `me` is English and French.
static WORDS: LazyLock<HashMap<String, Vec<(Language, bool)>>> = LazyLock::new(|| {
    let lists = [
        (Language::English, ENGLISH, false),
        (Language::French, FRENCH, false),
        (Language::Indonesian, INDONESIAN, false),
        (Language::Hindi, HINDI, false),
        (Language::Hindi, HINDI_AMBIGUOUS, true),
        (Language::Persian, PERSIAN, false),
    ];
    let mut map: HashMap<String, Vec<(Language, bool)>> = HashMap::new();
    for (language, list, ambiguous) in lists {
        for word in list {
            map.entry(fold(word))
                .or_default()
                .push((language, ambiguous));
        }
    }
    map
});

/// The language a BCP-47 tag names, by its primary subtag (`hi-Latn` is Hindi, `hil` is
/// not); `None` for a language Tagar has no word list for.
fn language_of(tag: &str) -> Option<Language> {
    let primary = tag.split(['-', '_']).next().unwrap_or_default();
    Language::ALL
        .into_iter()
        .find(|l| primary.eq_ignore_ascii_case(l.code()))
}

/// The first-person singular words of `text` in any of `languages`, outside the spans
/// `skip` (links and handles).
///
/// When the draft's language is known, only that language is checked (if the brand
/// speaks it): French `mon` in "Open Mon–Fri" is not flagged in an English draft. When it
/// is not known, every language of the brand is.
pub(super) fn find<'t>(
    text: &'t str,
    languages: &[Language],
    draft_language: Option<&str>,
    skip: &[Span],
) -> Vec<Hit<'t>> {
    let draft = draft_language
        .filter(|d| !d.trim().is_empty())
        .map(language_of);
    let checked = |l: Language| languages.contains(&l) && draft.is_none_or(|d| d == Some(l));
    let draft_is = |l: Language| draft == Some(Some(l));
    let mut hits = Vec::new();
    let mut folded = String::new();
    for (span, word) in words(text) {
        if skip
            .iter()
            .any(|s| s.start < span.end && span.start < s.end)
        {
            continue;
        }
        fold_into(word, &mut folded);
        if let Some(senses) = WORDS.get(folded.as_str()) {
            let language = senses
                .iter()
                .find(|&&(l, ambiguous)| checked(l) && (!ambiguous || draft_is(l)))
                .map(|&(l, _)| l);
            if let Some(language) = language {
                hits.push(Hit {
                    span,
                    word,
                    language,
                });
            }
        } else if let Some(len) =
            french_elision(&folded, word).filter(|_| checked(Language::French))
        {
            let span = Span::new(span.start, span.start + len);
            hits.push(Hit {
                span,
                word: &text[span.range()],
                language: Language::French,
            });
        }
    }
    hits
}

/// The byte length of a leading `j'` or `m'` (either apostrophe) in `word`.
fn french_elision(folded: &str, word: &str) -> Option<usize> {
    let elided = (folded.starts_with("j'") || folded.starts_with("m'")) && folded.len() > 2;
    elided.then(|| {
        let apostrophe = word[1..].chars().next().map_or(1, char::len_utf8);
        1 + apostrophe
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_found(text: &str, languages: &[Language], draft: Option<&str>) -> Vec<String> {
        find(text, languages, draft, &[])
            .into_iter()
            .map(|h| h.word.to_owned())
            .collect()
    }

    #[test]
    fn english_whole_words_only() {
        let en = [Language::English];
        assert_eq!(
            words_found("I think IBM and I'm sure my team", &en, None),
            ["I", "I'm", "my"]
        );
        assert!(words_found("We love Mining and Irish times", &en, None).is_empty());
    }

    #[test]
    fn french_with_elisions() {
        let fr = [Language::French];
        assert_eq!(
            words_found("J’aime ma maison et je pars", &fr, None),
            ["J’", "ma", "je"]
        );
        assert_eq!(words_found("Il m'a dit", &fr, None), ["m'"]);
        assert!(words_found("La maison de l'équipe, mardi", &fr, None).is_empty());
    }

    #[test]
    fn indonesian_without_sayang() {
        let id = [Language::Indonesian];
        assert_eq!(
            words_found("Saya suka kopi, sahabat-ku", &id, None),
            ["Saya", "ku"]
        );
        assert!(words_found("Kami sayang kalian, buku baru", &id, None).is_empty());
    }

    #[test]
    fn hindi_in_devanagari_and_romanised() {
        let hi = [Language::Hindi];
        assert_eq!(words_found("मैं और मेरा परिवार", &hi, None), ["मैं", "मेरा"]);
        assert!(words_found("हम और हमारा परिवार", &hi, None).is_empty());
        assert_eq!(words_found("mera naam, main ghar", &hi, None), ["mera"]);
        assert_eq!(
            words_found("mera naam, main ghar", &hi, Some("hi-Latn")),
            ["mera", "main"]
        );
    }

    #[test]
    fn persian_including_arabic_yeh() {
        let fa = [Language::Persian];
        assert_eq!(words_found("من و خودم", &fa, None), ["من", "خودم"]);
        assert!(words_found("ما و مردم ایران", &fa, None).is_empty());
        // Typed on an Arabic keyboard: Arabic yeh ي (U+064A) for Persian ی (U+06CC).
        assert_eq!(words_found("اينجانب آمدم", &fa, None), ["اينجانب"]);
    }

    #[test]
    fn a_word_of_two_languages_counts_in_each() {
        let fr = [Language::French];
        assert_eq!(words_found("il me dit", &fr, None), ["me"]);
        assert_eq!(words_found("il me dit", &fr, Some("fr-CA")), ["me"]);
        let en = [Language::English];
        assert_eq!(words_found("tell me", &en, None), ["me"]);
    }

    #[test]
    fn a_draft_of_known_language_is_checked_in_that_language_only() {
        let brand = [Language::English, Language::French, Language::Indonesian];
        for text in ["Open Mon–Fri", "1 GW of solar", "Ma Rainey sings"] {
            assert!(words_found(text, &brand, Some("en")).is_empty(), "{text}");
        }
        assert_eq!(words_found("Mon café", &brand, Some("fr")), ["Mon"]);
        assert_eq!(words_found("gw suka", &brand, Some("id")), ["gw"]);
        assert!(words_found("je suis", &brand, Some("en-GB")).is_empty());
    }

    #[test]
    fn a_language_tag_is_read_by_its_primary_subtag() {
        let hi = [Language::Hindi];
        assert!(words_found("mera naam, main ghar", &hi, Some("hil")).is_empty());
        assert_eq!(
            words_found("mera naam, main ghar", &hi, Some("HI_IN")),
            ["mera", "main"]
        );
    }

    #[test]
    fn words_inside_links_and_handles_are_skipped() {
        let en = [Language::English];
        let text = "see https://kopi.example/my-account?i=2 and @me";
        let link = Span::new(4, 39);
        let handle = Span::new(44, 47);
        assert_eq!(&text[link.range()], "https://kopi.example/my-account?i=2");
        assert_eq!(&text[handle.range()], "@me");
        let hits = find(text, &en, None, &[link, handle]);
        assert!(hits.is_empty(), "{hits:?}");
    }

    #[test]
    fn only_the_brands_languages_are_checked() {
        assert!(words_found("je suis", &[Language::English], None).is_empty());
    }
}
