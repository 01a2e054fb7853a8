//! Outcome logging shared by the chat adapters: one line per answer, with the user id hashed so
//! logs say "the same person" without saying who.

use moodtune_core::{RecommendError, Recommendation};

/// Logs how a request ended (`adapter` names the platform).
pub fn log_outcome(
    adapter: &'static str,
    result: &Result<Recommendation, RecommendError>,
    user: Option<u64>,
    started: std::time::Instant,
) {
    let user = user
        .map(|u| format!("{:016x}", hash_id(u)))
        .unwrap_or_default();
    let ms = started.elapsed().as_secs_f64() * 1e3;
    match result {
        Ok(rec) => tracing::info!(
            adapter,
            user,
            outcome = "ok",
            songs = rec.tracks.len(),
            ms,
            "recommended"
        ),
        Err(RecommendError::Storage(e)) => {
            tracing::error!(adapter, user, error = %e, "storage failed")
        }
        Err(e) => tracing::info!(adapter, user, outcome = ?e, ms, "no recommendation"),
    }
}

/// A stable, salted hash of a platform user id.
pub fn hash_id(id: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ("moodtune", id).hash(&mut h);
    h.finish()
}
