//! The class model: which of the 7 main emotion classes a text expresses, from the lexicon
//! analysis of [`crate::text`] plus a few surface cues, by a multinomial logistic regression.
//!
//! Why a fitted layer: the rules alone cannot weigh their evidence. DLUT has ~28x more 好 words
//! than 怒 words, an emoticon says more than a word, a post with no emotion word is still most
//! often sad on Weibo, "!" leans to anger and joy. A linear layer over ~40 features learns those
//! weights from labelled posts in milliseconds and costs nanoseconds per text, so the analyser
//! stays a fast CPU engine. The weights ship in `core/data/class_model.json`; `moodtune eval fit`
//! refits them and reports the cross-validated accuracy (never a figure on the rows it fitted).

use crate::emotion::{Category, MainClass, DIM};
use crate::text::analysis::TextAnalysis;

/// Number of features per text.
pub const FEATURES: usize = DIM + 7 + 7 + 7;

/// The feature vector of a text: what the lexicon found (per category and per main class), what
/// the emoticons said, and surface cues. Every feature is bounded (log-scaled counts).
pub fn features(analysis: &TextAnalysis, text: &str) -> [f32; FEATURES] {
    let mut f = [0.0f32; FEATURES];
    let scores = &analysis.scores;
    for c in Category::ALL {
        f[c.index()] = scores.0[c.index()].max(0.0).ln_1p();
    }
    let mut i = DIM;
    if let Some(e) = scores.finish() {
        let shares = e.main_class_shares();
        f[i..i + 7].copy_from_slice(&shares);
    }
    i += 7;
    let symbols = analysis.symbols.main_class_totals();
    for (k, v) in symbols.iter().enumerate() {
        f[i + k] = v.ln_1p();
    }
    i += 7;
    let count = |pred: &dyn Fn(char) -> bool| text.chars().filter(|c| pred(*c)).count() as f32;
    let chars = text.chars().count() as f32;
    f[i] = if scores.is_empty() { 1.0 } else { 0.0 };
    f[i + 1] = scores.total().ln_1p();
    f[i + 2] = count(&|c| c == '!' || c == '！').ln_1p();
    f[i + 3] = count(&|c| c == '?' || c == '？').ln_1p();
    f[i + 4] = chars.ln_1p() / 5.0;
    f[i + 5] = (analysis.hits.iter().filter(|h| h.weight < 0.5).count() as f32).ln_1p();
    f[i + 6] = (analysis.hits.len() as f32).ln_1p();
    f
}

/// Main classes in the order of [`MainClass::ALL`].
pub fn class_of(index: usize) -> MainClass {
    MainClass::ALL[index]
}

/// A fitted class model: standardised lexicon features and the character uni- and bigrams of the
/// text, one linear layer, a softmax over 7 classes.
///
/// The n-grams carry what no lexicon lists (Weibo's 呵呵 is rarely joy; 居然 is surprise; 怕 is
/// fear whatever follows it); they are the characters of the text itself, lower-cased, each
/// counted once. Only n-grams seen in at least `min_df` training posts are kept.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassModel {
    /// Feature means (subtracted before the layer).
    pub mean: Vec<f32>,
    /// Feature scales (divided by before the layer).
    pub scale: Vec<f32>,
    /// One row of weights per main class over the lexicon features.
    pub weights: Vec<Vec<f32>>,
    /// One bias per main class.
    pub bias: Vec<f32>,
    /// Value of a present n-gram (relative to the standardised lexicon features).
    pub ngram_value: f32,
    /// Weights of each kept n-gram, one per main class.
    pub ngrams: std::collections::BTreeMap<String, [f32; 7]>,
    /// The same weights keyed by [`ngrams`]' numeric keys, for lookups without allocation.
    #[serde(skip)]
    table: NgramTable,
    /// What the model was fitted on, so an evaluation on those very rows can refuse to score
    /// itself and cross-validate instead.
    pub trained_on: TrainingSet,
    /// The cross-validated figures measured when it was fitted.
    pub cross_validated: Option<CvFigures>,
    /// The options it was fitted with.
    pub fitted_with: FitOptions,
}

