//! The one facade adapters call: a mood in, songs out.
//!
//! [`Engine::open`] wires the lexicon, the text analyser, the catalog database and the index.
//! The index starts as an exact scan (ready at once) and is replaced by an HNSW graph built in the
//! background for catalogs large enough to need one, so start-up never waits for a build.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::catalog::{Catalog, CatalogError, TrackInfo};
use crate::emotic::EmoticModel;
use crate::emotion::{Emotion, DIM};
use crate::graph::{GraphIndex, GraphParams};
use crate::index::{dedup, ExactIndex, HnswIndex, HnswParams, VectorIndex};
use crate::lexicon::{Lexicon, LoadReport};
use crate::text::{Method, TextAnalyzer};

/// How many neighbours one query considers; pages ("more like this") are cut from this window.
pub const CANDIDATES: usize = 100;
/// Default number of songs in a reply.
pub const DEFAULT_K: usize = 10;

/// Everything the engine needs to start.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// `sqlite://file.db?mode=rwc` or `postgres://...`.
    pub database_url: String,
    /// Another DLUT-format lexicon file instead of the embedded one.
    pub lexicon_path: Option<PathBuf>,
    /// Load the bundled demo catalog when the database has no tracks.
    pub load_demo: bool,
    /// Text-analysis method.
    pub method: Method,
    /// Database pool size.
    pub db_max_connections: u32,
    /// Database connect/acquire timeout.
    pub db_timeout: Duration,
    /// Catalogs with fewer vectors than this are served by the exact scan only.
    pub exact_below: usize,
    /// The approximate index built in the background for catalogs of `exact_below` or more.
    pub index: IndexChoice,
    /// Longest text accepted, in characters.
    pub max_text_chars: usize,
    /// Limits on photos.
    pub image_limits: crate::vision::ImageLimits,
    /// Photos analysed at the same time (each holds a CPU for hundreds of ms).
    pub photo_concurrency: usize,
    /// Tracks whose title contains one of these words are never recommended (DJ / 抖音 / remix
    /// re-uploads); empty to keep everything. ASCII words match whole words, case-insensitively.
    pub excluded_title_words: Vec<String>,
    /// An exported EMOTIC model (with `.thresholds.json` beside it) to read photos with instead
    /// of the bundled face-expression pipeline.
    pub emotic_model: Option<PathBuf>,
    /// Where the built graph is kept between runs ([`crate::snapshot`]): a start-up (or reload)
    /// whose vectors match the snapshot serves from the graph at once instead of building it
    /// again. `None` keeps nothing on disk.
    pub index_snapshot: Option<PathBuf>,
}

/// Re-upload markers excluded by default, as the seed asked: DJ and remix versions, 抖音 edits and
/// sped-up or slowed-down copies crowd out the songs themselves.
pub const DEFAULT_EXCLUDED_TITLE_WORDS: &[&str] = &[
    "dj",
    "remix",
    "抖音",
    "加速版",
    "降速版",
    "慢速版",
    "倍速",
    "0.8x",
    "1.2x",
    "1.5x",
    "快手",
];

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            database_url: "sqlite://moodtune.db?mode=rwc".into(),
            lexicon_path: None,
            load_demo: true,
            method: Method::default(),
            db_max_connections: 8,
            db_timeout: Duration::from_secs(5),
            exact_below: 1_000,
            index: IndexChoice::default(),
            max_text_chars: 4_000,
            image_limits: crate::vision::ImageLimits::default(),
            photo_concurrency: 2,
            excluded_title_words: DEFAULT_EXCLUDED_TITLE_WORDS
                .iter()
                .map(|w| w.to_string())
                .collect(),
            emotic_model: None,
            index_snapshot: None,
        }
    }
}

/// Which approximate index the engine builds; both sit behind [`VectorIndex`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IndexChoice {
    /// moodtune's flat-array HNSW ([`crate::graph`]): the default (faster to build and to query
    /// and smaller than instant-distance's, measured in BENCHMARKS.md).
    Graph(GraphParams),
    /// instant-distance's HNSW.
    InstantDistance(HnswParams),
}

impl Default for IndexChoice {
    fn default() -> Self {
        IndexChoice::Graph(GraphParams::default())
    }
}

