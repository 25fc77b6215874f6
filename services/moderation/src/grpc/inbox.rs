//! The engagement desk's inbox: list what is due first, assign, close, and watch new items.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tagar_kernel::{ApiError, ApiResult, Caller, Expected, request};
use tagar_model::{BrandId, TenantId};
use tagar_proto::v1::{self, InboxState};
use tagar_runtime::Shutdown;
use tagar_store::Store;
use tokio::sync::mpsc;
use tonic::Status;

use crate::commands::Commands;
use crate::domain::inbox::InboxCommand;
use crate::store::inbox::{self as sql, InboxFilter};
use crate::wire;

/// How often a watch looks for new items.
pub const INBOX_POLL: Duration = Duration::from_millis(500);
/// How far back each look reaches past the newest item seen: a transaction that took its
/// time stamp earlier may commit later (another replica), and its item is still shown once.
const COMMIT_LAG_US: i64 = 10_000_000;

/// The inbox's handlers: the store, the commands, and the open watches (at most
/// `per_tenant` a tenant on this server).
#[derive(Debug, Clone)]
pub struct Desk {
    store: Store,
    commands: Commands,
    shutdown: Shutdown,
    per_tenant: usize,
    open: Arc<Mutex<HashMap<TenantId, usize>>>,
}

struct Seat(TenantId, Arc<Mutex<HashMap<TenantId, usize>>>);

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

fn brand_of(caller: &Caller, brand_id: &str) -> ApiResult<Option<BrandId>> {
    if brand_id.trim().is_empty() {
        return Ok(None);
    }
    caller.brand(brand_id).map(Some)
}

fn in_scope(caller: &Caller, row: &sql::InboxRow) -> bool {
    BrandId::parse(&row.brand_id).is_ok_and(|b| caller.may_touch(b))
}

impl Desk {
    /// The desk over `store`; watches end when `shutdown` fires.
    pub fn new(store: Store, shutdown: Shutdown, per_tenant: usize) -> Self {
        Self {
            commands: Commands::new(store.clone()),
            store,
            shutdown,
            per_tenant: per_tenant.max(1),
            open: Arc::default(),
        }
    }

    /// `ListInbox`.
    pub async fn list(
        &self,
        caller: &Caller,
        body: &v1::ListInboxRequest,
    ) -> ApiResult<v1::ListInboxResponse> {
        let states = match InboxState::try_from(body.state) {
            Ok(InboxState::Unspecified) => vec![InboxState::New, InboxState::Assigned],
            Ok(state) => vec![state],
            Err(_) => return Err(ApiError::invalid("state", "unknown inbox state")),
        };
        let assignee = body.assignee.trim();
        let filter = InboxFilter {
            brand: brand_of(caller, &body.brand_id)?,
            states,
            assignee: (!assignee.is_empty()).then(|| assignee.to_owned()),
            opened_after_us: 0,
            limit: request::limit(body.limit, 100, 1_000),
        };
        let mut conn = self.store.acquire().await?;
        let now = tagar_store::now_us();
        let rows = sql::list(&mut conn, caller.tenant(), &filter).await?;
        Ok(v1::ListInboxResponse {
            items: rows
                .into_iter()
                .filter(|r| in_scope(caller, r))
                .map(|r| wire::inbox_item(r, now))
                .collect(),
        })
    }

    /// One of the brand's items; another brand's (or tenant's) is not found.
    async fn item(
        &self,
        caller: &Caller,
        brand_id: &str,
        item_id: &str,
    ) -> ApiResult<(
        BrandId,
        tagar_kernel::Loaded<crate::domain::inbox::InboxItem>,
    )> {
        let brand = caller.brand(brand_id)?;
        let id = request::uuid(item_id, "item_id")?;
        let item = self
            .commands
            .inbox
            .load_of_brand(caller.tenant(), brand, id)
            .await?
            .ok_or_else(|| ApiError::not_found("inbox item"))?;
        Ok((brand, item))
    }

    /// Runs `command` on one of the brand's items; the item as it is after.
    pub async fn on_item(
        &self,
        caller: &Caller,
        (brand_id, item_id, expected): (&str, &str, u64),
        command: InboxCommand,
    ) -> ApiResult<v1::InboxItem> {
        let (brand, item) = self.item(caller, brand_id, item_id).await?;
        let id = item.id;
        self.commands
            .inbox
            .execute(&item, Expected::from_wire(expected), command)
            .await?;
        let mut conn = self.store.acquire().await?;
        let filter = InboxFilter {
            brand: Some(brand),
            limit: 1_000,
            ..InboxFilter::default()
        };
        let id = id.to_string();
        sql::list(&mut conn, caller.tenant(), &filter)
            .await?
            .into_iter()
            .find(|r| r.opened.item_id == id)
            .map(|r| wire::inbox_item(r, tagar_store::now_us()))
            .ok_or_else(|| ApiError::internal("an inbox item has no row"))
    }

