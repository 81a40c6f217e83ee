//! Built-in simulators of the remote services (spec §7).
pub mod adminpulse;
pub mod hubspot;
pub mod kit;
pub mod names;
pub mod syneton;
