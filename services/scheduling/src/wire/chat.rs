//! The chat session's events on the wire, and back.

use tagar_model::AccountId;
use tagar_proto::convert::{network_from_wire, network_to_wire, time_from_wire, time_to_wire};
use tagar_proto::v1::{self, Envelope, envelope::Event};

use crate::domain::chat::{ChatContent, ChatEvent, ChatItem, ChatSetup, ChatWhen};

fn items_to_wire(items: &[ChatItem]) -> Vec<v1::ChatItem> {
    items
        .iter()
        .map(|i| v1::ChatItem {
            offset_minutes: i.offset_minutes,
            text: i.text.clone(),
        })
        .collect()
}

fn items_from_wire(items: &[v1::ChatItem]) -> Vec<ChatItem> {
    items
        .iter()
        .map(|i| ChatItem {
            offset_minutes: i.offset_minutes,
            text: i.text.clone(),
        })
        .collect()
}

fn when_to_wire(when: &ChatWhen) -> v1::ChatSessionRescheduled {
    v1::ChatSessionRescheduled {
        starts_at: Some(time_to_wire(when.starts_at)),
        local_start: when.local_start.clone(),
        time_zone: when.time_zone.clone(),
        minutes: when.minutes,
    }
}

fn when_from_wire(
    starts_at: Option<&prost_types::Timestamp>,
    local_start: &str,
    time_zone: &str,
    minutes: u32,
) -> Result<ChatWhen, String> {
    let starts_at = starts_at.ok_or_else(|| corrupt("starts_at is missing"))?;
    Ok(ChatWhen {
        starts_at: time_from_wire(starts_at, "starts_at").map_err(corrupt)?,
        local_start: local_start.to_owned(),
        time_zone: time_zone.to_owned(),
        minutes,
    })
}

/// The wire event of a chat event.
pub fn chat_event(event: &ChatEvent) -> Event {
    match event {
        ChatEvent::Scheduled {
            setup,
            when,
            content,
            ..
        } => Event::ChatSessionScheduled(v1::ChatSessionScheduled {
            account_id: setup.account.to_string(),
            network: network_to_wire(setup.network) as i32,
            hashtag: setup.hashtag.clone(),
            starts_at: Some(time_to_wire(when.starts_at)),
            local_start: when.local_start.clone(),
            time_zone: when.time_zone.clone(),
            minutes: when.minutes,
            hosts: content.hosts.clone(),
            panelists: content.panelists.clone(),
            rules: content.rules.clone(),
            questions: items_to_wire(&content.questions),
            heads_ups: items_to_wire(&content.heads_ups),
            host_handle: setup.host_handle.clone(),
            created_by: setup.created_by.clone(),
        }),
        ChatEvent::Rescheduled(when) => Event::ChatSessionRescheduled(when_to_wire(when)),
        ChatEvent::Edited(content) => Event::ChatSessionEdited(v1::ChatSessionEdited {
            hosts: content.hosts.clone(),
            panelists: content.panelists.clone(),
            rules: content.rules.clone(),
            questions: items_to_wire(&content.questions),
            heads_ups: items_to_wire(&content.heads_ups),
        }),
        ChatEvent::Cancelled { reason, at } => {
            Event::ChatSessionCancelled(v1::ChatSessionCancelled {
                reason: reason.clone(),
                cancelled_at: Some(time_to_wire(*at)),
            })
        }
    }
}

/// The chat event an envelope carries.
pub fn chat_event_from(envelope: &Envelope) -> Result<ChatEvent, String> {
    Ok(match &envelope.event {
        Some(Event::ChatSessionScheduled(s)) => ChatEvent::Scheduled {
            brand: tagar_model::BrandId::parse(&envelope.brand_id).map_err(corrupt)?,
            setup: ChatSetup {
                account: s
                    .account_id
                    .parse::<AccountId>()
                    .map_err(|e| corrupt(format!("account_id: {e}")))?,
                network: network_from_wire(s.network, "network").map_err(corrupt)?,
                host_handle: s.host_handle.clone(),
                hashtag: s.hashtag.clone(),
                created_by: s.created_by.clone(),
            },
            when: when_from_wire(
                s.starts_at.as_ref(),
                &s.local_start,
                &s.time_zone,
                s.minutes,
            )?,
            content: ChatContent {
                hosts: s.hosts.clone(),
                panelists: s.panelists.clone(),
                rules: s.rules.clone(),
                questions: items_from_wire(&s.questions),
                heads_ups: items_from_wire(&s.heads_ups),
            },
        },
        Some(Event::ChatSessionRescheduled(r)) => ChatEvent::Rescheduled(when_from_wire(
            r.starts_at.as_ref(),
            &r.local_start,
            &r.time_zone,
            r.minutes,
        )?),
        Some(Event::ChatSessionEdited(e)) => ChatEvent::Edited(ChatContent {
            hosts: e.hosts.clone(),
            panelists: e.panelists.clone(),
            rules: e.rules.clone(),
            questions: items_from_wire(&e.questions),
            heads_ups: items_from_wire(&e.heads_ups),
        }),
        Some(Event::ChatSessionCancelled(c)) => ChatEvent::Cancelled {
            reason: c.reason.clone(),
            at: c
                .cancelled_at
                .as_ref()
                .ok_or_else(|| corrupt("cancelled_at is missing"))
                .and_then(|t| time_from_wire(t, "cancelled_at").map_err(corrupt))?,
        },
        other => {
            return Err(format!(
                "not a chat session event: {:?}",
                other.as_ref().map(tagar_proto::envelope::event_type)
            ));
        }
    })
}

fn corrupt(why: impl std::fmt::Display) -> String {
    format!("chat session event: {why}")
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Utc};
    use tagar_model::{BrandId, Network, TenantId};
    use tagar_proto::envelope::EnvelopeBuilder;

    use super::*;

    #[test]
    fn every_chat_event_round_trips_through_an_envelope() {
        let brand = BrandId::new();
        let at = Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap();
        let when = ChatWhen {
            starts_at: at,
            local_start: "2026-10-25T02:30".into(),
            time_zone: "Europe/Paris".into(),
            minutes: 30,
        };
        let content = ChatContent {
            hosts: vec!["ana".into()],
            panelists: vec!["budi".into(), "chandra".into()],
            rules: "Answer with A1, A2…".into(),
            questions: vec![ChatItem {
                offset_minutes: 5,
                text: "What do you drink?".into(),
            }],
            heads_ups: vec![ChatItem {
                offset_minutes: 60,
                text: String::new(),
            }],
        };
        let events = [
            ChatEvent::Scheduled {
                brand,
                setup: ChatSetup {
                    account: AccountId::new(),
                    network: Network::Bluesky,
                    host_handle: "kopi.bsky.social".into(),
                    hashtag: "KopiChat".into(),
                    created_by: "ana".into(),
                },
                when: when.clone(),
                content: content.clone(),
            },
            ChatEvent::Rescheduled(when),
            ChatEvent::Edited(content),
            ChatEvent::Cancelled {
                reason: "storm".into(),
                at,
            },
        ];
        for event in events {
            let envelope = EnvelopeBuilder::new(TenantId::new(), chat_event(&event))
                .brand(brand)
                .build();
            assert_eq!(chat_event_from(&envelope).unwrap(), event);
        }
    }
}
