//! The `tagar.v1.SchedulingService` gRPC handlers: the caller checked for role and brand
//! ([`Caller`](tagar_kernel::Caller)), the request parsed, the command carried out through
//! [`Commands`], and every failure mapped to its gRPC code once ([`tagar_kernel::reply`]).

mod brands;
mod posts;

use tagar_kernel::reply;
use tagar_proto::v1::{self, scheduling_service_server::SchedulingService};
use tagar_runtime::auth::Role;
use tagar_store::Store;
use tonic::{Request, Response, Status};

use crate::commands::Commands;

/// Who may write brands' content, accounts and posts.
const EDITORS: &[Role] = &[Role::Admin, Role::Manager];

/// The scheduling API over the store.
#[derive(Debug, Clone)]
pub struct SchedulingApi {
    store: Store,
    commands: Commands,
}

impl SchedulingApi {
    /// The API over `store`.
    pub fn new(store: Store) -> Self {
        Self {
            commands: Commands::new(store.clone()),
            store,
        }
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
}
