//! `moodtune catalog stats [--json]`: what the catalog holds.

use std::process::ExitCode;

use crate::config::Global;

/// Catalog inspection commands.
#[derive(Debug, clap::Subcommand)]
pub enum CatalogCmd {
    /// Counts of playlists, tracks, artists, lyrics, comments and labelled tracks.
    Stats {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Prints the counts.
pub async fn run(global: &Global, cmd: CatalogCmd) -> anyhow::Result<ExitCode> {
    let CatalogCmd::Stats { json } = cmd;
    // The database alone: inspecting a fresh database must not import, label or index anything.
    let store = global.open_store().await?;
    let s = store.stats().await?;
    if json {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        println!(
            "playlists={} tracks={} artists={} lyrics={} comments={} labelled={}",
            s.playlists, s.tracks, s.artists, s.lyrics, s.comments, s.labelled
        );
    }
    Ok(ExitCode::SUCCESS)
}
