//! `moodtune import playlists FILE`: load a playlist dump, then label its tracks.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use moodtune_core::ingest::label_tracks;
use moodtune_core::Method;

use crate::config::Global;

/// What to import.
#[derive(Debug, clap::Subcommand)]
pub enum Import {
    /// A playlist dump (tab-separated: id, name, collections, then id::name::artists::pop tracks).
    Playlists {
        /// The dump file.
        file: PathBuf,
    },
    /// The bundled demo catalog (634 NetEase playlists), as the bot's first start loads it.
    Demo,
}

/// Imports, labels the new tracks and prints a summary.
pub async fn run(global: &Global, cmd: Import) -> anyhow::Result<ExitCode> {
    let file = match cmd {
        Import::Playlists { file } => file,
        Import::Demo => return import_demo(global).await,
    };
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let (playlists, report) = moodtune_core::ingest::dump::parse(&text);
    for (line, what) in report.problems.iter().take(10) {
        tracing::warn!(line, what, "skipped part of the dump");
    }
    if playlists.is_empty() {
        anyhow::bail!(
            "{} holds no playlists ({} lines skipped)",
            file.display(),
            report.skipped_lines
        );
    }
    let store = global.open_store().await?;
    let summary = store.import_playlists(&playlists).await?;
    let label = label_tracks(&store, &global.analyzer(Method::default())?, false).await?;
    println!(
        "imported playlists={} tracks={} new_artists={} pairs={} skipped_lines={} skipped_tracks={} labelled={} no_emotion={}",
        summary.playlists, summary.tracks, summary.new_artists, summary.pairs, report.skipped_lines,
        report.skipped_tracks, label.labelled, label.no_emotion
    );
    Ok(ExitCode::SUCCESS)
}

/// Imports the bundled demo catalog and labels it.
async fn import_demo(global: &Global) -> anyhow::Result<ExitCode> {
    let store = global.open_store().await?;
    let summary = moodtune_core::ingest::dump::import_demo(&store).await?;
    let label = label_tracks(&store, &global.analyzer(Method::default())?, false).await?;
    println!(
        "imported playlists={} tracks={} new_artists={} pairs={} labelled={} no_emotion={}",
        summary.playlists,
        summary.tracks,
        summary.new_artists,
        summary.pairs,
        label.labelled,
        label.no_emotion
    );
    Ok(ExitCode::SUCCESS)
}
