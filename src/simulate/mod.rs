//! Built-in simulators of the remote services (spec §7); what they share is in [`kit`].

pub mod adminpulse;
pub mod hubspot;
pub mod kit;
pub mod names;
pub mod syneton;

pub use kit::Simulator;
