//! Each network's text rules, in one table.
//!
//! | network | limit | counted in | a link counts | hashtags (hard / advised) | links | emoji in tags |
//! |---|---|---|---|---|---|---|
//! | X | 280 | twitter-text v3 weights | 23 | – / 2 | – | no |
//! | Mastodon | 500 | graphemes (Unicode 15.0); `@user@server` counts as `@user` | 23 (twitter-text `http(s)://` links) | – / 3 | – | no |
//! | Bluesky | 300 (and 3,000 bytes) | graphemes (Unicode 15.0) | as written | – / 3 | – | yes |
//! | Threads | 500 | UTF-16 code units; a grapheme with an emoji counts its UTF-8 bytes | as written | – / 1 | 5 | no |
//! | LinkedIn | 3,000 | UTF-16 code units | as written | – / 3 | – | no |
//! | Instagram | 2,200 | UTF-16 code units | as written | 30 / 5 (and 20 mentions) | – | yes |
//! | Facebook | 63,206 | UTF-16 code units | as written | – / 2 | – | no |
//! | Loopback | as Mastodon | | | | | |
//!
//! LinkedIn, Instagram and Facebook state limits in "characters" without saying which;
//! their clients measure JavaScript string length, so we count UTF-16 code units: an
//! emoji counts 2 or more, which can only make us stricter than the network, never
//! laxer. Threads says it: "Text posts are limited to 500 characters. Emojis are counted
//! as the number of UTF-8 bytes", and refuses more than 5 links in a post.
//!
//! `advised_hashtags` is advice for the people writing posts, not a rule: neither
//! [`crate::weigh`] nor the checks enforce it (a brand sets its own `max_hashtags`).

use serde::Serialize;

use crate::Network;

/// How a network measures text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    /// twitter-text's weighted length, configuration v3: most code points up to U+10FF
    /// and general punctuation weigh 1, everything else 2, an emoji sequence 2.
    XWeighted,
    /// Extended grapheme clusters (what a reader sees as one character), as Unicode 15.0
    /// draws them: an Indic conjunct (`न्द`) counts 2, as Mastodon and Bluesky count it,
    /// not 1 as Unicode 15.1's rule GB9c would.
    Graphemes,
    /// UTF-16 code units (JavaScript's `String.length`).
    Utf16,
    /// Threads: UTF-16 code units, except that an extended grapheme cluster holding an
    /// emoji counts its UTF-8 bytes (😀 counts 4, 👍🏽 8).
    Utf16EmojiBytes,
}

/// The rules of one network's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct NetworkRules {
    /// The network the rules are for.
    pub network: Network,
    /// The most a post may measure, in the network's units.
    pub max_length: usize,
    /// How the text is measured.
    pub counting: Counting,
    /// The most bytes (UTF-8) a post may take, where the network also limits those.
    pub max_bytes: Option<usize>,
    /// What a link counts, whatever its length; `None` when links count as written.
    pub url_length: Option<usize>,
    /// Whether only links written with `http://` or `https://` get `url_length`, found by
    /// twitter-text's URL rule (known top-level domain, limited path chars) as Mastodon
    /// finds them; otherwise every link Tagar's extractor finds gets it.
    pub url_length_needs_scheme: bool,
    /// Whether a mention `@user@server` counts as `@user` (Mastodon).
    pub mention_server_is_free: bool,
    /// The most hashtags the network accepts in one post.
    pub max_hashtags: Option<usize>,
    /// The most mentions the network accepts in one post.
    pub max_mentions: Option<usize>,
    /// The most links the network accepts in one post.
    pub max_links: Option<usize>,
    /// How many hashtags practice advises at most: a default for a brand's own limit, not
    /// enforced by [`crate::weigh`].
    pub advised_hashtags: usize,
    /// Whether emoji may be part of a hashtag.
    pub emoji_in_hashtags: bool,
    /// Whether mentions may carry a server (`@user@server`).
    pub federated_mentions: bool,
}

const MASTODON: NetworkRules = NetworkRules {
    network: Network::Mastodon,
    max_length: 500,
    counting: Counting::Graphemes,
    max_bytes: None,
    url_length: Some(23),
    url_length_needs_scheme: true,
    mention_server_is_free: true,
    max_hashtags: None,
    max_mentions: None,
    max_links: None,
    advised_hashtags: 3,
    emoji_in_hashtags: false,
    federated_mentions: true,
};

const fn counted_as_written(
    network: Network,
    max_length: usize,
    advised_hashtags: usize,
    emoji_in_hashtags: bool,
) -> NetworkRules {
    NetworkRules {
        network,
        max_length,
        counting: Counting::Utf16,
        max_bytes: None,
        url_length: None,
        url_length_needs_scheme: false,
        mention_server_is_free: false,
        max_hashtags: None,
        max_mentions: None,
        max_links: None,
        advised_hashtags,
        emoji_in_hashtags,
        federated_mentions: false,
    }
}

/// The rules of every network, in the order of [`Network::ALL`].
pub const RULES: [NetworkRules; 8] = [
    NetworkRules {
        network: Network::X,
        max_length: 280,
        counting: Counting::XWeighted,
        max_bytes: None,
        url_length: Some(23),
        url_length_needs_scheme: false,
        mention_server_is_free: false,
        max_hashtags: None,
        max_mentions: None,
        max_links: None,
        advised_hashtags: 2,
        emoji_in_hashtags: false,
        federated_mentions: false,
    },
    MASTODON,
    NetworkRules {
        counting: Counting::Graphemes,
        max_bytes: Some(3000),
        ..counted_as_written(Network::Bluesky, 300, 3, true)
    },
    NetworkRules {
        counting: Counting::Utf16EmojiBytes,
        max_links: Some(5),
        ..counted_as_written(Network::Threads, 500, 1, false)
    },
    counted_as_written(Network::LinkedIn, 3000, 3, false),
    NetworkRules {
        max_hashtags: Some(30),
        max_mentions: Some(20),
        ..counted_as_written(Network::Instagram, 2200, 5, true)
    },
    counted_as_written(Network::Facebook, 63_206, 2, false),
    // Loopback stands in for a real network in tests and demos: Mastodon's rules.
    NetworkRules {
        network: Network::Loopback,
        ..MASTODON
    },
];

/// The rules of `network`.
pub const fn rules(network: Network) -> &'static NetworkRules {
    let i = match network {
        Network::X => 0,
        Network::Mastodon => 1,
        Network::Bluesky => 2,
        Network::Threads => 3,
        Network::LinkedIn => 4,
        Network::Instagram => 5,
        Network::Facebook => 6,
        Network::Loopback => 7,
    };
    &RULES[i]
}

impl Network {
    /// This network's text rules.
    pub const fn rules(self) -> &'static NetworkRules {
        rules(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_network_order() {
        for (network, rules) in Network::ALL.iter().zip(RULES.iter()) {
            assert_eq!(*network, rules.network);
            assert_eq!(network.rules(), rules);
        }
    }

    #[test]
    fn limits_match_the_networks() {
        let limits: Vec<usize> = RULES.iter().map(|r| r.max_length).collect();
        assert_eq!(limits, [280, 500, 300, 500, 3000, 2200, 63_206, 500]);
    }
}
