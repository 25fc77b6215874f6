//! The `tagar.v1.ModerationService` handlers: authenticate, check role and brand, call the
//! domain through `commands`, map errors once.

use tagar_kernel::{ApiError, ApiResult, Caller, Expected, reply, request};
use tagar_model::BrandId;
use tagar_proto::v1::moderation_service_server::ModerationService;
use tagar_proto::v1::{
    self, AssignCaseRequest, CaseState, DecideCaseRequest, Decision, GetPolicyRequest,
    ListReviewCasesRequest, ListReviewCasesResponse, ModerationPolicy as WirePolicy, ReviewCase,
};
use tagar_runtime::auth::Role;
use tagar_store::Store;
use tonic::{Request, Response, Status};

use crate::commands::Commands;
use crate::domain::case::CaseCommand;
use crate::domain::inbox::InboxCommand;
use crate::domain::policy::ModerationPolicy;
use crate::{store, wire};

/// Who may work the review queue.
const CASE_ROLES: [Role; 3] = [Role::Admin, Role::Manager, Role::Moderator];
/// Who may read and change a brand's policy.
const POLICY_ROLES: [Role; 2] = [Role::Admin, Role::Manager];
/// Cases listed when the request gives no limit, and the most it may ask for.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

mod inbox;

/// A request naming one inbox item: (brand, item, expected version).
trait ItemTarget {
    fn target(&self) -> (&str, &str, u64);
}

macro_rules! item_target {
    ($($request:ty),*) => {$(
        impl ItemTarget for $request {
            fn target(&self) -> (&str, &str, u64) {
                (&self.brand_id, &self.item_id, self.expected_version)
            }
        }
    )*};
}

item_target!(
    v1::AssignInboxItemRequest,
    v1::CloseInboxItemRequest,
    v1::ActOnInboxAuthorRequest
);
pub use inbox::INBOX_POLL;

/// Who may work the inbox.
const DESK_ROLES: [Role; 3] = [Role::Admin, Role::Manager, Role::Moderator];

/// The gRPC service.
#[derive(Debug, Clone)]
pub struct ModerationApi {
    store: Store,
    commands: Commands,
    desk: inbox::Desk,
}

impl ModerationApi {
    /// The service over `store`; inbox watches end with `shutdown`, at most
    /// `streams_per_tenant` a tenant.
    pub fn new(store: Store, shutdown: tagar_runtime::Shutdown, streams_per_tenant: usize) -> Self {
        Self {
            commands: Commands::new(store.clone()),
            desk: inbox::Desk::new(store.clone(), shutdown, streams_per_tenant),
            store,
        }
    }
}

impl ModerationApi {
    /// Runs the command `make` builds from the caller and request on the item it names.
    async fn on_inbox_item<T: ItemTarget>(
        &self,
        request: &Request<T>,
        make: impl FnOnce(&Caller, &T) -> ApiResult<InboxCommand>,
    ) -> ApiResult<v1::InboxItem> {
        let caller = Caller::of(request, &DESK_ROLES)?;
        let req = request.get_ref();
        let command = make(&caller, req)?;
        self.desk.on_item(&caller, req.target(), command).await
    }

    async fn list_cases(
        &self,
        request: Request<ListReviewCasesRequest>,
    ) -> ApiResult<ListReviewCasesResponse> {
        let caller = Caller::of(&request, &CASE_ROLES)?;
        let brand = caller.brand(&request.get_ref().brand_id)?;
        let req = request.into_inner();
        let states = match CaseState::try_from(req.state) {
            Ok(CaseState::Unspecified) => vec![CaseState::Open, CaseState::Assigned],
            Ok(state) => vec![state],
            Err(_) => return Err(ApiError::invalid("state", "unknown case state")),
        };
        let limit = request::limit(req.limit, DEFAULT_LIMIT, MAX_LIMIT);
        let mut conn = self.store.acquire().await?;
        let rows = store::list_cases(&mut conn, caller.tenant(), brand, &states, limit).await?;
        Ok(ListReviewCasesResponse {
            cases: rows.into_iter().map(wire::case).collect(),
        })
    }

