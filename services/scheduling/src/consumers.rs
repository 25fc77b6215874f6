//! Acting on moderators' decisions on the networks: a review case decided "block the author"
//! blocks that author from each of the brand's accounts linked to the post's network, and one
//! decided "hide" hides the post where the network lets a thread's author hide replies
//! (Bluesky's thread gate, X's hidden replies; Mastodon has none). Scheduling holds the
//! accounts and their credentials; the connector does the call.
//!
//! At least once, and idempotent on the network: a redelivered decision blocks again, and the
//! connector makes one block per blocked account (Bluesky: one `app.bsky.graph.block`
//! record, its key derived from the blocked DID). A network that is down is retried (the
//! consumer waits, as for a store outage); a refusal is logged and the decision goes on; a
//! refused credential marks the account "needs reconnect".

use std::sync::Arc;

use async_trait::async_trait;
use prometheus::IntCounter;
use tagar_eventlog::{HandleError, Record, RecordHandler};
use tagar_kernel::{Cause, CommandError, Refusal, Subscription};
use tagar_networks::{Account, NetworkError, SearchTerm};
use tagar_proto::convert::network_from_wire;
use tagar_proto::topics;
use tagar_proto::v1::{Decision, RuleKind, envelope::Event};
use tagar_runtime::Metrics;
use tagar_runtime::vault::Vault;
use tagar_store::Store;

use crate::commands::Commands;
use crate::domain::Pause;
use crate::domain::post::PostCommand;
use crate::network::Networks;
use crate::store::{self as sql, credentials};

/// The consumer group of moderators' decisions, and what it reads.
pub const DECISIONS: Subscription =
    Subscription::new("tagar-scheduling-decisions", &[topics::MODERATION_EVENTS]);

/// What a decision asks of the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Block the post's author from the account.
    Block,
    /// Hide the post, a reply in the account's thread.
    HideReply,
    /// Mute the post's author for the account.
    Mute,
    /// Report the post and its author to the network.
    Report,
}

/// What to do on the network, and to whom, as a moderator's decision or the desk asked.
struct Asked {
    action: Action,
    network: i32,
    author_id: String,
    native_id: String,
    /// The case or inbox item it comes from, for the log.
    from: String,
    /// Sent with a report.
    comment: String,
}

/// What `event` asks of the networks, if anything.
fn asked(event: Option<&Event>) -> Option<Asked> {
    match event? {
        Event::ReviewCaseDecided(decided) => {
            let action = match Decision::try_from(decided.decision) {
                Ok(Decision::BlockAuthor) if !decided.author_id.is_empty() => Action::Block,
                Ok(Decision::Hide) if !decided.native_id.is_empty() => Action::HideReply,
                _ => return None,
            };
            Some(Asked {
                action,
                network: decided.network,
                author_id: decided.author_id.clone(),
                native_id: decided.native_id.clone(),
                from: format!("case {}", decided.case_id),
                comment: decided.note.clone(),
            })
        }
        Event::InboxAuthorActioned(acted) if !acted.author_id.is_empty() => {
            let action = match acted.action() {
                tagar_proto::v1::AuthorAction::Block => Action::Block,
                tagar_proto::v1::AuthorAction::Mute => Action::Mute,
                tagar_proto::v1::AuthorAction::Report => Action::Report,
                tagar_proto::v1::AuthorAction::Unspecified => return None,
            };
            Some(Asked {
                action,
                network: acted.network,
                author_id: acted.author_id.clone(),
                native_id: acted.native_id.clone(),
                from: format!("inbox item {}", acted.item_id),
                comment: acted.reason.clone(),
            })
        }
        _ => None,
    }
}

/// Carries moderators' decisions out on the networks, from the brand's linked accounts.
pub struct Blocker {
    store: Store,
    commands: Commands,
    networks: Networks,
    vault: Option<Arc<Vault>>,
    blocked: IntCounter,
    hidden: IntCounter,
    acted: IntCounter,
}

