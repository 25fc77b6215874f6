//! What to generate: how many posts, over what time, in which shape and languages.

use chrono::{DateTime, Duration, Utc};
use clap::ValueEnum;
use tagar_model::Network;

use super::lexicon::Language;

/// How the posts are spread over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shape {
    /// A uniform rate over the whole range.
    Steady,
    /// A trending hashtag ramps up sharply in the middle of the range, then decays.
    Burst,
    /// A live hashtag chat: a host asks Q1..Qn, replies "A1 …" carry the chat's tag.
    Chat,
}

/// Everything the generator needs; the same config (seed and start included) gives the
/// same posts.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// The seed of every random choice.
    pub seed: u64,
    /// How many posts.
    pub posts: u64,
    /// How they spread over time.
    pub shape: Shape,
    /// The first post's earliest time.
    pub start: DateTime<Utc>,
    /// The length of the range, in minutes.
    pub minutes: u32,
    /// The trending hashtag (burst) or the chat's hashtag (chat), with `#`.
    pub hashtag: String,
    /// The chat's questions (chat shape).
    pub questions: u32,
    /// Languages written, each with its usual share of the traffic.
    pub languages: Vec<Language>,
    /// The share of abusive replies, 0.0 to 1.0.
    pub abuse_share: f64,
    /// The share of spam, 0.0 to 1.0.
    pub spam_share: f64,
    /// The brands people talk about, by name.
    pub brands: Vec<String>,
    /// The networks posts come from (the first one most).
    pub networks: Vec<Network>,
}

impl Default for GenConfig {
    /// 10,000 posts over the last hour, steady, in every language, about three brands.
    fn default() -> Self {
        Self {
            seed: 42,
            posts: 10_000,
            shape: Shape::Steady,
            start: Utc::now() - Duration::minutes(60),
            minutes: 60,
            hashtag: "#KopiSenja".to_owned(),
            questions: 6,
            languages: Language::ALL.to_vec(),
            abuse_share: 0.05,
            spam_share: 0.03,
            brands: ["Kopi Nusantara", "Batik Ayu", "Teh Melati"]
                .map(String::from)
                .to_vec(),
            networks: vec![Network::X, Network::Mastodon, Network::Bluesky],
        }
    }
}

/// The configuration cannot generate posts; the message names the flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl GenConfig {
    /// Checks the configuration, naming the flag that is wrong.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |m: &str| Err(ConfigError(m.to_owned()));
        if self.minutes == 0 {
            return fail("--minutes: must be at least 1");
        }
        if self.languages.is_empty() {
            return fail("--languages: name at least one of en, fr, id, hi, fa");
        }
        if self.brands.iter().all(|b| b.trim().is_empty()) {
            return fail("--brands: name at least one brand");
        }
        if self.networks.is_empty() {
            return fail("--networks: name at least one network");
        }
        for (flag, share) in [
            ("--abuse-share", self.abuse_share),
            ("--spam-share", self.spam_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(ConfigError(format!("{flag}: must be between 0 and 1")));
            }
        }
        if self.abuse_share + self.spam_share > 0.9 {
            return fail(
                "--abuse-share + --spam-share: must leave room for ordinary posts (at most 0.9)",
            );
        }
        if self.shape == Shape::Chat && self.questions == 0 {
            return fail("--questions: a chat needs at least one question");
        }
        let tag = self.hashtag.trim_start_matches('#');
        if tag.is_empty() || !tag.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return fail("--hashtag: must be one hashtag like #KopiSenja");
        }
        Ok(())
    }

    /// The hashtag with exactly one `#`.
    pub fn hashtag_text(&self) -> String {
        format!("#{}", self.hashtag.trim().trim_start_matches('#'))
    }
}

/// How a brand appears in posts, so listening rules can be written for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandIdentity {
    /// The name as given, e.g. "Kopi Nusantara" (a keyword rule).
    pub name: String,
    /// The handle without `@`, e.g. "kopinusantara" (a handle rule).
    pub handle: String,
    /// The hashtag with `#`, e.g. "#KopiNusantara" (a hashtag rule).
    pub hashtag: String,
}

/// The handle and hashtag the generator uses for a brand name.
pub fn brand_identity(name: &str) -> BrandIdentity {
    let name = name.trim();
    let mut handle: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .take(15)
        .collect();
    if handle.is_empty() {
        handle = "brand".to_owned();
    }
    let mut hashtag = String::from("#");
    for word in name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            hashtag.extend(first.to_uppercase());
            hashtag.push_str(chars.as_str());
        }
    }
    if hashtag.len() == 1 {
        hashtag.push_str(&handle);
    }
    BrandIdentity {
        name: name.to_owned(),
        handle,
        hashtag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brands_get_a_handle_and_a_hashtag() {
        let b = brand_identity(" Kopi Nusantara ");
        assert_eq!(b.name, "Kopi Nusantara");
        assert_eq!(b.handle, "kopinusantara");
        assert_eq!(b.hashtag, "#KopiNusantara");
        assert_eq!(brand_identity("teh melati").hashtag, "#TehMelati");
    }

    #[test]
    fn a_bad_config_names_the_flag() {
        let mut c = GenConfig {
            abuse_share: 1.5,
            ..GenConfig::default()
        };
        assert!(c.validate().unwrap_err().0.starts_with("--abuse-share"));
        c.abuse_share = 0.05;
        assert_eq!(c.validate(), Ok(()));
        c.hashtag = "#two words".into();
        assert!(c.validate().unwrap_err().0.starts_with("--hashtag"));
    }
}
