//! `moodtune bench`: the scale figures of BENCHMARKS.md, measured in one run on this machine.
//!
//! Why one command: figures taken on different days, on a machine that was busy or idle, do not
//! compare. This builds a synthetic catalog of real-looking tracks (the demo catalog's real titles
//! and artists, each track in two playlists named like the demo's, saved a log-uniform number of
//! times, so labels form the tight clusters real catalogs have), imports and labels it through the
//! real code paths, measures the index at several catalog sizes against the exact scan, then opens
//! the real engine on it (from the index snapshot the index stage wrote) and times
//! `recommend_text` end to end. Peak memory is reported per stage (the kernel's high-water mark is
//! reset between stages).

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use moodtune_core::engine::peak_rss_mb;
use moodtune_core::index::graph::{GraphIndex, GraphParams};
use moodtune_core::index::{
    bitwise_distinct, dedup, recall_at_k, ExactIndex, HnswIndex, HnswParams, VectorIndex,
};
use moodtune_core::ingest::dump::{self, DumpPlaylist, DumpTrack};
use moodtune_core::ingest::label_tracks;
use moodtune_core::rng::SplitMix64 as Rng;
use moodtune_core::store::Catalog;
use moodtune_core::{Emotion, Engine, EngineConfig, Method};

use crate::config::Global;

/// What to measure.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tracks in the synthetic catalog.
    #[arg(long, default_value_t = 1_000_000)]
    tracks: usize,
    /// Catalog sizes (tracks) at which the index is measured; the largest must not exceed
    /// --tracks.
    #[arg(long, value_delimiter = ',', default_value = "200000,1000000")]
    index_sizes: Vec<usize>,
    /// Queries per index measurement (moods of the posts, then mixtures of catalog moods).
    #[arg(long, default_value_t = 1_000)]
    queries: usize,
    /// End-to-end `recommend_text` calls.
    #[arg(long, default_value_t = 2_000)]
    calls: usize,
    /// Also measure instant-distance's HNSW (slow to build at a million tracks).
    #[arg(long)]
    instant_distance: bool,
    /// Posts for the text figures and the queries: one per line, or JSON lines with "content";
    /// default the 40 bundled sample posts.
    #[arg(long)]
    posts: Option<PathBuf>,
    /// Where to build the synthetic catalog: an empty database (default: a new SQLite file in a
    /// temporary directory, removed afterwards).
    #[arg(long)]
    bench_database_url: Option<String>,
}

const SAMPLE_POSTS: &str = include_str!("../../../tests/fixtures/posts.txt");

/// Playlists of 200 over `n` synthetic tracks: playlist p holds tracks 100p..100p+99 and 100
/// random others, so every track is in about two playlists. Playlist names are drawn from the
/// demo's names that carry a mood (as a crawl by mood category finds them), so nearly every track
/// gets a label.
fn synthetic_catalog(
    n: usize,
    seed: u64,
    analyzer: &moodtune_core::TextAnalyzer,
) -> Vec<DumpPlaylist> {
    let (demo, _) = dump::parse(dump::EMBEDDED_DEMO);
    let names: Vec<&str> = demo
        .iter()
        .map(|p| p.name.as_str())
        .filter(|name| analyzer.emotion(name).is_some())
        .collect();
    let mut seen = HashSet::new();
    let songs: Vec<&DumpTrack> = demo
        .iter()
        .flat_map(|p| p.tracks.iter())
        .filter(|t| seen.insert(t.id))
        .collect();
    let mut rng = Rng::new(seed);
    let tracks: Vec<DumpTrack> = (0..n)
        .map(|i| {
            let s = songs[rng.below(songs.len())];
            DumpTrack {
                id: 9_000_000_000 + i as i64,
                name: s.name.clone(),
                artists: s.artists.clone(),
                popularity: rng.below(101) as i32,
                album: None,
            }
        })
        .collect();
    let playlists = n.div_ceil(100);
    (0..playlists)
        .map(|p| {
            let mut members: Vec<DumpTrack> = tracks[p * 100..((p + 1) * 100).min(n)].to_vec();
            for _ in 0..100.min(n) {
                members.push(tracks[rng.below(n)].clone());
            }
            DumpPlaylist {
                id: 8_000_000_000 + p as i64,
                name: names[rng.below(names.len())].to_string(),
                // Saved 10 to 1,000,000 times, log-uniform.
                collections: (10f64 * 1e5f64.powf(rng.unit())) as i64,
                category: None,
                tracks: members,
            }
        })
        .collect()
}

