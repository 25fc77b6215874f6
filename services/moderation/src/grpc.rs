//! The `tagar.v1.ModerationService` handlers: authenticate, check role and brand, call the
//! domain through `commands`, map errors once.

use tagar_model::{BrandId, TenantId};
use tagar_proto::v1::moderation_service_server::ModerationService;
use tagar_proto::v1::{
    AssignCaseRequest, CaseState, DecideCaseRequest, Decision, GetPolicyRequest,
    ListReviewCasesRequest, ListReviewCasesResponse, ModerationPolicy as WirePolicy, ReviewCase,
};
use tagar_runtime::auth::{Principal, Role, principal_from};
use tagar_store::{Store, StoreError};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::commands::{self, CommandError};
use crate::domain::DomainError;
use crate::domain::case::CaseCommand;
use crate::domain::policy::ModerationPolicy;
use crate::store::{self, CaseRow};

/// Who may work the review queue.
const CASE_ROLES: [Role; 3] = [Role::Admin, Role::Manager, Role::Moderator];
/// Who may read and change a brand's policy.
const POLICY_ROLES: [Role; 2] = [Role::Admin, Role::Manager];
/// Cases listed when the request gives no limit, and the most it may ask for.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

/// The gRPC service.
#[derive(Clone)]
pub struct ModerationApi {
    store: Store,
}

impl ModerationApi {
    /// The service over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

fn store_failed(e: StoreError) -> Status {
    tracing::error!(error = %e, "moderation store failed");
    Status::internal("the moderation store failed; try again")
}

fn status(e: CommandError) -> Status {
    match e {
        CommandError::Refused(d @ DomainError::Invalid { .. }) => {
            Status::invalid_argument(d.to_string())
        }
        CommandError::Refused(d @ DomainError::CaseNotFound) => Status::not_found(d.to_string()),
        CommandError::Refused(d) => Status::failed_precondition(d.to_string()),
        CommandError::Conflict => Status::aborted("version conflict: reload and retry"),
        CommandError::Store(e) => store_failed(e),
    }
}

/// The caller's tenant and the request's brand, after the role and brand checks.
fn scope(
    principal: &Principal,
    roles: &[Role],
    brand_id: &str,
) -> Result<(TenantId, BrandId), Status> {
    principal.require_role(roles)?;
    let brand = BrandId::parse(brand_id)
        .map_err(|_| Status::invalid_argument("brand_id: is not a UUID"))?;
    principal.require_brand(*brand.as_uuid())?;
    Ok((TenantId::from_uuid(principal.tenant), brand))
}

fn case_id(s: &str) -> Result<Uuid, Status> {
    Uuid::parse_str(s.trim()).map_err(|_| Status::invalid_argument("case_id: is not a UUID"))
}

fn wire_case(row: CaseRow) -> ReviewCase {
    ReviewCase {
        case_id: row.case_id,
        brand_id: row.brand_id,
        network: row.network,
        native_id: row.native_id,
        author_id: row.author_id,
        text: row.text,
        reasons: row.reasons,
        hidden: row.hidden,
        state: row.state,
        assignee: row.assignee,
        decision: row.decision,
        opened_at: Some(prost_types::Timestamp {
            seconds: row.opened_at_us.div_euclid(1_000_000),
            nanos: (row.opened_at_us.rem_euclid(1_000_000) * 1_000) as i32,
        }),
        version: row.version,
    }
}

fn wire_policy(brand: BrandId, p: ModerationPolicy) -> WirePolicy {
    WirePolicy {
        brand_id: brand.to_string(),
        review_threshold: p.review_threshold,
        hide_threshold: p.hide_threshold,
        spam_hide_threshold: p.spam_hide_threshold,
    }
}

#[tonic::async_trait]
impl ModerationService for ModerationApi {
    async fn list_review_cases(
        &self,
        request: Request<ListReviewCasesRequest>,
    ) -> Result<Response<ListReviewCasesResponse>, Status> {
        let (tenant, brand) = scope(
            principal_from(&request)?,
            &CASE_ROLES,
            &request.get_ref().brand_id,
        )?;
        let req = request.into_inner();
        let states = match CaseState::try_from(req.state) {
            Ok(CaseState::Unspecified) => vec![CaseState::Open as i32, CaseState::Assigned as i32],
            Ok(state) => vec![state as i32],
            Err(_) => return Err(Status::invalid_argument("state: unknown case state")),
        };
        let limit = match req.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let mut conn = self
            .store
            .pool()
            .acquire()
            .await
            .map_err(|e| store_failed(e.into()))?;
        let rows = store::list_cases(&mut conn, tenant, brand, &states, limit)
            .await
            .map_err(store_failed)?;
        Ok(Response::new(ListReviewCasesResponse {
            cases: rows.into_iter().map(wire_case).collect(),
        }))
    }