impl Blocker {
    /// A blocker over `store`, acting through `networks` with credentials `vault` opens.
    pub fn new(
        store: Store,
        networks: Networks,
        vault: Option<Arc<Vault>>,
        metrics: &Metrics,
    ) -> anyhow::Result<Self> {
        let blocked = metrics.counter(
            "authors_blocked_total",
            "Authors blocked on a network from a brand's account, by a moderator's decision.",
        )?;
        let hidden = metrics.counter(
            "replies_hidden_total",
            "Replies hidden on a network in a brand's thread, by a moderator's decision.",
        )?;
        let acted = metrics.counter(
            "authors_muted_or_reported_total",
            "Authors muted or posts reported on a network from a brand's account, from the engagement desk.",
        )?;
        Ok(Self {
            commands: Commands::new(store.clone()),
            store,
            networks,
            vault,
            blocked,
            hidden,
            acted,
        })
    }
}

#[async_trait]
impl RecordHandler for Blocker {
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        let (meta, envelope) = tagar_kernel::events::decode(record)?;
        let Some(decided) = asked(envelope.event.as_ref()) else {
            return Ok(());
        };
        let action = decided.action;
        let (Some(brand), Ok(network)) =
            (meta.brand, network_from_wire(decided.network, "network"))
        else {
            return Ok(());
        };
        let Some(connector) = self.networks.get(network) else {
            // A network Tagar cannot act on (or the loopback network): the block stays Tagar's.
            return Ok(());
        };
        let Some(vault) = self.vault.clone() else {
            tracing::warn!(from = %decided.from, "no vault key: cannot open the accounts' credentials to block");
            return Ok(());
        };
        let retry = |e: tagar_store::StoreError| HandleError::Retry(e.to_string());
        let accounts = sql::list_accounts(&self.store, meta.tenant, Some(brand))
            .await
            .map_err(retry)?;
        for account in accounts.into_iter().filter(|a| {
            a.network == network && !a.native_account_id.is_empty() && a.needs_reconnect.is_empty()
        }) {
            let mut tx = self.store.begin().await.map_err(retry)?;
            let opened = credentials::load(&mut tx, &vault, meta.tenant, account.account_id).await;
            tx.rollback().await.map_err(retry)?;
            let Some(credentials) = opened.map_err(retry)? else {
                continue;
            };
            let acting = Account {
                id: *account.account_id.as_uuid(),
                credentials: &credentials,
            };
            // A block or mute asked twice is one on the network; a report is filed each time,
            // so each account files one per event (at least once: a crash between the call
            // and its mark files it again).
            let report_mark = format!("{}:report:{}", DECISIONS.group, account.account_id);
            if action == Action::Report
                && sql::was_processed(&self.store, &report_mark, meta.event_id)
                    .await
                    .map_err(retry)?
            {
                continue;
            }
            let outcome = match action {
                Action::Block => connector.block(&acting, &decided.author_id).await,
                Action::HideReply => connector
                    .hide_reply(&acting, &decided.native_id)
                    .await
                    .map(|()| decided.native_id.clone()),
                Action::Mute => connector
                    .mute(&acting, &decided.author_id)
                    .await
                    .map(|()| decided.author_id.clone()),
                Action::Report => connector
                    .report(
                        &acting,
                        &decided.native_id,
                        &decided.author_id,
                        &decided.comment,
                    )
                    .await
                    .map(|()| decided.native_id.clone()),
            };
            if let Some(renewed) = connector.refreshed(*account.account_id.as_uuid()) {
                let mut tx = self.store.begin().await.map_err(retry)?;
                credentials::save(&mut tx, &vault, meta.tenant, account.account_id, &renewed)
                    .await
                    .map_err(retry)?;
                tx.commit().await.map_err(retry)?;
            }
            match outcome {
                Ok(done) => {
                    if action == Action::Report {
                        let mut tx = self.store.begin().await.map_err(retry)?;
                        tx.mark_processed(&report_mark, meta.event_id)
                            .await
                            .map_err(retry)?;
                        tx.commit().await.map_err(retry)?;
                    }
                    match action {
                        Action::Block => self.blocked.inc(),
                        Action::HideReply => self.hidden.inc(),
                        Action::Mute | Action::Report => self.acted.inc(),
                    }
                    tracing::info!(from = %decided.from, account = %account.account_id, ?action, %done, "acted on the network");
                }
                Err(e) if e.is_retryable() => return Err(HandleError::Retry(e.to_string())),
                Err(NetworkError::Unauthorized { reason, .. }) => {
                    self.commands
                        .mark_needs_reconnect(meta.tenant, account.account_id, &reason)
                        .await;
                }
                // Not this account's thread, or a network without the action: nothing to do.
                Err(e) => {
                    tracing::info!(from = %decided.from, account = %account.account_id, ?action, error = %e, "the network did not take the action");
                }
            }
        }
        Ok(())
    }
}

