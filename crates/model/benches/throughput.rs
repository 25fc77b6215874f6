//! Posts per second for extract + weigh + canonicalise, the work ingest does per post,
//! on a deterministic multilingual corpus (English, French, Indonesian, Persian, Hindi,
//! Japanese) with hashtags, mentions, links and emoji.

// criterion's macros generate an undocumented public `benches` function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tagar_model::{Network, canonicalize_into, extract, extract_and_weigh, weigh_extracted};
use twitter_text::extractor::{Extract, ValidatingExtractor};
use twitter_text_parser::twitter_text::Rule;
use unicode_normalization::UnicodeNormalization;

const SENTENCES: &[&str] = &[
    "Our new cold brew is here, and it is smooth",
    "Join us this Friday for the launch party downtown",
    "Le café de la rentrée est arrivé, venez le goûter",
    "Nous serons à Paris ce week-end pour le salon",
    "Kopi susu gula aren kami kembali, cobain sekarang juga",
    "Promo spesial hari kemerdekaan untuk semua pelanggan setia",
    "قهوه‌ی تازه‌ی ما رسید، همین امروز امتحان کنید",
    "برای جشنواره‌ی پاییزی به ما بپیوندید",
    "हमारी नई कॉफ़ी आ गई है, आज ही आज़माएँ",
    "त्योहार के मौसम में ख़ास ऑफ़र, जल्दी करें",
    "新しいコールドブリューが登場しました",
];
const TAGS: &[&str] = &[
    "#ColdBrew",
    "#Café",
    "#CAFÉ",
    "#rentrée",
    "#KopiSusu",
    "#HariKemerdekaan",
    "#قهوه",
    "#می‌خواهم",
    "#कॉफ़ी",
    "#हिन्दी_दिवस",
    "#東京",
    "#Straße",
    "#ايران",
];
const MENTIONS: &[&str] = &[
    "@kopikita",
    "@cafe_paris",
    "@brand.bsky.social",
    "@user@mastodon.social",
];
const LINKS: &[&str] = &[
    "https://kopi.example/promo?utm_source=x&utm_medium=social&utm_campaign=launch",
    "https://shop.example.com/p/123",
    "www.example.org/acara",
];
const EMOJI: &[&str] = &["☕", "🎉", "🔥", "👨‍👩‍👧", "❤️", "🇮🇩", "👍🏽"];

/// A small deterministic generator (xorshift), so every run sees the same corpus.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn corpus(posts: usize) -> Vec<String> {
    let mut rng = Rng(0x5EED_7A6A);
    (0..posts)
        .map(|_| {
            let mut post = String::new();
            for _ in 0..=rng.below(2) {
                post.push_str(rng.pick(SENTENCES));
                post.push(' ');
            }
            for _ in 0..=rng.below(3) {
                post.push_str(rng.pick(TAGS));
                post.push(' ');
            }
            if rng.below(2) == 0 {
                post.push_str(rng.pick(MENTIONS));
                post.push(' ');
            }
            if rng.below(2) == 0 {
                post.push_str(rng.pick(LINKS));
                post.push(' ');
            }
            post.push_str(rng.pick(EMOJI));
            post
        })
        .collect()
}

/// The harder cases: the same posts decomposed (NFD, as some keyboards and macOS send
/// them), long captions of 1,500–2,000 bytes, and one 60 kB Facebook post of `日h` pairs
/// (each `h` starts a possible link).
fn hard_corpus(posts: usize) -> Vec<String> {
    let base = corpus(posts);
    let mut hard: Vec<String> = base.iter().map(|p| p.nfd().collect()).collect();
    hard.extend(base.chunks(8).map(|chunk| {
        let mut caption = chunk.join(" ");
        caption.truncate(caption.floor_char_boundary(2000));
        caption
    }));
    hard.push("日h".repeat(15_000));
    hard
}

/// Extract, weigh and canonicalise every hashtag of every post; returns a checksum.
fn ingest(network: Network, posts: &[String], buf: &mut String) -> usize {
    let mut sum = 0;
    for text in posts {
        let (entities, length) = extract_and_weigh(network, text);
        sum += length.length;
        for tag in entities.hashtags() {
            canonicalize_into(tag.value, buf);
            sum += buf.len();
        }
    }
    sum
}

fn throughput(c: &mut Criterion) {
    let posts = corpus(1000);
    let mut group = c.benchmark_group("extract_weigh_canonicalise");
    group.throughput(Throughput::Elements(posts.len() as u64));
    for network in [
        Network::X,
        Network::Mastodon,
        Network::Bluesky,
        Network::Instagram,
    ] {
        group.bench_function(network.as_str(), |b| {
            let mut buf = String::new();
            b.iter(|| black_box(ingest(network, black_box(&posts), &mut buf)));
        });
    }
    group.finish();

    let hard = hard_corpus(400);
    let mut group = c.benchmark_group("nfd_and_long_captions");
    group.throughput(Throughput::Elements(hard.len() as u64));
    for network in [Network::X, Network::Mastodon, Network::Instagram] {
        group.bench_function(network.as_str(), |b| {
            let mut buf = String::new();
            b.iter(|| black_box(ingest(network, black_box(&hard), &mut buf)));
        });
    }
    group.finish();
}

/// X text: what the post model does per post (entities and length) against what the
/// twitter-text crate does itself for the same (one `ValidatingExtractor` pass, entities and
/// parse results), on the same corpus in the same run; and the model's two passes, as it
/// was before `extract_and_weigh`.
fn x_against_twitter_text(c: &mut Criterion) {
    let posts = corpus(1000);
    let config = twitter_text_config::config_v3();
    let mut group = c.benchmark_group("x_against_twitter_text");
    group.throughput(Throughput::Elements(posts.len() as u64));
    group.bench_function("twitter_text", |b| {
        b.iter(|| {
            let mut sum = 0;
            for text in black_box(&posts) {
                let extractor = ValidatingExtractor::new_with_nfc_input(config, text);
                // The rules X links and tags by, as the model asks for them: with links
                // written without a scheme, which `extract_entities_with_indices` leaves out.
                let found = extractor.extract(text, |r| {
                    matches!(
                        r,
                        Rule::url
                            | Rule::url_without_protocol
                            | Rule::hashtag
                            | Rule::cashtag
                            | Rule::list
                            | Rule::username
                    )
                });
                sum += found.entities.len() + found.parse_results.weighted_length as usize;
            }
            black_box(sum)
        });
    });
    group.bench_function("tagar_model", |b| {
        b.iter(|| {
            let mut sum = 0;
            for text in black_box(&posts) {
                let (entities, length) = extract_and_weigh(Network::X, text);
                sum += entities.all().len() + length.length;
            }
            black_box(sum)
        });
    });
    group.bench_function("tagar_model_two_passes", |b| {
        b.iter(|| {
            let mut sum = 0;
            for text in black_box(&posts) {
                let entities = extract(Network::X, text);
                sum += entities.all().len() + weigh_extracted(Network::X, text, &entities).length;
            }
            black_box(sum)
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = throughput, x_against_twitter_text
}
criterion_main!(benches);
