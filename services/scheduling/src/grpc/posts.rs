//! Drafts, approval, scheduling, and reading posts back.

use tagar_kernel::{ApiError, ApiResult, Caller, Expected, Loaded, request};
use tagar_model::{AccountId, BrandId};
use tagar_proto::convert::media_from_wire;
use tagar_proto::v1;
use tonic::Request;

use super::{EDITORS, SchedulingApi};
use crate::domain::post::{PostCommand, ScheduledPost};
use crate::domain::{Link, limits, local_time};
use crate::store as sql;
use crate::wire::api;

/// `CreateDraft`: a draft for one of the brand's accounts, checked against its network.
pub async fn draft(
    api: &SchedulingApi,
    request: Request<v1::CreateDraftRequest>,
) -> ApiResult<v1::ScheduledPost> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.into_inner();
    let brand = caller.brand(&body.brand_id)?;
    let command = draft_of(
        api,
        &caller,
        brand,
        &body.account_id,
        (body.text, body.media),
    )
    .await?;
    let post = api.commands.draft(caller.tenant(), command).await?;
    Ok(api::post(post))
}

/// The caller's draft of `text` and `media` for one of `brand`'s accounts (its network's
/// rules are checked when the command runs).
pub(super) async fn draft_of(
    api: &SchedulingApi,
    caller: &Caller,
    brand: BrandId,
    account_id: &str,
    (text, media): (String, Vec<v1::Media>),
) -> ApiResult<PostCommand> {
    let account_id = AccountId::from_uuid(request::uuid(account_id, "account_id")?);
    let media = media_from_wire(media)
        .map_err(|e| ApiError::invalid(e.field.trim_start_matches("post.").to_owned(), e.reason))?;
    let account = api
        .commands
        .accounts
        .load_of_brand(caller.tenant(), brand, *account_id.as_uuid())
        .await?
        .and_then(|a| a.state.profile)
        .ok_or_else(|| ApiError::not_found("account"))?;
    Ok(PostCommand::Draft {
        brand,
        account: account_id,
        network: account.network,
        text,
        media,
        author: caller.subject().to_owned(),
    })
}

/// One of `brand`'s posts; `NOT_FOUND` for another brand's (or tenant's) post.
async fn brand_post(
    api: &SchedulingApi,
    caller: &Caller,
    brand: BrandId,
    post_id: &str,
) -> ApiResult<Loaded<ScheduledPost>> {
    let id = request::uuid(post_id, "post_id")?;
    api.commands
        .posts
        .load_of_brand(caller.tenant(), brand, id)
        .await?
        .ok_or_else(|| ApiError::not_found("post"))
}

/// Runs the command `make` builds from the caller (who must be an editor of the brand) on one
/// of the brand's posts, and answers with the post as it is afterwards.
async fn on_post<T>(
    api: &SchedulingApi,
    request: &Request<T>,
    (brand_id, post_id, expected_version): (&str, &str, u64),
    make: impl FnOnce(&Caller) -> PostCommand,
) -> ApiResult<v1::ScheduledPost> {
    let caller = Caller::of(request, EDITORS)?;
    let brand = caller.brand(brand_id)?;
    let post = brand_post(api, &caller, brand, post_id).await?;
    let after = api
        .commands
        .posts
        .execute(&post, Expected::from_wire(expected_version), make(&caller))
        .await?;
    Ok(api::post(after))
}

/// `ApprovePost`: the caller approves a draft.
pub async fn approve(
    api: &SchedulingApi,
    request: Request<v1::ApprovePostRequest>,
) -> ApiResult<v1::ScheduledPost> {
    let body = request.get_ref();
    let target = (
        body.brand_id.as_str(),
        body.post_id.as_str(),
        body.expected_version,
    );
    on_post(api, &request, target, |caller| PostCommand::Approve {
        approver: caller.subject().to_owned(),
    })
    .await
}

/// `RejectPost`: the caller rejects a draft, saying why.
pub async fn reject(
    api: &SchedulingApi,
    request: Request<v1::RejectPostRequest>,
) -> ApiResult<v1::ScheduledPost> {
    let body = request.get_ref();
    let target = (
        body.brand_id.as_str(),
        body.post_id.as_str(),
        body.expected_version,
    );
    let reason = body.reason.clone();
    on_post(api, &request, target, |caller| PostCommand::Reject {
        approver: caller.subject().to_owned(),
        reason,
    })
    .await
}