impl IndexChoice {
    /// `graph` or `instant-distance`, with default parameters; the graph's may follow a colon
    /// (`graph:m=20,ef_construction=64,ef=56`), because the defaults are tuned for the clustered
    /// moods of real text and a catalog without clusters wants a denser graph (BENCHMARKS.md).
    pub fn parse(s: &str) -> Option<IndexChoice> {
        let s = s.trim().to_ascii_lowercase();
        let (kind, settings) = s.split_once(':').unwrap_or((s.as_str(), ""));
        match kind.trim() {
            "graph" => {
                let mut p = GraphParams::default();
                for setting in settings.split(',').filter(|x| !x.trim().is_empty()) {
                    let (key, value) = setting.split_once('=')?;
                    let value: usize = value.trim().parse().ok().filter(|v| *v > 0)?;
                    match key.trim() {
                        "m" if (2..=64).contains(&value) => p.m = value,
                        "ef_construction" | "efc" if value <= 2_000 => p.ef_construction = value,
                        "ef" | "ef_search" if value <= 2_000 => p.ef_search = value,
                        _ => return None,
                    }
                }
                Some(IndexChoice::Graph(p))
            }
            "instant-distance" | "hnsw" if settings.is_empty() => {
                Some(IndexChoice::InstantDistance(HnswParams::default()))
            }
            _ => None,
        }
    }

    fn build(self, vectors: Vec<[f32; DIM]>) -> Box<dyn VectorIndex> {
        match self {
            IndexChoice::Graph(p) => Box::new(GraphIndex::build(vectors, p)),
            IndexChoice::InstantDistance(p) => Box::new(HnswIndex::build(&vectors, p)),
        }
    }
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The EMOTIC model named in the configuration could not be used (what is wrong with it).
    #[error("cannot use the EMOTIC model: {0}")]
    Emotic(String),
    /// The lexicon file could not be read.
    #[error("cannot read the lexicon file {path}: {source}")]
    LexiconRead {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The lexicon file held no usable rows.
    #[error("the lexicon file {path} has no usable rows ({rows} rows read, {skipped} skipped)")]
    LexiconEmpty {
        /// The file.
        path: PathBuf,
        /// Rows read.
        rows: usize,
        /// Rows skipped.
        skipped: usize,
    },
    /// The database could not be opened, migrated or read.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// Why a recommendation could not be made. The Display text is what a user may read.
#[derive(Debug, thiserror::Error)]
pub enum RecommendError {
    /// Nothing but whitespace was sent.
    #[error("Tell me how you feel in a few words and I'll find songs for it.")]
    Empty,
    /// The text is longer than the limit.
    #[error("That's a lot to take in. Please keep it under {max} characters.")]
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// The text carried no emotion the analyser recognises.
    #[error("I couldn't read a mood from that. Try a few words about how you feel, like \"有点难过\" or \"开心\".")]
    NoEmotion,
    /// The catalog has no labelled tracks yet.
    #[error("I have no songs to recommend yet. Please try again later.")]
    EmptyCatalog,
    /// The photo could not be read (too big, not an image, damaged, no face, models unavailable).
    #[error("{0}")]
    Photo(#[from] crate::vision::VisionError),
    /// The database failed while fetching the songs.
    #[error("Sorry, my music library is unavailable right now. Please try again in a minute.")]
    Storage(#[source] CatalogError),
}

impl RecommendError {
    /// A stable machine-readable code (JSON answers of the CLI and the HTTP API).
    pub fn code(&self) -> &'static str {
        use crate::vision::VisionError as V;
        match self {
            RecommendError::Empty => "empty_text",
            RecommendError::TooLong { .. } => "text_too_long",
            RecommendError::NoEmotion => "no_emotion",
            RecommendError::EmptyCatalog => "empty_catalog",
            RecommendError::Storage(_) => "storage_unavailable",
            RecommendError::Photo(V::TooLarge { .. } | V::TooManyPixels { .. }) => {
                "image_too_large"
            }
            RecommendError::Photo(V::NotAnImage) => "not_an_image",
            RecommendError::Photo(V::Damaged(_)) => "image_damaged",
            RecommendError::Photo(V::NoFace) => "no_face",
            RecommendError::Photo(V::NoMood) => "no_emotion",
            RecommendError::Photo(V::Model(_)) => "vision_unavailable",
        }
    }
}

/// One recommended song.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RecommendedTrack {
    /// Title, artists, popularity.
    #[serde(flatten)]
    pub info: TrackInfo,
    /// NetEase link.
    pub url: String,
    /// Euclidean distance between the mood and the track's emotion.
    pub distance: f32,
}

/// A reply: the detected mood and the songs for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// The mood detected.
    pub emotion: Emotion,
    /// Songs, closest first.
    pub tracks: Vec<RecommendedTrack>,
    /// Index of the first song in the whole candidate list (for "more like this").
    pub offset: usize,
    /// Whether more songs exist after this page.
    pub has_more: bool,
}

impl Recommendation {
    /// The wire shape of this reply (with the faces of a photo, when there was one).
    pub fn view(&self, faces: Option<&[crate::vision::Face]>) -> RecommendationView {
        RecommendationView {
            emotion: self.emotion.to_map(),
            tracks: self
                .tracks
                .iter()
                .map(|t| TrackView {
                    id: t.info.id,
                    name: t.info.name.clone(),
                    artists: t.info.artists.clone(),
                    url: t.url.clone(),
                    distance: t.distance,
                })
                .collect(),
            faces: faces.map(|faces| {
                faces
                    .iter()
                    .map(|f| FaceView {
                        bbox: f.bbox,
                        score: f.score,
                        emotion: f.emotion.to_map(),
                    })
                    .collect()
            }),
        }
    }

