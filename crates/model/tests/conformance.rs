//! The twitter-text conformance suite (validate and extract, plus the TLD list), run in
//! full through tagar-model's own API for `Network::X`.
//!
//! The YAML files are vendored under `tests/conformance/` with their licence. Cases we
//! deliberately differ on are listed in [`DEVIATIONS`] with the reason; the suite fails
//! if a listed case starts passing (so the list never goes stale) or any other case fails.

use serde::Deserialize;
use serde_yaml::Value;
use tagar_model::{EntityKind, Extraction, Network, XWeighting, extract, is_entity, weigh_x};

/// `(group, description)` of each case we differ on, and why.
const DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "urls",
        "Valid url: ipv4",
        "upstream's is_valid_url runs a standalone URL grammar that accepts IP hosts; a link \
         is valid for X when X links it in a post, and twitter-text's extractor (like X) does \
         not link bare IPv4 hosts: we validate through the extractor",
    ),
    ("urls", "Valid url: ipv6", "likewise for IPv6 literal hosts"),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Suite<T> {
    tests: T,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case<E> {
    description: String,
    text: String,
    expected: E,
}

/// Runs each case, collecting failures unless listed as deviations.
struct Runner {
    group: &'static str,
    ran: usize,
    failures: Vec<String>,
    deviated: Vec<(&'static str, String)>,
}

impl Runner {
    fn new() -> Self {
        Self {
            group: "",
            ran: 0,
            failures: Vec::new(),
            deviated: Vec::new(),
        }
    }

    fn case<E: std::fmt::Debug, G: std::fmt::Debug + PartialEq<E>>(
        &mut self,
        case: &Case<E>,
        got: G,
    ) {
        self.ran += 1;
        let listed = DEVIATIONS
            .iter()
            .any(|(g, d, _)| *g == self.group && *d == case.description);
        let passed = got == case.expected;
        match (passed, listed) {
            (true, false) => {}
            (false, true) => self.deviated.push((self.group, case.description.clone())),
            (true, true) => self.failures.push(format!(
                "[{}] {}: listed as a deviation but passes",
                self.group, case.description
            )),
            (false, false) => self.failures.push(format!(
                "[{}] {}: text {:?}\n  expected {:?}\n  got      {:?}",
                self.group, case.description, case.text, case.expected, got
            )),
        }
    }

    fn finish(self, cases: usize) {
        assert!(
            self.failures.is_empty(),
            "{} of {} cases failed:\n{}",
            self.failures.len(),
            self.ran,
            self.failures.join("\n")
        );
        assert_eq!(self.ran, cases, "every case of the suite runs");
        eprintln!(
            "{} cases, {} listed deviations",
            self.ran,
            self.deviated.len()
        );
    }
}

fn load<T: for<'de> Deserialize<'de>>(yaml: &str) -> T {
    serde_yaml::from_str::<Suite<T>>(yaml)
        .expect("the vendored suite parses")
        .tests
}

fn values<'t>(found: &Extraction<'t>, kind: EntityKind) -> Vec<String> {
    found.of_kind(kind).map(|e| e.value.to_owned()).collect()
}

fn utf16(found: &Extraction<'_>, span: tagar_model::Span) -> Vec<i64> {
    let r = span
        .utf16_range(found.text())
        .expect("extracted spans fit their text");
    vec![r.start as i64, r.end as i64]
}

#[path = "conformance/extract_yml.rs"]
mod extract_yml;
#[path = "conformance/validate_yml.rs"]
mod validate_yml;
