//! Evaluation of the text analyser on labelled posts (CLUE emotion2020 format).
//!
//! Each line is JSON with `content` and `label` (sadness happiness disgust like anger surprise
//! fear). The default method predicts with the class model ([`crate::text::classify`]), which answers
//! for every post; coverage still reports the share of posts in which the lexicon found an
//! emotion. The rules (`--method seed`, `tuned-without-model`) predict the main class with the
//! largest share of the detected emotion, and a post with no emotion found counts as wrong.

use crate::emotion::MainClass;
use crate::text::classify::{
    cross_validate, fingerprint, ClassModel, CvFigures, FitOptions, Sample, TrainingSet,
};
use crate::text::TextAnalyzer;

/// One labelled example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The post.
    pub content: String,
    /// Its gold main class.
    pub label: MainClass,
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
                let label = MainClass::from_clue_label(v.get("label")?.as_str()?)?;
                Some(Example { content, label })
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

/// Accuracy, macro-F1, coverage and the confusion matrix of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    /// Examples evaluated.
    pub n: usize,
    /// Share predicted correctly (no emotion counts wrong).
    pub accuracy: f64,
    /// Mean F1 over the 7 classes.
    pub macro_f1: f64,
    /// Share of examples where some emotion was found.
    pub coverage: f64,
    /// `confusion[gold][predicted]`; column 7 is "no emotion".
    pub confusion: [[usize; 8]; 7],
    /// How the predictions were made.
    pub scoring: Scoring,
}

impl EvalReport {
    /// The one summary line `moodtune eval text` ends with.
    pub fn summary_line(&self) -> String {
        format!(
            "accuracy={:.4} macro_f1={:.4} coverage={:.4} n={}",
            self.accuracy, self.macro_f1, self.coverage, self.n
        )
    }

    /// The confusion matrix as an aligned text table (rows gold, columns predicted).
    pub fn confusion_table(&self) -> String {
        let mut s = String::from("gold\\pred");
        for c in MainClass::ALL {
            s.push_str(&format!("{:>9}", c.en()));
        }
        s.push_str(&format!("{:>9}\n", "none"));
        for (g, row) in self.confusion.iter().enumerate() {
            s.push_str(&format!("{:<9}", MainClass::ALL[g].en()));
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
    /// By the rules: the largest share of the lexicon's scores; no emotion found is wrong.
    Rules,
    /// By the shipped class model (the posts are not the ones it was fitted on).
    Model,
    /// The posts are the class model's own training data: each fold of them is predicted by a
    /// model fitted on the other folds, so no post is scored by a model that saw it.
    CrossValidated {
        /// Folds.
        folds: usize,
    },
}

/// Folds of the cross-validation run when the posts are the class model's training data.
pub const FOLDS: usize = 5;

/// Predicts the main class of a text, `None` when the method cannot tell.
pub fn predict(analyzer: &TextAnalyzer, text: &str) -> Option<MainClass> {
    analyzer.main_class(text)
}

/// Class-model samples of every example, and whether the lexicon found any emotion in it.
pub fn samples_of(analyzer: &TextAnalyzer, examples: &[Example]) -> (Vec<Sample>, Vec<bool>) {
    examples
        .iter()
        .map(|ex| {
            let a = analyzer.analyze(&ex.content);
            (Sample::new(&a, &ex.content), !a.scores.is_empty())
        })
        .unzip()
}

/// Runs the analyser over the examples. With a class model, posts it was fitted on are
/// cross-validated rather than scored by the model that saw them.
pub fn evaluate(analyzer: &TextAnalyzer, examples: &[Example]) -> EvalReport {
    let mut confusion = [[0usize; 8]; 7];
    let (predictions, covered, scoring): (Vec<Option<MainClass>>, Vec<bool>, Scoring) =
        match analyzer.class_model() {
            None => {
                let p: Vec<_> = examples
                    .iter()
                    .map(|e| predict(analyzer, &e.content))
                    .collect();
                let c = p.iter().map(Option::is_some).collect();
                (p, c, Scoring::Rules)
            }
            Some(model) => {
                let (xs, covered) = samples_of(analyzer, examples);
                let fp = fingerprint(examples.iter().map(|e| (e.content.as_str(), e.label)));
                if fp == model.trained_on.fingerprint {
                    let ys: Vec<MainClass> = examples.iter().map(|e| e.label).collect();
                    let p = cross_validate(&xs, &ys, FOLDS, &model.fitted_with);
                    let scoring = Scoring::CrossValidated { folds: FOLDS };
                    (p.into_iter().map(Some).collect(), covered, scoring)
                } else {
                    let p = xs.iter().map(|x| Some(model.predict(x))).collect();
                    (p, covered, Scoring::Model)
                }
            }
        };
    for (ex, p) in examples.iter().zip(&predictions) {
        confusion[ex.label.index()][p.map(|c| c.index()).unwrap_or(7)] += 1;
    }
    let mut report = report_from_confusion(confusion);
    report.coverage = covered.iter().filter(|c| **c).count() as f64 / examples.len().max(1) as f64;
    report.scoring = scoring;
    report
}

/// Fits a class model to the examples: cross-validated figures first (the report), then the
/// model fitted on all of them, stamped with their fingerprint and those figures.
pub fn fit(
    analyzer: &TextAnalyzer,
    examples: &[Example],
    folds: usize,
    opts: &FitOptions,
) -> (EvalReport, ClassModel) {
    let (xs, covered) = samples_of(analyzer, examples);
    let ys: Vec<MainClass> = examples.iter().map(|e| e.label).collect();
    let predicted = cross_validate(&xs, &ys, folds, opts);
    let mut confusion = [[0usize; 8]; 7];
    for (y, p) in ys.iter().zip(&predicted) {
        confusion[y.index()][p.index()] += 1;
    }
    let mut report = report_from_confusion(confusion);
    report.coverage = covered.iter().filter(|c| **c).count() as f64 / examples.len().max(1) as f64;
    report.scoring = Scoring::CrossValidated { folds };
    let mut model = ClassModel::fit(&xs, &ys, opts);
    model.trained_on = TrainingSet {
        n: examples.len(),
        fingerprint: fingerprint(examples.iter().map(|e| (e.content.as_str(), e.label))),
    };
    model.cross_validated = Some(CvFigures {
        folds,
        accuracy: report.accuracy,
        macro_f1: report.macro_f1,
    });
    (report, model)
}

/// Computes the metrics from a confusion matrix.
pub fn report_from_confusion(confusion: [[usize; 8]; 7]) -> EvalReport {
    let n: usize = confusion.iter().flatten().sum();
    let correct: usize = (0..7).map(|i| confusion[i][i]).sum();
    let none: usize = confusion.iter().map(|r| r[7]).sum();
    let mut f1_sum = 0.0;
    for (c, row) in confusion.iter().enumerate() {
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
        macro_f1: f1_sum / 7.0,
        coverage: (n - none) as f64 / nf,
        confusion,
        scoring: Scoring::Rules,
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
        assert_eq!(ex[1].label, MainClass::Joy);
    }

    #[test]
    fn metrics_from_a_known_matrix() {
        let mut m = [[0usize; 8]; 7];
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
