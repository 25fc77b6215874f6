//! A brand's queue in a crisis: pause it by hand, resume it (the held posts go out or move
//! later), and publish the brand's statement on the fast approval path.

use tagar_kernel::{ApiError, ApiResult, Caller, Expected, request};
use tagar_proto::v1;
use tonic::Request;

use super::{EDITORS, SchedulingApi};
use crate::domain::post::PostCommand;
use crate::domain::{Held, Pause};
use crate::store as sql;
use crate::wire::api;

/// How many posts `brand`'s paused queue holds now.
pub(super) async fn held_count(
    api: &SchedulingApi,
    tenant: tagar_model::TenantId,
    brand: tagar_model::BrandId,
) -> ApiResult<u32> {
    let mut conn = api
        .store
        .pool()
        .acquire()
        .await
        .map_err(tagar_store::StoreError::from)?;
    let held = sql::held_posts(&mut conn, tenant, brand, chrono::Utc::now()).await?;
    Ok(u32::try_from(held.len()).unwrap_or(u32::MAX))
}

/// `PauseQueue`.
pub async fn pause(
    api: &SchedulingApi,
    request: Request<v1::PauseQueueRequest>,
) -> ApiResult<v1::Brand> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.get_ref();
    let brand = caller.brand(&body.brand_id)?;
    let pause = Pause {
        crisis_id: None,
        reason: body.reason.trim().to_owned(),
        by: caller.subject().to_owned(),
        at: chrono::Utc::now(),
    };
    let after = api
        .commands
        .pause_queue(caller.tenant(), brand, pause, None)
        .await?;
    let held = held_count(api, caller.tenant(), brand).await?;
    Ok(api::brand_of(&after.state, after.version, held))
}

/// `ResumeQueue`.
pub async fn resume(
    api: &SchedulingApi,
    request: Request<v1::ResumeQueueRequest>,
) -> ApiResult<v1::ResumeQueueResponse> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.get_ref();
    let brand = caller.brand(&body.brand_id)?;
    let held = match v1::HeldPosts::try_from(body.held) {
        Ok(v1::HeldPosts::Unspecified | v1::HeldPosts::Publish) => Held::Publish,
        Ok(v1::HeldPosts::Shift) => Held::Shift,
        Err(_) => {
            return Err(ApiError::invalid(
                "held",
                format!("{} is not a HeldPosts value", body.held),
            ));
        }
    };
    let (after, posts) = api
        .commands
        .resume_queue(
            caller.tenant(),
            brand,
            Expected::from_wire(body.expected_version),
            (caller.subject(), held),
            chrono::Utc::now(),
        )
        .await?;
    Ok(v1::ResumeQueueResponse {
        brand: Some(api::brand_of(&after.state, after.version, 0)),
        held: posts.into_iter().map(api::post).collect(),
    })
}

/// `PostStatement`: written, approved by the caller and scheduled for now.
pub async fn statement(
    api: &SchedulingApi,
    request: Request<v1::PostStatementRequest>,
) -> ApiResult<v1::ScheduledPost> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.into_inner();
    let brand = caller.brand(&body.brand_id)?;
    request::uuid(&body.crisis_id, "crisis_id")?;
    let draft = super::posts::draft_of(
        api,
        &caller,
        brand,
        &body.account_id,
        (body.text, body.media),
    )
    .await?;
    let zone = api
        .commands
        .brands
        .load(caller.tenant(), *brand.as_uuid())
        .await?
        .and_then(|b| b.state.profile)
        .map(|p| p.time_zone)
        .ok_or_else(|| ApiError::not_found("brand"))?;
    let command = PostCommand::Statement {
        draft: Box::new(draft),
        approver: caller.subject().to_owned(),
        crisis_id: body.crisis_id,
        time_zone: zone,
        now: chrono::Utc::now(),
    };
    let post = api
        .commands
        .post_statement(caller.tenant(), command)
        .await?;
    Ok(api::post(post))
}