    /// `ReplyToInboxItem`: the text checked against the item's network, the account
    /// against the brand's, the author against the never-engage rule; then the reply is
    /// asked of scheduling (it publishes it) and the item waits for it.
    pub async fn reply(
        &self,
        caller: &Caller,
        body: &v1::ReplyToInboxItemRequest,
    ) -> ApiResult<v1::InboxItem> {
        let (brand, item) = self.item(caller, &body.brand_id, &body.item_id).await?;
        let opened = item.state.opened.clone().unwrap_or_default();
        // Without an account named, the answer comes from the support account the item
        // was routed to.
        let account = match (body.account_id.trim(), opened.routed_account_id.as_str()) {
            ("", "") => {
                return Err(ApiError::invalid(
                    "account_id",
                    "is required (the item was routed to no support account)",
                ));
            }
            ("", routed) => routed.to_owned(),
            (named, _) => request::uuid(named, "account_id")?.to_string(),
        };
        let network = tagar_proto::convert::network_from_wire(opened.network, "network")?;
        let mut conn = self.store.acquire().await?;
        match sql::account_network(&mut conn, caller.tenant(), brand, &account).await? {
            None => {
                return Err(ApiError::invalid(
                    "account_id",
                    "is not an account of the brand (one connected a moment ago may take a second to be known here)",
                ));
            }
            Some(n) if n != opened.network => {
                return Err(ApiError::invalid(
                    "account_id",
                    format!("is not on {}, where the item's post is", network.name()),
                ));
            }
            Some(_) => {}
        }
        let text = body.text.trim().to_owned();
        crate::domain::inbox::check_reply(network, &text)?;
        let blocked = crate::store::blocked_among(
            &mut conn,
            caller.tenant(),
            brand,
            &[(opened.network, opened.author_id.as_str())],
        )
        .await?;
        drop(conn);
        let command = InboxCommand::Reply(crate::domain::inbox::Reply {
            reply_post_id: uuid::Uuid::now_v7().to_string(),
            account_id: account,
            text,
            by: caller.subject().to_owned(),
            author_blocked: !blocked.is_empty(),
        });
        let target = (
            body.brand_id.as_str(),
            body.item_id.as_str(),
            body.expected_version,
        );
        self.on_item(caller, target, command).await
    }

    /// `WatchInbox`: the items opened from now on, oldest first.
    pub fn watch(
        &self,
        caller: &Caller,
        body: &v1::WatchInboxRequest,
    ) -> ApiResult<mpsc::Receiver<Result<v1::InboxItem, Status>>> {
        let brand = brand_of(caller, &body.brand_id)?;
        let tenant = caller.tenant();
        let seat = {
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            let n = open.entry(tenant).or_default();
            if *n >= self.per_tenant {
                return Err(ApiError::Exhausted(format!(
                    "the tenant holds {n} inbox streams open on this server, the most it may; close one first"
                )));
            }
            *n += 1;
            Seat(tenant, Arc::clone(&self.open))
        };
        let (tx, rx) = mpsc::channel(64);
        let (store, caller) = (self.store.clone(), caller.clone());
        let token = self.shutdown.token();
        self.shutdown.spawn("moderation-watch-inbox", async move {
            let _seat = seat;
            let mut after = tagar_store::now_us();
            let mut seen: HashMap<String, i64> = HashMap::new();
            loop {
                let filter = InboxFilter {
                    brand,
                    opened_after_us: after - COMMIT_LAG_US,
                    limit: 500,
                    ..InboxFilter::default()
                };
                let rows = match store.acquire().await {
                    Ok(mut conn) => sql::list(&mut conn, tenant, &filter).await,
                    Err(e) => Err(e),
                };
                let rows = match rows {
                    Ok(rows) => rows,
                    Err(e) => {
                        let _ = tx.send(Err(Status::from(ApiError::from(e)))).await;
                        return;
                    }
                };
                let now = tagar_store::now_us();
                for row in rows {
                    after = after.max(row.opened_at_us);
                    let id = row.opened.item_id.clone();
                    if seen.insert(id, row.opened_at_us).is_some() || !in_scope(&caller, &row) {
                        continue;
                    }
                    if tx.send(Ok(wire::inbox_item(row, now))).await.is_err() {
                        return;
                    }
                }
                seen.retain(|_, at| *at >= after - COMMIT_LAG_US);
                tokio::select! {
                    () = token.cancelled() => return,
                    () = tx.closed() => return,
                    () = tokio::time::sleep(INBOX_POLL) => {}
                }
            }
        });
        Ok(rx)
    }
}
