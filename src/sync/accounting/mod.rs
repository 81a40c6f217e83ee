//! What the Syneton and AdminPulse syncs share: applying accounting records (in the neutral
//! form of `mapping::accounting`) to the local store inside a page's transaction (spec
//! §2.1, §4). A company is updated through its link, else matched by its normalized
//! registration key, else created; a company without a valid key waits in the review list
//! and is never created. A contact person is updated through its link, else matched by
//! e-mail, else created under its linked company.
//!
//! Writes go through the three-way merge against the link's base, so a record that did
//! not change writes nothing, and values the local side won are handed back as pushes
//! (only Syneton sends them; AdminPulse is read-only). Must not: write outside the
//! caller's transaction, or put names or e-mails in logs and journal reasons.

pub mod canon;
mod company;
mod contact;
pub mod journal;
mod record;
pub mod workers;

use std::collections::BTreeMap;

use crate::mapping::ownership::{Owner, owner_of};
use crate::store::sync::RunCounts;
use crate::store::{Store, StoreError};
use journal::Journal;

pub use crate::sync::common::Outcome;

/// A record that failed on its own (journaled; the page goes on).
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A value did not map.
    #[error("cannot map {0}")]
    Map(#[from] canon::MapError),
    /// The store refused it (or failed).
    #[error("{0}")]
    Store(#[from] StoreError),
    /// It would take a local record another remote record holds.
    #[error("{0}")]
    Taken(String),
}

/// Local values that won a comparison and must go to the remote side, by (entity, local
/// id): canonical field → value.
pub type Pushes = BTreeMap<(&'static str, i64), BTreeMap<String, String>>;

/// The inbound side of one run of an accounting connection.
pub struct Inbound<'a> {
    /// Store.
    pub store: &'a Store,
    /// Tenant.
    pub tenant: String,
    /// `syneton` or `adminpulse`.
    pub connection: &'static str,
    /// The source's VAT field, whose raw text is the canonical `vat`.
    pub vat_field: String,
    owners: BTreeMap<String, Owner>,
    /// Counts so far.
    pub counts: RunCounts,
    /// Values the local side won.
    pub pushes: Pushes,
    /// Remote ids of companies linked in this run (their contact persons need reading).
    pub linked_companies: Vec<String>,
    /// Failures to write after the page commits.
    pub journal: Journal,
}

impl<'a> Inbound<'a> {
    /// The inbound side of a run; `owners` maps `entity.field` to its owner (`Hubspot`
    /// standing for the remote side).
    ///
    /// # Errors
    /// Store failures reading the journal.
    pub async fn new(
        store: &'a Store,
        tenant: &str,
        connection: &'static str,
        vat_field: &str,
        owners: BTreeMap<String, Owner>,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            store,
            tenant: tenant.to_owned(),
            connection,
            vat_field: vat_field.to_owned(),
            owners,
            counts: RunCounts::default(),
            pushes: Pushes::new(),
            linked_companies: Vec::new(),
            journal: Journal::load(store, tenant, connection).await?,
        })
    }

    /// The owner of `entity.field`.
    #[must_use]
    pub fn owner(&self, entity: &str, field: &str) -> Owner {
        owner_of(&self.owners, entity, field)
    }

    /// Writes the failures of the committed page.
    ///
    /// # Errors
    /// Store failures.
    pub async fn flush(&mut self) -> Result<(), StoreError> {
        let tenant = self.tenant.clone();
        self.journal.flush(self.store, &tenant).await
    }
}
