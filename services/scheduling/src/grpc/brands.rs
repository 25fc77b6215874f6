//! Brands and their accounts.

use tagar_proto::convert::network_from_wire;
use tagar_proto::v1;
use tagar_runtime::auth::Role;
use tagar_store::Store;
use tonic::{Request, Response, Status};

use super::views::{self, status, store_status};
use super::{EDITORS, Reply, caller, editor};
use crate::commands;
use crate::domain::brand::{NewAccount, NewBrand};
use crate::store as sql;

/// `CreateBrand`: admins only.
pub async fn create(store: &Store, request: Request<v1::CreateBrandRequest>) -> Reply<v1::Brand> {
    let (_, tenant) = caller(&request, &[Role::Admin])?;
    let body = request.get_ref();
    let new = NewBrand::parse(&body.name, &body.time_zone).map_err(|e| status(e.into()))?;
    let row = commands::create_brand(store, tenant, new)
        .await
        .map_err(status)?;
    Ok(Response::new(views::brand(row)))
}

/// `ListBrands`: the tenant's brands within the caller's scope.
pub async fn list(
    store: &Store,
    request: Request<v1::ListBrandsRequest>,
) -> Reply<v1::ListBrandsResponse> {
    let (principal, tenant) = caller(&request, EDITORS)?;
    let brands = sql::list_brands(store, tenant)
        .await
        .map_err(store_status)?
        .into_iter()
        .filter(|b| principal.brands.allows(*b.brand_id.as_uuid()))
        .map(views::brand)
        .collect();
    Ok(Response::new(v1::ListBrandsResponse { brands }))
}

/// `ConnectAccount`: a brand's account on a network.
pub async fn connect(
    store: &Store,
    request: Request<v1::ConnectAccountRequest>,
) -> Reply<v1::SocialAccount> {
    let (_, tenant, brand) = editor(&request, &request.get_ref().brand_id)?;
    let body = request.get_ref();
    let network = network_from_wire(body.network, "network").map_err(Status::from)?;
    let new = NewAccount::parse(network, &body.handle).map_err(|e| status(e.into()))?;
    let row = commands::connect_account(store, tenant, brand, new)
        .await
        .map_err(status)?;
    Ok(Response::new(views::account(row)))
}

/// `ListAccounts`: one brand's accounts (`NOT_FOUND` when the tenant has no such brand), or,
/// with no `brand_id`, the accounts of every brand in the caller's scope.
pub async fn list_accounts(
    store: &Store,
    request: Request<v1::ListAccountsRequest>,
) -> Reply<v1::ListAccountsResponse> {
    let body = request.get_ref();
    let (principal, tenant, brand) = if body.brand_id.trim().is_empty() {
        let (principal, tenant) = caller(&request, EDITORS)?;
        (principal.clone(), tenant, None)
    } else {
        let (principal, tenant, brand) = editor(&request, &body.brand_id)?;
        if sql::get_brand(store, tenant, brand)
            .await
            .map_err(store_status)?
            .is_none()
        {
            return Err(Status::not_found("brand not found"));
        }
        (principal, tenant, Some(brand))
    };
    let accounts = sql::list_accounts(store, tenant, brand)
        .await
        .map_err(store_status)?
        .into_iter()
        .filter(|a| principal.brands.allows(*a.brand_id.as_uuid()))
        .map(views::account)
        .collect();
    Ok(Response::new(v1::ListAccountsResponse { accounts }))
}
