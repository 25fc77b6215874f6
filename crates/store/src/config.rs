//! Database settings (`[database]`, `TAGAR__DATABASE__…`).

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Where the store lives.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabaseConfig {
    /// `postgres://user:password@host:port/db` or `sqlite://path/to/file.db`. Never printed:
    /// it can hold a password.
    #[serde(skip_serializing)]
    pub url: SecretString,
    /// The most connections in the pool the API's calls use.
    pub max_connections: u32,
    /// The most connections in the pool of the background work (consumers, the outbox relay,
    /// the dispatcher): a pool of its own, so neither starves the other.
    pub background_connections: u32,
    /// How long to wait for a connection from the pool, in seconds.
    pub acquire_timeout_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: SecretString::from("sqlite://data/tagar.db?mode=rwc"),
            max_connections: 16,
            background_connections: 8,
            acquire_timeout_secs: 30,
        }
    }
}

impl DatabaseConfig {
    /// Settings for `url` with the default pool size.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: SecretString::from(url.into()),
            ..Self::default()
        }
    }

    /// The URL with any password replaced, safe to log.
    pub fn redacted_url(&self) -> String {
        let url = self.url.expose_secret();
        match (url.find("://"), url.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let userinfo = &url[scheme_end + 3..at];
                let user = userinfo.split(':').next().unwrap_or_default();
                format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
            }
            _ => url.to_owned(),
        }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &self.redacted_url())
            .field("max_connections", &self.max_connections)
            .field("background_connections", &self.background_connections)
            .field("acquire_timeout_secs", &self.acquire_timeout_secs)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let c = DatabaseConfig::new("postgres://tagar:s3cret@db:5432/tagar");
        assert_eq!(c.redacted_url(), "postgres://tagar:***@db:5432/tagar");
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(
            DatabaseConfig::new("sqlite://x.db").redacted_url(),
            "sqlite://x.db"
        );
    }
}
