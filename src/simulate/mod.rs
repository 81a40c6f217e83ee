//! Built-in simulators of the remote services (spec §7).
pub mod hubspot;
