//! Hashtag chats: the live stream of a chat's posts, the catch-up and the report.
//!
//! A watch polls the chat's posts twice a second from its position on. A post is sent once
//! moderation has labelled it, or once it has waited [`LABEL_WAIT`] unlabelled, in the order
//! received, so a post moderation hides is never shown; the position only moves forward, and
//! a client resumes with the last one it saw.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tagar_kernel::{ApiError, ApiResult, Caller};
use tagar_model::TenantId;
use tagar_proto::v1;
use tagar_runtime::Shutdown;
use tagar_store::Store;
use tokio::sync::mpsc;
use tonic::Status;

use crate::domain::chat::report::{catch_up, report};
use crate::domain::chat::{Annotator, Chat};
use crate::store::chats as sql;
use crate::wire::chat as wire;

/// How often a watch looks for new posts.
pub const CHAT_POLL: Duration = Duration::from_millis(500);
/// How long a post waits for moderation's label before it is shown without one.
pub const LABEL_WAIT: Duration = Duration::from_secs(3);
/// The most posts a report or catch-up reads.
const MAX_POSTS: i64 = 200_000;

/// Finds the caller's chat, refusing another brand's (or tenant's) as not found.
pub async fn chat_of(
    store: &Store,
    caller: &Caller,
    brand_id: &str,
    chat_id: &str,
) -> ApiResult<Chat> {
    let brand = caller.brand(brand_id)?;
    tagar_kernel::request::uuid(chat_id, "chat_id")?;
    sql::chat(store, caller.tenant(), brand, chat_id.trim())
        .await?
        .ok_or_else(|| ApiError::not_found("chat"))
}

async fn all_posts(
    store: &Store,
    tenant: TenantId,
    chat: &Chat,
) -> ApiResult<Vec<crate::domain::chat::ChatPostRow>> {
    Ok(sql::chat_posts(store, tenant, &chat.chat_id, 0, MAX_POSTS)
        .await?
        .into_iter()
        .map(|(row, _, _)| row)
        .collect())
}

/// `GetChatCatchUp`.
pub async fn get_catch_up(
    store: &Store,
    caller: &Caller,
    body: &v1::ChatRequest,
) -> ApiResult<v1::ChatCatchUp> {
    let chat = chat_of(store, caller, &body.brand_id, &body.chat_id).await?;
    let rows = all_posts(store, caller.tenant(), &chat).await?;
    Ok(wire::catch_up(&chat, &catch_up(&chat, &rows)))
}

/// `GetChatReport`.
pub async fn get_report(
    store: &Store,
    caller: &Caller,
    body: &v1::ChatRequest,
) -> ApiResult<v1::ChatReport> {
    let chat = chat_of(store, caller, &body.brand_id, &body.chat_id).await?;
    let rows = all_posts(store, caller.tenant(), &chat).await?;
    let earlier = sql::earlier_authors(store, caller.tenant(), &chat).await?;
    let now = tagar_store::now_us();
    Ok(wire::report(&chat, &report(&chat, &rows, &earlier), now))
}

/// `ExportChatReport`.
pub async fn export_report(
    store: &Store,
    caller: &Caller,
    body: &v1::ChatRequest,
) -> ApiResult<v1::ExportChatReportResponse> {
    let chat = chat_of(store, caller, &body.brand_id, &body.chat_id).await?;
    let rows = all_posts(store, caller.tenant(), &chat).await?;
    let earlier = sql::earlier_authors(store, caller.tenant(), &chat).await?;
    Ok(v1::ExportChatReportResponse {
        csv: wire::voices_csv(&report(&chat, &rows, &earlier).voices),
    })
}

/// The open chat watches of a process, at most `per_tenant` per tenant.
#[derive(Debug, Clone)]
pub struct ChatWatches {
    store: Store,
    shutdown: Shutdown,
    per_tenant: usize,
    open: Arc<Mutex<HashMap<TenantId, usize>>>,
}

/// One open stream of a tenant's.
pub(super) struct Seat(TenantId, Arc<Mutex<HashMap<TenantId, usize>>>);

impl Drop for Seat {
    fn drop(&mut self) {
        let mut open = self.1.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.0) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.0);
            }
        }
    }
}

impl ChatWatches {
    /// Watches over `store`, ended by `shutdown`.
    pub fn new(store: Store, shutdown: Shutdown, per_tenant: usize) -> Self {
        Self {
            store,
            shutdown,
            per_tenant: per_tenant.max(1),
            open: Arc::default(),
        }
    }

