//! Lists and customer calls: `Link`-paged lists ([`Pages`]), customers (list, one, by ids,
//! create, PUT, (de)activation), registered-office addresses and company ↔ person links.
//!
//! Paging follows `rel="next"` targets verbatim (they already carry the filter and
//! `per_page`); a target outside the configured base URL is refused rather than sent the
//! token. `204` and 404 "Nothing found" read as an empty list.

use std::marker::PhantomData;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::client::{Replay, SynetonClient};
use super::error::SynetonError;
use super::filter::{Filter, encode_component};
use super::link;
use super::models::{Customer, CustomerAddress, CustomerLink};

/// The pages of one list, read one call at a time.
#[derive(Debug)]
pub struct Pages<T> {
    next: Option<url::Url>,
    endpoint: &'static str,
    /// Rows that could not be read (a missing id, say), skipped and counted.
    pub skipped: usize,
    _rows: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Pages<T> {
    /// The next page, or `None` after the last.
    ///
    /// # Errors
    /// Any call failure, or a next link outside the base URL.
    pub async fn next_page(
        &mut self,
        client: &SynetonClient,
    ) -> Result<Option<Vec<T>>, SynetonError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let answer = match client
            .call(Method::GET, url.clone(), None, self.endpoint, Replay::Safe)
            .await
        {
            Ok(answer) => answer,
            Err(SynetonError::NotFound {
                nothing_found: true,
                ..
            }) => return Ok(Some(Vec::new())),
            Err(e) => return Err(e),
        };
        if answer.status == StatusCode::NO_CONTENT || answer.body.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let raw: Vec<Value> = serde_json::from_slice(&answer.body)
            .map_err(|e| SynetonError::decode(self.endpoint, &e))?;
        let total = raw.len();
        let rows: Vec<T> = raw
            .into_iter()
            .filter_map(|row| serde_json::from_value(row).ok())
            .collect();
        if rows.len() < total {
            self.skipped += total - rows.len();
            tracing::warn!(
                connector.id = "syneton",
                endpoint = self.endpoint,
                skipped = total - rows.len(),
                "Syneton rows without a readable id were skipped"
            );
        }
        let targets = answer
            .headers
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok());
        if let Some(target) = link::next_target(targets) {
            let next = url.join(&target).map_err(|_| SynetonError::ForeignLink)?;
            if !client.is_own(&next) {
                return Err(SynetonError::ForeignLink);
            }
            // A server pointing at the same page again would loop forever.
            if next != url && total > 0 {
                self.next = Some(next);
            }
        }
        tracing::debug!(
            connector.id = "syneton",
            endpoint = self.endpoint,
            rows = total,
            "Syneton page read"
        );
        Ok(Some(rows))
    }

    /// Where the next page will be read (`None` after the last): a point to resume from
    /// with [`SynetonClient::resume_pages`]. It carries no secret (the token is a header).
    #[must_use]
    pub fn next_url(&self) -> Option<&url::Url> {
        self.next.as_ref()
    }

    /// Every remaining row.
    ///
    /// # Errors
    /// As [`Pages::next_page`].
    pub async fn collect(mut self, client: &SynetonClient) -> Result<Vec<T>, SynetonError> {
        let mut out = Vec::new();
        while let Some(page) = self.next_page(client).await? {
            out.extend(page);
        }
        Ok(out)
    }
}

impl SynetonClient {
    /// The pages of `path` (e.g. `customers`) matching `filter`.
    ///
    /// # Errors
    /// When the settings (page size) cannot be read.
    pub async fn pages<T>(
        &self,
        path: &'static str,
        filter: Option<&Filter>,
    ) -> Result<Pages<T>, SynetonError> {
        let per_page = self.per_page().await?;
        let mut url = self.url(path)?;
        let mut query = String::new();
        if let Some(f) = filter.filter(|f| !f.is_empty()) {
            query.push_str("Filter=");
            query.push_str(&encode_component(&f.render()));
            query.push('&');
        }
        query.push_str(&format!("per_page={per_page}"));
        url.set_query(Some(&query));
        Ok(Pages {
            next: Some(url),
            endpoint: path,
            skipped: 0,
            _rows: PhantomData,
        })
    }

    /// The pages of `path` continuing at `next` (a [`Pages::next_url`] kept earlier).
    ///
    /// # Errors
    /// [`SynetonError::ForeignLink`] for a URL outside the configured base URL.
    pub fn resume_pages<T>(
        &self,
        path: &'static str,
        next: url::Url,
    ) -> Result<Pages<T>, SynetonError> {
        if !self.is_own(&next) {
            return Err(SynetonError::ForeignLink);
        }
        Ok(Pages {
            next: Some(next),
            endpoint: path,
            skipped: 0,
            _rows: PhantomData,
        })
    }

    /// Every row of `path` matching each filter, in order.
    async fn collect_all<T: DeserializeOwned>(
        &self,
        path: &'static str,
        filters: &[Filter],
    ) -> Result<Vec<T>, SynetonError> {
        let mut out = Vec::new();
        for f in filters {
            out.extend(self.pages::<T>(path, Some(f)).await?.collect(self).await?);
        }
        Ok(out)
    }

