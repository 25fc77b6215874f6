//! Between the wire and the service: ids parsed naming their field, read models turned into
//! wire messages, and each kind of failure mapped to its gRPC code once.

use tagar_model::{AccountId, BrandId};
use tagar_proto::convert::{media_to_wire, network_to_wire, time_to_wire};
use tagar_proto::v1;
use tagar_store::StoreError;
use tonic::Status;
use uuid::Uuid;

use crate::commands::CommandError;
use crate::domain::DomainError;
use crate::domain::post::Stage;
use crate::store::{AccountRow, BrandRow, PostView};

/// Parses a UUID request field.
pub fn uuid_field(value: &str, field: &str) -> Result<Uuid, Status> {
    Uuid::parse_str(value.trim())
        .map_err(|_| Status::invalid_argument(format!("{field}: is not a UUID")))
}

/// Parses `brand_id`.
pub fn brand_id(value: &str) -> Result<BrandId, Status> {
    uuid_field(value, "brand_id").map(BrandId::from_uuid)
}

/// Parses `account_id`.
pub fn account_id(value: &str) -> Result<AccountId, Status> {
    uuid_field(value, "account_id").map(AccountId::from_uuid)
}

/// The gRPC status of a command that did not happen. Store failures are logged here and
/// reported without their details.
pub fn status(e: CommandError) -> Status {
    match e {
        CommandError::Refused(DomainError::Invalid { .. }) => {
            Status::invalid_argument(e.to_string())
        }
        CommandError::Refused(DomainError::Precondition(why)) => Status::failed_precondition(why),
        CommandError::NotFound(what) => Status::not_found(format!("{what} not found")),
        CommandError::AlreadyExists(why) => Status::already_exists(why),
        CommandError::Store(e) => store_status(e),
    }
}

/// The gRPC status of a store failure: a conflict is `Aborted`, anything else `Internal`.
pub fn store_status(e: StoreError) -> Status {
    match e {
        StoreError::Conflict { .. } => Status::aborted("version conflict: reload and retry"),
        e => {
            tracing::error!(error = %e, "scheduling store failure");
            Status::internal("internal error; see the service log")
        }
    }
}

/// The wire brand.
pub fn brand(row: BrandRow) -> v1::Brand {
    v1::Brand {
        brand_id: row.brand_id.to_string(),
        name: row.name,
        time_zone: row.time_zone,
    }
}

/// The wire account.
pub fn account(row: AccountRow) -> v1::SocialAccount {
    v1::SocialAccount {
        account_id: row.account_id.to_string(),
        brand_id: row.brand_id.to_string(),
        network: network_to_wire(row.network) as i32,
        handle: row.handle,
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
        Stage::Published => v1::PostState::Published,
        Stage::Failed => v1::PostState::Failed,
    }
}

/// The stage a wire state filter names; `None` for unspecified (all).
pub fn stage_filter(value: i32) -> Result<Option<Stage>, Status> {
    let stage = match v1::PostState::try_from(value) {
        Ok(v1::PostState::Unspecified) => None,
        Ok(v1::PostState::Draft) => Some(Stage::Draft),
        Ok(v1::PostState::Approved) => Some(Stage::Approved),
        Ok(v1::PostState::Rejected) => Some(Stage::Rejected),
        Ok(v1::PostState::Scheduled) => Some(Stage::Scheduled),
        Ok(v1::PostState::Published) => Some(Stage::Published),
        Ok(v1::PostState::Failed) => Some(Stage::Failed),
        Err(_) => {
            return Err(Status::invalid_argument(format!(
                "state: unknown state {value}"
            )));
        }
    };
    Ok(stage)
}

/// The wire scheduled post.
pub fn post(view: PostView) -> v1::ScheduledPost {
    let p = view.post;
    let slot = p.slot.as_ref();
    v1::ScheduledPost {
        post_id: view.post_id.to_string(),
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
        text: p.text,
    }
}
