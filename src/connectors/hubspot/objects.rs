//! Record operations: paged lists with properties and inline associations, reads, and the
//! batch endpoints in chunks of 100 (hubspot-api.md §3–§6).

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use super::client::{Body, HubSpotClient};
use super::error::HubSpotError;
use super::models::{BatchError, BatchResponse, HsObject, ListResponse, ObjectInput, UpsertResult};

/// HubSpot's limit of inputs per batch call.
pub const BATCH_LIMIT: usize = 100;
/// HubSpot's page size limit of list calls.
pub const LIST_LIMIT: u32 = 100;

/// A list request.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// Properties to return.
    pub properties: Vec<String>,
    /// Object types whose associations to inline.
    pub associations: Vec<String>,
    /// Cursor from the previous page.
    pub after: Option<String>,
    /// Only archived records.
    pub archived: bool,
}

/// Results and per-input errors of a batch operation over any number of inputs.
#[derive(Debug, Clone)]
pub struct BatchOutcome<T> {
    /// Successful inputs.
    pub results: Vec<T>,
    /// Failed inputs (207 answers).
    pub errors: Vec<BatchError>,
}

impl HubSpotClient {
    /// One page of records (100 at most).
    ///
    /// # Errors
    /// Any classified HubSpot failure.
    pub async fn list_page(
        &self,
        object: &str,
        request: &ListRequest,
    ) -> Result<ListResponse, HubSpotError> {
        let mut query = vec![("limit", LIST_LIMIT.to_string())];
        if !request.properties.is_empty() {
            query.push(("properties", request.properties.join(",")));
        }
        if !request.associations.is_empty() {
            query.push(("associations", request.associations.join(",")));
        }
        if let Some(after) = &request.after {
            query.push(("after", after.clone()));
        }
        if request.archived {
            query.push(("archived", "true".to_owned()));
        }
        self.call(
            Method::GET,
            &self.paths().objects(object),
            &query,
            Body::None,
        )
        .await
    }

    /// Reads one record.
    ///
    /// # Errors
    /// `NotFound`, or any classified failure.
    pub async fn read(
        &self,
        object: &str,
        id: &str,
        properties: &[String],
    ) -> Result<HsObject, HubSpotError> {
        let query = vec![("properties", properties.join(","))];
        let path = format!("{}/{id}", self.paths().objects(object));
        self.call(Method::GET, &path, &query, Body::None).await
    }

    /// Creates one record (with associations).
    ///
    /// # Errors
    /// `Conflict` for a duplicate, `Rejected` for invalid properties.
    pub async fn create(
        &self,
        object: &str,
        input: &ObjectInput,
    ) -> Result<HsObject, HubSpotError> {
        let body = serde_json::to_value(input).map_err(HubSpotError::Decode)?;
        self.call(
            Method::POST,
            &self.paths().objects(object),
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// Updates one record's properties (`""` clears a value).
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn update(
        &self,
        object: &str,
        id: &str,
        properties: &BTreeMap<String, String>,
    ) -> Result<HsObject, HubSpotError> {
        let body = json!({ "properties": properties });
        let path = format!("{}/{id}", self.paths().objects(object));
        self.call(Method::PATCH, &path, &[], Body::Json(&body))
            .await
    }

    /// Archives one record.
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn archive(&self, object: &str, id: &str) -> Result<(), HubSpotError> {
        let path = format!("{}/{id}", self.paths().objects(object));
        let _: Value = self.call(Method::DELETE, &path, &[], Body::None).await?;
        Ok(())
    }

    /// Deletes a contact for good, GDPR-compliant (`POST …/contacts/gdpr-delete`, answered
    /// 204). HubSpot then keeps nothing of it; there is no restore.
    ///
    /// # Errors
    /// `NotFound` for an unknown id, or any classified failure.
    pub async fn gdpr_delete_contact(&self, id: &str) -> Result<(), HubSpotError> {
        let path = format!("{}/gdpr-delete", self.paths().objects("contacts"));
        let body = json!({ "objectId": id });
        let _: Value = self
            .call(Method::POST, &path, &[], Body::Json(&body))
            .await?;
        Ok(())
    }

    /// Reads records by id (or by `id_property`), 100 per call.
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn batch_read(
        &self,
        object: &str,
        ids: &[String],
        properties: &[String],
        id_property: Option<&str>,
    ) -> Result<BatchOutcome<HsObject>, HubSpotError> {
        let path = format!("{}/batch/read", self.paths().objects(object));
        let mut outcome = BatchOutcome {
            results: Vec::with_capacity(ids.len()),
            errors: Vec::new(),
        };
        for chunk in ids.chunks(BATCH_LIMIT) {
            let inputs: Vec<Value> = chunk.iter().map(|id| json!({ "id": id })).collect();
            let mut body = json!({ "properties": properties, "inputs": inputs });
            if let Some(p) = id_property {
                body["idProperty"] = Value::from(p);
            }
            let page: BatchResponse<HsObject> = self
                .call(Method::POST, &path, &[], Body::Json(&body))
                .await?;
            outcome.results.extend(page.results);
            outcome.errors.extend(page.errors);
        }
        Ok(outcome)
    }

    /// Creates records, 100 per call.
    ///
    /// # Errors
    /// Any classified failure of a whole call; per-input failures are in the outcome.
    pub async fn batch_create(
        &self,
        object: &str,
        inputs: &[ObjectInput],
    ) -> Result<BatchOutcome<HsObject>, HubSpotError> {
        self.batch_write(object, "create", inputs).await
    }

    /// Updates records by id, 100 per call.
    ///
    /// # Errors
    /// As [`HubSpotClient::batch_create`].
    pub async fn batch_update(
        &self,
        object: &str,
        inputs: &[ObjectInput],
    ) -> Result<BatchOutcome<HsObject>, HubSpotError> {
        self.batch_write(object, "update", inputs).await
    }

    /// Creates or updates records by a unique property (`email`, `siret`), 100 per call.
    ///
    /// # Errors
    /// As [`HubSpotClient::batch_create`].
    pub async fn batch_upsert(
        &self,
        object: &str,
        inputs: &[ObjectInput],
    ) -> Result<BatchOutcome<UpsertResult>, HubSpotError> {
        self.batch_write(object, "upsert", inputs).await
    }

    /// Archives records, 100 per call.
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn batch_archive(&self, object: &str, ids: &[String]) -> Result<(), HubSpotError> {
        let path = format!("{}/batch/archive", self.paths().objects(object));
        for chunk in ids.chunks(BATCH_LIMIT) {
            let inputs: Vec<Value> = chunk.iter().map(|id| json!({ "id": id })).collect();
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

    async fn batch_write<T: serde::de::DeserializeOwned>(
        &self,
        object: &str,
        action: &str,
        inputs: &[ObjectInput],
    ) -> Result<BatchOutcome<T>, HubSpotError> {
        let path = format!("{}/batch/{action}", self.paths().objects(object));
        let mut outcome = BatchOutcome {
            results: Vec::with_capacity(inputs.len()),
            errors: Vec::new(),
        };
        for chunk in inputs.chunks(BATCH_LIMIT) {
            let body = json!({ "inputs": chunk });
            let page: BatchResponse<T> = self
                .call(Method::POST, &path, &[], Body::Json(&body))
                .await?;
            outcome.results.extend(page.results);
            outcome.errors.extend(page.errors);
        }
        Ok(outcome)
    }
}
