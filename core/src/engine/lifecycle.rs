//! The index's life: loaded from the store's vectors (exact scan at once), rebuilt in the
//! background and swapped in atomically, kept in a snapshot between runs, reloaded when the
//! catalog version moves.
//!
//! Invariant: the index is replaced, never mutated; readers take an `Arc` of the current state,
//! and a slow build never replaces a newer one (the generation counter).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::emotion::DIM;
use crate::engine::{Engine, IndexChoice};
use crate::index::{dedup, ExactIndex, VectorIndex};
use crate::store::{CatalogError, StoredVector, TrackInfo};

/// The searchable state: an index over the distinct vectors, and for each distinct vector (slot)
/// the tracks that carry it, most popular first.
pub(crate) struct IndexState {
    pub(crate) groups: Vec<Vec<(i64, f32)>>,
    pub(crate) tracks: usize,
    pub(crate) index: Box<dyn VectorIndex>,
    /// Names and artists of every indexed track, loaded with the vectors: a reply then needs no
    /// database round trip (the candidate window's lookup was most of a request's time).
    pub(crate) infos: Arc<HashMap<i64, TrackInfo>>,
}

impl IndexState {
    /// The state before anything is loaded: an empty exact scan.
    pub(crate) fn empty() -> IndexState {
        IndexState {
            groups: Vec::new(),
            tracks: 0,
            index: Box::new(ExactIndex::default()),
            infos: Arc::new(HashMap::new()),
        }
    }
}

impl Engine {
    /// Reloads the index when the catalog changed since it was loaded (a crawl, an import or a
    /// labelling run in another process); returns whether it did. Running bots call this
    /// periodically, so new vectors are served without a restart.
    pub async fn reload_if_changed(&self) -> Result<bool, CatalogError> {
        let version = self.catalog.version().await?;
        if version == self.loaded_version.load(Ordering::SeqCst) {
            return Ok(false);
        }
        self.reload_index().await?;
        tracing::info!(version, index = ?self.index_info(), "catalog changed: index reloaded");
        Ok(true)
    }

    /// Reloads vectors from the database: the exact scan takes over at once, and an HNSW graph is
    /// built in the background and swapped in when done (for catalogs of `exact_below` or more).
    pub async fn reload_index(&self) -> Result<(), CatalogError> {
        let started = Instant::now();
        let version = self.catalog.version().await?;
        let rows = self.catalog.load_vectors().await?;
        let vectors_ms = started.elapsed().as_millis() as u64;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.playlist_moods
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.loaded_version.store(version, Ordering::SeqCst);
        let all: Vec<[f32; DIM]> = rows.iter().map(|r| r.emotion.0).collect();
        let (mut vectors, slots) = dedup(&all);
        drop(all);
        // Within a group (tracks with the same vector): best attested first (the strength of the
        // evidence, rounded so float noise does not matter), then most popular, then a fixed
        // pseudo-random order so that ties do not always favour the oldest NetEase ids.
        let groups: Vec<Vec<(i64, f32)>> = slots
            .iter()
            .map(|g| {
                let mut members: Vec<&StoredVector> =
                    g.iter().map(|i| &rows[*i as usize]).collect();
                members.sort_by_key(|r| {
                    (
                        std::cmp::Reverse((r.strength * 100.0) as i64),
                        std::cmp::Reverse(r.popularity),
                        crate::rng::mix(r.track_id as u64),
                    )
                });
                members.iter().map(|r| (r.track_id, r.strength)).collect()
            })
            .collect();
        let tracks = rows.len();
        let ids: Vec<i64> = rows.iter().map(|r| r.track_id).collect();
        let infos = Arc::new(self.catalog.track_infos_many(&ids).await?);
        let infos_ms = started.elapsed().as_millis() as u64 - vectors_ms;
        tracing::debug!(vectors_ms, infos_ms, "catalog read for the index");
        drop(rows);
        let snapshot = match self.config.index {
            IndexChoice::Graph(params) if vectors.len() >= self.config.exact_below => self
                .config
                .index_snapshot
                .clone()
                .map(|path| (path, params)),
            _ => None,
        };
        if let Some((path, params)) = snapshot.clone() {
            let t = Instant::now();
            let (loaded, back) = tokio::task::spawn_blocking(move || {
                let loaded = crate::index::snapshot::load(&path, &vectors, params);
                (loaded, vectors)
            })
            .await
            .expect("snapshot loading does not panic");
            vectors = back;
            match loaded {
                Ok((graph, snapshot_version)) => {
                    let len = graph.len();
                    *self.index.write().expect("index lock") = Arc::new(IndexState {
                        groups,
                        tracks,
                        index: Box::new(graph),
                        infos,
                    });
                    self.pending_build.store(false, Ordering::SeqCst);
                    tracing::info!(
                        vectors = len,
                        tracks,
                        snapshot_version,
                        load_ms = t.elapsed().as_millis() as u64,
                        "index loaded from its snapshot"
                    );
                    return Ok(());
                }
                Err(e) if e.is_damage() => {
                    tracing::warn!(error = %e, "not using the index snapshot: rebuilding the index")
                }
                Err(e) => tracing::info!(reason = %e, "building the index (no usable snapshot)"),
            }
        }
        let exact = IndexState {
            groups: groups.clone(),
            tracks,
            index: Box::new(ExactIndex::new(vectors.clone())),
            infos: Arc::clone(&infos),
        };
        *self.index.write().expect("index lock") = Arc::new(exact);
        if vectors.len() >= self.config.exact_below {
            self.pending_build.store(true, Ordering::SeqCst);
            let slot = Arc::clone(&self.index);
            let pending = Arc::clone(&self.pending_build);
            let current = Arc::clone(&self.generation);
            let choice = self.config.index;
            // A plain thread, not spawn_blocking: a build must never delay process exit.
            std::thread::spawn(move || {
                let t = Instant::now();
                let built = choice.build(vectors);
                let (kind, len) = (built.name(), built.len());
                let mut guard = slot.write().expect("index lock");
                if current.load(Ordering::SeqCst) != generation {
                    tracing::info!("a newer reload started: dropping this index build");
                    return;
                }
                let state = Arc::new(IndexState {
                    groups,
                    tracks,
                    index: built,
                    infos,
                });
                *guard = Arc::clone(&state);
                drop(guard);
                tracing::info!(
                    kind,
                    vectors = len,
                    tracks,
                    build_ms = t.elapsed().as_millis() as u64,
                    "index swapped in"
                );
                if let (Some((path, _)), Some(persist)) = (snapshot, state.index.persist()) {
                    let t = Instant::now();
                    match persist.save_snapshot(version, &path) {
                        Ok(()) => tracing::info!(
                            path = %path.display(),
                            save_ms = t.elapsed().as_millis() as u64,
                            "index snapshot written"
                        ),
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot write the index snapshot (serving is not affected)")
                        }
                    }
                }
                pending.store(false, Ordering::SeqCst);
            });
        }
        tracing::info!(
            tracks,
            distinct_vectors = self.index_info().len,
            "index loaded"
        );
        Ok(())
    }

    /// Waits until a background index build (if any) has finished; for tools and tests.
    pub async fn wait_for_index(&self) {
        while self.pending_build.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