/// The consumer group of analytics' crises, and what it reads.
pub const CRISES: Subscription =
    Subscription::new("tagar-scheduling-crises", &[topics::ANALYTICS_EVENTS]);

/// Pauses a brand's queue at once when analytics detects a crisis of the brand. Idempotent:
/// a redelivered detection finds the queue paused for it and changes nothing.
pub struct Pauser {
    commands: Commands,
}

impl Pauser {
    /// A pauser recording in `store`.
    pub fn new(store: Store) -> Self {
        Self {
            commands: Commands::new(store),
        }
    }
}

#[async_trait]
impl RecordHandler for Pauser {
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        let (meta, envelope) = tagar_kernel::events::decode(record)?;
        let Some(Event::CrisisDetected(detected)) = &envelope.event else {
            return Ok(());
        };
        let Some(brand) = meta.brand else {
            return Err(HandleError::Poison("CrisisDetected without a brand".into()));
        };
        let reason: String = format!("crisis: {}", detected.reason)
            .chars()
            .take(crate::domain::brand::PAUSE_REASON_CHARS)
            .collect();
        let pause = Pause {
            crisis_id: Some(envelope.aggregate_id.clone()),
            reason,
            by: "analytics".to_owned(),
            at: chrono::Utc::now(),
        };
        let cause = Cause {
            event_id: &envelope.event_id,
            correlation_id: &envelope.correlation_id,
        };
        match self
            .commands
            .pause_queue(meta.tenant, brand, pause, Some(cause))
            .await
        {
            Ok(_) => Ok(()),
            // A brand scheduling does not hold (created elsewhere, or gone): nothing to pause.
            Err(CommandError::Refused(Refusal::NotFound(_))) => Ok(()),
            Err(CommandError::Refused(refusal)) => {
                tracing::warn!(%brand, error = %refusal, "a crisis could not pause the queue");
                Ok(())
            }
            Err(e) => Err(HandleError::Retry(e.to_string())),
        }
    }
}

/// The consumer group of the engagement desk's replies, and what it reads.
pub const REPLIES: Subscription =
    Subscription::new("tagar-scheduling-replies", &[topics::MODERATION_EVENTS]);

/// Publishes the replies the engagement desk asks for: each `InboxItemReplyRequested`
/// becomes the scheduled post it names (approved by the person who answered, due now, a
/// reply to the item's post), which the dispatcher publishes once like any post. A
/// redelivered request finds its post written and changes nothing.
pub struct Replier {
    commands: Commands,
}

impl Replier {
    /// A replier recording in `store`.
    pub fn new(store: Store) -> Self {
        Self {
            commands: Commands::new(store),
        }
    }
}

#[async_trait]
impl RecordHandler for Replier {
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        let (meta, envelope) = tagar_kernel::events::decode(record)?;
        let Some(Event::InboxItemReplyRequested(asked)) = &envelope.event else {
            return Ok(());
        };
        let Some(brand) = meta.brand else {
            return Err(HandleError::Poison(
                "InboxItemReplyRequested without a brand".into(),
            ));
        };
        let poison = |field: &str, e: String| HandleError::Poison(format!("{field}: {e}"));
        let post_id = uuid::Uuid::parse_str(&asked.reply_post_id)
            .map_err(|e| poison("reply_post_id", e.to_string()))?;
        let account_id = tagar_model::AccountId::parse(&asked.account_id)
            .map_err(|e| poison("account_id", e.to_string()))?;
        let retry = |e: tagar_store::StoreError| HandleError::Retry(e.to_string());
        let account = self
            .commands
            .accounts
            .load_of_brand(meta.tenant, brand, *account_id.as_uuid())
            .await
            .map_err(retry)?
            .and_then(|a| a.state.profile);
        let zone = self
            .commands
            .brands
            .load(meta.tenant, *brand.as_uuid())
            .await
            .map_err(retry)?
            .and_then(|b| b.state.profile)
            .map(|p| p.time_zone);
        let (Some(account), Some(zone)) = (account, zone) else {
            tracing::warn!(item = %asked.item_id, "a reply's account or brand is not scheduling's; not published");
            return Ok(());
        };
        let command = PostCommand::Reply {
            draft: Box::new(PostCommand::Draft {
                brand,
                account: account_id,
                network: account.network,
                text: asked.text.clone(),
                media: Vec::new(),
                author: asked.by.clone(),
            }),
            approver: asked.by.clone(),
            reply_to: asked.reply_to.clone(),
            inbox_item_id: asked.item_id.clone(),
            time_zone: zone,
            now: chrono::Utc::now(),
        };
        match self
            .commands
            .posts
            .create(meta.tenant, post_id, command)
            .await
        {
            Ok(_) | Err(CommandError::Conflict { .. }) => Ok(()),
            Err(CommandError::Refused(refusal)) => {
                tracing::warn!(item = %asked.item_id, error = %refusal, "a reply was refused; not published");
                Ok(())
            }
            Err(CommandError::Store(e)) => Err(retry(e)),
        }
    }
}

