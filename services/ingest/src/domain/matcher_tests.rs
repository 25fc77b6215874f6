//! The matcher in every script our users write, with the false positives it must avoid.

use chrono::Utc;
use tagar_model::{Author, BrandId, NativePostId, Network, Post};
use uuid::Uuid;

use super::*;

fn rule(brand: BrandId, kind: RuleKind, pattern: &str) -> ListeningRule {
    ListeningRule {
        rule_id: Uuid::now_v7(),
        brand_id: brand,
        kind,
        pattern: Pattern::parse(kind, pattern).unwrap(),
    }
}

fn post(network: Network, handle: &str, text: &str) -> Post {
    Post::new(
        network,
        NativePostId::parse("1").unwrap(),
        Author {
            id: "a1".into(),
            handle: handle.into(),
            display_name: String::new(),
            followers: 0,
            verified: false,
            account_created_at: None,
        },
        text,
        Utc::now(),
    )
}

/// The rule ids `text` matches under the rules, on Mastodon and on X.
fn hits(rules: &[ListeningRule], text: &str) -> Vec<Uuid> {
    let matcher = Matcher::new(rules);
    let mut scratch = Scratch::default();
    let on_mastodon = matcher.match_post(&post(Network::Mastodon, "someone", text), &mut scratch);
    let on_x = matcher.match_post(&post(Network::X, "someone", text), &mut scratch);
    assert_eq!(on_mastodon.hits, on_x.hits, "{text}");
    on_mastodon.hits.into_iter().map(|h| h.rule_id).collect()
}

#[test]
fn hashtags_match_in_canonical_form() {
    let r = rule(BrandId::new(), RuleKind::Hashtag, "#Café");
    for text in [
        "J'adore le #Café",
        "#CAFÉ du matin",
        "un #Cafe\u{301} noir",
        "#café!",
    ] {
        assert_eq!(hits(std::slice::from_ref(&r), text), [r.rule_id], "{text}");
    }
    for text in [
        "#Cafe sans accent",
        "#Cafés",
        "Café sans dièse",
        "#CaféCrème",
    ] {
        assert!(hits(std::slice::from_ref(&r), text).is_empty(), "{text}");
    }
}

#[test]
fn keywords_match_whole_words_not_parts() {
    let kopi = rule(BrandId::new(), RuleKind::Keyword, "kopi");
    let rules = [kopi.clone()];
    for text in [
        "Kopi pagi ini enak",
        "beli KOPI, yuk",
        "#kopi",
        "ngopi? kopi!",
    ] {
        assert_eq!(hits(&rules, text), [kopi.rule_id], "{text}");
    }
    for text in ["pakai kopiah baru", "ngopi dulu", "kopikenangan.com"] {
        assert!(hits(&rules, text).is_empty(), "{text}");
    }
}

#[test]
fn phrases_match_across_spacing_and_case() {
    let r = rule(BrandId::new(), RuleKind::Keyword, "kopi susu");
    let short = rule(r.brand_id, RuleKind::Keyword, "kopi");
    let rules = [r.clone(), short.clone()];
    let mut found = hits(&rules, "Mau KOPI   Susu dong");
    found.sort();
    let mut want = vec![r.rule_id, short.rule_id];
    want.sort();
    assert_eq!(found, want);
    assert_eq!(hits(&rules, "kopi hitam, susu putih"), [short.rule_id]);
}

#[test]
fn keywords_in_latin_with_accents_and_elisions() {
    let r = rule(BrandId::new(), RuleKind::Keyword, "été");
    assert_eq!(hits(std::slice::from_ref(&r), "Vive l'ÉTÉ !"), [r.rule_id]);
    assert_eq!(hits(std::slice::from_ref(&r), "C’est l’été"), [r.rule_id]);
    assert!(hits(std::slice::from_ref(&r), "un ete sans accent").is_empty());
    assert!(hits(std::slice::from_ref(&r), "les étés").is_empty());
    let phrase = rule(BrandId::new(), RuleKind::Keyword, "j'aime");
    assert_eq!(
        hits(std::slice::from_ref(&phrase), "J’AIME ça"),
        [phrase.rule_id]
    );
}

#[test]
fn keywords_in_persian_and_arabic() {
    let r = rule(BrandId::new(), RuleKind::Keyword, "قهوه");
    assert_eq!(hits(std::slice::from_ref(&r), "یک قهوه لطفا"), [r.rule_id]);
    assert!(hits(std::slice::from_ref(&r), "قهوه‌خانه باز است").is_empty());
    // Arabic keyboards type yeh and kaf differently; both spellings match.
    let cake = rule(BrandId::new(), RuleKind::Keyword, "کیک");
    assert_eq!(
        hits(std::slice::from_ref(&cake), "این كيك خوشمزه است"),
        [cake.rule_id]
    );
    let zwnj = rule(BrandId::new(), RuleKind::Keyword, "می‌خواهم");
    assert_eq!(
        hits(std::slice::from_ref(&zwnj), "من می‌خواهم"),
        [zwnj.rule_id]
    );
}