fn read_posts(path: Option<&PathBuf>) -> anyhow::Result<Vec<String>> {
    let text = match path {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the posts file {}", p.display()))?,
        None => SAMPLE_POSTS.to_string(),
    };
    let posts = moodtune_core::text::eval::post_texts(&text);
    anyhow::ensure!(!posts.is_empty(), "no posts to measure on");
    Ok(posts)
}

/// Resets the kernel's peak-memory mark of this process, so the next reading is one stage's:
/// memory freed by earlier stages is first handed back to the OS (glibc keeps freed memory
/// otherwise, and it would count against the next stage).
fn reset_peak_rss() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only returns free heap pages to the kernel; it takes no pointers.
        unsafe {
            malloc_trim(0);
        }
    }
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// p-th percentile (0..=100) of sorted durations, in microseconds.
fn percentile_us(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p / 100.0).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

/// One line of the final table.
struct Row {
    what: String,
    figure: String,
    peak_mb: f64,
}

struct Report {
    rows: Vec<Row>,
    per_stage_peaks: bool,
}

impl Report {
    fn stage_start(&self) {
        if self.per_stage_peaks {
            reset_peak_rss();
        }
    }
    fn add(&mut self, what: impl Into<String>, figure: impl Into<String>) {
        let row = Row {
            what: what.into(),
            figure: figure.into(),
            peak_mb: peak_rss_mb(),
        };
        eprintln!("bench: {}: {}", row.what, row.figure);
        self.rows.push(row);
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem}")
}

/// Queries: the moods of the posts, then mixtures of two of the catalog's distinct moods (between
/// labelled points).
fn queries(moods: &[Emotion], vectors: &[[f32; 21]], count: usize, rng: &mut Rng) -> Vec<Emotion> {
    let mut out: Vec<Emotion> = moods.iter().take(count).copied().collect();
    while out.len() < count && !vectors.is_empty() {
        let (a, b) = (
            &vectors[rng.below(vectors.len())],
            &vectors[rng.below(vectors.len())],
        );
        let w = 0.5 + 0.4 * rng.unit() as f32;
        out.push(Emotion(std::array::from_fn(|d| {
            w * a[d] + (1.0 - w) * b[d]
        })));
    }
    out
}