    /// A seat for one more of `tenant`'s streams (chats' and crises'), given back when
    /// dropped; refused when the tenant holds as many as it may.
    pub(super) fn seat(&self, tenant: TenantId) -> ApiResult<Seat> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(tenant).or_default();
        if *n >= self.per_tenant {
            return Err(ApiError::Exhausted(format!(
                "the tenant holds {n} chat and crisis streams open on this server, the most it may; close one first"
            )));
        }
        *n += 1;
        Ok(Seat(tenant, Arc::clone(&self.open)))
    }

    /// The store and shutdown the streams run on.
    pub(super) fn runtime(&self) -> (Store, Shutdown) {
        (self.store.clone(), self.shutdown.clone())
    }

    /// A stream of the chat's posts after `from_position`.
    pub async fn watch(
        &self,
        caller: &Caller,
        body: &v1::WatchChatRequest,
    ) -> ApiResult<mpsc::Receiver<Result<v1::ChatPost, Status>>> {
        let chat = chat_of(&self.store, caller, &body.brand_id, &body.chat_id).await?;
        let tenant = caller.tenant();
        let seat = self.seat(tenant)?;
        let from = i64::try_from(body.from_position).unwrap_or(i64::MAX);
        let (tx, rx) = mpsc::channel(64);
        let store = self.store.clone();
        let token = self.shutdown.token();
        self.shutdown.spawn("analytics-watch-chat", async move {
            let _seat = seat;
            // The posts before the position teach the annotator which posts asked what.
            let mut annotator = Annotator::default();
            let mut position = 0;
            let wait_us = LABEL_WAIT.as_micros() as i64;
            loop {
                let rows = match sql::chat_posts(&store, tenant, &chat.chat_id, position, 500).await
                {
                    Ok(rows) => rows,
                    Err(e) => {
                        let _ = tx.send(Err(Status::from(ApiError::from(e)))).await;
                        return;
                    }
                };
                let full = rows.len() == 500;
                let now = tagar_store::now_us();
                for (row, labelled, received_us) in &rows {
                    if !labelled && now - received_us < wait_us {
                        break;
                    }
                    position = row.seq;
                    if row.hidden {
                        continue;
                    }
                    let post = annotator.annotate(&chat, row);
                    if row.seq > from && tx.send(Ok(wire::post(&post))).await.is_err() {
                        return;
                    }
                }
                if full && rows.last().is_some_and(|(r, _, _)| r.seq == position) {
                    continue;
                }
                tokio::select! {
                    () = token.cancelled() => return,
                    () = tx.closed() => return,
                    () = tokio::time::sleep(CHAT_POLL) => {}
                }
            }
        });
        Ok(rx)
    }
}

/// `FindChats`: recurring chats in what the caller's scope hears.
pub async fn find(
    store: &Store,
    caller: &Caller,
    body: &v1::FindChatsRequest,
) -> ApiResult<v1::FindChatsResponse> {
    use crate::domain::chat::discover::{MIN_BURST, candidates, top_words};
    use crate::domain::fold::Scope;
    let (scope, brand) = if body.brand_id.trim().is_empty() {
        if !caller.has_every_brand() {
            return Err(ApiError::invalid(
                "brand_id",
                "is required for a key scoped to some brands",
            ));
        }
        (Scope::Tenant, None)
    } else {
        let brand = caller.brand(&body.brand_id)?;
        (Scope::Brand(brand), Some(brand))
    };
    let weeks = match body.weeks {
        0 => 4,
        w if w <= 12 => i64::from(w),
        w => {
            return Err(ApiError::invalid(
                "weeks",
                format!("must be 1 to 12, not {w}"),
            ));
        }
    };
    let limit = match body.limit {
        0 => 20,
        l if l <= 100 => l as usize,
        l => {
            return Err(ApiError::invalid(
                "limit",
                format!("must be 1 to 100, not {l}"),
            ));
        }
    };
    let now = chrono::Utc::now();
    let range_hours = weeks * 7 * 24;
    let from_us = now.timestamp_micros() - range_hours * 3_600_000_000;
    let hours = sql::hourly_tags(store, caller.tenant(), &scope, from_us, MIN_BURST).await?;
    let past = sql::chats_by_tag(store, caller.tenant(), brand).await?;
    let mut chats = Vec::new();
    for c in candidates(&hours, range_hours, now).into_iter().take(limit) {
        let texts = sql::samples(store, caller.tenant(), &c.hashtag, &c.hours).await?;
        chats.push(v1::ChatCandidate {
            top_words: top_words(&texts, 8),
            past_chat_ids: past.get(&c.hashtag).cloned().unwrap_or_default(),
            hashtag: c.hashtag,
            weekday: c.weekday,
            hour_utc: c.hour,
            next_expected_at: Some(tagar_proto::convert::time_to_wire(c.next_at)),
            weeks_seen: c.weeks as u32,
            typical_posts: c.typical_posts.max(0) as u64,
            last_seen_at: Some(tagar_proto::convert::time_to_wire(c.last_at)),
        });
    }
    Ok(v1::FindChatsResponse { chats })
}
