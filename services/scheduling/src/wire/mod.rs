//! Between scheduling's domain and the `tagar.v1` contracts: the aggregates' events as
//! envelope payloads ([`events`]), and the read models as the API's messages ([`api`]).

pub mod api;
mod chat;
mod events;

pub use chat::{chat_event, chat_event_from};

pub use events::{
    account_event, account_event_from, brand_event, brand_event_from, post_event, post_event_from,
};