    /// The JSON of `moodtune recommend --json` and the HTTP API for a text mood.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.view(None)).unwrap_or_default()
    }
}

/// The JSON a reply is sent as, by `moodtune recommend --json` and by the HTTP API alike: one type,
/// so the two cannot drift apart and the API's OpenAPI schema is derived from what is really sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecommendationView {
    /// Weight of each of the 21 DLUT categories by code (`PA` 快乐, `NB` 悲伤, ...), summing to 1.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, f32>))]
    pub emotion: serde_json::Map<String, serde_json::Value>,
    /// Songs, closest to the mood first.
    pub tracks: Vec<TrackView>,
    /// For a photo: every face read (absent for text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<Vec<FaceView>>,
}

/// One song of a reply on the wire.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackView {
    /// NetEase song id.
    pub id: i64,
    /// Title.
    pub name: String,
    /// Artist names in credit order.
    pub artists: Vec<String>,
    /// Link to the song.
    pub url: String,
    /// Euclidean distance between the mood and the song's emotion (smaller is closer).
    pub distance: f32,
}

/// One face of a photo on the wire.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaceView {
    /// Box in the (EXIF-oriented) photo's pixels: x1, y1, x2, y2.
    pub bbox: [f32; 4],
    /// Detector confidence.
    pub score: f32,
    /// This face's emotion alone, by category code.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, f32>))]
    pub emotion: serde_json::Map<String, serde_json::Value>,
}

/// The searchable state: an index over the distinct vectors, and for each distinct vector (slot)
/// the tracks that carry it, most popular first.
struct IndexState {
    groups: Vec<Vec<i64>>,
    tracks: usize,
    index: Box<dyn VectorIndex>,
    /// Names and artists of every indexed track, loaded with the vectors: a reply then needs no
    /// database round trip (the candidate window's lookup was most of a request's time).
    infos: Arc<HashMap<i64, TrackInfo>>,
}

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

/// The recommender: cheap to share (`Arc<Engine>`), safe to call from many tasks.
pub struct Engine {
    /// The EMOTIC backend, when the operator supplied one.
    emotic: Option<Arc<EmoticModel>>,
    photo_slots: tokio::sync::Semaphore,
    analyzer: Arc<TextAnalyzer>,
    catalog: Catalog,
    index: Arc<RwLock<Arc<IndexState>>>,
    pending_build: Arc<std::sync::atomic::AtomicBool>,
    /// Bumped by every reload, so a slow background build never replaces a newer index.
    generation: Arc<std::sync::atomic::AtomicU64>,
    /// Catalog version the index was loaded from.
    loaded_version: std::sync::atomic::AtomicI64,
    config: EngineConfig,
    lexicon_report: LoadReport,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("index", &self.index_info())
            .finish()
    }
}

