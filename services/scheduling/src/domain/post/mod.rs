//! The scheduled-post aggregate: a draft for one of a brand's accounts, approved or rejected,
//! scheduled at a time in the brand's zone, then published once (or failed); once published,
//! its counts are read from the network at growing intervals ([`COUNT_AFTER`]).
//!
//! `handle` decides, `apply` only records: all the rules are in `handle`.

mod types;

pub use types::{PostCommand, PostEvent, ScheduledPost, Slot, Stage};

use tagar_kernel::{Aggregate, Refusal};
use tagar_model::checks::{self, BrandVoicePolicy, Draft, ProblemKind};
use tagar_model::{BrandId, Media, Network, bounds};
use tagar_proto::v1::{Envelope, envelope::Event};

use super::local_time;
use crate::wire;

impl Aggregate for ScheduledPost {
    const KIND: &'static str = "scheduled_post";
    type Command = PostCommand;
    type Event = PostEvent;
    type Error = Refusal;

    fn handle(&self, command: PostCommand) -> Result<Vec<PostEvent>, Refusal> {
        handle(self, command)
    }

    fn apply(self, event: &PostEvent) -> Self {
        apply(self, event)
    }

    fn brand(&self) -> Option<BrandId> {
        self.brand
    }

    fn to_wire(event: &PostEvent) -> Event {
        wire::post_event(event)
    }

    fn from_wire(envelope: &Envelope) -> Result<PostEvent, String> {
        wire::post_event_from(envelope)
    }
}

/// When a published post's counts are read, after its publishing: often while people react,
/// then less and less, for a month.
pub const COUNT_AFTER: [chrono::TimeDelta; 8] = [
    chrono::TimeDelta::minutes(5),
    chrono::TimeDelta::minutes(30),
    chrono::TimeDelta::hours(2),
    chrono::TimeDelta::hours(6),
    chrono::TimeDelta::days(1),
    chrono::TimeDelta::days(3),
    chrono::TimeDelta::days(7),
    chrono::TimeDelta::days(30),
];

fn refuse<T>(state: &ScheduledPost, what: &str) -> Result<T, Refusal> {
    let why = match state.stage {
        Stage::New => "the post does not exist".to_owned(),
        Stage::Published => "the post is published, and published posts are final".to_owned(),
        stage => format!("the post is {}", stage.as_str()),
    };
    Err(Refusal::Precondition(format!("cannot {what}: {why}")))
}

