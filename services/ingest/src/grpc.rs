//! The `IngestService` gRPC handlers: authenticate, check role and brand, call the domain,
//! map errors once.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tagar_kernel::{ApiError, ApiResult, Caller, reply, request};
use tagar_model::{Post, TenantId};
use tagar_proto::v1::{self, ingest_service_server::IngestService};
use tagar_runtime::auth::{BrandScope, Role};
use tagar_store::Store;
use tonic::{Request, Response, Status, Streaming};

use crate::commands::Commands;
use crate::ingestor::{InFlight, IngestError, Ingestor, Source};
use crate::metrics::Stage;
use crate::rule_cache::RuleCache;
use crate::{store, wire};

/// The most posts matched and published in one batch; a larger request is split.
pub const MAX_BATCH: usize = 5_000;
/// The most batches of one stream handed to the log and not yet acknowledged: while the
/// broker acknowledges them, the stream's next messages are read, checked and matched.
pub const IN_FLIGHT: usize = 4;
/// The most request messages coalesced into one batch when they arrive together.
const MESSAGES_PER_BATCH: usize = 64;
/// The most per-post errors a response lists.
pub const MAX_ERRORS: usize = 1_000;
/// The largest message of a `PushPosts` stream, in bytes (tonic's default decode limit).
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

const PUSHERS: &[Role] = &[Role::Admin, Role::Manager, Role::Service];
const RULE_EDITORS: &[Role] = &[Role::Admin, Role::Manager];

/// The posts of a stream waiting to be ingested, and the time their conversion took.
#[derive(Default)]
struct Batch {
    posts: Vec<Post>,
    decoding: Duration,
}

/// The gRPC service.
pub struct IngestGrpc {
    store: Store,
    commands: Commands,
    ingestor: Arc<Ingestor>,
    rules: Arc<RuleCache>,
}

impl IngestGrpc {
    /// Handlers over the store, the ingest path and the rule cache, holding each tenant to
    /// `rules_per_tenant` listening rules.
    pub fn new(
        store: Store,
        ingestor: Arc<Ingestor>,
        rules: Arc<RuleCache>,
        rules_per_tenant: u32,
    ) -> Self {
        Self {
            commands: Commands::new(store.clone(), rules_per_tenant),
            store,
            ingestor,
            rules,
        }
    }
}

/// A push stream as it goes: the posts waiting for a batch, the batches handed to the log
/// and not yet acknowledged (oldest first), and the counts so far.
#[derive(Default)]
struct Push {
    batch: Batch,
    in_flight: VecDeque<InFlight>,
    out: v1::PushPostsResponse,
}

impl IngestGrpc {
    /// Takes the batch's posts in: matched and encoded here, then handed to the log behind
    /// the stream's earlier batches; the oldest are waited for when [`IN_FLIGHT`] are out.
    async fn flush(
        &self,
        (tenant, scope): (TenantId, &BrandScope),
        push: &mut Push,
    ) -> ApiResult<()> {
        if push.batch.posts.is_empty() {
            return Ok(());
        }
        self.ingestor
            .timed(Stage::Decode, std::mem::take(&mut push.batch.decoding));
        let posts = std::mem::take(&mut push.batch.posts);
        let prepared = self
            .ingestor
            .prepare(tenant, scope, posts, Source::Push)
            .await
            .map_err(|e| unpublished(tenant, &e))?;
        while push.in_flight.len() >= IN_FLIGHT {
            self.settle_oldest(tenant, push).await?;
        }
        let in_flight = self
            .ingestor
            .enqueue(prepared)
            .await
            .map_err(|e| unpublished(tenant, &e))?;
        push.in_flight.push_back(in_flight);
        Ok(())
    }

    /// Waits for every batch still in flight.
    async fn drain(&self, tenant: TenantId, push: &mut Push) -> ApiResult<()> {
        while !push.in_flight.is_empty() {
            self.settle_oldest(tenant, push).await?;
        }
        Ok(())
    }

    async fn settle_oldest(&self, tenant: TenantId, push: &mut Push) -> ApiResult<()> {
        let Some(oldest) = push.in_flight.pop_front() else {
            return Ok(());
        };
        let outcome = self
            .ingestor
            .settle(oldest)
            .await
            .map_err(|e| unpublished(tenant, &e))?;
        push.out.accepted += outcome.accepted;
        push.out.duplicates += outcome.duplicates;
        Ok(())
    }
}

/// A batch the log did not take: the stream ends, to be sent again.
fn unpublished(tenant: TenantId, e: &IngestError) -> ApiError {
    tracing::error!(%tenant, error = %e, "a pushed batch could not be ingested");
    ApiError::Unavailable(format!(
        "posts could not be published ({e}); retry the stream: the posts already taken are dropped as copies"
    ))
}

