//! The brand aggregate: a client brand of the agency, with the time zone its posts are
//! scheduled in. Created once; its id is its aggregate's. Its queue can be paused (a crisis
//! analytics detected, or a person): posts that come due are held, not published, until a
//! person resumes it.

use chrono::{DateTime, Utc};
use tagar_kernel::{Aggregate, Refusal};
use tagar_model::{BrandId, BrandName, TimeZone};
use tagar_proto::v1::{Envelope, envelope::Event};

use crate::wire;

/// A brand's name and zone, every field parsed into a value object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBrand {
    /// Its name.
    pub name: BrandName,
    /// The zone its posts are scheduled in.
    pub time_zone: TimeZone,
}

impl NewBrand {
    /// Parses the name and IANA time zone of a brand, the error naming the request field.
    pub fn parse(name: &str, time_zone: &str) -> Result<Self, Refusal> {
        Ok(Self {
            name: BrandName::parse(name).map_err(|e| Refusal::invalid("name", e.to_string()))?,
            time_zone: TimeZone::parse(time_zone)
                .map_err(|e| Refusal::invalid("time_zone", e.to_string()))?,
        })
    }
}

/// A brand as its events leave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Brand {
    /// Its id, once created.
    pub id: Option<BrandId>,
    /// Its name and zone, once created.
    pub profile: Option<NewBrand>,
    /// Its queue's pause, while paused.
    pub pause: Option<Pause>,
}

/// Why and since when a brand's queue is paused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    /// The crisis that paused it, if one did.
    pub crisis_id: Option<String>,
    /// Why.
    pub reason: String,
    /// Who: a principal's label, or "analytics".
    pub by: String,
    /// Since when.
    pub at: DateTime<Utc>,
}

/// What becomes of the posts that came due while the queue was paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// They go out now.
    Publish,
    /// They move later by the pause's length.
    Shift,
}

/// The longest reason a pause may give, in characters.
pub const PAUSE_REASON_CHARS: usize = 500;

/// What may be asked of a brand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrandCommand {
    /// Create it, with this id.
    Create {
        /// Its id (the aggregate's).
        brand: BrandId,
        /// Its name and zone.
        profile: NewBrand,
    },
    /// Pause its queue. Pausing a paused queue changes nothing, except that a crisis
    /// detected during a person's pause becomes the pause's crisis.
    Pause(Pause),
    /// Resume its queue; `held_posts` came due while it was paused.
    Resume {
        /// Who.
        by: String,
        /// When.
        at: DateTime<Utc>,
        /// What becomes of the held posts.
        held: Held,
        /// How many there are.
        held_posts: u32,
    },
}

/// What happened to a brand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrandEvent {
    /// It was created.
    Created {
        /// Its id.
        brand: BrandId,
        /// Its name and zone.
        profile: NewBrand,
    },
    /// Its queue was paused.
    Paused(Pause),
    /// Its queue was resumed, ending its pause.
    Resumed {
        /// The crisis of the pause that ended.
        crisis_id: Option<String>,
        /// Who resumed it.
        by: String,
        /// When.
        at: DateTime<Utc>,
        /// What became of the held posts.
        held: Held,
        /// How many there were.
        held_posts: u32,
    },
}

impl Aggregate for Brand {
    const KIND: &'static str = "brand";
    type Command = BrandCommand;
    type Event = BrandEvent;
    type Error = Refusal;

    fn handle(&self, command: BrandCommand) -> Result<Vec<BrandEvent>, Refusal> {
        match command {
            BrandCommand::Create { .. } if self.id.is_some() => {
                Err(Refusal::Duplicate("the brand exists already".to_owned()))
            }
            BrandCommand::Create { brand, profile } => {
                Ok(vec![BrandEvent::Created { brand, profile }])
            }
            _ if self.id.is_none() => Err(Refusal::not_found("brand")),
            BrandCommand::Pause(pause) => {
                if pause.reason.trim().is_empty() {
                    return Err(Refusal::invalid("reason", "is required"));
                }
                tagar_model::bounds::chars(&pause.reason, PAUSE_REASON_CHARS)
                    .map_err(|why| Refusal::invalid("reason", why))?;
                match &self.pause {
                    Some(current) if current.crisis_id.is_some() || pause.crisis_id.is_none() => {
                        Ok(vec![])
                    }
                    _ => Ok(vec![BrandEvent::Paused(pause)]),
                }
            }
            BrandCommand::Resume {
                by,
                at,
                held,
                held_posts,
            } => {
                let Some(pause) = self.pause.clone() else {
                    return Err(Refusal::Precondition(
                        "cannot resume the queue: it is not paused".to_owned(),
                    ));
                };
                Ok(vec![BrandEvent::Resumed {
                    crisis_id: pause.crisis_id,
                    by,
                    at,
                    held,
                    held_posts,
                }])
            }
        }
    }

