//! Relations: 0-based pages `{results, currentPage, pageCount}` of at most 400 [FACT from
//! two independent clients], one relation by its APR code, the office's own companies.
//! Relations stay raw JSON: their schema beyond a few fields is unknown, so the mapping
//! reads them through the configured field map.
//!
//! No modified-since filter is known for relations: keeping them current means reading
//! them all again (5,000 relations are 13 calls).

use serde::Deserialize;
use serde_json::Value;

use super::client::AdminPulseClient;
use super::error::AdminPulseError;

/// One page of relations.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationsPage {
    /// The relations, raw.
    #[serde(default)]
    pub results: Vec<Value>,
    /// This page's number (0-based).
    #[serde(default)]
    pub current_page: u32,
    /// Number of pages.
    #[serde(default)]
    pub page_count: u32,
}

/// Reads the relation pages in order.
#[derive(Debug)]
pub struct RelationPages {
    next: Option<u32>,
}

impl RelationPages {
    /// The next page's relations, or `None` after the last.
    ///
    /// # Errors
    /// Any call failure.
    pub async fn next_page(
        &mut self,
        client: &AdminPulseClient,
    ) -> Result<Option<Vec<Value>>, AdminPulseError> {
        let Some(page) = self.next.take() else {
            return Ok(None);
        };
        let size = client.config().page_size;
        let answer = client.relations_page(page, size).await?;
        let full = answer.results.len() >= size as usize;
        // Either stop rule of the known clients ends the walk: the last page by number, or
        // a short page.
        let last = answer.page_count == 0 || answer.current_page + 1 >= answer.page_count;
        if full && !last {
            self.next = Some(page + 1);
        }
        Ok(Some(answer.results))
    }
}

impl AdminPulseClient {
    /// `GET /relations?page={page}&pageSize={size}` (0-based).
    ///
    /// # Errors
    /// Any call failure.
    pub async fn relations_page(
        &self,
        page: u32,
        size: u32,
    ) -> Result<RelationsPage, AdminPulseError> {
        let mut url = self.url(&["relations"])?;
        url.query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("pageSize", &size.to_string());
        let body = self.get(url, "relations").await?;
        serde_json::from_slice(&body).map_err(|e| AdminPulseError::decode("relations", &e))
    }

    /// All relations, page by page from 0.
    #[must_use]
    pub fn relation_pages(&self) -> RelationPages {
        RelationPages { next: Some(0) }
    }

    /// Every relation.
    ///
    /// # Errors
    /// Any call failure.
    pub async fn all_relations(&self) -> Result<Vec<Value>, AdminPulseError> {
        let mut pages = self.relation_pages();
        let mut out = Vec::new();
        while let Some(page) = pages.next_page(self).await? {
            out.extend(page);
        }
        Ok(out)
    }

    /// `GET /relations/{uniqueIdentifier}` (the APR code, not the UUID); `None` on 404.
    ///
    /// # Errors
    /// Any other failure.
    pub async fn relation(
        &self,
        unique_identifier: &str,
    ) -> Result<Option<Value>, AdminPulseError> {
        let url = self.url(&["relations", unique_identifier])?;
        match self.get(url, "relations/{id}").await {
            Ok(body) => serde_json::from_slice(&body)
                .map(Some)
                .map_err(|e| AdminPulseError::decode("relations/{id}", &e)),
            Err(AdminPulseError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Relations whose VAT number has these digits (`vatNumber=`, seen in one client only).
    ///
    /// # Errors
    /// Any call failure.
    pub async fn relations_by_vat(&self, digits: &str) -> Result<Vec<Value>, AdminPulseError> {
        let mut url = self.url(&["relations"])?;
        url.query_pairs_mut()
            .append_pair("vatNumber", digits)
            .append_pair("page", "0")
            .append_pair("pageSize", "5");
        let body = self.get(url, "relations").await?;
        let page: RelationsPage =
            serde_json::from_slice(&body).map_err(|e| AdminPulseError::decode("relations", &e))?;
        Ok(page.results)
    }

    /// `GET /companies`: the office's own entities (a plain array).
    ///
    /// # Errors
    /// Any call failure.
    pub async fn companies(&self) -> Result<Vec<Value>, AdminPulseError> {
        let url = self.url(&["companies"])?;
        let body = self.get(url, "companies").await?;
        serde_json::from_slice(&body).map_err(|e| AdminPulseError::decode("companies", &e))
    }
}
