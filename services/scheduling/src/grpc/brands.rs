//! Brands and their accounts.

use tagar_kernel::{ApiError, ApiResult, Caller};
use tagar_proto::convert::network_from_wire;
use tagar_proto::v1;
use tagar_runtime::auth::Role;
use tonic::Request;

use super::{EDITORS, SchedulingApi};
use crate::domain::{NewAccount, NewBrand};
use crate::store as sql;
use crate::wire::api;

/// `CreateBrand`: admins only.
pub async fn create(
    api: &SchedulingApi,
    request: Request<v1::CreateBrandRequest>,
) -> ApiResult<v1::Brand> {
    let caller = Caller::of(&request, &[Role::Admin])?;
    let body = request.get_ref();
    let profile = NewBrand::parse(&body.name, &body.time_zone)?;
    let brand = api.commands.create_brand(caller.tenant(), profile).await?;
    Ok(api::brand_of(&brand.state))
}

/// `ListBrands`: the tenant's brands within the caller's scope.
pub async fn list(
    api: &SchedulingApi,
    request: Request<v1::ListBrandsRequest>,
) -> ApiResult<v1::ListBrandsResponse> {
    let caller = Caller::of(&request, EDITORS)?;
    let brands = sql::list_brands(&api.store, caller.tenant())
        .await?
        .into_iter()
        .filter(|b| caller.may_touch(b.brand_id))
        .map(api::brand)
        .collect();
    Ok(v1::ListBrandsResponse { brands })
}

/// `ConnectAccount`: a brand's account on a network.
pub async fn connect(
    api: &SchedulingApi,
    request: Request<v1::ConnectAccountRequest>,
) -> ApiResult<v1::SocialAccount> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.get_ref();
    let brand = caller.brand(&body.brand_id)?;
    let network = network_from_wire(body.network, "network")?;
    let profile = NewAccount::parse(network, &body.handle)?;
    if api
        .commands
        .brands
        .load(caller.tenant(), *brand.as_uuid())
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("brand"));
    }
    let account = api
        .commands
        .connect_account(caller.tenant(), brand, profile)
        .await?;
    Ok(api::account_of(&account.state))
}

/// `ListAccounts`: one brand's accounts (`NOT_FOUND` when the tenant has no such brand), or,
/// with no `brand_id`, the accounts of every brand in the caller's scope.
pub async fn list_accounts(
    api: &SchedulingApi,
    request: Request<v1::ListAccountsRequest>,
) -> ApiResult<v1::ListAccountsResponse> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.get_ref();
    let brand = if body.brand_id.trim().is_empty() {
        None
    } else {
        let brand = caller.brand(&body.brand_id)?;
        if sql::get_brand(&api.store, caller.tenant(), brand)
            .await?
            .is_none()
        {
            return Err(ApiError::not_found("brand"));
        }
        Some(brand)
    };
    let accounts = sql::list_accounts(&api.store, caller.tenant(), brand)
        .await?
        .into_iter()
        .filter(|a| caller.may_touch(a.brand_id))
        .map(api::account)
        .collect();
    Ok(v1::ListAccountsResponse { accounts })
}
