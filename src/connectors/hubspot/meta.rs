//! Owners, deal pipelines and property definitions (hubspot-api.md §9, §10).

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{Body, HubSpotClient};
use super::error::HubSpotError;
use super::models::{Owner, Paging, Pipeline, PipelineStage, PropertyDef};

#[derive(Deserialize)]
struct Results<T> {
    #[serde(default = "Vec::new")]
    results: Vec<T>,
    #[serde(default)]
    paging: Option<Paging>,
}

impl HubSpotClient {
    /// Every active owner (paged by 100); with `email`, only that owner.
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn owners(&self, email: Option<&str>) -> Result<Vec<Owner>, HubSpotError> {
        let path = self.paths().owners();
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut query = vec![("limit", "100".to_owned())];
            if let Some(e) = email {
                query.push(("email", e.to_owned()));
            }
            if let Some(a) = &after {
                query.push(("after", a.clone()));
            }
            let page: Results<Owner> = self.call(Method::GET, &path, &query, Body::None).await?;
            all.extend(page.results);
            match page.paging.and_then(|p| p.next) {
                Some(next) => after = Some(next.after),
                None => return Ok(all),
            }
        }
    }

    /// Deal pipelines with their stages.
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn deal_pipelines(&self) -> Result<Vec<Pipeline>, HubSpotError> {
        let page: Results<Pipeline> = self
            .call(
                Method::GET,
                &self.paths().pipelines("deals"),
                &[],
                Body::None,
            )
            .await?;
        Ok(page.results)
    }

    /// Adds a stage to a deal pipeline.
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn create_deal_stage(
        &self,
        pipeline_id: &str,
        stage: &PipelineStage,
    ) -> Result<PipelineStage, HubSpotError> {
        let path = format!("{}/{pipeline_id}/stages", self.paths().pipelines("deals"));
        let body = json!({ "label": stage.label, "displayOrder": stage.display_order, "metadata": stage.metadata });
        self.call(Method::POST, &path, &[], Body::Json(&body)).await
    }

    /// A property definition; `None` when it does not exist.
    ///
    /// # Errors
    /// Any classified failure but 404.
    pub async fn property(
        &self,
        object: &str,
        name: &str,
    ) -> Result<Option<PropertyDef>, HubSpotError> {
        let path = format!("{}/{name}", self.paths().properties(object));
        match self.call(Method::GET, &path, &[], Body::None).await {
            Ok(p) => Ok(Some(p)),
            Err(HubSpotError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every property definition of an object type.
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn properties(&self, object: &str) -> Result<Vec<PropertyDef>, HubSpotError> {
        let page: Results<PropertyDef> = self
            .call(
                Method::GET,
                &self.paths().properties(object),
                &[],
                Body::None,
            )
            .await?;
        Ok(page.results)
    }

    /// Creates a property (409 `Conflict` when it exists).
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn create_property(
        &self,
        object: &str,
        def: &PropertyDef,
    ) -> Result<PropertyDef, HubSpotError> {
        let body = serde_json::to_value(def).map_err(HubSpotError::Decode)?;
        self.call(
            Method::POST,
            &self.paths().properties(object),
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// Updates a property (label, options, …).
    ///
    /// # Errors
    /// Any classified failure.
    pub async fn update_property(
        &self,
        object: &str,
        name: &str,
        changes: &Value,
    ) -> Result<PropertyDef, HubSpotError> {
        let path = format!("{}/{name}", self.paths().properties(object));
        self.call(Method::PATCH, &path, &[], Body::Json(changes))
            .await
    }
}
