//! Pure domain value types shared by every other module.
//!
//! Owns the parse-don't-validate newtypes for values that cross system
//! boundaries: company registration keys (SIREN, SIRET, Belgian enterprise
//! numbers; rules in `company-keys.md`), email addresses, web domains, 1-5
//! scores, gender and `HubSpot` lifecycle stages. A value of one of these types
//! has been normalized and validated once, at the edge; code holding one never
//! re-checks it.
//!
//! Must not: do I/O, use async, or depend on anything beyond std, serde,
//! thiserror and time. Errors are small enums whose messages give the reason
//! and never the raw value, so they are safe to log (house style §2.6, §2.8).

pub mod company_key;
pub mod email;
pub mod gender;
pub mod lifecycle;
pub mod score;
pub mod web_domain;

pub use company_key::{
    BeEnterpriseNumber, CompanyKey, CompanyKeyKind, Country, InvalidCompanyKey, Siren, Siret,
    UnknownCompanyKeyKind,
};
pub use email::{Email, InvalidEmail};
pub use gender::{Gender, InvalidGender};
pub use lifecycle::{InvalidLifecycleStage, LifecycleStage, is_backward};
pub use score::{InvalidScore, Score};
pub use web_domain::{InvalidDomain, WebDomain};
