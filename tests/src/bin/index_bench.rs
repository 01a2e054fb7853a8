//! Index benchmark: build time, query latency p50/p99 and recall@10 against the exact scan, and
//! the process's peak memory, for one implementation at one size per run (so peak RSS belongs to
//! that implementation alone).
//!
//! ```sh
//! cargo run --release -p moodtune-tests --bin index_bench -- graph 1000000 [sparse|dense|softmax] [ef_search]
//! cargo run --release -p moodtune-tests --bin index_bench -- hnsw 200000      # instant-distance
//! cargo run --release -p moodtune-tests --bin index_bench -- exact 200000
//! ```
//!
//! `dense`: every category weighs something (e^U normalised — the hardest case, no structure);
//! `sparse` (the default): 1-5 categories carry the mood, softmaxed like the analyser's output, as
//! labelled tracks are; `softmax`: softmax of 21 standard normal scores (DESIGN.md's random
//! moods). Queries are 1,000 more vectors of the same kind, one thread.
//!
//! `MOODTUNE_BENCH_DB=sqlite:///tmp/rl.db` takes the vectors from a catalog instead (one built by
//! `moodtune bench --bench-database-url sqlite:///tmp/rl.db?mode=rwc`: real titles and playlist
//! names, so the tight clusters of real labels), queried by mixtures of two of its moods;
//! `MOODTUNE_BENCH_POSTS=posts.jsonl` puts the moods of real posts first among those queries;
//! `MOODTUNE_GRAPH_M` and `MOODTUNE_GRAPH_EFC` override the graph's build parameters
//! (`MOODTUNE_GRAPH_RENUMBER=0` keeps the nodes in insertion order);
//! `MOODTUNE_BENCH_EXPORT=DIR` writes the rows (after `dedup`) and queries for `tools/ann-bench real`
//! instead of measuring.
//! `recall@10_raw` is recall against an exact scan over the raw vectors (before `dedup` flushed
//! their tails), each found slot expanded into the raw vectors it stands for.
//!
//! `MOODTUNE_BENCH_FILES=DIR` takes rows, queries and their exact answers from the files
//! `tools/ann_bench.py gen` wrote (the side-by-side run with hnswlib, `tools/ann-bench`); recall is
//! then `|found ∩ truth| / 10` by row id, as the Python half scores hnswlib, and `index_mb` is the
//! growth of the resident set during the build less the vectors' own bytes, measured as it
//! measures hnswlib's.

use std::time::Instant;

use moodtune_core::emotion::{Emotion, DIM};
use moodtune_core::index::graph::{GraphIndex, GraphParams};
use moodtune_core::index::{recall_at_k, ExactIndex, HnswIndex, HnswParams, VectorIndex};
use rand::{Rng, SeedableRng};

fn vectors(n: usize, data: &str, seed: u64) -> Vec<[f32; DIM]> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let mut v = [0.0f32; DIM];
            if data == "softmax" {
                // DESIGN.md's random moods: softmax of standard normal scores (Box-Muller).
                for x in v.iter_mut() {
                    let (u1, u2) = (1.0 - rng.gen::<f32>(), rng.gen::<f32>());
                    let z = (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos();
                    *x = z.exp();
                }
            } else if data == "dense" {
                for x in v.iter_mut() {
                    *x = rng.gen::<f32>().exp();
                }
            } else {
                let active = 1 + (rng.gen::<f32>().powi(2) * 5.0) as usize;
                for _ in 0..active {
                    v[rng.gen_range(0..DIM)] = rng.gen_range(0.5f32..9.0).exp();
                }
            }
            let sum: f32 = v.iter().sum();
            v.iter_mut().for_each(|x| *x /= sum);
            v
        })
        .collect()
}

