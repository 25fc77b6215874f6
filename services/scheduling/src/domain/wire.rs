//! The post aggregate's events on the wire (`tagar.v1` messages inside an `Envelope`), and
//! back: the event store keeps envelopes, the aggregate is rebuilt from them.

use tagar_model::{AccountId, BrandId};
use tagar_proto::convert::{
    media_from_wire, media_to_wire, network_from_wire, network_to_wire, time_from_wire,
    time_to_wire,
};
use tagar_proto::v1::{self, Envelope, envelope::Event};

use super::post::{PostEvent, Slot};

/// A stored envelope that is not a valid post event: the stream is corrupt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored post event: {0}")]
pub struct CorruptEvent(pub String);

/// The wire event of a post event.
pub fn to_wire(event: &PostEvent) -> Event {
    match event {
        PostEvent::Drafted {
            account,
            text,
            media,
            author,
            ..
        } => Event::PostDrafted(v1::PostDrafted {
            account_id: account.to_string(),
            text: text.clone(),
            media: media.iter().map(media_to_wire).collect(),
            author: author.clone(),
        }),
        PostEvent::Approved { approver } => Event::PostApproved(v1::PostApproved {
            approver: approver.clone(),
        }),
        PostEvent::Rejected { approver, reason } => Event::PostRejected(v1::PostRejected {
            approver: approver.clone(),
            reason: reason.clone(),
        }),
        PostEvent::Scheduled(slot) => Event::PostScheduled(v1::PostScheduled {
            publish_at: Some(time_to_wire(slot.publish_at)),
            local_time: slot.local_time.clone(),
            time_zone: slot.time_zone.clone(),
        }),
        PostEvent::Published {
            network,
            native_id,
            published_at,
        } => Event::PostPublished(v1::PostPublished {
            network: network_to_wire(*network) as i32,
            native_id: native_id.clone(),
            published_at: Some(time_to_wire(*published_at)),
        }),
        PostEvent::PublishFailed { reason, retryable } => Event::PublishFailed(v1::PublishFailed {
            reason: reason.clone(),
            retryable: *retryable,
        }),
    }
}

fn corrupt(e: impl std::fmt::Display) -> CorruptEvent {
    CorruptEvent(e.to_string())
}

/// The post event an envelope of the post's stream carries (the brand comes from the
/// envelope).
pub fn from_envelope(envelope: &Envelope) -> Result<PostEvent, CorruptEvent> {
    let event = match envelope.event.as_ref() {
        Some(Event::PostDrafted(d)) => PostEvent::Drafted {
            brand: BrandId::parse(&envelope.brand_id).map_err(corrupt)?,
            account: AccountId::parse(&d.account_id).map_err(corrupt)?,
            text: d.text.clone(),
            media: media_from_wire(d.media.clone()).map_err(corrupt)?,
            author: d.author.clone(),
        },
        Some(Event::PostApproved(a)) => PostEvent::Approved {
            approver: a.approver.clone(),
        },
        Some(Event::PostRejected(r)) => PostEvent::Rejected {
            approver: r.approver.clone(),
            reason: r.reason.clone(),
        },
        Some(Event::PostScheduled(s)) => PostEvent::Scheduled(Slot {
            publish_at: s
                .publish_at
                .as_ref()
                .ok_or_else(|| corrupt("PostScheduled.publish_at is missing"))
                .and_then(|t| time_from_wire(t, "publish_at").map_err(corrupt))?,
            local_time: s.local_time.clone(),
            time_zone: s.time_zone.clone(),
        }),
        Some(Event::PostPublished(p)) => PostEvent::Published {
            network: network_from_wire(p.network, "network").map_err(corrupt)?,
            native_id: p.native_id.clone(),
            published_at: p
                .published_at
                .as_ref()
                .ok_or_else(|| corrupt("PostPublished.published_at is missing"))
                .and_then(|t| time_from_wire(t, "published_at").map_err(corrupt))?,
        },
        Some(Event::PublishFailed(f)) => PostEvent::PublishFailed {
            reason: f.reason.clone(),
            retryable: f.retryable,
        },
        other => return Err(CorruptEvent(format!("not a post event: {other:?}"))),
    };
    Ok(event)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Utc};
    use tagar_model::{Media, MediaKind, Network, TenantId};
    use tagar_proto::envelope::EnvelopeBuilder;

    use super::*;

    #[test]
    fn every_post_event_round_trips_through_an_envelope() {
        let brand = BrandId::new();
        let at = Utc.with_ymd_and_hms(2026, 3, 29, 7, 30, 0).unwrap();
        let events = [
            PostEvent::Drafted {
                brand,
                account: AccountId::new(),
                text: "Bonjour #Paris".into(),
                media: vec![Media {
                    kind: MediaKind::Image,
                    url: "https://cdn.example/a.jpg".into(),
                    alt_text: Some("a cup".into()),
                    usage_rights: true,
                }],
                author: "ana".into(),
            },
            PostEvent::Approved {
                approver: "budi".into(),
            },
            PostEvent::Rejected {
                approver: "budi".into(),
                reason: "tone".into(),
            },
            PostEvent::Scheduled(Slot {
                publish_at: at,
                local_time: "2026-03-29T09:30".into(),
                time_zone: "Europe/Paris".into(),
            }),
            PostEvent::Published {
                network: Network::X,
                native_id: "loopback-1".into(),
                published_at: at,
            },
            PostEvent::PublishFailed {
                reason: "down".into(),
                retryable: true,
            },
        ];
        for event in events {
            let envelope = EnvelopeBuilder::new(TenantId::new(), to_wire(&event))
                .brand(brand)
                .build();
            assert_eq!(from_envelope(&envelope).unwrap(), event);
        }
    }
}
