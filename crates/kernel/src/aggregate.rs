//! What an event-sourced aggregate is: a state rebuilt from its events, a pure `handle` that
//! decides a command's events (or refuses it), a logic-free `apply`, and the mapping of its
//! events to and from their wire form in an [`Envelope`].
//!
//! The [`Repository`](crate::Repository) does the rest the same way for every aggregate: load
//! the stream, replay, check the version, handle, number the envelopes, write the read model,
//! append, commit.

use std::fmt::Debug;

use tagar_model::{BrandId, TenantId};
use tagar_proto::v1::{Envelope, envelope::Event};
use uuid::Uuid;

/// An event-sourced aggregate.
pub trait Aggregate: Default + Clone + Debug + Send + Sync + 'static {
    /// The aggregate's type in the event store, e.g. `scheduled_post`.
    const KIND: &'static str;
    /// What may be asked of it.
    type Command: Send;
    /// What happens to it.
    type Event: Clone + Debug + PartialEq + Send + Sync;
    /// Why a command is refused.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Decides what `command` does to this state: its events, or why it is refused. Pure.
    fn handle(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error>;

    /// The state after `event`. No decisions here: they were made in [`Aggregate::handle`].
    fn apply(self, event: &Self::Event) -> Self;

    /// The brand the aggregate belongs to, written in each of its envelopes; `None` before it
    /// has one.
    fn brand(&self) -> Option<BrandId>;

    /// The wire event of one of its events.
    fn to_wire(event: &Self::Event) -> Event;

    /// The event a stored envelope of its stream carries; an error means the stream is corrupt.
    fn from_wire(envelope: &Envelope) -> Result<Self::Event, String>;

    /// The state its events make, from the start.
    fn replay<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self {
        events.into_iter().fold(Self::default(), Self::apply)
    }
}

/// The version a caller expects an aggregate to be at when it sends a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Whatever it is now: no check beyond the store's own race check.
    Any,
    /// Exactly this version (what the caller last saw); anything else is a conflict.
    Exactly(u64),
}

impl Expected {
    /// The wire convention of every `expected_version` field: 0 means no check.
    pub fn from_wire(version: u64) -> Self {
        match version {
            0 => Expected::Any,
            v => Expected::Exactly(v),
        }
    }

    /// Whether `version` is acceptable.
    pub fn allows(self, version: u64) -> bool {
        match self {
            Expected::Any => true,
            Expected::Exactly(v) => v == version,
        }
    }
}

/// An aggregate as loaded: its identity, its state and the version of its stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<A> {
    /// The tenant that owns it.
    pub tenant: TenantId,
    /// Its id.
    pub id: Uuid,
    /// The state its events make.
    pub state: A,
    /// How many events its stream holds (0: it does not exist yet).
    pub version: u64,
}

impl<A: Aggregate> Loaded<A> {
    /// An aggregate that does not exist yet, about to get its first events.
    pub fn new(tenant: TenantId, id: Uuid) -> Self {
        Self {
            tenant,
            id,
            state: A::default(),
            version: 0,
        }
    }

    /// Whether it has any event.
    pub fn exists(&self) -> bool {
        self.version > 0
    }
}