    fn apply(mut self, event: &BrandEvent) -> Self {
        match event {
            BrandEvent::Created { brand, profile } => {
                self.id = Some(*brand);
                self.profile = Some(profile.clone());
            }
            BrandEvent::Paused(pause) => self.pause = Some(pause.clone()),
            BrandEvent::Resumed { .. } => self.pause = None,
        }
        self
    }

    fn brand(&self) -> Option<BrandId> {
        self.id
    }

    fn to_wire(event: &BrandEvent) -> Event {
        wire::brand_event(event)
    }

    fn from_wire(envelope: &Envelope) -> Result<BrandEvent, String> {
        wire::brand_event_from(envelope)
    }
}

#[cfg(test)]
mod tests {
    use tagar_kernel::given::{given, given_nothing};

    use super::*;

    fn created(brand: BrandId) -> BrandEvent {
        BrandEvent::Created {
            brand,
            profile: NewBrand::parse("Kopi Kita", "Asia/Jakarta").unwrap(),
        }
    }

    #[test]
    fn a_brand_names_the_bad_field() {
        let brand = NewBrand::parse(" Kopi Kita ", "Asia/Jakarta").unwrap();
        assert_eq!(brand.name.as_str(), "Kopi Kita");
        let err = NewBrand::parse("Kopi", "Jakarta").unwrap_err();
        assert!(err.to_string().starts_with("time_zone: "), "{err}");
        let err = NewBrand::parse("  ", "Asia/Jakarta").unwrap_err();
        assert!(err.to_string().starts_with("name: "), "{err}");
    }

    fn pause(crisis: Option<&str>) -> Pause {
        Pause {
            crisis_id: crisis.map(str::to_owned),
            reason: "crisis: 40 negative posts in 2 minutes".into(),
            by: "analytics".into(),
            at: chrono::DateTime::from_timestamp(1_770_000_000, 0).unwrap(),
        }
    }

    fn resume(held: Held) -> BrandCommand {
        BrandCommand::Resume {
            by: "ana".into(),
            at: chrono::DateTime::from_timestamp(1_770_000_600, 0).unwrap(),
            held,
            held_posts: 2,
        }
    }

    #[test]
    fn a_crisis_pauses_the_queue_once_and_a_person_resumes_it() {
        let id = BrandId::new();
        let paused = BrandEvent::Paused(pause(Some("c1")));
        let brand = given::<Brand>(&[created(id)])
            .when(BrandCommand::Pause(pause(Some("c1"))))
            .then(std::slice::from_ref(&paused));
        assert!(brand.pause.is_some());
        // Heard again (a redelivery), or a second crisis: nothing changes.
        given::<Brand>(&[created(id), paused.clone()])
            .when(BrandCommand::Pause(pause(Some("c2"))))
            .then(&[]);
        let brand = given::<Brand>(&[created(id), paused.clone()])
            .when(resume(Held::Shift))
            .then(&[BrandEvent::Resumed {
                crisis_id: Some("c1".into()),
                by: "ana".into(),
                at: chrono::DateTime::from_timestamp(1_770_000_600, 0).unwrap(),
                held: Held::Shift,
                held_posts: 2,
            }]);
        assert_eq!(brand.pause, None);
    }

    #[test]
    fn a_crisis_during_a_persons_pause_becomes_its_crisis() {
        let id = BrandId::new();
        let by_hand = BrandEvent::Paused(pause(None));
        given::<Brand>(&[created(id), by_hand.clone()])
            .when(BrandCommand::Pause(pause(None)))
            .then(&[]);
        given::<Brand>(&[created(id), by_hand])
            .when(BrandCommand::Pause(pause(Some("c1"))))
            .then(&[BrandEvent::Paused(pause(Some("c1")))]);
    }

    #[test]
    fn a_queue_that_is_not_paused_is_not_resumed() {
        given::<Brand>(&[created(BrandId::new())])
            .when(resume(Held::Publish))
            .refused_with("cannot resume the queue: it is not paused");
        given_nothing::<Brand>()
            .when(BrandCommand::Pause(pause(None)))
            .refused_with("brand");
        let blank = Pause {
            reason: " ".into(),
            ..pause(None)
        };
        given::<Brand>(&[created(BrandId::new())])
            .when(BrandCommand::Pause(blank))
            .refused_with("reason: is required");
    }

    #[test]
    fn a_brand_is_created_once() {
        let id = BrandId::new();
        let create = || BrandCommand::Create {
            brand: id,
            profile: NewBrand::parse("Kopi Kita", "Asia/Jakarta").unwrap(),
        };
        let brand = given_nothing::<Brand>().when(create()).then(&[created(id)]);
        assert_eq!(brand.brand(), Some(id));
        given::<Brand>(&[created(id)])
            .when(create())
            .refused_with("the brand exists already");
    }
}
