//! `moodtune eval text FILE.jsonl [--method seed]`: accuracy of the text analyser; `moodtune eval
//! fit FILE.jsonl`: refits the class model, reporting cross-validated figures; `moodtune eval
//! photos` is in `eval_photos`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use moodtune_core::text::classify::FitOptions;
use moodtune_core::text::eval;
use moodtune_core::{Method, TextAnalyzer};

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
        /// Write each post's class-model features (gold class index first) as TSV, for study.
        #[arg(long, hide = true)]
        dump_features: Option<PathBuf>,
        /// Write each misread post (gold, read, phenomenon, text) as TSV, for study.
        #[arg(long, hide = true)]
        misread: Option<PathBuf>,
        /// Decide with this Chinese class model instead of the embedded one (a refit under study).
        #[arg(long, hide = true)]
        model_zh: Option<PathBuf>,
        /// Decide with this English class model instead of the embedded one.
        #[arg(long, hide = true)]
        model_en: Option<PathBuf>,
    },
    /// Do the songs fit? Labelled posts are answered as the bot would, and their songs checked
    /// against playlist tags (evaluation truth, never imported): lift over the base rate per
    /// mood, coverage, variety, artist repeats.
    Songs {
        /// `playlist_id<TAB>tags` lines (e.g. ../shared/data/eval/netease-playlist-tags-dev.tsv).
        #[arg(long)]
        tags: PathBuf,
        /// Labelled posts (CLUE labels), the first `--per-mood` of each judged mood are asked.
        #[arg(long)]
        posts: PathBuf,
        /// Songs per reply.
        #[arg(short, default_value_t = 10)]
        k: usize,
        /// Posts per judged mood.
        #[arg(long, default_value_t = 25)]
        per_mood: usize,
        /// Ask each post as listeners 1..=N (variety across people); 0: no one in particular.
        #[arg(long, default_value_t = 0)]
        users: u64,
        /// The day listeners ask on (days since 1970-01-01), so runs are comparable.
        #[arg(long, default_value_t = 20_425)]
        day: u64,
    },
    /// Do photo moods match their labels? Photos read as the bot reads them: a confusion matrix
    /// over the main classes, recall per class, then one summary line.
    Photos {
        /// A folder of photos labelled by file or folder name (`anger_01.jpg`, `sad/1.png`), a
        /// folder holding an `image,emotion` CSV, or such a CSV itself.
        source: PathBuf,
        /// Write each photo's largest face's FER probabilities through a few crops, for fitting
        /// the expression calibration (tools/fit_face_calibration.py).
        #[arg(long, hide = true)]
        dump: Option<PathBuf>,
    },
    /// Fit the class model on labelled posts: prints the cross-validated confusion matrix and
    /// summary line, then writes the model fitted on all of them.
    Fit {
        /// The JSONL file (same format as `eval text`).
        file: PathBuf,
        /// Where to write the model (the build embeds core/data/class_model_zh.json and
        /// class_model_en.json).
        #[arg(long)]
        out: PathBuf,
        /// Another labelled file fitted alongside at a weight, never cross-validated:
        /// FILE:WEIGHT (repeatable); FILE:WEIGHT:own when each of its sources labels by rules
        /// of its own (private copies of its features absorb them).
        #[arg(long = "extra")]
        extras: Vec<String>,
        /// Cross-validation folds.
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// L2 penalty.
        #[arg(long, default_value_t = FitOptions::default().l2)]
        l2: f32,
        /// Class balance exponent (0 = fit for accuracy, 1 = balanced classes).
        #[arg(long, default_value_t = FitOptions::default().balance)]
        balance: f32,
        /// Gradient steps.
        #[arg(long, default_value_t = FitOptions::default().steps)]
        steps: usize,
        /// Keep surface features found in at least this many posts (0: lexicon features only).
        #[arg(long, default_value_t = FitOptions::default().min_df)]
        min_df: usize,
        /// Value of a present surface feature relative to the standardised lexicon features.
        #[arg(long, default_value_t = FitOptions::default().gram_value)]
        gram_value: f32,
        /// Subtracted from the "no feeling" logit when predicting.
        #[arg(long, default_value_t = FitOptions::default().none_bias)]
        none_bias: f32,
        /// "No feeling" share of the strongest class that wins when no emotion word matched.
        #[arg(long, default_value_t = FitOptions::default().none_without_words)]
        none_without_words: f32,
        /// Naive-Bayes scaling of the surface features during the fit: its smoothing (0: off).
        #[arg(long, default_value_t = FitOptions::default().nb)]
        nb: f32,
    },
}

