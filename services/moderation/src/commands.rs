//! Carrying out moderation's commands: one repository per aggregate (review cases, brand
//! policies, inbox items), each writing its read model in the transaction that records the aggregate's
//! events and their outbox records for `tagar.moderation.events.v1`.

use tagar_kernel::{Cause, CommandError, Expected, Loaded, Repository};
use tagar_model::{BrandId, TenantId};
use tagar_proto::topics;
use tagar_proto::v1::{InboxItemOpened, ReviewCaseOpened};
use tagar_store::{Store, StoreTx};
use uuid::Uuid;

use crate::domain::case::{CaseCommand, ReviewCase};
use crate::domain::inbox::{InboxCommand, InboxItem};
use crate::domain::policy::{self, BrandPolicy, PolicyCommand};
use crate::store::{CaseRows, InboxRows, PolicyRows};

/// Moderation's aggregates and how their commands are recorded.
#[derive(Debug, Clone)]
pub struct Commands {
    /// Review cases.
    pub cases: Repository<ReviewCase>,
    /// Brand policies.
    pub policies: Repository<BrandPolicy>,
    /// The engagement desk's inbox items.
    pub inbox: Repository<InboxItem>,
}

impl Commands {
    /// The repositories over `store`.
    pub fn new(store: Store) -> Self {
        let topic = topics::MODERATION_EVENTS;
        Self {
            cases: Repository::new(store.clone(), topic).with_projection(CaseRows),
            policies: Repository::new(store.clone(), topic).with_projection(PolicyRows),
            inbox: Repository::new(store, topic).with_projection(InboxRows),
        }
    }

    /// Opens an inbox item (a new UUIDv7 aggregate) in `brand`'s inbox, inside `tx`.
    pub async fn open_inbox_item(
        &self,
        tx: &mut StoreTx,
        (tenant, brand): (TenantId, BrandId),
        mut opened: InboxItemOpened,
        cause: Option<Cause<'_>>,
    ) -> Result<Loaded<InboxItem>, CommandError> {
        let id = Uuid::now_v7();
        opened.item_id = id.to_string();
        let command = InboxCommand::Open { brand, opened };
        create_in(&self.inbox, tx, (tenant, id), command, cause).await
    }

    /// Opens a review case (a new UUIDv7 aggregate) in `brand`'s queue, inside `tx`.
    pub async fn open_case(
        &self,
        tx: &mut StoreTx,
        (tenant, brand): (TenantId, BrandId),
        mut opened: ReviewCaseOpened,
        cause: Option<Cause<'_>>,
    ) -> Result<Loaded<ReviewCase>, CommandError> {
        let id = Uuid::now_v7();
        opened.case_id = id.to_string();
        let command = CaseCommand::Open { brand, opened };
        create_in(&self.cases, tx, (tenant, id), command, cause).await
    }

    /// A brand's policy aggregate (new when the brand never set one).
    pub async fn policy(
        &self,
        tenant: TenantId,
        brand: BrandId,
    ) -> Result<Loaded<BrandPolicy>, tagar_store::StoreError> {
        let id = policy::aggregate_id(tenant, brand);
        Ok(self
            .policies
            .load(tenant, id)
            .await?
            .unwrap_or_else(|| Loaded::new(tenant, id)))
    }

    /// Sets a brand's thresholds; returns the policy aggregate after.
    pub async fn set_policy(
        &self,
        tenant: TenantId,
        brand: BrandId,
        (review, hide, spam_hide): (f32, f32, f32),
        (first_response_minutes, support_account): (u32, Option<Uuid>),
    ) -> Result<Loaded<BrandPolicy>, CommandError> {
        let current = self.policy(tenant, brand).await?;
        let command = PolicyCommand::Set {
            brand,
            review,
            hide,
            spam_hide,
            first_response_minutes,
            support_account,
        };
        self.policies
            .execute(&current, Expected::Any, command)
            .await
    }
}

/// Records `command` as the first of a new aggregate `id`, inside `tx`.
async fn create_in<A: tagar_kernel::Aggregate<Error = tagar_kernel::Refusal>>(
    repo: &Repository<A>,
    tx: &mut StoreTx,
    (tenant, id): (TenantId, Uuid),
    command: A::Command,
    cause: Option<Cause<'_>>,
) -> Result<Loaded<A>, CommandError> {
    repo.execute_in(
        tx,
        &Loaded::new(tenant, id),
        Expected::Exactly(0),
        command,
        cause,
    )
    .await
}
