//! Evaluation of the text analyser on labelled posts (CLUE emotion2020 format).
//!
//! Each line is JSON with `content` and `label` (sadness happiness disgust like anger surprise
//! fear). The prediction is the main class with the largest share of the detected emotion; a post
//! with no emotion found counts as wrong (it is not "covered").

use crate::emotion::MainClass;
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

/// Predicts the main class of a text, `None` when no emotion is found.
pub fn predict(analyzer: &TextAnalyzer, text: &str) -> Option<MainClass> {
    analyzer.scores(text).finish().map(|e| e.main_class())
}

/// Runs the analyser over the examples.
pub fn evaluate(analyzer: &TextAnalyzer, examples: &[Example]) -> EvalReport {
    let mut confusion = [[0usize; 8]; 7];
    for ex in examples {
        let col = predict(analyzer, &ex.content)
            .map(|c| c.index())
            .unwrap_or(7);
        confusion[ex.label.index()][col] += 1;
    }
    report_from_confusion(confusion)
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
