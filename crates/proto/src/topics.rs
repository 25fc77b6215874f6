//! Kafka topic names. Versioned: a breaking change of a topic's contract gets a new name.

/// Every post that came in, normalised and matched; keyed by conversation so a thread stays in
/// order. Written by ingest straight to the log (posts are too many for the event store).
pub const POSTS_INGESTED: &str = "tagar.posts.ingested.v1";
/// Listening-rule changes (ingest's own aggregate), keyed by rule id.
pub const LISTENING_RULES: &str = "tagar.ingest.rules.v1";
/// Moderation's events: classifications, review cases and their decisions; keyed by the
/// aggregate (the case) or, for classifications, by the post.
pub const MODERATION_EVENTS: &str = "tagar.moderation.events.v1";
/// Scheduling's events: brands, accounts, scheduled posts and their publishing; keyed by
/// aggregate id.
pub const SCHEDULING_EVENTS: &str = "tagar.scheduling.events.v1";

/// Analytics' events: crises detected against a brand's baseline; keyed by the crisis.
pub const ANALYTICS_EVENTS: &str = "tagar.analytics.events.v1";

/// The loopback network: every post scheduling publishes there, keyed by conversation, as
/// `NetworkPostDelivered` events; ingest takes them in like any network's posts.
pub const LOOPBACK_NETWORK: &str = "tagar.network.loopback.v1";

/// What the networks said to brands' accounts that Tagar listens to by polling (Mastodon's
/// notifications, X's mentions): `NetworkPostDelivered` events written by scheduling (which
/// holds the accounts' credentials), keyed by conversation, the envelope's brand the
/// account's; ingest takes them in as posts addressed to that brand.
pub const NETWORK_HEARD: &str = "tagar.network.heard.v1";

/// Every topic Tagar's services write, for provisioning at start.
pub const ALL: [&str; 7] = [
    POSTS_INGESTED,
    LISTENING_RULES,
    MODERATION_EVENTS,
    SCHEDULING_EVENTS,
    ANALYTICS_EVENTS,
    LOOPBACK_NETWORK,
    NETWORK_HEARD,
];

/// Kafka header names Tagar sets on every record.
pub mod headers {
    /// The envelope's event type, so consumers can route without decoding.
    pub const EVENT_TYPE: &str = "tagar-event-type";
    /// The tenant the record belongs to.
    pub const TENANT: &str = "tagar-tenant";
    /// W3C trace context.
    pub const TRACEPARENT: &str = "traceparent";
    /// W3C trace state.
    pub const TRACESTATE: &str = "tracestate";
}