    /// Runs an assign or decide command on one of the brand's cases.
    async fn on_case(
        &self,
        caller: &Caller,
        (brand, case_id, expected): (BrandId, &str, u64),
        command: CaseCommand,
    ) -> ApiResult<ReviewCase> {
        let id = request::uuid(case_id, "case_id")?;
        // Another brand's case is as good as missing to this caller.
        let case = self
            .commands
            .cases
            .load_of_brand(caller.tenant(), brand, id)
            .await?
            .ok_or_else(|| ApiError::not_found("review case"))?;
        self.commands
            .cases
            .execute(&case, Expected::from_wire(expected), command)
            .await?;
        let mut conn = self.store.acquire().await?;
        let row = store::case(&mut conn, caller.tenant(), &id.to_string())
            .await?
            .ok_or_else(|| ApiError::internal("a decided case has no queue row"))?;
        Ok(wire::case(row))
    }

    async fn assign(&self, request: Request<AssignCaseRequest>) -> ApiResult<ReviewCase> {
        let caller = Caller::of(&request, &CASE_ROLES)?;
        let req = request.into_inner();
        let brand = caller.brand(&req.brand_id)?;
        // Without a moderator named, the caller takes the case.
        let moderator = if req.moderator.trim().is_empty() {
            caller.subject().to_owned()
        } else {
            req.moderator
        };
        let target = (brand, req.case_id.as_str(), req.expected_version);
        self.on_case(&caller, target, CaseCommand::Assign { moderator })
            .await
    }

    async fn decide(&self, request: Request<DecideCaseRequest>) -> ApiResult<ReviewCase> {
        let caller = Caller::of(&request, &CASE_ROLES)?;
        let req = request.into_inner();
        let brand = caller.brand(&req.brand_id)?;
        let decision = Decision::try_from(req.decision)
            .map_err(|_| ApiError::invalid("decision", "unknown decision"))?;
        let command = CaseCommand::Decide {
            decision,
            moderator: caller.subject().to_owned(),
            note: req.note,
        };
        let target = (brand, req.case_id.as_str(), req.expected_version);
        self.on_case(&caller, target, command).await
    }

    async fn get_policy_of(&self, request: Request<GetPolicyRequest>) -> ApiResult<WirePolicy> {
        let caller = Caller::of(&request, &POLICY_ROLES)?;
        let brand = caller.brand(&request.get_ref().brand_id)?;
        let mut conn = self.store.acquire().await?;
        let policy = store::policy(&mut conn, caller.tenant(), brand)
            .await?
            .map_or_else(ModerationPolicy::default, |(p, _)| p);
        Ok(wire::policy(brand, policy))
    }

    async fn set_policy_of(&self, request: Request<WirePolicy>) -> ApiResult<WirePolicy> {
        let caller = Caller::of(&request, &POLICY_ROLES)?;
        let brand = caller.brand(&request.get_ref().brand_id)?;
        let req = request.into_inner();
        let thresholds = (
            req.review_threshold,
            req.hide_threshold,
            req.spam_hide_threshold,
        );
        let support = match req.support_account_id.trim() {
            "" => None,
            id => {
                let account = request::uuid(id, "support_account_id")?;
                let mut conn = self.store.acquire().await?;
                let known = store::inbox::account_network(
                    &mut conn,
                    caller.tenant(),
                    brand,
                    &account.to_string(),
                )
                .await?;
                if known.is_none() {
                    return Err(ApiError::invalid(
                        "support_account_id",
                        "is not an account of the brand (one connected a moment ago may take a second to be known here)",
                    ));
                }
                Some(account)
            }
        };
        let policy = self
            .commands
            .set_policy(
                caller.tenant(),
                brand,
                thresholds,
                (req.first_response_minutes, support),
            )
            .await?;
        Ok(wire::policy(brand, policy.state.in_force()))
    }
}

