//! Criterion benchmarks of the hot paths: text analysis (texts/s) and index queries (us/query) on
//! the demo catalog and on random vectors (`MOODTUNE_BENCH_RANDOM_N`, default 100,000; the figures
//! in BENCHMARKS.md used 1,000,000; `MOODTUNE_BENCH_EF_CONSTRUCTION` overrides the build parameter).
//! Run: `cargo bench -p moodtune-tests --bench core`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use moodtune_core::emotion::{Emotion, EmotionScores, DIM};
use moodtune_core::index::{dedup, recall_at_k, ExactIndex, HnswIndex, HnswParams, VectorIndex};
use moodtune_core::ingest::dump;
use moodtune_core::ingest::label::{track_emotion, TrackTexts};
use moodtune_core::text::lexicon::Lexicon;
use moodtune_core::{Method, TextAnalyzer};
use rand::{Rng, SeedableRng};

const POSTS: &str = include_str!("../fixtures/posts.txt");

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::new(Lexicon::embedded().0, Method::default())
}

/// Weibo-length posts: the fixture sentences joined in threes (~40 characters, a typical post).
fn posts() -> Vec<String> {
    let lines: Vec<&str> = POSTS.lines().collect();
    (0..lines.len())
        .map(|i| {
            format!(
                "{}，{}。{}",
                lines[i],
                lines[(i + 1) % lines.len()],
                lines[(i + 2) % lines.len()]
            )
        })
        .collect()
}

fn bench_text(c: &mut Criterion) {
    let a = analyzer();
    let posts = posts();
    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Elements(posts.len() as u64));
    g.bench_function("analyze_posts", |b| {
        b.iter(|| {
            for p in &posts {
                black_box(a.scores(black_box(p)));
            }
        })
    });
    // What a chat message costs: the lexicon analysis plus the class model's weighing.
    g.bench_function("mood_posts", |b| {
        b.iter(|| {
            for p in &posts {
                black_box(a.mood(black_box(p)));
            }
        })
    });
    g.finish();
}

/// The demo catalog's distinct vectors, labelled in memory exactly as the engine does it.
fn demo_vectors(a: &TextAnalyzer) -> Vec<[f32; DIM]> {
    let (pls, _) = dump::parse(dump::EMBEDDED_DEMO);
    let mut texts: HashMap<i64, (String, Vec<(EmotionScores, i64)>)> = HashMap::new();
    for p in &pls {
        let s = a.label_scores(&p.name);
        for t in &p.tracks {
            texts
                .entry(t.id)
                .or_insert_with(|| (t.name.clone(), Vec::new()))
                .1
                .push((s, p.collections));
        }
    }
    let all: Vec<[f32; DIM]> = texts
        .into_values()
        .filter_map(|(name, playlists)| {
            track_emotion(&TrackTexts {
                title: a.label_scores(&name),
                playlists,
                ..Default::default()
            })
        })
        .map(|e| e.0)
        .collect();
    dedup(&all).0
}

fn random_vectors(n: usize, seed: u64) -> Vec<[f32; DIM]> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let mut v = [0.0f32; DIM];
            let mut sum = 0.0;
            for x in v.iter_mut() {
                *x = rng.gen::<f32>().exp();
                sum += *x;
            }
            v.iter_mut().for_each(|x| *x /= sum);
            v
        })
        .collect()
}

fn bench_index_on(c: &mut Criterion, name: &str, vectors: Vec<[f32; DIM]>, queries: Vec<Emotion>) {
    let mut params = HnswParams::default();
    if let Some(ef) = std::env::var("MOODTUNE_BENCH_EF_CONSTRUCTION")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        params.ef_construction = ef;
    }
    let t = Instant::now();
    let hnsw = HnswIndex::build(&vectors, params);
    let build = t.elapsed();
    let exact = ExactIndex::new(vectors.clone());
    let recall: f32 = queries
        .iter()
        .map(|q| recall_at_k(&hnsw.search(q, 10), &exact.search(q, 10)))
        .sum::<f32>()
        / queries.len() as f32;
    eprintln!(
        "{name}: {} vectors, hnsw build {:.1} s, recall@10 {recall:.4} over {} queries",
        vectors.len(),
        build.as_secs_f64(),
        queries.len()
    );
    let mut g = c.benchmark_group(format!("index_{name}"));
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("hnsw_k10", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            black_box(hnsw.search(&queries[i], 10))
        })
    });
    g.bench_function("exact_k10", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            black_box(exact.search(&queries[i], 10))
        })
    });
    g.finish();
}

fn bench_index(c: &mut Criterion) {
    let a = analyzer();
    let demo = demo_vectors(&a);
    let mut queries: Vec<Emotion> = posts().iter().filter_map(|p| a.emotion(p)).collect();
    queries.extend(random_vectors(500, 99).into_iter().map(Emotion));
    bench_index_on(c, "demo", demo, queries.clone());

    let n: usize = std::env::var("MOODTUNE_BENCH_RANDOM_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let random_queries: Vec<Emotion> = random_vectors(1_000, 7).into_iter().map(Emotion).collect();
    bench_index_on(
        c,
        &format!("random_{n}"),
        random_vectors(n, 1),
        random_queries,
    );
}

fn bench_photo(c: &mut Criterion) {
    use moodtune_core::vision::pipeline::photo_mood;
    use moodtune_core::vision::{backend, ImageLimits};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/images");
    let limits = ImageLimits::default();
    let mut g = c.benchmark_group(format!("photo_{}", backend().unwrap_or("unavailable")));
    g.sample_size(10);
    for (name, file) in [
        ("one_face", "justin.jpg"),
        ("group", "solvay_conference.jpg"),
    ] {
        let bytes = std::fs::read(format!("{dir}/{file}")).unwrap();
        let _ = photo_mood(&bytes, &limits); // load the models outside the measurement
        g.bench_function(name, |b| {
            b.iter(|| black_box(photo_mood(&bytes, &limits).map(|m| m.faces.len())))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench_text, bench_photo, bench_index
}
criterion_main!(benches);
