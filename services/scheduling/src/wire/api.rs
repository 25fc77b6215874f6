//! The read models and aggregates as the API's messages, and the API's filters back.

use tagar_kernel::{ApiError, Loaded};
use tagar_proto::convert::{media_to_wire, metrics_to_wire, network_to_wire, time_to_wire};
use tagar_proto::v1;

use crate::domain::post::{ScheduledPost, Stage};
use crate::domain::{Brand, Link, SocialAccount};
use crate::store::{AccountRow, BrandRow};

/// The wire brand; `held_posts`: how many posts its paused queue holds.
pub fn brand(row: BrandRow, held_posts: u32) -> v1::Brand {
    v1::Brand {
        brand_id: row.brand_id.to_string(),
        name: row.name,
        time_zone: row.time_zone,
        pause: row.pause.as_ref().map(|p| pause(p, held_posts)),
        version: row.version,
    }
}

fn pause(p: &crate::domain::Pause, held_posts: u32) -> v1::QueuePause {
    v1::QueuePause {
        crisis_id: p.crisis_id.clone().unwrap_or_default(),
        reason: p.reason.clone(),
        by: p.by.clone(),
        paused_at: Some(time_to_wire(p.at)),
        held_posts,
    }
}

/// The wire brand of a brand aggregate at `version`.
pub fn brand_of(brand: &Brand, version: u64, held_posts: u32) -> v1::Brand {
    v1::Brand {
        pause: brand.pause.as_ref().map(|p| pause(p, held_posts)),
        version,
        brand_id: brand.id.map(|b| b.to_string()).unwrap_or_default(),
        name: brand
            .profile
            .as_ref()
            .map(|p| p.name.as_str().to_owned())
            .unwrap_or_default(),
        time_zone: brand
            .profile
            .as_ref()
            .map(|p| p.time_zone.as_str().to_owned())
            .unwrap_or_default(),
    }
}

/// The wire account of an account aggregate.
pub fn account_of(account: &SocialAccount) -> v1::SocialAccount {
    let profile = account.profile.as_ref();
    v1::SocialAccount {
        account_id: account.id.map(|a| a.to_string()).unwrap_or_default(),
        brand_id: account.brand.map(|b| b.to_string()).unwrap_or_default(),
        network: profile.map_or(v1::Network::Unspecified, |p| network_to_wire(p.network)) as i32,
        handle: profile
            .map(|p| p.handle.as_str().to_owned())
            .unwrap_or_default(),
        link: match account.link {
            Link::Loopback => v1::AccountLink::Loopback,
            Link::Network { .. } => v1::AccountLink::Network,
        } as i32,
        native_account_id: match &account.link {
            Link::Loopback => String::new(),
            Link::Network { native_id } => native_id.clone(),
        },
        needs_reconnect: account.needs_reconnect.clone().unwrap_or_default(),
    }
}

/// The wire account.
pub fn account(row: AccountRow) -> v1::SocialAccount {
    v1::SocialAccount {
        account_id: row.account_id.to_string(),
        brand_id: row.brand_id.to_string(),
        network: network_to_wire(row.network) as i32,
        handle: row.handle,
        link: if row.native_account_id.is_empty() {
            v1::AccountLink::Loopback
        } else {
            v1::AccountLink::Network
        } as i32,
        native_account_id: row.native_account_id,
        needs_reconnect: row.needs_reconnect,
    }
}

/// The wire state of a stage.
pub fn state(stage: Stage) -> v1::PostState {
    match stage {
        Stage::New => v1::PostState::Unspecified,
        Stage::Draft => v1::PostState::Draft,
        Stage::Approved => v1::PostState::Approved,
        Stage::Rejected => v1::PostState::Rejected,
        Stage::Scheduled => v1::PostState::Scheduled,
        Stage::Publishing => v1::PostState::Publishing,
        Stage::Published => v1::PostState::Published,
        Stage::Failed => v1::PostState::Failed,
        Stage::Cancelled => v1::PostState::Cancelled,
    }
}

