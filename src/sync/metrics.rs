//! Prometheus metrics of sync runs, labelled by tenant and connection only (fixed
//! cardinality: tenants come from config).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::store::sync::RunCounts;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    tenant: String,
    connection: String,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RecordLabels {
    tenant: String,
    connection: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnLabels {
    tenant: String,
    connection: String,
}

fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.05, 2.0, 14))
}

/// Sync metrics; clones share the same counters.
#[derive(Clone)]
pub struct SyncMetrics {
    runs: Family<RunLabels, Counter>,
    records: Family<RecordLabels, Counter>,
    calls: Family<ConnLabels, Counter>,
    duration: Family<ConnLabels, Histogram, fn() -> Histogram>,
}

impl std::fmt::Debug for SyncMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncMetrics")
    }
}

impl Default for SyncMetrics {
    fn default() -> Self {
        Self {
            runs: Family::default(),
            records: Family::default(),
            calls: Family::default(),
            duration: Family::new_with_constructor(duration_histogram),
        }
    }
}

impl SyncMetrics {
    /// Adds the metrics to a registry.
    pub fn register(&self, registry: &mut Registry) {
        registry.register("sync_runs", "Sync runs by result", self.runs.clone());
        registry.register(
            "sync_records",
            "Records handled by sync runs, by outcome",
            self.records.clone(),
        );
        registry.register(
            "sync_api_calls",
            "Remote API calls made by sync runs",
            self.calls.clone(),
        );
        registry.register(
            "sync_run_duration_seconds",
            "Duration of sync runs",
            self.duration.clone(),
        );
    }

    /// Records a finished run.
    pub fn observe(
        &self,
        tenant: &str,
        connection: &str,
        counts: &RunCounts,
        ok: bool,
        seconds: f64,
    ) {
        let conn = ConnLabels {
            tenant: tenant.to_owned(),
            connection: connection.to_owned(),
        };
        self.runs
            .get_or_create(&RunLabels {
                tenant: tenant.to_owned(),
                connection: connection.to_owned(),
                result: if ok { "succeeded" } else { "failed" },
            })
            .inc();
        for (outcome, n) in [
            ("read", counts.read),
            ("created", counts.created),
            ("updated", counts.updated),
            ("skipped", counts.skipped),
            ("failed", counts.failed),
        ] {
            self.records
                .get_or_create(&RecordLabels {
                    tenant: tenant.to_owned(),
                    connection: connection.to_owned(),
                    outcome,
                })
                .inc_by(u64::try_from(n).unwrap_or(0));
        }
        self.calls
            .get_or_create(&conn)
            .inc_by(u64::try_from(counts.calls).unwrap_or(0));
        self.duration.get_or_create(&conn).observe(seconds);
    }
}
