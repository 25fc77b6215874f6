//! Brands and their accounts.

use secrecy::SecretString;
use tagar_kernel::{ApiError, ApiResult, Caller};
use tagar_model::{AccountId, Network};
use tagar_networks::Credentials;
use tagar_proto::convert::network_from_wire;
use tagar_proto::v1;
use tagar_runtime::auth::Role;
use tonic::Request;

use super::{EDITORS, SchedulingApi};
use crate::domain::{Link, NewAccount, NewBrand};
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
    Ok(api::brand_of(&brand.state, brand.version, 0))
}

/// `ListBrands`: the tenant's brands within the caller's scope.
pub async fn list(
    api: &SchedulingApi,
    request: Request<v1::ListBrandsRequest>,
) -> ApiResult<v1::ListBrandsResponse> {
    let caller = Caller::of(&request, EDITORS)?;
    let mut brands = Vec::new();
    for row in sql::list_brands(&api.store, caller.tenant()).await? {
        if !caller.may_touch(row.brand_id) {
            continue;
        }
        let held = match row.pause {
            Some(_) => super::queue::held_count(api, caller.tenant(), row.brand_id).await?,
            None => 0,
        };
        brands.push(api::brand(row, held));
    }
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
    let credentials = credentials_of(
        network,
        &profile,
        body.credentials.as_ref().map(Given::from),
    )?;
    if api
        .commands
        .brands
        .load(caller.tenant(), *brand.as_uuid())
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("brand"));
    }
    let account = match credentials {
        None => {
            api.commands
                .connect_account(caller.tenant(), brand, profile)
                .await?
        }
        Some(credentials) => {
            let (identity, vault) = api.verify(&credentials).await?;
            api.commands
                .connect_linked(
                    caller.tenant(),
                    brand,
                    profile,
                    &identity,
                    (&credentials, vault),
                )
                .await?
        }
    };
    tracing::info!(account = ?account.id, network = %network, linked = account.state.link != Link::Loopback, "account connected");
    Ok(api::account_of(&account.state))
}

/// `ReconnectAccount`: new credentials for a connected account of a brand in scope.
pub async fn reconnect(
    api: &SchedulingApi,
    request: Request<v1::ReconnectAccountRequest>,
) -> ApiResult<v1::SocialAccount> {
    let caller = Caller::of(&request, EDITORS)?;
    let body = request.get_ref();
    let id = AccountId::parse(&body.account_id)
        .map_err(|e| ApiError::invalid("account_id", e.to_string()))?;
    let account = api
        .commands
        .accounts
        .load(caller.tenant(), *id.as_uuid())
        .await?
        .filter(|a| a.state.brand.is_some_and(|b| caller.may_touch(b)))
        .ok_or_else(|| ApiError::not_found("account"))?;
    let profile = account
        .state
        .profile
        .clone()
        .ok_or_else(|| ApiError::not_found("account"))?;
    let Some(credentials) = credentials_of(
        profile.network,
        &profile,
        body.credentials.as_ref().map(Given::from),
    )?
    else {
        return Err(ApiError::invalid("credentials", "are required"));
    };
    let (identity, vault) = api.verify(&credentials).await?;
    let after = api
        .commands
        .reconnect(&account, &identity, (&credentials, vault))
        .await?;
    tracing::info!(account = %id, "account reconnected");
    Ok(api::account_of(&after.state))
}

/// The request's credentials for an account on `network`, checked for shape.
fn credentials_of(
    network: Network,
    profile: &NewAccount,
    given: Option<Given>,
) -> ApiResult<Option<Credentials>> {
    let Some(given) = given else { return Ok(None) };
    let expected = match &given {
        Given::Bluesky(_) => Network::Bluesky,
        Given::Mastodon(_) => Network::Mastodon,
        Given::X(_) => Network::X,
    };
    if network != expected {
        let field = match expected {
            Network::Bluesky => "bluesky",
            Network::X => "x",
            _ => "mastodon",
        };
        return Err(ApiError::invalid(
            field,
            format!("are credentials for {expected}; the account is on {network}"),
        ));
    }
    let checked = match given {
        Given::Bluesky(bluesky) => {
            let service = match bluesky.service.trim() {
                "" => DEFAULT_BLUESKY_SERVICE,
                service => service,
            };
            Credentials::bluesky(
                service,
                profile.handle.as_str(),
                SecretString::from(bluesky.app_password),
            )
            .map_err(|e| ApiError::invalid(format!("bluesky.{}", e.field), e.reason))?
        }
        Given::Mastodon(mastodon) => Credentials::mastodon(
            &mastodon.instance,
            SecretString::from(mastodon.access_token),
        )
        .map_err(|e| ApiError::invalid(format!("mastodon.{}", e.field), e.reason))?,
        Given::X(x) => {
            let api = match x.api.trim() {
                "" => DEFAULT_X_API,
                api => api,
            };
            let expires_at = (x.expires_in_seconds > 0).then(|| {
                chrono::Utc::now() + chrono::Duration::seconds(i64::from(x.expires_in_seconds))
            });
            Credentials::x(
                api,
                &x.client_id,
                SecretString::from(x.access_token),
                SecretString::from(x.refresh_token),
                expires_at,
            )
            .map_err(|e| ApiError::invalid(format!("x.{}", e.field), e.reason))?
        }
    };
    Ok(Some(checked))
}

/// X API v2's address.
pub const DEFAULT_X_API: &str = "https://api.x.com";

/// The PDS most Bluesky accounts live on.
pub const DEFAULT_BLUESKY_SERVICE: &str = "https://bsky.social";

/// The credentials oneof of connect and reconnect requests.
enum Given {
    Bluesky(v1::BlueskyCredentials),
    Mastodon(v1::MastodonCredentials),
    X(v1::XCredentials),
}

impl From<&v1::connect_account_request::Credentials> for Given {
    fn from(c: &v1::connect_account_request::Credentials) -> Self {
        use v1::connect_account_request::Credentials as C;
        match c {
            C::Bluesky(b) => Given::Bluesky(b.clone()),
            C::Mastodon(m) => Given::Mastodon(m.clone()),
            C::X(x) => Given::X(x.clone()),
        }
    }
}

impl From<&v1::reconnect_account_request::Credentials> for Given {
    fn from(c: &v1::reconnect_account_request::Credentials) -> Self {
        use v1::reconnect_account_request::Credentials as C;
        match c {
            C::Bluesky(b) => Given::Bluesky(b.clone()),
            C::Mastodon(m) => Given::Mastodon(m.clone()),
            C::X(x) => Given::X(x.clone()),
        }
    }
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