/// Prints the confusion matrix, then exactly one summary line.
pub async fn run(global: &Global, cmd: Eval) -> anyhow::Result<ExitCode> {
    let (file, method, dump_features, misread, models) = match cmd {
        Eval::Text {
            file,
            method,
            dump_features,
            misread,
            model_zh,
            model_en,
        } => (file, method, dump_features, misread, (model_zh, model_en)),
        Eval::Songs {
            tags,
            posts,
            k,
            per_mood,
            users,
            day,
        } => {
            let opts = moodtune_core::engine::eval::SongsEvalOptions {
                k,
                per_mood,
                users,
                day,
            };
            return songs(global, &tags, &posts, &opts).await;
        }
        Eval::Photos { source, dump } => {
            return crate::cmd::eval_photos::run(global, &source, dump.as_deref());
        }
        Eval::Fit {
            file,
            out,
            extras,
            folds,
            l2,
            balance,
            steps,
            min_df,
            gram_value,
            none_bias,
            none_without_words,
            nb,
        } => {
            let opts = FitOptions {
                l2,
                balance,
                steps,
                min_df,
                gram_value,
                none_bias,
                none_without_words,
                nb,
            };
            return fit(global, &file, &extras, &out, folds, &opts);
        }
    };
    let method = Method::parse(&method).with_context(|| {
        format!("unknown method {method:?} (known: tuned, seed, tuned-without-...)")
    })?;
    let examples = read_examples(&file)?;
    let (lexicon, _) = moodtune_core::text::load_lexicon(global.lexicon.as_deref())?;
    let mut analyzer = TextAnalyzer::new(lexicon, method);
    if models.0.is_some() || models.1.is_some() {
        use moodtune_core::text::classify::{ClassModel, ModelLang};
        let load = |path: &Option<PathBuf>, lang| -> anyhow::Result<&'static ClassModel> {
            Ok(match path {
                Some(p) => {
                    let text = std::fs::read_to_string(p)
                        .with_context(|| format!("cannot read {}", p.display()))?;
                    // Lives as long as the process: one model per evaluation run.
                    Box::leak(Box::new(ClassModel::from_json(&text)?))
                }
                None => ClassModel::embedded(lang),
            })
        };
        analyzer = analyzer.with_class_models(
            load(&models.0, ModelLang::Zh)?,
            load(&models.1, ModelLang::En)?,
        );
    }
    if let Some(path) = dump_features {
        let mut out = String::new();
        for ex in &examples {
            let a = analyzer.analyze(&ex.content);
            let f = moodtune_core::text::features::dense(&a, &ex.content);
            out.push_str(&moodtune_core::text::classify::label_index(ex.label).to_string());
            for v in f {
                out.push_str(&format!("\t{v}"));
            }
            out.push('\n');
        }
        std::fs::write(&path, out)?;
    }
    if let Some(path) = misread {
        let mut out = String::new();
        for ex in &examples {
            let read = analyzer.main_class(&ex.content);
            if read != ex.label {
                let name = |l: moodtune_core::text::classify::Label| {
                    l.map_or("none".to_string(), |c| format!("{c:?}"))
                };
                let ph = ex.phenomenon.as_deref().unwrap_or("-");
                let text = ex.content.replace(['\t', '\n'], " ");
                out.push_str(&format!(
                    "{}\t{}\t{ph}\t{text}\n",
                    name(ex.label),
                    name(read)
                ));
            }
        }
        std::fs::write(&path, out)?;
    }
    // The class models load lazily on first use (parsing 15 MB of JSON): the bot pays that once
    // at start, so the figure below must not.
    let _ = analyzer.class_models();
    let started = Instant::now();
    let report = eval::evaluate(&analyzer, &examples);
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "method={method:?} texts_per_second={:.0}",
        examples.len() as f64 / secs.max(1e-9)
    );
    if let eval::Scoring::CrossValidated { folds } = report.scoring {
        eprintln!(
            "these posts are a class model's training file: the figures are its {folds}-fold \
             cross-validation at fit time (every post predicted by a model fitted without it)"
        );
    }
    print!("{}", report.confusion_table());
    print!("{}", report.group_lines());
    println!("{}", report.summary_line());
    Ok(ExitCode::SUCCESS)
}

