//! The labelled evaluation set (`data/eval.jsonl`): every example is classified and the
//! precision and recall of the abusive and spam labels are reported and held above the
//! floors measured when the set was written. A regression of the word lists or the signals
//! fails here.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use serde::Deserialize;
use tagar_model::{Author, NativePostId, Network, Post};
use tagar_moderation::domain::classifier::Classifier;

/// Floors measured on the set (see the README); raise them when the classifier improves.
const ABUSE_PRECISION: f64 = 0.95;
const ABUSE_RECALL: f64 = 0.95;
const SPAM_PRECISION: f64 = 0.95;
const SPAM_RECALL: f64 = 0.95;
/// Per language, abuse precision must stay at or above this.
const ABUSE_PRECISION_PER_LANGUAGE: f64 = 0.9;
/// A score at or above this is a positive (the default review threshold).
const THRESHOLD: f32 = 0.5;

#[derive(Debug, Deserialize)]
struct Example {
    lang: String,
    label: String,
    text: String,
    #[serde(default)]
    seen: Option<u32>,
    #[serde(default)]
    new_account: bool,
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    tp: u32,
    fp: u32,
    fn_: u32,
}

impl Tally {
    fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => {}
        }
    }
    fn precision(self) -> f64 {
        f64::from(self.tp) / f64::from((self.tp + self.fp).max(1))
    }
    fn recall(self) -> f64 {
        f64::from(self.tp) / f64::from((self.tp + self.fn_).max(1))
    }
}

fn post(e: &Example) -> Post {
    let now = Utc::now();
    let age = if e.new_account {
        Duration::days(2)
    } else {
        Duration::days(700)
    };
    Post::new(
        Network::X,
        NativePostId::parse("1").unwrap(),
        Author {
            id: "a".into(),
            handle: "a".into(),
            display_name: "A".into(),
            followers: 1,
            verified: false,
            account_created_at: Some(now - age),
        },
        e.text.clone(),
        now,
    )
}

#[test]
fn the_evaluation_set_stays_above_its_floors() {
    let classifier = Classifier::builtin().unwrap();
    let data = include_str!("../data/eval.jsonl");
    let mut abuse: BTreeMap<String, Tally> = BTreeMap::new();
    let mut spam: BTreeMap<String, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut per_lang: BTreeMap<String, u32> = BTreeMap::new();
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        let e: Example = serde_json::from_str(line).unwrap_or_else(|err| panic!("{line}: {err}"));
        *per_lang.entry(e.lang.clone()).or_default() += 1;
        let prepared = classifier.prepare(&post(&e));
        let c = classifier.classify(&prepared, e.seen.unwrap_or(1));
        let is_abusive = c.abuse_score >= THRESHOLD;
        let is_spam = !is_abusive && c.spam_score >= THRESHOLD;
        let predicted = if is_abusive {
            "abusive"
        } else if is_spam {
            "spam"
        } else {
            "clean"
        };
        if predicted != e.label {
            misses.push(format!(
                "{} {} → {predicted}: {:?} {:?}",
                e.lang, e.label, e.text, c.reasons
            ));
        }
        for key in [e.lang.clone(), "all".to_owned()] {
            abuse
                .entry(key.clone())
                .or_default()
                .add(is_abusive, e.label == "abusive");
            spam.entry(key).or_default().add(is_spam, e.label == "spam");
        }
    }
    for (lang, n) in &per_lang {
        assert!(*n >= 30, "{lang} has only {n} examples");
    }
    println!("lang  abuse P / R    spam P / R");
    for (lang, a) in &abuse {
        let s = spam[lang];
        println!(
            "{lang:4}  {:.2} / {:.2}    {:.2} / {:.2}",
            a.precision(),
            a.recall(),
            s.precision(),
            s.recall()
        );
    }
    for miss in &misses {
        println!("miss: {miss}");
    }
    for (lang, a) in &abuse {
        assert!(
            a.precision() >= ABUSE_PRECISION_PER_LANGUAGE,
            "{lang}: abuse precision {:.3}",
            a.precision()
        );
    }
    let (a, s) = (abuse["all"], spam["all"]);
    assert!(
        a.precision() >= ABUSE_PRECISION,
        "abuse precision {:.3}",
        a.precision()
    );
    assert!(a.recall() >= ABUSE_RECALL, "abuse recall {:.3}", a.recall());
    assert!(
        s.precision() >= SPAM_PRECISION,
        "spam precision {:.3}",
        s.precision()
    );
    assert!(s.recall() >= SPAM_RECALL, "spam recall {:.3}", s.recall());
}
