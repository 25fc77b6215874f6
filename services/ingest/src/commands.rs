//! Carrying out listening-rule commands: the rule aggregate's repository, writing the rules'
//! read model and bumping the tenant's rules version in the transaction that records the
//! rule's events and their outbox records for `tagar.ingest.rules.v1`.

use tagar_kernel::{CommandError, Expected, Refusal, Repository};
use tagar_model::{BrandId, TenantId};
use tagar_proto::topics;
use tagar_store::Store;
use uuid::Uuid;

use crate::domain::{ListeningRule, RULE, RuleCommand, RuleKind, RuleState};
use crate::store::RuleRows;

/// Ingest's aggregate and how its commands are recorded.
#[derive(Debug, Clone)]
pub struct Commands {
    /// Listening rules.
    pub rules: Repository<RuleState>,
}

impl Commands {
    /// The repository over `store`.
    pub fn new(store: Store) -> Self {
        Self {
            rules: Repository::new(store, topics::LISTENING_RULES).with_projection(RuleRows),
        }
    }

    /// Adds a rule to `brand`; returns it with its new id (a UUIDv7).
    pub async fn add(
        &self,
        tenant: TenantId,
        brand: BrandId,
        kind: RuleKind,
        pattern: &str,
    ) -> Result<ListeningRule, CommandError> {
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
