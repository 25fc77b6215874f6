//! The hashtag-chat session aggregate: a brand hosts or joins a live chat on one network,
//! from a start in its time zone for a length, with hosts, panelists, rules, questions
//! (`Q1`…`Qn` at minutes after the start) and heads-ups (minutes before it). The questions
//! and heads-ups are the brand's scheduled posts ([`ChatSession::planned`]); while the chat
//! is live every post from the brand's accounts on its network carries the tag
//! ([`tagged`]).
//!
//! Scheduled, live and ended are read off the clock ([`ChatSession::status`]); only a
//! cancellation is an event. `handle` decides, `apply` only records.

mod rules;
mod types;

pub use rules::{MAX_HEADS_UP_MINUTES, MAX_MINUTES, MIN_MINUTES, tagged};
pub use types::{
    ChatCommand, ChatContent, ChatEvent, ChatItem, ChatSession, ChatSetup, ChatStage, ChatStatus,
    ChatWhen, Planned, PlannedKind,
};

use chrono::{DateTime, Duration, Utc};
use tagar_kernel::{Aggregate, Refusal};
use tagar_model::BrandId;
use tagar_proto::v1::{Envelope, envelope::Event};
use uuid::Uuid;

use crate::wire;

impl Aggregate for ChatSession {
    const KIND: &'static str = "chat_session";
    type Command = ChatCommand;
    type Event = ChatEvent;
    type Error = Refusal;

    fn handle(&self, command: ChatCommand) -> Result<Vec<ChatEvent>, Refusal> {
        handle(self, command)
    }

    fn apply(self, event: &ChatEvent) -> Self {
        apply(self, event)
    }

    fn brand(&self) -> Option<BrandId> {
        self.brand
    }

    fn to_wire(event: &ChatEvent) -> Event {
        wire::chat_event(event)
    }

    fn from_wire(envelope: &Envelope) -> Result<ChatEvent, String> {
        wire::chat_event_from(envelope)
    }
}

impl ChatSession {
    /// Scheduled, live, ended or cancelled at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> ChatStatus {
        match (&self.stage, &self.when) {
            (ChatStage::Cancelled, _) => ChatStatus::Cancelled,
            (_, Some(when)) if now < when.starts_at => ChatStatus::Scheduled,
            (_, Some(when)) if now < when.ends_at() => ChatStatus::Live,
            _ => ChatStatus::Ended,
        }
    }

    /// Its questions and heads-ups as posts, questions first. Their ids derive from
    /// `chat_id`, the item's kind, number, offset and text: an edit that leaves an item as it
    /// was keeps its post, one that changes it makes a new one.
    pub fn planned(&self, chat_id: Uuid) -> Vec<Planned> {
        let (Some(setup), Some(when)) = (&self.setup, &self.when) else {
            return Vec::new();
        };
        let questions = self.content.questions.iter().enumerate().map(|(i, q)| {
            let number = i as u32 + 1;
            (
                PlannedKind::Question,
                number,
                q,
                rules::question_text(setup, number, &q.text),
            )
        });
        let heads_ups = self.content.heads_ups.iter().enumerate().map(|(i, h)| {
            let number = i as u32 + 1;
            (
                PlannedKind::HeadsUp,
                number,
                h,
                rules::heads_up_text(setup, when, h),
            )
        });
        questions
            .chain(heads_ups)
            .map(|(kind, number, item, text)| {
                let offset = Duration::minutes(i64::from(item.offset_minutes));
                let publish_at = match kind {
                    PlannedKind::Question => when.starts_at + offset,
                    PlannedKind::HeadsUp => when.starts_at - offset,
                };
                let name = format!("{kind:?}/{number}/{}/{text}", item.offset_minutes);
                Planned {
                    kind,
                    number,
                    offset_minutes: item.offset_minutes,
                    post_id: Uuid::new_v5(&chat_id, name.as_bytes()),
                    text,
                    publish_at,
                }
            })
            .collect()
    }
}

impl ChatSession {
    /// The heads-ups whose time has come already: they are out, and stay as they are.
    fn sent(&self, now: DateTime<Utc>) -> Vec<ChatItem> {
        let Some(when) = &self.when else {
            return Vec::new();
        };
        self.content
            .heads_ups
            .iter()
            .filter(|h| when.starts_at - Duration::minutes(i64::from(h.offset_minutes)) <= now)
            .cloned()
            .collect()
    }
}

