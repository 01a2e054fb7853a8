//! The class model: which of the 7 main emotion classes a text expresses, or that it expresses
//! none, by a multinomial logistic regression over [`crate::text::features`].
//!
//! Why a fitted layer: the rules alone cannot weigh their evidence. DLUT has ~28x more 好 words
//! than 怒 words, an emoticon says more than a word, 不开心 is sad although 开心 is joy, and
//! "明天几点开会" carries no feeling at all although nothing in a lexicon says so. A linear layer
//! learns those weights from labelled posts in seconds and costs microseconds per text, so the
//! analyser stays a fast CPU engine. "No feeling" is the eighth class, learnt from posts
//! labelled `none`, not the accident of no lexicon word matching.
//!
//! One model per language ships in `core/data/` (Chinese: CLUE emotion2020 valid plus Weibo
//! posts at a small weight; English: GoEmotions train); `moodtune eval fit` refits them and
//! stores the cross-validated figures beside the weights (never a figure on the rows it fitted).

use std::collections::BTreeMap;

use crate::emotion::MainClass;
use crate::text::analysis::TextAnalysis;
use crate::text::features::{self, FEATURES};

/// Outputs of a model: the 7 main classes in the order of [`MainClass::ALL`], then "no feeling".
pub const CLASSES: usize = 8;

/// A gold or predicted label: a main class, or `None` for a text that carries no feeling.
pub type Label = Option<MainClass>;

/// The output index of a label.
pub fn label_index(label: Label) -> usize {
    label.map(|c| c.index()).unwrap_or(7)
}

/// The label of an output index.
pub fn label_at(index: usize) -> Label {
    MainClass::ALL.get(index).copied()
}

/// One example as the model reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Dense lexicon features ([`features::dense`]).
    pub dense: [f32; FEATURES],
    /// Distinct sparse feature keys ([`features::grams`]).
    pub grams: Vec<u64>,
    /// The labelling the example comes from: 0 for the labelling the model learns; another
    /// number for a training file whose labels follow rules of their own (NLPCC, SMP2020 and
    /// simplifyweibo each cut emotions differently from CLUE). Such an example also lights private
    /// copies of its features and a private bias, which soak up what only its labelling
    /// believes; the copies are never stored, so the model keeps what the labellings share.
    pub domain: u32,
}

impl Sample {
    /// Reads a text's analysis and surface.
    pub fn new(analysis: &TextAnalysis, text: &str) -> Sample {
        Sample {
            dense: features::dense(analysis, text),
            grams: features::grams(text),
            domain: 0,
        }
    }
}

/// A fitted class model: standardised dense features and sparse features, one linear layer, a
/// softmax over [`CLASSES`] outputs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassModel {
    /// Dense feature means (subtracted before the layer).
    pub mean: Vec<f32>,
    /// Dense feature scales (divided by before the layer).
    pub scale: Vec<f32>,
    /// One row of weights per output over the dense features.
    pub weights: Vec<Vec<f32>>,
    /// One bias per output.
    pub bias: Vec<f32>,
    /// Value of a present sparse feature (relative to the standardised dense features).
    pub gram_value: f32,
    /// Weights of each kept sparse feature by name, one per output.
    pub grams: BTreeMap<String, [f32; CLASSES]>,
    /// The same weights arranged for prediction.
    #[serde(skip)]
    pub(crate) fast: Fast,
    /// What the model was fitted on, so an evaluation on those very rows can refuse to score
    /// itself and report the cross-validated figures instead.
    pub trained_on: TrainingSet,
    /// The cross-validated figures measured when it was fitted.
    pub cross_validated: Option<CvFigures>,
    /// The options it was fitted with.
    pub fitted_with: FitOptions,
}

/// The labelled set a model was fitted on.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainingSet {
    /// Examples of the main file (the one cross-validated).
    pub n: usize,
    /// [`fingerprint`] of the main file's examples.
    pub fingerprint: String,
    /// Other files fitted alongside at a weight, never scored: `name:weight:examples`.
    #[serde(default)]
    pub extra: Vec<String>,
}

/// Cross-validated quality of a fit, on the main file's examples.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CvFigures {
    /// Folds.
    pub folds: usize,
    /// Accuracy over all held-out predictions.
    pub accuracy: f64,
    /// Macro-F1 over all held-out predictions.
    pub macro_f1: f64,
    /// `confusion[gold][predicted]` in output order (7: no feeling).
    #[serde(default)]
    pub confusion: Vec<Vec<usize>>,
}

