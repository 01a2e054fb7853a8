//! Configuration: command-line flags, each with an environment variable behind it.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use moodtune_core::{Engine, EngineConfig, Method};
use tracing_subscriber::EnvFilter;

/// Settings shared by every subcommand.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// Database URL: a SQLite file (created on first run) or postgres://user@host/db.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://moodtune.db?mode=rwc"
    )]
    pub database_url: String,
    /// A DLUT-format lexicon CSV to use instead of the embedded one.
    #[arg(long, global = true, env = "MOODTUNE_LEXICON")]
    pub lexicon: Option<PathBuf>,
    /// Do not load the bundled demo catalog into an empty database.
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_NO_DEMO",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub no_demo: bool,
    /// Reply language (zh or en); default from LANG.
    #[arg(long, global = true, env = "MOODTUNE_LANG")]
    pub lang: Option<String>,
    /// Database pool size.
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_DB_MAX_CONNECTIONS",
        default_value_t = 8
    )]
    pub db_max_connections: u32,
    /// Seconds to wait for the database before giving up.
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_DB_TIMEOUT_SECS",
        default_value_t = 5
    )]
    pub db_timeout_secs: u64,
    /// Longest mood text accepted, in characters.
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_MAX_TEXT_CHARS",
        default_value_t = 4000
    )]
    pub max_text_chars: usize,
    /// Comma-separated title words whose tracks are never recommended (re-uploads); empty keeps
    /// everything. Default: dj, remix, 抖音, sped-up and slowed-down copies.
    #[arg(long, global = true, env = "MOODTUNE_EXCLUDE_TITLES")]
    pub exclude_titles: Option<String>,
    /// Telegram bot token; when set, `moodtune` serves Telegram instead of the console chat.
    #[arg(long, global = true, env = "TELOXIDE_TOKEN", hide_env_values = true)]
    pub telegram_token: Option<String>,
    /// Discord bot token; when set, `moodtune` serves Discord (beside Telegram if both are set).
    #[arg(long, global = true, env = "DISCORD_TOKEN", hide_env_values = true)]
    pub discord_token: Option<String>,
    /// Discord REST base URL of a proxy (e.g. a rate-limit proxy); default Discord itself.
    #[arg(long, global = true, env = "DISCORD_PROXY_URL")]
    pub discord_proxy_url: Option<String>,
    /// Register Discord commands in this guild only (instant) instead of globally.
    #[arg(long, global = true, env = "DISCORD_GUILD_ID")]
    pub discord_guild: Option<u64>,
    /// Telegram Bot API base URL (a self-hosted Bot API server); default the official one.
    #[arg(long, global = true, env = "TELEGRAM_API_URL")]
    pub telegram_api_url: Option<String>,
    /// Requests one user may make at once (then one more per --rate-every-secs); 0 = unlimited.
    #[arg(long, global = true, env = "MOODTUNE_RATE_BURST", default_value_t = 5)]
    pub rate_burst: u32,
    /// Seconds for one more request to be allowed.
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_RATE_EVERY_SECS",
        default_value_t = 6
    )]
    pub rate_every_secs: u64,
    /// Log more (info level) to stderr; RUST_LOG overrides.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

impl Global {
    /// The engine configuration these settings describe.
    pub fn engine_config(&self, method: Method) -> EngineConfig {
        EngineConfig {
            database_url: self.database_url.clone(),
            lexicon_path: self.lexicon.clone(),
            load_demo: !self.no_demo,
            method,
            db_max_connections: self.db_max_connections,
            db_timeout: Duration::from_secs(self.db_timeout_secs.max(1)),
            max_text_chars: self.max_text_chars.max(1),
            excluded_title_words: match &self.exclude_titles {
                Some(list) => list
                    .split(',')
                    .map(|w| w.trim().to_lowercase())
                    .filter(|w| !w.is_empty())
                    .collect(),
                None => EngineConfig::default().excluded_title_words,
            },
            ..EngineConfig::default()
        }
    }

    /// Whether a chat platform token is set (then `moodtune` serves instead of chatting).
    pub fn has_platform_token(&self) -> bool {
        [&self.telegram_token, &self.discord_token]
            .iter()
            .any(|t| t.as_deref().is_some_and(|t| !t.trim().is_empty()))
    }

    /// Opens the engine with the default text method.
    pub async fn open_engine(&self) -> anyhow::Result<Engine> {
        Engine::open(self.engine_config(Method::default()))
            .await
            .context("cannot start the engine")
    }

    /// The reply language: the flag, then LANG / LC_ALL, then English.
    pub fn lang(&self) -> moodtune_adapters::Lang {
        self.lang
            .as_deref()
            .and_then(moodtune_adapters::Lang::parse)
            .or_else(|| {
                std::env::var("LC_ALL")
                    .ok()
                    .as_deref()
                    .and_then(moodtune_adapters::Lang::parse)
            })
            .or_else(|| {
                std::env::var("LANG")
                    .ok()
                    .as_deref()
                    .and_then(moodtune_adapters::Lang::parse)
            })
            .unwrap_or_default()
    }
}

/// Logs go to stderr; `RUST_LOG` wins, else info with `-v` (or for long-running modes), else warn.
pub fn init_logging(global: &Global, verbose_default: bool) {
    let level = if global.verbose || verbose_default {
        "info"
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
