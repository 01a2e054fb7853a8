//! Crawl and labelling throughput against the fake NeteaseCloudMusicApi server, on a synthetic
//! catalog (default 200,000 tracks, each with an 8-line lyric and five hot comments).
//!
//! `cargo run --release -p moodtune-tests --bin crawl_bench -- [TRACKS] [CONCURRENCY] [DATABASE_URL]`
//!
//! The fake runs in the same process and shares the CPU with the crawler, so the figures are a
//! floor for the crawler itself. Results go to stdout; see BENCHMARKS.md.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moodtune_core::ingest::crawl::{crawl, CrawlConfig};
use moodtune_core::store::Catalog;
use moodtune_core::text::lexicon::Lexicon;
use moodtune_core::text::{Method, TextAnalyzer};
use moodtune_tests::fake_netease::{CatalogShape, FakeNetease};

const CATEGORIES: &[&str] = &[
    "伤感", "快乐", "安静", "思念", "治愈", "怀旧", "浪漫", "孤独", "感动", "兴奋",
];
const PER_PLAYLIST: usize = 200;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tracks: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let concurrency: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = args.get(3).cloned().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let playlists = tracks.div_ceil(PER_PLAYLIST * CATEGORIES.len());
    let shape = CatalogShape {
        categories: CATEGORIES.iter().map(|c| c.to_string()).collect(),
        playlists_per_category: playlists,
        tracks_per_playlist: PER_PLAYLIST,
        track_pool: tracks,
        comments_per_track: 5,
        delay: Duration::ZERO,
    };
    let fake = FakeNetease::start(shape).await;
    let catalog = Catalog::open(&url, 8, Duration::from_secs(30))
        .await
        .expect("database");
    let cfg = CrawlConfig {
        api: fake.url.clone(),
        categories: CATEGORIES.iter().map(|c| c.to_string()).collect(),
        playlists_per_category: playlists,
        comments: 5,
        concurrency,
        rate_per_sec: 0.0,
        ..CrawlConfig::default()
    };
    let t = Instant::now();
    let s = crawl(
        &catalog,
        &cfg,
        Arc::new(AtomicBool::new(false)),
        Arc::new(|_| {}),
    )
    .await
    .expect("crawl");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "crawl: {} playlists, {} tracks, {} lyrics (+{} without), {} comments, {} failures; {} requests in {:.1} s = {:.0} requests/s, {:.0} tracks/s (concurrency {})",
        s.playlists_stored, s.tracks, s.lyrics, s.no_lyrics, s.comments, s.failures, s.requests,
        secs, s.requests as f64 / secs, s.tracks as f64 / secs, concurrency
    );
    let analyzer = TextAnalyzer::new(Lexicon::embedded().0, Method::default());
    let t = Instant::now();
    let l = moodtune_core::ingest::label_tracks(&catalog, &analyzer, false)
        .await
        .expect("label");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "label: {} tracks ({} labelled, {} without emotion) in {:.1} s = {:.0} tracks/s",
        l.tracks,
        l.labelled,
        l.no_emotion,
        secs,
        l.tracks as f64 / secs
    );
    println!(
        "peak RSS {:.0} MB; database {}",
        moodtune_tests::peak_rss_mb(),
        moodtune_core::store::redact_url(&url)
    );
}
