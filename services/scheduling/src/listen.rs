//! Listening by polling: every `networks.poll_seconds`, each linked Mastodon or X account's
//! mentions since its cursor are read through its connector and handed to ingest on
//! `tagar.network.heard.v1`, as `NetworkPostDelivered` envelopes of the account's brand.
//!
//! Scheduling does it because it holds the accounts' credentials. Nothing lost, nothing
//! doubled: the deliveries go to the outbox in the transaction that moves the cursor, so a
//! crash before it reads the same mentions again, and ingest drops a post it took in already
//! (its event id comes from the tenant and the post's id). One replica polls an account at a
//! time (a lease on its cursor row). A rate limit pauses the account until the network's
//! reset; refused credentials mark it "needs reconnect", which stops the polling.
//!
//! Where the network pushes notifications (Mastodon's streaming API), the replica holding an
//! account's lease also keeps its stream open, and each new mention makes it look at that
//! account at once: the stream is the fast path and polling the fallback, and both read
//! through the same cursor, so a mention is delivered once either way. New accounts are
//! looked at within seconds of being connected.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use prost::Message as _;
use tagar_model::{AccountId, BrandId, Network};
use tagar_networks::{Account, Heard, NetworkError};
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1::{self, envelope::Event};
use tagar_runtime::vault::Vault;
use tagar_store::{OutboxMessage, Store};
use tokio_util::sync::CancellationToken;

use crate::commands::Commands;
use crate::network::Networks;
use crate::store::credentials;
use crate::store::listening::{self, Polled};

/// The networks listened to by polling.
pub const POLLED: [Network; 2] = [Network::Mastodon, Network::X];
/// How long a replica's hold on an account lasts.
const LEASE: Duration = Duration::from_secs(120);
/// How often the list of accounts is read (new ones are looked at on the next one).
const LIST_EVERY: Duration = Duration::from_secs(3);

/// Polls linked accounts' mentions into ingest.
pub struct Listener {
    store: Store,
    commands: Commands,
    networks: Networks,
    vault: Option<Arc<Vault>>,
    interval: Duration,
    owner: String,
    paused: HashMap<AccountId, DateTime<Utc>>,
    last_looked: HashMap<AccountId, Instant>,
    known: HashMap<AccountId, Polled>,
    /// The accounts the brands' terms are searched from: one per brand and network.
    searchers: HashSet<AccountId>,
    watched: Arc<Mutex<HashSet<AccountId>>>,
    wake_tx: tokio::sync::mpsc::Sender<AccountId>,
    wake_rx: tokio::sync::mpsc::Receiver<AccountId>,
}

impl Listener {
    /// A listener over `store`, polling through `networks` every `interval`.
    pub fn new(
        store: Store,
        networks: Networks,
        vault: Option<Arc<Vault>>,
        interval: Duration,
    ) -> Self {
        let (wake_tx, wake_rx) = tokio::sync::mpsc::channel(256);
        Self {
            commands: Commands::new(store.clone()),
            store,
            networks,
            vault,
            interval,
            owner: uuid::Uuid::new_v4().to_string(),
            paused: HashMap::new(),
            last_looked: HashMap::new(),
            known: HashMap::new(),
            searchers: HashSet::new(),
            watched: Arc::default(),
            wake_tx,
            wake_rx,
        }
    }