/// How a fit runs.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FitOptions {
    /// L2 penalty on the weights (per unit of example weight).
    pub l2: f32,
    /// Full-batch Adam steps.
    pub steps: usize,
    /// Class weights are `(n / (k n_c))^balance`: 0 fits for accuracy, 1 for balanced classes
    /// (macro-F1 counts the rare classes, fear and surprise, as much as sadness).
    pub balance: f32,
    /// Keep sparse features found in at least this many training posts; 0 switches them off.
    pub min_df: usize,
    /// Value of a present sparse feature.
    pub gram_value: f32,
    /// Subtracted from the "no feeling" logit when predicting: how sure the model must be before
    /// it answers "tell me how you feel" instead of a mood (training posts labelled `none` are
    /// often milder posts, where a chat user would still want songs).
    #[serde(default)]
    pub none_bias: f32,
    /// With no emotion word, emoticon or emoji in a text, "no feeling" wins when its probability
    /// is at least this share of the strongest class's: a plain fact ("明天几点开会") spreads the
    /// classes thin, while a situation that carries a feeling ("刚分手") has a clear winner.
    #[serde(default = "default_none_without_words")]
    pub none_without_words: f32,
    /// Smoothing of the naive-Bayes log-count ratios that scale each sparse feature per class
    /// during the fit (0: no scaling). Why: a few thousand posts leave most n-grams seen a
    /// handful of times; the ratios let what a feature says about a class by counting speak
    /// before the gradient has evidence (NBSVM, Wang & Manning 2012).
    #[serde(default)]
    pub nb: f32,
}

fn default_none_without_words() -> f32 {
    0.6
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            l2: 1e-3,
            steps: 200,
            balance: 0.4,
            min_df: 3,
            gram_value: 0.3,
            none_bias: 0.0,
            none_without_words: default_none_without_words(),
            nb: 0.0,
        }
    }
}

/// The weights arranged for prediction (derived from the stored fields, never stored): the
/// standardisation folded into the dense weights and the bias, the sparse weights already
/// multiplied by [`ClassModel::gram_value`] and kept by key. The keys are FNV hashes already,
/// so the map uses them as they are instead of hashing them again.
#[derive(Debug, Clone)]
pub(crate) struct Fast {
    dense: [[f32; FEATURES]; CLASSES],
    bias: [f32; CLASSES],
    grams: features::KeyMap<[f32; CLASSES]>,
}

impl Default for Fast {
    fn default() -> Self {
        Fast {
            dense: [[0.0; FEATURES]; CLASSES],
            bias: [0.0; CLASSES],
            grams: features::KeyMap::default(),
        }
    }
}

impl PartialEq for Fast {
    fn eq(&self, _: &Self) -> bool {
        true // derived data: models are equal when their stored fields are
    }
}

impl Fast {
    /// Arranges a model's weights, its sparse ones by the keys of their names; `None` when its
    /// shapes do not match this build.
    fn of(m: &ClassModel) -> Option<Fast> {
        let keyed = m.grams.iter().map(|(g, w)| (features::key(g), *w));
        Fast::keyed(m, keyed)
    }

    /// Arranges a model's weights with its sparse weights by key (a fit knows the keys, whatever
    /// it names them).
    pub(crate) fn keyed(
        m: &ClassModel,
        grams: impl Iterator<Item = (u64, [f32; CLASSES])>,
    ) -> Option<Fast> {
        let shaped = m.mean.len() == FEATURES
            && m.scale.len() == FEATURES
            && m.bias.len() == CLASSES
            && m.weights.len() == CLASSES
            && m.weights.iter().all(|w| w.len() == FEATURES);
        if !shaped {
            return None;
        }
        let mut fast = Fast::default();
        for k in 0..CLASSES {
            fast.bias[k] = m.bias[k];
            for j in 0..FEATURES {
                fast.dense[k][j] = m.weights[k][j] / m.scale[j];
                fast.bias[k] -= m.weights[k][j] * m.mean[j] / m.scale[j];
            }
        }
        fast.bias[7] -= m.fitted_with.none_bias;
        fast.grams = grams
            .map(|(k, w)| (k, w.map(|x| x * m.gram_value)))
            .collect();
        Some(fast)
    }
}

/// Why a model file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not the JSON of a [`ClassModel`].
    #[error("class model is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Sizes that do not match this build.
    #[error("class model has {got} dense features, this build computes {FEATURES}")]
    Shape {
        /// Features in the file.
        got: usize,
    },
}

const EMBEDDED_ZH: &str = include_str!("../../data/class_model_zh.json");
const EMBEDDED_EN: &str = include_str!("../../data/class_model_en.json");

/// The language a shipped model reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelLang {
    /// Chinese posts (Weibo and chat).
    Zh,
    /// English comments and chat.
    En,
}

