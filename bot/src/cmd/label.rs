//! `moodtune label [--all]`: (re)compute emotion vectors of tracks whose texts changed.

use std::process::ExitCode;
use std::time::Instant;

use moodtune_core::ingest::label_tracks;
use moodtune_core::Method;

use crate::config::Global;

/// Options of a labelling run.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Relabel every track, not only those whose texts changed or whose label is outdated.
    #[arg(long)]
    all: bool,
}

/// Labels and prints a summary with the throughput.
pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let store = global.open_store().await?;
    let analyzer = global.analyzer(Method::default())?;
    let started = Instant::now();
    let s = label_tracks(&store, &analyzer, args.all).await?;
    if s.busy {
        eprintln!(
            "another moodtune process is labelling this catalog right now; nothing to do here"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let secs = started.elapsed().as_secs_f64().max(0.001);
    println!(
        "labelled={} no_emotion={} tracks={} in {:.1}s ({:.0} tracks/s)",
        s.labelled,
        s.no_emotion,
        s.tracks,
        secs,
        s.tracks as f64 / secs
    );
    Ok(ExitCode::SUCCESS)
}
