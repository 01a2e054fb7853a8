//! `moodtune recommend [-k N] [--json] [--user ID] (TEXT | --photo PATH)`: songs for one mood, then exit.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use moodtune_adapters::render;
use moodtune_core::{Listener, RecommendError};

use crate::config::Global;

/// Arguments of `recommend`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of songs.
    #[arg(short, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    k: u16,
    /// Print JSON: {"emotion": {...}, "tracks": [{"id", "name", "artists", "url", "distance"}]}
    /// (plus "faces": [{"bbox", "emotion"}] for a photo).
    #[arg(long)]
    json: bool,
    /// Rank for this listener (a platform user id): what that person would get today. Without
    /// it, the plain best-first ranking.
    #[arg(long)]
    user: Option<u64>,
    /// With --user: the day (days since 1970-01-01 UTC) instead of today.
    #[arg(long, requires = "user")]
    day: Option<u64>,
    /// Read the mood from a photo (PNG, JPEG, WebP, GIF) instead of text.
    #[arg(long, conflicts_with = "text")]
    photo: Option<PathBuf>,
    /// The mood text (several words are joined with spaces).
    #[arg(required_unless_present = "photo", num_args = 1..)]
    text: Vec<String>,
}

/// Prints the recommendation; a mood that cannot be served exits with code 2 and a clear message.
pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let engine = global.open_engine().await?;
    let k = args.k as usize;
    let listener = match (args.user, args.day) {
        (Some(user), Some(day)) => Listener::on_day(user, day),
        (Some(user), None) => Listener::today(user),
        _ => Listener::ANYONE,
    };
    let result = match &args.photo {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            engine
                .recommend_photo_for(bytes, k, listener)
                .await
                .map(|(rec, faces)| (rec, Some(faces)))
        }
        None => engine
            .recommend_text_for(&args.text.join(" "), k, listener)
            .await
            .map(|rec| (rec, None)),
    };
    match result {
        Ok((rec, faces)) if args.json => {
            let v = moodtune_adapters::wire::RecommendationView::new(&rec, faces.as_deref());
            println!("{}", serde_json::to_string_pretty(&v)?);
            Ok(ExitCode::SUCCESS)
        }
        Ok((rec, faces)) => {
            if let Some(faces) = faces {
                println!("faces: {}", faces.len());
            }
            print!("{}", render::plain(&rec, global.lang()));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if let RecommendError::Storage(cause) = &e {
                tracing::error!(error = %cause, "storage failed");
            }
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"error": {"code": e.code(), "message": e.to_string()}})
                );
            } else {
                eprintln!("{}", global.lang().messages().error(&e));
            }
            Ok(ExitCode::from(2))
        }
    }
}
