//! Matching throughput: posts per second through one tenant's matcher, with 3 brands × 20
//! rules (hashtags, keywords and phrases, handles, competitors) and multilingual posts.

#![allow(missing_docs)] // criterion_group! generates undocumented items.

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tagar_ingest::domain::{ListeningRule, Matcher, Pattern, RuleKind, Scratch};
use tagar_model::{Author, BrandId, NativePostId, Network, Post};
use uuid::Uuid;

const BRAND_RULES: [&[(RuleKind, &str)]; 3] = [
    &[
        (RuleKind::Hashtag, "#KopiKita"),
        (RuleKind::Hashtag, "#NgopiYuk"),
        (RuleKind::Hashtag, "#Café"),
        (RuleKind::Hashtag, "#قهوه"),
        (RuleKind::Hashtag, "#चाय"),
        (RuleKind::Keyword, "kopi"),
        (RuleKind::Keyword, "kopi susu"),
        (RuleKind::Keyword, "es kopi"),
        (RuleKind::Keyword, "café crème"),
        (RuleKind::Keyword, "petit déjeuner"),
        (RuleKind::Keyword, "قهوه"),
        (RuleKind::Keyword, "کافه"),
        (RuleKind::Keyword, "कॉफ़ी"),
        (RuleKind::Keyword, "coffee"),
        (RuleKind::Keyword, "latte"),
        (RuleKind::Handle, "@kopikita"),
        (RuleKind::Handle, "@kopikita_id"),
        (RuleKind::Competitor, "Star Coffee"),
        (RuleKind::Competitor, "#StarCoffee"),
        (RuleKind::Competitor, "@starcoffee"),
    ],
    &[
        (RuleKind::Hashtag, "#TehManis"),
        (RuleKind::Hashtag, "#Rentrée"),
        (RuleKind::Hashtag, "#Diwali"),
        (RuleKind::Hashtag, "#نوروز"),
        (RuleKind::Hashtag, "#teatime"),
        (RuleKind::Keyword, "teh"),
        (RuleKind::Keyword, "teh manis"),
        (RuleKind::Keyword, "thé"),
        (RuleKind::Keyword, "chai"),
        (RuleKind::Keyword, "चाय"),
        (RuleKind::Keyword, "चाय पत्ती"),
        (RuleKind::Keyword, "چای"),
        (RuleKind::Keyword, "tea"),
        (RuleKind::Keyword, "green tea"),
        (RuleKind::Keyword, "matcha"),
        (RuleKind::Handle, "@tehkita"),
        (RuleKind::Handle, "@chai_point"),
        (RuleKind::Competitor, "Teh Botol"),
        (RuleKind::Competitor, "#TehBotol"),
        (RuleKind::Competitor, "@tehbotol"),
    ],
    &[
        (RuleKind::Hashtag, "#RotiEnak"),
        (RuleKind::Hashtag, "#Boulangerie"),
        (RuleKind::Hashtag, "#نان"),
        (RuleKind::Hashtag, "#रोटी"),
        (RuleKind::Hashtag, "#bread"),
        (RuleKind::Keyword, "roti"),
        (RuleKind::Keyword, "roti bakar"),
        (RuleKind::Keyword, "croissant"),
        (RuleKind::Keyword, "pain au chocolat"),
        (RuleKind::Keyword, "نان"),
        (RuleKind::Keyword, "نان بربری"),
        (RuleKind::Keyword, "रोटी"),
        (RuleKind::Keyword, "पराठा"),
        (RuleKind::Keyword, "bread"),
        (RuleKind::Keyword, "sourdough"),
        (RuleKind::Handle, "@rotikita"),
        (RuleKind::Handle, "@boulangerie_paris"),
        (RuleKind::Competitor, "Sari Roti"),
        (RuleKind::Competitor, "#SariRoti"),
        (RuleKind::Competitor, "@sariroti"),
    ],
];

const TEXTS: [&str; 10] = [
    "Pagi ini ngopi dulu, kopi susu gula aren mantap! #NgopiYuk @kopikita",
    "Rien de tel qu'un café crème et un pain au chocolat pour la #Rentrée ☕🥐",
    "امروز یک قهوه و نان بربری خوردم #قهوه #نوروز",
    "सुबह की चाय और पराठा, क्या बात है! #चाय",
    "Trying the new matcha latte from @starcoffee, not bad at all https://example.com/x",
    "Macet parah di Sudirman, telat lagi ke kantor 😩",
    "Le match d'hier soir était incroyable, quelle ambiance au stade !",
    "Roti bakar keju cokelat + teh manis = sarapan sempurna #RotiEnak #TehManis",
    "Anyone else think sourdough is overrated? Fight me. #bread",
    "این فیلم واقعا عالی بود، حتما ببینید",
];

fn rules() -> Vec<ListeningRule> {
    BRAND_RULES
        .iter()
        .flat_map(|brand_rules| {
            let brand = BrandId::new();
            brand_rules
                .iter()
                .map(move |(kind, pattern)| ListeningRule {
                    rule_id: Uuid::now_v7(),
                    brand_id: brand,
                    kind: *kind,
                    pattern: Pattern::parse(*kind, pattern).expect("valid bench pattern"),
                })
        })
        .collect()
}

fn posts(network: Network) -> Vec<Post> {
    (0..1000)
        .map(|i| {
            Post::new(
                network,
                NativePostId::parse(&i.to_string()).unwrap(),
                Author {
                    id: format!("u{i}"),
                    handle: format!("user{}", i % 97),
                    display_name: String::new(),
                    followers: 10,
                    verified: false,
                    account_created_at: None,
                },
                TEXTS[i % TEXTS.len()].to_owned(),
                Utc::now(),
            )
        })
        .collect()
}

fn matching(c: &mut Criterion) {
    let matcher = Matcher::new(&rules());
    let mut group = c.benchmark_group("match_post");
    for network in [Network::Mastodon, Network::X] {
        let posts = posts(network);
        group.throughput(Throughput::Elements(posts.len() as u64));
        group.bench_function(network.as_str(), |b| {
            let mut scratch = Scratch::default();
            b.iter(|| {
                for post in &posts {
                    black_box(matcher.match_post(black_box(post), &mut scratch));
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, matching);
criterion_main!(benches);
