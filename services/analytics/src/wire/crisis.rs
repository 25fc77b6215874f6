//! Crises on the wire: the `crisis` aggregate's event, and the read model as the API's
//! `Crisis`.

use chrono::DateTime;
use tagar_model::BrandId;
use tagar_proto::convert::{network_from_wire, network_to_wire, time_from_wire, time_to_wire};
use tagar_proto::v1::{self, Envelope, envelope::Event};

use crate::domain::crisis::{Baseline, CrisisEvent, Detection, EvidencePost, Trigger, Window};

/// The wire event of a crisis event.
pub fn event(event: &CrisisEvent) -> Event {
    match event {
        CrisisEvent::Detected(d) => Event::CrisisDetected(detected(d)),
    }
}

/// The `CrisisDetected` of a detection.
pub fn detected(d: &Detection) -> v1::CrisisDetected {
    let trigger = match d.trigger {
        Trigger::Negative => v1::CrisisTrigger::Negative,
        Trigger::Volume => v1::CrisisTrigger::Volume,
    };
    v1::CrisisDetected {
        trigger: trigger as i32,
        window_start: Some(time_to_wire(d.window_start)),
        detected_at: Some(time_to_wire(d.detected_at)),
        negatives: d.window.negatives,
        mentions: d.window.mentions,
        baseline_negatives_per_minute: d.baseline.negatives_per_minute,
        baseline_mentions_per_minute: d.baseline.mentions_per_minute,
        reason: d.reason.clone(),
        top_negative: d
            .top_negative
            .iter()
            .map(|p| v1::CrisisPost {
                network: network_to_wire(p.network) as i32,
                native_id: p.native_id.clone(),
                author_id: p.author_id.clone(),
                text: p.text.clone(),
                abuse_score: p.abuse_score,
                at: Some(time_to_wire(p.at)),
            })
            .collect(),
        rising_terms: d.rising_terms.clone(),
        window_minutes: d.window.minutes,
    }
}

/// The crisis event an envelope carries.
pub fn event_from(envelope: &Envelope) -> Result<CrisisEvent, String> {
    let Some(Event::CrisisDetected(d)) = envelope.event.as_ref() else {
        return Err(format!(
            "not a crisis event: {:?}",
            envelope
                .event
                .as_ref()
                .map(tagar_proto::envelope::event_type)
        ));
    };
    let brand = BrandId::parse(&envelope.brand_id).map_err(|e| format!("brand_id: {e}"))?;
    detection_from(brand, d).map(|d| CrisisEvent::Detected(Box::new(d)))
}

/// A detection from its wire form.
pub fn detection_from(brand: BrandId, d: &v1::CrisisDetected) -> Result<Detection, String> {
    let time = |t: &Option<prost_types::Timestamp>, field: &'static str| {
        t.as_ref()
            .ok_or_else(|| format!("{field}: is required"))
            .and_then(|t| time_from_wire(t, field).map_err(|e| e.to_string()))
    };
    let trigger = match d.trigger() {
        v1::CrisisTrigger::Negative => Trigger::Negative,
        v1::CrisisTrigger::Volume => Trigger::Volume,
        v1::CrisisTrigger::Unspecified => return Err("trigger: is required".into()),
    };
    let window_start = time(&d.window_start, "window_start")?;
    let detected_at = time(&d.detected_at, "detected_at")?;
    let mut top_negative = Vec::with_capacity(d.top_negative.len());
    for p in &d.top_negative {
        top_negative.push(EvidencePost {
            network: network_from_wire(p.network, "network").map_err(|e| e.to_string())?,
            native_id: p.native_id.clone(),
            author_id: p.author_id.clone(),
            text: p.text.clone(),
            abuse_score: p.abuse_score,
            at: time(&p.at, "at")?,
        });
    }
    Ok(Detection {
        brand,
        trigger,
        window_start,
        detected_at,
        window: Window {
            negatives: d.negatives,
            mentions: d.mentions,
            minutes: d.window_minutes,
        },
        baseline: Baseline {
            negatives_per_minute: d.baseline_negatives_per_minute,
            mentions_per_minute: d.baseline_mentions_per_minute,
        },
        reason: d.reason.clone(),
        top_negative,
        rising_terms: d.rising_terms.clone(),
    })
}

/// A crisis's row, as the store reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct CrisisRow {
    /// Its id.
    pub crisis_id: String,
    /// Its brand.
    pub brand_id: String,
    /// The `CrisisDetected` it raised.
    pub detected: v1::CrisisDetected,
    /// When it was detected and closed, µs.
    pub detected_at_us: i64,
    /// When its queue was resumed, µs.
    pub closed_at_us: Option<i64>,
    /// Its timeline, oldest first.
    pub steps: Vec<v1::CrisisStep>,
}

/// The API's `Crisis`; an open one's duration runs to `now_us`.
pub fn crisis(row: CrisisRow, now_us: i64) -> v1::Crisis {
    let state = match row.closed_at_us {
        Some(_) => v1::CrisisState::Closed,
        None => v1::CrisisState::Open,
    };
    let end = row.closed_at_us.unwrap_or(now_us);
    v1::Crisis {
        crisis_id: row.crisis_id,
        brand_id: row.brand_id,
        state: state as i32,
        detected: Some(row.detected),
        timeline: row.steps,
        duration_seconds: u64::try_from((end - row.detected_at_us) / 1_000_000).unwrap_or(0),
    }
}

/// A step's time on the wire.
pub fn step_at(at_us: i64) -> Option<prost_types::Timestamp> {
    DateTime::from_timestamp_micros(at_us).map(time_to_wire)
}
