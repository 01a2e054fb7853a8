//! Evaluation of the text analyser on labelled posts (CLUE emotion2020 format).
//!
//! Each line is JSON with `content` and `label` (sadness happiness disgust like anger surprise
//! fear, or `none` for a text with no feeling) and optionally `phenomenon` (what the line
//! exercises: negation, slang, english_plain...). The default method predicts with the class
//! models ([`crate::text::classify`]), which may answer "no feeling"; the rules (`--method
//! seed`, `tuned-without-model`) predict the main class with the largest share of the lexicon's
//! emotion, and "no feeling" when no word matched. A post with no mood read counts wrong unless
//! its label is `none`. When the posts are a model's own training file, the figures are the
//! cross-validated ones stored with the model at fit time, never the model scoring itself.

use std::collections::BTreeMap;

use crate::emotion::MainClass;
use crate::text::classify::{
    fingerprint, label_index, ClassModel, CvFigures, FitOptions, Label, Sample, TrainingSet,
    CLASSES,
};
use crate::text::fit::cross_validate;
use crate::text::TextAnalyzer;

/// One labelled example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The post.
    pub content: String,
    /// Its gold label (`None`: no feeling).
    pub label: Label,
    /// What the line exercises, when the file says.
    pub phenomenon: Option<String>,
    /// The corpus the line comes from, when the file says (a training file may mix several,
    /// each with its own way of labelling).
    pub source: Option<String>,
}

/// Why an evaluation file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// No line could be used.
    #[error("no usable examples: {bad} lines were not {{\"content\", \"label\"}} JSON with a known label")]
    NoExamples {
        /// Lines rejected.
        bad: usize,
    },
}

/// Parses JSON lines; returns the examples and the number of unusable lines.
pub fn parse_jsonl(text: &str) -> (Vec<Example>, usize) {
    let mut out = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let parsed: Option<Example> = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| {
                let content = v.get("content")?.as_str()?.to_string();
                let label = match v.get("label")?.as_str()?.trim() {
                    "none" => None,
                    other => Some(MainClass::from_clue_label(other)?),
                };
                let field = |name: &str| v.get(name).and_then(|p| p.as_str()).map(String::from);
                Some(Example {
                    content,
                    label,
                    phenomenon: field("phenomenon"),
                    source: field("source"),
                })
            });
        match parsed {
            Some(e) => out.push(e),
            None => bad += 1,
        }
    }
    (out, bad)
}

/// The texts of a file of posts, unlabelled: one post per non-empty line, or JSON lines whose
/// `"content"` is the post (a line that is not such JSON is taken as the post itself). What the
/// benchmarks read, so that they accept the CLUE files and plain text alike.
pub fn post_texts(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .and_then(|v| v.get("content")?.as_str().map(String::from))
                .unwrap_or_else(|| l.to_string())
        })
        .collect()
}

/// `confusion[gold][predicted]` in output order; row and column 7 are "no feeling".
pub type Confusion = [[usize; CLASSES]; CLASSES];

/// Accuracy, macro-F1, coverage and the confusion matrix of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    /// Examples evaluated.
    pub n: usize,
    /// Share predicted correctly.
    pub accuracy: f64,
    /// Mean F1 over the 7 classes, and over "no feeling" too when some gold label is `none`.
    pub macro_f1: f64,
    /// Share of examples that got a mood (the rest would read "I couldn't read a mood").
    pub coverage: f64,
    /// The confusion matrix.
    pub confusion: Confusion,
    /// How the predictions were made.
    pub scoring: Scoring,
    /// Accuracy per group (`phenomenon=...`, `lang=...`): (group, right, n).
    pub groups: Vec<(String, usize, usize)>,
}

const NAMES: [&str; CLASSES] = [
    "joy", "fondness", "anger", "sorrow", "fear", "disgust", "surprise", "none",
];

impl EvalReport {
    /// The one summary line `moodtune eval text` ends with.
    pub fn summary_line(&self) -> String {
        format!(
            "accuracy={:.4} macro_f1={:.4} coverage={:.4} n={}",
            self.accuracy, self.macro_f1, self.coverage, self.n
        )
    }

    /// One accuracy line per phenomenon and per language (empty for a plain file).
    pub fn group_lines(&self) -> String {
        self.groups
            .iter()
            .map(|(g, right, n)| {
                format!(
                    "{g} accuracy={:.4} n={n}\n",
                    *right as f64 / (*n).max(1) as f64
                )
            })
            .collect()
    }

    /// The confusion matrix as an aligned text table (rows gold, columns predicted).
    pub fn confusion_table(&self) -> String {
        let mut s = String::from("gold\\pred");
        for name in NAMES {
            s.push_str(&format!("{name:>9}"));
        }
        s.push('\n');
        for (g, row) in self.confusion.iter().enumerate() {
            s.push_str(&format!("{:<9}", NAMES[g]));
            for v in row {
                s.push_str(&format!("{v:>9}"));
            }
            s.push('\n');
        }
        s
    }
}

