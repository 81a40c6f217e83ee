//! The change feeds (accounting-apis.md §1.10): `customer/changes` (which customers
//! changed) and `changedetails` (column changes of addresses and links).
//!
//! A query answers at most `change_cap` (1000) rows and silently drops the rest, so every
//! range is bounded and a range that comes back full is split in two until each half
//! comes back short; a one-second window that is still full is an error, never a silent
//! loss. Ranges are over `DateAction` (server local time, second precision) until rows
//! are seen to carry a `LogId`; from then on the cursor is the next `LogId`, which is
//! monotonic and immune to clock skew.

use serde::de::DeserializeOwned;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::client::SynetonClient;
use super::clock;
use super::error::SynetonError;
use super::filter::Filter;
use super::models::{ChangeDetail, ChangeRow, FeedRow};

/// Tables whose changes mark a customer as changed.
pub const CUSTOMER_TABLES: &[&str] = &["CUSTOMER", "CUSTOMER_ADRESS"];
/// Tables of `changedetails` that concern contact persons and addresses.
pub const DETAIL_TABLES: &[&str] = &["CUSTOMER_LINK_CUSTOMER", "CUSTOMER_ADRESS"];

/// Where a feed stands. Opaque to the engine through [`ChangeCursor::encode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeCursor {
    /// Changes at or after this server-local time.
    Since(PrimitiveDateTime),
    /// Changes with a `LogId` at or above this one.
    LogId(i64),
}

impl ChangeCursor {
    /// `time:YYYY-MM-DD HH:MM:SS` or `logid:N`.
    #[must_use]
    pub fn encode(&self) -> String {
        match self {
            Self::Since(t) => format!("time:{}", clock::filter_text(*t)),
            Self::LogId(n) => format!("logid:{n}"),
        }
    }

    /// The inverse of [`ChangeCursor::encode`].
    #[must_use]
    pub fn decode(text: &str) -> Option<Self> {
        if let Some(n) = text.strip_prefix("logid:") {
            return n.parse().ok().map(Self::LogId);
        }
        let t = text.strip_prefix("time:")?;
        clock::parse_naive(t, clock::ServerTimeZone::Fixed(time::UtcOffset::UTC)).map(Self::Since)
    }
}

/// One read of a feed.
#[derive(Debug, Clone)]
pub struct ChangeBatch<T> {
    /// The rows, oldest range first.
    pub rows: Vec<T>,
    /// Where the next read starts.
    pub next: ChangeCursor,
    /// Ranges that came back full and were split.
    pub splits: usize,
}

impl ChangeBatch<ChangeRow> {
    /// Distinct customer ids, sorted (re-read them with `customers_by_ids`).
    #[must_use]
    pub fn customer_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.rows.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

fn seconds(t: PrimitiveDateTime) -> i64 {
    t.assume_utc().unix_timestamp()
}

fn from_seconds(s: i64) -> PrimitiveDateTime {
    let t = OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    PrimitiveDateTime::new(t.date(), t.time())
}

/// Which column a range runs over.
#[derive(Clone, Copy)]
enum Axis {
    DateAction,
    LogId,
}

impl SynetonClient {
    /// The server's local time now (per the configured zone).
    #[must_use]
    pub fn server_now(&self) -> PrimitiveDateTime {
        self.config().time_zone.to_local(OffsetDateTime::now_utc())
    }

    /// Customers changed since `cursor`: `customer/changes` over [`CUSTOMER_TABLES`], up to
    /// `until` (server local time; default: now minus `lag`) while the cursor is a time.
    ///
    /// # Errors
    /// Any call failure, or [`SynetonError::WindowSaturated`].
    pub async fn customer_changes(
        &self,
        cursor: ChangeCursor,
        until: Option<PrimitiveDateTime>,
    ) -> Result<ChangeBatch<ChangeRow>, SynetonError> {
        self.feed("customer/changes", CUSTOMER_TABLES, cursor, until)
            .await
    }

    /// Column changes of addresses and links since `cursor` (`changedetails`).
    ///
    /// # Errors
    /// As [`SynetonClient::customer_changes`].
    pub async fn change_details(
        &self,
        cursor: ChangeCursor,
        until: Option<PrimitiveDateTime>,
    ) -> Result<ChangeBatch<ChangeDetail>, SynetonError> {
        self.feed("changedetails", DETAIL_TABLES, cursor, until)
            .await
    }