/// `MOODTUNE_BENCH_POSTS=posts.jsonl`: the moods of real posts (one per line, or JSON lines with
/// "content"), read by the default text method, come first among the queries — the query kind a
/// chat bot answers, often lying between category corners where a catalog has no tracks.
fn post_moods() -> Vec<Emotion> {
    let Ok(path) = std::env::var("MOODTUNE_BENCH_POSTS") else {
        return Vec::new();
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("{path} does not read: mixtures of catalog moods are the queries");
        return Vec::new();
    };
    let (lexicon, _) = moodtune_core::text::load_lexicon(None).expect("the lexicon loads");
    let analyzer = moodtune_core::TextAnalyzer::new(lexicon, moodtune_core::Method::default());
    moodtune_core::text::eval::post_texts(&text)
        .into_iter()
        .filter_map(|p| analyzer.mood(&p))
        .collect()
}

/// Rows, queries and each query's exact nearest row ids, from `tools/ann_bench.py gen`'s files.
fn from_files(dir: &str) -> (Vec<[f32; DIM]>, Vec<Emotion>, Vec<Vec<u32>>) {
    let read = |name: &str| std::fs::read(format!("{dir}/{name}")).expect("a bench file reads");
    let rows = |bytes: Vec<u8>| -> Vec<[f32; DIM]> {
        bytes
            .chunks_exact(4 * DIM)
            .map(|row| {
                std::array::from_fn(|d| {
                    f32::from_le_bytes(row[4 * d..4 * d + 4].try_into().unwrap())
                })
            })
            .collect()
    };
    let truth = read("truth.u32")
        .chunks_exact(40)
        .map(|t| {
            t.chunks_exact(4)
                .map(|x| u32::from_le_bytes(x.try_into().unwrap()))
                .collect()
        })
        .collect();
    let queries = rows(read("queries.f32")).into_iter().map(Emotion).collect();
    (rows(read("base.f32")), queries, truth)
}

/// `MOODTUNE_BENCH_EXPORT=DIR`: writes the rows as the engine indexes them (the catalog's
/// distinct moods after `dedup`) and the queries, in `tools/ann_bench.py gen`'s format, so the
/// real-like catalog can be run side by side with hnswlib (`tools/ann-bench real`; the exact
/// answers are then computed by `tools/ann_bench.py truth`).
fn export(dir: &str, rows: &[[f32; DIM]], queries: &[Emotion]) {
    std::fs::create_dir_all(dir).expect("the export directory is created");
    let write = |name: &str, vs: &mut dyn Iterator<Item = &[f32; DIM]>| {
        let bytes: Vec<u8> = vs
            .flat_map(|v| v.iter().flat_map(|x| x.to_le_bytes()))
            .collect();
        std::fs::write(format!("{dir}/{name}"), bytes).expect("a bench file is written");
    };
    write("base.f32", &mut rows.iter());
    write("queries.f32", &mut queries.iter().map(|q| &q.0));
    eprintln!(
        "wrote {} rows and {} queries to {dir}",
        rows.len(),
        queries.len()
    );
}

/// Whether a found row counts for a query: one of the exact top 10 by id, or (when the files
/// carry `kth.f64`, the exact 10th distance) a row at most that far, the same tie rule as
/// [`recall_at_k`] (equally near rows are equally right answers).
fn counts(q: &Emotion, row: &[f32; DIM], id: u32, truth: &[u32], kth: Option<f64>) -> bool {
    truth.contains(&id)
        || kth.is_some_and(|kth| {
            let d: f64 =
                q.0.iter()
                    .zip(row)
                    .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
                    .sum();
            d <= kth * (1.0 + 1e-6) + 1e-12
        })
}

/// `kth.f64` of a bench directory, when it has one (one float64 per query).
fn kth_of(dir: &str) -> Option<Vec<f64>> {
    let bytes = std::fs::read(format!("{dir}/kth.f64")).ok()?;
    Some(
        bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect(),
    )
}

/// The process's resident set now, in MB (Linux; 0 elsewhere).
fn rss_mb() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1u64 << 20) as f64
}

