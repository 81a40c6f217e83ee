//! Search and the incremental change feed (hubspot-api.md §7, §13).
//!
//! The feed reads records modified since a point in time, ascending by modified date, 200
//! per call. Search refuses to page past 10,000 results, so before that the feed
//! re-anchors: a fresh query for records after the last one delivered, ordered by
//! (modified date, `hs_object_id`). Because search honours one sort only, records sharing
//! the anchor's timestamp are settled first by a query on that timestamp sorted by
//! `hs_object_id`, skipping those already delivered; then the main query resumes after
//! them. Every record changed in the window comes out exactly once per traversal. A
//! look-back window re-reads the last moments of the previous run, because search sees new
//! writes only after an indexing lag.

use std::collections::HashSet;

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use super::client::{Body, HubSpotClient};
use super::error::HubSpotError;
use super::models::{HsObject, SearchResponse};

/// Search's page size limit.
pub const SEARCH_LIMIT: u32 = 200;
/// Search's total result cap.
pub const SEARCH_CAP: u32 = 10_000;

/// One filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    /// Property.
    pub property_name: String,
    /// `EQ`, `GT`, `IN`, …
    pub operator: String,
    /// Single value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Upper bound of `BETWEEN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_value: Option<String>,
    /// Values of `IN` / `NOT_IN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

impl Filter {
    /// `property operator value`.
    #[must_use]
    pub fn new(property: &str, operator: &str, value: impl ToString) -> Self {
        Self {
            property_name: property.to_owned(),
            operator: operator.to_owned(),
            value: Some(value.to_string()),
            high_value: None,
            values: None,
        }
    }
}

/// Filters ANDed together; groups are ORed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterGroup {
    /// The filters.
    pub filters: Vec<Filter>,
}

/// The one sort search honours.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sort {
    /// Property.
    pub property_name: String,
    /// `ASCENDING` or `DESCENDING`.
    pub direction: String,
}

/// A search request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    /// ORed groups.
    pub filter_groups: Vec<FilterGroup>,
    /// Sorts (one honoured).
    pub sorts: Vec<Sort>,
    /// Properties to return.
    pub properties: Vec<String>,
    /// Page size (≤ 200).
    pub limit: u32,
    /// Offset cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl HubSpotClient {
    /// One search page.
    ///
    /// # Errors
    /// Any classified failure (400 past the 10,000 cap).
    pub async fn search(
        &self,
        object: &str,
        request: &SearchRequest,
    ) -> Result<SearchResponse, HubSpotError> {
        let body: Value = serde_json::to_value(request).map_err(HubSpotError::Decode)?;
        let path = format!("{}/search", self.paths().objects(object));
        self.call(Method::POST, &path, &[], Body::Json(&body)).await
    }
}

/// The property holding an object's modification time.
#[must_use]
pub fn modified_property(object: &str) -> &'static str {
    if object == "contacts" {
        "lastmodifieddate"
    } else {
        "hs_lastmodifieddate"
    }
}