#[test]
fn keywords_in_devanagari() {
    let r = rule(BrandId::new(), RuleKind::Keyword, "चाय");
    assert_eq!(
        hits(std::slice::from_ref(&r), "आज की चाय बहुत अच्छी है"),
        [r.rule_id]
    );
    // A vowel sign after the word makes another word.
    assert!(hits(std::slice::from_ref(&r), "चायवाला आया").is_empty());
    let phrase = rule(BrandId::new(), RuleKind::Keyword, "मेरा नाम");
    assert_eq!(
        hits(std::slice::from_ref(&phrase), "नमस्ते, मेरा नाम राज"),
        [phrase.rule_id]
    );
}

#[test]
fn handles_match_the_author_and_mentions_case_insensitively() {
    let r = rule(BrandId::new(), RuleKind::Handle, "@KopiKita");
    let matcher = Matcher::new(std::slice::from_ref(&r));
    let mut scratch = Scratch::default();
    let by_author = matcher.match_post(&post(Network::X, "kopikita", "halo semua"), &mut scratch);
    assert_eq!(by_author.hits.len(), 1);
    let mention = post(Network::X, "someone", "cc @KOPIKITA ya");
    assert_eq!(matcher.match_post(&mention, &mut scratch).hits.len(), 1);
    let other = post(Network::X, "someone", "cc @kopikita2 and kopikita");
    assert!(matcher.match_post(&other, &mut scratch).hits.is_empty());
}

#[test]
fn competitor_rules_are_flagged() {
    let brand = BrandId::new();
    let rules = [
        rule(brand, RuleKind::Competitor, "Star Coffee"),
        rule(brand, RuleKind::Competitor, "#StarCoffee"),
        rule(brand, RuleKind::Competitor, "@starcoffee"),
    ];
    let matcher = Matcher::new(&rules);
    let mut scratch = Scratch::default();
    let p = post(
        Network::Mastodon,
        "fan",
        "star coffee is fine #STARCOFFEE @StarCoffee",
    );
    let m = matcher.match_post(&p, &mut scratch);
    assert_eq!(m.hits.len(), 3);
    assert!(m.hits.iter().all(|h| h.competitor && h.brand_id == brand));
}

#[test]
fn every_brand_is_matched_in_one_pass_and_grouped() {
    let a = BrandId::new();
    let b = BrandId::new();
    let rules = [
        rule(a, RuleKind::Hashtag, "#kopi"),
        rule(a, RuleKind::Keyword, "pagi"),
        rule(b, RuleKind::Keyword, "kopi"),
        rule(b, RuleKind::Keyword, "teh"),
    ];
    let matcher = Matcher::new(&rules);
    let m = matcher.match_post(
        &post(Network::Mastodon, "x", "#Kopi pagi, #kopi lagi"),
        &mut Scratch::default(),
    );
    assert_eq!(m.hashtags, ["kopi"]);
    let grouped = m.by_brand();
    let mut want = vec![
        (a, vec![rules[0].rule_id, rules[1].rule_id]),
        (b, vec![rules[2].rule_id]),
    ];
    want.sort();
    for (_, ids) in &mut want {
        ids.sort();
    }
    assert_eq!(grouped, want);
}

#[test]
fn no_rules_still_reports_hashtags() {
    let m = Matcher::new(&[]).match_post(
        &post(Network::Mastodon, "x", "#Rentrée et #RENTRÉE"),
        &mut Scratch::default(),
    );
    assert!(m.hits.is_empty());
    assert_eq!(m.hashtags, ["rentrée"]);
}

#[test]
fn a_post_is_matched_to_a_bounded_number_of_brands() {
    let rules: Vec<ListeningRule> = (0..MAX_BRANDS_PER_POST + 50)
        .map(|_| rule(BrandId::new(), RuleKind::Hashtag, "#Kopi"))
        .collect();
    let matcher = Matcher::new(&rules);
    let found = matcher.match_post(
        &post(Network::X, "ana", "Pagi #kopi"),
        &mut Scratch::default(),
    );
    assert_eq!(found.hits.len(), MAX_BRANDS_PER_POST + 50);
    assert_eq!(found.by_brand().len(), MAX_BRANDS_PER_POST);
}

#[test]
fn many_hashtags_are_each_reported_once_in_first_seen_order() {
    let text: String = (0..5_000).map(|i| format!("#t{i} #T{i} ")).collect();
    let found = Matcher::new(&[]).match_post(
        &post(Network::Mastodon, "ana", &text),
        &mut Scratch::default(),
    );
    assert_eq!(found.hashtags.len(), 5_000);
    assert_eq!(found.hashtags[0], "t0");
    assert_eq!(found.hashtags[4_999], "t4999");
}
