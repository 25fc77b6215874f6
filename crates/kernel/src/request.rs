//! The request context every handler starts from: who is calling (authenticated by the
//! host's auth layer), whether their role may do this, and which of their tenant's brands a
//! request may touch. Plus the request fields every service parses the same way.

use tagar_model::{BrandId, TenantId};
use tagar_runtime::auth::{Principal, Role, principal_from};
use uuid::Uuid;

use crate::api_error::ApiError;

/// An authenticated caller whose role was checked.
#[derive(Debug, Clone)]
pub struct Caller {
    principal: Principal,
}

impl Caller {
    /// The caller of `request`, who must hold one of `roles` (see `Role::satisfies`).
    /// `Unauthenticated` when the request carries no principal (a wiring mistake fails closed),
    /// `PermissionDenied` when the role does not fit.
    pub fn of<T>(request: &tonic::Request<T>, roles: &[Role]) -> Result<Self, ApiError> {
        let principal =
            principal_from(request).map_err(|s| ApiError::Unauthenticated(s.message().into()))?;
        principal
            .require_role(roles)
            .map_err(|s| ApiError::PermissionDenied(s.message().into()))?;
        Ok(Self {
            principal: principal.clone(),
        })
    }

    /// The caller's tenant: every query is scoped to it.
    pub fn tenant(&self) -> TenantId {
        self.principal.tenant
    }

    /// Who the caller is, for the record: the API key id or the token's subject.
    pub fn subject(&self) -> &str {
        &self.principal.subject
    }

    /// The caller's role.
    pub fn role(&self) -> Role {
        self.principal.role
    }

    /// The brands the caller may touch.
    pub fn brands(&self) -> &tagar_runtime::auth::BrandScope {
        &self.principal.brands
    }

    /// Whether the caller may touch every brand of the tenant (including brands created
    /// later): what tenant-wide views need.
    pub fn has_every_brand(&self) -> bool {
        self.principal.brands == tagar_runtime::auth::BrandScope::All
    }

    /// Whether the caller's brand scope includes `brand`.
    pub fn may_touch(&self, brand: BrandId) -> bool {
        self.principal.brands.allows(*brand.as_uuid())
    }

    /// The request's `brand_id`, parsed and within the caller's scope.
    pub fn brand(&self, raw: &str) -> Result<BrandId, ApiError> {
        self.brand_field(raw, "brand_id")
    }

    /// A brand id in request field `field`, parsed and within the caller's scope. The refusal
    /// is the same whether or not the brand exists, so no one can probe for others' brands.
    pub fn brand_field(&self, raw: &str, field: &str) -> Result<BrandId, ApiError> {
        let brand = BrandId::from_uuid(uuid(raw, field)?);
        if !self.may_touch(brand) {
            return Err(ApiError::PermissionDenied(format!(
                "brand {brand} is not within this credential's scope"
            )));
        }
        Ok(brand)
    }
}

/// A UUID in request field `field`.
pub fn uuid(raw: &str, field: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw.trim()).map_err(|_| ApiError::invalid(field, "is not a UUID"))
}

/// The `limit` of a list request: `default` for 0, at most `max`.
pub fn limit(requested: u32, default: u32, max: u32) -> u32 {
    match requested {
        0 => default,
        n => n.min(max),
    }
}

#[cfg(test)]
mod tests {
    use tagar_runtime::auth::BrandScope;
    use tonic::Request;

    use super::*;
    use crate::Refusal;

    fn request(role: Role, brands: BrandScope) -> Request<()> {
        let mut request = Request::new(());
        request.extensions_mut().insert(Principal {
            tenant: TenantId::new(),
            role,
            brands,
            subject: "key:test".into(),
        });
        request
    }

    #[test]
    fn roles_and_brands_are_checked() {
        let mine = BrandId::new();
        let scoped = request(Role::Manager, BrandScope::Only([*mine.as_uuid()].into()));
        let caller = Caller::of(&scoped, &[Role::Manager]).unwrap();
        assert_eq!(caller.brand(&mine.to_string()).unwrap(), mine);
        assert!(matches!(
            caller.brand(&BrandId::new().to_string()),
            Err(ApiError::PermissionDenied(_))
        ));
        assert!(matches!(
            caller.brand("kopi"),
            Err(ApiError::Refused(Refusal::Invalid { field, .. })) if field == "brand_id"
        ));
        assert!(matches!(
            Caller::of(&scoped, &[Role::Admin]),
            Err(ApiError::PermissionDenied(_))
        ));
        assert!(matches!(
            Caller::of(&Request::new(()), &[Role::Admin]),
            Err(ApiError::Unauthenticated(_))
        ));
    }

    #[test]
    fn limits_default_and_cap() {
        assert_eq!(limit(0, 50, 500), 50);
        assert_eq!(limit(7, 50, 500), 7);
        assert_eq!(limit(9_999, 50, 500), 500);
    }
}
