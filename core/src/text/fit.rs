//! Fitting the class model: full-batch Adam on the class-weighted cross-entropy, and the
//! cross-validation that measures a fit on rows it did not see.
//!
//! Why apart from [`crate::text::classify`]: the bot only predicts; fitting is what `moodtune
//! eval fit` does, with its own arrangements (columns for kept sparse keys, private copies of
//! the features of a training file that labels by rules of its own).

use std::collections::{BTreeMap, HashMap};

use crate::text::classify::{
    label_index, softmax, ClassModel, Fast, FitOptions, Label, Sample, TrainingSet, CLASSES,
};
use crate::text::features::FEATURES;

/// The sparse keys a fit reads of a sample: the shared ones, and for a labelling of its own
/// ([`Sample::domain`]) their private copies and its bias.
fn fit_keys(x: &Sample) -> Vec<u64> {
    if x.domain == 0 {
        return x.grams.clone();
    }
    let private = x.grams.iter().map(|g| private_key(*g, x.domain));
    let bias = private_key(BIAS_KEY, x.domain);
    let mut keys: Vec<u64> = x.grams.iter().copied().chain(private).collect();
    keys.push(bias);
    keys
}

/// The key whose private copy is a labelling's own bias.
const BIAS_KEY: u64 = 0x6269_6173;