/// The labelled set a model was fitted on.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainingSet {
    /// Examples.
    pub n: usize,
    /// [`fingerprint`] of the examples.
    pub fingerprint: String,
}

/// Cross-validated quality of a fit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CvFigures {
    /// Folds.
    pub folds: usize,
    /// Accuracy over all held-out predictions.
    pub accuracy: f64,
    /// Macro-F1 over all held-out predictions.
    pub macro_f1: f64,
}

/// How a fit runs.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FitOptions {
    /// L2 penalty on the weights (per example).
    pub l2: f32,
    /// Full-batch Adam steps.
    pub steps: usize,
    /// Class weights are `(n / (7 n_c))^balance`: 0 fits for accuracy, 1 for balanced classes
    /// (macro-F1 counts the rare classes, fear and surprise, as much as sadness).
    pub balance: f32,
    /// Keep n-grams found in at least this many training posts; 0 switches n-grams off.
    pub min_df: usize,
    /// Value of a present n-gram.
    pub ngram_value: f32,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            l2: 3e-3,
            steps: 300,
            balance: 0.4,
            min_df: 5,
            ngram_value: 0.3,
        }
    }
}

/// N-gram weights by numeric key (derived from [`ClassModel::ngrams`], never stored).
#[derive(Debug, Clone, Default)]
struct NgramTable(std::collections::HashMap<u64, [f32; 7]>);

impl PartialEq for NgramTable {
    fn eq(&self, _: &Self) -> bool {
        true // derived data: models are equal when their stored fields are
    }
}

impl NgramTable {
    fn of(ngrams: &std::collections::BTreeMap<String, [f32; 7]>) -> NgramTable {
        NgramTable(
            ngrams
                .iter()
                .filter_map(|(g, w)| Some((text_key(g)?, *w)))
                .collect(),
        )
    }
}

/// One example as the model reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Lexicon features ([`features`]).
    pub dense: [f32; FEATURES],
    /// Distinct character uni- and bigrams as numeric keys ([`ngrams`]).
    pub ngrams: Vec<u64>,
}

impl Sample {
    /// Reads a text's analysis and characters.
    pub fn new(analysis: &TextAnalysis, text: &str) -> Sample {
        Sample {
            dense: features(analysis, text),
            ngrams: ngrams(text),
        }
    }
}

/// Longest text whose n-grams are read (a chat message is far shorter; this bounds the work).
const MAX_NGRAM_CHARS: usize = 2_000;

/// Distinct character unigrams and bigrams of a text, lower-cased, whitespace runs as one space,
/// as exact numeric keys (a unigram is its code point; a bigram `(first + 1) << 21 | second`, so
/// the two never collide and no string is allocated per n-gram).
pub fn ngrams(text: &str) -> Vec<u64> {
    let mut chars: Vec<char> = Vec::new();
    for c in text.chars().take(MAX_NGRAM_CHARS) {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c == ' ' && chars.last() == Some(&' ') {
            continue;
        }
        chars.extend(c.to_lowercase());
    }
    let mut out: Vec<u64> = chars
        .iter()
        .filter(|c| **c != ' ')
        .map(|c| *c as u64)
        .chain(
            chars
                .windows(2)
                .map(|w| ((w[0] as u64 + 1) << 21) | w[1] as u64),
        )
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The text of an n-gram key.
pub fn key_text(key: u64) -> String {
    let char_of = |v: u64| char::from_u32(v as u32).unwrap_or('\u{fffd}');
    if key < 1 << 21 {
        char_of(key).to_string()
    } else {
        [char_of((key >> 21) - 1), char_of(key & ((1 << 21) - 1))]
            .iter()
            .collect()
    }
}

/// The key of an n-gram's text (one or two characters).
pub fn text_key(text: &str) -> Option<u64> {
    let mut chars = text.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some(a), None, None) => Some(a as u64),
        (Some(a), Some(b), None) => Some(((a as u64 + 1) << 21) | b as u64),
        _ => None,
    }
}

