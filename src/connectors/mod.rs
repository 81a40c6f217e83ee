//! Clients of the remote systems. Each connector is a folder; they share [`gate::RateGate`],
//! the per-connection pace keeper, the HTTP plumbing around it (`http`) and the OAuth
//! refresh of HubSpot and AdminPulse ([`oauth`]). Connectors classify what happened (errors carry a
//! retry decision and never personal data); the sync engine decides what to do.
//! Connectors do not know the store.

pub mod adminpulse;
pub mod gate;
pub(crate) mod http;
pub mod hubspot;
pub mod oauth;
pub mod syneton;
