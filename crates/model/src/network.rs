//! The social networks Tagar speaks to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A social network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// X (formerly Twitter).
    X,
    /// Mastodon and the fediverse.
    Mastodon,
    /// Bluesky (AT Protocol).
    Bluesky,
    /// Threads.
    Threads,
    /// LinkedIn.
    LinkedIn,
    /// Instagram.
    Instagram,
    /// Facebook.
    Facebook,
    /// Tagar's built-in loopback network: published posts come back in through ingest.
    Loopback,
}

/// The name is not one of the networks Tagar knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown network {0:?}; expected one of x, mastodon, bluesky, threads, linkedin, instagram, facebook, loopback"
)]
pub struct UnknownNetwork(pub String);

impl Network {
    /// Every network, in a stable order.
    pub const ALL: [Network; 8] = [
        Network::X,
        Network::Mastodon,
        Network::Bluesky,
        Network::Threads,
        Network::LinkedIn,
        Network::Instagram,
        Network::Facebook,
        Network::Loopback,
    ];

    /// The network's name as people write it ("X", "Bluesky", "LinkedIn"), for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Network::X => "X",
            Network::Mastodon => "Mastodon",
            Network::Bluesky => "Bluesky",
            Network::Threads => "Threads",
            Network::LinkedIn => "LinkedIn",
            Network::Instagram => "Instagram",
            Network::Facebook => "Facebook",
            Network::Loopback => "the loopback network",
        }
    }

    /// The lowercase name used in configuration, JSONL and the CLI.
    pub const fn as_str(self) -> &'static str {
        match self {
            Network::X => "x",
            Network::Mastodon => "mastodon",
            Network::Bluesky => "bluesky",
            Network::Threads => "threads",
            Network::LinkedIn => "linkedin",
            Network::Instagram => "instagram",
            Network::Facebook => "facebook",
            Network::Loopback => "loopback",
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Network {
    type Err = UnknownNetwork;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let network = match lower.as_str() {
            "x" | "twitter" => Network::X,
            "mastodon" => Network::Mastodon,
            "bluesky" | "bsky" => Network::Bluesky,
            "threads" => Network::Threads,
            "linkedin" => Network::LinkedIn,
            "instagram" => Network::Instagram,
            "facebook" => Network::Facebook,
            "loopback" => Network::Loopback,
            _ => return Err(UnknownNetwork(s.to_owned())),
        };
        Ok(network)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for n in Network::ALL {
            assert_eq!(n.as_str().parse::<Network>(), Ok(n));
        }
        assert_eq!("Twitter".parse::<Network>(), Ok(Network::X));
        assert!("myspace".parse::<Network>().is_err());
    }
}
