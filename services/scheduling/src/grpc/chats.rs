//! Hashtag chats: planning, moving, editing and cancelling a brand's chat sessions.

use chrono::Utc;
use tagar_kernel::{ApiError, ApiResult, Caller, Expected, Loaded, request};
use tagar_model::{AccountId, BrandId, TimeZone};
use tagar_proto::v1;
use tonic::Request;
use uuid::Uuid;

use super::{EDITORS, SchedulingApi};
use crate::domain::chat::{ChatCommand, ChatContent, ChatItem, ChatSession, ChatSetup};
use crate::store as sql;
use crate::wire::api;

fn items(items: &[v1::ChatItemInput]) -> Vec<ChatItem> {
    items
        .iter()
        .map(|i| ChatItem {
            offset_minutes: i.offset_minutes,
            text: i.text.clone(),
        })
        .collect()
}

fn content(
    hosts: &[String],
    panelists: &[String],
    rules: &str,
    questions: &[v1::ChatItemInput],
    heads_ups: &[v1::ChatItemInput],
) -> ChatContent {
    ChatContent {
        hosts: hosts.to_vec(),
        panelists: panelists.to_vec(),
        rules: rules.to_owned(),
        questions: items(questions),
        heads_ups: items(heads_ups),
    }
}

async fn zone(api: &SchedulingApi, caller: &Caller, brand: BrandId) -> ApiResult<TimeZone> {
    Ok(api
        .commands
        .brands
        .load(caller.tenant(), *brand.as_uuid())
        .await?
        .and_then(|b| b.state.profile)
        .ok_or_else(|| ApiError::not_found("brand"))?
        .time_zone)
}

async fn brand_chat(
    api: &SchedulingApi,
    caller: &Caller,
    brand: BrandId,
    chat_id: &str,
) -> ApiResult<Loaded<ChatSession>> {
    let id = request::uuid(chat_id, "chat_id")?;
    api.commands
        .chats
        .load_of_brand(caller.tenant(), brand, id)
        .await?
        .ok_or_else(|| ApiError::not_found("chat"))
}

/// The wire chat with its posts' states.
async fn answer(
    api: &SchedulingApi,
    caller: &Caller,
    chat: &Loaded<ChatSession>,
) -> ApiResult<v1::ChatSession> {
    let ids: Vec<Uuid> = chat
        .state
        .planned(chat.id)
        .iter()
        .map(|p| p.post_id)
        .collect();
    let posts = sql::post_states(&api.store, caller.tenant(), &ids).await?;
    Ok(api::chat(chat, Utc::now(), &posts))
}

/// `CreateChat`: a chat of one of the brand's accounts, its posts scheduled.
pub async fn create(
    api: &SchedulingApi,
    request: Request<v1::CreateChatRequest>,
) -> ApiResult<v1::ChatSession> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.get_ref();
    let brand = caller.brand(&body.brand_id)?;
    let account_id = AccountId::from_uuid(request::uuid(&body.account_id, "account_id")?);
    let profile = api
        .commands
        .accounts
        .load_of_brand(caller.tenant(), brand, *account_id.as_uuid())
        .await?
        .and_then(|a| a.state.profile)
        .ok_or_else(|| ApiError::not_found("account"))?;
    let time_zone = zone(api, &caller, brand).await?;
    let command = ChatCommand::Create {
        brand,
        setup: ChatSetup {
            account: account_id,
            network: profile.network,
            host_handle: profile.handle.as_str().to_owned(),
            hashtag: body.hashtag.clone(),
            created_by: caller.subject().to_owned(),
        },
        local_start: body.local_start.clone(),
        time_zone,
        minutes: body.minutes,
        content: content(
            &body.hosts,
            &body.panelists,
            &body.rules,
            &body.questions,
            &body.heads_ups,
        ),
        now: Utc::now(),
    };
    let chat = api
        .commands
        .create_chat(caller.tenant(), Uuid::now_v7(), command, caller.subject())
        .await?;
    answer(api, &caller, &chat).await
}

/// `GetChat`.
pub async fn get(
    api: &SchedulingApi,
    request: Request<v1::GetChatRequest>,
) -> ApiResult<v1::ChatSession> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.get_ref();
    let brand = caller.brand(&body.brand_id)?;
    let chat = brand_chat(api, &caller, brand, &body.chat_id).await?;
    answer(api, &caller, &chat).await
}

/// `ListChats`: the brand's chats, soonest first.
pub async fn list(
    api: &SchedulingApi,
    request: Request<v1::ListChatsRequest>,
) -> ApiResult<v1::ListChatsResponse> {
    let caller = Caller::of(&request, EDITORS)?;
    let brand = caller.brand(&request.get_ref().brand_id)?;
    let mut chats = Vec::new();
    for id in sql::list_chats(&api.store, caller.tenant(), brand).await? {
        if let Some(chat) = api
            .commands
            .chats
            .load_of_brand(caller.tenant(), brand, id)
            .await?
        {
            chats.push(answer(api, &caller, &chat).await?);
        }
    }
    Ok(v1::ListChatsResponse { chats })
}

/// Runs `command` (which `make` builds given the brand's zone) on one of the brand's chats.
async fn on_chat<T>(
    api: &SchedulingApi,
    request: &Request<T>,
    (brand_id, chat_id, expected_version): (&str, &str, u64),
    make: impl FnOnce(TimeZone) -> ChatCommand,
) -> ApiResult<v1::ChatSession> {
    let caller = Caller::of(request, EDITORS)?;
    let brand = caller.brand(brand_id)?;
    let chat = brand_chat(api, &caller, brand, chat_id).await?;
    let command = make(zone(api, &caller, brand).await?);
    let after = api
        .commands
        .change_chat(
            &chat,
            Expected::from_wire(expected_version),
            command,
            caller.subject(),
        )
        .await?;
    answer(api, &caller, &after).await
}

/// `RescheduleChat`.
pub async fn reschedule(
    api: &SchedulingApi,
    request: Request<v1::RescheduleChatRequest>,
) -> ApiResult<v1::ChatSession> {
    let body = request.get_ref();
    let target = (
        body.brand_id.as_str(),
        body.chat_id.as_str(),
        body.expected_version,
    );
    on_chat(api, &request, target, |time_zone| ChatCommand::Reschedule {
        local_start: body.local_start.clone(),
        time_zone,
        minutes: (body.minutes > 0).then_some(body.minutes),
        now: Utc::now(),
    })
    .await
}

/// `EditChat`.
pub async fn edit(
    api: &SchedulingApi,
    request: Request<v1::EditChatRequest>,
) -> ApiResult<v1::ChatSession> {
    let body = request.get_ref();
    let target = (
        body.brand_id.as_str(),
        body.chat_id.as_str(),
        body.expected_version,
    );
    let content = content(
        &body.hosts,
        &body.panelists,
        &body.rules,
        &body.questions,
        &body.heads_ups,
    );
    on_chat(api, &request, target, |_| ChatCommand::Edit {
        content,
        now: Utc::now(),
    })
    .await
}

/// `CancelChat`.
pub async fn cancel(
    api: &SchedulingApi,
    request: Request<v1::CancelChatRequest>,
) -> ApiResult<v1::ChatSession> {
    let body = request.get_ref();
    let target = (
        body.brand_id.as_str(),
        body.chat_id.as_str(),
        body.expected_version,
    );
    on_chat(api, &request, target, |_| ChatCommand::Cancel {
        reason: body.reason.clone(),
        now: Utc::now(),
    })
    .await
}
