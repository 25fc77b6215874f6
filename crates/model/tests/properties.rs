//! Property tests: extraction and measuring on arbitrary Unicode, the canonical form.

use proptest::prelude::*;
use tagar_model::checks::{BrandVoicePolicy, Draft, Language, UtmPolicy, check};
use tagar_model::{
    Cashtag, Handle, Hashtag, Network, Url, canonical_hashtag, canonicalize_into, extract,
    extract_and_weigh, weigh,
};
use unicase::UniCase;
use unicode_normalization::UnicodeNormalization;

/// The canonical form as first written (NFC, fold, Persian letters, NFC, to a fixed point,
/// allocating at every step): the streaming version must give the same strings.
fn reference_canonical(tag: &str) -> String {
    if tag.is_ascii() {
        return tag.to_ascii_lowercase();
    }
    let fold = |s: &str| -> String {
        let folded: String = UniCase::unicode(s)
            .to_folded_case()
            .chars()
            .map(|c| match c {
                '\u{064A}' => '\u{06CC}',
                '\u{0643}' => '\u{06A9}',
                c => c,
            })
            .collect();
        folded.nfc().collect()
    };
    let mut current = fold(&tag.nfc().collect::<String>());
    for _ in 0..4 {
        let next = fold(&current.nfc().collect::<String>());
        if next == current {
            break;
        }
        current = next;
    }
    current
}

/// Text that looks like posts: sigils, links, joiners, marks and emoji among words in
/// every script we serve, plus arbitrary chars.
fn posty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("#".to_owned()),
        Just("＃".to_owned()),
        Just("@".to_owned()),
        Just("$".to_owned()),
        Just("https://".to_owned()),
        Just("www.".to_owned()),
        Just(".com/".to_owned()),
        Just(" ".to_owned()),
        Just("\u{200C}".to_owned()),
        Just("\u{200D}".to_owned()),
        Just("\u{0301}".to_owned()),
        Just("\u{094D}".to_owned()),
        Just("\u{FE0F}".to_owned()),
        Just("\u{FFFF}".to_owned()),
        // KELVIN SIGN: NFC turns it into ASCII `K`, which used to reach twitter-text's
        // slicing panic only after normalisation.
        Just("\u{212A}".to_owned()),
        Just("e\u{0301}".to_owned()),
        Just("👨‍👩‍👧".to_owned()),
        Just("🏽".to_owned()),
        "[a-zA-Z0-9_]{1,6}",
        "[éÉßçàİı]{1,3}",
        "[\u{0600}-\u{06FF}]{1,4}",
        "[\u{0900}-\u{097F}]{1,4}",
        "[\u{3040}-\u{30FF}\u{4E00}-\u{4E80}]{1,4}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), posty()]
}

