//! Links that lack the brand's campaign-tracking (UTM) parameters.

use serde::{Deserialize, Serialize};

use crate::{Entity, Url};

/// Which links must carry which UTM parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UtmPolicy {
    /// The query parameters every checked link must carry.
    pub required: Vec<String>,
    /// The domains whose links are checked (subdomains included); empty checks every link.
    pub domains: Vec<String>,
}

impl Default for UtmPolicy {
    /// `utm_source`, `utm_medium` and `utm_campaign` on every link.
    fn default() -> Self {
        Self {
            required: ["utm_source", "utm_medium", "utm_campaign"]
                .map(String::from)
                .to_vec(),
            domains: Vec::new(),
        }
    }
}

impl UtmPolicy {
    /// The required parameters `link` lacks; empty when it passes or is not checked.
    ///
    /// A parameter present with an empty value (`utm_source=`) is missing. A link that does
    /// not parse as a URL cannot be shown to carry anything: it lacks every parameter, on
    /// any domain.
    pub(super) fn missing(&self, link: &Entity<'_>) -> Vec<String> {
        let url = Url::parse(link.value).ok();
        let checked = self.domains.is_empty()
            || url
                .as_ref()
                .is_none_or(|url| self.domains.iter().any(|d| url.is_on_domain(d)));
        if !checked {
            return Vec::new();
        }
        self.required
            .iter()
            .filter(|p| {
                url.as_ref()
                    .and_then(|url| url.query_param(p))
                    .is_none_or(|v| v.trim().is_empty())
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EntityKind, Span};

    fn link(value: &str) -> Entity<'_> {
        Entity {
            kind: EntityKind::Url,
            span: Span::new(0, value.len()),
            value,
        }
    }

    fn policy(domains: &[&str]) -> UtmPolicy {
        UtmPolicy {
            required: vec!["utm_source".into()],
            domains: domains.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    #[test]
    fn an_empty_value_is_missing() {
        assert_eq!(
            policy(&[]).missing(&link("https://kopi.example/?utm_source=")),
            ["utm_source"]
        );
        assert!(
            policy(&[])
                .missing(&link("https://kopi.example/?utm_source=x"))
                .is_empty()
        );
    }

    #[test]
    fn a_link_that_does_not_parse_lacks_everything() {
        let long = format!("https://kopi.example/{}", "a".repeat(Url::MAX_BYTES));
        assert_eq!(policy(&[]).missing(&link(&long)), ["utm_source"]);
        assert_eq!(
            policy(&["kopi.example"]).missing(&link(&long)),
            ["utm_source"]
        );
    }

    #[test]
    fn domains_match_in_any_case() {
        let p = policy(&["Kopi.Example"]);
        assert_eq!(
            p.missing(&link("https://SHOP.kopi.example/")),
            ["utm_source"]
        );
        assert!(p.missing(&link("https://news.example/")).is_empty());
    }
}
