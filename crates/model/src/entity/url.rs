//! A link in a post.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValueError;
use crate::error::string_value;

/// An `http` or `https` link with a host, as written in a post.
///
/// A link written without a scheme (`www.example.com/x`, `example.com`) is read as `https`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Url {
    text: String,
    parsed: url::Url,
}

impl Url {
    /// The longest link accepted, in bytes.
    pub const MAX_BYTES: usize = 4096;

    /// Parses a link; surrounding space is trimmed.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        const FIELD: &str = "url";
        let text = s.trim();
        if text.is_empty() {
            return Err(ValueError::Empty { field: FIELD });
        }
        if text.len() > Self::MAX_BYTES {
            return Err(ValueError::TooLong {
                field: FIELD,
                len: text.chars().count(),
                max: Self::MAX_BYTES,
            });
        }
        if let Some((at, found)) = text.char_indices().find(|(_, c)| c.is_whitespace()) {
            return Err(ValueError::InvalidChar {
                field: FIELD,
                found,
                at,
            });
        }
        let has_scheme = text.contains("://");
        let parsed = if has_scheme {
            url::Url::parse(text)
        } else {
            url::Url::parse(&format!("https://{text}"))
        }
        .map_err(|e| ValueError::invalid(FIELD, format!("is not a valid link: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ValueError::invalid(FIELD, "must use http or https"));
        }
        match parsed.host_str() {
            Some(host) if host.contains('.') || host == "localhost" => {}
            _ => return Err(ValueError::invalid(FIELD, "must name a host with a domain")),
        }
        Ok(Self {
            text: text.to_owned(),
            parsed,
        })
    }

    /// The link as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The host, lowercase (`example.com`).
    pub fn host(&self) -> &str {
        self.parsed.host_str().unwrap_or_default()
    }

    /// The first value of a query parameter, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.parsed
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// Whether the host is `domain` or a subdomain of it, in any ASCII case; a leading or
    /// trailing dot of `domain` is ignored.
    pub fn is_on_domain(&self, domain: &str) -> bool {
        let host = self.host().as_bytes();
        let domain = domain.trim_matches('.').as_bytes();
        if domain.is_empty() || host.len() < domain.len() {
            return false;
        }
        let (head, tail) = host.split_at(host.len() - domain.len());
        tail.eq_ignore_ascii_case(domain) && (head.is_empty() || head.ends_with(b"."))
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

string_value!(Url);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_parse_with_or_without_scheme() {
        let url = Url::parse("https://shop.example.com/p?utm_source=x&q=caf%C3%A9").unwrap();
        assert_eq!(url.host(), "shop.example.com");
        assert_eq!(url.query_param("utm_source").as_deref(), Some("x"));
        assert_eq!(url.query_param("q").as_deref(), Some("café"));
        assert!(url.is_on_domain("example.com"));
        assert!(!url.is_on_domain("ample.com"));
        assert!(url.is_on_domain("Example.COM"));
        assert!(url.is_on_domain("SHOP.example.com."));
        assert!(!url.is_on_domain(""));
        assert_eq!(
            Url::parse("www.example.com").unwrap().host(),
            "www.example.com"
        );
    }

    #[test]
    fn bad_links_name_the_field() {
        assert!(Url::parse("ftp://example.com").is_err());
        assert!(Url::parse("https://nodot").is_err());
        let err = Url::parse("https://a.com/x y").unwrap_err();
        assert_eq!(err.field(), "url");
    }
}
