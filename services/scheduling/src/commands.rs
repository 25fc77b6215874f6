//! Carrying out scheduling's commands: one repository per aggregate, each writing its read
//! model in the transaction that records the aggregate's events and their outbox records for
//! `tagar.scheduling.events.v1`.

use tagar_kernel::{CommandError, Loaded, Repository};
use tagar_model::{AccountId, BrandId, TenantId};
use tagar_proto::topics;
use tagar_store::Store;
use uuid::Uuid;

use crate::domain::{
    AccountCommand, Brand, BrandCommand, NewAccount, NewBrand, PostCommand, ScheduledPost,
    SocialAccount,
};
use crate::store::{AccountRows, BrandRows, PostRows};

/// Scheduling's aggregates and how their commands are recorded.
#[derive(Debug, Clone)]
pub struct Commands {
    /// Brands.
    pub brands: Repository<Brand>,
    /// Social accounts.
    pub accounts: Repository<SocialAccount>,
    /// Scheduled posts.
    pub posts: Repository<ScheduledPost>,
}

impl Commands {
    /// The repositories over `store`.
    pub fn new(store: Store) -> Self {
        let topic = topics::SCHEDULING_EVENTS;
        Self {
            brands: Repository::new(store.clone(), topic).with_projection(BrandRows),
            accounts: Repository::new(store.clone(), topic).with_projection(AccountRows),
            posts: Repository::new(store, topic).with_projection(PostRows),
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

    /// Connects an account to `brand` (which the caller found): its id is a fresh UUIDv7.
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
        };
        self.accounts
            .create(tenant, *account.as_uuid(), command)
            .await
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
