//! Carrying out commands: load the aggregate, let the domain decide, then record its events,
//! their outbox records and the read model in one transaction.

use prost::Message as _;
use tagar_model::{AccountId, BrandId, TenantId};
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1::{self, Envelope, envelope::Event};
use tagar_store::{AggregateRef, Store, StoreError, StoreTx};
use uuid::Uuid;

use crate::domain::brand::{NewAccount, NewBrand};
use crate::domain::post::{self, PostCommand, PostEvent};
use crate::domain::{DomainError, wire};
use crate::store::{self as sql, AccountRow, BrandRow, PostView};

/// The aggregate type of scheduled posts in the event store.
pub const POST_KIND: &str = "scheduled_post";
/// The aggregate type of brands.
pub const BRAND_KIND: &str = "brand";
/// The aggregate type of social accounts.
pub const ACCOUNT_KIND: &str = "social_account";

/// Why a command did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The domain refused it.
    #[error(transparent)]
    Refused(#[from] DomainError),
    /// What it names does not exist in the caller's tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// It exists already.
    #[error("{0}")]
    AlreadyExists(String),
    /// The outcome could not be recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The post aggregate's reference.
pub fn post_ref(tenant: TenantId, post_id: Uuid) -> AggregateRef {
    AggregateRef {
        tenant,
        kind: POST_KIND,
        id: post_id,
    }
}

/// Rebuilds a post from its stream; `NotFound` when the tenant has no such post.
pub async fn load_post(
    store: &Store,
    tenant: TenantId,
    post_id: Uuid,
) -> Result<PostView, CommandError> {
    let stored = store.read_stream(tenant, post_id).await?;
    if stored.first().is_none_or(|e| e.aggregate_type != POST_KIND) {
        return Err(CommandError::NotFound("post"));
    }
    let mut events = Vec::with_capacity(stored.len());
    for e in &stored {
        let envelope = Envelope::decode(&e.payload[..]).map_err(|d| StoreError::Corrupt {
            field: "events.payload",
            reason: d.to_string(),
        })?;
        events.push(
            wire::from_envelope(&envelope).map_err(|c| StoreError::Corrupt {
                field: "events.payload",
                reason: c.to_string(),
            })?,
        );
    }
    Ok(PostView {
        post_id,
        post: post::replay(&events),
        version: stored.len() as u64,
    })
}

/// Envelopes for a post's new events, numbered after `version`.
fn envelopes(
    tenant: TenantId,
    post_id: Uuid,
    version: u64,
    brand: Option<BrandId>,
    events: &[PostEvent],
) -> Vec<Envelope> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut builder = EnvelopeBuilder::new(tenant, wire::to_wire(e))
                .aggregate(post_id, version + i as u64 + 1);
            if let Some(brand) = brand {
                builder = builder.brand(brand);
            }
            builder.build()
        })
        .collect()
}

/// Records `events` on top of `view` in `tx`: the read model first (taking the row lock
/// before the store's append lock, as the dispatcher does), then events and outbox. The
/// append checks `view.version` again, so a writer that got there first makes this a
/// conflict. Returns the new view.
pub async fn record_post(
    tx: &mut StoreTx,
    tenant: TenantId,
    view: &PostView,
    events: &[PostEvent],
) -> Result<PostView, StoreError> {
    let mut next = PostView {
        post_id: view.post_id,
        post: events.iter().fold(view.post.clone(), post::apply),
        version: view.version + events.len() as u64,
    };
    let envelopes = envelopes(tenant, view.post_id, view.version, next.post.brand, events);
    sql::save_post(tx, tenant, &next).await?;
    next.version = tagar_host::events::append(
        tx,
        &post_ref(tenant, view.post_id),
        view.version,
        &envelopes,
        topics::SCHEDULING_EVENTS,
    )
    .await?;
    Ok(next)
}

/// One of `brand`'s posts; `NotFound` for another brand's (or tenant's) post.
pub async fn brand_post(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    post_id: Uuid,
) -> Result<PostView, CommandError> {
    let view = load_post(store, tenant, post_id).await?;
    if view.post.brand != Some(brand) {
        return Err(CommandError::NotFound("post"));
    }
    Ok(view)
}

