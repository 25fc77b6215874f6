//! Who Tagar works for: agencies (tenants), their client brands, and the brands'
//! accounts on each network.

use serde::{Deserialize, Serialize};

use crate::checks::BrandVoicePolicy;
use crate::{AccountId, BrandId, BrandName, Handle, Network, TenantId, TenantName, TimeZone};

/// An agency: it owns brands and sees only its own data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its name.
    pub name: TenantName,
}

/// A client brand run by an agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brand {
    /// Its id.
    pub id: BrandId,
    /// The agency that runs it.
    pub tenant: TenantId,
    /// Its name.
    pub name: BrandName,
    /// The time zone its posts are scheduled in.
    pub time_zone: TimeZone,
    /// The checks its drafts must pass.
    pub voice: BrandVoicePolicy,
}

/// A brand's account on one network.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SocialAccount {
    /// Its id.
    pub id: AccountId,
    /// The brand it speaks for.
    pub brand: BrandId,
    /// The network it is on.
    pub network: Network,
    /// Its handle there.
    pub handle: Handle,
}

impl Brand {
    /// A brand with the default voice policy (no checks on), parsing its name and time
    /// zone; the error names the field that was wrong.
    pub fn new(tenant: TenantId, name: &str, time_zone: &str) -> Result<Self, crate::ValueError> {
        Ok(Self {
            id: BrandId::new(),
            tenant,
            name: BrandName::parse(name)?,
            time_zone: TimeZone::parse(time_zone)?,
            voice: BrandVoicePolicy::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brand_parses_its_fields_and_names_the_bad_one() {
        let tenant = TenantId::new();
        let brand = Brand::new(tenant, "Kopi Kita", "Asia/Jakarta").unwrap();
        assert_eq!(brand.time_zone.as_str(), "Asia/Jakarta");
        let err = Brand::new(tenant, "Kopi Kita", "Jakarta").unwrap_err();
        assert_eq!(err.field(), "time zone");
        let err = Brand::new(tenant, "", "Asia/Jakarta").unwrap_err();
        assert_eq!(err.field(), "brand name");
    }
}
