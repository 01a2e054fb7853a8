//! `moodtune import playlists FILE`: load a playlist dump, then label its tracks.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::Global;

/// What to import.
#[derive(Debug, clap::Subcommand)]
pub enum Import {
    /// A playlist dump (tab-separated: id, name, collections, then id::name::artists::pop tracks).
    Playlists {
        /// The dump file.
        file: PathBuf,
    },
}

/// Imports, labels the new tracks and prints a summary.
pub async fn run(global: &Global, cmd: Import) -> anyhow::Result<ExitCode> {
    let Import::Playlists { file } = cmd;
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let (playlists, report) = moodtune_core::dump::parse(&text);
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
    let engine = global.open_engine().await?;
    let summary = engine.catalog().import_playlists(&playlists).await?;
    let label = engine
        .catalog()
        .label_tracks(engine.analyzer(), false)
        .await?;
    println!(
        "imported playlists={} tracks={} new_artists={} pairs={} skipped_lines={} skipped_tracks={} labelled={} no_emotion={}",
        summary.playlists, summary.tracks, summary.new_artists, summary.pairs, report.skipped_lines,
        report.skipped_tracks, label.labelled, label.no_emotion
    );
    Ok(ExitCode::SUCCESS)
}
