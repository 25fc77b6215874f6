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

/// Where an account's posts go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Link {
    /// Tagar's loopback network (no credentials): the demo and tests.
    #[default]
    Loopback,
    /// The account's own network, signed in with credentials kept in the vault.
    Network {
        /// The network's id of the account (Bluesky: its DID).
        native_id: String,
    },
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
    /// Where its posts go.
    pub link: Link,
    /// Why the network refused its credentials, until it is reconnected.
    pub needs_reconnect: Option<String>,
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
        /// Where its posts go.
        link: Link,
    },
    /// The network refused its credentials: stop publishing from it until reconnected.
    MarkNeedsReconnect {
        /// The network's answer.
        reason: String,
    },
    /// New credentials were accepted by the network for the account `native_id`.
    Reconnect {
        /// Whose the new credentials are.
        native_id: String,
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
        /// Where its posts go.
        link: Link,
    },
    /// The network refused its credentials.
    NeedsReconnect {
        /// The network's answer.
        reason: String,
    },
    /// It was given credentials that work.
    Reconnected {
        /// The network's id of the account.
        native_id: String,
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
                link,
            } => Ok(vec![AccountEvent::Connected {
                account,
                brand,
                profile,
                link,
            }]),
            _ if self.id.is_none() => Err(Refusal::NotFound("account".to_owned())),
            AccountCommand::MarkNeedsReconnect { reason } => {
                if self.link == Link::Loopback || self.needs_reconnect.is_some() {
                    return Ok(vec![]);
                }
                Ok(vec![AccountEvent::NeedsReconnect { reason }])
            }
            AccountCommand::Reconnect { native_id } => match &self.link {
                Link::Network { native_id: known } if *known != native_id => Err(Refusal::invalid(
                    "credentials",
                    format!("are for {native_id}, not for this account ({known})"),
                )),
                _ => Ok(vec![AccountEvent::Reconnected { native_id }]),
            },
        }
    }

    fn apply(mut self, event: &AccountEvent) -> Self {
        match event {
            AccountEvent::Connected {
                account,
                brand,
                profile,
                link,
            } => {
                self.id = Some(*account);
                self.brand = Some(*brand);
                self.profile = Some(profile.clone());
                self.link = link.clone();
            }
            AccountEvent::NeedsReconnect { reason } => {
                self.needs_reconnect = Some(reason.clone());
            }
            AccountEvent::Reconnected { native_id } => {
                self.link = Link::Network {
                    native_id: native_id.clone(),
                };
                self.needs_reconnect = None;
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
            link: Link::Network {
                native_id: "did:plc:kopi".into(),
            },
        };
        let events = given_nothing::<SocialAccount>().when(connect()).events();
        let state = SocialAccount::replay(&events);
        assert_eq!((state.id, state.brand()), (Some(account), Some(brand)));
        tagar_kernel::given::given::<SocialAccount>(&events)
            .when(connect())
            .refused_with("the account is connected already");
    }

    #[test]
    fn an_account_whose_credentials_are_refused_needs_reconnecting_once() {
        let (account, brand) = (AccountId::new(), BrandId::new());
        let connected = AccountEvent::Connected {
            account,
            brand,
            profile: NewAccount::parse(Network::Bluesky, "kopi.bsky.social").unwrap(),
            link: Link::Network {
                native_id: "did:plc:kopi".into(),
            },
        };
        let refused = || AccountCommand::MarkNeedsReconnect {
            reason: "401 AuthenticationRequired".into(),
        };
        let events = tagar_kernel::given::given::<SocialAccount>(std::slice::from_ref(&connected))
            .when(refused())
            .events();
        assert_eq!(
            events,
            [AccountEvent::NeedsReconnect {
                reason: "401 AuthenticationRequired".into()
            }]
        );
        let marked = [connected.clone(), events[0].clone()];
        assert!(
            tagar_kernel::given::given::<SocialAccount>(&marked)
                .when(refused())
                .events()
                .is_empty(),
            "marked once"
        );
        tagar_kernel::given::given::<SocialAccount>(&marked)
            .when(AccountCommand::Reconnect {
                native_id: "did:plc:someone-else".into(),
            })
            .refused_with("credentials: are for did:plc:someone-else");
        let back = tagar_kernel::given::given::<SocialAccount>(&marked)
            .when(AccountCommand::Reconnect {
                native_id: "did:plc:kopi".into(),
            })
            .events();
        let state = SocialAccount::replay(&[connected, marked[1].clone(), back[0].clone()]);
        assert_eq!(state.needs_reconnect, None);
    }
}