/// A sparse key's private copy for one labelling (64-bit mixing: no collision with a shared key
/// in practice, and a collision would only share a weight during the fit).
fn private_key(key: u64, domain: u32) -> u64 {
    let mut h = key ^ (domain as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h = (h ^ (h >> 31)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 29)
}

impl ClassModel {
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
        let keys: Vec<Vec<u64>> = xs.iter().map(fit_keys).collect();
        let private: std::collections::HashSet<u64> = xs
            .iter()
            .zip(&keys)
            .filter(|(x, _)| x.domain != 0)
            .flat_map(|(x, k)| k[x.grams.len()..].iter().copied())
            .collect();
        let mut df: HashMap<u64, usize> = HashMap::new();
        if opts.min_df > 0 {
            for k in &keys {
                for g in k {
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
            .zip(&keys)
            .zip(ys)
            .zip(ws)
            .map(|(((x, k), y), w)| Row {
                dense: std::array::from_fn(|j| (x.dense[j] - mean[j]) / scale[j]),
                sparse: k.iter().filter_map(|g| index.get(g).copied()).collect(),
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
        let nb = nb_scale(&rows, d, opts.nb);
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
                        let (theta, nb) = (&theta, &nb);
                        s.spawn(move || {
                            let v = opts.gram_value;
                            gradient(part, theta, d, v, nb, &class_weight, norm)
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
        let mut keyed = Vec::new();
        for (i, key) in vocab.iter().enumerate() {
            if private.contains(key) {
                continue; // what only one labelling believes stays out of the model
            }
            let ws: [f32; CLASSES] = std::array::from_fn(|k| {
                let j = k * d + FEATURES + i;
                round4(theta[j] * nb.get(j).copied().unwrap_or(1.0))
            });
            // A feature whose weights all round to almost nothing says nothing: not stored.
            if ws.iter().any(|w| w.abs() >= 0.01) {
                grams.insert(name(*key), ws);
                keyed.push((*key, ws));
            }
        }
        let mut model = ClassModel {
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
            fast: Fast::default(),
            trained_on: TrainingSet {
                n: xs.len(),
                fingerprint: String::new(),
                extra: Vec::new(),
            },
            cross_validated: None,
            fitted_with: *opts,
        };
        model.fast = Fast::keyed(&model, keyed.into_iter()).expect("a fit has this build's shapes");
        model
    }
}

/// One training example with its features standardised and its sparse keys as columns.
struct Row {
    dense: [f32; FEATURES],
    sparse: Vec<u32>,
    y: usize,
    w: f32,
}

/// Per class and column, the factor a sparse feature's fitted weight is multiplied by: the
/// magnitude of its smoothed naive-Bayes log-count ratio for the class (one against the rest),
/// or nothing at all (an empty vector) when `alpha` is 0. Dense columns keep a factor of 1.
fn nb_scale(rows: &[Row], d: usize, alpha: f32) -> Vec<f32> {
    if alpha <= 0.0 {
        return Vec::new();
    }
    let mut count = vec![0.0f32; CLASSES * d];
    let mut all = vec![0.0f32; d];
    let mut total = [0.0f32; CLASSES];
    for r in rows {
        for &j in &r.sparse {
            count[r.y * d + j as usize] += r.w;
            all[j as usize] += r.w;
        }
        total[r.y] += r.w * r.sparse.len() as f32;
    }
    let columns = (d - FEATURES) as f32;
    let sum: f32 = total.iter().sum();
    let mut scale = vec![1.0f32; CLASSES * d];
    for k in 0..CLASSES {
        let (own, rest) = (alpha * columns + total[k], alpha * columns + sum - total[k]);
        for j in FEATURES..d {
            let c = count[k * d + j];
            let r = ((alpha + c) / own).ln() - ((alpha + all[j] - c) / rest).ln();
            scale[k * d + j] = r.abs();
        }
    }
    scale
}

/// The loss gradient of some rows (weights, then biases); `nb` scales sparse columns per class
/// (see [`nb_scale`]; empty for none).
fn gradient(
    rows: &[Row],
    theta: &[f32],
    d: usize,
    v: f32,
    nb: &[f32],
    class_weight: &[f32; CLASSES],
    norm: f32,
) -> Vec<f32> {
    let mut g = vec![0.0f32; theta.len()];
    let ones = vec![1.0f32; d];
    let factor = |k: usize| {
        if nb.is_empty() {
            &ones[..]
        } else {
            &nb[k * d..(k + 1) * d]
        }
    };
    for r in rows {
        let mut p: [f32; CLASSES] = std::array::from_fn(|k| {
            let wk = &theta[k * d..(k + 1) * d];
            let fk = factor(k);
            let mut s = theta[CLASSES * d + k];
            for (j, x) in r.dense.iter().enumerate() {
                s += wk[j] * x;
            }
            for &j in &r.sparse {
                s += wk[j as usize] * fk[j as usize] * v;
            }
            s
        });
        softmax(&mut p);
        let cw = r.w * class_weight[r.y] / norm;
        for (k, pk) in p.iter().enumerate() {
            let e = cw * (pk - if k == r.y { 1.0 } else { 0.0 });
            let gk = &mut g[k * d..(k + 1) * d];
            let fk = factor(k);
            for (j, x) in r.dense.iter().enumerate() {
                gk[j] += e * x;
            }
            for &j in &r.sparse {
                gk[j as usize] += e * fk[j as usize] * v;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emotion::MainClass;
    use crate::text::features;

    fn sample(dense_at: Option<(usize, f32)>, text: &str) -> Sample {
        let mut dense = [0.0f32; FEATURES];
        if let Some((j, v)) = dense_at {
            dense[j] = v;
        }
        Sample {
            dense,
            grams: features::grams(text),
            domain: 0,
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
        // The same with naive-Bayes scaling of the characters.
        let nb = FitOptions { nb: 0.3, ..opts };
        assert_eq!(cross_validate(&xs, &ys, &ws, &[true; 120], 5, &nb), ys);
    }

    /// A character seen with one class only is scaled up for that class against one seen with
    /// every class; no scaling at all when switched off.
    #[test]
    fn naive_bayes_scaling_favours_telling_features() {
        let rows: Vec<Row> = (0..90)
            .map(|i| Row {
                dense: [0.0; FEATURES],
                // Column FEATURES: only in class 0; FEATURES + 1: in every row.
                sparse: if i % 3 == 0 {
                    vec![FEATURES as u32, FEATURES as u32 + 1]
                } else {
                    vec![FEATURES as u32 + 1]
                },
                y: i % 3,
                w: 1.0,
            })
            .collect();
        let d = FEATURES + 2;
        let scale = nb_scale(&rows, d, 0.3);
        assert!(scale[FEATURES] > 2.0 * scale[FEATURES + 1], "{scale:?}");
        assert!(scale[d + FEATURES] > scale[d + FEATURES + 1]); // against class 1 too
        assert_eq!(scale[0], 1.0); // dense columns are left alone
        assert!(nb_scale(&rows, d, 0.0).is_empty());
    }

    /// A training file that labels by rules of its own (here: everything sad) moves the shared
    /// weights less when it is fitted as its own labelling, and none of its private copies is
    /// stored.
    #[test]
    fn a_labelling_of_its_own_is_kept_apart() {
        let (joy, sad) = (Some(MainClass::ALL[0]), Some(MainClass::ALL[3]));
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..80 {
            xs.push(sample(None, ["甲", "乙"][i % 2]));
            ys.push([joy, sad][i % 2]);
        }
        for i in 0..240 {
            xs.push(sample(None, ["甲", "乙"][i % 2]));
            ys.push(sad);
        }
        let ws = vec![1.0; xs.len()];
        let opts = FitOptions {
            min_df: 1,
            ..FitOptions::default()
        };
        let names: HashMap<u64, String> = features::named_grams("甲乙").into_iter().collect();
        let name = |k: u64| names.get(&k).cloned().unwrap_or_else(|| format!("{k:x}"));
        let joy_of = |m: &ClassModel| m.probabilities(&sample(None, "甲"))[0];
        let shared = ClassModel::fit(&xs, &ys, &ws, &opts, &name);
        for x in xs.iter_mut().skip(80) {
            x.domain = 1;
        }
        let apart = ClassModel::fit(&xs, &ys, &ws, &opts, &name);
        assert!(joy_of(&shared) < 0.5, "{}", joy_of(&shared));
        assert!(joy_of(&apart) > 0.5, "{}", joy_of(&apart));
        assert!(apart.grams.keys().all(|g| names.values().any(|n| n == g)));
    }
}
