//! The social-account aggregate: one of a brand's accounts on a network, connected once. A
//! brand has one account per network and handle (the read model's unique index says so).

use tagar_kernel::{Aggregate, Refusal};
use tagar_model::{AccountId, BrandId, Handle, Network};
use tagar_proto::v1::{Envelope, envelope::Event};

use crate::wire;

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
    pub fn parse(network: Network, handle: &str) -> Result<Self, Refusal> {
        let handle =
            Handle::parse(handle).map_err(|e| Refusal::invalid("handle", e.to_string()))?;
        Ok(Self { network, handle })
    }
}

/// An account as its events leave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SocialAccount {
    /// Its id, once connected.
    pub id: Option<AccountId>,
    /// The brand it posts for.
    pub brand: Option<BrandId>,
    /// Its network and handle.
    pub profile: Option<NewAccount>,
}

/// What may be asked of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountCommand {
    /// Connect it to `brand`.
    Connect {
        /// Its id (the aggregate's).
        account: AccountId,
        /// The brand.
        brand: BrandId,
        /// Its network and handle.
        profile: NewAccount,
    },
}

/// What happened to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountEvent {
    /// It was connected to a brand.
    Connected {
        /// Its id.
        account: AccountId,
        /// The brand.
        brand: BrandId,
        /// Its network and handle.
        profile: NewAccount,
    },
}

impl Aggregate for SocialAccount {
    const KIND: &'static str = "social_account";
    type Command = AccountCommand;
    type Event = AccountEvent;
    type Error = Refusal;

    fn handle(&self, command: AccountCommand) -> Result<Vec<AccountEvent>, Refusal> {
        match command {
            AccountCommand::Connect { .. } if self.id.is_some() => Err(Refusal::Duplicate(
                "the account is connected already".to_owned(),
            )),
            AccountCommand::Connect {
                account,
                brand,
                profile,
            } => Ok(vec![AccountEvent::Connected {
                account,
                brand,
                profile,
            }]),
        }
    }

    fn apply(mut self, event: &AccountEvent) -> Self {
        match event {
            AccountEvent::Connected {
                account,
                brand,
                profile,
            } => {
                self.id = Some(*account);
                self.brand = Some(*brand);
                self.profile = Some(profile.clone());
            }
        }
        self
    }

    fn brand(&self) -> Option<BrandId> {
        self.brand
    }

    fn to_wire(event: &AccountEvent) -> Event {
        wire::account_event(event)
    }

    fn from_wire(envelope: &Envelope) -> Result<AccountEvent, String> {
        wire::account_event_from(envelope)
    }
}

#[cfg(test)]
mod tests {
    use tagar_kernel::given::given_nothing;

    use super::*;

    #[test]
    fn an_account_handle_is_parsed() {
        let account = NewAccount::parse(Network::X, "@kopikita").unwrap();
        assert_eq!(account.handle.as_str(), "kopikita");
        let err = NewAccount::parse(Network::X, "not a handle!").unwrap_err();
        assert!(err.to_string().starts_with("handle: "), "{err}");
    }

    #[test]
    fn an_account_is_connected_once() {
        let (account, brand) = (AccountId::new(), BrandId::new());
        let connect = || AccountCommand::Connect {
            account,
            brand,
            profile: NewAccount::parse(Network::Bluesky, "kopi.bsky.social").unwrap(),
        };
        let events = given_nothing::<SocialAccount>().when(connect()).events();
        let state = SocialAccount::replay(&events);
        assert_eq!((state.id, state.brand()), (Some(account), Some(brand)));
        tagar_kernel::given::given::<SocialAccount>(&events)
            .when(connect())
            .refused_with("the account is connected already");
    }
}
