//! Text -> emotion scores, with the DLUT lexicon and jieba-rs TF-IDF keywords.
//!
//! [`Method::Seed`] reproduces the seed's algorithm exactly: the top 20 TF-IDF keywords with their
//! weights; each lexicon entry of a keyword adds `intensity x weight` to its category (auxiliary
//! categories count too). Scores stay raw (unnormalised) so that callers can sum several texts
//! and apply the one softmax at the end.

use jieba_rs::{Jieba, KeywordExtract, KeywordExtractConfig, TfIdf};

use crate::emotion::{Emotion, EmotionScores};
use crate::lexicon::Lexicon;

/// Number of TF-IDF keywords kept per text (the seed's `extract_tags` default).
pub const TOP_KEYWORDS: usize = 20;

/// Which text-analysis algorithm to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// The seed's algorithm, kept as the reference to beat.
    #[default]
    Seed,
}

impl Method {
    /// Parses `seed`.
    pub fn parse(s: &str) -> Option<Method> {
        match s.trim().to_ascii_lowercase().as_str() {
            "seed" => Some(Method::Seed),
            _ => None,
        }
    }
}

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
}

/// The text analyser: jieba segmentation, TF-IDF keywords and a lexicon. Build once, share.
pub struct TextAnalyzer {
    jieba: Jieba,
    tfidf: TfIdf,
    lexicon: Lexicon,
    method: Method,
}

impl std::fmt::Debug for TextAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextAnalyzer")
            .field("lexicon_words", &self.lexicon.len())
            .field("method", &self.method)
            .finish()
    }
}

impl TextAnalyzer {
    /// Builds an analyser over `lexicon` (loading jieba's dictionary takes ~100 ms: do it once).
    pub fn new(lexicon: Lexicon, method: Method) -> TextAnalyzer {
        // Python jieba's extract_tags segments with the HMM on; keep that for fidelity to the seed.
        let config = KeywordExtractConfig::builder().use_hmm(true).build();
        let mut tfidf = TfIdf::default();
        *tfidf.config_mut() = config;
        TextAnalyzer {
            jieba: Jieba::new(),
            tfidf,
            lexicon,
            method,
        }
    }

    /// The method this analyser runs.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The same analyser with another method (shares nothing mutable; cheap enough for the CLI).
    pub fn with_method(mut self, method: Method) -> TextAnalyzer {
        self.method = method;
        self
    }

    /// The lexicon in use.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Raw emotion scores of `text` and the words behind them.
    pub fn analyze(&self, text: &str) -> TextAnalysis {
        match self.method {
            Method::Seed => self.seed(text),
        }
    }

    /// Raw emotion scores of `text`.
    pub fn scores(&self, text: &str) -> EmotionScores {
        self.analyze(text).scores
    }

    /// The finished emotion of a single text, or `None` when no emotion was found.
    pub fn emotion(&self, text: &str) -> Option<Emotion> {
        self.scores(text).finish()
    }

    fn seed(&self, text: &str) -> TextAnalysis {
        let mut out = TextAnalysis::default();
        let keywords = self
            .tfidf
            .extract_keywords(&self.jieba, text, TOP_KEYWORDS, Vec::new());
        for kw in keywords {
            let entries = self.lexicon.lookup(&kw.keyword);
            if entries.is_empty() {
                continue;
            }
            let weight = kw.weight as f32;
            for e in entries {
                out.scores.add(e.category, e.intensity * weight);
            }
            out.hits.push(Hit {
                word: kw.keyword,
                weight,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emotion::{Category, MainClass};
    use std::sync::LazyLock;

    static ANALYZER: LazyLock<TextAnalyzer> =
        LazyLock::new(|| TextAnalyzer::new(Lexicon::embedded().0, Method::Seed));

    #[test]
    fn seed_method_reads_plain_moods() {
        // (text, expected main class of the result)
        let table = [
            ("下雨天一个人，有点难过", MainClass::Sadness),
            ("今天真开心，快乐极了", MainClass::Joy),
            ("我非常害怕，太恐惧了", MainClass::Fear),
            ("气愤！简直大发雷霆", MainClass::Anger),
        ];
        for (text, class) in table {
            let e = ANALYZER
                .emotion(text)
                .unwrap_or_else(|| panic!("no emotion: {text}"));
            assert_eq!(e.main_class(), class, "{text}: {:?}", e.top(3, 0.0));
        }
    }

    #[test]
    fn no_emotion_is_reported_not_invented() {
        for text in ["", "   ", "😀😀😀", "1234 5678", "the cat sat on the mat"] {
            assert!(ANALYZER.emotion(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn auxiliary_category_counts_too() {
        // 寂寞 is NB with auxiliary NE in DLUT.
        let s = ANALYZER.scores("寂寞");
        assert!(s.0[Category::NB.index()] > 0.0);
        assert!(s.0[Category::NE.index()] > 0.0);
    }

    #[test]
    fn scores_are_raw_and_additive() {
        let one = ANALYZER.scores("伤心");
        assert!(
            one.total() > 1.0,
            "raw scores are not normalised: {}",
            one.total()
        );
    }
}