/// Runs the whole benchmark and prints the table.
pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let sizes: Vec<usize> = {
        let mut s = args.index_sizes.clone();
        s.sort_unstable();
        s.dedup();
        s
    };
    anyhow::ensure!(
        sizes.last().is_some_and(|&m| m <= args.tracks) && sizes[0] > 0,
        "--index-sizes must be between 1 and --tracks ({})",
        args.tracks
    );
    let mut report = Report {
        rows: Vec::new(),
        per_stage_peaks: reset_peak_rss(),
    };
    let posts = read_posts(args.posts.as_ref())?;

    // Text analysis, one core.
    report.stage_start();
    let analyzer = {
        let (lexicon, _) = moodtune_core::text::load_lexicon(global.lexicon.as_deref())?;
        moodtune_core::TextAnalyzer::new(lexicon, Method::default())
    };
    let moods: Vec<Emotion> = posts.iter().filter_map(|p| analyzer.mood(p)).collect();
    let t = Instant::now();
    let mut texts = 0usize;
    while t.elapsed() < Duration::from_secs(2) {
        for p in &posts {
            std::hint::black_box(analyzer.mood(p));
        }
        texts += posts.len();
    }
    let per_s = texts as f64 / t.elapsed().as_secs_f64();
    let chars = posts.iter().map(|p| p.chars().count()).sum::<usize>() as f64 / posts.len() as f64;
    report.add(
        "text analysis (default method, one core)",
        format!(
            "{per_s:.0} texts/s ({} posts, mean {chars:.0} characters, {} with a mood)",
            posts.len(),
            moods.len()
        ),
    );

    // The synthetic catalog, imported and labelled through the real code.
    let temp = std::env::temp_dir().join(format!("moodtune-bench-{}", std::process::id()));
    let url = match &args.bench_database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&temp)?;
            format!("sqlite://{}?mode=rwc", temp.join("bench.db").display())
        }
    };
    let result = measure_catalog(
        &args,
        &sizes,
        &url,
        &temp,
        &analyzer,
        (&posts, &moods),
        &mut report,
    )
    .await;
    if args.bench_database_url.is_none() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    result?;

    println!(
        "# moodtune bench, {} tracks; {}; {}",
        args.tracks,
        machine(),
        if report.per_stage_peaks {
            "peak RSS per stage"
        } else {
            "peak RSS of the process so far"
        }
    );
    println!("| what | figure | peak RSS |");
    println!("| --- | --- | --- |");
    for r in &report.rows {
        println!("| {} | {} | {:.0} MB |", r.what, r.figure, r.peak_mb);
    }
    println!("total time {:.0} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

async fn measure_catalog(
    args: &Args,
    sizes: &[usize],
    url: &str,
    temp: &std::path::Path,
    analyzer: &moodtune_core::TextAnalyzer,
    (posts, moods): (&[String], &[Emotion]),
    report: &mut Report,
) -> anyhow::Result<()> {
    let catalog = Catalog::open(url, 4, Duration::from_secs(30)).await?;
    anyhow::ensure!(
        catalog.track_count().await? == 0,
        "the bench database already holds tracks; give it an empty one"
    );
    report.stage_start();
    let playlists = synthetic_catalog(args.tracks, 0x0062_656e_6368, analyzer);
    let t = Instant::now();
    for chunk in playlists.chunks(500) {
        catalog.import_playlists(chunk).await?;
    }
    let secs = t.elapsed().as_secs_f64();
    drop(playlists);
    report.add(
        "import (synthetic playlists, 2 per track)",
        format!(
            "{} tracks in {secs:.1} s = {:.0} tracks/s",
            args.tracks,
            args.tracks as f64 / secs
        ),
    );
    report.stage_start();
    let t = Instant::now();
    let label = label_tracks(&catalog, analyzer, false).await?;
    let secs = t.elapsed().as_secs_f64();
    report.add(
        "labelling (title + playlist names)",
        format!(
            "{} tracks in {secs:.1} s = {:.0} tracks/s ({} with a mood)",
            label.tracks,
            label.tracks as f64 / secs,
            label.labelled
        ),
    );

    // The index at each size: the first N labelled tracks in the engine's order.
    let rows = catalog.load_vectors().await?;
    let all: Vec<[f32; 21]> = rows.iter().map(|r| r.emotion.0).collect();
    drop(rows);
    let snapshot = temp.join("bench.graph");
    let mut rng = Rng::new(7);
    for &requested in sizes {
        let size = requested.min(all.len());
        let (vectors, _) = dedup(&all[..size]);
        let qs = queries(
            moods,
            &bitwise_distinct(&all[..size]),
            args.queries,
            &mut rng,
        );
        report.stage_start();
        let exact = ExactIndex::new(vectors.clone());
        let mut exact_times = Vec::with_capacity(qs.len());
        let truth: Vec<_> = qs
            .iter()
            .map(|q| {
                let t = Instant::now();
                let r = exact.search(q, 100);
                exact_times.push(t.elapsed());
                r
            })
            .collect();
        exact_times.sort_unstable();
        report.add(
            format!(
                "exact scan, {requested} tracks ({size} labelled, {} distinct vectors)",
                vectors.len()
            ),
            format!(
                "p50 {:.0} us, p99 {:.0} us (k 100)",
                percentile_us(&exact_times, 50.0),
                percentile_us(&exact_times, 99.0)
            ),
        );
        drop(exact);
        let mut impls: Vec<&str> = vec!["graph"];
        if args.instant_distance {
            impls.push("instant-distance");
        }
        for name in impls {
            report.stage_start();
            let t = Instant::now();
            let index: Box<dyn VectorIndex> = match name {
                "graph" => Box::new(GraphIndex::build(vectors.clone(), GraphParams::default())),
                _ => Box::new(HnswIndex::build(&vectors, HnswParams::default())),
            };
            let build = t.elapsed().as_secs_f64();
            let mut times = Vec::with_capacity(qs.len());
            let (mut r10, mut r100) = (0.0, 0.0);
            for (q, exact) in qs.iter().zip(&truth) {
                let t = Instant::now();
                let found = index.search(q, 10);
                times.push(t.elapsed());
                r10 += recall_at_k(&found, &exact[..exact.len().min(10)]);
                r100 += recall_at_k(&index.search(q, 100), exact);
            }
            times.sort_unstable();
            let n = qs.len().max(1) as f32;
            report.add(
                format!(
                    "{name} index, {requested} tracks ({size} labelled, {} distinct)",
                    vectors.len()
                ),
                format!(
                    "build {build:.1} s; k 10: p50 {:.0} us, p99 {:.0} us, recall@10 {:.4}; recall@100 {:.4}",
                    percentile_us(&times, 50.0),
                    percentile_us(&times, 99.0),
                    r10 / n,
                    r100 / n
                ),
            );
            // The full catalog's graph becomes the engine's snapshot below.
            if size == all.len() {
                if let Some(persist) = index.persist() {
                    let t = Instant::now();
                    persist.save_snapshot(catalog.version().await?, &snapshot)?;
                    let bytes = std::fs::metadata(&snapshot).map(|m| m.len()).unwrap_or(0);
                    report.add(
                        "index snapshot written",
                        format!(
                            "{:.0} MB in {:.2} s",
                            bytes as f64 / 1e6,
                            t.elapsed().as_secs_f64()
                        ),
                    );
                }
            }
        }
    }
    drop(all);
    catalog.close().await;

    // The real engine on the full catalog: start-up from the snapshot, then recommend_text.
    report.stage_start();
    let t = Instant::now();
    let engine = Engine::open(EngineConfig {
        database_url: url.to_string(),
        load_demo: false,
        index_snapshot: Some(snapshot.clone()),
        ..EngineConfig::default()
    })
    .await?;
    engine.wait_for_index().await;
    let info = engine.index_info();
    report.add(
        "engine start-up (database, vectors, names, index snapshot)",
        format!(
            "{:.1} s; index {} over {} vectors, {} tracks",
            t.elapsed().as_secs_f64(),
            info.kind,
            info.len,
            info.tracks
        ),
    );
    let posts: Vec<&String> = posts
        .iter()
        .filter(|p| engine.text_emotion(p).is_ok())
        .collect();
    anyhow::ensure!(!posts.is_empty(), "no post has a mood");
    let mut times = Vec::with_capacity(args.calls);
    for i in 0..args.calls {
        let t = Instant::now();
        let rec = engine.recommend_text(posts[i % posts.len()], 10).await?;
        times.push(t.elapsed());
        std::hint::black_box(rec);
    }
    times.sort_unstable();
    report.add(
        format!("recommend_text end to end, {} tracks", info.tracks),
        format!(
            "{} calls: p50 {:.0} us, p99 {:.0} us, max {:.0} us",
            args.calls,
            percentile_us(&times, 50.0),
            percentile_us(&times, 99.0),
            percentile_us(&times, 100.0)
        ),
    );
    Ok(())
}
