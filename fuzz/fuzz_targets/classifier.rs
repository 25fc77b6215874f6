//! Any text, in any script, with any language hint: the classifier answers (a crafted post
//! cannot stall it; libFuzzer's -timeout catches one that tries) with scores in range and a
//! language tag.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use tagar_moderation::domain::classifier::Classifier;

fuzz_target!(|data: &[u8]| {
    static CLASSIFIER: std::sync::OnceLock<Classifier> = std::sync::OnceLock::new();
    let classifier = CLASSIFIER.get_or_init(|| Classifier::builtin().expect("the built-in lexicon"));
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (hint, text) = input.split_once('\0').unwrap_or(("", input));
    let Some(post) = common::x_post(text, hint) else {
        return;
    };
    let found = classifier.classify_post(&post);
    assert!((0.0..=1.0).contains(&found.abuse_score), "{found:?}");
    assert!((0.0..=1.0).contains(&found.spam_score), "{found:?}");
    assert!(!found.language.is_empty());
});
