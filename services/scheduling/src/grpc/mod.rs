//! The `tagar.v1.SchedulingService` gRPC handlers: the caller checked for role and brand
//! ([`Caller`](tagar_kernel::Caller)), the request parsed, the command carried out through
//! [`Commands`], and every failure mapped to its gRPC code once ([`tagar_kernel::reply`]).

mod brands;
mod chats;
mod posts;
mod queue;

use std::sync::Arc;

use tagar_kernel::{ApiError, ApiResult, Refusal, reply};
use tagar_networks::{Credentials, Identity, NetworkError};
use tagar_proto::v1::{self, scheduling_service_server::SchedulingService};
use tagar_runtime::auth::Role;
use tagar_runtime::vault::Vault;
use tagar_store::Store;
use tonic::{Request, Response, Status};

use crate::commands::Commands;
use crate::network::Networks;

/// Who may write brands' content, accounts and posts.
const EDITORS: &[Role] = &[Role::Admin, Role::Manager];

/// The scheduling API over the store.
#[derive(Debug, Clone)]
pub struct SchedulingApi {
    store: Store,
    commands: Commands,
    networks: Networks,
    vault: Option<Arc<Vault>>,
}

impl SchedulingApi {
    /// The API over `store`, checking credentials with `networks` and sealing them with
    /// `vault` (without one, accounts can only be connected to the loopback network).
    pub fn new(store: Store, networks: Networks, vault: Option<Arc<Vault>>) -> Self {
        Self {
            commands: Commands::new(store.clone()),
            store,
            networks,
            vault,
        }
    }

    /// Checks `credentials` with their network: whose they are, and the vault to seal them.
    async fn verify(&self, credentials: &Credentials) -> ApiResult<(Identity, &Vault)> {
        let vault = self.vault.as_deref().ok_or_else(|| {
            ApiError::Refused(Refusal::Precondition(
                "credentials cannot be stored: no vault master key is configured (vault.master_keys, \
                 TAGAR__VAULT__MASTER_KEYS; `tagar vault new-key` makes one)"
                    .into(),
            ))
        })?;
        let network = credentials.network();
        let connector = self.networks.get(network).ok_or_else(|| {
            ApiError::Refused(Refusal::Precondition(format!(
                "Tagar cannot connect {network} accounts with credentials yet"
            )))
        })?;
        let identity = connector.verify(credentials).await.map_err(|e| match e {
            NetworkError::Unauthorized { .. } => {
                ApiError::invalid("credentials", format!("were refused: {e}"))
            }
            NetworkError::Refused { .. } => ApiError::invalid("credentials", e.to_string()),
            NetworkError::RateLimited { .. } => ApiError::Exhausted(e.to_string()),
            NetworkError::Unavailable { .. } => ApiError::Unavailable(e.to_string()),
        })?;
        Ok((identity, vault))
    }
}

type Reply<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl SchedulingService for SchedulingApi {
    async fn create_brand(&self, request: Request<v1::CreateBrandRequest>) -> Reply<v1::Brand> {
        reply(brands::create(self, request).await)
    }

    async fn list_brands(
        &self,
        request: Request<v1::ListBrandsRequest>,
    ) -> Reply<v1::ListBrandsResponse> {
        reply(brands::list(self, request).await)
    }

    async fn connect_account(
        &self,
        request: Request<v1::ConnectAccountRequest>,
    ) -> Reply<v1::SocialAccount> {
        reply(brands::connect(self, request).await)
    }

    async fn reconnect_account(
        &self,
        request: Request<v1::ReconnectAccountRequest>,
    ) -> Reply<v1::SocialAccount> {
        reply(brands::reconnect(self, request).await)
    }

    async fn list_accounts(
        &self,
        request: Request<v1::ListAccountsRequest>,
    ) -> Reply<v1::ListAccountsResponse> {
        reply(brands::list_accounts(self, request).await)
    }

    async fn create_draft(
        &self,
        request: Request<v1::CreateDraftRequest>,
    ) -> Reply<v1::ScheduledPost> {
        reply(posts::draft(self, request).await)
    }

    async fn approve_post(
        &self,
        request: Request<v1::ApprovePostRequest>,
    ) -> Reply<v1::ScheduledPost> {
        reply(posts::approve(self, request).await)
    }

    async fn reject_post(
        &self,
        request: Request<v1::RejectPostRequest>,
    ) -> Reply<v1::ScheduledPost> {
        reply(posts::reject(self, request).await)
    }

    async fn schedule_post(
        &self,
        request: Request<v1::SchedulePostRequest>,
    ) -> Reply<v1::ScheduledPost> {
        reply(posts::schedule(self, request).await)
    }

    async fn get_scheduled_post(
        &self,
        request: Request<v1::GetScheduledPostRequest>,
    ) -> Reply<v1::ScheduledPost> {
        reply(posts::get(self, request).await)
    }

    async fn list_scheduled_posts(
        &self,
        request: Request<v1::ListScheduledPostsRequest>,
    ) -> Reply<v1::ListScheduledPostsResponse> {
        reply(posts::list(self, request).await)
    }

    async fn cancel_post(
        &self,
        request: Request<v1::CancelPostRequest>,
    ) -> Reply<v1::ScheduledPost> {
        reply(posts::cancel(self, request).await)
    }

    async fn create_chat(&self, request: Request<v1::CreateChatRequest>) -> Reply<v1::ChatSession> {
        reply(chats::create(self, request).await)
    }

    async fn get_chat(&self, request: Request<v1::GetChatRequest>) -> Reply<v1::ChatSession> {
        reply(chats::get(self, request).await)
    }

    async fn list_chats(
        &self,
        request: Request<v1::ListChatsRequest>,
    ) -> Reply<v1::ListChatsResponse> {
        reply(chats::list(self, request).await)
    }

    async fn reschedule_chat(
        &self,
        request: Request<v1::RescheduleChatRequest>,
    ) -> Reply<v1::ChatSession> {
        reply(chats::reschedule(self, request).await)
    }

    async fn edit_chat(&self, request: Request<v1::EditChatRequest>) -> Reply<v1::ChatSession> {
        reply(chats::edit(self, request).await)
    }

    async fn cancel_chat(&self, request: Request<v1::CancelChatRequest>) -> Reply<v1::ChatSession> {
        reply(chats::cancel(self, request).await)
    }

    async fn pause_queue(&self, request: Request<v1::PauseQueueRequest>) -> Reply<v1::Brand> {
        reply(queue::pause(self, request).await)
    }

    async fn resume_queue(
        &self,
        request: Request<v1::ResumeQueueRequest>,
    ) -> Reply<v1::ResumeQueueResponse> {
        reply(queue::resume(self, request).await)
    }

    async fn post_statement(
        &self,
        request: Request<v1::PostStatementRequest>,
    ) -> Reply<v1::ScheduledPost> {
        reply(queue::statement(self, request).await)
    }
}
