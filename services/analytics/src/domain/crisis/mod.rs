//! Crises: a spike of negative posts or of volume against a brand's own baseline
//! ([`detect`], pure), recorded as the `crisis` aggregate's one event, `CrisisDetected`,
//! which scheduling hears (it pauses the brand's queue). The rest of a crisis's timeline
//! (the pause, the statement, the resume) is scheduling's events, folded beside it.

pub mod detect;
pub mod facts;

use chrono::{DateTime, Utc};
use tagar_kernel::{Aggregate, Refusal};
use tagar_model::{BrandId, Network};
use tagar_proto::v1::{Envelope, envelope::Event};

pub use detect::{Baseline, Thresholds, Trigger, Window};

/// One negative post among a crisis's evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidencePost {
    /// Its network.
    pub network: Network,
    /// Its id there.
    pub native_id: String,
    /// Its author's id there.
    pub author_id: String,
    /// Its text (moderation's excerpt).
    pub text: String,
    /// How abusive the classifier found it, 0 to 1.
    pub abuse_score: f32,
    /// When it was written.
    pub at: DateTime<Utc>,
}

/// What the detector saw: the spike, the baseline it beat, and the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The brand.
    pub brand: BrandId,
    /// Negative posts or volume.
    pub trigger: Trigger,
    /// The start of the window the spike was seen in.
    pub window_start: DateTime<Utc>,
    /// When it was seen.
    pub detected_at: DateTime<Utc>,
    /// The window's figures.
    pub window: Window,
    /// The brand's usual rates.
    pub baseline: Baseline,
    /// Why, in a sentence.
    pub reason: String,
    /// The most negative posts of the window, most abusive first.
    pub top_negative: Vec<EvidencePost>,
    /// Words frequent in the window's negative posts and rare before.
    pub rising_terms: Vec<String>,
}

/// A crisis as its events leave it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Crisis {
    /// What was detected, once it was.
    pub detection: Option<Detection>,
}

/// What may be asked of a crisis.
#[derive(Debug, Clone, PartialEq)]
pub enum CrisisCommand {
    /// Record a detection.
    Detect(Box<Detection>),
}

/// What happened to a crisis.
#[derive(Debug, Clone, PartialEq)]
pub enum CrisisEvent {
    /// It was detected.
    Detected(Box<Detection>),
}

impl Aggregate for Crisis {
    const KIND: &'static str = "crisis";
    type Command = CrisisCommand;
    type Event = CrisisEvent;
    type Error = Refusal;

    fn handle(&self, command: CrisisCommand) -> Result<Vec<CrisisEvent>, Refusal> {
        match command {
            CrisisCommand::Detect(_) if self.detection.is_some() => Err(Refusal::Duplicate(
                "the crisis was detected already".to_owned(),
            )),
            CrisisCommand::Detect(detection) => {
                if detection.reason.trim().is_empty() {
                    return Err(Refusal::invalid("reason", "is required"));
                }
                Ok(vec![CrisisEvent::Detected(detection)])
            }
        }
    }

    fn apply(mut self, event: &CrisisEvent) -> Self {
        match event {
            CrisisEvent::Detected(detection) => self.detection = Some((**detection).clone()),
        }
        self
    }

    fn brand(&self) -> Option<BrandId> {
        self.detection.as_ref().map(|d| d.brand)
    }

    fn to_wire(event: &CrisisEvent) -> Event {
        crate::wire::crisis::event(event)
    }

    fn from_wire(envelope: &Envelope) -> Result<CrisisEvent, String> {
        crate::wire::crisis::event_from(envelope)
    }
}

#[cfg(test)]
mod tests;
