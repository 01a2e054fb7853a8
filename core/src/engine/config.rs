//! Everything the engine needs to start, with the defaults every other part takes its own from
//! (the CLI's flags, the config file, the environment): one source, so they cannot disagree.

use std::path::PathBuf;
use std::time::Duration;

use crate::emotion::DIM;
use crate::index::{GraphIndex, GraphParams, HnswIndex, HnswParams, VectorIndex};
use crate::text::Method;
use crate::vision::ImageLimits;

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
    pub image_limits: ImageLimits,
    /// Photos analysed at the same time (each holds a CPU for hundreds of ms).
    pub photo_concurrency: usize,
    /// Tracks whose title contains one of these words are never recommended (DJ / 抖音 / remix
    /// re-uploads); empty to keep everything. ASCII words match whole words, case-insensitively.
    pub excluded_title_words: Vec<String>,
    /// An exported EMOTIC model (with `.thresholds.json` beside it) to read photos with instead
    /// of the bundled face-expression pipeline.
    pub emotic_model: Option<PathBuf>,
    /// Where the built graph is kept between runs ([`crate::index::snapshot`]): a start-up (or reload)
    /// whose vectors match the snapshot serves from the graph at once instead of building it
    /// again. `None` keeps nothing on disk.
    pub index_snapshot: Option<PathBuf>,
    /// The secret mixed into every person's key ([`crate::engine::UserKey`]): the same salt must
    /// serve every process of a fleet and every restart, or people are forgotten. The default is
    /// random per process, right for tests and one-off runs; `moodtune` passes a kept one.
    pub user_salt: UserSalt,
    /// Days a person's moods and ratings are kept (counted from when each was last set); 0
    /// remembers nothing at all: no history, no ratings, no taste.
    pub memory_days: u32,
}

/// Default of [`EngineConfig::memory_days`].
pub const DEFAULT_MEMORY_DAYS: u32 = 90;

/// The secret of [`EngineConfig::user_salt`]; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct UserSalt(pub Vec<u8>);

impl std::fmt::Debug for UserSalt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserSalt(***)")
    }
}

impl UserSalt {
    /// 32 random bytes (from the operating system's randomness, through std's hasher keys).
    pub fn random() -> UserSalt {
        use std::hash::{BuildHasher, Hasher};
        let mut out = Vec::with_capacity(32);
        for i in 0..4u64 {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(i);
            out.extend_from_slice(&h.finish().to_le_bytes());
        }
        UserSalt(out)
    }
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
            image_limits: ImageLimits::default(),
            photo_concurrency: 2,
            excluded_title_words: DEFAULT_EXCLUDED_TITLE_WORDS
                .iter()
                .map(|w| w.to_string())
                .collect(),
            emotic_model: None,
            index_snapshot: None,
            user_salt: UserSalt::random(),
            memory_days: DEFAULT_MEMORY_DAYS,
        }
    }
}

/// Which approximate index the engine builds; both sit behind [`VectorIndex`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IndexChoice {
    /// moodtune's flat-array HNSW ([`GraphIndex`]): the default (faster to build and to query
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

    /// Builds this kind of index over `vectors` (on the calling thread: minutes at a million).
    pub(crate) fn build(self, vectors: Vec<[f32; DIM]>) -> Box<dyn VectorIndex> {
        match self {
            IndexChoice::Graph(p) => Box::new(GraphIndex::build(vectors, p)),
            IndexChoice::InstantDistance(p) => Box::new(HnswIndex::build(&vectors, p)),
        }
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
}