/// How the predictions of an evaluation were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scoring {
    /// By the rules: the largest share of the lexicon's scores; no emotion found is no feeling.
    Rules,
    /// By the shipped class models (the posts are not the ones they were fitted on).
    Model,
    /// The posts are a class model's own training file: the figures are those of its
    /// cross-validation at fit time, where each fold was predicted by a model fitted without it.
    CrossValidated {
        /// Folds.
        folds: usize,
    },
}

/// Folds of the cross-validation run at fit time.
pub const FOLDS: usize = 5;

/// Class-model samples of every example.
pub fn samples_of(analyzer: &TextAnalyzer, examples: &[Example]) -> Vec<Sample> {
    examples
        .iter()
        .map(|ex| Sample::new(&analyzer.analyze(&ex.content), &ex.content))
        .collect()
}

/// The language group of a text for the per-language lines.
fn lang_of(text: &str) -> &'static str {
    if crate::text::english_weight(text) >= 0.5 {
        "lang=en"
    } else {
        "lang=zh"
    }
}

/// Runs the analyser over the examples. Posts a shipped model was fitted on are not scored by
/// it: the report is the cross-validated one stored with the model.
pub fn evaluate(analyzer: &TextAnalyzer, examples: &[Example]) -> EvalReport {
    let fp = fingerprint(examples.iter().map(|e| (e.content.as_str(), e.label)));
    if let Some((zh, en)) = analyzer.class_models() {
        for model in [zh, en] {
            if let Some(cv) = model
                .cross_validated
                .as_ref()
                .filter(|_| model.trained_on.fingerprint == fp)
            {
                if let Some(mut report) = report_from_cv(cv) {
                    report.scoring = Scoring::CrossValidated { folds: cv.folds };
                    return report;
                }
            }
        }
    }
    let scoring = if analyzer.class_models().is_some() {
        Scoring::Model
    } else {
        Scoring::Rules
    };
    let predictions: Vec<Label> = examples
        .iter()
        .map(|e| analyzer.main_class(&e.content))
        .collect();
    let mut confusion = [[0usize; CLASSES]; CLASSES];
    let mut groups: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (ex, p) in examples.iter().zip(&predictions) {
        confusion[label_index(ex.label)][label_index(*p)] += 1;
        let right = usize::from(ex.label == *p);
        if let Some(ph) = &ex.phenomenon {
            for g in [format!("phenomenon={ph}"), lang_of(&ex.content).to_string()] {
                let e = groups.entry(g).or_default();
                e.0 += right;
                e.1 += 1;
            }
        }
    }
    let mut report = report_from_confusion(confusion);
    report.scoring = scoring;
    report.groups = groups.into_iter().map(|(g, (r, n))| (g, r, n)).collect();
    report
}

/// The report of a stored cross-validation, when it kept its confusion matrix.
fn report_from_cv(cv: &CvFigures) -> Option<EvalReport> {
    let mut confusion = [[0usize; CLASSES]; CLASSES];
    if cv.confusion.len() != CLASSES || cv.confusion.iter().any(|r| r.len() != CLASSES) {
        return None;
    }
    for (g, row) in cv.confusion.iter().enumerate() {
        confusion[g].copy_from_slice(row);
    }
    Some(report_from_confusion(confusion))
}

/// A labelled file fitted at a weight beside the main one (e.g. Weibo posts whose labelling
/// differs from CLUE's: they help at a small weight and hurt at full weight).
#[derive(Debug, Clone)]
pub struct Extra {
    /// Its name in the model's record.
    pub name: String,
    /// Its examples.
    pub examples: Vec<Example>,
    /// Weight of each of its examples (the main file's weigh 1).
    pub weight: f32,
    /// Whether each of its sources labels by rules of its own: its examples then fit private
    /// copies of their features too ([`Sample::domain`]).
    pub own: bool,
}

/// The labelling of every example, main ones first: 0 for the main file and for extras that
/// share its labelling, one number per source of each extra with a labelling of its own.
fn domains(examples: &[Example], extras: &[Extra]) -> Vec<u32> {
    let mut ids: std::collections::HashMap<(usize, Option<&str>), u32> = Default::default();
    let mut out = vec![0; examples.len()];
    for (i, extra) in extras.iter().enumerate() {
        for ex in &extra.examples {
            let next = ids.len() as u32 + 1;
            out.push(match extra.own {
                true => *ids.entry((i, ex.source.as_deref())).or_insert(next),
                false => 0,
            });
        }
    }
    out
}

