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

use std::collections::{BTreeMap, HashMap};

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
}

impl Sample {
    /// Reads a text's analysis and surface.
    pub fn new(analysis: &TextAnalysis, text: &str) -> Sample {
        Sample {
            dense: features::dense(analysis, text),
            grams: features::grams(text),
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
    /// The same weights by key, for lookups without allocation.
    #[serde(skip)]
    table: GramTable,
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
        }
    }
}

/// Sparse weights by key (derived from [`ClassModel::grams`], never stored). The keys are
/// already FNV hashes, so the map uses them as they are instead of hashing them again.
#[derive(Debug, Clone, Default)]
struct GramTable(HashMap<u64, [f32; CLASSES], std::hash::BuildHasherDefault<KeyHasher>>);

/// A hasher for keys that are hashes already: it passes the `u64` through.
#[derive(Debug, Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ *b as u64;
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

impl PartialEq for GramTable {
    fn eq(&self, _: &Self) -> bool {
        true // derived data: models are equal when their stored fields are
    }
}

impl GramTable {
    fn of(grams: &BTreeMap<String, [f32; CLASSES]>) -> GramTable {
        GramTable(grams.iter().map(|(g, w)| (features::key(g), *w)).collect())
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
        m.table = GramTable::of(&m.grams);
        let ok = m.mean.len() == FEATURES
            && m.scale.len() == FEATURES
            && m.bias.len() == CLASSES
            && m.weights.len() == CLASSES
            && m.weights.iter().all(|w| w.len() == FEATURES);
        if !ok {
            return Err(ModelError::Shape { got: m.mean.len() });
        }
        Ok(m)
    }

    /// Output probabilities, in the order of [`label_at`].
    pub fn probabilities(&self, x: &Sample) -> [f32; CLASSES] {
        let mut z = [0.0f32; CLASSES];
        for (k, zk) in z.iter_mut().enumerate() {
            let standardised = x.dense.iter().zip(&self.mean).zip(&self.scale);
            *zk = self.bias[k]
                + self.weights[k]
                    .iter()
                    .zip(standardised)
                    .map(|(w, ((v, m), s))| w * (v - m) / s)
                    .sum::<f32>();
        }
        for g in &x.grams {
            if let Some(w) = self.table.0.get(g) {
                for k in 0..CLASSES {
                    z[k] += w[k] * self.gram_value;
                }
            }
        }
        z[7] -= self.fitted_with.none_bias;
        softmax(&mut z);
        z
    }

    /// The most probable label.
    pub fn predict(&self, x: &Sample) -> Label {
        label_at(argmax(&self.probabilities(x)))
    }