/// The stage a wire state filter names; `None` for unspecified (all).
pub fn stage_filter(value: i32) -> Result<Option<Stage>, ApiError> {
    let stage = match v1::PostState::try_from(value) {
        Ok(v1::PostState::Unspecified) => None,
        Ok(v1::PostState::Draft) => Some(Stage::Draft),
        Ok(v1::PostState::Approved) => Some(Stage::Approved),
        Ok(v1::PostState::Rejected) => Some(Stage::Rejected),
        Ok(v1::PostState::Scheduled) => Some(Stage::Scheduled),
        Ok(v1::PostState::Publishing) => Some(Stage::Publishing),
        Ok(v1::PostState::Published) => Some(Stage::Published),
        Ok(v1::PostState::Failed) => Some(Stage::Failed),
        Ok(v1::PostState::Cancelled) => Some(Stage::Cancelled),
        Err(_) => return Err(ApiError::invalid("state", format!("unknown state {value}"))),
    };
    Ok(stage)
}

/// The wire scheduled post.
pub fn post(view: Loaded<ScheduledPost>) -> v1::ScheduledPost {
    let p = view.state;
    let slot = p.slot.as_ref();
    v1::ScheduledPost {
        post_id: view.id.to_string(),
        brand_id: p.brand.map(|b| b.to_string()).unwrap_or_default(),
        account_id: p.account.map(|a| a.to_string()).unwrap_or_default(),
        media: p.media.iter().map(media_to_wire).collect(),
        state: state(p.stage) as i32,
        publish_at: slot.map(|s| time_to_wire(s.publish_at)),
        local_time: slot.map(|s| s.local_time.clone()).unwrap_or_default(),
        time_zone: slot.map(|s| s.time_zone.clone()).unwrap_or_default(),
        published_native_id: p.native_id,
        version: view.version,
        reason: p.reason,
        published_at: p.published_at.map(time_to_wire),
        publish_attempts: p.attempts,
        metrics: p.counts.map(|(m, _)| metrics_to_wire(&m)),
        counted_at: p.counts.map(|(_, at)| time_to_wire(at)),
        statement_of: p.statement_of.unwrap_or_default(),
        text: p.text,
    }
}

/// The wire chat session at `now`, its planned posts' states taken from `posts`.
pub fn chat(
    view: &Loaded<crate::domain::chat::ChatSession>,
    now: chrono::DateTime<chrono::Utc>,
    posts: &std::collections::HashMap<uuid::Uuid, (Stage, String)>,
) -> v1::ChatSession {
    use crate::domain::chat::{ChatStatus, PlannedKind};
    let c = &view.state;
    let state = match c.status(now) {
        ChatStatus::Scheduled => v1::ChatState::Scheduled,
        ChatStatus::Live => v1::ChatState::Live,
        ChatStatus::Ended => v1::ChatState::Ended,
        ChatStatus::Cancelled => v1::ChatState::Cancelled,
    };
    let (mut questions, mut heads_ups) = (Vec::new(), Vec::new());
    for p in c.planned(view.id) {
        let (stage, native_id) = posts
            .get(&p.post_id)
            .cloned()
            .unwrap_or((Stage::New, String::new()));
        let wire = v1::ChatPlannedPost {
            number: p.number,
            offset_minutes: p.offset_minutes,
            text: p.text,
            publish_at: Some(time_to_wire(p.publish_at)),
            post_id: p.post_id.to_string(),
            state: self::state(stage) as i32,
            published_native_id: native_id,
        };
        match p.kind {
            PlannedKind::Question => questions.push(wire),
            PlannedKind::HeadsUp => heads_ups.push(wire),
        }
    }
    let setup = c.setup.as_ref();
    let when = c.when.as_ref();
    v1::ChatSession {
        chat_id: view.id.to_string(),
        brand_id: c.brand.map(|b| b.to_string()).unwrap_or_default(),
        account_id: setup.map(|s| s.account.to_string()).unwrap_or_default(),
        network: setup.map_or(v1::Network::Unspecified, |s| network_to_wire(s.network)) as i32,
        hashtag: setup.map(|s| s.hashtag.clone()).unwrap_or_default(),
        starts_at: when.map(|w| time_to_wire(w.starts_at)),
        ends_at: when.map(|w| time_to_wire(w.ends_at())),
        local_start: when.map(|w| w.local_start.clone()).unwrap_or_default(),
        time_zone: when.map(|w| w.time_zone.clone()).unwrap_or_default(),
        minutes: when.map(|w| w.minutes).unwrap_or_default(),
        hosts: c.content.hosts.clone(),
        panelists: c.content.panelists.clone(),
        rules: c.content.rules.clone(),
        questions,
        heads_ups,
        state: state as i32,
        version: view.version,
        cancel_reason: c
            .cancelled
            .as_ref()
            .map(|(r, _)| r.clone())
            .unwrap_or_default(),
        host_handle: setup.map(|s| s.host_handle.clone()).unwrap_or_default(),
    }
}
