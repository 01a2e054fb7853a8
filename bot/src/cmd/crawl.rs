//! `moodtune crawl netease --api URL ...`: grow the catalog from a NeteaseCloudMusicApi server,
//! then label what changed.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use moodtune_core::ingest::crawl::{self, CrawlConfig, Progress};

use crate::config::Global;

/// Sources to crawl.
#[derive(Debug, clap::Subcommand)]
pub enum Crawl {
    /// NetEase Cloud Music through a self-hosted NeteaseCloudMusicApi server (`node app.js`).
    Netease(NeteaseArgs),
}

/// Options of a NetEase crawl.
#[derive(Debug, clap::Args)]
pub struct NeteaseArgs {
    /// Base URL of the NeteaseCloudMusicApi server.
    #[arg(
        long = "api",
        env = "MOODTUNE_NETEASE_API",
        default_value = "http://127.0.0.1:3000"
    )]
    netease_api: String,
    /// Playlist category, repeatable (default: the seed's mood categories).
    #[arg(long = "category")]
    categories: Vec<String>,
    /// Top playlists per category.
    #[arg(long, default_value_t = 50)]
    playlists: usize,
    /// Hot comments per track (0: none).
    #[arg(long, default_value_t = 20)]
    comments: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Requests per second over all workers (0: no cap).
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Retries of a failed request (timeouts, 5xx, NetEase errors), with exponential backoff.
    #[arg(long, default_value_t = 4)]
    retries: u32,
    /// First backoff in milliseconds; doubles after each failure.
    #[arg(long, default_value_t = 500)]
    backoff_ms: u64,
    /// Fetch stored playlists again (to pick up tracks added since).
    #[arg(long)]
    refresh: bool,
    /// Do not label the new tracks afterwards (run `moodtune label` later).
    #[arg(long)]
    no_label: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the crawl with a progress bar; Ctrl-C stops it cleanly (a second Ctrl-C exits at once).
pub async fn run(global: &Global, cmd: Crawl) -> anyhow::Result<ExitCode> {
    let Crawl::Netease(args) = cmd;
    let defaults = CrawlConfig::default();
    let cfg = CrawlConfig {
        api: args.netease_api,
        categories: if args.categories.is_empty() {
            defaults.categories.clone()
        } else {
            args.categories
        },
        playlists_per_category: args.playlists,
        comments: args.comments,
        concurrency: args.concurrency.clamp(1, 64),
        rate_per_sec: args.rate.max(0.0),
        retries: args.retries,
        backoff: Duration::from_millis(args.backoff_ms),
        refresh: args.refresh,
        ..defaults
    };
    let store = global.open_store().await?;

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping: finishing requests in flight (Ctrl-C again to quit now)");
                stop.store(true, Ordering::SeqCst);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
    }

    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:>10} [{bar:30}] {pos}/{len} {per_sec} eta {eta}",
        )
        .expect("template")
        .progress_chars("=> "),
    );
    bar.set_message("listing");
    bar.enable_steady_tick(Duration::from_millis(200));
    let shown = bar.clone();
    let progress = Arc::new(move |p: Progress| match p {
        Progress::Listed { todo, .. } => {
            shown.set_message("playlists");
            shown.set_length(todo as u64);
            shown.set_position(0);
        }
        Progress::PlaylistDone | Progress::TrackDone => shown.inc(1),
        Progress::TracksQueued(n) => {
            shown.set_message("tracks");
            shown.set_length(n as u64);
            shown.set_position(0);
        }
        Progress::Failed(_) => {}
    });
    let result = crawl::crawl(&store, &cfg, stop, progress).await;
    bar.finish_and_clear();
    let summary = result?;

    let label = if args.no_label {
        None
    } else {
        Some(
            moodtune_core::ingest::label_tracks(
                &store,
                &global.analyzer(moodtune_core::Method::default())?,
                false,
            )
            .await?,
        )
    };
    if args.json {
        let mut v = serde_json::to_value(&summary)?;
        if let Some(l) = &label {
            v["labelled"] = l.labelled.into();
            v["no_emotion"] = l.no_emotion.into();
        }
        println!("{v}");
    } else {
        let secs = (summary.elapsed_ms as f64 / 1000.0).max(0.001);
        println!(
            "crawled playlists={} (skipped {} stored before) tracks={} lyrics={} no_lyrics={} comments={} failures={} requests={} retries={} in {:.1}s ({:.0} requests/s){}",
            summary.playlists_stored,
            summary.playlists_skipped,
            summary.tracks,
            summary.lyrics,
            summary.no_lyrics,
            summary.comments,
            summary.failures,
            summary.requests,
            summary.retries,
            secs,
            summary.requests as f64 / secs,
            if summary.interrupted { " — interrupted; run again to resume" } else { "" },
        );
        if let Some(l) = &label {
            println!("labelled={} no_emotion={}", l.labelled, l.no_emotion);
        }
    }
    Ok(if summary.interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}
