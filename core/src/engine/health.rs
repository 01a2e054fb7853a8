//! How the engine is doing, for readiness probes, metrics and logs: adapters read this view and
//! never the store, the index or the models themselves.

use std::sync::atomic::Ordering;

use crate::engine::Engine;

/// What the index currently is, for logs, readiness probes and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexInfo {
    /// `exact` (at once, and for small catalogs), then `graph` or `hnsw` (instant-distance).
    pub kind: &'static str,
    /// Distinct vectors indexed.
    pub len: usize,
    /// Tracks reachable through them.
    pub tracks: usize,
    /// Whether the final index for this catalog is in place (an HNSW build may be pending).
    pub complete: bool,
}

/// Everything a readiness probe or a metrics page shows, read in one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    /// Whether the database answers.
    pub database: bool,
    /// The catalog version in the database (`None` when it does not answer).
    pub catalog_version: Option<i64>,
    /// What the index is right now.
    pub index: IndexInfo,
    /// The ONNX backend of the photo models (`tract` or `onnxruntime`), `None` if none starts.
    pub model_backend: Option<&'static str>,
    /// Which photo reader serves photos (`faces` or `emotic`).
    pub photo_reader: &'static str,
}

impl Health {
    /// Ready for traffic: the database answers and the final index is in place and not empty.
    pub fn ready(&self) -> bool {
        self.database && self.index.complete && self.index.len > 0
    }
}

impl Engine {
    /// What the index is right now.
    pub fn index_info(&self) -> IndexInfo {
        let state = self.index.read().expect("index lock").clone();
        IndexInfo {
            kind: state.index.name(),
            len: state.index.len(),
            tracks: state.tracks,
            complete: !self.pending_build.load(Ordering::SeqCst),
        }
    }

    /// The health view: one database round trip (the version read doubles as the ping).
    pub async fn health(&self) -> Health {
        let catalog_version = self.catalog.version().await.ok();
        Health {
            database: catalog_version.is_some(),
            catalog_version,
            index: self.index_info(),
            model_backend: crate::vision::backend().ok(),
            photo_reader: self.photo_reader.name(),
        }
    }
}

/// This process's peak resident memory in MB (the kernel's VmHWM), for `moodtune bench` and the
/// bench binaries that report an index's memory; NaN off Linux.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}
