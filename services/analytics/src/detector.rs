//! The crisis detector, a background task: every [`DETECT_EVERY`] it looks at each brand's
//! last minutes (negative posts and mentions, as the consumers folded them) against the
//! brand's own baseline, and records a crisis where it sees a spike. Each replica runs one;
//! the crisis table holds at most one open crisis per brand, so two replicas seeing the same
//! spike record it once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tagar_kernel::{CommandError, Expected, Loaded, Refusal, Repository};
use tagar_model::Network;
use tagar_proto::topics;
use tagar_store::{Store, StoreError};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::domain::MINUTE_US;
use crate::domain::crisis::detect::{BASELINE_DAYS, rising_terms, spike};
use crate::domain::crisis::{
    Baseline, Crisis, CrisisCommand, Detection, EvidencePost, Thresholds, Window,
};
use crate::store::crises::{self as sql, CrisisRows, RecentMinutes};

/// How often the detector looks.
pub const DETECT_EVERY: Duration = Duration::from_secs(2);
/// How many of the window's negative posts a detection carries as evidence.
const EVIDENCE_POSTS: i64 = 5;
/// How many negative posts (now and before) the rising terms are read from.
const TERM_POSTS: i64 = 500;
/// The longest window a brand may set, in minutes.
const MAX_WINDOW_MINUTES: i64 = 60;

/// The detector over `store`, recording crises on the analytics topic.
pub struct Detector {
    store: Store,
    crises: Repository<Crisis>,
}

impl Detector {
    /// A detector over `store`.
    pub fn new(store: Store) -> Self {
        Self {
            crises: Repository::new(store.clone(), topics::ANALYTICS_EVENTS)
                .with_projection(CrisisRows),
            store,
        }
    }

    /// Looks every [`DETECT_EVERY`] until `cancel`.
    pub async fn run(self, cancel: CancellationToken) {
        loop {
            if let Err(e) = self.detect_once(Utc::now()).await {
                tracing::warn!(error = %e, "crisis detection round failed; retrying");
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(DETECT_EVERY) => {}
            }
        }
    }

    /// One look at every brand with recent activity; returns the crises it recorded.
    pub async fn detect_once(&self, now: DateTime<Utc>) -> Result<Vec<Uuid>, StoreError> {
        let this_minute = crate::domain::minute_of(now.timestamp_micros());
        let since = this_minute - (MAX_WINDOW_MINUTES - 1) * MINUTE_US;
        let mut recorded = Vec::new();
        for brand in sql::recent_minutes(&self.store, since).await? {
            let (thresholds, _) = sql::thresholds(&self.store, brand.tenant, brand.brand).await?;
            if let Some(id) = self.look(&brand, &thresholds, now).await? {
                recorded.push(id);
            }
        }
        Ok(recorded)
    }

    async fn look(
        &self,
        recent: &RecentMinutes,
        thresholds: &Thresholds,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let (tenant, brand) = (recent.tenant, recent.brand);
        let this_minute = crate::domain::minute_of(now.timestamp_micros());
        let mut start = this_minute - (i64::from(thresholds.window_minutes) - 1) * MINUTE_US;
        // A storm a person has resumed from is not raised again: after a crisis closes, the
        // window starts in the minute after, so only what comes after the resume counts.
        if let Some(closed) = sql::last_closed(&self.store, tenant, brand).await? {
            start = start.max(crate::domain::minute_of(closed) + MINUTE_US);
        }
        if start > this_minute {
            return Ok(None);
        }
        let mut window = Window {
            minutes: ((this_minute - start) / MINUTE_US + 1) as u32,
            ..Window::default()
        };
        for (minute, negatives, mentions) in &recent.minutes {
            if *minute >= start {
                window.negatives += negatives;
                window.mentions += mentions;
            }
        }
        // Cheap first: could this be a spike even against no baseline at all?
        let chat_live = sql::chat_live(&self.store, tenant, brand, now.timestamp_micros()).await?;
        if spike(thresholds, window, Baseline::default(), chat_live).is_none() {
            return Ok(None);
        }
        let from = start - BASELINE_DAYS * 24 * 60 * MINUTE_US;
        let (negatives, mentions, minutes) =
            sql::totals_before(&self.store, tenant, brand, (from, start)).await?;
        let baseline = Baseline::from_totals(negatives, mentions, minutes);
        let Some((trigger, reason)) = spike(thresholds, window, baseline, chat_live) else {
            return Ok(None);
        };
        let end = now.timestamp_micros() + 1;
        let posts =
            sql::negative_posts(&self.store, tenant, brand, (start, end), TERM_POSTS).await?;
        let before = sql::negative_posts(&self.store, tenant, brand, (from, start), TERM_POSTS)
            .await?
            .into_iter()
            .map(|p| p.3)
            .collect::<Vec<_>>();
        let texts: Vec<String> = posts.iter().map(|p| p.3.clone()).collect();
        let top_negative = posts
            .into_iter()
            .take(EVIDENCE_POSTS as usize)
            .filter_map(|(network, native_id, author_id, text, score, at)| {
                Some(EvidencePost {
                    network: network.parse::<Network>().ok()?,
                    native_id,
                    author_id,
                    text,
                    abuse_score: score as f32,
                    at: DateTime::from_timestamp_micros(at)?,
                })
            })
            .collect();
        let detection = Detection {
            brand,
            trigger,
            window_start: DateTime::from_timestamp_micros(start).unwrap_or(now),
            detected_at: now,
            window,
            baseline,
            reason,
            top_negative,
            rising_terms: rising_terms(&texts, &before, 8),
        };
        let id = Uuid::now_v7();
        let fresh = Loaded::new(tenant, id);
        let command = CrisisCommand::Detect(Box::new(detection));
        match self.crises.execute(&fresh, Expected::Any, command).await {
            Ok(_) => {
                tracing::warn!(%tenant, %brand, crisis = %id, "crisis detected");
                Ok(Some(id))
            }
            // Another replica recorded this brand's crisis first.
            Err(CommandError::Refused(Refusal::Duplicate(_))) => Ok(None),
            Err(CommandError::Store(e)) => Err(e),
            Err(e) => Err(StoreError::Corrupt {
                field: "crisis",
                reason: e.to_string(),
            }),
        }
    }
}
