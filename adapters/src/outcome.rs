//! How every adapter accounts for a request: one tracing span per request carrying the adapter,
//! the endpoint, the user's hashed id and (when it ends) the outcome; one log line when it ends;
//! one count and one latency sample in [`Metrics`]. The raw user id and the message text never
//! reach the logs at info level: logs say "the same person" without saying who or what.

use std::future::Future;
use std::time::Instant;

use moodtune_core::{RecommendError, Recommendation};
use tracing::Instrument;

use crate::metrics::Metrics;

/// Runs one request inside its span and accounts for it when it ends. `request` yields its value
/// and its outcome code (`ok`, or the code of what the user was told, such as `rate_limited`).
pub async fn traced<T>(
    metrics: &Metrics,
    adapter: &'static str,
    endpoint: &'static str,
    user: Option<u64>,
    request: impl Future<Output = (T, &'static str)>,
) -> T {
    let user = user
        .map(|u| format!("{:016x}", hash_id(u)))
        .unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        adapter,
        endpoint,
        user,
        outcome = tracing::field::Empty
    );
    let started = Instant::now();
    let (value, outcome) = request.instrument(span.clone()).await;
    let took = started.elapsed();
    metrics.record(adapter, endpoint, outcome, took);
    span.record("outcome", outcome);
    span.in_scope(|| tracing::info!(ms = took.as_secs_f64() * 1e3, "answered"));
    value
}

/// The outcome code of an engine answer; a storage failure is logged in full here (the user only
/// reads a short apology).
pub fn outcome_of(result: &Result<Recommendation, RecommendError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(RecommendError::Storage(e)) => {
            tracing::error!(error = %e, "storage failed");
            "storage_unavailable"
        }
        Err(e) => e.code(),
    }
}

/// A stable, salted hash of a platform user id (or a client address).
pub fn hash_id(id: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ("moodtune", id).hash(&mut h);
    h.finish()
}
