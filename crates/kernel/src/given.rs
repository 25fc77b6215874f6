//! Given/when/then for aggregates, without I/O: given these past events, when this command,
//! then these events (or this refusal). Every aggregate's domain tests use it.
//!
//! ```ignore
//! given::<ScheduledPost>(&[drafted.clone()])
//!     .when(PostCommand::Approve { approver: "ana".into() })
//!     .then(&[PostEvent::Approved { approver: "ana".into() }]);
//! ```

use crate::aggregate::Aggregate;

/// An aggregate rebuilt from past events, about to be sent a command.
#[derive(Debug, Clone)]
pub struct Given<A: Aggregate> {
    state: A,
}

/// The aggregate rebuilt from `events`.
pub fn given<A: Aggregate>(events: &[A::Event]) -> Given<A> {
    Given {
        state: A::replay(events),
    }
}

/// An aggregate with no events yet.
pub fn given_nothing<A: Aggregate>() -> Given<A> {
    given(&[])
}

impl<A: Aggregate> Given<A> {
    /// Sends `command`.
    pub fn when(self, command: A::Command) -> Then<A> {
        let outcome = self.state.handle(command);
        Then {
            state: self.state,
            outcome,
        }
    }

    /// The state the past events make.
    pub fn state(&self) -> &A {
        &self.state
    }
}

/// What a command did.
#[derive(Debug)]
pub struct Then<A: Aggregate> {
    state: A,
    outcome: Result<Vec<A::Event>, A::Error>,
}

impl<A: Aggregate> Then<A> {
    /// Asserts the command decided exactly `expected`; returns the state after them (on top
    /// of the given events).
    #[track_caller]
    pub fn then(self, expected: &[A::Event]) -> A {
        let before = self.state.clone();
        let events = self.events();
        assert_eq!(events.as_slice(), expected, "the events decided");
        events.iter().fold(before, |s, e| s.apply(e))
    }

    /// Asserts the command was accepted, and returns its events.
    #[track_caller]
    pub fn events(self) -> Vec<A::Event> {
        match self.outcome {
            Ok(events) => events,
            Err(e) => panic!("expected events, the command was refused: {e}"),
        }
    }

    /// Asserts the command was accepted, and returns the state after its events (on top of
    /// the given ones).
    #[track_caller]
    pub fn then_state(self) -> A {
        let before = self.state.clone();
        self.events().iter().fold(before, |s, e| s.apply(e))
    }

    /// Asserts the command was refused, and returns why.
    #[track_caller]
    pub fn refused(self) -> A::Error {
        match self.outcome {
            Ok(events) => panic!("expected a refusal, the command decided {events:?}"),
            Err(e) => e,
        }
    }

    /// Asserts the command was refused with a message starting with `prefix` (a field name,
    /// say).
    #[track_caller]
    pub fn refused_with(self, prefix: &str) -> A::Error {
        let error = self.refused();
        let message = error.to_string();
        assert!(
            message.starts_with(prefix),
            "refused with {message:?}, expected it to start with {prefix:?}"
        );
        error
    }
}
