//! Brands and their social accounts as they are created: every field parsed into a value
//! object, the error naming the request field.

use tagar_model::{BrandName, Handle, Network, TimeZone};

use super::DomainError;

/// A brand about to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBrand {
    /// Its name.
    pub name: BrandName,
    /// The zone its posts are scheduled in.
    pub time_zone: TimeZone,
}

impl NewBrand {
    /// Parses the name and IANA time zone of a brand.
    pub fn parse(name: &str, time_zone: &str) -> Result<Self, DomainError> {
        Ok(Self {
            name: BrandName::parse(name)
                .map_err(|e| DomainError::invalid("name", e.to_string()))?,
            time_zone: TimeZone::parse(time_zone)
                .map_err(|e| DomainError::invalid("time_zone", e.to_string()))?,
        })
    }
}

/// A social account about to be connected to a brand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Its network.
    pub network: Network,
    /// Its handle there (without `@`).
    pub handle: Handle,
}

impl NewAccount {
    /// Parses the handle of an account on `network` (a leading `@` is dropped).
    pub fn parse(network: Network, handle: &str) -> Result<Self, DomainError> {
        let handle =
            Handle::parse(handle).map_err(|e| DomainError::invalid("handle", e.to_string()))?;
        Ok(Self { network, handle })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brand_names_the_bad_field() {
        let brand = NewBrand::parse(" Kopi Kita ", "Asia/Jakarta").unwrap();
        assert_eq!(brand.name.as_str(), "Kopi Kita");
        let err = NewBrand::parse("Kopi", "Jakarta").unwrap_err();
        assert!(err.to_string().starts_with("time_zone: "), "{err}");
        let err = NewBrand::parse("  ", "Asia/Jakarta").unwrap_err();
        assert!(err.to_string().starts_with("name: "), "{err}");
    }

    #[test]
    fn an_account_handle_is_parsed() {
        let account = NewAccount::parse(Network::X, "@kopikita").unwrap();
        assert_eq!(account.handle.as_str(), "kopikita");
        let err = NewAccount::parse(Network::X, "not a handle!").unwrap_err();
        assert!(err.to_string().starts_with("handle: "), "{err}");
    }
}
