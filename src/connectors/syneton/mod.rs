//! The Syneton Admin IS | Consult connector (spec §4; facts in accounting-apis.md §1): an
//! API key exchanged for a session token sent in the `synetonToken` header, `apisettings`
//! read once per run, one gate per connection keeping both `min_call_interval_ms` and the
//! `RateLimit` per minute, `Link`-header paging, the `Filter=` syntax, customer reads and
//! writes (full-record PUT, (de)activation) and the change feeds split below their
//! 1000-row cap.
//!
//! Must not: log, return or trace the API key; it sits in the token call's URL path.

pub(crate) mod auth;
pub mod changes;
pub mod client;
pub mod clock;
pub mod customers;
pub mod error;
pub mod filter;
pub mod link;
pub mod models;

pub use changes::{ChangeBatch, ChangeCursor};
pub use client::{ClientConfig, SynetonClient, normalize_base_url};
pub use clock::ServerTimeZone;
pub use customers::Pages;
pub use error::SynetonError;
pub use filter::{Filter, FilterValue, InLimits};
pub use models::{ApiSettings, ChangeDetail, ChangeRow, Customer, CustomerAddress, CustomerLink};
