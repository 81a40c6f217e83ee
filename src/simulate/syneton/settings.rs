//! Runtime knobs of the Syneton simulator (`GET|PATCH /_sim/config`). Values marked
//! [ASSUMPTION] in accounting-apis.md live here so tests can flip them.

use serde::{Deserialize, Serialize};

/// How an empty list is answered; the real server's choice is not documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmptyList {
    /// `200 []`
    #[serde(rename = "200")]
    EmptyArray,
    /// `204 No Content`
    #[serde(rename = "204")]
    NoContent,
    /// `404 {"ErrorMessage":"Nothing found"}`
    #[serde(rename = "404")]
    NothingFound,
}

/// The limits and behaviours in force.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// `apisettings.RateLimit`: calls per window before 403 "You are throttling the system".
    pub rate_limit: u32,
    /// The window `rate_limit` counts over, in milliseconds (60,000: per minute; tests
    /// shorten it).
    pub rate_window_ms: u64,
    /// `apisettings.DefaultRecordsPerPage`.
    pub default_per_page: u32,
    /// `apisettings.MaxRecordsPerPage`; larger `per_page` values are capped.
    pub max_per_page: u32,
    /// `apisettings.DurationToken` as reported (minutes, [ASSUMPTION]).
    pub duration_token: i64,
    /// Real token lifetime in seconds (drives `TimeToLive`).
    pub token_ttl_s: i64,
    /// How an empty list answers.
    pub empty_list: EmptyList,
    /// Name of the page parameter in `Link` targets ([ASSUMPTION] `page`).
    pub page_param: String,
    /// Whether `customer/changes` rows carry `LogId` ([ASSUMPTION] yes).
    pub changes_carry_log_id: bool,
    /// Rows a change query answers at most; the rest is silently dropped.
    pub change_cap: usize,
    /// Endpoints (first path segment after `/api/v1/`) the key is not enabled for.
    pub disabled_endpoints: Vec<String>,
    /// Longer path + query answers 414.
    pub max_uri: usize,
    /// The simulated clock runs this many seconds ahead of the real one.
    pub clock_offset_s: i64,
    /// `Retry-After` sent with a throttling 403 (not documented whether Syneton sends one).
    pub throttle_retry_after_s: Option<u64>,
}

impl Settings {
    /// The defaults of accounting-apis.md §1.13.
    #[must_use]
    pub fn defaults() -> Self {
        Self {
            rate_limit: 60,
            rate_window_ms: 60_000,
            default_per_page: 100,
            max_per_page: 100,
            duration_token: 60,
            token_ttl_s: 3600,
            empty_list: EmptyList::EmptyArray,
            page_param: "page".to_owned(),
            changes_carry_log_id: true,
            change_cap: 1000,
            disabled_endpoints: Vec::new(),
            max_uri: 8192,
            clock_offset_s: 0,
            throttle_retry_after_s: None,
        }
    }
}

/// A partial update of [`Settings`].
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    pub rate_limit: Option<u32>,
    pub rate_window_ms: Option<u64>,
    pub default_per_page: Option<u32>,
    pub max_per_page: Option<u32>,
    pub duration_token: Option<i64>,
    pub token_ttl_s: Option<i64>,
    pub empty_list: Option<EmptyList>,
    pub page_param: Option<String>,
    pub changes_carry_log_id: Option<bool>,
    pub change_cap: Option<usize>,
    pub disabled_endpoints: Option<Vec<String>>,
    pub max_uri: Option<usize>,
    pub clock_offset_s: Option<i64>,
    /// `0` removes it.
    pub throttle_retry_after_s: Option<u64>,
}

impl Settings {
    /// Applies the fields that are set.
    pub fn apply(&mut self, p: SettingsPatch) {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = p.$f { self.$f = v; } )* };
        }
        set!(
            rate_limit,
            rate_window_ms,
            default_per_page,
            max_per_page,
            duration_token,
            token_ttl_s,
            empty_list,
            page_param,
            changes_carry_log_id,
            change_cap,
            disabled_endpoints,
            max_uri,
            clock_offset_s
        );
        if let Some(s) = p.throttle_retry_after_s {
            self.throttle_retry_after_s = (s > 0).then_some(s);
        }
    }
}
