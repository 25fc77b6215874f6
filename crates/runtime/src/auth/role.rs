//! What a credential may do inside its tenant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A credential's role within its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything in the tenant, including managing brands and credentials.
    Admin,
    /// Scheduling and content for its brands.
    Manager,
    /// Works the review queue of its brands.
    Moderator,
    /// Reads analytics of its brands; changes nothing.
    Analyst,
    /// Another Tagar service calling internally; still scoped to its tenant.
    Service,
}

/// A role name that is not one of [`Role`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}` (expected admin, manager, moderator, analyst or service)")]
pub struct UnknownRole(pub String);

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Manager,
        Role::Moderator,
        Role::Analyst,
        Role::Service,
    ];

    /// Parses a lowercase role name such as `"manager"` (surrounding case is ignored).
    pub fn parse(name: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| UnknownRole(name.to_owned()))
    }

    /// The lowercase name used in tokens, stored keys and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Moderator => "moderator",
            Role::Analyst => "analyst",
            Role::Service => "service",
        }
    }

    /// Whether this role may perform an operation open to `allowed`.
    ///
    /// Admin may do everything in its tenant, so it satisfies any list naming a tenant
    /// role; a list of only [`Role::Service`] marks an internal call that Admin may not make.
    pub fn satisfies(self, allowed: &[Role]) -> bool {
        allowed.contains(&self)
            || (self == Role::Admin && allowed.iter().any(|role| *role != Role::Service))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Role::parse(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(&role.to_string()), Ok(role));
        }
        assert_eq!(Role::parse(" Manager "), Ok(Role::Manager));
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn admin_satisfies_tenant_roles_but_not_service_only() {
        assert!(Role::Admin.satisfies(&[Role::Analyst]));
        assert!(!Role::Admin.satisfies(&[Role::Service]));
        assert!(!Role::Analyst.satisfies(&[Role::Manager, Role::Moderator]));
        assert!(Role::Moderator.satisfies(&[Role::Manager, Role::Moderator]));
    }
}
