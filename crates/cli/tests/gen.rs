//! `tagar gen` as a person runs it: deterministic bytes, the shapes asked for, every line a
//! post the wire accepts, and abuse and spam in about the shares asked.

use std::collections::{HashMap, HashSet};
use std::process::Command;

use chrono::{DateTime, Utc};
use tagar_proto::v1;

const START: &str = "2026-03-01T08:00:00Z";

fn run_gen(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_tagar"))
        .arg("gen")
        .args(["--start", START])
        .args(args)
        .output()
        .expect("run tagar gen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn parse_posts(bytes: &[u8]) -> Vec<tagar_model::Post> {
    std::str::from_utf8(bytes)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}: {line}", i + 1))
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let a = run_gen(&["--posts", "3000", "--shape", "burst", "--seed", "11"]);
    let b = run_gen(&["--posts", "3000", "--shape", "burst", "--seed", "11"]);
    let c = run_gen(&["--posts", "3000", "--shape", "burst", "--seed", "12"]);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.iter().filter(|&&b| b == b'\n').count(), 3000);
}

#[test]
fn writing_to_a_file_gives_the_same_bytes_as_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("replay.jsonl");
    let args = ["--posts", "2000", "--shape", "chat"];
    let mut with_file = args.to_vec();
    let path = file.to_str().unwrap();
    with_file.extend(["--out", path]);
    assert!(run_gen(&with_file).is_empty());
    assert_eq!(std::fs::read(&file).unwrap(), run_gen(&args));
}

#[test]
fn every_line_is_a_post_the_wire_accepts() {
    for shape in ["steady", "burst", "chat"] {
        for post in parse_posts(&run_gen(&["--posts", "2000", "--shape", shape])) {
            let back = tagar_model::Post::try_from(v1::Post::from(&post))
                .unwrap_or_else(|e| panic!("{shape}: {e}"));
            assert_eq!(back, post);
        }
    }
}

#[test]
fn a_burst_peaks_in_the_middle_on_its_hashtag() {
    let posts = parse_posts(&run_gen(&[
        "--posts",
        "20000",
        "--shape",
        "burst",
        "--minutes",
        "60",
        "--hashtag",
        "#TehSore",
    ]));
    let start: DateTime<Utc> = START.parse().unwrap();
    let mut per_tenth = [0usize; 10];
    let mut tagged = [0usize; 10];
    for p in &posts {
        let tenth = ((p.created_at - start).num_seconds() / 360) as usize;
        per_tenth[tenth] += 1;
        if p.text.contains("#TehSore") {
            tagged[tenth] += 1;
        }
    }
    let peak = (0..10).max_by_key(|&i| per_tenth[i]).unwrap();
    assert!((4..=5).contains(&peak), "{per_tenth:?}");
    assert!(per_tenth[peak] > 4 * per_tenth[0], "{per_tenth:?}");
    assert!(tagged[peak] > 10 * tagged[0].max(1), "{tagged:?}");
}

#[test]
fn a_chat_links_its_answers_to_the_questions() {
    let posts = parse_posts(&run_gen(&[
        "--posts",
        "3000",
        "--shape",
        "chat",
        "--questions",
        "4",
        "--hashtag",
        "#NgopiBareng",
    ]));
    let questions: Vec<_> = posts.iter().filter(|p| p.text.starts_with('Q')).collect();
    assert_eq!(questions.len(), 4);
    let ids: HashSet<&str> = questions.iter().map(|q| q.native_id.as_str()).collect();
    let answers: Vec<_> = posts
        .iter()
        .filter(|p| p.text.starts_with('A') && p.text.contains("#NgopiBareng"))
        .collect();
    assert!(answers.len() > 2000, "{}", answers.len());
    for a in answers {
        let conversation = a.conversation_id.as_deref().unwrap();
        assert!(ids.contains(conversation), "{}", a.text);
        assert_eq!(
            a.reply_to.as_ref().unwrap().native_id.as_str(),
            conversation
        );
    }
}

#[test]
fn languages_abuse_and_spam_are_as_asked() {
    let posts = parse_posts(&run_gen(&[
        "--posts",
        "20000",
        "--abuse-share",
        "0.08",
        "--spam-share",
        "0.04",
    ]));
    let languages: HashSet<_> = posts.iter().filter_map(|p| p.language.as_deref()).collect();
    assert_eq!(languages, HashSet::from(["en", "fr", "id", "hi", "fa"]));

    let insults = [
        "idiot",
        "stupid",
        "moron",
        "loser",
        "trash",
        "connard",
        "imbécile",
        "débiles",
        "abrutis",
        "crétin",
        "bodoh",
        "anjing",
        "goblok",
        "tolol",
        "bego",
        "बेवकूफ",
        "पागल",
        "गधे",
        "bewakoof",
        "pagal",
        "ullu",
        "احمق",
        "نفهم",
        "بی\u{200C}شعور",
    ];
    let abusive = posts
        .iter()
        .filter(|p| insults.iter().any(|w| p.text.contains(w)))
        .count() as f64;
    let share = abusive / posts.len() as f64;
    assert!((0.07..0.09).contains(&share), "abuse share {share}");

    let new_accounts = posts
        .iter()
        .filter(|p| p.created_at - p.author.account_created_at.unwrap() < chrono::Duration::days(3))
        .collect::<Vec<_>>();
    let share = new_accounts.len() as f64 / posts.len() as f64;
    assert!((0.033..0.047).contains(&share), "spam share {share}");
    let mut repeats: HashMap<&str, usize> = HashMap::new();
    for p in &new_accounts {
        *repeats.entry(&p.text).or_default() += 1;
    }
    assert!(repeats.values().any(|&n| n > 20), "spam repeats its text");

    let quiet = parse_posts(&run_gen(&[
        "--posts",
        "3000",
        "--abuse-share",
        "0",
        "--spam-share",
        "0",
    ]));
    assert!(
        !quiet
            .iter()
            .any(|p| insults.iter().any(|w| p.text.contains(w)))
    );
}

#[test]
fn bad_flags_name_themselves() {
    let out = Command::new(env!("CARGO_BIN_EXE_tagar"))
        .args(["gen", "--posts", "10", "--abuse-share", "2"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("tagar: --abuse-share"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_tagar"))
        .args(["gen", "--languages", "en,de"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown language \"de\""));
}