    async fn assign_case(
        &self,
        request: Request<AssignCaseRequest>,
    ) -> Result<Response<ReviewCase>, Status> {
        let principal = principal_from(&request)?;
        let (tenant, brand) = scope(principal, &CASE_ROLES, &request.get_ref().brand_id)?;
        let subject = principal.subject.clone();
        let req = request.into_inner();
        let id = case_id(&req.case_id)?;
        // Without a moderator named, the caller takes the case.
        let moderator = if req.moderator.trim().is_empty() {
            subject
        } else {
            req.moderator
        };
        let row = commands::execute_case(
            &self.store,
            (tenant, brand, id),
            req.expected_version,
            CaseCommand::Assign { moderator },
        )
        .await
        .map_err(status)?;
        Ok(Response::new(wire_case(row)))
    }

    async fn decide_case(
        &self,
        request: Request<DecideCaseRequest>,
    ) -> Result<Response<ReviewCase>, Status> {
        let principal = principal_from(&request)?;
        let (tenant, brand) = scope(principal, &CASE_ROLES, &request.get_ref().brand_id)?;
        let moderator = principal.subject.clone();
        let req = request.into_inner();
        let id = case_id(&req.case_id)?;
        let decision = Decision::try_from(req.decision)
            .map_err(|_| Status::invalid_argument("decision: unknown decision"))?;
        let row = commands::execute_case(
            &self.store,
            (tenant, brand, id),
            req.expected_version,
            CaseCommand::Decide {
                decision,
                moderator,
                note: req.note,
            },
        )
        .await
        .map_err(status)?;
        Ok(Response::new(wire_case(row)))
    }

    async fn get_policy(
        &self,
        request: Request<GetPolicyRequest>,
    ) -> Result<Response<WirePolicy>, Status> {
        let (tenant, brand) = scope(
            principal_from(&request)?,
            &POLICY_ROLES,
            &request.get_ref().brand_id,
        )?;
        let mut conn = self
            .store
            .pool()
            .acquire()
            .await
            .map_err(|e| store_failed(e.into()))?;
        let policy = store::policy(&mut conn, tenant, brand)
            .await
            .map_err(store_failed)?
            .map_or_else(ModerationPolicy::default, |(p, _)| p);
        Ok(Response::new(wire_policy(brand, policy)))
    }

    async fn set_policy(
        &self,
        request: Request<WirePolicy>,
    ) -> Result<Response<WirePolicy>, Status> {
        let (tenant, brand) = scope(
            principal_from(&request)?,
            &POLICY_ROLES,
            &request.get_ref().brand_id,
        )?;
        let req = request.into_inner();
        let thresholds = (
            req.review_threshold,
            req.hide_threshold,
            req.spam_hide_threshold,
        );
        let (policy, _) = commands::set_policy(&self.store, tenant, brand, thresholds)
            .await
            .map_err(status)?;
        Ok(Response::new(wire_policy(brand, policy)))
    }
}
