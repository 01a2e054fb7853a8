//! `moodtune eval text FILE.jsonl [--method seed]`: accuracy of the text analyser.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use moodtune_core::{eval, Method, TextAnalyzer};

use crate::config::Global;

/// What to evaluate.
#[derive(Debug, clap::Subcommand)]
pub enum Eval {
    /// Labelled posts, one JSON object per line with "content" and "label" (CLUE emotion2020 labels).
    Text {
        /// The JSONL file.
        file: PathBuf,
        /// Analysis method: tuned (the default), seed, or tuned-without-PART[,PART] to measure a part.
        #[arg(long, default_value = "tuned")]
        method: String,
    },
}

/// Prints the confusion matrix, then exactly one summary line.
pub async fn run(global: &Global, cmd: Eval) -> anyhow::Result<ExitCode> {
    let Eval::Text { file, method } = cmd;
    let method = Method::parse(&method).with_context(|| {
        format!("unknown method {method:?} (known: tuned, seed, tuned-without-...)")
    })?;
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let (examples, bad) = eval::parse_jsonl(&text);
    if bad > 0 {
        tracing::warn!(
            bad,
            "skipped lines that are not {{content, label}} JSON with a known label"
        );
    }
    anyhow::ensure!(!examples.is_empty(), eval::EvalError::NoExamples { bad });
    let (lexicon, _) = moodtune_core::recommend::load_lexicon(global.lexicon.as_ref())?;
    let analyzer = TextAnalyzer::new(lexicon, method);
    let started = Instant::now();
    let report = eval::evaluate(&analyzer, &examples);
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "method={method:?} texts_per_second={:.0}",
        examples.len() as f64 / secs.max(1e-9)
    );
    print!("{}", report.confusion_table());
    println!("{}", report.summary_line());
    Ok(ExitCode::SUCCESS)
}
