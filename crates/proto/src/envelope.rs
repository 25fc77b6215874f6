//! Building and reading event envelopes.

use chrono::{DateTime, Utc};
use prost::Message;
use tagar_model::{BrandId, TenantId};
use uuid::Uuid;

use crate::convert::{time_from_wire, time_to_wire};
use crate::v1::{Envelope, envelope::Event};

/// An envelope that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// The bytes are not a protobuf `Envelope`.
    #[error("not a tagar.v1.Envelope: {0}")]
    Decode(#[from] prost::DecodeError),
    /// A field holds a value that is not allowed.
    #[error("envelope.{field}: {reason}")]
    Invalid {
        /// The envelope field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// The stable type name of an event, as carried in the envelope and the Kafka header.
pub fn event_type(event: &Event) -> &'static str {
    match event {
        Event::PostIngested(_) => "tagar.ingest.PostIngested",
        Event::ListeningRuleAdded(_) => "tagar.ingest.ListeningRuleAdded",
        Event::ListeningRuleRemoved(_) => "tagar.ingest.ListeningRuleRemoved",
        Event::PostClassified(_) => "tagar.moderation.PostClassified",
        Event::ReviewCaseOpened(_) => "tagar.moderation.ReviewCaseOpened",
        Event::ReviewCaseAssigned(_) => "tagar.moderation.ReviewCaseAssigned",
        Event::ReviewCaseDecided(_) => "tagar.moderation.ReviewCaseDecided",
        Event::ModerationPolicySet(_) => "tagar.moderation.ModerationPolicySet",
        Event::InboxItemOpened(_) => "tagar.moderation.InboxItemOpened",
        Event::InboxItemAssigned(_) => "tagar.moderation.InboxItemAssigned",
        Event::InboxItemClosed(_) => "tagar.moderation.InboxItemClosed",
        Event::InboxItemReplyRequested(_) => "tagar.moderation.InboxItemReplyRequested",
        Event::InboxItemAnswered(_) => "tagar.moderation.InboxItemAnswered",
        Event::InboxItemReplyFailed(_) => "tagar.moderation.InboxItemReplyFailed",
        Event::InboxAuthorActioned(_) => "tagar.moderation.InboxAuthorActioned",
        Event::BrandCreated(_) => "tagar.scheduling.BrandCreated",
        Event::SocialAccountConnected(_) => "tagar.scheduling.SocialAccountConnected",
        Event::PostDrafted(_) => "tagar.scheduling.PostDrafted",
        Event::PostApproved(_) => "tagar.scheduling.PostApproved",
        Event::PostRejected(_) => "tagar.scheduling.PostRejected",
        Event::PostScheduled(_) => "tagar.scheduling.PostScheduled",
        Event::PostPublished(_) => "tagar.scheduling.PostPublished",
        Event::PublishFailed(_) => "tagar.scheduling.PublishFailed",
        Event::PublishStarted(_) => "tagar.scheduling.PublishStarted",
        Event::SocialAccountNeedsReconnect(_) => "tagar.scheduling.SocialAccountNeedsReconnect",
        Event::SocialAccountReconnected(_) => "tagar.scheduling.SocialAccountReconnected",
        Event::PublishedPostCounted(_) => "tagar.scheduling.PublishedPostCounted",
        Event::PostCountingStopped(_) => "tagar.scheduling.PostCountingStopped",
        Event::PostCancelled(_) => "tagar.scheduling.PostCancelled",
        Event::ChatSessionScheduled(_) => "tagar.scheduling.ChatSessionScheduled",
        Event::ChatSessionRescheduled(_) => "tagar.scheduling.ChatSessionRescheduled",
        Event::ChatSessionEdited(_) => "tagar.scheduling.ChatSessionEdited",
        Event::ChatSessionCancelled(_) => "tagar.scheduling.ChatSessionCancelled",
        Event::BrandQueuePaused(_) => "tagar.scheduling.BrandQueuePaused",
        Event::BrandQueueResumed(_) => "tagar.scheduling.BrandQueueResumed",
        Event::CrisisStatementPlanned(_) => "tagar.scheduling.CrisisStatementPlanned",
        Event::ReplyPlanned(_) => "tagar.scheduling.ReplyPlanned",
        Event::NetworkPostDelivered(_) => "tagar.network.NetworkPostDelivered",
        Event::CrisisDetected(_) => "tagar.analytics.CrisisDetected",
    }
}

/// Builds an envelope: a fresh UUIDv7 event id and the time now, unless told otherwise.
#[derive(Debug, Clone)]
pub struct EnvelopeBuilder {
    envelope: Envelope,
}

impl EnvelopeBuilder {
    /// An envelope for `event` in `tenant`, schema version 1, occurring now.
    pub fn new(tenant: TenantId, event: Event) -> Self {
        let event_id = Uuid::now_v7().to_string();
        let envelope = Envelope {
            correlation_id: event_id.clone(),
            event_id,
            event_type: event_type(&event).to_owned(),
            schema_version: 1,
            tenant_id: tenant.to_string(),
            occurred_at: Some(time_to_wire(Utc::now())),
            event: Some(event),
            ..Envelope::default()
        };
        Self { envelope }
    }

    /// The brand the event concerns.
    pub fn brand(mut self, brand: BrandId) -> Self {
        self.envelope.brand_id = brand.to_string();
        self
    }

    /// The aggregate and its version after this event.
    pub fn aggregate(mut self, id: Uuid, version: u64) -> Self {
        self.envelope.aggregate_id = id.to_string();
        self.envelope.aggregate_version = version;
        self
    }

    /// When it happened, if not now.
    pub fn occurred_at(mut self, at: DateTime<Utc>) -> Self {
        self.envelope.occurred_at = Some(time_to_wire(at));
        self
    }

    /// The event or command that caused it, and the correlation id it carries on.
    pub fn caused_by(
        mut self,
        causation_id: impl Into<String>,
        correlation_id: impl Into<String>,
    ) -> Self {
        self.envelope.causation_id = causation_id.into();
        self.envelope.correlation_id = correlation_id.into();
        self
    }

    /// The finished envelope.
    pub fn build(self) -> Envelope {
        self.envelope
    }
}

/// The checked identity of a decoded envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeMeta {
    /// The event id.
    pub event_id: Uuid,
    /// The tenant.
    pub tenant: TenantId,
    /// The brand, when there is one.
    pub brand: Option<BrandId>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// Decodes an envelope and checks the fields every consumer relies on.
pub fn decode(bytes: &[u8]) -> Result<(EnvelopeMeta, Envelope), EnvelopeError> {
    let envelope = Envelope::decode(bytes)?;
    let meta = check(&envelope)?;
    Ok((meta, envelope))
}

/// Checks the fields every consumer relies on.
pub fn check(envelope: &Envelope) -> Result<EnvelopeMeta, EnvelopeError> {
    let invalid = |field, reason: &str| EnvelopeError::Invalid {
        field,
        reason: reason.to_owned(),
    };
    let event_id =
        Uuid::parse_str(&envelope.event_id).map_err(|_| invalid("event_id", "is not a UUID"))?;
    let tenant =
        TenantId::parse(&envelope.tenant_id).map_err(|_| invalid("tenant_id", "is not a UUID"))?;
    let brand = match envelope.brand_id.as_str() {
        "" => None,
        b => Some(BrandId::parse(b).map_err(|_| invalid("brand_id", "is not a UUID"))?),
    };
    let occurred_at = envelope
        .occurred_at
        .as_ref()
        .ok_or_else(|| invalid("occurred_at", "is required"))
        .and_then(|t| {
            time_from_wire(t, "occurred_at").map_err(|e| invalid("occurred_at", &e.reason))
        })?;
    if envelope.event.is_none() {
        return Err(invalid(
            "event",
            "is required (or of a type this build does not know)",
        ));
    }
    Ok(EnvelopeMeta {
        event_id,
        tenant,
        brand,
        occurred_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::PostApproved;

    #[test]
    fn a_built_envelope_decodes_with_its_identity() {
        let tenant = TenantId::new();
        let brand = BrandId::new();
        let env = EnvelopeBuilder::new(
            tenant,
            Event::PostApproved(PostApproved {
                approver: "ana".into(),
            }),
        )
        .brand(brand)
        .aggregate(Uuid::now_v7(), 2)
        .build();
        assert_eq!(env.event_type, "tagar.scheduling.PostApproved");
        let (meta, back) = decode(&env.encode_to_vec()).unwrap();
        assert_eq!(meta.tenant, tenant);
        assert_eq!(meta.brand, Some(brand));
        assert_eq!(back, env);
    }

    #[test]
    fn garbage_and_missing_fields_are_named() {
        assert!(matches!(
            decode(b"\xff\xff\xff"),
            Err(EnvelopeError::Decode(_))
        ));
        let mut env = EnvelopeBuilder::new(
            TenantId::new(),
            Event::PostApproved(PostApproved::default()),
        )
        .build();
        env.tenant_id = "acme".into();
        let err = decode(&env.encode_to_vec()).unwrap_err();
        assert_eq!(err.to_string(), "envelope.tenant_id: is not a UUID");
    }
}
