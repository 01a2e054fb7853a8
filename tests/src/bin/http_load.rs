//! Load test of the HTTP API on loopback: the real engine on the demo catalog (a fresh SQLite
//! file), the real axum server, and a reqwest client sending a bounded number of
//! `POST /v1/recommend` requests with a fixed concurrency. Prints throughput, latency percentiles
//! and every status seen; exits non-zero if any request failed or was answered 5xx.
//!
//! `cargo run --release -p moodtune-tests --bin http_load -- [REQUESTS] [CONCURRENCY]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use moodtune_adapters::http::{self, HttpOptions};

const POSTS: &str = include_str!("../../fixtures/posts.txt");

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let total: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let concurrency: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = moodtune_core::EngineConfig {
        database_url: format!("sqlite://{}?mode=rwc", dir.path().join("load.db").display()),
        ..Default::default()
    };
    let engine = Arc::new(moodtune_core::Engine::open(config).await.expect("engine"));
    engine.wait_for_index().await;
    // The engine alone first: end-to-end `recommend_text` (analysis, index, track details).
    let posts_all: Vec<&str> = POSTS.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut direct = Vec::with_capacity(2_000);
    for i in 0..2_000 {
        let t = Instant::now();
        let _ = engine
            .recommend_text(posts_all[i % posts_all.len()], 10)
            .await;
        direct.push(t.elapsed());
    }
    direct.sort();
    println!(
        "engine.recommend_text, 2,000 calls one at a time: p50 {:?}, p99 {:?}, max {:?}",
        direct[direct.len() / 2],
        direct[direct.len() * 99 / 100],
        direct.last().unwrap()
    );
    // A chat request of a person with history: their taste read from the store, the reply
    // ranked for them, the mood remembered (what a Telegram or Discord message costs beyond the
    // plain reply). The person first rates four songs of a sad reply.
    let person = engine.user_key("load", 1);
    let listener = moodtune_core::Listener::today(person.seed());
    let first = engine
        .recommend_text("下雨天一个人，有点难过", 10)
        .await
        .expect("songs");
    for (i, t) in first.tracks.iter().take(4).enumerate() {
        let verdict = if i < 2 {
            moodtune_core::Verdict::Dislike
        } else {
            moodtune_core::Verdict::Like
        };
        engine
            .rate(&person, t.info.id, verdict)
            .await
            .expect("rated");
    }
    let mut remembered = Vec::with_capacity(2_000);
    for i in 0..2_000 {
        let t = Instant::now();
        let taste = engine.taste(&person).await.expect("taste");
        if let Ok((mood, _)) = engine.read_text(posts_all[i % posts_all.len()]) {
            let _ = engine
                .recommend_tasted(&mood, 10, 0, listener, &taste)
                .await;
            engine
                .remember_mood(&person, &mood, moodtune_core::MoodSource::Text)
                .await
                .expect("remembered");
        }
        remembered.push(t.elapsed());
    }
    remembered.sort();
    println!(
        "taste + recommend_tasted + remember_mood (a person with 4 ratings), 2,000 calls one at a time: p50 {:?}, p99 {:?}, max {:?}",
        remembered[remembered.len() / 2],
        remembered[remembered.len() * 99 / 100],
        remembered.last().unwrap()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let opts = HttpOptions {
        listen: format!("127.0.0.1:{port}").parse().unwrap(),
        burst: u32::MAX / 2, // one client address sends everything: no per-IP limit here
        every: Duration::from_millis(1),
        metrics: Default::default(),
    };
    tokio::spawn(http::run(engine, opts, std::future::pending::<()>()));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let posts: Arc<Vec<&'static str>> =
        Arc::new(POSTS.lines().filter(|l| !l.trim().is_empty()).collect());
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, base, posts, next) =
            (client.clone(), base.clone(), posts.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= total {
                    break;
                }
                let t = Instant::now();
                let status = client
                    .post(format!("{base}/v1/recommend"))
                    .json(&serde_json::json!({"text": posts[i % posts.len()], "k": 10}))
                    .send()
                    .await
                    .map(|r| r.status().as_u16());
                // Read nothing more: the status and the time to the response head are what count,
                // but the body is consumed by dropping the response.
                out.push((t.elapsed(), status.ok()));
            }
            out
        }));
    }
    let mut results = Vec::with_capacity(total);
    for t in tasks {
        results.extend(t.await.unwrap());
    }
    let secs = started.elapsed().as_secs_f64();
    let mut lat: Vec<Duration> = results.iter().map(|(d, _)| *d).collect();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1];
    let mut statuses = std::collections::BTreeMap::new();
    for (_, s) in &results {
        *statuses
            .entry(s.map(|s| s.to_string()).unwrap_or("error".into()))
            .or_insert(0) += 1;
    }
    println!(
        "{} requests, concurrency {}: {:.0} requests/s; latency p50 {:?}, p90 {:?}, p99 {:?}, max {:?}; statuses {:?}",
        results.len(), concurrency, results.len() as f64 / secs, pct(0.5), pct(0.9), pct(0.99),
        lat.last().unwrap(), statuses
    );
    let bad = results
        .iter()
        .filter(|(_, s)| s.is_none_or(|s| s >= 500))
        .count();
    if bad > 0 {
        eprintln!("{bad} requests failed or got 5xx");
        std::process::exit(1);
    }
}
