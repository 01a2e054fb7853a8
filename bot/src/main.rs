//! `moodtune`: the binary. Parses the command line, reads configuration from the environment,
//! starts the engine and hands it to an adapter or a one-shot command.
//!
//! With no subcommand and no platform token it opens the console chat on the embedded default
//! (a SQLite file, the bundled demo catalog and the bundled lexicon).

mod cmd;
mod config;
mod config_file;
mod redact;
mod salt;

use clap::{CommandFactory, Parser, Subcommand};

use crate::config::Global;

/// Reads how you feel and answers with songs.
#[derive(Debug, Parser)]
#[command(name = "moodtune", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Chat in the terminal: type a mood, get songs (the default without platform tokens).
    Chat,
    /// Serve the chat platforms whose tokens are set (the default when one is).
    Serve(cmd::serve::Args),
    /// One-shot: print songs for the mood of TEXT.
    Recommend(cmd::recommend::Args),
    /// Import a catalog into the database.
    #[command(subcommand)]
    Import(cmd::import::Import),
    /// Grow the catalog by crawling a music service, then label the new tracks.
    #[command(subcommand)]
    Crawl(cmd::crawl::Crawl),
    /// (Re)compute emotion vectors of tracks whose texts changed.
    Label(cmd::label::Args),
    /// Measure the text analyser on labelled posts.
    #[command(subcommand)]
    Eval(cmd::eval::Eval),
    /// Inspect the catalog.
    #[command(subcommand)]
    Catalog(cmd::catalog::CatalogCmd),
    /// Measure text analysis, labelling, the index at scale and recommendations end to end, on
    /// a synthetic catalog, in one run (the figures of BENCHMARKS.md).
    Bench(cmd::bench::Args),
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let keys = config::file_keys(&Cli::command());
    if let Err(e) = config::apply_config_file(&args, &keys) {
        eprintln!("moodtune: {e:#}");
        return std::process::ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    let serving = match &cli.command {
        None => cli.global.has_platform_token(),
        Some(Command::Serve(_)) | Some(Command::Import(_)) | Some(Command::Crawl(_)) => true,
        _ => false,
    };
    let verbose_default = serving;
    // Secrets: whatever the secret settings hold, from the environment or the file (already
    // exported) or the command line.
    let secrets = keys
        .iter()
        .filter(|k| k.secret)
        .filter_map(|k| std::env::var(&k.env).ok())
        .chain(cli.global.secrets())
        .collect();
    config::init_logging(&cli.global, verbose_default, secrets);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("moodtune: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None if cli.global.has_platform_token() => {
                cmd::serve::run(&cli.global, cmd::serve::Args::default()).await
            }
            None | Some(Command::Chat) => cmd::chat::run(&cli.global).await,
            Some(Command::Serve(args)) => cmd::serve::run(&cli.global, args).await,
            Some(Command::Recommend(args)) => cmd::recommend::run(&cli.global, args).await,
            Some(Command::Import(c)) => cmd::import::run(&cli.global, c).await,
            Some(Command::Crawl(c)) => cmd::crawl::run(&cli.global, c).await,
            Some(Command::Label(a)) => cmd::label::run(&cli.global, a).await,
            Some(Command::Eval(c)) => cmd::eval::run(&cli.global, c).await,
            Some(Command::Catalog(c)) => cmd::catalog::run(&cli.global, c).await,
            Some(Command::Bench(a)) => cmd::bench::run(&cli.global, a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("moodtune: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
