//! The `tagar.v1.SchedulingService` gRPC handlers: authenticate, check role and brand, call
//! the domain through `commands`, map errors once (`views`).

mod brands;
mod posts;
mod views;

use tagar_model::{BrandId, TenantId};
use tagar_proto::v1::{self, scheduling_service_server::SchedulingService};
use tagar_runtime::auth::{Principal, Role, principal_from};
use tagar_store::Store;
use tonic::{Request, Response, Status};

/// Who may write brands' content, accounts and posts.
const EDITORS: &[Role] = &[Role::Admin, Role::Manager];

/// The scheduling API over the store.
#[derive(Debug, Clone)]
pub struct SchedulingApi {
    store: Store,
}

impl SchedulingApi {
    /// The API over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

/// The caller, checked for `roles`, and its tenant.
fn caller<'a, T>(
    request: &'a Request<T>,
    roles: &[Role],
) -> Result<(&'a Principal, TenantId), Status> {
    let principal = principal_from(request)?;
    principal.require_role(roles)?;
    Ok((principal, TenantId::from_uuid(principal.tenant)))
}

/// The caller as an editor of `brand_id`: role, then brand scope.
fn editor<T>(
    request: &Request<T>,
    brand_id: &str,
) -> Result<(Principal, TenantId, BrandId), Status> {
    let (principal, tenant) = caller(request, EDITORS)?;
    let brand = views::brand_id(brand_id)?;
    principal.require_brand(*brand.as_uuid())?;
    Ok((principal.clone(), tenant, brand))
}

type Reply<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl SchedulingService for SchedulingApi {
    async fn create_brand(&self, request: Request<v1::CreateBrandRequest>) -> Reply<v1::Brand> {
        brands::create(&self.store, request).await
    }

    async fn list_brands(
        &self,
        request: Request<v1::ListBrandsRequest>,
    ) -> Reply<v1::ListBrandsResponse> {
        brands::list(&self.store, request).await
    }

    async fn connect_account(
        &self,
        request: Request<v1::ConnectAccountRequest>,
    ) -> Reply<v1::SocialAccount> {
        brands::connect(&self.store, request).await
    }

    async fn list_accounts(
        &self,
        request: Request<v1::ListAccountsRequest>,
    ) -> Reply<v1::ListAccountsResponse> {
        brands::list_accounts(&self.store, request).await
    }

    async fn create_draft(
        &self,
        request: Request<v1::CreateDraftRequest>,
    ) -> Reply<v1::ScheduledPost> {
        posts::draft(&self.store, request).await
    }

    async fn approve_post(
        &self,
        request: Request<v1::ApprovePostRequest>,
    ) -> Reply<v1::ScheduledPost> {
        posts::approve(&self.store, request).await
    }

    async fn reject_post(
        &self,
        request: Request<v1::RejectPostRequest>,
    ) -> Reply<v1::ScheduledPost> {
        posts::reject(&self.store, request).await
    }

    async fn schedule_post(
        &self,
        request: Request<v1::SchedulePostRequest>,
    ) -> Reply<v1::ScheduledPost> {
        posts::schedule(&self.store, request).await
    }

    async fn get_scheduled_post(
        &self,
        request: Request<v1::GetScheduledPostRequest>,
    ) -> Reply<v1::ScheduledPost> {
        posts::get(&self.store, request).await
    }

    async fn list_scheduled_posts(
        &self,
        request: Request<v1::ListScheduledPostsRequest>,
    ) -> Reply<v1::ListScheduledPostsResponse> {
        posts::list(&self.store, request).await
    }
}
