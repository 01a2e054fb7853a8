//! Text -> emotion: the DLUT lexicon read through jieba-rs, emoticons and emoji, and the fitted
//! class model on top.
//!
//! Invariant: this room turns text into raw [`EmotionScores`](crate::emotion::EmotionScores) and
//! moods; it never touches the database, the index or a photo. Scores stay unnormalised until the
//! one softmax at the end. Dependencies run one way: `analyzer` -> `classify` -> `features` -> `analysis`, and
//! `analyzer` -> `lexicon`, `symbols`, `script`, `small_talk`, `modifiers` (-> `script`); `features` -> `script`, `clusters`; `fit` (-> `classify`) fits the class models and `eval`
//! measures the analyser from outside.

pub mod analysis;
pub mod analyzer;
pub mod classify;
mod clusters;
pub mod eval;
pub mod features;
pub mod fit;
pub mod lexicon;
mod modifiers;
pub mod script;
pub mod small_talk;
pub mod symbols;

pub use analysis::{Hit, TextAnalysis};
pub use analyzer::{Method, TextAnalyzer, Tuning, TOP_KEYWORDS};
pub use lexicon::{load_lexicon, LexiconError};
pub use script::english_weight;