/// Runs `command` on one of `brand`'s posts. `expected` is the version the caller last saw
/// (`None` to skip the check): a different one is a conflict.
pub async fn execute(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    post_id: Uuid,
    expected: Option<u64>,
    command: PostCommand,
) -> Result<PostView, CommandError> {
    let view = brand_post(store, tenant, brand, post_id).await?;
    if let Some(expected) = expected.filter(|e| *e != view.version) {
        return Err(StoreError::Conflict {
            aggregate_id: post_id.to_string(),
            expected,
            actual: view.version,
        }
        .into());
    }
    let events = post::handle(&view.post, command)?;
    let mut tx = store.begin().await?;
    let next = record_post(&mut tx, tenant, &view, &events).await?;
    tx.commit().await?;
    Ok(next)
}

/// Writes a new draft; the post id is a fresh UUIDv7.
pub async fn draft(
    store: &Store,
    tenant: TenantId,
    command: PostCommand,
) -> Result<PostView, CommandError> {
    let view = PostView {
        post_id: Uuid::now_v7(),
        post: post::ScheduledPost::default(),
        version: 0,
    };
    let events = post::handle(&view.post, command)?;
    let mut tx = store.begin().await?;
    let next = record_post(&mut tx, tenant, &view, &events).await?;
    tx.commit().await?;
    Ok(next)
}

/// Creates a brand: its id is the id of its aggregate, a fresh UUIDv7.
pub async fn create_brand(
    store: &Store,
    tenant: TenantId,
    new: NewBrand,
) -> Result<BrandRow, CommandError> {
    let brand = BrandId::new();
    let event = Event::BrandCreated(v1::BrandCreated {
        name: new.name.as_str().to_owned(),
        time_zone: new.time_zone.as_str().to_owned(),
    });
    let envelope = EnvelopeBuilder::new(tenant, event)
        .brand(brand)
        .aggregate(*brand.as_uuid(), 1)
        .build();
    let mut tx = store.begin().await?;
    sql::insert_brand(&mut tx, tenant, brand, &new).await?;
    append_first(&mut tx, tenant, BRAND_KIND, *brand.as_uuid(), envelope).await?;
    tx.commit().await?;
    Ok(BrandRow {
        brand_id: brand,
        name: new.name.as_str().to_owned(),
        time_zone: new.time_zone.as_str().to_owned(),
    })
}

/// Connects an account to one of the tenant's brands: its id is its aggregate's, a fresh
/// UUIDv7. A brand has one account per network and handle.
pub async fn connect_account(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    new: NewAccount,
) -> Result<AccountRow, CommandError> {
    if sql::get_brand(store, tenant, brand).await?.is_none() {
        return Err(CommandError::NotFound("brand"));
    }
    let account = AccountId::new();
    let event = Event::SocialAccountConnected(v1::SocialAccountConnected {
        account_id: account.to_string(),
        network: tagar_proto::convert::network_to_wire(new.network) as i32,
        handle: new.handle.as_str().to_owned(),
    });
    let envelope = EnvelopeBuilder::new(tenant, event)
        .brand(brand)
        .aggregate(*account.as_uuid(), 1)
        .build();
    let mut tx = store.begin().await?;
    if !sql::insert_account(&mut tx, tenant, account, brand, &new).await? {
        return Err(CommandError::AlreadyExists(format!(
            "handle: the brand already has {} on {}",
            new.handle, new.network
        )));
    }
    append_first(&mut tx, tenant, ACCOUNT_KIND, *account.as_uuid(), envelope).await?;
    tx.commit().await?;
    Ok(AccountRow {
        account_id: account,
        brand_id: brand,
        network: new.network,
        handle: new.handle.as_str().to_owned(),
    })
}

/// Appends the first event of a new aggregate (version 0 expected) in `tx`, with its outbox
/// record for the scheduling topic.
async fn append_first(
    tx: &mut tagar_store::StoreTx,
    tenant: TenantId,
    kind: &'static str,
    id: uuid::Uuid,
    envelope: v1::Envelope,
) -> Result<(), tagar_store::StoreError> {
    let aggregate = AggregateRef { tenant, kind, id };
    tagar_host::events::append(tx, &aggregate, 0, &[envelope], topics::SCHEDULING_EVENTS).await?;
    Ok(())
}
