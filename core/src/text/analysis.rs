//! What the lexicon reading of one text found: the type the analyser produces and the class
//! model consumes. It lives in its own file so that the analyser depends on the class model and
//! the class model depends only on this, never on the analyser (no import cycle).

use crate::emotion::EmotionScores;

/// One lexicon hit that contributed to a text's scores, for explanations and debugging.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The word as found.
    pub word: String,
    /// Its TF-IDF weight in the text.
    pub weight: f32,
}

/// Emotion scores of a text plus the words that produced them.
#[derive(Debug, Clone, Default)]
pub struct TextAnalysis {
    /// Raw summed scores (no softmax yet).
    pub scores: EmotionScores,
    /// Lexicon words that contributed.
    pub hits: Vec<Hit>,
    /// The part of `scores` that came from emoticons and emoji (a separate signal for the
    /// class model: a `[泪]` says more about a post than one lexicon word).
    pub symbols: EmotionScores,
    /// What the words read under a negator would have scored without it (不开心: the joy of
    /// 开心). A separate signal: the class model learns what a negated joy means (sorrow, more
    /// often than not), which no fixed rule of the lexicon gets right.
    pub negated: EmotionScores,
}