    /// Fits a model to weighted labelled samples by full-batch Adam on the class-weighted
    /// cross-entropy with an L2 penalty (deterministic: same data, same model, on any number of
    /// threads). `name` gives the readable name of a kept sparse key.
    pub fn fit(
        xs: &[Sample],
        ys: &[Label],
        ws: &[f32],
        opts: &FitOptions,
        name: &dyn Fn(u64) -> String,
    ) -> ClassModel {
        let total: f32 = ws.iter().sum::<f32>().max(1e-9);
        let mut mean = vec![0.0f32; FEATURES];
        let mut scale = vec![0.0f32; FEATURES];
        for (x, w) in xs.iter().zip(ws) {
            for (m, v) in mean.iter_mut().zip(&x.dense) {
                *m += w * v / total;
            }
        }
        for (x, w) in xs.iter().zip(ws) {
            for j in 0..FEATURES {
                scale[j] += w * (x.dense[j] - mean[j]).powi(2) / total;
            }
        }
        for s in scale.iter_mut() {
            *s = s.sqrt().max(1e-3);
        }
        let mut df: HashMap<u64, usize> = HashMap::new();
        if opts.min_df > 0 {
            for x in xs {
                for g in &x.grams {
                    *df.entry(*g).or_default() += 1;
                }
            }
        }
        let mut vocab: Vec<u64> = df
            .iter()
            .filter(|(_, c)| **c >= opts.min_df.max(1))
            .map(|(g, _)| *g)
            .collect();
        vocab.sort_unstable();
        let index: HashMap<u64, u32> = vocab
            .iter()
            .enumerate()
            .map(|(i, g)| (*g, (FEATURES + i) as u32))
            .collect();
        let rows: Vec<Row> = xs
            .iter()
            .zip(ys)
            .zip(ws)
            .map(|((x, y), w)| Row {
                dense: std::array::from_fn(|j| (x.dense[j] - mean[j]) / scale[j]),
                sparse: x
                    .grams
                    .iter()
                    .filter_map(|g| index.get(g).copied())
                    .collect(),
                y: label_index(*y),
                w: *w,
            })
            .collect();
        let mut counts = [0.0f32; CLASSES];
        for r in &rows {
            counts[r.y] += r.w;
        }
        let present = counts.iter().filter(|c| **c > 0.0).count().max(1) as f32;
        let class_weight: [f32; CLASSES] =
            std::array::from_fn(|k| (total / (present * counts[k].max(1e-3))).powf(opts.balance));
        let norm: f32 = rows
            .iter()
            .map(|r| r.w * class_weight[r.y])
            .sum::<f32>()
            .max(1e-9);
        let d = FEATURES + vocab.len();
        let params = CLASSES * d + CLASSES;
        let mut theta = vec![0.0f32; params];
        let (mut m1, mut m2) = (vec![0.0f32; params], vec![0.0f32; params]);
        let (rate, beta1, beta2) = (0.05f32, 0.9f32, 0.999f32);
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 8);
        let chunk = rows.len().div_ceil(threads).max(1);
        for step in 1..=opts.steps {
            let parts: Vec<Vec<f32>> = std::thread::scope(|s| {
                let handles: Vec<_> = rows
                    .chunks(chunk)
                    .map(|part| {
                        let theta = &theta;
                        s.spawn(move || {
                            gradient(part, theta, d, opts.gram_value, &class_weight, norm)
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let mut g = vec![0.0f32; params];
            for part in parts {
                for (a, b) in g.iter_mut().zip(part) {
                    *a += b;
                }
            }
            for (gi, t) in g.iter_mut().zip(&theta).take(CLASSES * d) {
                *gi += opts.l2 * t;
            }
            let (c1, c2) = (1.0 - beta1.powi(step as i32), 1.0 - beta2.powi(step as i32));
            for i in 0..params {
                m1[i] = beta1 * m1[i] + (1.0 - beta1) * g[i];
                m2[i] = beta2 * m2[i] + (1.0 - beta2) * g[i] * g[i];
                theta[i] -= rate * (m1[i] / c1) / ((m2[i] / c2).sqrt() + 1e-8);
            }
        }
        let mut grams = BTreeMap::new();
        let mut table = GramTable::default();
        for (i, key) in vocab.iter().enumerate() {
            let ws: [f32; CLASSES] = std::array::from_fn(|k| round4(theta[k * d + FEATURES + i]));
            // A feature whose weights all round to almost nothing says nothing: not stored.
            if ws.iter().any(|w| w.abs() >= 0.01) {
                grams.insert(name(*key), ws);
                table.0.insert(*key, ws);
            }
        }
        ClassModel {
            mean,
            scale,
            weights: (0..CLASSES)
                .map(|k| {
                    theta[k * d..k * d + FEATURES]
                        .iter()
                        .map(|x| round4(*x))
                        .collect()
                })
                .collect(),
            bias: theta[CLASSES * d..].iter().map(|x| round4(*x)).collect(),
            gram_value: opts.gram_value,
            grams,
            table,
            trained_on: TrainingSet {
                n: xs.len(),
                fingerprint: String::new(),
                extra: Vec::new(),
            },
            cross_validated: None,
            fitted_with: *opts,
        }
    }
}

/// One training example with its features standardised and its sparse keys as columns.
struct Row {
    dense: [f32; FEATURES],
    sparse: Vec<u32>,
    y: usize,
    w: f32,
}

/// The loss gradient of some rows (weights, then biases).
fn gradient(
    rows: &[Row],
    theta: &[f32],
    d: usize,
    v: f32,
    class_weight: &[f32; CLASSES],
    norm: f32,
) -> Vec<f32> {
    let mut g = vec![0.0f32; theta.len()];
    for r in rows {
        let mut p: [f32; CLASSES] = std::array::from_fn(|k| {
            let wk = &theta[k * d..(k + 1) * d];
            let mut s = theta[CLASSES * d + k];
            for (j, x) in r.dense.iter().enumerate() {
                s += wk[j] * x;
            }
            for &j in &r.sparse {
                s += wk[j as usize] * v;
            }
            s
        });
        softmax(&mut p);
        let cw = r.w * class_weight[r.y] / norm;
        for (k, pk) in p.iter().enumerate() {
            let e = cw * (pk - if k == r.y { 1.0 } else { 0.0 });
            let gk = &mut g[k * d..(k + 1) * d];
            for (j, x) in r.dense.iter().enumerate() {
                gk[j] += e * x;
            }
            for &j in &r.sparse {
                gk[j as usize] += e * v;
            }
            g[CLASSES * d + k] += e;
        }
    }
    g
}

/// Weights are stored to four decimals: the file stays small and diffable, predictions do not move.
fn round4(x: f32) -> f32 {
    (x * 1e4).round() / 1e4
}

/// K-fold cross-validation over the examples marked `held`: each is predicted by a model fitted
/// without its fold (examples not held, such as extra training files, are in every fit). Folds
/// are a fixed interleaving of the held examples, so the figure is reproducible.
pub fn cross_validate(
    xs: &[Sample],
    ys: &[Label],
    ws: &[f32],
    held: &[bool],
    folds: usize,
    opts: &FitOptions,
) -> Vec<Label> {
    let folds = folds.max(2);
    let mut fold = vec![usize::MAX; xs.len()];
    let mut j = 0;
    for (i, h) in held.iter().enumerate() {
        if *h {
            fold[i] = j % folds;
            j += 1;
        }
    }
    let mut predicted = vec![None; xs.len()];
    for f in 0..folds {
        let train: Vec<usize> = (0..xs.len()).filter(|i| fold[*i] != f).collect();
        let tx: Vec<Sample> = train.iter().map(|i| xs[*i].clone()).collect();
        let ty: Vec<Label> = train.iter().map(|i| ys[*i]).collect();
        let tw: Vec<f32> = train.iter().map(|i| ws[*i]).collect();
        let model = ClassModel::fit(&tx, &ty, &tw, opts, &|k| format!("{k:x}"));
        for i in (0..xs.len()).filter(|i| fold[*i] == f) {
            predicted[i] = model.predict(&xs[i]);
        }
    }
    predicted
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

fn softmax(z: &mut [f32; CLASSES]) {
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

    fn sample(dense_at: Option<(usize, f32)>, text: &str) -> Sample {
        let mut dense = [0.0f32; FEATURES];
        if let Some((j, v)) = dense_at {
            dense[j] = v;
        }
        Sample {
            dense,
            grams: features::grams(text),
        }
    }

    /// Separable classes are learnt, through dense and through sparse features, "no feeling"
    /// included; held-out predictions of cross-validation are right; a model round-trips.
    #[test]
    fn fits_what_is_learnable_and_cross_validates() {
        let (joy, sad) = (Some(MainClass::ALL[0]), Some(MainClass::ALL[3]));
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..240 {
            let label = [joy, sad, None][i % 3];
            let v = match label_index(label) {
                0 => 1.0,
                3 => -1.0,
                _ => 0.0,
            };
            let noise = if i % 4 == 0 { "噪声" } else { "别的" };
            xs.push(sample(Some((30, v)), noise));
            ys.push(label);
        }
        let ws = vec![1.0; xs.len()];
        let held = vec![true; xs.len()];
        let opts = FitOptions::default();
        assert_eq!(cross_validate(&xs, &ys, &ws, &held, 5, &opts), ys);
        let model = ClassModel::fit(&xs, &ys, &ws, &opts, &|k| format!("{k}"));
        let back = ClassModel::from_json(&serde_json::to_string(&model).unwrap()).unwrap();
        assert_eq!(back, model);
        assert!(ClassModel::from_json("{}").is_err());
        // Told apart only by characters.
        let texts = ["哈哈哈", "唉", "明天几点开会"];
        let xs: Vec<Sample> = (0..120).map(|i| sample(None, texts[i % 3])).collect();
        let ys: Vec<Label> = (0..120).map(|i| [joy, sad, None][i % 3]).collect();
        let ws = vec![1.0; xs.len()];
        assert_eq!(cross_validate(&xs, &ys, &ws, &[true; 120], 5, &opts), ys);
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