async fn songs(
    global: &Global,
    tags: &Path,
    posts: &Path,
    opts: &moodtune_core::engine::eval::SongsEvalOptions,
) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(tags).with_context(|| format!("cannot read {}", tags.display()))?;
    let tags = moodtune_core::engine::eval::parse_tags(&text);
    anyhow::ensure!(
        !tags.is_empty(),
        "no `playlist_id<TAB>tags` lines in the tags file"
    );
    let posts = read_examples(posts)?;
    let engine = global.open_engine().await?;
    let started = Instant::now();
    let report = engine.eval_songs(&tags, &posts, opts).await?;
    eprintln!(
        "replies={} seconds={:.2}",
        report.replies,
        started.elapsed().as_secs_f64()
    );
    print!("{}", report.group_lines());
    println!("{}", report.summary_line());
    Ok(ExitCode::SUCCESS)
}

fn read_examples(file: &Path) -> anyhow::Result<Vec<eval::Example>> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let (examples, bad) = eval::parse_jsonl(&text);
    if bad > 0 {
        tracing::warn!(
            bad,
            "skipped lines that are not {{content, label}} JSON with a known label"
        );
    }
    anyhow::ensure!(!examples.is_empty(), eval::EvalError::NoExamples { bad });
    Ok(examples)
}

fn fit(
    global: &Global,
    file: &Path,
    extras: &[String],
    out: &Path,
    folds: usize,
    opts: &FitOptions,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(folds >= 2, "--folds must be 2 or more");
    let examples = read_examples(file)?;
    let (lexicon, _) = moodtune_core::text::load_lexicon(global.lexicon.as_deref())?;
    let analyzer = TextAnalyzer::new(lexicon, Method::default());
    let started = Instant::now();
    let mut extra = Vec::new();
    for spec in extras {
        let (rest, own) = match spec.strip_suffix(":own") {
            Some(rest) => (rest, true),
            None => (spec.as_str(), false),
        };
        let (path, weight) = rest
            .rsplit_once(':')
            .and_then(|(p, w)| Some((p, w.parse::<f32>().ok()?)))
            .with_context(|| format!("--extra {spec:?}: expected FILE:WEIGHT[:own]"))?;
        let path = Path::new(path);
        extra.push(eval::Extra {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            examples: read_examples(path)?,
            weight,
            own,
        });
    }
    let (report, model) = eval::fit(&analyzer, &examples, &extra, folds, opts);
    eprintln!(
        "fitted on {} posts in {:.1} s; {folds}-fold cross-validated figures:",
        examples.len(),
        started.elapsed().as_secs_f64()
    );
    std::fs::write(out, serde_json::to_string(&model)? + "\n")
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("model written to {} (rebuild to embed it)", out.display());
    print!("{}", report.confusion_table());
    println!("{}", report.summary_line());
    Ok(ExitCode::SUCCESS)
}
