//! The service kernel: the parts every Tagar service is built from, and the process it runs
//! in. `docs/ANATOMY.md` shows how a service puts them together.
//!
//! Building a service:
//! - [`Aggregate`] and [`Repository`]: an event-sourced aggregate, and the one way a command
//!   is carried out against its stream (version check, events, read model, outbox, one
//!   transaction); [`given`] tests an aggregate given/when/then;
//! - [`Caller`]: who is calling, their role and brand scope, checked once per request;
//! - [`Refusal`], [`CommandError`] and [`ApiError`]: why a command was refused or did not
//!   happen, and every failure mapped to its gRPC code in one place;
//! - [`Subscription`] and [`Platform::consume`]: the one way to run a consumer;
//! - [`events`]: envelopes between the contracts, the store and the log.
//!
//! Running it, in one code path above two ways of running:
//! - **standalone**: every service in one process, SQLite under a data directory, the event
//!   log in the store's own log table, one gRPC port;
//! - **distributed**: one service per process, PostgreSQL, Kafka.
//!
//! [`Platform::start`] connects the store (applying migrations), builds the event log for the
//! mode and provisions every topic the services write (with their dead-letter topics);
//! [`serve`] runs the outbox relay, the services' background tasks, the admin HTTP server
//! (`/healthz`, `/metrics`) and the authenticated gRPC server (with the standard health
//! service and server reflection) until SIGTERM or ctrl-c, then drains within a bound.

mod aggregate;
mod api_error;
mod consumer;
pub mod events;
pub mod given;
mod process;
mod repository;
pub mod request;
#[cfg(feature = "testing")]
pub mod testing;

pub use aggregate::{Aggregate, Expected, Loaded};
pub use api_error::{ApiError, ApiResult, CommandError, Refusal, reply};
pub use consumer::Subscription;
pub use process::{
    LimitLayer, LimitsConfig, Mode, NetworksConfig, Platform, Running, ServiceModule, Settings,
    StandaloneConfig, load_settings, main_for, run, serve, start,
};
pub use repository::{Cause, Change, Decided, NoReadModel, Projection, Repository, decide};
pub use request::Caller;
