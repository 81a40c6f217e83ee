//! The AdminPulse connector (spec §4; facts in accounting-apis.md §2): bearer auth with an
//! API key or OAuth tokens (configurable URLs, refresh), 480 calls per minute through one
//! gate per connection, 0-based relation pages of 400. Read-only: no write API for
//! relations is established. Relation field names are read through the configured
//! [`crate::config::AdminPulseFieldMap`].

pub mod auth;
pub mod client;
pub mod error;
pub mod relations;

pub use auth::{Credentials, TokenEvents};
pub use client::{AdminPulseClient, ClientConfig};
pub use error::AdminPulseError;
pub use relations::{RelationPages, RelationsPage};