    async fn feed<T: DeserializeOwned + FeedRow>(
        &self,
        path: &'static str,
        tables: &'static [&'static str],
        cursor: ChangeCursor,
        until: Option<PrimitiveDateTime>,
    ) -> Result<ChangeBatch<T>, SynetonError> {
        let base = Filter::new().is_in("TableName", tables.iter().copied());
        match cursor {
            ChangeCursor::Since(from) => {
                let until = until.unwrap_or_else(|| self.server_now() - self.config().change_lag);
                let (rows, splits) = if until > from {
                    self.ranges(
                        path,
                        &base,
                        Axis::DateAction,
                        seconds(from),
                        seconds(until),
                        false,
                    )
                    .await?
                } else {
                    (Vec::new(), 0)
                };
                let next = match rows.iter().filter_map(FeedRow::log_id).max() {
                    Some(max) => ChangeCursor::LogId(max + 1),
                    None => ChangeCursor::Since(until.max(from)),
                };
                Ok(ChangeBatch { rows, next, splits })
            }
            ChangeCursor::LogId(from) => self.log_id_feed(path, &base, from).await,
        }
    }

    /// From `from` on: an open query first; when it comes back full, its highest `LogId`
    /// bounds a range that is split until complete, then the open query runs again.
    async fn log_id_feed<T: DeserializeOwned + FeedRow>(
        &self,
        path: &'static str,
        base: &Filter,
        mut from: i64,
    ) -> Result<ChangeBatch<T>, SynetonError> {
        let cap = self.config().change_cap;
        let (mut rows, mut splits) = (Vec::new(), 0);
        loop {
            let open = base.clone().ge("l.LogId", from);
            let page: Vec<T> = self.pages(path, Some(&open)).await?.collect(self).await?;
            let max = page.iter().filter_map(FeedRow::log_id).max();
            if page.len() < cap {
                rows.extend(page);
                let next = max.map_or(from, |m| (m + 1).max(from));
                return Ok(ChangeBatch {
                    rows,
                    next: ChangeCursor::LogId(next),
                    splits,
                });
            }
            let Some(max) = max else {
                return Err(SynetonError::WindowSaturated { cap });
            };
            // The open query was full: [from, max] is known to hold at least `cap` rows.
            let (found, more) = self
                .ranges(path, base, Axis::LogId, from, max + 1, true)
                .await?;
            rows.extend(found);
            splits += more;
            from = max + 1;
        }
    }

    /// Every row with the axis in `[lo, hi)`, splitting full ranges in halves.
    /// `known_full` skips the first query when the caller already saw the range full.
    async fn ranges<T: DeserializeOwned>(
        &self,
        path: &'static str,
        base: &Filter,
        axis: Axis,
        lo: i64,
        hi: i64,
        known_full: bool,
    ) -> Result<(Vec<T>, usize), SynetonError> {
        let cap = self.config().change_cap;
        let mut out = Vec::new();
        let mut splits = 0;
        // Depth-first, low half first, so rows come out in range order.
        let mut stack = vec![(lo, hi, known_full)];
        while let Some((lo, hi, full)) = stack.pop() {
            let rows: Vec<T> = if full {
                Vec::new()
            } else {
                let filter = match axis {
                    Axis::DateAction => base
                        .clone()
                        .ge("DateAction", from_seconds(lo))
                        .lt("DateAction", from_seconds(hi)),
                    Axis::LogId => base.clone().ge("l.LogId", lo).lt("l.LogId", hi),
                };
                self.pages(path, Some(&filter)).await?.collect(self).await?
            };
            if !full && rows.len() < cap {
                out.extend(rows);
                continue;
            }
            if hi - lo <= 1 {
                return Err(SynetonError::WindowSaturated { cap });
            }
            let mid = lo + (hi - lo) / 2;
            splits += 1;
            tracing::debug!(
                connector.id = "syneton",
                endpoint = path,
                "change range full; splitting it"
            );
            stack.push((mid, hi, false));
            stack.push((lo, mid, false));
        }
        Ok((out, splits))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn cursors_survive_their_text_form() {
        for c in [
            ChangeCursor::Since(datetime!(2024-05-20 08:05:00)),
            ChangeCursor::LogId(60_347_801),
        ] {
            assert_eq!(ChangeCursor::decode(&c.encode()), Some(c));
        }
        assert_eq!(ChangeCursor::decode("bogus"), None);
        assert_eq!(
            from_seconds(seconds(datetime!(2024-05-20 08:05:07))),
            datetime!(2024-05-20 08:05:07)
        );
    }
}