/// Fits a class model to the main examples plus extras: cross-validated figures over the main
/// examples first (extras are in every fold's fit), then the model fitted on all of them,
/// stamped with the main file's fingerprint and those figures.
pub fn fit(
    analyzer: &TextAnalyzer,
    examples: &[Example],
    extras: &[Extra],
    folds: usize,
    opts: &FitOptions,
) -> (EvalReport, ClassModel) {
    let all: Vec<&Example> = examples
        .iter()
        .chain(extras.iter().flat_map(|e| e.examples.iter()))
        .collect();
    let mut names = std::collections::HashMap::new();
    let xs: Vec<Sample> = all
        .iter()
        .map(|ex| {
            for (k, n) in crate::text::features::named_grams(&ex.content) {
                names.entry(k).or_insert(n);
            }
            Sample::new(&analyzer.analyze(&ex.content), &ex.content)
        })
        .collect();
    let xs: Vec<Sample> = xs
        .into_iter()
        .zip(domains(examples, extras))
        .map(|(x, domain)| Sample { domain, ..x })
        .collect();
    let ys: Vec<Label> = all.iter().map(|e| e.label).collect();
    let ws: Vec<f32> = std::iter::repeat_n(1.0, examples.len())
        .chain(
            extras
                .iter()
                .flat_map(|e| std::iter::repeat_n(e.weight, e.examples.len())),
        )
        .collect();
    let held: Vec<bool> = (0..all.len()).map(|i| i < examples.len()).collect();
    let predicted = cross_validate(&xs, &ys, &ws, &held, folds, opts);
    let mut confusion = [[0usize; CLASSES]; CLASSES];
    for i in 0..examples.len() {
        confusion[label_index(ys[i])][label_index(predicted[i])] += 1;
    }
    let mut report = report_from_confusion(confusion);
    report.scoring = Scoring::CrossValidated { folds };
    let name = |k: u64| names.get(&k).cloned().unwrap_or_else(|| format!("{k:x}"));
    let mut model = ClassModel::fit(&xs, &ys, &ws, opts, &name);
    model.trained_on = TrainingSet {
        n: examples.len(),
        fingerprint: fingerprint(examples.iter().map(|e| (e.content.as_str(), e.label))),
        extra: extras
            .iter()
            .map(|e| {
                let own = if e.own { ":own" } else { "" };
                format!("{}:{}{own}:{}", e.name, e.weight, e.examples.len())
            })
            .collect(),
    };
    model.cross_validated = Some(CvFigures {
        folds,
        accuracy: report.accuracy,
        macro_f1: report.macro_f1,
        confusion: confusion.iter().map(|r| r.to_vec()).collect(),
    });
    (report, model)
}

/// Computes the metrics from a confusion matrix.
pub fn report_from_confusion(confusion: Confusion) -> EvalReport {
    let n: usize = confusion.iter().flatten().sum();
    let correct: usize = (0..CLASSES).map(|i| confusion[i][i]).sum();
    let no_mood: usize = confusion.iter().map(|r| r[7]).sum();
    let with_none = confusion[7].iter().sum::<usize>() > 0;
    let classes = if with_none { CLASSES } else { 7 };
    let mut f1_sum = 0.0;
    for (c, row) in confusion.iter().enumerate().take(classes) {
        let tp = row[c] as f64;
        let predicted: usize = confusion.iter().map(|g| g[c]).sum();
        let gold: usize = row.iter().sum();
        let p = if predicted > 0 {
            tp / predicted as f64
        } else {
            0.0
        };
        let r = if gold > 0 { tp / gold as f64 } else { 0.0 };
        f1_sum += if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
    }
    let nf = n.max(1) as f64;
    EvalReport {
        n,
        accuracy: correct as f64 / nf,
        macro_f1: f1_sum / classes as f64,
        coverage: (n - no_mood) as f64 / nf,
        confusion,
        scoring: Scoring::Rules,
        groups: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_lines_are_parsed_or_counted_bad() {
        let text = r#"{"id": 0, "content": "好难过", "label": "sadness"}
{"content": "x", "label": "unknown"}
not json

{"content": "开心", "label": "happiness"}"#;
        let (ex, bad) = parse_jsonl(text);
        assert_eq!(ex.len(), 2);
        assert_eq!(bad, 2);
        assert_eq!(ex[1].label, Some(MainClass::Joy));
    }

    #[test]
    fn metrics_from_a_known_matrix() {
        let mut m = [[0usize; CLASSES]; CLASSES];
        m[0][0] = 3; // joy right
        m[0][7] = 1; // joy, nothing found
        m[3][3] = 2; // sadness right
        m[3][0] = 2; // sadness read as joy
        let r = report_from_confusion(m);
        assert_eq!(r.n, 8);
        assert!((r.accuracy - 5.0 / 8.0).abs() < 1e-9);
        assert!((r.coverage - 7.0 / 8.0).abs() < 1e-9);
        // joy: p=3/5 r=3/4 f1=2/3; sadness: p=1 r=1/2 f1=2/3; others 0.
        assert!((r.macro_f1 - (4.0 / 3.0) / 7.0).abs() < 1e-9);
        assert_eq!(
            r.summary_line(),
            "accuracy=0.6250 macro_f1=0.1905 coverage=0.8750 n=8"
        );
    }
}