    /// Looks at each account every interval (a new one at once), and at once at an account
    /// whose stream signals a mention, until `cancel`.
    pub async fn run(mut self, cancel: CancellationToken) {
        loop {
            if let Err(e) = self.poll_due().await {
                tracing::warn!(error = %e, "listening round failed; retrying");
            }
            let woke = tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(LIST_EVERY.min(self.interval)) => None,
                woke = self.wake_rx.recv() => woke,
            };
            if let Some(first) = woke {
                let mut accounts = HashSet::from([first]);
                while let Ok(more) = self.wake_rx.try_recv() {
                    accounts.insert(more);
                }
                for account in accounts {
                    self.look_at(account).await;
                }
            }
        }
    }

    /// Looks at every polled account now; returns how many posts were handed to ingest.
    pub async fn poll_once(&mut self) -> anyhow::Result<usize> {
        self.last_looked.clear();
        self.poll_due().await
    }

    /// Looks at the accounts not looked at within the interval.
    async fn poll_due(&mut self) -> anyhow::Result<usize> {
        let now = Utc::now();
        self.paused.retain(|_, until| *until > now);
        let mut heard = 0;
        let accounts = listening::polled_accounts(&self.store, &POLLED).await?;
        self.known = accounts.iter().map(|p| (p.account, p.clone())).collect();
        let mut searched = HashSet::new();
        self.searchers = accounts
            .iter()
            .filter(|p| searched.insert((p.tenant, p.brand, p.network)))
            .map(|p| p.account)
            .collect();
        for polled in accounts {
            let due = self
                .last_looked
                .get(&polled.account)
                .is_none_or(|at| at.elapsed() >= self.interval);
            if due && !self.paused.contains_key(&polled.account) {
                heard += self.look_at(polled.account).await;
            }
        }
        Ok(heard)
    }

    /// Looks at one account now, logging a failure; how many posts it handed on.
    async fn look_at(&mut self, account: AccountId) -> usize {
        let (Some(vault), Some(polled)) = (self.vault.clone(), self.known.get(&account).cloned())
        else {
            return 0;
        };
        if self.paused.contains_key(&account) {
            return 0;
        }
        self.last_looked.insert(account, Instant::now());
        match self.poll(&vault, &polled).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(%account, error = %e, "polling an account failed");
                0
            }
        }
    }

    /// Opens the account's notification stream, if its network has one and it is not open.
    async fn watch(
        &self,
        polled: &Polled,
        account: &Account<'_>,
        connector: &Arc<dyn tagar_networks::Connector>,
    ) {
        if self
            .watched
            .lock()
            .expect("watched")
            .contains(&polled.account)
        {
            return;
        }
        let Ok(Some(mut signals)) = connector.watch_mentions(account).await else {
            return;
        };
        let (id, wake, watched) = (
            polled.account,
            self.wake_tx.clone(),
            Arc::clone(&self.watched),
        );
        watched.lock().expect("watched").insert(id);
        tokio::spawn(async move {
            while signals.recv().await.is_some() {
                if wake.send(id).await.is_err() {
                    break;
                }
            }
            // The stream ended: polling goes on, and the next look opens it again.
            watched.lock().expect("watched").remove(&id);
        });
    }

    /// What a listening call heard, or `None` when the account is to be left alone for now:
    /// rate limited (paused until the network's reset) or refused (marked "needs
    /// reconnect").
    async fn heard(
        &mut self,
        polled: &Polled,
        call: impl std::future::Future<Output = Result<Heard, NetworkError>>,
    ) -> Option<Heard> {
        match call.await {
            Ok(heard) => Some(heard),
            Err(NetworkError::RateLimited { retry_at, .. }) => {
                self.paused.insert(polled.account, retry_at);
                None
            }
            Err(NetworkError::Unauthorized { reason, .. }) => {
                self.commands
                    .mark_needs_reconnect(polled.tenant, polled.account, &reason)
                    .await;
                None
            }
            Err(e) => {
                tracing::warn!(account = %polled.account, error = %e, "listening failed; trying again next round");
                None
            }
        }
    }

    async fn poll(&mut self, vault: &Vault, polled: &Polled) -> anyhow::Result<usize> {
        let Some(connector) = self.networks.get(polled.network).cloned() else {
            return Ok(0);
        };
        let until = tagar_store::now_us() + i64::try_from(LEASE.as_micros()).unwrap_or(i64::MAX);
        let Some(cursors) = listening::lease(&self.store, polled, &self.owner, until).await? else {
            return Ok(0);
        };
        let mut tx = self.store.begin().await?;
        let opened = credentials::load(&mut tx, vault, polled.tenant, polled.account).await;
        tx.rollback().await?;
        let Some(creds) = opened? else {
            return Ok(0);
        };
        let account = Account {
            id: *polled.account.as_uuid(),
            credentials: &creds,
        };
        self.watch(polled, &account, &connector).await;
        let Some(mentions) = self
            .heard(
                polled,
                connector.mentions(&account, cursors.mentions.as_deref()),
            )
            .await
        else {
            return Ok(0);
        };
        // The brand's hashtags, keywords and handles, searched from one of its accounts per
        // network; what is found is not addressed to the brand, so ingest matches it against
        // the tenant's rules like a pushed post (a competitor's term counts for the
        // competitor, not the brand).
        let mut found = Heard::default();
        if self.searchers.contains(&polled.account) {
            let terms = listening::search_terms(&self.store, polled.tenant, polled.brand).await?;
            if !terms.is_empty() {
                // A failed search leaves its cursor, and the mentions still go on.
                let search = connector.search(&account, &terms, cursors.search.as_deref());
                found = self.heard(polled, search).await.unwrap_or_default();
            }
        }
        let mut tx = self.store.begin().await?;
        let messages: Vec<OutboxMessage> = mentions
            .posts
            .iter()
            .map(|post| delivery(polled, post, Some(polled.brand)))
            .chain(found.posts.iter().map(|post| delivery(polled, post, None)))
            .collect();
        if !messages.is_empty() {
            tx.enqueue(&messages).await?;
        }
        let moved = listening::Cursors {
            mentions: mentions.cursor,
            search: found.cursor,
        };
        if moved != listening::Cursors::default() {
            listening::save_cursors(&mut tx, polled, &moved).await?;
        }
        if let Some(renewed) = connector.refreshed(*polled.account.as_uuid()) {
            credentials::save(&mut tx, vault, polled.tenant, polled.account, &renewed).await?;
        }
        tx.commit().await?;
        if !messages.is_empty() {
            tracing::info!(account = %polled.account, network = %polled.network, posts = messages.len(), "heard mentions");
        }
        Ok(messages.len())
    }
}

/// A post heard through `polled`'s account, for ingest: addressed to `brand` (a mention of
/// its account), or to no one (a search result, matched by the tenant's rules).
fn delivery(polled: &Polled, post: &tagar_model::Post, brand: Option<BrandId>) -> OutboxMessage {
    let event = Event::NetworkPostDelivered(v1::NetworkPostDelivered {
        post: Some(v1::Post::from(post)),
        account_id: polled.account.to_string(),
    });
    let mut envelope = EnvelopeBuilder::new(polled.tenant, event);
    if let Some(brand) = brand {
        envelope = envelope.brand(brand);
    }
    let envelope = envelope.build();
    OutboxMessage {
        topic: topics::NETWORK_HEARD.to_owned(),
        key: post.conversation_key().to_owned().into(),
        payload: envelope.encode_to_vec().into(),
        headers: tagar_kernel::events::headers_of(&envelope),
    }
}
