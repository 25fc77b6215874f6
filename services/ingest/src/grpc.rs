//! The `IngestService` gRPC handlers: authenticate, check role and brand, call the domain,
//! map errors once.

use std::sync::Arc;

use futures::StreamExt;
use tagar_model::{BrandId, Post, TenantId};
use tagar_proto::v1::{self, ingest_service_server::IngestService};
use tagar_runtime::auth::{Principal, Role, principal_from};
use tagar_store::{Store, StoreError};
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::domain::RuleError;
use crate::ingestor::{Ingestor, Source};
use crate::rule_cache::RuleCache;
use crate::rules::{self, RuleCommandError};
use crate::wire;

/// The most posts matched and published in one batch; a larger request is split.
pub const MAX_BATCH: usize = 5_000;
/// The most request messages coalesced into one batch when they arrive together.
const MESSAGES_PER_BATCH: usize = 64;
/// The most per-post errors a response lists.
pub const MAX_ERRORS: usize = 1_000;

const PUSHERS: &[Role] = &[Role::Admin, Role::Manager, Role::Service];
const RULE_EDITORS: &[Role] = &[Role::Admin, Role::Manager];

/// The gRPC service.
pub struct IngestGrpc {
    store: Store,
    ingestor: Arc<Ingestor>,
    rules: Arc<RuleCache>,
}

impl IngestGrpc {
    /// Handlers over the store, the ingest path and the rule cache.
    pub fn new(store: Store, ingestor: Arc<Ingestor>, rules: Arc<RuleCache>) -> Self {
        Self {
            store,
            ingestor,
            rules,
        }
    }
}

fn tenant_of(principal: &Principal) -> TenantId {
    TenantId::from_uuid(principal.tenant)
}

fn brand_in_scope(principal: &Principal, raw: &str) -> Result<BrandId, Status> {
    let brand =
        BrandId::parse(raw).map_err(|_| Status::invalid_argument("brand_id: is not a UUID"))?;
    principal.require_brand(*brand.as_uuid())?;
    Ok(brand)
}

fn store_status(e: &StoreError) -> Status {
    match e {
        StoreError::Conflict { .. } => Status::aborted("version conflict: reload and retry"),
        other => {
            tracing::error!(error = %other, "ingest store failure");
            Status::internal("the store failed; try again")
        }
    }
}

fn command_status(e: RuleCommandError) -> Status {
    match e {
        RuleCommandError::Refused(e @ RuleError::Invalid { .. }) => {
            Status::invalid_argument(e.to_string())
        }
        RuleCommandError::Refused(e @ RuleError::AlreadyExists) => {
            Status::already_exists(e.to_string())
        }
        RuleCommandError::Refused(e @ RuleError::NotFound) => Status::not_found(e.to_string()),
        RuleCommandError::Store(e) => store_status(&e),
    }
}

impl IngestGrpc {
    async fn flush(
        &self,
        tenant: TenantId,
        batch: &mut Vec<Post>,
        out: &mut v1::PushPostsResponse,
    ) -> Result<(), Status> {
        if batch.is_empty() {
            return Ok(());
        }
        let posts = std::mem::take(batch);
        let outcome = self
            .ingestor
            .ingest(tenant, posts, Source::Push)
            .await
            .map_err(|e| {
                tracing::error!(%tenant, error = %e, "a pushed batch could not be ingested");
                Status::unavailable(format!(
                    "posts could not be published ({e}); retry the stream: posts already taken count as duplicates"
                ))
            })?;
        out.accepted += outcome.accepted;
        out.duplicates += outcome.duplicates;
        Ok(())
    }
}

#[tonic::async_trait]
impl IngestService for IngestGrpc {
    async fn push_posts(
        &self,
        request: Request<Streaming<v1::PushPostsRequest>>,
    ) -> Result<Response<v1::PushPostsResponse>, Status> {
        let principal = principal_from(&request)?;
        principal.require_role(PUSHERS)?;
        let tenant = tenant_of(principal);
        let mut stream = request.into_inner().ready_chunks(MESSAGES_PER_BATCH);
        let mut out = v1::PushPostsResponse::default();
        let mut batch: Vec<Post> = Vec::new();
        let mut index: u64 = 0;
        while let Some(messages) = stream.next().await {
            for message in messages {
                for wire_post in message?.posts {
                    match Post::try_from(wire_post) {
                        Ok(post) => batch.push(post),
                        Err(e) => {
                            out.rejected += 1;
                            if out.errors.len() < MAX_ERRORS {
                                out.errors.push(v1::PostError {
                                    index,
                                    field: e.field,
                                    reason: e.reason,
                                });
                            }
                        }
                    }
                    index += 1;
                    if batch.len() >= MAX_BATCH {
                        self.flush(tenant, &mut batch, &mut out).await?;
                    }
                }
            }
            self.flush(tenant, &mut batch, &mut out).await?;
        }
        self.ingestor.count(Source::Push, "rejected", out.rejected);
        Ok(Response::new(out))
    }

    async fn add_listening_rule(
        &self,
        request: Request<v1::AddListeningRuleRequest>,
    ) -> Result<Response<v1::AddListeningRuleResponse>, Status> {
        let principal = principal_from(&request)?;
        principal.require_role(RULE_EDITORS)?;
        let tenant = tenant_of(principal);
        let req = request.get_ref();
        let brand = brand_in_scope(principal, &req.brand_id)?;
        let kind = wire::kind_from(req.kind, "kind")
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let rule = rules::add(&self.store, tenant, brand, kind, &req.pattern)
            .await
            .map_err(command_status)?;
        self.rules.invalidate(tenant);
        Ok(Response::new(v1::AddListeningRuleResponse {
            rule: Some(wire::rule_to(&rule)),
        }))
    }

    async fn remove_listening_rule(
        &self,
        request: Request<v1::RemoveListeningRuleRequest>,
    ) -> Result<Response<v1::RemoveListeningRuleResponse>, Status> {
        let principal = principal_from(&request)?;
        principal.require_role(RULE_EDITORS)?;
        let tenant = tenant_of(principal);
        let req = request.get_ref();
        let brand = brand_in_scope(principal, &req.brand_id)?;
        let rule_id = Uuid::parse_str(req.rule_id.trim())
            .map_err(|_| Status::invalid_argument("rule_id: is not a UUID"))?;
        rules::remove(&self.store, tenant, brand, rule_id)
            .await
            .map_err(command_status)?;
        self.rules.invalidate(tenant);
        Ok(Response::new(v1::RemoveListeningRuleResponse {}))
    }

    async fn list_listening_rules(
        &self,
        request: Request<v1::ListListeningRulesRequest>,
    ) -> Result<Response<v1::ListListeningRulesResponse>, Status> {
        let principal = principal_from(&request)?;
        principal.require_role(RULE_EDITORS)?;
        let tenant = tenant_of(principal);
        let brand = brand_in_scope(principal, &request.get_ref().brand_id)?;
        let rules = rules::list(&self.store, tenant, brand)
            .await
            .map_err(|e| store_status(&e))?;
        Ok(Response::new(v1::ListListeningRulesResponse {
            rules: rules.iter().map(wire::rule_to).collect(),
        }))
    }
}
