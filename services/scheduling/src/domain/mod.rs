//! The scheduling domain, pure and without I/O: the brand, social-account and scheduled-post
//! aggregates, and turning a wall-clock time in a brand's zone into an instant. A refused
//! command is a `tagar_kernel::Refusal`, naming the field when the input is at fault.

pub mod account;
pub mod brand;
pub mod chat;
pub mod limits;
pub mod local_time;
pub mod post;
#[cfg(test)]
mod post_tests;

pub use account::{AccountCommand, AccountEvent, Link, NewAccount, SocialAccount};
pub use brand::{Brand, BrandCommand, BrandEvent, Held, NewBrand, Pause};
pub use post::{PostCommand, PostEvent, ScheduledPost, Stage};