/// The shipped model (fitted by `moodtune eval fit` on the CLUE emotion2020 valid split).
const EMBEDDED: &str = include_str!("../../data/class_model.json");

/// Why a model file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not the JSON of a [`ClassModel`].
    #[error("class model is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Sizes that do not match [`FEATURES`].
    #[error("class model has {got} features, this build computes {FEATURES}")]
    Shape {
        /// Features in the file.
        got: usize,
    },
}

impl ClassModel {
    /// The model shipped with this build.
    pub fn embedded() -> &'static ClassModel {
        static MODEL: std::sync::OnceLock<ClassModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| {
            ClassModel::from_json(EMBEDDED).expect("the embedded class model matches this build")
        })
    }

    /// Parses and checks a model file.
    pub fn from_json(text: &str) -> Result<ClassModel, ModelError> {
        let mut m: ClassModel = serde_json::from_str(text)?;
        m.table = NgramTable::of(&m.ngrams);
        let ok = m.mean.len() == FEATURES
            && m.scale.len() == FEATURES
            && m.bias.len() == 7
            && m.weights.len() == 7
            && m.weights.iter().all(|w| w.len() == FEATURES);
        if !ok {
            return Err(ModelError::Shape { got: m.mean.len() });
        }
        Ok(m)
    }

    /// Class probabilities, in the order of [`MainClass::ALL`].
    pub fn probabilities(&self, x: &Sample) -> [f32; 7] {
        let mut z = [0.0f32; 7];
        for (k, zk) in z.iter_mut().enumerate() {
            let standardised = x.dense.iter().zip(&self.mean).zip(&self.scale);
            *zk = self.bias[k]
                + self.weights[k]
                    .iter()
                    .zip(standardised)
                    .map(|(w, ((v, m), s))| w * (v - m) / s)
                    .sum::<f32>();
        }
        for g in &x.ngrams {
            if let Some(w) = self.table.0.get(g) {
                for k in 0..7 {
                    z[k] += w[k] * self.ngram_value;
                }
            }
        }
        softmax(&mut z);
        z
    }

    /// The most probable main class.
    pub fn predict(&self, x: &Sample) -> MainClass {
        argmax(&self.probabilities(x))
    }

    /// Fits a model to labelled samples by full-batch Adam on the class-weighted cross-entropy
    /// with an L2 penalty (deterministic: same data, same model).
    pub fn fit(xs: &[Sample], ys: &[MainClass], opts: &FitOptions) -> ClassModel {
        let n = xs.len().max(1);
        let mut mean = vec![0.0f32; FEATURES];
        let mut scale = vec![0.0f32; FEATURES];
        for x in xs {
            for (m, v) in mean.iter_mut().zip(&x.dense) {
                *m += v / n as f32;
            }
        }
        for x in xs {
            for j in 0..FEATURES {
                scale[j] += (x.dense[j] - mean[j]).powi(2) / n as f32;
            }
        }
        for s in scale.iter_mut() {
            *s = s.sqrt().max(1e-3);
        }
        // The n-gram vocabulary: those in at least min_df posts.
        let mut df: std::collections::HashMap<u64, usize> = Default::default();
        if opts.min_df > 0 {
            for x in xs {
                for g in &x.ngrams {
                    *df.entry(*g).or_default() += 1;
                }
            }
        }
        let mut vocab: Vec<u64> = df
            .iter()
            .filter(|(_, c)| **c >= opts.min_df.max(1))
            .map(|(g, _)| *g)
            .collect();
        vocab.sort();
        let index: std::collections::HashMap<u64, usize> =
            vocab.iter().enumerate().map(|(i, g)| (*g, i)).collect();
        // Parameters: dense weights, then n-gram weights, per class; then the biases.
        let d = FEATURES + vocab.len();
        let rows: Vec<(Vec<f32>, Vec<usize>)> = xs
            .iter()
            .map(|x| {
                let dense = (0..FEATURES)
                    .map(|j| (x.dense[j] - mean[j]) / scale[j])
                    .collect();
                let sparse = x
                    .ngrams
                    .iter()
                    .filter_map(|g| index.get(g).map(|i| FEATURES + i))
                    .collect();
                (dense, sparse)
            })
            .collect();
        let mut counts = [0usize; 7];
        for y in ys {
            counts[y.index()] += 1;
        }
        let class_weight: [f32; 7] = std::array::from_fn(|k| {
            (n as f32 / (7.0 * counts[k].max(1) as f32)).powf(opts.balance)
        });
        let total_weight: f32 = ys
            .iter()
            .map(|y| class_weight[y.index()])
            .sum::<f32>()
            .max(1e-9);
        let v = opts.ngram_value;
        let mut w = vec![0.0f32; 7 * d];
        let mut b = [0.0f32; 7];
        let (mut m1, mut m2) = (vec![0.0f32; 7 * d + 7], vec![0.0f32; 7 * d + 7]);
        let (rate, beta1, beta2) = (0.05f32, 0.9f32, 0.999f32);
        for step in 1..=opts.steps {
            let mut g = vec![0.0f32; 7 * d + 7];
            for ((dense, sparse), y) in rows.iter().zip(ys) {
                let mut p: [f32; 7] = std::array::from_fn(|k| {
                    let wk = &w[k * d..(k + 1) * d];
                    let mut s = b[k];
                    for (j, x) in dense.iter().enumerate() {
                        s += wk[j] * x;
                    }
                    for &j in sparse {
                        s += wk[j] * v;
                    }
                    s
                });
                softmax(&mut p);
                let cw = class_weight[y.index()] / total_weight;
                for k in 0..7 {
                    let e = cw * (p[k] - if k == y.index() { 1.0 } else { 0.0 });
                    let gk = &mut g[k * d..(k + 1) * d];
                    for (j, x) in dense.iter().enumerate() {
                        gk[j] += e * x;
                    }
                    for &j in sparse {
                        gk[j] += e * v;
                    }
                    g[7 * d + k] += e;
                }
            }
            for (i, wi) in w.iter().enumerate() {
                g[i] += opts.l2 * wi;
            }
            let (c1, c2) = (1.0 - beta1.powi(step as i32), 1.0 - beta2.powi(step as i32));
            for i in 0..7 * d + 7 {
                m1[i] = beta1 * m1[i] + (1.0 - beta1) * g[i];
                m2[i] = beta2 * m2[i] + (1.0 - beta2) * g[i] * g[i];
                let delta = rate * (m1[i] / c1) / ((m2[i] / c2).sqrt() + 1e-8);
                if i < 7 * d {
                    w[i] -= delta;
                } else {
                    b[i - 7 * d] -= delta;
                }
            }
        }
        let ngrams = vocab
            .iter()
            .enumerate()
            .map(|(i, gram)| {
                let ws: [f32; 7] = std::array::from_fn(|k| round4(w[k * d + FEATURES + i]));
                (key_text(*gram), ws)
            })
            .collect();
        let table = NgramTable::of(&ngrams);
        ClassModel {
            mean,
            scale,
            weights: (0..7)
                .map(|k| {
                    w[k * d..k * d + FEATURES]
                        .iter()
                        .map(|x| round4(*x))
                        .collect()
                })
                .collect(),
            bias: b.iter().map(|x| round4(*x)).collect(),
            ngram_value: v,
            ngrams,
            table,
            trained_on: TrainingSet {
                n: xs.len(),
                fingerprint: String::new(),
            },
            cross_validated: None,
            fitted_with: *opts,
        }
    }
}

