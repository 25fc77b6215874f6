//! The host every Tagar service runs in. One code path above two ways of running:
//!
//! - **standalone**: every service in one process, SQLite under a data directory, the event
//!   log in the store's own log table, one gRPC port;
//! - **distributed**: one service per process, PostgreSQL, Kafka.
//!
//! [`Platform::start`] connects the store (applying migrations), builds the event log for the
//! mode and provisions every topic the services write (with their dead-letter topics);
//! [`serve`] runs the outbox relay, the services' background tasks, the admin HTTP server
//! (`/healthz`, `/metrics`) and the authenticated gRPC server (with the standard health
//! service and server reflection) until SIGTERM or ctrl-c, then drains within a bound.

pub mod events;
mod module;
mod platform;
mod process;
mod server;
mod settings;
#[cfg(feature = "testing")]
pub mod testing;

pub use module::ServiceModule;
pub use platform::{Mode, Platform};
pub use process::{load_settings, main_for, run, start};
pub use server::{Running, serve};
pub use settings::{Settings, StandaloneConfig};