    /// Customers (companies and persons) matching `filter`, paged.
    ///
    /// # Errors
    /// When the settings cannot be read.
    pub async fn customers(
        &self,
        filter: Option<&Filter>,
    ) -> Result<Pages<Customer>, SynetonError> {
        self.pages("customers", filter).await
    }

    /// One customer; `None` when Syneton has nothing under that id.
    ///
    /// # Errors
    /// Any other failure.
    pub async fn customer(&self, id: i64) -> Result<Option<Customer>, SynetonError> {
        let url = self.url(&format!("customers/{id}"))?;
        match self
            .call(Method::GET, url, None, "customers/{id}", Replay::Safe)
            .await
        {
            Ok(answer) if answer.status == StatusCode::NO_CONTENT => Ok(None),
            Ok(answer) => serde_json::from_slice(&answer.body)
                .map(Some)
                .map_err(|e| SynetonError::decode("customers/{id}", &e)),
            Err(SynetonError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The customers with these ids (`CustomerId in (…)`, split into short filters).
    ///
    /// # Errors
    /// Any call failure.
    pub async fn customers_by_ids(&self, ids: &[i64]) -> Result<Vec<Customer>, SynetonError> {
        let filters =
            Filter::new().split_in("CustomerId", ids.iter().copied(), self.config().in_limits);
        self.collect_all("customers", &filters).await
    }

    /// Addresses matching `filter`, paged (`customeraddresses` has no per-id GET).
    ///
    /// # Errors
    /// When the settings cannot be read.
    pub async fn addresses(
        &self,
        filter: Option<&Filter>,
    ) -> Result<Pages<CustomerAddress>, SynetonError> {
        self.pages("customeraddresses", filter).await
    }

    /// Registered-office addresses of these customers, or of all when `ids` is `None`.
    ///
    /// # Errors
    /// Any call failure.
    pub async fn registered_offices(
        &self,
        ids: Option<&[i64]>,
    ) -> Result<Vec<CustomerAddress>, SynetonError> {
        let base = Filter::new().eq("RegisteredOffice", true);
        match ids {
            None => self.collect_all("customeraddresses", &[base]).await,
            Some(ids) => {
                let filters =
                    base.split_in("CustomerId", ids.iter().copied(), self.config().in_limits);
                self.collect_all("customeraddresses", &filters).await
            }
        }
    }

    /// Company ↔ person links matching `filter`, paged.
    ///
    /// # Errors
    /// When the settings cannot be read.
    pub async fn links(
        &self,
        filter: Option<&Filter>,
    ) -> Result<Pages<CustomerLink>, SynetonError> {
        self.pages("customerlinkcustomer", filter).await
    }

    /// Links whose company is one of `company_ids` (`CustomerIdPk in (…)`).
    ///
    /// # Errors
    /// Any call failure.
    pub async fn links_of(&self, company_ids: &[i64]) -> Result<Vec<CustomerLink>, SynetonError> {
        let filters = Filter::new().split_in(
            "CustomerIdPk",
            company_ids.iter().copied(),
            self.config().in_limits,
        );
        self.collect_all("customerlinkcustomer", &filters).await
    }

    /// `POST customers`: creates a customer (only non-null fields should be sent) and
    /// answers it with its new `CustomerId`. Retried only after a throttling refusal, so a
    /// failure half-way never creates the customer twice.
    ///
    /// # Errors
    /// Any call failure; validation errors as [`SynetonError::Rejected`].
    pub async fn create_customer(&self, body: &Value) -> Result<Customer, SynetonError> {
        let url = self.url("customers")?;
        let answer = self
            .call(
                Method::POST,
                url,
                Some(body),
                "customers",
                Replay::OnlyIfRefused,
            )
            .await?;
        serde_json::from_slice(&answer.body).map_err(|e| SynetonError::decode("customers", &e))
    }

    /// `PUT customers` (no id in the path): replaces every PUT field of the customer named
    /// by the body's `CustomerId`, so `body` must be the full mapped record. The answer is
    /// not read (the SDK re-reads instead).
    ///
    /// # Errors
    /// Any call failure; a body without `CustomerId` is refused locally.
    pub async fn update_customer(&self, body: &Value) -> Result<(), SynetonError> {
        if body.get("CustomerId").and_then(Value::as_i64).is_none() {
            return Err(SynetonError::Rejected {
                endpoint: "customers",
                status: 0,
                messages: vec!["the PUT body has no CustomerId".to_owned()],
            });
        }
        let url = self.url("customers")?;
        self.call(Method::PUT, url, Some(body), "customers", Replay::Safe)
            .await
            .map(drop)
    }

    /// `POST customers/{id}/activatedeactivate`: deactivation records `date` as
    /// `DisabledDate`; activation clears it.
    ///
    /// # Errors
    /// Any call failure.
    pub async fn set_active(
        &self,
        id: i64,
        active: bool,
        date: time::Date,
    ) -> Result<(), SynetonError> {
        let url = self.url(&format!("customers/{id}/activatedeactivate"))?;
        let disabled = if active {
            Value::Null
        } else {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            Value::from(date.format(&fmt).unwrap_or_default())
        };
        let body = json!({"CustomerId": id, "DisabledDate": disabled, "IsActive": active});
        self.call(
            Method::POST,
            url,
            Some(&body),
            "customers/{id}/activatedeactivate",
            Replay::Safe,
        )
        .await
        .map(drop)
    }
}