#[tonic::async_trait]
impl ModerationService for ModerationApi {
    async fn list_review_cases(
        &self,
        request: Request<ListReviewCasesRequest>,
    ) -> Result<Response<ListReviewCasesResponse>, Status> {
        reply(self.list_cases(request).await)
    }

    async fn assign_case(
        &self,
        request: Request<AssignCaseRequest>,
    ) -> Result<Response<ReviewCase>, Status> {
        reply(self.assign(request).await)
    }

    async fn decide_case(
        &self,
        request: Request<DecideCaseRequest>,
    ) -> Result<Response<ReviewCase>, Status> {
        reply(self.decide(request).await)
    }

    async fn get_policy(
        &self,
        request: Request<GetPolicyRequest>,
    ) -> Result<Response<WirePolicy>, Status> {
        reply(self.get_policy_of(request).await)
    }

    async fn set_policy(
        &self,
        request: Request<WirePolicy>,
    ) -> Result<Response<WirePolicy>, Status> {
        reply(self.set_policy_of(request).await)
    }

    async fn list_inbox(
        &self,
        request: Request<v1::ListInboxRequest>,
    ) -> Result<Response<v1::ListInboxResponse>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &DESK_ROLES)?;
                self.desk.list(&caller, request.get_ref()).await
            }
            .await,
        )
    }

    async fn assign_inbox_item(
        &self,
        request: Request<v1::AssignInboxItemRequest>,
    ) -> Result<Response<v1::InboxItem>, Status> {
        reply(
            self.on_inbox_item(&request, |caller, req| {
                // Without an assignee named, the caller takes the item.
                let assignee = match req.assignee.trim() {
                    "" => caller.subject().to_owned(),
                    named => named.to_owned(),
                };
                Ok(InboxCommand::Assign {
                    assignee,
                    by: caller.subject().to_owned(),
                })
            })
            .await,
        )
    }

    async fn close_inbox_item(
        &self,
        request: Request<v1::CloseInboxItemRequest>,
    ) -> Result<Response<v1::InboxItem>, Status> {
        reply(
            self.on_inbox_item(&request, |caller, req| {
                Ok(InboxCommand::Close {
                    by: caller.subject().to_owned(),
                    reason: req.reason.clone(),
                })
            })
            .await,
        )
    }

    async fn reply_to_inbox_item(
        &self,
        request: Request<v1::ReplyToInboxItemRequest>,
    ) -> Result<Response<v1::InboxItem>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &DESK_ROLES)?;
                self.desk.reply(&caller, request.get_ref()).await
            }
            .await,
        )
    }

    async fn act_on_inbox_author(
        &self,
        request: Request<v1::ActOnInboxAuthorRequest>,
    ) -> Result<Response<v1::InboxItem>, Status> {
        reply(
            self.on_inbox_item(&request, |caller, req| {
                let action = v1::AuthorAction::try_from(req.action)
                    .map_err(|_| ApiError::invalid("action", "unknown action"))?;
                Ok(InboxCommand::ActOnAuthor {
                    action,
                    by: caller.subject().to_owned(),
                    reason: req.reason.clone(),
                })
            })
            .await,
        )
    }

    type WatchInboxStream = tokio_stream::wrappers::ReceiverStream<Result<v1::InboxItem, Status>>;

    async fn watch_inbox(
        &self,
        request: Request<v1::WatchInboxRequest>,
    ) -> Result<Response<Self::WatchInboxStream>, Status> {
        let caller = Caller::of(&request, &DESK_ROLES).map_err(Status::from)?;
        let rx = self
            .desk
            .watch(&caller, request.get_ref())
            .map_err(Status::from)?;
        Ok(Response::new(tokio_stream::wrappers::ReceiverStream::new(
            rx,
        )))
    }
}
