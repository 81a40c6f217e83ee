//! Commands that need more than a line of `cli.rs`: each file is one verb group.

pub mod connect;
pub mod hubspot;
pub mod simulate;
pub mod simulate_accounting;
