//! The HubSpot connector (spec §3, §4; facts in hubspot-api.md): a client that spends the
//! scarce resource — one call every 500 ms — well: 100 records per list or batch call, 200
//! per search page, 1,000 per associations read; OAuth or static tokens; all paths from
//! one `api_version`.

pub mod associations;
pub mod auth;
pub mod client;
pub mod error;
pub mod meta;
pub mod models;
pub mod objects;
pub mod paths;
pub mod provision;
pub mod search;

pub use auth::{ConnectionEvents, Credentials, TokenEvents};
pub use client::{ClientConfig, HubSpotClient};
pub use error::{HubSpotError, Policy};
pub use paths::ApiVersion;
