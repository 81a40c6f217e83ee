//! Commands that need more than a line of `cli.rs`: each public module is one verb group;
//! the private ones hold what several of them share.

pub mod accounting;
pub mod connect;
pub mod connect_accounting;
pub mod demo;
pub mod hubspot;
mod oauth_login;
pub mod simulate;
pub mod simulate_accounting;
mod stored_tokens;
pub mod sync;
