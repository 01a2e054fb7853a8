//! `moodtune` / `moodtune chat`: the console chat.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use moodtune_adapters::console::{self, ConsoleOptions};

use crate::config::Global;

/// Opens the engine and chats on stdin/stdout until /quit or end of input.
pub async fn run(global: &Global) -> anyhow::Result<ExitCode> {
    let engine = Arc::new(global.open_engine().await?);
    let opts = ConsoleOptions {
        lang: global.lang(),
        lang_chosen: global.lang.is_some(),
        prompt: std::io::stdin().is_terminal(),
        ..Default::default()
    };
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    console::run(engine, stdin, tokio::io::stdout(), opts).await?;
    Ok(ExitCode::SUCCESS)
}
