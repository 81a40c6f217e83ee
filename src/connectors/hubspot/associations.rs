//! Associations v4 (hubspot-api.md §8): batch read of up to 1,000 records per call with
//! per-record paging, and batch create.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use super::client::{Body, HubSpotClient};
use super::error::HubSpotError;
use super::models::{AssociationReadResult, AssociationSpec, BatchResponse};

/// Inputs per associations batch read.
pub const ASSOCIATION_READ_LIMIT: usize = 1000;
/// Inputs per associations batch create.
pub const ASSOCIATION_WRITE_LIMIT: usize = 100;

/// HubSpot-defined association type ids (hubspot-api.md §8).
pub mod types {
    /// contact → company (unlabeled).
    pub const CONTACT_TO_COMPANY: u32 = 279;
    /// company → contact.
    pub const COMPANY_TO_CONTACT: u32 = 280;
    /// deal → contact.
    pub const DEAL_TO_CONTACT: u32 = 3;
    /// deal → company (unlabeled).
    pub const DEAL_TO_COMPANY: u32 = 341;
    /// call → contact / company / deal.
    pub const CALL_TO: [u32; 3] = [194, 182, 206];
    /// meeting → contact / company / deal.
    pub const MEETING_TO: [u32; 3] = [200, 188, 212];
    /// email → contact / company / deal.
    pub const EMAIL_TO: [u32; 3] = [198, 186, 210];
}

impl HubSpotClient {
    /// Associated ids of `to` type for each record id of `from` type; follows per-record
    /// paging, 1,000 records per call.
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn associations_batch_read(
        &self,
        from: &str,
        to: &str,
        ids: &[String],
    ) -> Result<BTreeMap<String, Vec<String>>, HubSpotError> {
        let path = format!("{}/batch/read", self.paths().associations(from, to));
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut pending: Vec<(String, Option<String>)> =
            ids.iter().map(|id| (id.clone(), None)).collect();
        while !pending.is_empty() {
            let take = pending.len().min(ASSOCIATION_READ_LIMIT);
            let chunk: Vec<(String, Option<String>)> = pending.drain(..take).collect();
            let inputs: Vec<Value> = chunk
                .iter()
                .map(|(id, after)| match after {
                    Some(a) => json!({ "id": id, "after": a }),
                    None => json!({ "id": id }),
                })
                .collect();
            let page: BatchResponse<AssociationReadResult> = self
                .call(
                    Method::POST,
                    &path,
                    &[],
                    Body::Json(&json!({ "inputs": inputs })),
                )
                .await?;
            for result in page.results {
                let entry = out.entry(result.from.id.clone()).or_default();
                entry.extend(result.to.into_iter().map(|t| t.to_object_id));
                if let Some(next) = result.paging.and_then(|p| p.next) {
                    pending.push((result.from.id, Some(next.after)));
                }
            }
        }
        Ok(out)
    }

    /// Creates associations `from[i] → to[i]` of one type, 100 per call.
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn associations_batch_create(
        &self,
        from: &str,
        to: &str,
        pairs: &[(String, String)],
        spec: &AssociationSpec,
    ) -> Result<(), HubSpotError> {
        let path = format!("{}/batch/create", self.paths().associations(from, to));
        for chunk in pairs.chunks(ASSOCIATION_WRITE_LIMIT) {
            let inputs: Vec<Value> = chunk
                .iter()
                .map(|(f, t)| json!({ "from": { "id": f }, "to": { "id": t }, "types": [spec] }))
                .collect();
            let _: Value = self
                .call(
                    Method::POST,
                    &path,
                    &[],
                    Body::Json(&json!({ "inputs": inputs })),
                )
                .await?;
        }
        Ok(())
    }
}
