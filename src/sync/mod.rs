//! The sync engine: connections run one at a time each, on their schedule or on demand.

pub mod accounting;
pub mod adminpulse;
pub mod common;
pub mod connection;
pub mod engine;
pub mod hubspot;
pub mod metrics;
pub mod syneton;