/// Decides what a command does to a post: its events, or why it is refused.
fn handle(state: &ScheduledPost, command: PostCommand) -> Result<Vec<PostEvent>, Refusal> {
    match command {
        PostCommand::Draft {
            brand,
            account,
            network,
            text,
            media,
            author,
        } => {
            if state.stage != Stage::New {
                return refuse(state, "draft it again");
            }
            check_draft(network, &text, &media)?;
            Ok(vec![PostEvent::Drafted {
                brand,
                account,
                text,
                media,
                author,
            }])
        }
        PostCommand::Approve { approver } => {
            if state.stage != Stage::Draft {
                return refuse(state, "approve it (only drafts can be approved)");
            }
            Ok(vec![PostEvent::Approved { approver }])
        }
        PostCommand::Reject { approver, reason } => {
            if state.stage != Stage::Draft {
                return refuse(state, "reject it (only drafts can be rejected)");
            }
            if reason.trim().is_empty() {
                return Err(Refusal::invalid("reason", "is required"));
            }
            bounds::chars(&reason, bounds::NOTE_CHARS)
                .map_err(|why| Refusal::invalid("reason", why))?;
            Ok(vec![PostEvent::Rejected { approver, reason }])
        }
        PostCommand::Schedule {
            local_time,
            time_zone,
            now,
        } => {
            if !matches!(state.stage, Stage::Approved | Stage::Scheduled) {
                return refuse(state, "schedule it (only approved posts can be scheduled)");
            }
            let publish_at = local_time::instant(&local_time, time_zone.tz(), now)?;
            Ok(vec![PostEvent::Scheduled(Slot {
                publish_at,
                local_time: local_time.trim().to_owned(),
                time_zone: time_zone.as_str().to_owned(),
            })])
        }
        PostCommand::StartPublish { now, lease_until } => {
            let due = state.due_at.is_some_and(|at| at <= now);
            if !matches!(state.stage, Stage::Scheduled | Stage::Publishing) || !due {
                return refuse(state, "start publishing it (it is not due)");
            }
            if lease_until <= now {
                return Err(Refusal::invalid("lease_until", "must be after now"));
            }
            Ok(vec![PostEvent::PublishStarted {
                attempt: state.attempts + 1,
                lease_until,
                at: now,
            }])
        }
        PostCommand::Publish {
            network,
            native_id,
            published_at,
        } => {
            if !matches!(state.stage, Stage::Scheduled | Stage::Publishing) {
                return refuse(state, "publish it (only scheduled posts are published)");
            }
            Ok(vec![PostEvent::Published {
                network,
                native_id,
                published_at,
            }])
        }
        PostCommand::RecordCounts { metrics, at } => {
            if state.stage != Stage::Published {
                return refuse(state, "record counts (only published posts have them)");
            }
            if state.count_at.is_none() {
                return refuse(state, "record counts (its counting is over)");
            }
            Ok(vec![PostEvent::Counted { metrics, at }])
        }
        PostCommand::StopCounting { reason } => {
            if state.count_at.is_none() {
                return Ok(vec![]);
            }
            Ok(vec![PostEvent::CountingStopped { reason }])
        }
        PostCommand::Plan {
            draft,
            approver,
            publish_at,
            time_zone,
            now,
        } => {
            let mut events = handle(state, *draft)?;
            if publish_at <= now {
                return Err(Refusal::invalid("publish_at", "is in the past"));
            }
            events.push(PostEvent::Approved { approver });
            events.push(PostEvent::Scheduled(slot_at(publish_at, &time_zone)));
            Ok(events)
        }
        PostCommand::Move {
            publish_at,
            time_zone,
            now,
        } => {
            if !matches!(state.stage, Stage::Approved | Stage::Scheduled) {
                return refuse(state, "move it (only approved or scheduled posts move)");
            }
            if publish_at <= now {
                return Err(Refusal::invalid("publish_at", "is in the past"));
            }
            if state
                .slot
                .as_ref()
                .is_some_and(|s| s.publish_at == publish_at)
            {
                return Ok(vec![]);
            }
            Ok(vec![PostEvent::Scheduled(slot_at(publish_at, &time_zone))])
        }
        PostCommand::Statement {
            draft,
            approver,
            crisis_id,
            time_zone,
            now,
        } => {
            let crisis_id = crisis_id.trim().to_owned();
            if uuid::Uuid::parse_str(&crisis_id).is_err() {
                return Err(Refusal::invalid("crisis_id", "is not a crisis id (a UUID)"));
            }
            let mut events = handle(state, *draft)?;
            events.push(PostEvent::Approved { approver });
            events.push(PostEvent::StatementPlanned { crisis_id });
            events.push(PostEvent::Scheduled(slot_at(now, &time_zone)));
            Ok(events)
        }
        PostCommand::Reply {
            draft,
            approver,
            reply_to,
            inbox_item_id,
            time_zone,
            now,
        } => {
            if reply_to.trim().is_empty() {
                return Err(Refusal::invalid("reply_to", "is required"));
            }
            let mut events = handle(state, *draft)?;
            events.push(PostEvent::Approved { approver });
            events.push(PostEvent::ReplyPlanned {
                reply_to: reply_to.trim().to_owned(),
                inbox_item_id,
            });
            events.push(PostEvent::Scheduled(slot_at(now, &time_zone)));
            Ok(events)
        }
        PostCommand::Cancel { reason } => {
            if !matches!(
                state.stage,
                Stage::Draft | Stage::Approved | Stage::Scheduled
            ) {
                return refuse(state, "cancel it (only posts not yet out can be cancelled)");
            }
            bounds::chars(&reason, bounds::NOTE_CHARS)
                .map_err(|why| Refusal::invalid("reason", why))?;
            Ok(vec![PostEvent::Cancelled { reason }])
        }
        PostCommand::FailPublish {
            reason,
            retryable,
            retry_at,
        } => {
            if !matches!(state.stage, Stage::Scheduled | Stage::Publishing) {
                return refuse(
                    state,
                    "record a failed publish (only scheduled posts are published)",
                );
            }
            Ok(vec![PostEvent::PublishFailed {
                reason,
                retryable,
                retry_at: retry_at.filter(|_| retryable),
            }])
        }
    }
}

