//! The brand aggregate: a client brand of the agency, with the time zone its posts are
//! scheduled in. Created once; its id is its aggregate's.

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
}

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
        }
    }

    fn apply(mut self, event: &BrandEvent) -> Self {
        match event {
            BrandEvent::Created { brand, profile } => {
                self.id = Some(*brand);
                self.profile = Some(profile.clone());
            }
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
