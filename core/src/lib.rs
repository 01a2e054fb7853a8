//! moodtune-core: the whole brain of moodtune, and no chat platform.
//!
//! Data flows one way: text (or, later, a photo) -> [`emotion::Emotion`] -> [`index`] -> track ids ->
//! [`catalog`] -> [`recommend::Recommendation`]. Adapters call only [`recommend::Engine`]; this
//! crate never imports teloxide or serenity, and adapters never touch the database or the index.

pub mod catalog;
pub mod classify;
pub mod crawl;
pub mod dump;
pub mod emotic;
pub mod emotion;
pub mod eval;
pub mod graph;
pub mod index;
pub mod label;
pub mod lexicon;
pub mod maps;
pub mod recommend;
pub mod snapshot;
pub mod symbols;
pub mod text;
pub mod vision;

pub use catalog::{Catalog, CatalogError, CatalogStats, TrackInfo};
pub use emotion::{Category, Emotion, EmotionScores, MainClass};
pub use recommend::{
    Engine, EngineConfig, RecommendError, Recommendation, RecommendedTrack, StartError,
};
pub use text::{Method, TextAnalyzer};