/// Weights are stored to four decimals: the file stays small and diffable, predictions do not move.
fn round4(x: f32) -> f32 {
    (x * 1e4).round() / 1e4
}

/// K-fold cross-validation: each example is predicted by a model fitted without its fold.
/// Folds are a fixed interleaving (example i in fold i mod k), so the figure is reproducible.
pub fn cross_validate(
    xs: &[Sample],
    ys: &[MainClass],
    folds: usize,
    opts: &FitOptions,
) -> Vec<MainClass> {
    let folds = folds.max(2);
    let mut predicted = vec![MainClass::ALL[0]; xs.len()];
    for f in 0..folds {
        let (train_x, train_y): (Vec<_>, Vec<_>) = xs
            .iter()
            .zip(ys)
            .enumerate()
            .filter(|(i, _)| i % folds != f)
            .map(|(_, (x, y))| (x.clone(), *y))
            .unzip();
        let model = ClassModel::fit(&train_x, &train_y, opts);
        for (i, x) in xs.iter().enumerate().filter(|(i, _)| i % folds == f) {
            predicted[i] = model.predict(x);
        }
    }
    predicted
}

/// An order-independent fingerprint of labelled texts (FNV-1a over the sorted lines).
pub fn fingerprint<'a>(examples: impl Iterator<Item = (&'a str, MainClass)>) -> String {
    let mut lines: Vec<String> = examples
        .map(|(text, label)| format!("{}\t{}", label.en(), text))
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

fn softmax(z: &mut [f32; 7]) {
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

fn argmax(p: &[f32; 7]) -> MainClass {
    let mut best = 0;
    for k in 1..7 {
        if p[k] > p[best] {
            best = k;
        }
    }
    MainClass::ALL[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two separable classes are learnt; held-out predictions of cross-validation are right.
    #[test]
    fn fits_what_is_learnable_and_cross_validates() {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..200 {
            let mut x = [0.0f32; FEATURES];
            let class = if i % 2 == 0 {
                MainClass::ALL[0]
            } else {
                MainClass::ALL[3]
            };
            x[i % 5] = (i % 7) as f32 * 0.1; // noise
            x[30] = if i % 2 == 0 { 1.0 } else { -1.0 };
            let text = if i % 3 == 0 { "噪声" } else { "别的" };
            xs.push(Sample {
                dense: x,
                ngrams: ngrams(text),
            });
            ys.push(class);
        }
        let predicted = cross_validate(&xs, &ys, 5, &FitOptions::default());
        let right = predicted.iter().zip(&ys).filter(|(p, y)| p == y).count();
        assert_eq!(right, 200);
        let model = ClassModel::fit(&xs, &ys, &FitOptions::default());
        let back = ClassModel::from_json(&serde_json::to_string(&model).unwrap()).unwrap();
        assert_eq!(back, model);
        assert!(ClassModel::from_json("{}").is_err());
        // A class told apart only by a character is learnt through the n-grams.
        let xs: Vec<Sample> = (0..100)
            .map(|i| Sample {
                dense: [0.0; FEATURES],
                ngrams: ngrams(if i % 2 == 0 { "哈哈" } else { "唉" }),
            })
            .collect();
        let ys: Vec<MainClass> = (0..100)
            .map(|i| MainClass::ALL[if i % 2 == 0 { 0 } else { 3 }])
            .collect();
        let predicted = cross_validate(&xs, &ys, 5, &FitOptions::default());
        assert_eq!(predicted, ys);
    }

    #[test]
    fn ngrams_are_distinct_lowercased_characters_and_pairs() {
        let mut texts: Vec<String> = ngrams("Aa  哈哈").into_iter().map(key_text).collect();
        texts.sort();
        assert_eq!(texts, vec![" 哈", "a", "a ", "aa", "哈", "哈哈"]);
        for t in &texts {
            assert_eq!(text_key(t).map(key_text).as_deref(), Some(t.as_str()));
        }
        assert!(ngrams("").is_empty());
        assert_eq!(text_key("abc"), None);
    }

    #[test]
    fn the_embedded_model_loads() {
        let m = ClassModel::embedded();
        assert!(m.trained_on.n > 1000);
        assert!(m.cross_validated.is_some());
    }

    #[test]
    fn fingerprints_ignore_order() {
        let a = [("开心", MainClass::ALL[0]), ("难过", MainClass::ALL[3])];
        let b = [a[1], a[0]];
        assert_eq!(fingerprint(a.into_iter()), fingerprint(b.into_iter()));
        assert_ne!(fingerprint(a.into_iter()), fingerprint([a[0]].into_iter()));
    }
}