/// Why the stream stopped on a message that could not be read: one too large to decode, or
/// a stream that broke off. What was taken before it is said, so the caller can resume.
fn unreadable(status: &Status, index: u64, out: &v1::PushPostsResponse) -> ApiError {
    let taken = format!(
        "{} posts before it were taken ({} accepted, {} duplicates, {} rejected); sent again, \
         the accepted ones are dropped as copies",
        index, out.accepted, out.duplicates, out.rejected
    );
    match status.code() {
        tonic::Code::OutOfRange | tonic::Code::ResourceExhausted | tonic::Code::InvalidArgument => {
            ApiError::invalid(
                "posts",
                format!(
                    "the message after post {index} could not be read ({}): a PushPosts message \
                     may be at most {} MiB, so send fewer posts per message; {taken}",
                    status.message(),
                    MAX_MESSAGE_BYTES / (1024 * 1024)
                ),
            )
        }
        _ => ApiError::Unavailable(format!(
            "the stream broke off after post {index} ({}); {taken}",
            status.message()
        )),
    }
}

impl IngestGrpc {
    async fn push(
        &self,
        request: Request<Streaming<v1::PushPostsRequest>>,
    ) -> ApiResult<v1::PushPostsResponse> {
        let caller = Caller::of(&request, PUSHERS)?;
        let tenant = caller.tenant();
        let mut stream = request.into_inner().ready_chunks(MESSAGES_PER_BATCH);
        let mut push = Push::default();
        let scope = (tenant, caller.brands());
        let mut index: u64 = 0;
        while let Some(messages) = stream.next().await {
            for message in messages {
                let message = match message {
                    Ok(message) => message,
                    Err(status) => {
                        // Take what came before it, then say where the stream stopped.
                        self.flush(scope, &mut push).await?;
                        self.drain(tenant, &mut push).await?;
                        return Err(unreadable(&status, index, &push.out));
                    }
                };
                for wire_post in message.posts {
                    let started = Instant::now();
                    let converted = Post::try_from(wire_post);
                    push.batch.decoding += started.elapsed();
                    match converted {
                        Ok(post) => push.batch.posts.push(post),
                        Err(e) => {
                            push.out.rejected += 1;
                            if push.out.errors.len() < MAX_ERRORS {
                                push.out.errors.push(v1::PostError {
                                    index,
                                    field: e.field,
                                    reason: e.reason,
                                });
                            }
                        }
                    }
                    index += 1;
                    if push.batch.posts.len() >= MAX_BATCH {
                        self.flush(scope, &mut push).await?;
                    }
                }
            }
            self.flush(scope, &mut push).await?;
        }
        self.drain(tenant, &mut push).await?;
        self.ingestor
            .count(Source::Push, "rejected", push.out.rejected);
        Ok(push.out)
    }

    async fn add_rule(
        &self,
        request: Request<v1::AddListeningRuleRequest>,
    ) -> ApiResult<v1::AddListeningRuleResponse> {
        let caller = Caller::of(&request, RULE_EDITORS)?;
        let req = request.get_ref();
        let brand = caller.brand(&req.brand_id)?;
        let kind = wire::kind_from(req.kind, "kind")?;
        let rule = self
            .commands
            .add(caller.tenant(), brand, kind, &req.pattern)
            .await?;
        self.rules.invalidate(caller.tenant());
        Ok(v1::AddListeningRuleResponse {
            rule: Some(wire::rule_to(&rule)),
        })
    }

    async fn remove_rule(
        &self,
        request: Request<v1::RemoveListeningRuleRequest>,
    ) -> ApiResult<v1::RemoveListeningRuleResponse> {
        let caller = Caller::of(&request, RULE_EDITORS)?;
        let req = request.get_ref();
        let brand = caller.brand(&req.brand_id)?;
        let rule_id = request::uuid(&req.rule_id, "rule_id")?;
        self.commands
            .remove(caller.tenant(), brand, rule_id)
            .await?;
        self.rules.invalidate(caller.tenant());
        Ok(v1::RemoveListeningRuleResponse {})
    }

    async fn list_rules(
        &self,
        request: Request<v1::ListListeningRulesRequest>,
    ) -> ApiResult<v1::ListListeningRulesResponse> {
        let caller = Caller::of(&request, RULE_EDITORS)?;
        let brand = caller.brand(&request.get_ref().brand_id)?;
        let mut conn = self.store.acquire().await?;
        let rules = store::active_rules(&mut conn, caller.tenant(), Some(brand)).await?;
        Ok(v1::ListListeningRulesResponse {
            rules: rules.iter().map(wire::rule_to).collect(),
        })
    }
}

#[tonic::async_trait]
impl IngestService for IngestGrpc {
    async fn push_posts(
        &self,
        request: Request<Streaming<v1::PushPostsRequest>>,
    ) -> Result<Response<v1::PushPostsResponse>, Status> {
        reply(self.push(request).await)
    }

    async fn add_listening_rule(
        &self,
        request: Request<v1::AddListeningRuleRequest>,
    ) -> Result<Response<v1::AddListeningRuleResponse>, Status> {
        reply(self.add_rule(request).await)
    }

    async fn remove_listening_rule(
        &self,
        request: Request<v1::RemoveListeningRuleRequest>,
    ) -> Result<Response<v1::RemoveListeningRuleResponse>, Status> {
        reply(self.remove_rule(request).await)
    }

    async fn list_listening_rules(
        &self,
        request: Request<v1::ListListeningRulesRequest>,
    ) -> Result<Response<v1::ListListeningRulesResponse>, Status> {
        reply(self.list_rules(request).await)
    }
}