/// The slot of an instant, with its wall-clock time in `zone`.
fn slot_at(publish_at: chrono::DateTime<chrono::Utc>, zone: &tagar_model::TimeZone) -> Slot {
    Slot {
        publish_at,
        local_time: publish_at
            .with_timezone(&zone.tz())
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string(),
        time_zone: zone.as_str().to_owned(),
    }
}

/// The network's rules and media rights; the first problem is reported, naming `text` or
/// the media item.
pub(crate) fn check_draft(network: Network, text: &str, media: &[Media]) -> Result<(), Refusal> {
    bounds::bytes(text, bounds::TEXT_BYTES).map_err(|why| Refusal::invalid("text", why))?;
    if text.trim().is_empty() && media.is_empty() {
        return Err(Refusal::invalid("text", "must not be empty without media"));
    }
    let policy = BrandVoicePolicy {
        media_needs_rights: true,
        ..BrandVoicePolicy::default()
    };
    let draft = Draft {
        network,
        text,
        language: None,
        media,
    };
    match checks::check(&policy, &draft).into_iter().next() {
        None => Ok(()),
        Some(problem) => {
            let field = match problem.kind {
                ProblemKind::MediaWithoutRights { index }
                | ProblemKind::MediaNotAccepted { index } => format!("media[{index}]"),
                _ => "text".to_owned(),
            };
            Err(Refusal::invalid(field, problem.message))
        }
    }
}

/// Records an event. No decisions here: they were made in [`handle`].
fn apply(mut state: ScheduledPost, event: &PostEvent) -> ScheduledPost {
    match event {
        PostEvent::Drafted {
            brand,
            account,
            text,
            media,
            author,
        } => {
            state.stage = Stage::Draft;
            state.brand = Some(*brand);
            state.account = Some(*account);
            state.text.clone_from(text);
            state.media.clone_from(media);
            state.author.clone_from(author);
        }
        PostEvent::Approved { approver } => {
            state.stage = Stage::Approved;
            state.approver.clone_from(approver);
        }
        PostEvent::Rejected { approver, reason } => {
            state.stage = Stage::Rejected;
            state.approver.clone_from(approver);
            state.reason.clone_from(reason);
        }
        PostEvent::Scheduled(slot) => {
            state.stage = Stage::Scheduled;
            state.slot = Some(slot.clone());
            state.due_at = Some(slot.publish_at);
        }
        PostEvent::StatementPlanned { crisis_id } => {
            state.statement_of = Some(crisis_id.clone());
        }
        PostEvent::ReplyPlanned {
            reply_to,
            inbox_item_id,
        } => {
            state.reply_to = Some((reply_to.clone(), inbox_item_id.clone()));
        }
        PostEvent::PublishStarted {
            attempt,
            lease_until,
            at,
        } => {
            state.stage = Stage::Publishing;
            state.attempts = *attempt;
            state.due_at = Some(*lease_until);
            if *attempt == 1 {
                state.first_attempt_at = Some(*at);
            }
        }
        PostEvent::Published {
            network,
            native_id,
            published_at,
        } => {
            state.stage = Stage::Published;
            state.network = Some(*network);
            state.native_id.clone_from(native_id);
            state.published_at = Some(*published_at);
            state.due_at = None;
            // The loopback network keeps no counts.
            state.count_at =
                (*network != Network::Loopback).then(|| *published_at + COUNT_AFTER[0]);
        }
        PostEvent::Counted { metrics, at } => {
            state.counts = Some((*metrics, *at));
            state.countings += 1;
            state.count_at = match (
                state.published_at,
                COUNT_AFTER.get(state.countings as usize),
            ) {
                (Some(published), Some(after)) => Some((published + *after).max(*at)),
                _ => None,
            };
        }
        PostEvent::CountingStopped { .. } => state.count_at = None,
        PostEvent::Cancelled { reason } => {
            state.stage = Stage::Cancelled;
            state.due_at = None;
            state.reason.clone_from(reason);
        }
        PostEvent::PublishFailed {
            reason,
            retryable,
            retry_at,
        } => {
            if *retryable {
                state.stage = Stage::Scheduled;
                state.due_at = retry_at.or(state.slot.as_ref().map(|s| s.publish_at));
            } else {
                state.stage = Stage::Failed;
                state.due_at = None;
            }
            state.reason.clone_from(reason);
        }
    }
    state
}
