//! Request counters and latency histograms for `GET /metrics`, shared by every adapter of a
//! process: one [`Metrics`] is created by the binary and handed to each adapter, so a process that
//! serves Telegram, Discord and HTTP at once reports all three on its one metrics endpoint.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Latency histogram bucket bounds, in seconds (text replies take about a millisecond, photos
/// hundreds: the buckets span both).
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, name: &str, labels: &str, out: &mut String) {
        for (i, b) in BUCKETS.iter().enumerate() {
            let n = self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{b}\"}} {n}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

/// Requests by adapter, endpoint and outcome, and latency by adapter and endpoint.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, &'static str, &'static str), u64>>,
    latency: Mutex<BTreeMap<(&'static str, &'static str), std::sync::Arc<Histogram>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Counts one finished request. `endpoint` is what was asked (`text`, `photo`, `more`,
    /// `inline`); `outcome` is `ok` or the error code a user saw.
    pub fn record(
        &self,
        adapter: &'static str,
        endpoint: &'static str,
        outcome: &'static str,
        took: Duration,
    ) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((adapter, endpoint, outcome))
            .or_default() += 1;
        let histogram = self
            .latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((adapter, endpoint))
            .or_default()
            .clone();
        histogram.observe(took);
    }

    /// Appends the counters and histograms in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        out.push_str("# HELP moodtune_requests_total Requests by adapter, endpoint and outcome.\n");
        out.push_str("# TYPE moodtune_requests_total counter\n");
        for ((adapter, endpoint, outcome), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "moodtune_requests_total{{adapter=\"{adapter}\",endpoint=\"{endpoint}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str("# HELP moodtune_request_seconds Time from request to answer.\n");
        out.push_str("# TYPE moodtune_request_seconds histogram\n");
        let latency: Vec<_> = self
            .latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, h)| (*k, h.clone()))
            .collect();
        for ((adapter, endpoint), h) in latency {
            let labels = format!("adapter=\"{adapter}\",endpoint=\"{endpoint}\"");
            h.render("moodtune_request_seconds", &labels, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_buckets_add_up() {
        let m = Metrics::default();
        m.record("http", "text", "ok", Duration::from_micros(300));
        m.record("http", "text", "ok", Duration::from_millis(30));
        m.record("telegram", "photo", "no_face", Duration::from_millis(400));
        let mut out = String::new();
        m.render(&mut out);
        for line in [
            "moodtune_requests_total{adapter=\"http\",endpoint=\"text\",outcome=\"ok\"} 2",
            "moodtune_requests_total{adapter=\"telegram\",endpoint=\"photo\",outcome=\"no_face\"} 1",
            "moodtune_request_seconds_bucket{adapter=\"http\",endpoint=\"text\",le=\"0.0005\"} 1",
            "moodtune_request_seconds_bucket{adapter=\"http\",endpoint=\"text\",le=\"0.05\"} 2",
            "moodtune_request_seconds_bucket{adapter=\"telegram\",endpoint=\"photo\",le=\"0.25\"} 0",
            "moodtune_request_seconds_count{adapter=\"telegram\",endpoint=\"photo\"} 1",
        ] {
            assert!(out.lines().any(|l| l == line), "missing {line} in\n{out}");
        }
    }
}
