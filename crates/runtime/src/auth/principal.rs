//! Who is calling: the authenticated tenant, role and brand scope.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tagar_model::TenantId;
use tonic::Status;
use uuid::Uuid;

use super::role::Role;

/// The brands a credential may touch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrandScope {
    /// Every brand of the tenant, including ones created later.
    All,
    /// Only these brands.
    Only(BTreeSet<Uuid>),
}

impl BrandScope {
    /// Whether `brand` is within scope.
    pub fn allows(&self, brand: Uuid) -> bool {
        match self {
            BrandScope::All => true,
            BrandScope::Only(brands) => brands.contains(&brand),
        }
    }

    /// `None` for all brands, the set otherwise; the shape token claims use.
    pub fn to_option(&self) -> Option<BTreeSet<Uuid>> {
        match self {
            BrandScope::All => None,
            BrandScope::Only(brands) => Some(brands.clone()),
        }
    }

    /// Inverse of [`BrandScope::to_option`].
    pub fn from_option(brands: Option<BTreeSet<Uuid>>) -> Self {
        brands.map_or(BrandScope::All, BrandScope::Only)
    }
}

/// An authenticated caller, placed in every authenticated request's extensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The agency whose data this caller may see; handlers scope every query by it.
    pub tenant: TenantId,
    /// What the caller may do.
    pub role: Role,
    /// Which of the tenant's brands the caller may touch.
    pub brands: BrandScope,
    /// Who the caller is, for audit: the API key id or the token's subject.
    pub subject: String,
}

impl Principal {
    /// `PermissionDenied` unless this principal's role satisfies `allowed`
    /// (see [`Role::satisfies`]).
    pub fn require_role(&self, allowed: &[Role]) -> Result<(), Status> {
        if self.role.satisfies(allowed) {
            return Ok(());
        }
        let names: Vec<&str> = allowed.iter().map(|role| role.as_str()).collect();
        Err(Status::permission_denied(format!(
            "role `{}` may not do this; it needs one of: {}",
            self.role,
            names.join(", ")
        )))
    }

    /// `PermissionDenied` unless `brand` is in scope. The message is the same whether or
    /// not the brand exists, so a caller cannot probe for other tenants' brands.
    pub fn require_brand(&self, brand: Uuid) -> Result<(), Status> {
        if self.brands.allows(brand) {
            Ok(())
        } else {
            Err(Status::permission_denied(format!(
                "brand {brand} is not within this credential's scope"
            )))
        }
    }

    /// `PermissionDenied` unless `tenant` is the caller's own. The message does not say
    /// whether that tenant exists.
    pub fn require_tenant(&self, tenant: TenantId) -> Result<(), Status> {
        if self.tenant == tenant {
            Ok(())
        } else {
            Err(Status::permission_denied(
                "this credential may only act within its own tenant",
            ))
        }
    }
}

/// The principal the [`super::AuthLayer`] attached to `request`.
///
/// `Unauthenticated` if there is none, which only happens on an exempt path or when the
/// layer is missing; failing closed keeps a wiring mistake from opening the API.
pub fn principal_from<T>(request: &tonic::Request<T>) -> Result<&Principal, Status> {
    request
        .extensions()
        .get::<Principal>()
        .ok_or_else(|| Status::unauthenticated("missing credentials"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    fn principal(role: Role, brands: BrandScope) -> Principal {
        Principal {
            tenant: TenantId::from_uuid(Uuid::from_u128(1)),
            role,
            brands,
            subject: "test".into(),
        }
    }

    #[test]
    fn brand_scope_limits_brands() {
        let mine = Uuid::from_u128(10);
        let p = principal(Role::Manager, BrandScope::Only([mine].into()));
        assert!(p.require_brand(mine).is_ok());
        let denied = p.require_brand(Uuid::from_u128(11)).unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied);
        assert!(
            principal(Role::Manager, BrandScope::All)
                .require_brand(Uuid::from_u128(11))
                .is_ok()
        );
    }

    #[test]
    fn role_checks_give_permission_denied() {
        let analyst = principal(Role::Analyst, BrandScope::All);
        let denied = analyst.require_role(&[Role::Manager]).unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied);
        assert!(denied.message().contains("manager"));
        assert!(analyst.require_role(&[Role::Analyst]).is_ok());
        assert!(
            principal(Role::Admin, BrandScope::All)
                .require_role(&[Role::Moderator])
                .is_ok()
        );
    }

    #[test]
    fn other_tenant_is_denied_without_detail() {
        let p = principal(Role::Admin, BrandScope::All);
        let other = TenantId::from_uuid(Uuid::from_u128(2));
        let denied = p.require_tenant(other).unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied);
        assert!(!denied.message().contains(&other.to_string()));
    }

    #[test]
    fn principal_from_reads_extensions_and_fails_closed() {
        let mut request = tonic::Request::new(());
        assert_eq!(
            principal_from(&request).unwrap_err().code(),
            Code::Unauthenticated
        );
        let p = principal(Role::Analyst, BrandScope::All);
        request.extensions_mut().insert(p.clone());
        assert_eq!(principal_from(&request).unwrap(), &p);
    }
}