/// Lock-step rounds for `tools/ann_bench.py run`, which alternates them with hnswlib's so that
/// both meet the same moments of a shared machine: each line on stdin is a search width; the
/// answer is one pass over the queries at that width, as one line (`p50_us p95_us hits`).
fn lockstep(
    mut graph: Option<GraphIndex>,
    other: Option<Box<dyn VectorIndex>>,
    queries: &[Emotion],
    truth: &[Vec<u32>],
    slot_rows: &[u32],
    rows: &[[f32; DIM]],
    kth: Option<&[f64]>,
) {
    use std::io::{BufRead, Write};
    for line in std::io::stdin().lock().lines() {
        let ef: usize = line
            .expect("stdin reads")
            .trim()
            .parse()
            .expect("a search width");
        if let Some(g) = graph.as_mut() {
            g.set_ef_search(ef);
        }
        let index: &dyn VectorIndex = match (&graph, &other) {
            (Some(g), _) => g,
            (None, Some(o)) => o.as_ref(),
            (None, None) => unreachable!("one index was built"),
        };
        let mut times = Vec::with_capacity(queries.len());
        let mut hits = 0;
        for (i, (q, t)) in queries.iter().zip(truth).enumerate() {
            let started = Instant::now();
            let got = index.search(q, 10);
            times.push(started.elapsed().as_secs_f64() * 1e6);
            hits += got
                .iter()
                .filter(|n| {
                    let id = slot_rows[n.slot as usize];
                    counts(q, &rows[id as usize], id, t, kth.map(|k| k[i]))
                })
                .count();
        }
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
        println!("{:.2} {:.2} {hits}", pct(0.5), pct(0.95));
        std::io::stdout().flush().expect("stdout writes");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let kind = args.get(1).map(String::as_str).unwrap_or("graph");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let data_kind = args.get(3).map(String::as_str).unwrap_or("sparse");
    // One build, measured at each of these search widths (comma-separated).
    let efs: Vec<usize> = args
        .get(4)
        .map(|s| s.split(',').filter_map(|e| e.parse().ok()).collect())
        .unwrap_or_default();
    let ef = efs.first().copied();
    // As the engine does: identical vectors are collapsed before indexing (sparse moods repeat:
    // every single-category mood is the same one-hot vector).
    // `MOODTUNE_BENCH_DB=sqlite://...`: the first n labelled tracks of a catalog (one that
    // `moodtune bench --bench-database-url` built: real titles and playlist names, so the tight
    // clusters of real labels), queried by mixtures of two of its moods.
    // `raw`: the input vectors before `dedup` flushed their tails, for recall against an exact scan
    // over what the catalog really holds.
    let mut truth_ids: Option<Vec<Vec<u32>>> = None;
    // Each query's exact 10th distance, when the files carry it (ties count as found).
    let mut truth_kth: Option<Vec<f64>> = None;
    let (raw, queries) = match std::env::var("MOODTUNE_BENCH_DB") {
        Ok(url) => {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            let rows = rt
                .block_on(async {
                    let c = moodtune_core::store::Catalog::open(
                        &url,
                        2,
                        std::time::Duration::from_secs(30),
                    )
                    .await?;
                    c.load_vectors().await
                })
                .expect("the bench database loads");
            let all: Vec<[f32; DIM]> = rows.iter().take(n).map(|r| r.emotion.0).collect();
            // Mixtures of the catalog's distinct raw moods (as before the flush), so the giant
            // near-identical clusters weigh in the queries as they do in the catalog.
            let data = moodtune_core::index::bitwise_distinct(&all);
            let mut rng = rand::rngs::StdRng::seed_from_u64(2);
            let mut queries = post_moods();
            queries.truncate(1_000);
            let mixtures = 1_000 - queries.len();
            queries.extend((0..mixtures).map(|_| {
                let (a, b) = (
                    data[rng.gen_range(0..data.len())],
                    data[rng.gen_range(0..data.len())],
                );
                let w = rng.gen_range(0.5f32..0.9);
                Emotion(std::array::from_fn(|d| w * a[d] + (1.0 - w) * b[d]))
            }));
            (all, queries)
        }
        Err(_) if std::env::var("MOODTUNE_BENCH_FILES").is_ok() => {
            let dir = std::env::var("MOODTUNE_BENCH_FILES").unwrap();
            let (rows, queries, truth) = from_files(&dir);
            truth_ids = Some(truth);
            truth_kth = kth_of(&dir);
            (rows, queries)
        }
        Err(_) => (
            vectors(n, data_kind, 1),
            vectors(1_000, data_kind, 2)
                .into_iter()
                .map(Emotion)
                .collect(),
        ),
    };
    let (data, groups) = moodtune_core::index::dedup(&raw);
    let distinct = data.len();
    if let Ok(dir) = std::env::var("MOODTUNE_BENCH_EXPORT") {
        return export(&dir, &data, &queries);
    }
    let n = raw.len();
    let rss_before = rss_mb();
    let started = Instant::now();
    // The graph is kept as itself, so its search width can change between measurements.
    let mut graph: Option<GraphIndex> = None;
    let other: Option<Box<dyn VectorIndex>> = match kind {
        "graph" => {
            let mut p = GraphParams::default();
            if let Some(ef) = ef {
                p.ef_search = ef;
            }
            let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
            p.m = env("MOODTUNE_GRAPH_M").unwrap_or(p.m);
            p.ef_construction = env("MOODTUNE_GRAPH_EFC").unwrap_or(p.ef_construction);
            p.hubs = env("MOODTUNE_GRAPH_HUBS").unwrap_or(p.hubs);
            p.hub_seeds = env("MOODTUNE_GRAPH_SEEDS").unwrap_or(p.hub_seeds);
            p.build_threads = env("MOODTUNE_GRAPH_THREADS").unwrap_or(p.build_threads);
            p.renumber = env("MOODTUNE_GRAPH_RENUMBER").map_or(p.renumber, |r: usize| r != 0);
            let g = GraphIndex::build(data.clone(), p);
            eprintln!("hubs={}", g.hub_count());
            graph = Some(g);
            None
        }
        "hnsw" => {
            let mut p = HnswParams::default();
            if let Some(ef) = ef {
                p.ef_search = ef;
            }
            Some(Box::new(HnswIndex::build(&data, p)))
        }
        _ => Some(Box::new(ExactIndex::new(data.clone()))),
    };
    let build = started.elapsed().as_secs_f64();
    let rss_after_build = moodtune_tests::peak_rss_mb();
    let index_mb = rss_mb() - rss_before - (distinct * DIM * 4) as f64 / (1u64 << 20) as f64;
    if let (Some(truth), Ok(_)) = (&truth_ids, std::env::var("MOODTUNE_BENCH_LOCKSTEP")) {
        println!("index={kind} n={n} build_s={build:.1} index_mb={index_mb:.0}");
        let slot_rows: Vec<u32> = groups.iter().map(|g| g[0]).collect();
        return lockstep(
            graph,
            other,
            &queries,
            truth,
            &slot_rows,
            &raw,
            truth_kth.as_deref(),
        );
    }
    // The exact answers, unless the files brought them.
    let (truth, raw_truth) = if truth_ids.is_some() {
        (Vec::new(), Vec::new())
    } else {
        let exact = ExactIndex::new(data);
        let truth: Vec<_> = queries.iter().map(|q| exact.search(q, 10)).collect();
        // The oracle over the raw vectors (only exact duplicates collapsed), and each found
        // slot's distance re-measured on the raw vectors it stands for.
        let raw_exact = ExactIndex::new(moodtune_core::index::bitwise_distinct(&raw));
        (
            truth,
            queries.iter().map(|q| raw_exact.search(q, 10)).collect(),
        )
    };
    // The search widths to measure: those given (the graph re-measured at each), else the
    // index's own.
    let widths: Vec<Option<usize>> = if kind == "graph" && efs.len() > 1 {
        efs.iter().copied().map(Some).collect()
    } else {
        vec![ef]
    };
    for width in widths {
        if let (Some(w), Some(g)) = (width, graph.as_mut()) {
            g.set_ef_search(w);
        }
        let index: &dyn VectorIndex = match (&graph, &other) {
            (Some(g), _) => g,
            (None, Some(o)) => o.as_ref(),
            (None, None) => unreachable!("one index was built"),
        };
        let mut recall = 0.0;
        let mut recall_raw = 0.0;
        let mut found = Vec::with_capacity(queries.len());
        // `MOODTUNE_BENCH_ROUNDS` passes over the queries (default 1); each percentile is the
        // median of the rounds' (a shared 2-core VM's neighbours come and go).
        let rounds: usize = std::env::var("MOODTUNE_BENCH_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(1);
        let mut per_round: Vec<Vec<f64>> = Vec::new();
        for round in 0..rounds.max(1) {
            let mut times = Vec::with_capacity(queries.len());
            for q in &queries {
                let started = Instant::now();
                let got = index.search(q, 10);
                times.push(started.elapsed().as_secs_f64() * 1e6);
                if round == 0 {
                    found.push(got);
                }
            }
            times.sort_by(f64::total_cmp);
            per_round.push(times);
        }
        let pct = |p: f64| {
            let mut at: Vec<f64> = per_round
                .iter()
                .map(|t| t[((t.len() - 1) as f64 * p) as usize])
                .collect();
            at.sort_by(f64::total_cmp);
            at[at.len() / 2]
        };
        let width = width.map_or("default".to_string(), |w| w.to_string());
        if let Ok(path) = std::env::var("MOODTUNE_BENCH_FOUND") {
            // Each query's found rows (u32, 10 per query, u32::MAX for none), to study misses.
            let bytes: Vec<u8> = found
                .iter()
                .flat_map(|got| {
                    (0..10).map(|j| got.get(j).map_or(u32::MAX, |n| groups[n.slot as usize][0]))
                })
                .flat_map(u32::to_le_bytes)
                .collect();
            std::fs::write(&path, bytes).expect("the found rows are written");
        }
        if let Some(truth_ids) = &truth_ids {
            // By row id, as the Python half scores hnswlib (a slot's first row is its row: the
            // files' rows are distinct).
            let hits: usize = found
                .iter()
                .zip(truth_ids)
                .zip(&queries)
                .enumerate()
                .map(|(i, ((got, t), q))| {
                    got.iter()
                        .filter(|n| {
                            let id = groups[n.slot as usize][0];
                            counts(
                                q,
                                &raw[id as usize],
                                id,
                                t,
                                truth_kth.as_ref().map(|k| k[i]),
                            )
                        })
                        .count()
                })
                .sum();
            println!(
                "index={kind} n={n} ef={width} build_s={build:.1} p50_us={:.1} p95_us={:.1} recall@10={:.4} index_mb={index_mb:.0}",
                pct(0.5),
                pct(0.95),
                hits as f64 / (10 * queries.len()) as f64,
            );
            continue;
        }
        for (i, ((q, t), got)) in queries.iter().zip(&truth).zip(found).enumerate() {
            recall += recall_at_k(&got, t);
            // Each found slot stands for every raw vector flushed into it; the engine answers with
            // all of their tracks, so all of them are the found set.
            let mut seen = std::collections::HashSet::new();
            let mut remeasured: Vec<_> = got
                .iter()
                .flat_map(|n| groups[n.slot as usize].iter())
                .filter(|&&i| seen.insert(raw[i as usize].map(f32::to_bits)))
                .map(|&i| moodtune_core::index::Neighbour {
                    slot: i,
                    distance: moodtune_core::index::distance(&q.0, &raw[i as usize]),
                })
                .collect();
            remeasured.sort_by(|a, b| a.distance.total_cmp(&b.distance));
            recall_raw += recall_at_k(&remeasured, &raw_truth[i]);
        }
        println!(
            "index={kind} n={n} distinct={distinct} data={} ef={} build_s={build:.1} p50_us={:.1} p99_us={:.1} recall@10={:.4} recall@10_raw={:.4} peak_rss_mb_after_build={rss_after_build:.0}",
            data_kind,
            width,
            pct(0.5),
            pct(0.99),
            recall / queries.len() as f32,
            recall_raw / queries.len() as f32,
    );
    }
}
