//! Carrying out scheduling's commands: one repository per aggregate, each writing its read
//! model in the transaction that records the aggregate's events and their outbox records for
//! `tagar.scheduling.events.v1`; a chat session's commands with its posts' in one
//! transaction ([`chats`]).

use tagar_kernel::{CommandError, Expected, Loaded, Repository};
use tagar_model::{AccountId, BrandId, TenantId};
use tagar_networks::{Credentials, Identity};
use tagar_proto::topics;
use tagar_runtime::vault::Vault;
use tagar_store::Store;
use uuid::Uuid;

use crate::domain::chat::ChatSession;
use crate::domain::{
    AccountCommand, Brand, BrandCommand, Link, NewAccount, NewBrand, PostCommand, ScheduledPost,
    SocialAccount,
};
use crate::store::{AccountRows, BrandRows, ChatRows, PostRows, credentials};

mod chats;
mod queue;

/// Scheduling's aggregates and how their commands are recorded.
#[derive(Debug, Clone)]
pub struct Commands {
    /// Brands.
    pub brands: Repository<Brand>,
    /// Social accounts.
    pub accounts: Repository<SocialAccount>,
    /// Scheduled posts.
    pub posts: Repository<ScheduledPost>,
    /// Hashtag chat sessions.
    pub chats: Repository<ChatSession>,
}

impl Commands {
    /// The repositories over `store`.
    pub fn new(store: Store) -> Self {
        let topic = topics::SCHEDULING_EVENTS;
        Self {
            brands: Repository::new(store.clone(), topic).with_projection(BrandRows),
            accounts: Repository::new(store.clone(), topic).with_projection(AccountRows),
            posts: Repository::new(store.clone(), topic).with_projection(PostRows),
            chats: Repository::new(store, topic).with_projection(ChatRows),
        }
    }

    /// Creates a brand: its id is a fresh UUIDv7, its aggregate's.
    pub async fn create_brand(
        &self,
        tenant: TenantId,
        profile: NewBrand,
    ) -> Result<Loaded<Brand>, CommandError> {
        let brand = BrandId::new();
        self.brands
            .create(
                tenant,
                *brand.as_uuid(),
                BrandCommand::Create { brand, profile },
            )
            .await
    }

    /// Connects an account to `brand` (which the caller found), publishing to the loopback
    /// network: its id is a fresh UUIDv7.
    pub async fn connect_account(
        &self,
        tenant: TenantId,
        brand: BrandId,
        profile: NewAccount,
    ) -> Result<Loaded<SocialAccount>, CommandError> {
        let account = AccountId::new();
        let command = AccountCommand::Connect {
            account,
            brand,
            profile,
            link: Link::Loopback,
        };
        self.accounts
            .create(tenant, *account.as_uuid(), command)
            .await
    }

    /// Connects an account linked to its network: the event names whose account it is
    /// (`identity`), and the credentials are stored sealed in the same transaction.
    pub async fn connect_linked(
        &self,
        tenant: TenantId,
        brand: BrandId,
        profile: NewAccount,
        identity: &Identity,
        secret: (&Credentials, &Vault),
    ) -> Result<Loaded<SocialAccount>, CommandError> {
        let account = AccountId::new();
        let command = AccountCommand::Connect {
            account,
            brand,
            profile,
            link: Link::Network {
                native_id: identity.native_id.clone(),
            },
        };
        let mut tx = self.accounts.store().begin().await?;
        let new = Loaded::new(tenant, *account.as_uuid());
        let after = self
            .accounts
            .execute_in(&mut tx, &new, Expected::Exactly(0), command, None)
            .await?;
        credentials::save(&mut tx, secret.1, tenant, account, secret.0).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Gives `account` new credentials the network accepted for `identity`.
    pub async fn reconnect(
        &self,
        account: &Loaded<SocialAccount>,
        identity: &Identity,
        secret: (&Credentials, &Vault),
    ) -> Result<Loaded<SocialAccount>, CommandError> {
        let id = AccountId::from_uuid(account.id);
        let command = AccountCommand::Reconnect {
            native_id: identity.native_id.clone(),
        };
        let mut tx = self.accounts.store().begin().await?;
        let after = self
            .accounts
            .execute_in(
                &mut tx,
                account,
                Expected::Exactly(account.version),
                command,
                None,
            )
            .await?;
        credentials::save(&mut tx, secret.1, account.tenant, id, secret.0).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Marks the account "needs reconnect" because its network refused its credentials (once:
    /// an account marked already records nothing). Several calls may find the credentials
    /// refused at once; the one that loses the race reloads and finds the account marked. A
    /// failure is logged: the caller has recorded what matters (the post's failure) already.
    pub async fn mark_needs_reconnect(&self, tenant: TenantId, account: AccountId, reason: &str) {
        for _ in 0..3 {
            let outcome = async {
                let Some(view) = self.accounts.load(tenant, *account.as_uuid()).await? else {
                    return Ok(());
                };
                let command = AccountCommand::MarkNeedsReconnect {
                    reason: reason.to_owned(),
                };
                self.accounts
                    .execute(&view, Expected::Exactly(view.version), command)
                    .await
                    .map(|_| ())
            }
            .await;
            match outcome {
                Ok(()) => return,
                Err(CommandError::Conflict { .. }) => continue,
                Err(e) => {
                    tracing::warn!(%account, error = %e, "could not mark the account for reconnecting");
                    return;
                }
            }
        }
    }

    /// Writes a new draft; the post id is a fresh UUIDv7.
    pub async fn draft(
        &self,
        tenant: TenantId,
        command: PostCommand,
    ) -> Result<Loaded<ScheduledPost>, CommandError> {
        self.posts.create(tenant, Uuid::now_v7(), command).await
    }
}