/// `SchedulePost`: an approved post at a wall-clock time in the brand's zone.
pub async fn schedule(
    api: &SchedulingApi,
    request: Request<v1::SchedulePostRequest>,
) -> ApiResult<v1::ScheduledPost> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.get_ref();
    let brand = caller.brand(&body.brand_id)?;
    let time_zone = api
        .commands
        .brands
        .load(caller.tenant(), *brand.as_uuid())
        .await?
        .and_then(|b| b.state.profile)
        .ok_or_else(|| ApiError::not_found("brand"))?
        .time_zone;
    let post = brand_post(api, &caller, brand, &body.post_id).await?;
    let now = chrono::Utc::now();
    // The slot is checked against the account's network limits first; a slot that does not
    // parse is left to the command, which names what is wrong with it.
    if let Ok(at) = local_time::instant(&body.local_time, time_zone.tz(), now) {
        within_limits(api, &caller, &post, at).await?;
        fits_chat(api, &caller, &post, at).await?;
    }
    let command = PostCommand::Schedule {
        local_time: body.local_time.clone(),
        time_zone,
        now,
    };
    let after = api
        .commands
        .posts
        .execute(&post, Expected::from_wire(body.expected_version), command)
        .await?;
    Ok(api::post(after))
}

/// Refuses a slot that would put the post's account over its network's limits (accounts on
/// the loopback network have none).
async fn within_limits(
    api: &SchedulingApi,
    caller: &Caller,
    post: &Loaded<ScheduledPost>,
    at: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let Some(account_id) = post.state.account else {
        return Ok(());
    };
    let Some(account) = api
        .commands
        .accounts
        .load(caller.tenant(), *account_id.as_uuid())
        .await?
    else {
        return Ok(());
    };
    let (Link::Network { .. }, Some(profile)) = (&account.state.link, &account.state.profile)
    else {
        return Ok(());
    };
    let Some(connector) = api.networks.get(profile.network) else {
        return Ok(());
    };
    let (hour, day) = (chrono::Duration::hours(1), chrono::Duration::days(1));
    let count = |window| {
        sql::posts_of_account_between(&api.store, caller.tenant(), account_id, post.id, window)
    };
    let around = limits::Around {
        hour_before: count((at - hour, at)).await?,
        hour_after: count((at, at + hour)).await?,
        day_before: count((at - day, at)).await?,
        day_after: count((at, at + day)).await?,
    };
    limits::check(profile.network, connector.limits(), around)?;
    Ok(())
}

/// Refuses a slot inside one of the brand's hashtag chats on the post's network when the
/// text would no longer fit the network with the chat's tag (which the dispatcher appends).
async fn fits_chat(
    api: &SchedulingApi,
    caller: &Caller,
    post: &Loaded<ScheduledPost>,
    at: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    let (Some(brand), Some(account_id)) = (post.state.brand, post.state.account) else {
        return Ok(());
    };
    let Some(network) = api
        .commands
        .accounts
        .load(caller.tenant(), *account_id.as_uuid())
        .await?
        .and_then(|a| a.state.profile)
        .map(|p| p.network)
    else {
        return Ok(());
    };
    let tag = sql::chat_tag_at(api.store.pool(), caller.tenant(), brand, network, at).await?;
    if let Some(tag) = tag {
        crate::domain::chat::tagged(network, &post.state.text, &tag)
            .map_err(|why| ApiError::invalid("text", why))?;
    }
    Ok(())
}

/// `GetScheduledPost`: the post as its events leave it.
pub async fn get(
    api: &SchedulingApi,
    request: Request<v1::GetScheduledPostRequest>,
) -> ApiResult<v1::ScheduledPost> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.get_ref();
    let brand = caller.brand(&body.brand_id)?;
    Ok(api::post(
        brand_post(api, &caller, brand, &body.post_id).await?,
    ))
}

/// `ListScheduledPosts`: a brand's posts, optionally in one state.
pub async fn list(
    api: &SchedulingApi,
    request: Request<v1::ListScheduledPostsRequest>,
) -> ApiResult<v1::ListScheduledPostsResponse> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.get_ref();
    let brand = caller.brand(&body.brand_id)?;
    let stage = api::stage_filter(body.state)?;
    let posts = sql::list_posts(&api.store, caller.tenant(), brand, stage)
        .await?
        .into_iter()
        .map(api::post)
        .collect();
    Ok(v1::ListScheduledPostsResponse { posts })
}

/// `CancelPost`: a post that has not gone out will not.
pub async fn cancel(
    api: &SchedulingApi,
    request: Request<v1::CancelPostRequest>,
) -> ApiResult<v1::ScheduledPost> {
    let body = request.get_ref();
    let target = (
        body.brand_id.as_str(),
        body.post_id.as_str(),
        body.expected_version,
    );
    let reason = body.reason.trim().to_owned();
    on_post(api, &request, target, |caller| PostCommand::Cancel {
        reason: if reason.is_empty() {
            format!("cancelled by {}", caller.subject())
        } else {
            reason
        },
    })
    .await
}