fn refuse<T>(state: &ChatSession, now: DateTime<Utc>, what: &str) -> Result<T, Refusal> {
    let why = match state.status(now) {
        _ if state.stage == ChatStage::New => "the chat does not exist".to_owned(),
        status => format!("the chat is {}", status.as_str()),
    };
    Err(Refusal::Precondition(format!("cannot {what}: {why}")))
}

fn handle(state: &ChatSession, command: ChatCommand) -> Result<Vec<ChatEvent>, Refusal> {
    match command {
        ChatCommand::Create {
            brand,
            setup,
            local_start,
            time_zone,
            minutes,
            content,
            now,
        } => {
            if state.stage != ChatStage::New {
                return Err(Refusal::Duplicate("the chat exists already".to_owned()));
            }
            let setup = rules::setup(setup)?;
            let when = rules::when(&local_start, &time_zone, minutes, now)?;
            let content = rules::content(&setup, &when, content, now, &[])?;
            Ok(vec![ChatEvent::Scheduled {
                brand,
                setup,
                when,
                content,
            }])
        }
        ChatCommand::Reschedule {
            local_start,
            time_zone,
            minutes,
            now,
        } => {
            if state.status(now) != ChatStatus::Scheduled || state.stage == ChatStage::New {
                return refuse(state, now, "reschedule it (only a chat not yet live moves)");
            }
            let (Some(setup), Some(old)) = (&state.setup, &state.when) else {
                return refuse(state, now, "reschedule it");
            };
            let minutes = minutes.unwrap_or(old.minutes);
            let when = rules::when(&local_start, &time_zone, minutes, now)?;
            // The questions must fit the new length, the heads-ups still lie ahead.
            rules::content(setup, &when, state.content.clone(), now, &state.sent(now))?;
            if &when == old {
                return Ok(vec![]);
            }
            Ok(vec![ChatEvent::Rescheduled(when)])
        }
        ChatCommand::Edit { content, now } => {
            let status = state.status(now);
            if state.stage == ChatStage::New
                || matches!(status, ChatStatus::Ended | ChatStatus::Cancelled)
            {
                return refuse(state, now, "edit it");
            }
            let (Some(setup), Some(when)) = (&state.setup, &state.when) else {
                return refuse(state, now, "edit it");
            };
            if status == ChatStatus::Live {
                let planned_changed = content.questions != state.content.questions
                    || content.heads_ups != state.content.heads_ups;
                if planned_changed {
                    return Err(Refusal::Precondition(
                        "cannot change the questions or heads-ups: the chat is live (hosts, panelists and rules can change)".into(),
                    ));
                }
                let content = rules::people(content)?;
                return Ok(edited(state, content));
            }
            let content = rules::content(setup, when, content, now, &state.sent(now))?;
            Ok(edited(state, content))
        }
        ChatCommand::Cancel { reason, now } => {
            let status = state.status(now);
            if state.stage == ChatStage::New
                || matches!(status, ChatStatus::Ended | ChatStatus::Cancelled)
            {
                return refuse(state, now, "cancel it");
            }
            let reason = reason.trim().to_owned();
            tagar_model::bounds::chars(&reason, tagar_model::bounds::NOTE_CHARS)
                .map_err(|why| Refusal::invalid("reason", why))?;
            Ok(vec![ChatEvent::Cancelled { reason, at: now }])
        }
    }
}

fn edited(state: &ChatSession, content: ChatContent) -> Vec<ChatEvent> {
    if content == state.content {
        return vec![];
    }
    vec![ChatEvent::Edited(content)]
}

fn apply(mut state: ChatSession, event: &ChatEvent) -> ChatSession {
    match event {
        ChatEvent::Scheduled {
            brand,
            setup,
            when,
            content,
        } => {
            state.stage = ChatStage::Planned;
            state.brand = Some(*brand);
            state.setup = Some(setup.clone());
            state.when = Some(when.clone());
            state.content = content.clone();
        }
        ChatEvent::Rescheduled(when) => state.when = Some(when.clone()),
        ChatEvent::Edited(content) => state.content = content.clone(),
        ChatEvent::Cancelled { reason, at } => {
            state.stage = ChatStage::Cancelled;
            state.cancelled = Some((reason.clone(), *at));
        }
    }
    state
}

#[cfg(test)]
mod tests;
