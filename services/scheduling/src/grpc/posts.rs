//! Drafts, approval, scheduling, and reading posts back.

use tagar_model::TimeZone;
use tagar_proto::convert::media_from_wire;
use tagar_proto::v1;
use tagar_runtime::auth::Principal;
use tagar_store::Store;
use tonic::{Request, Response, Status};

use super::views::{self, status, store_status, uuid_field};
use super::{Reply, editor};
use crate::commands::{self, CommandError};
use crate::domain::post::PostCommand;
use crate::store as sql;

fn expected(version: u64) -> Option<u64> {
    (version != 0).then_some(version)
}

/// `CreateDraft`: a draft for one of the brand's accounts, checked against its network.
pub async fn draft(
    store: &Store,
    request: Request<v1::CreateDraftRequest>,
) -> Reply<v1::ScheduledPost> {
    let (principal, tenant, brand) = editor(&request, &request.get_ref().brand_id)?;
    let body = request.into_inner();
    let account_id = views::account_id(&body.account_id)?;
    let media = media_from_wire(body.media).map_err(|e| {
        Status::invalid_argument(format!(
            "{}: {}",
            e.field.trim_start_matches("post."),
            e.reason
        ))
    })?;
    let account = sql::get_account(store, tenant, account_id)
        .await
        .map_err(store_status)?
        .filter(|a| a.brand_id == brand)
        .ok_or_else(|| Status::not_found("account not found"))?;
    let command = PostCommand::Draft {
        brand,
        account: account_id,
        network: account.network,
        text: body.text,
        media,
        author: principal.subject.clone(),
    };
    let view = commands::draft(store, tenant, command)
        .await
        .map_err(status)?;
    Ok(Response::new(views::post(view)))
}

/// Runs the command `make` builds from the caller (who must be an editor of the brand) on one
/// of the brand's posts, and answers with the post as it is afterwards.
async fn on_post<T>(
    store: &Store,
    request: &Request<T>,
    (brand_id, post_id, expected_version): (&str, &str, u64),
    make: impl FnOnce(&Principal) -> PostCommand,
) -> Reply<v1::ScheduledPost> {
    let (principal, tenant, brand) = editor(request, brand_id)?;
    let post_id = uuid_field(post_id, "post_id")?;
    let view = commands::execute(
        store,
        tenant,
        brand,
        post_id,
        expected(expected_version),
        make(&principal),
    )
    .await
    .map_err(status)?;
    Ok(Response::new(views::post(view)))
}

/// `ApprovePost`: the caller approves a draft.
pub async fn approve(
    store: &Store,
    request: Request<v1::ApprovePostRequest>,
) -> Reply<v1::ScheduledPost> {
    let body = request.get_ref();
    let target = (
        body.brand_id.as_str(),
        body.post_id.as_str(),
        body.expected_version,
    );
    on_post(store, &request, target, |caller| PostCommand::Approve {
        approver: caller.subject.clone(),
    })
    .await
}

/// `RejectPost`: the caller rejects a draft, saying why.
pub async fn reject(
    store: &Store,
    request: Request<v1::RejectPostRequest>,
) -> Reply<v1::ScheduledPost> {
    let body = request.get_ref();
    let target = (
        body.brand_id.as_str(),
        body.post_id.as_str(),
        body.expected_version,
    );
    let reason = body.reason.clone();
    on_post(store, &request, target, |caller| PostCommand::Reject {
        approver: caller.subject.clone(),
        reason,
    })
    .await
}

/// `SchedulePost`: an approved post at a wall-clock time in the brand's zone.
pub async fn schedule(
    store: &Store,
    request: Request<v1::SchedulePostRequest>,
) -> Reply<v1::ScheduledPost> {
    let (_, tenant, brand) = editor(&request, &request.get_ref().brand_id)?;
    let body = request.get_ref();
    let post_id = uuid_field(&body.post_id, "post_id")?;
    let row = sql::get_brand(store, tenant, brand)
        .await
        .map_err(store_status)?
        .ok_or_else(|| Status::not_found("brand not found"))?;
    let time_zone = TimeZone::parse(&row.time_zone).map_err(|e| {
        store_status(tagar_store::StoreError::Corrupt {
            field: "scheduling_brands.time_zone",
            reason: e.to_string(),
        })
    })?;
    let command = PostCommand::Schedule {
        local_time: body.local_time.clone(),
        time_zone,
        now: chrono::Utc::now(),
    };
    let view = commands::execute(
        store,
        tenant,
        brand,
        post_id,
        expected(body.expected_version),
        command,
    )
    .await
    .map_err(status)?;
    Ok(Response::new(views::post(view)))
}

/// `GetScheduledPost`: the post as its events leave it.
pub async fn get(
    store: &Store,
    request: Request<v1::GetScheduledPostRequest>,
) -> Reply<v1::ScheduledPost> {
    let (_, tenant, brand) = editor(&request, &request.get_ref().brand_id)?;
    let post_id = uuid_field(&request.get_ref().post_id, "post_id")?;
    let view = commands::brand_post(store, tenant, brand, post_id)
        .await
        .map_err(status)?;
    Ok(Response::new(views::post(view)))
}

/// `ListScheduledPosts`: a brand's posts, optionally in one state.
pub async fn list(
    store: &Store,
    request: Request<v1::ListScheduledPostsRequest>,
) -> Reply<v1::ListScheduledPostsResponse> {
    let (_, tenant, brand) = editor(&request, &request.get_ref().brand_id)?;
    let stage = views::stage_filter(request.get_ref().state)?;
    let posts = sql::list_posts(store, tenant, brand, stage)
        .await
        .map_err(|e| status(CommandError::Store(e)))?
        .into_iter()
        .map(views::post)
        .collect();
    Ok(Response::new(v1::ListScheduledPostsResponse { posts }))
}
