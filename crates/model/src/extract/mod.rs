//! Finding hashtags, mentions, links and cashtags in a text, with their spans.
//!
//! On X the rules are twitter-text's (the `twitter-text` crate, wrapped in [`x`] so the
//! rest of Tagar sees only our types). Every other network uses Tagar's own extractor
//! ([`generic`]), shaped by the network's [`NetworkRules`](crate::NetworkRules).
//!
//! Spans are byte ranges into the text given, on char boundaries, sigils included.

mod generic;
mod x;

pub(crate) use x::guard as guard_x;
pub(crate) use x::{entities as x_entities, rules as x_rules};

use crate::{Extraction, Network};

/// Every entity of `text` under `network`'s rules, in order, never overlapping.
///
/// Never panics, whatever the input; every span lies on char boundaries of `text`.
pub fn extract(network: Network, text: &str) -> Extraction<'_> {
    match network {
        Network::X => x::extract(text),
        other => generic::extract(text, other.rules()),
    }
}

/// The hashtag names of `text` (without `#`) under `network`'s rules, in order.
pub fn hashtags(network: Network, text: &str) -> impl Iterator<Item = &str> {
    extract(network, text)
        .into_iter()
        .filter(|e| e.kind == crate::EntityKind::Hashtag)
        .map(|e| e.value)
}

/// Whether all of `s` is exactly one entity of `kind` under `network`'s rules, sigil
/// included: how a hashtag, handle or link typed into a form is checked for a network.
pub fn is_entity(network: Network, s: &str, kind: crate::EntityKind) -> bool {
    let found = extract(network, s);
    matches!(found.all(), [e] if e.kind == kind && e.span == crate::Span::new(0, s.len()))
}