/// Plain text without links: no dots, colons or slashes, and no chars that join with
/// their neighbour (combining marks, joiners, emoji modifiers), so halves cannot interact.
fn plain() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,!?#@$éàç\u{0627}-\u{064A}\u{0915}-\u{0939}\u{4E00}-\u{4E80}\u{3042}-\u{3093}😀🎉]{0,40}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn extraction_never_panics_and_spans_stay_in_the_text(text in any_text()) {
        for network in Network::ALL {
            let found = extract(network, &text);
            let mut last_end = 0;
            for e in found.all() {
                prop_assert!(e.span.start >= last_end, "{network}: overlapping or unsorted");
                prop_assert!(e.span.end <= text.len());
                prop_assert!(!e.span.is_empty());
                prop_assert!(text.is_char_boundary(e.span.start));
                prop_assert!(text.is_char_boundary(e.span.end));
                last_end = e.span.end;
            }
        }
    }

    #[test]
    fn one_pass_gives_what_extracting_and_weighing_give(text in any_text()) {
        for network in [Network::X, Network::Mastodon, Network::Bluesky] {
            let (entities, check) = extract_and_weigh(network, &text);
            let apart = extract(network, &text);
            prop_assert_eq!(entities.all(), apart.all(), "{}: {:?}", network, text);
            prop_assert_eq!(check, weigh(network, &text), "{}: {:?}", network, text);
        }
    }

    #[test]
    fn measuring_never_panics_and_fits_until_is_a_boundary(text in any_text()) {
        for network in Network::ALL {
            let check = weigh(network, &text);
            prop_assert!(check.fits_until <= text.len());
            prop_assert!(text.is_char_boundary(check.fits_until));
            if check.is_valid() {
                prop_assert!(check.length <= check.max_length);
            }
        }
    }

    #[test]
    fn canonical_form_is_idempotent(tag in any_text()) {
        let once = canonical_hashtag(&tag).into_owned();
        let twice = canonical_hashtag(&once).into_owned();
        prop_assert_eq!(&once, &twice);
        let mut buf = String::new();
        canonicalize_into(&tag, &mut buf);
        prop_assert_eq!(&buf, &once);
    }

    #[test]
    fn canonical_form_matches_the_reference(tag in any_text()) {
        prop_assert_eq!(canonical_hashtag(&tag).into_owned(), reference_canonical(&tag));
    }

    #[test]
    fn handles_parse_to_what_they_accept(text in any_text()) {
        if let Ok(handle) = Handle::parse(&text) {
            let name = handle.as_str();
            prop_assert!(!name.is_empty() && name.len() <= Handle::MAX_CHARS);
            prop_assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-@".contains(c)));
            prop_assert!(name.matches('@').count() <= 1);
            let again = Handle::parse(&format!("@{name}"));
            prop_assert_eq!(again.as_ref(), Ok(&handle));
        }
    }

    #[test]
    fn generated_handles_parse(user in "[A-Za-z0-9_]([A-Za-z0-9_.-]{0,20}[A-Za-z0-9_])?") {
        let handle = Handle::parse(&format!(" @{user} ")).expect("a valid handle");
        prop_assert_eq!(handle.as_str(), user.as_str());
    }

    #[test]
    fn cashtags_parse_to_what_they_accept(text in any_text()) {
        if let Ok(tag) = Cashtag::parse(&text) {
            let symbol = tag.as_str();
            prop_assert!(symbol.len() <= 9 && symbol.is_ascii());
            let again = Cashtag::parse(&format!("${symbol}"));
            prop_assert_eq!(again.as_ref(), Ok(&tag));
        }
    }

    #[test]
    fn generated_cashtags_parse(symbol in "[A-Za-z]{1,6}([._][A-Za-z]{1,2})?") {
        let tag = Cashtag::parse(&format!("${symbol}")).expect("a valid symbol");
        prop_assert_eq!(tag.canonical(), symbol.to_ascii_uppercase());
    }

    #[test]
    fn links_parse_to_http_with_a_host(text in any_text()) {
        if let Ok(url) = Url::parse(&text) {
            prop_assert!(url.as_str().len() <= Url::MAX_BYTES);
            prop_assert!(!url.as_str().contains(char::is_whitespace));
            prop_assert!(url.host().contains('.') || url.host() == "localhost");
            let again = Url::parse(url.as_str());
            prop_assert_eq!(again.as_ref(), Ok(&url));
        }
    }

    #[test]
    fn generated_links_parse(host in "[a-z]{1,10}\\.[a-z]{2,6}", path in "[a-z0-9/_-]{0,20}") {
        let url = Url::parse(&format!("https://{host}/{path}?utm_source=x")).expect("a valid link");
        prop_assert_eq!(url.host(), host.as_str());
        let source = url.query_param("utm_source");
        prop_assert_eq!(source.as_deref(), Some("x"));
        prop_assert!(url.is_on_domain(&host.to_ascii_uppercase()));
    }

    #[test]
    fn parsed_hashtags_round_trip_and_canonicalise_stably(text in posty()) {
        if let Ok(tag) = Hashtag::parse(&text) {
            let again = Hashtag::parse(&format!("#{}", tag.as_str()));
            prop_assert_eq!(again.as_ref(), Ok(&tag));
            let canonical = tag.canonical();
            prop_assert_eq!(canonical_hashtag(canonical.as_str()), canonical.as_str());
        }
    }

    #[test]
    fn length_of_plain_text_is_additive(a in plain(), b in plain()) {
        for network in Network::ALL {
            let whole = weigh(network, &format!("{a}{b}")).length;
            let parts = weigh(network, &a).length + weigh(network, &b).length;
            prop_assert_eq!(whole, parts, "{} on {:?} + {:?}", network, a, b);
        }
    }

    #[test]
    fn checks_never_panic_and_spans_stay_in_the_text(text in any_text()) {
        let policy = BrandVoicePolicy {
            max_hashtags: Some(1),
            required_hashtags: vec![Hashtag::parse("KopiChat").unwrap()],
            banned_words: vec!["murah".into(), "cheap deal".into()],
            speaks_as_we: Language::ALL.to_vec(),
            utm: Some(UtmPolicy::default()),
            media_needs_rights: true,
        };
        for network in Network::ALL {
            let draft = Draft { network, text: &text, language: Some("hi"), media: &[] };
            for problem in check(&policy, &draft) {
                if let Some(span) = problem.span {
                    prop_assert!(span.slice(&text).is_some(), "{:?}", problem);
                }
                prop_assert!(!problem.message.is_empty());
            }
        }
    }
}
