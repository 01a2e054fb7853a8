//! The one facade adapters call: a mood in, songs out.
//!
//! [`Engine::open`] wires the lexicon, the text analyser, the store and the index. The index
//! starts as an exact scan (ready at once) and is replaced by an HNSW graph built in the
//! background for catalogs large enough to need one, so start-up never waits for a build.
//!
//! Invariant: this is the only room adapters see. What they need (moods, songs, limits, health)
//! they get from [`Engine`]; the store, the index and the models stay behind it. Files: `config`
//! (the one source of defaults), `error`, `lifecycle` (load, build, swap, snapshot, reload),
//! `search` (one query), `rank` (a page for a person), `memory` (what is remembered about a
//! person: moods, 👍/👎, the taste they add up to), `health` (the readiness and metrics view).

use std::sync::{Arc, RwLock};
use std::time::Instant;

use crate::emotion::Emotion;
use crate::store::Catalog;
use crate::text::{load_lexicon, TextAnalyzer};
use crate::vision::{Face, FacePipeline, PhotoMood, PhotoReader, VisionError};

mod config;
mod error;
pub mod eval;
mod health;
mod lifecycle;
mod memory;
mod rank;
mod search;

pub use config::{
    EngineConfig, IndexChoice, UserSalt, CANDIDATES, DEFAULT_EXCLUDED_TITLE_WORDS, DEFAULT_K,
    DEFAULT_MEMORY_DAYS,
};
pub use error::{RecommendError, StartError};
pub use health::{peak_rss_mb, Health, IndexInfo};
pub use memory::{Forgotten, History, MoodSource, PastMood, Taste, UserKey, Verdict, HISTORY_PAGE};
pub use rank::Listener;
pub use search::{title_excluded, title_key, Recommendation, RecommendedTrack};

use lifecycle::IndexState;

/// The recommender: cheap to share (`Arc<Engine>`), safe to call from many tasks.
pub struct Engine {
    /// How photos are read: the bundled face pipeline, or EMOTIC when the operator supplied it.
    photo_reader: Arc<dyn PhotoReader>,
    photo_slots: tokio::sync::Semaphore,
    analyzer: Arc<TextAnalyzer>,
    catalog: Catalog,
    index: Arc<RwLock<Arc<IndexState>>>,
    pending_build: Arc<std::sync::atomic::AtomicBool>,
    /// Bumped by every reload, so a slow background build never replaces a newer index.
    generation: Arc<std::sync::atomic::AtomicU64>,
    /// Catalog version the index was loaded from.
    loaded_version: std::sync::atomic::AtomicI64,
    /// Each playlist's own mood by id, read from its name when a reply first needs it (a song's
    /// reason); emptied when the index reloads, since a crawl may rename playlists.
    playlist_moods: std::sync::Mutex<std::collections::HashMap<i64, Option<Emotion>>>,
    config: EngineConfig,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("index", &self.index_info())
            .finish()
    }
}

