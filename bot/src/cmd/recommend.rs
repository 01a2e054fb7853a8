//! `moodtune recommend [-k N] [--json] TEXT`: songs for one mood, then exit.

use std::process::ExitCode;

use moodtune_adapters::render;

use crate::config::Global;

/// Arguments of `recommend`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of songs.
    #[arg(short, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    k: u16,
    /// Print JSON: {"emotion": {...}, "tracks": [{"id", "name", "artists", "url", "distance"}]}.
    #[arg(long)]
    json: bool,
    /// The mood text (several words are joined with spaces).
    #[arg(required = true, num_args = 1..)]
    text: Vec<String>,
}

/// Prints the recommendation; a mood that cannot be served exits with code 2 and a clear message.
pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let engine = global.open_engine().await?;
    let text = args.text.join(" ");
    match engine.recommend_text(&text, args.k as usize).await {
        Ok(rec) if args.json => {
            println!("{}", serde_json::to_string_pretty(&rec.to_json())?);
            Ok(ExitCode::SUCCESS)
        }
        Ok(rec) => {
            print!("{}", render::plain(&rec, global.lang()));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if args.json {
                let code = match e {
                    moodtune_core::RecommendError::Empty => "empty_text",
                    moodtune_core::RecommendError::TooLong { .. } => "text_too_long",
                    moodtune_core::RecommendError::NoEmotion => "no_emotion",
                    moodtune_core::RecommendError::EmptyCatalog => "empty_catalog",
                    moodtune_core::RecommendError::Storage(_) => "storage_unavailable",
                };
                println!(
                    "{}",
                    serde_json::json!({"error": {"code": code, "message": e.to_string()}})
                );
            } else {
                eprintln!("{}", global.lang().messages().error(&e));
            }
            Ok(ExitCode::from(2))
        }
    }
}
