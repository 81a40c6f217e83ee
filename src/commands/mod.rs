//! Commands that need more than a line of `cli.rs`: each file is one verb group.

pub mod accounting;
pub mod connect;
pub mod connect_accounting;
pub mod demo;
pub mod hubspot;
pub mod simulate;
pub mod simulate_accounting;
pub mod sync;
