//! The shared post model of Tagar: what a post is, who wrote it, which network it lives on,
//! the identifiers every service uses, and each network's text rules. Pure types and
//! rules, no I/O.
//!
//! - [`extract`] finds hashtags, mentions, links and cashtags with their byte [`Span`]s;
//! - [`canonical_hashtag`] gives the one form of a tag for matching and counting;
//! - [`weigh`] measures a text against a network's [`NetworkRules`] (the table is [`RULES`]);
//! - [`checks::check`] runs a brand's voice policy over a draft;
//! - [`media_rules`] says what media each network takes;
//! - [`bounds`] holds the bound of every field Tagar takes in.

pub mod bounds;
mod brand;
pub mod canonical;
mod chars;
pub mod checks;
mod entity;
mod error;
mod extract;
mod ids;
mod length;
mod media_rules;
mod names;
mod network;
mod post;
mod rules;
mod span;

pub use brand::{Brand, SocialAccount, Tenant};
pub use canonical::{CanonicalHashtag, canonical_hashtag, canonicalize_into};
pub use entity::{Cashtag, Entity, EntityKind, Extraction, Handle, Hashtag, Mention, Url};
pub use error::ValueError;
pub use extract::{extract, hashtags, is_entity};
pub use ids::{AccountId, BrandId, IdError, NativePostId, TenantId};
pub use length::{
    LengthCheck, Verdict, XWeighting, extract_and_weigh, weigh, weigh_extracted, weigh_x,
};
pub use media_rules::{MediaProblem, MediaRules, media_rules};
pub use names::{BrandName, TenantName, TimeZone};
pub use network::{Network, UnknownNetwork};
pub use post::{Author, Media, MediaKind, Post, PostMetrics, PostRef};
pub use rules::{Counting, NetworkRules, RULES, rules};
pub use span::Span;
