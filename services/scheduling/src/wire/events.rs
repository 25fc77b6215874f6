//! The aggregates' events on the wire (`tagar.v1` messages inside an `Envelope`), and back:
//! the event store keeps envelopes, the aggregates are rebuilt from them. An envelope that
//! does not map back is a corrupt stream (the error says why).

use tagar_model::{AccountId, BrandId, BrandName, Handle, TimeZone};
use tagar_proto::convert::{
    media_from_wire, media_to_wire, metrics_from_wire, metrics_to_wire, network_from_wire,
    network_to_wire, time_from_wire, time_to_wire,
};
use tagar_proto::v1::{self, Envelope, envelope::Event};

use crate::domain::post::{PostEvent, Slot};
use crate::domain::{AccountEvent, BrandEvent, Held, Link, NewAccount, NewBrand, Pause};

/// The wire event of a post event.
pub fn post_event(event: &PostEvent) -> Event {
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
        PostEvent::StatementPlanned { crisis_id } => {
            Event::CrisisStatementPlanned(v1::CrisisStatementPlanned {
                crisis_id: crisis_id.clone(),
            })
        }
        PostEvent::ReplyPlanned {
            reply_to,
            inbox_item_id,
        } => Event::ReplyPlanned(v1::ReplyPlanned {
            reply_to: reply_to.clone(),
            inbox_item_id: inbox_item_id.clone(),
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
        PostEvent::PublishStarted {
            attempt,
            lease_until,
            at,
        } => Event::PublishStarted(v1::PublishStarted {
            attempt: *attempt,
            lease_until: Some(time_to_wire(*lease_until)),
            started_at: Some(time_to_wire(*at)),
        }),
        PostEvent::Counted { metrics, at } => {
            Event::PublishedPostCounted(v1::PublishedPostCounted {
                metrics: Some(metrics_to_wire(metrics)),
                counted_at: Some(time_to_wire(*at)),
            })
        }
        PostEvent::CountingStopped { reason } => {
            Event::PostCountingStopped(v1::PostCountingStopped {
                reason: reason.clone(),
            })
        }
        PostEvent::Cancelled { reason } => Event::PostCancelled(v1::PostCancelled {
            reason: reason.clone(),
        }),
        PostEvent::PublishFailed {
            reason,
            retryable,
            retry_at,
        } => Event::PublishFailed(v1::PublishFailed {
            reason: reason.clone(),
            retryable: *retryable,
            retry_at: retry_at.map(time_to_wire),
        }),
    }
}

fn corrupt(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The post event an envelope of the post's stream carries (the brand comes from the
/// envelope).
pub fn post_event_from(envelope: &Envelope) -> Result<PostEvent, String> {
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
        Some(Event::CrisisStatementPlanned(s)) => PostEvent::StatementPlanned {
            crisis_id: s.crisis_id.clone(),
        },
        Some(Event::ReplyPlanned(r)) => PostEvent::ReplyPlanned {
            reply_to: r.reply_to.clone(),
            inbox_item_id: r.inbox_item_id.clone(),
        },
        Some(Event::PostPublished(p)) => PostEvent::Published {
            network: network_from_wire(p.network, "network").map_err(corrupt)?,
            native_id: p.native_id.clone(),
            published_at: p
                .published_at
                .as_ref()
                .ok_or_else(|| corrupt("PostPublished.published_at is missing"))
                .and_then(|t| time_from_wire(t, "published_at").map_err(corrupt))?,
        },
        Some(Event::PublishStarted(p)) => {
            let lease_until = p
                .lease_until
                .as_ref()
                .ok_or_else(|| corrupt("PublishStarted.lease_until is missing"))
                .and_then(|t| time_from_wire(t, "lease_until").map_err(corrupt))?;
            PostEvent::PublishStarted {
                attempt: p.attempt,
                lease_until,
                // Written before `started_at` existed: leases were at most ten minutes.
                at: match &p.started_at {
                    Some(t) => time_from_wire(t, "started_at").map_err(corrupt)?,
                    None => lease_until - chrono::Duration::minutes(10),
                },
            }
        }
        Some(Event::PublishedPostCounted(c)) => PostEvent::Counted {
            metrics: metrics_from_wire(&c.metrics.unwrap_or_default()),
            at: c
                .counted_at
                .as_ref()
                .ok_or_else(|| corrupt("PublishedPostCounted.counted_at is missing"))
                .and_then(|t| time_from_wire(t, "counted_at").map_err(corrupt))?,
        },
        Some(Event::PostCountingStopped(c)) => PostEvent::CountingStopped {
            reason: c.reason.clone(),
        },
        Some(Event::PostCancelled(c)) => PostEvent::Cancelled {
            reason: c.reason.clone(),
        },
        Some(Event::PublishFailed(f)) => PostEvent::PublishFailed {
            reason: f.reason.clone(),
            retryable: f.retryable,
            retry_at: f
                .retry_at
                .as_ref()
                .map(|t| time_from_wire(t, "retry_at").map_err(corrupt))
                .transpose()?,
        },
        other => {
            return Err(format!(
                "not a post event: {:?}",
                other.map(tagar_proto::envelope::event_type)
            ));
        }
    };
    Ok(event)
}

/// The wire event of a brand event.
pub fn brand_event(event: &BrandEvent) -> Event {
    match event {
        BrandEvent::Created { profile, .. } => Event::BrandCreated(v1::BrandCreated {
            name: profile.name.as_str().to_owned(),
            time_zone: profile.time_zone.as_str().to_owned(),
        }),
        BrandEvent::Paused(pause) => Event::BrandQueuePaused(v1::BrandQueuePaused {
            crisis_id: pause.crisis_id.clone().unwrap_or_default(),
            reason: pause.reason.clone(),
            by: pause.by.clone(),
            paused_at: Some(time_to_wire(pause.at)),
        }),
        BrandEvent::Resumed {
            crisis_id,
            by,
            at,
            held,
            held_posts,
        } => Event::BrandQueueResumed(v1::BrandQueueResumed {
            crisis_id: crisis_id.clone().unwrap_or_default(),
            by: by.clone(),
            resumed_at: Some(time_to_wire(*at)),
            held: match held {
                Held::Publish => v1::HeldPosts::Publish,
                Held::Shift => v1::HeldPosts::Shift,
            } as i32,
            held_posts: *held_posts,
        }),
    }
}

fn crisis_of(id: &str) -> Option<String> {
    (!id.is_empty()).then(|| id.to_owned())
}

fn at_of(
    t: &Option<prost_types::Timestamp>,
    field: &str,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let t = t.as_ref().ok_or_else(|| format!("{field}: is required"))?;
    time_from_wire(t, field).map_err(corrupt)
}

/// The brand event an envelope of a brand's stream carries (its id is the envelope's brand).
pub fn brand_event_from(envelope: &Envelope) -> Result<BrandEvent, String> {
    match envelope.event.as_ref() {
        Some(Event::BrandCreated(created)) => Ok(BrandEvent::Created {
            brand: BrandId::parse(&envelope.brand_id).map_err(corrupt)?,
            profile: NewBrand {
                name: BrandName::parse(&created.name).map_err(corrupt)?,
                time_zone: TimeZone::parse(&created.time_zone).map_err(corrupt)?,
            },
        }),
        Some(Event::BrandQueuePaused(p)) => Ok(BrandEvent::Paused(Pause {
            crisis_id: crisis_of(&p.crisis_id),
            reason: p.reason.clone(),
            by: p.by.clone(),
            at: at_of(&p.paused_at, "paused_at")?,
        })),
        Some(Event::BrandQueueResumed(r)) => Ok(BrandEvent::Resumed {
            crisis_id: crisis_of(&r.crisis_id),
            by: r.by.clone(),
            at: at_of(&r.resumed_at, "resumed_at")?,
            held: match r.held() {
                v1::HeldPosts::Shift => Held::Shift,
                v1::HeldPosts::Publish | v1::HeldPosts::Unspecified => Held::Publish,
            },
            held_posts: r.held_posts,
        }),
        other => Err(format!(
            "not a brand event: {:?}",
            other.map(tagar_proto::envelope::event_type)
        )),
    }
}

/// The wire event of an account event.
pub fn account_event(event: &AccountEvent) -> Event {
    match event {
        AccountEvent::Connected {
            account,
            profile,
            link,
            ..
        } => Event::SocialAccountConnected(v1::SocialAccountConnected {
            account_id: account.to_string(),
            network: network_to_wire(profile.network) as i32,
            handle: profile.handle.as_str().to_owned(),
            native_account_id: match link {
                Link::Loopback => String::new(),
                Link::Network { native_id } => native_id.clone(),
            },
        }),
        AccountEvent::NeedsReconnect { reason } => {
            Event::SocialAccountNeedsReconnect(v1::SocialAccountNeedsReconnect {
                reason: reason.clone(),
            })
        }
        AccountEvent::Reconnected { native_id } => {
            Event::SocialAccountReconnected(v1::SocialAccountReconnected {
                native_account_id: native_id.clone(),
            })
        }
    }
}

/// The account event an envelope of an account's stream carries (the brand comes from the
/// envelope).
pub fn account_event_from(envelope: &Envelope) -> Result<AccountEvent, String> {
    match envelope.event.as_ref() {
        Some(Event::SocialAccountConnected(c)) => Ok(AccountEvent::Connected {
            account: AccountId::parse(&c.account_id).map_err(corrupt)?,
            brand: BrandId::parse(&envelope.brand_id).map_err(corrupt)?,
            profile: NewAccount {
                network: network_from_wire(c.network, "network").map_err(corrupt)?,
                handle: Handle::parse(&c.handle).map_err(corrupt)?,
            },
            link: if c.native_account_id.is_empty() {
                Link::Loopback
            } else {
                Link::Network {
                    native_id: c.native_account_id.clone(),
                }
            },
        }),
        Some(Event::SocialAccountNeedsReconnect(n)) => Ok(AccountEvent::NeedsReconnect {
            reason: n.reason.clone(),
        }),
        Some(Event::SocialAccountReconnected(r)) => Ok(AccountEvent::Reconnected {
            native_id: r.native_account_id.clone(),
        }),
        other => Err(format!(
            "not an account event: {:?}",
            other.map(tagar_proto::envelope::event_type)
        )),
    }
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
            PostEvent::Cancelled {
                reason: "the chat was cancelled".into(),
            },
            PostEvent::StatementPlanned {
                crisis_id: "0190f1e2-0000-7000-8000-000000000001".into(),
            },
            PostEvent::ReplyPlanned {
                reply_to: "1234".into(),
                inbox_item_id: "0190f1e2-0000-7000-8000-000000000002".into(),
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
            PostEvent::PublishStarted {
                attempt: 2,
                lease_until: at,
                at,
            },
            PostEvent::PublishFailed {
                reason: "down".into(),
                retryable: true,
                retry_at: Some(at),
            },
            PostEvent::PublishFailed {
                reason: "refused".into(),
                retryable: false,
                retry_at: None,
            },
        ];
        for event in events {
            let envelope = EnvelopeBuilder::new(TenantId::new(), post_event(&event))
                .brand(brand)
                .build();
            assert_eq!(post_event_from(&envelope).unwrap(), event);
        }
    }

    #[test]
    fn brand_and_account_events_round_trip() {
        let brand = BrandId::new();
        let created = BrandEvent::Created {
            brand,
            profile: NewBrand::parse("Batik Ayu", "Asia/Kolkata").unwrap(),
        };
        let envelope = EnvelopeBuilder::new(TenantId::new(), brand_event(&created))
            .brand(brand)
            .build();
        assert_eq!(brand_event_from(&envelope).unwrap(), created);
        let paused = BrandEvent::Paused(Pause {
            crisis_id: Some("0190f1e2-0000-7000-8000-000000000001".into()),
            reason: "crisis: 40 negative posts in 2 minutes".into(),
            by: "analytics".into(),
            at: Utc.with_ymd_and_hms(2026, 3, 29, 7, 30, 0).unwrap(),
        });
        let resumed = BrandEvent::Resumed {
            crisis_id: None,
            by: "ana".into(),
            at: Utc.with_ymd_and_hms(2026, 3, 29, 8, 0, 0).unwrap(),
            held: Held::Shift,
            held_posts: 3,
        };
        for event in [paused, resumed] {
            let envelope = EnvelopeBuilder::new(TenantId::new(), brand_event(&event))
                .brand(brand)
                .build();
            assert_eq!(brand_event_from(&envelope).unwrap(), event);
        }
        let connected = AccountEvent::Connected {
            account: AccountId::new(),
            brand,
            profile: NewAccount::parse(Network::Mastodon, "batik").unwrap(),
            link: Link::Loopback,
        };
        let envelope = EnvelopeBuilder::new(TenantId::new(), account_event(&connected))
            .brand(brand)
            .build();
        assert_eq!(account_event_from(&envelope).unwrap(), connected);
        for event in [
            AccountEvent::Connected {
                account: AccountId::new(),
                brand,
                profile: NewAccount::parse(Network::Bluesky, "batik.bsky.social").unwrap(),
                link: Link::Network {
                    native_id: "did:plc:batik".into(),
                },
            },
            AccountEvent::NeedsReconnect {
                reason: "revoked".into(),
            },
            AccountEvent::Reconnected {
                native_id: "did:plc:batik".into(),
            },
        ] {
            let envelope = EnvelopeBuilder::new(TenantId::new(), account_event(&event))
                .brand(brand)
                .build();
            assert_eq!(account_event_from(&envelope).unwrap(), event);
        }
        assert!(post_event_from(&envelope).is_err());
    }
}