/// The consumer group of ingest's listening rules, and what it reads.
pub const RULES: Subscription =
    Subscription::new("tagar-scheduling-rules", &[topics::LISTENING_RULES]);

/// Keeps the brands' listening rules as the terms the listener searches the networks for:
/// a hashtag rule its hashtag, a keyword rule its words, a handle rule its handle, and a
/// competitor rule whichever of the three its pattern is (`#…`, `@…`, else words).
/// Idempotent: a redelivered rule is kept once, a removal of what is gone does nothing.
pub struct Terms {
    store: Store,
}

impl Terms {
    /// Keeps the terms in `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

/// The search term a rule of `kind` with `pattern` stands for.
fn term_of(kind: RuleKind, pattern: &str) -> Option<SearchTerm> {
    let pattern = pattern.trim();
    let bare = |p: &str| p.trim_start_matches(['#', '＃', '@', '＠']).to_owned();
    let term = match kind {
        RuleKind::Hashtag => SearchTerm::Hashtag(bare(pattern)),
        RuleKind::Handle => SearchTerm::Handle(bare(pattern)),
        RuleKind::Keyword => SearchTerm::Keyword(pattern.to_owned()),
        RuleKind::Competitor if pattern.starts_with(['#', '＃']) => {
            SearchTerm::Hashtag(bare(pattern))
        }
        RuleKind::Competitor if pattern.starts_with(['@', '＠']) => {
            SearchTerm::Handle(bare(pattern))
        }
        RuleKind::Competitor => SearchTerm::Keyword(pattern.to_owned()),
        RuleKind::Unspecified => return None,
    };
    let empty = match &term {
        SearchTerm::Hashtag(t) | SearchTerm::Handle(t) | SearchTerm::Keyword(t) => t.is_empty(),
    };
    (!empty).then_some(term)
}

#[async_trait]
impl RecordHandler for Terms {
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        let (meta, envelope) = tagar_kernel::events::decode(record)?;
        let retry = |e: tagar_store::StoreError| HandleError::Retry(e.to_string());
        match &envelope.event {
            Some(Event::ListeningRuleAdded(added)) => {
                let rule = added.rule.as_ref().ok_or_else(|| {
                    HandleError::Poison("ListeningRuleAdded.rule is missing".into())
                })?;
                let brand = tagar_model::BrandId::parse(&rule.brand_id)
                    .map_err(|e| HandleError::Poison(format!("rule.brand_id: {e}")))?;
                let kind = RuleKind::try_from(rule.kind).unwrap_or(RuleKind::Unspecified);
                let Some(term) = term_of(kind, &rule.pattern) else {
                    return Ok(());
                };
                sql::listening::remember_term(&self.store, meta.tenant, brand, &rule.rule_id, &term)
                    .await
                    .map_err(retry)
            }
            Some(Event::ListeningRuleRemoved(removed)) => {
                sql::listening::forget_term(&self.store, meta.tenant, &removed.rule_id)
                    .await
                    .map_err(retry)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_become_the_terms_a_network_is_searched_for() {
        let term = |kind, pattern| term_of(kind, pattern);
        assert_eq!(
            term(RuleKind::Hashtag, "#KopiKita"),
            Some(SearchTerm::Hashtag("KopiKita".into()))
        );
        assert_eq!(
            term(RuleKind::Competitor, "@starcoffee"),
            Some(SearchTerm::Handle("starcoffee".into()))
        );
        assert_eq!(
            term(RuleKind::Competitor, "Star Coffee"),
            Some(SearchTerm::Keyword("Star Coffee".into()))
        );
        assert_eq!(term(RuleKind::Hashtag, "#"), None);
        assert_eq!(term(RuleKind::Unspecified, "x"), None);
    }
}
