//! moodtune-core: the whole brain of moodtune, and no chat platform.
//!
//! Data flows one way: text or a photo -> [`Emotion`] -> index -> track ids -> store ->
//! [`Recommendation`]. The rooms, each with its invariant in its module doc:
//!
//! - [`emotion`]: the 21-category vector every room speaks, and the maps onto it;
//! - [`text`]: lexicon, jieba, symbols and the class model -> scores; evaluation;
//! - [`vision`]: decoding within limits, faces, expressions, EMOTIC, behind one reader trait;
//! - [`index`]: the `VectorIndex` trait and its implementations, dedup, snapshots;
//! - [`store`]: every SeaORM query; runs no analysis;
//! - [`ingest`]: dumps, the crawler and labelling, through the store;
//! - [`engine`]: the facade adapters call, its config, errors, index lifecycle and health.
//!
//! Adapters use what this file exports (the engine, its config, the emotion types, the errors
//! and the health view), never `store` or `vision` directly; this crate never imports teloxide
//! or serenity. The binary's tools (import, crawl, label, eval, bench) reach into the rooms.

pub mod emotion;
pub mod engine;
pub mod index;
pub mod ingest;
pub mod rng;
pub mod store;
pub mod text;
pub mod vision;

pub use emotion::{Category, Emotion, EmotionScores, MainClass};
pub use engine::{
    Engine, EngineConfig, Forgotten, Health, History, IndexChoice, IndexInfo, Listener, MoodSource,
    PastMood, RecommendError, Recommendation, RecommendedTrack, StartError, Taste, UserKey,
    UserSalt, Verdict, DEFAULT_K,
};
pub use store::{CatalogError, TrackInfo};
pub use text::{Method, TextAnalyzer};
pub use vision::{Face, ImageLimits, VisionError};
