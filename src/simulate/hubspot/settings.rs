//! Settings that can change while the simulator runs (`GET|PATCH /_sim/config`), first
//! taken from [`SimConfig`].

use serde::{Deserialize, Serialize};

use super::SimConfig;

/// Runtime limits of the simulated portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Answer 429 to a call that starts closer than this to the previous one.
    pub min_interval_ms: Option<u64>,
    /// Records written less than this long ago are not yet visible to search.
    pub search_lag_ms: u64,
    pub daily_limit: u64,
    pub ten_second_limit: u32,
    /// Search filter limits (hubspot-api.md §7: default 5 groups, 6 per group, 18 in all).
    pub max_filter_groups: usize,
    pub max_filters_per_group: usize,
    pub max_filters: usize,
    pub access_token_ttl_s: u64,
}

impl Settings {
    pub fn from_config(c: &SimConfig) -> Self {
        Self {
            min_interval_ms: c.min_interval_ms,
            search_lag_ms: c.search_lag_ms,
            daily_limit: c.daily_limit,
            ten_second_limit: c.ten_second_limit,
            max_filter_groups: 5,
            max_filters_per_group: 6,
            max_filters: 18,
            access_token_ttl_s: c.access_token_ttl_s,
        }
    }

    /// Applies a partial update; `minIntervalMs: 0` turns the spacing check off.
    pub fn apply(&mut self, p: SettingsPatch) {
        if let Some(v) = p.min_interval_ms {
            self.min_interval_ms = (v > 0).then_some(v);
        }
        if let Some(v) = p.search_lag_ms {
            self.search_lag_ms = v;
        }
        if let Some(v) = p.daily_limit {
            self.daily_limit = v;
        }
        if let Some(v) = p.ten_second_limit {
            self.ten_second_limit = v;
        }
        if let Some(v) = p.max_filter_groups {
            self.max_filter_groups = v;
        }
        if let Some(v) = p.max_filters_per_group {
            self.max_filters_per_group = v;
        }
        if let Some(v) = p.max_filters {
            self.max_filters = v;
        }
        if let Some(v) = p.access_token_ttl_s {
            self.access_token_ttl_s = v;
        }
    }
}

/// Body of `PATCH /_sim/config`: any subset of [`Settings`].
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsPatch {
    pub min_interval_ms: Option<u64>,
    pub search_lag_ms: Option<u64>,
    pub daily_limit: Option<u64>,
    pub ten_second_limit: Option<u32>,
    pub max_filter_groups: Option<usize>,
    pub max_filters_per_group: Option<usize>,
    pub max_filters: Option<usize>,
    pub access_token_ttl_s: Option<u64>,
}
