//! Carrying out listening-rule commands: the rule aggregate's repository, writing the rules'
//! read model and bumping the tenant's rules version in the transaction that records the
//! rule's events and their outbox records for `tagar.ingest.rules.v1`.

use std::time::Duration;
use tagar_kernel::{CommandError, Expected, Refusal, Repository};
use tagar_model::{BrandId, TenantId};
use tagar_proto::topics;

use tagar_store::{Store, StoreError};
use uuid::Uuid;

use crate::domain::{ListeningRule, RULE, RuleCommand, RuleKind, RuleState};
use crate::store::{self, RuleRows};

/// How long adding a rule waits for a brand that scheduling has just created to reach ingest
/// (ingest learns of brands from scheduling's topic).
pub const BRAND_WAIT: Duration = Duration::from_secs(5);

/// Ingest's aggregate and how its commands are recorded.
#[derive(Debug, Clone)]
pub struct Commands {
    /// Listening rules.
    pub rules: Repository<RuleState>,
    /// The most active rules one tenant may have (`[limits] rules_per_tenant`): every post
    /// of the tenant is matched against all of them at once.
    pub rules_per_tenant: u32,
}

impl Commands {
    /// The repository over `store`, holding each tenant to `rules_per_tenant` rules.
    pub fn new(store: Store, rules_per_tenant: u32) -> Self {
        Self {
            rules: Repository::new(store, topics::LISTENING_RULES).with_projection(RuleRows),
            rules_per_tenant,
        }
    }

    /// Adds a rule to `brand`, a brand of `tenant` that exists; returns it with its new id
    /// (a UUIDv7).
    pub async fn add(
        &self,
        tenant: TenantId,
        brand: BrandId,
        kind: RuleKind,
        pattern: &str,
    ) -> Result<ListeningRule, CommandError> {
        if !self.brand_known(tenant, brand).await? {
            return Err(CommandError::Refused(Refusal::not_found("brand")));
        }
        let limit = i64::from(self.rules_per_tenant);
        if store::rule_count(self.rules.store(), tenant).await? >= limit {
            return Err(CommandError::Refused(Refusal::limit(format!(
                "the tenant has {limit} listening rules, the most it may have; remove one first"
            ))));
        }
        let rule_id = Uuid::now_v7();
        let command = RuleCommand::Add {
            rule_id,
            brand_id: brand,
            kind,
            pattern: pattern.to_owned(),
        };
        let added = self.rules.create(tenant, rule_id, command).await?;
        match added.state {
            RuleState::Active(rule) => Ok(rule),
            other => Err(CommandError::Store(tagar_store::StoreError::Corrupt {
                field: "listening_rule",
                reason: format!("adding a rule left it {other:?}"),
            })),
        }
    }

    /// Whether ingest knows `brand` of `tenant`, waiting up to [`BRAND_WAIT`] for a brand just
    /// created to arrive from scheduling's topic.
    async fn brand_known(&self, tenant: TenantId, brand: BrandId) -> Result<bool, StoreError> {
        let deadline = tokio::time::Instant::now() + BRAND_WAIT;
        loop {
            if store::brand_exists(self.rules.store(), tenant, brand).await? {
                return Ok(true);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Removes rule `rule_id` of `brand`; another brand's (or tenant's) rule is not found.
    pub async fn remove(
        &self,
        tenant: TenantId,
        brand: BrandId,
        rule_id: Uuid,
    ) -> Result<(), CommandError> {
        let Some(rule) = self.rules.load_of_brand(tenant, brand, rule_id).await? else {
            return Err(CommandError::Refused(Refusal::not_found(RULE)));
        };
        let command = RuleCommand::Remove { brand_id: brand };
        self.rules.execute(&rule, Expected::Any, command).await?;
        Ok(())
    }
}