impl ClassModel {
    /// The model shipped with this build for `lang`.
    pub fn embedded(lang: ModelLang) -> &'static ClassModel {
        static ZH: std::sync::OnceLock<ClassModel> = std::sync::OnceLock::new();
        static EN: std::sync::OnceLock<ClassModel> = std::sync::OnceLock::new();
        let (cell, text) = match lang {
            ModelLang::Zh => (&ZH, EMBEDDED_ZH),
            ModelLang::En => (&EN, EMBEDDED_EN),
        };
        cell.get_or_init(|| {
            ClassModel::from_json(text).expect("the embedded class model matches this build")
        })
    }

    /// Parses and checks a model file.
    pub fn from_json(text: &str) -> Result<ClassModel, ModelError> {
        let mut m: ClassModel = serde_json::from_str(text)?;
        m.fast = Fast::of(&m).ok_or(ModelError::Shape { got: m.mean.len() })?;
        Ok(m)
    }

    /// Output probabilities, in the order of [`label_at`].
    pub fn probabilities(&self, x: &Sample) -> [f32; CLASSES] {
        let fast = &self.fast;
        let mut z = fast.bias;
        for (zk, w) in z.iter_mut().zip(&fast.dense) {
            *zk += w.iter().zip(&x.dense).map(|(w, v)| w * v).sum::<f32>();
        }
        for g in &x.grams {
            if let Some(w) = fast.grams.get(g) {
                for k in 0..CLASSES {
                    z[k] += w[k];
                }
            }
        }
        softmax(&mut z);
        z
    }

    /// The most probable label.
    pub fn predict(&self, x: &Sample) -> Label {
        label_at(argmax(&self.probabilities(x)))
    }
}

/// An order-independent fingerprint of labelled texts (FNV-1a over the sorted lines).
pub fn fingerprint<'a>(examples: impl Iterator<Item = (&'a str, Label)>) -> String {
    let mut lines: Vec<String> = examples
        .map(|(text, label)| format!("{}\t{}", label.map(|c| c.en()).unwrap_or("none"), text))
        .collect();
    lines.sort();
    let mut h: u64 = 0xcbf29ce484222325;
    for l in &lines {
        for b in l.bytes().chain(std::iter::once(b'\n')) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{:016x}-{}", h, lines.len())
}

/// Turns logits into probabilities in place.
pub(crate) fn softmax(z: &mut [f32; CLASSES]) {
    let max = z.iter().cloned().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
}

/// The index of the largest value (the first on ties).
pub fn argmax(p: &[f32; CLASSES]) -> usize {
    let mut best = 0;
    for k in 1..CLASSES {
        if p[k] > p[best] {
            best = k;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The arrangement for prediction gives the probabilities of the stored weights as they
    /// read: standardised dense features, sparse weights times their value, the "no feeling"
    /// bias.
    #[test]
    fn fast_prediction_is_the_stored_model() {
        let analyzer = crate::text::TextAnalyzer::new(
            crate::text::lexicon::Lexicon::embedded().0,
            crate::text::Method::default(),
        );
        let m = ClassModel::embedded(ModelLang::Zh);
        for text in [
            "不开心",
            "今天升职加薪了，太开心了",
            "明天几点开会",
            "so happy 哈哈",
        ] {
            let x = Sample::new(&analyzer.analyze(text), text);
            let mut z: [f32; CLASSES] = std::array::from_fn(|k| {
                let dense = (0..FEATURES)
                    .map(|j| m.weights[k][j] * (x.dense[j] - m.mean[j]) / m.scale[j])
                    .sum::<f32>();
                let sparse = features::named_grams(text)
                    .iter()
                    .filter_map(|(_, name)| m.grams.get(name))
                    .map(|w| w[k] * m.gram_value)
                    .sum::<f32>();
                m.bias[k] + dense + sparse
            });
            z[7] -= m.fitted_with.none_bias;
            softmax(&mut z);
            let fast = m.probabilities(&x);
            for k in 0..CLASSES {
                assert!((fast[k] - z[k]).abs() < 1e-4, "{text}: {fast:?} vs {z:?}");
            }
        }
    }

    #[test]
    fn the_embedded_models_load_with_their_figures() {
        for lang in [ModelLang::Zh, ModelLang::En] {
            let m = ClassModel::embedded(lang);
            assert!(m.trained_on.n > 1000);
            assert!(m.cross_validated.is_some());
            assert!(m.grams.len() > 1000);
        }
    }

    #[test]
    fn fingerprints_ignore_order() {
        let a = [("开心", Some(MainClass::ALL[0])), ("难过", None)];
        let b = [a[1], a[0]];
        assert_eq!(fingerprint(a.into_iter()), fingerprint(b.into_iter()));
        assert_ne!(fingerprint(a.into_iter()), fingerprint([a[0]].into_iter()));
    }
}
