//! Classifier throughput: posts per second through `Classifier::prepare` and `classify` (what
//! the moderation consumer does for each new post) on one core, over the labelled evaluation
//! set (`data/eval.jsonl`: abuse, spam and clean posts in English, French, Indonesian,
//! Persian and Hindi), as posts of Mastodon (Tagar's own extractor) and of X (twitter-text).

#![allow(missing_docs)] // criterion_group! generates undocumented items.

use std::hint::black_box;

use chrono::{Duration, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tagar_model::{Author, NativePostId, Network, Post};
use tagar_moderation::domain::classifier::Classifier;

fn posts(network: Network) -> Vec<Post> {
    let now = Utc::now();
    include_str!("../data/eval.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let example: serde_json::Value = serde_json::from_str(line).expect("an example");
            let text = example["text"].as_str().expect("a text");
            Post::new(
                network,
                NativePostId::parse(&format!("p{i}")).expect("an id"),
                Author {
                    id: format!("a{i}"),
                    handle: format!("a{i}"),
                    display_name: "A".into(),
                    followers: 10,
                    verified: false,
                    account_created_at: Some(now - Duration::days(700)),
                },
                text,
                now,
            )
        })
        .collect()
}

fn classify(c: &mut Criterion) {
    let classifier = Classifier::builtin().expect("the word lists");
    let mut group = c.benchmark_group("classify");
    for (name, network) in [("mastodon", Network::Mastodon), ("x", Network::X)] {
        let posts = posts(network);
        group.throughput(Throughput::Elements(posts.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                for post in &posts {
                    let prepared = classifier.prepare(post);
                    black_box(classifier.classify(&prepared, 1));
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, classify);
criterion_main!(benches);