/// A record's modification time in epoch milliseconds.
#[must_use]
pub fn modified_ms(record: &HsObject, property: &str) -> Option<i64> {
    let raw = record.prop(property).or(record.updated_at.as_deref())?;
    if let Ok(ms) = raw.parse::<i64>() {
        return Some(ms);
    }
    let t =
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

fn object_id(record: &HsObject) -> u64 {
    record.id.parse().unwrap_or(0)
}

#[derive(Debug, Clone)]
enum Mode {
    /// Records after (ts, id): `mod > ts`, or `mod = ts and id > id`; sorted by date.
    Main { ts: i64, id: u64, offset: u32 },
    /// Records at exactly `ts` with id > `id`, sorted by id.
    Tie { ts: i64, id: u64 },
}

/// An incremental traversal of records changed since a point in time.
#[derive(Debug)]
pub struct ChangeFeed {
    object: String,
    modified: &'static str,
    properties: Vec<String>,
    mode: Mode,
    /// Ids delivered at the newest timestamp of the current main query.
    delivered_at_last: HashSet<u64>,
    last_ts: Option<i64>,
    done: bool,
}

impl ChangeFeed {
    /// Records of `object` modified at or after `since_ms - lookback_ms` (all records when
    /// `since_ms` is `None`), with `properties` (the modified date is always added).
    #[must_use]
    pub fn new(
        object: &str,
        since_ms: Option<i64>,
        lookback_ms: i64,
        mut properties: Vec<String>,
    ) -> Self {
        let modified = modified_property(object);
        if !properties.iter().any(|p| p == modified) {
            properties.push(modified.to_owned());
        }
        // Modification times are positive epoch milliseconds: 0 means "everything".
        let start = since_ms.map_or(0, |s| (s - lookback_ms - 1).max(0));
        Self {
            object: object.to_owned(),
            modified,
            properties,
            mode: Mode::Main {
                ts: start,
                id: u64::MAX,
                offset: 0,
            },
            delivered_at_last: HashSet::new(),
            last_ts: None,
            done: false,
        }
    }

    /// The newest modification time delivered so far: the next run's `since_ms`.
    #[must_use]
    pub fn high_water_ms(&self) -> Option<i64> {
        self.last_ts
    }

    /// Whether the traversal is complete.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next page of changed records; `None` once complete. One search call per page,
    /// plus one when re-anchoring.
    ///
    /// # Errors
    /// Any classified failure; the feed can be resumed by calling again.
    pub async fn next_page(
        &mut self,
        client: &HubSpotClient,
    ) -> Result<Option<Vec<HsObject>>, HubSpotError> {
        while !self.done {
            let (request, in_tie) = self.request();
            let page = client.search(&self.object, &request).await?;
            let batch = if in_tie {
                self.after_tie_page(&page)
            } else {
                self.after_main_page(&page)
            };
            if let Some(records) = batch
                && !records.is_empty()
            {
                return Ok(Some(records));
            }
        }
        Ok(None)
    }

    fn request(&self) -> (SearchRequest, bool) {
        let sort = |p: &str| {
            vec![Sort {
                property_name: p.to_owned(),
                direction: "ASCENDING".to_owned(),
            }]
        };
        match &self.mode {
            Mode::Main { ts, id, offset } => {
                let mut groups = vec![FilterGroup {
                    filters: vec![Filter::new(self.modified, "GT", ts)],
                }];
                if *id != u64::MAX {
                    groups.push(FilterGroup {
                        filters: vec![
                            Filter::new(self.modified, "EQ", ts),
                            Filter::new("hs_object_id", "GT", id),
                        ],
                    });
                }
                let request = SearchRequest {
                    filter_groups: groups,
                    sorts: sort(self.modified),
                    properties: self.properties.clone(),
                    limit: SEARCH_LIMIT,
                    after: (*offset > 0).then(|| offset.to_string()),
                };
                (request, false)
            }
            Mode::Tie { ts, id } => {
                let request = SearchRequest {
                    filter_groups: vec![FilterGroup {
                        filters: vec![
                            Filter::new(self.modified, "EQ", ts),
                            Filter::new("hs_object_id", "GT", id),
                        ],
                    }],
                    sorts: sort("hs_object_id"),
                    properties: self.properties.clone(),
                    limit: SEARCH_LIMIT,
                    after: None,
                };
                (request, true)
            }
        }
    }

    fn after_main_page(&mut self, page: &super::models::SearchResponse) -> Option<Vec<HsObject>> {
        let Mode::Main { offset, .. } = self.mode else {
            return None;
        };
        let records = page.results.clone();
        for r in &records {
            let ts = modified_ms(r, self.modified).unwrap_or(0);
            if self.last_ts != Some(ts) {
                self.delivered_at_last.clear();
                self.last_ts = Some(ts);
            }
            self.delivered_at_last.insert(object_id(r));
        }
        let has_more = page.paging.as_ref().and_then(|p| p.next.as_ref()).is_some();
        let next_offset = offset + u32::try_from(records.len()).unwrap_or(SEARCH_LIMIT);
        if !has_more || records.is_empty() {
            self.done = true;
        } else if next_offset + SEARCH_LIMIT > SEARCH_CAP {
            // Next page would cross the cap: settle the last timestamp by id, then re-anchor.
            let ts = self.last_ts.unwrap_or(-1);
            self.mode = Mode::Tie { ts, id: 0 };
        } else {
            self.mode = Mode::Main {
                ts: self.anchor_ts(),
                id: self.anchor_id(),
                offset: next_offset,
            };
        }
        Some(records)
    }

    fn after_tie_page(&mut self, page: &super::models::SearchResponse) -> Option<Vec<HsObject>> {
        let Mode::Tie { ts, .. } = self.mode else {
            return None;
        };
        let last_id = page.results.iter().map(object_id).max();
        let fresh: Vec<HsObject> = page
            .results
            .iter()
            .filter(|r| self.delivered_at_last.insert(object_id(r)))
            .cloned()
            .collect();
        let has_more = page.paging.as_ref().and_then(|p| p.next.as_ref()).is_some();
        self.mode = match (has_more, last_id) {
            (true, Some(id)) => Mode::Tie { ts, id },
            // Timestamp settled: everything up to (ts, max id) is delivered.
            _ => Mode::Main {
                ts,
                id: self.delivered_at_last.iter().copied().max().unwrap_or(0),
                offset: 0,
            },
        };
        Some(fresh)
    }

    fn anchor_ts(&self) -> i64 {
        match self.mode {
            Mode::Main { ts, .. } | Mode::Tie { ts, .. } => ts,
        }
    }

    fn anchor_id(&self) -> u64 {
        match self.mode {
            Mode::Main { id, .. } => id,
            Mode::Tie { .. } => u64::MAX,
        }
    }
}
