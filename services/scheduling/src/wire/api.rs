//! The read models and aggregates as the API's messages, and the API's filters back.

use tagar_kernel::{ApiError, Loaded};
use tagar_proto::convert::{media_to_wire, metrics_to_wire, network_to_wire, time_to_wire};
use tagar_proto::v1;

use crate::domain::post::{ScheduledPost, Stage};
use crate::domain::{Brand, Link, SocialAccount};
use crate::store::{AccountRow, BrandRow};

/// The wire brand.
pub fn brand(row: BrandRow) -> v1::Brand {
    v1::Brand {
        brand_id: row.brand_id.to_string(),
        name: row.name,
        time_zone: row.time_zone,
    }
}

/// The wire brand of a brand aggregate.
pub fn brand_of(brand: &Brand) -> v1::Brand {
    v1::Brand {
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
        text: p.text,
    }
}