impl Engine {
    /// Opens the database (migrating it), loads the demo catalog on first run, labels unlabelled
    /// tracks and makes the index ready (exact scan now, HNSW in the background when large).
    pub async fn open(config: EngineConfig) -> Result<Engine, StartError> {
        let started = Instant::now();
        let lexicon_path = config.lexicon_path.clone();
        let method = config.method;
        let analyzer = tokio::task::spawn_blocking(move || {
            load_lexicon(lexicon_path.as_deref()).map(|(lex, _)| TextAnalyzer::new(lex, method))
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
            crate::ingest::dump::import_demo(&catalog).await?;
        }
        let t = Instant::now();
        let label = crate::ingest::label_tracks(&catalog, &analyzer, false).await?;
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "labels checked");
        if label.tracks > 0 {
            tracing::info!(
                tracks = label.tracks,
                labelled = label.labelled,
                no_emotion = label.no_emotion,
                "tracks labelled"
            );
        }
        let photo_reader: Arc<dyn PhotoReader> = match &config.emotic_model {
            None => Arc::new(FacePipeline),
            Some(path) => {
                let path = path.clone();
                let model =
                    tokio::task::spawn_blocking(move || crate::vision::EmoticModel::load(&path))
                        .await
                        .expect("model loading does not panic")
                        .map_err(|e| match e {
                            crate::vision::VisionError::Model(detail) => StartError::Emotic(detail),
                            other => StartError::Emotic(other.to_string()),
                        })?;
                tracing::info!(model = ?model, "photos are read with EMOTIC");
                Arc::new(model)
            }
        };
        let engine = Engine {
            photo_reader,
            photo_slots: tokio::sync::Semaphore::new(config.photo_concurrency.max(1)),
            analyzer,
            catalog,
            index: Arc::new(RwLock::new(Arc::new(IndexState::empty()))),
            pending_build: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            generation: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            loaded_version: std::sync::atomic::AtomicI64::new(-1),
            playlist_moods: std::sync::Mutex::default(),
            config,
        };
        if let Err(e) = engine.prune_memory().await {
            tracing::warn!(error = %e, "cannot prune old memory");
        }
        engine.reload_index().await?;
        tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, index = ?engine.index_info(), "engine ready");
        Ok(engine)
    }

    /// The text analyser (for evaluation and benchmarks).
    pub fn analyzer(&self) -> &TextAnalyzer {
        &self.analyzer
    }

    /// The engine's settings, as it was started with them.
    pub fn config(&self) -> &EngineConfig {
        &self.config
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
        self.analyzer.mood(text).ok_or_else(|| no_mood(text))
    }

    /// The mood of a text with the words and symbols that carried it (a reply shows them), or
    /// why there is none.
    pub fn read_text(&self, text: &str) -> Result<(Emotion, Vec<String>), RecommendError> {
        let text = self.check_text(text)?;
        self.analyzer.reading(text).ok_or_else(|| no_mood(text))
    }

    /// The mood of a photo (faces and their expressions), analysed on a blocking thread; at most
    /// `photo_concurrency` photos at once, so photos never stall text replies.
    pub async fn photo_mood(&self, bytes: Vec<u8>) -> Result<PhotoMood, RecommendError> {
        let limits = self.config.image_limits;
        if bytes.len() > limits.max_bytes {
            return Err(VisionError::TooLarge {
                bytes: bytes.len(),
                max: limits.max_bytes,
            }
            .into());
        }
        let _slot = self
            .photo_slots
            .acquire()
            .await
            .map_err(|_| VisionError::Model("shutting down".into()))?;
        let started = Instant::now();
        let reader = Arc::clone(&self.photo_reader);
        let result = tokio::task::spawn_blocking(move || reader.photo_mood(&bytes, &limits))
            .await
            .map_err(|e| VisionError::Model(e.to_string()))?;
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            ok = result.is_ok(),
            "photo analysed"
        );
        Ok(result?)
    }

    /// Songs for the mood of a photo, with the faces that were read, for no one in particular.
    pub async fn recommend_photo(
        &self,
        bytes: Vec<u8>,
        k: usize,
    ) -> Result<(Recommendation, Vec<Face>), RecommendError> {
        self.recommend_photo_for(bytes, k, Listener::ANYONE).await
    }

    /// Songs for the mood of a photo, ranked for `listener`, with the faces that were read.
    pub async fn recommend_photo_for(
        &self,
        bytes: Vec<u8>,
        k: usize,
        listener: Listener,
    ) -> Result<(Recommendation, Vec<Face>), RecommendError> {
        let mood = self.photo_mood(bytes).await?;
        let rec = self.recommend_for(&mood.emotion, k, 0, listener).await?;
        let rec = Recommendation {
            faces: mood.faces.len(),
            ..rec
        };
        Ok((rec, mood.faces))
    }

    /// Songs for the mood of a text: the first `k`, for no one in particular.
    pub async fn recommend_text(
        &self,
        text: &str,
        k: usize,
    ) -> Result<Recommendation, RecommendError> {
        self.recommend_text_for(text, k, Listener::ANYONE).await
    }

    /// Songs for the mood of a text: the first `k` of `listener`'s ranking.
    pub async fn recommend_text_for(
        &self,
        text: &str,
        k: usize,
        listener: Listener,
    ) -> Result<Recommendation, RecommendError> {
        let (emotion, cues) = self.read_text(text)?;
        let mut rec = self.recommend_for(&emotion, k, 0, listener).await?;
        rec.cues = cues;
        Ok(rec)
    }
}

/// Why a text has no mood: small talk gets a greeting back, anything else the plain answer.
fn no_mood(text: &str) -> RecommendError {
    if crate::text::small_talk::is_small_talk(text) {
        RecommendError::SmallTalk
    } else {
        RecommendError::NoEmotion
    }
}