/// The part of a title that names the song: lowercased, without a trailing bracketed or dashed
/// qualifier such as "(Live)", "（伴奏）" or " - Remix".
pub fn title_key(name: &str) -> String {
    let cut = name
        .char_indices()
        .find(|(i, c)| *i > 0 && matches!(c, '(' | '（' | '[' | '【' | '「' | '-' | '—'))
        .map(|(i, _)| i)
        .unwrap_or(name.len());
    let key = name[..cut].trim().to_lowercase();
    if key.is_empty() {
        name.trim().to_lowercase()
    } else {
        key
    }
}

/// Whether `name` contains one of `words` (lowercase): ASCII words only as whole words, so that
/// "DJ" excludes "爱情买卖 (DJ版)" but not "Djavan".
pub fn title_excluded(name: &str, words: &[String]) -> bool {
    let lower = name.to_lowercase();
    words.iter().any(|w| {
        let ascii = w.is_ascii();
        lower.match_indices(w.as_str()).any(|(i, m)| {
            if !ascii {
                return true;
            }
            let before = lower[..i].chars().next_back();
            let after = lower[i + m.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && !after.is_some_and(|c| c.is_ascii_alphanumeric())
        })
    })
}

/// A fixed bit mixer (splitmix64's finaliser): a stable, well-spread order for ties.
fn mix(id: i64) -> u64 {
    let mut z = (id as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Loads the lexicon named by the config (or the embedded one) and reports what was skipped.
pub fn load_lexicon(path: Option<&PathBuf>) -> Result<(Lexicon, LoadReport), StartError> {
    let (lex, report) = match path {
        None => Lexicon::embedded(),
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|source| StartError::LexiconRead {
                path: p.clone(),
                source,
            })?;
            let text = String::from_utf8_lossy(&bytes);
            let (lex, report) = Lexicon::parse(&text);
            if lex.is_empty() {
                return Err(StartError::LexiconEmpty {
                    path: p.clone(),
                    rows: report.rows,
                    skipped: report.skipped_rows,
                });
            }
            (lex, report)
        }
    };
    tracing::info!(
        words = report.words,
        entries = report.entries,
        skipped_rows = report.skipped_rows,
        skipped_auxiliary = report.skipped_auxiliary,
        fixed_intensities = report.fixed_intensities,
        "lexicon loaded"
    );
    for (line, what) in report.problems.iter().take(5) {
        tracing::debug!(line, what, "lexicon row problem");
    }
    Ok((lex, report))
}

impl Engine {
    /// Opens the database (migrating it), loads the demo catalog on first run, labels unlabelled
    /// tracks and makes the index ready (exact scan now, HNSW in the background when large).
    pub async fn open(config: EngineConfig) -> Result<Engine, StartError> {
        let started = Instant::now();
        let lexicon_path = config.lexicon_path.clone();
        let method = config.method;
        let (analyzer, lexicon_report) = tokio::task::spawn_blocking(move || {
            load_lexicon(lexicon_path.as_ref())
                .map(|(lex, rep)| (TextAnalyzer::new(lex, method), rep))
        })
        .await
        .expect("lexicon loading does not panic")?;
        let analyzer = Arc::new(analyzer);
        let catalog = Catalog::open(
            &config.database_url,
            config.db_max_connections,
            config.db_timeout,
        )
        .await?;
        if config.load_demo && catalog.track_count().await? == 0 {
            let (playlists, report) = crate::dump::parse(crate::dump::EMBEDDED_DEMO);
            let summary = catalog.import_playlists(&playlists).await?;
            tracing::info!(
                playlists = summary.playlists,
                tracks = summary.tracks,
                skipped = report.skipped_tracks,
                "demo catalog loaded"
            );
        }
        let t = Instant::now();
        let label = catalog.label_tracks(&analyzer, false).await?;
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "labels checked");
        if label.tracks > 0 {
            tracing::info!(
                tracks = label.tracks,
                labelled = label.labelled,
                no_emotion = label.no_emotion,
                "tracks labelled"
            );
        }
        let emotic = match &config.emotic_model {
            None => None,
            Some(path) => {
                let path = path.clone();
                let model = tokio::task::spawn_blocking(move || EmoticModel::load(&path))
                    .await
                    .expect("model loading does not panic")
                    .map_err(|e| match e {
                        crate::vision::VisionError::Model(detail) => StartError::Emotic(detail),
                        other => StartError::Emotic(other.to_string()),
                    })?;
                tracing::info!(model = ?model, "photos are read with EMOTIC");
                Some(Arc::new(model))
            }
        };
        let engine = Engine {
            emotic,
            photo_slots: tokio::sync::Semaphore::new(config.photo_concurrency.max(1)),
            analyzer,
            catalog,
            index: Arc::new(RwLock::new(Arc::new(IndexState {
                groups: Vec::new(),
                tracks: 0,
                index: Box::new(ExactIndex::default()),
                infos: Arc::new(HashMap::new()),
            }))),
            pending_build: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            generation: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            loaded_version: std::sync::atomic::AtomicI64::new(-1),
            config,
            lexicon_report,
        };
        engine.reload_index().await?;
        tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, index = ?engine.index_info(), "engine ready");
        Ok(engine)
    }

    /// Reloads the index when the catalog changed since it was loaded (a crawl, an import or a
    /// labelling run in another process); returns whether it did. Running bots call this
    /// periodically, so new vectors are served without a restart.
    pub async fn reload_if_changed(&self) -> Result<bool, CatalogError> {
        let version = self.catalog.version().await?;
        if version
            == self
                .loaded_version
                .load(std::sync::atomic::Ordering::SeqCst)
        {
            return Ok(false);
        }
        self.reload_index().await?;
        tracing::info!(version, index = ?self.index_info(), "catalog changed: index reloaded");
        Ok(true)
    }

    /// Reloads vectors from the database: the exact scan takes over at once, and an HNSW graph is
    /// built in the background and swapped in when done (for catalogs of `exact_below` or more).
    pub async fn reload_index(&self) -> Result<(), CatalogError> {
        use std::sync::atomic::Ordering;
        let started = Instant::now();
        let version = self.catalog.version().await?;
        let rows = self.catalog.load_vectors().await?;
        let vectors_ms = started.elapsed().as_millis() as u64;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.loaded_version.store(version, Ordering::SeqCst);
        let all: Vec<[f32; DIM]> = rows.iter().map(|r| r.emotion.0).collect();
        let (mut vectors, slots) = dedup(&all);
        drop(all);
        // Within a group (tracks with the same vector): best attested first (the strength of the
        // evidence, rounded so float noise does not matter), then most popular, then a fixed
        // pseudo-random order so that ties do not always favour the oldest NetEase ids.
        let groups: Vec<Vec<i64>> = slots
            .iter()
            .map(|g| {
                let mut members: Vec<&crate::catalog::StoredVector> =
                    g.iter().map(|i| &rows[*i as usize]).collect();
                members.sort_by_key(|r| {
                    (
                        std::cmp::Reverse((r.strength * 100.0) as i64),
                        std::cmp::Reverse(r.popularity),
                        mix(r.track_id),
                    )
                });
                members.iter().map(|r| r.track_id).collect()
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
                let loaded = crate::snapshot::load(&path, &vectors, params);
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
            self.pending_build
                .store(true, std::sync::atomic::Ordering::SeqCst);
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
                if let (Some((path, _)), Some(graph)) = (snapshot, state.index.as_graph()) {
                    let t = Instant::now();
                    match crate::snapshot::save(graph, version, &path) {
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
                pending.store(false, std::sync::atomic::Ordering::SeqCst);
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
        while self.pending_build.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What the index is right now.
    pub fn index_info(&self) -> IndexInfo {
        let state = self.index.read().expect("index lock").clone();
        IndexInfo {
            kind: state.index.name(),
            len: state.index.len(),
            tracks: state.tracks,
            complete: !self.pending_build.load(std::sync::atomic::Ordering::SeqCst),
        }
    }

    /// The text analyser (for evaluation and benchmarks).
    pub fn analyzer(&self) -> &TextAnalyzer {
        &self.analyzer
    }

    /// The catalog (for the CLI's import and stats commands).
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// What the lexicon loader skipped.
    pub fn lexicon_report(&self) -> &LoadReport {
        &self.lexicon_report
    }

    /// The longest text accepted, in characters (adapters quote it to users).
    pub fn max_text_chars(&self) -> usize {
        self.config.max_text_chars
    }

    /// Checks a text against the limits before any work is done on it.
    pub fn check_text<'a>(&self, text: &'a str) -> Result<&'a str, RecommendError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(RecommendError::Empty);
        }
        // Count lazily: stop as soon as the limit is passed (a 1 MB message costs nothing more).
        if text.chars().nth(self.config.max_text_chars).is_some() {
            return Err(RecommendError::TooLong {
                max: self.config.max_text_chars,
            });
        }
        Ok(text)
    }

    /// The mood of a text, or why there is none.
    pub fn text_emotion(&self, text: &str) -> Result<Emotion, RecommendError> {
        let text = self.check_text(text)?;
        self.analyzer.mood(text).ok_or(RecommendError::NoEmotion)
    }

    /// The mood of a photo (faces and their expressions), analysed on a blocking thread; at most
    /// `photo_concurrency` photos at once, so photos never stall text replies.
    pub async fn photo_mood(
        &self,
        bytes: Vec<u8>,
    ) -> Result<crate::vision::PhotoMood, RecommendError> {
        let limits = self.config.image_limits;
        if bytes.len() > limits.max_bytes {
            return Err(crate::vision::VisionError::TooLarge {
                bytes: bytes.len(),
                max: limits.max_bytes,
            }
            .into());
        }
        let _slot = self
            .photo_slots
            .acquire()
            .await
            .map_err(|_| crate::vision::VisionError::Model("shutting down".into()))?;
        let started = Instant::now();
        let emotic = self.emotic.clone();
        let result = tokio::task::spawn_blocking(move || match emotic {
            Some(model) => model.photo_mood(&bytes, &limits),
            None => crate::vision::photo_mood(&bytes, &limits),
        })
        .await
        .map_err(|e| crate::vision::VisionError::Model(e.to_string()))?;
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            ok = result.is_ok(),
            "photo analysed"
        );
        Ok(result?)
    }

    /// Songs for the mood of a photo, with the faces that were read.
    pub async fn recommend_photo(
        &self,
        bytes: Vec<u8>,
        k: usize,
    ) -> Result<(Recommendation, Vec<crate::vision::Face>), RecommendError> {
        let mood = self.photo_mood(bytes).await?;
        let rec = self.recommend_emotion(&mood.emotion, k, 0).await?;
        Ok((rec, mood.faces))
    }

    /// Songs for the mood of a text: the first `k`.
    pub async fn recommend_text(
        &self,
        text: &str,
        k: usize,
    ) -> Result<Recommendation, RecommendError> {
        let emotion = self.text_emotion(text)?;
        self.recommend_emotion(&emotion, k, 0).await
    }

    /// Songs for a mood: `k` of them starting at `offset` in the candidate list (offset 0 is the
    /// first page; "more like this" asks for the next offset). Ties in distance go to the more
    /// popular track; the same title by the same artists appears once.
    pub async fn recommend_emotion(
        &self,
        emotion: &Emotion,
        k: usize,
        offset: usize,
    ) -> Result<Recommendation, RecommendError> {
        let state = self.index.read().expect("index lock").clone();
        if state.index.is_empty() {
            return Err(RecommendError::EmptyCatalog);
        }
        // Walk the nearest distinct vectors, taking their tracks (most popular first) until the
        // candidate window is full.
        let mut picked: Vec<(i64, f32)> = Vec::with_capacity(CANDIDATES);
        for n in state.index.search(emotion, CANDIDATES) {
            for id in state.groups[n.slot as usize]
                .iter()
                .take(CANDIDATES - picked.len())
            {
                picked.push((*id, n.distance));
            }
            if picked.len() >= CANDIDATES {
                break;
            }
        }
        let missing: Vec<i64> = picked
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| !state.infos.contains_key(id))
            .collect();
        let fetched = if missing.is_empty() {
            HashMap::new()
        } else {
            self.catalog
                .track_infos(&missing)
                .await
                .map_err(RecommendError::Storage)?
        };
        let lookup = |id: &i64| state.infos.get(id).or_else(|| fetched.get(id));
        let mut candidates: Vec<RecommendedTrack> = picked
            .iter()
            .filter_map(|(id, distance)| {
                lookup(id).map(|info| RecommendedTrack {
                    url: info.url(),
                    info: info.clone(),
                    distance: *distance,
                })
            })
            .collect();
        // Already in distance order, and within one vector in the group order above; the stable
        // sort only guards against an index that returns near-ties slightly out of order.
        candidates.sort_by_key(|t| (t.distance * 1e4).round() as i64);
        // One song per title: covers and re-uploads ("(Live)", "（伴奏）", "(0.8x)") of the same title
        // would otherwise crowd a reply; the same title by the same artists is always dropped.
        let mut seen = HashSet::new();
        let excluded = &self.config.excluded_title_words;
        candidates.retain(|t| {
            !title_excluded(&t.info.name, excluded) && seen.insert(title_key(&t.info.name))
        });
        let total = candidates.len();
        let tracks: Vec<RecommendedTrack> = candidates.into_iter().skip(offset).take(k).collect();
        Ok(Recommendation {
            emotion: *emotion,
            has_more: offset + tracks.len() < total,
            tracks,
            offset,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn index_choices_parse_with_graph_settings() {
        use super::{GraphParams, IndexChoice};
        let d = GraphParams::default();
        let graph = |m, ef_construction, ef_search| {
            Some(IndexChoice::Graph(GraphParams {
                m,
                ef_construction,
                ef_search,
                ..d
            }))
        };
        let table = [
            ("graph", graph(d.m, d.ef_construction, d.ef_search)),
            (" Graph ", graph(d.m, d.ef_construction, d.ef_search)),
            ("graph:", graph(d.m, d.ef_construction, d.ef_search)),
            ("graph:m=20,ef_construction=64,ef=56", graph(20, 64, 56)),
            ("graph: ef = 96 , efc=150", graph(d.m, 150, 96)),
            ("graph:m=1", None),
            ("graph:m=0", None),
            ("graph:ef=-3", None),
            ("graph:ef=many", None),
            ("graph:colour=blue", None),
            ("graph:m", None),
            ("instant-distance:m=20", None),
            ("kd-tree", None),
            ("", None),
        ];
        for (input, expected) in table {
            assert_eq!(IndexChoice::parse(input), expected, "{input:?}");
        }
        assert!(matches!(
            IndexChoice::parse("instant-distance"),
            Some(IndexChoice::InstantDistance(_))
        ));
    }

    use super::*;

    #[test]
    fn re_uploads_are_recognised() {
        let words: Vec<String> = DEFAULT_EXCLUDED_TITLE_WORDS
            .iter()
            .map(|w| w.to_string())
            .collect();
        let table = [
            ("爱情买卖 (DJ版)", true),
            ("DJ Snake - Taki Taki", true),
            ("Djavan - Oceano", false),
            ("Faded (Remix)", true),
            ("Remixed Feelings", false),
            ("可能 (抖音热播版)", true),
            ("起风了 (0.8x降调版)", true),
            ("10.8x", false),
            ("下雨天", false),
        ];
        for (name, want) in table {
            assert_eq!(title_excluded(name, &words), want, "{name}");
        }
        assert!(!title_excluded("爱情买卖 (DJ版)", &[]));
    }

    #[test]
    fn title_keys_merge_versions_of_one_song() {
        let table = [
            ("富士山下", "富士山下"),
            ("富士山下 (Live)", "富士山下"),
            ("Baby,don't Cry (伴奏)", "baby,don't cry"),
            ("我们的爱（0.8x）", "我们的爱"),
            ("Song - Remix", "song"),
            ("(Intro)", "(intro)"),
            ("", ""),
        ];
        for (name, key) in table {
            assert_eq!(title_key(name), key, "{name}");
        }
    }
}
