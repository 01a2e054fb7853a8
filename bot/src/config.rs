//! Configuration: command-line flags, each with an environment variable behind it, and the
//! configuration file whose keys are those same settings. One table: the clap definitions.
//! Defaults come from the engine's and the pipeline's own (`EngineConfig::default()`,
//! `pipeline::DEFAULT_*`), so no default is written twice.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use moodtune_core::engine::IndexChoice;
use moodtune_core::store::Catalog;
use moodtune_core::{Engine, EngineConfig, Method, TextAnalyzer};
use tracing_subscriber::EnvFilter;

pub use crate::config_file::{parse_config, FileKey};

/// Settings shared by every subcommand.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// Database URL: a SQLite file (created on first run) or postgres://user@host/db.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value_t = EngineConfig::default().database_url
    )]
    pub database_url: String,
    /// A DLUT-format lexicon CSV to use instead of the embedded one.
    #[arg(long, global = true, env = "MOODTUNE_LEXICON")]
    pub lexicon: Option<PathBuf>,
    /// Read photos with this exported EMOTIC model (NAME.thresholds.json beside it) instead of
    /// the bundled face-expression models (see tools/export_emotic.py).
    #[arg(long, global = true, env = "MOODTUNE_EMOTIC_MODEL")]
    pub emotic_model: Option<PathBuf>,
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
        default_value_t = EngineConfig::default().db_max_connections
    )]
    pub db_max_connections: u32,
    /// Seconds to wait for the database before giving up.
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_DB_TIMEOUT_SECS",
        default_value_t = EngineConfig::default().db_timeout.as_secs()
    )]
    pub db_timeout_secs: u64,
    /// Longest mood text accepted, in characters.
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_MAX_TEXT_CHARS",
        default_value_t = EngineConfig::default().max_text_chars
    )]
    pub max_text_chars: usize,
    /// The approximate index built for large catalogs: `graph` (moodtune's own HNSW) or
    /// `instant-distance`; the graph's parameters may follow, e.g. `graph:m=20,ef=56,efc=64`.
    #[arg(long, global = true, env = "MOODTUNE_INDEX", default_value = "graph", value_parser = parse_index)]
    pub index: IndexChoice,
    /// Where the built index is kept between runs, so a restart serves from it at once: a file
    /// path, `off`, or `auto` (beside a SQLite database file, else `moodtune-index.graph` in the
    /// working directory). Only used once a catalog is large enough to need the graph.
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_INDEX_SNAPSHOT",
        default_value = "auto"
    )]
    pub index_snapshot: String,
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
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_RATE_BURST",
        default_value_t = moodtune_adapters::pipeline::DEFAULT_BURST
    )]
    pub rate_burst: u32,
    /// Seconds for one more request to be allowed.
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_RATE_EVERY_SECS",
        default_value_t = moodtune_adapters::pipeline::DEFAULT_EVERY.as_secs()
    )]
    pub rate_every_secs: u64,
    /// Days a person's moods and 👍/👎 are kept (each from when it was last set); 0 keeps
    /// nothing at all (no history, no ratings).
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_MEMORY_DAYS",
        default_value_t = moodtune_core::engine::DEFAULT_MEMORY_DAYS
    )]
    pub memory_days: u32,
    /// The secret that salts people's keys in the database (every process of a fleet needs the
    /// same); when unset, the salt file's.
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_USER_SALT",
        hide_env_values = true
    )]
    pub user_salt: Option<String>,
    /// File holding the salt when MOODTUNE_USER_SALT is unset, created (private) on first run:
    /// a path, or `auto` (beside a SQLite database file, else `moodtune-user-salt` here).
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_USER_SALT_FILE",
        default_value = "auto"
    )]
    pub user_salt_file: String,
    /// Configuration file (TOML); default `moodtune.toml` in the working directory when present.
    /// Environment variables override its keys.
    #[arg(long, global = true, env = "MOODTUNE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format on stderr: `human` or `json` (one JSON object per line).
    #[arg(
        long,
        global = true,
        env = "MOODTUNE_LOG_FORMAT",
        default_value = "human"
    )]
    pub log_format: LogFormat,
    /// Log more (info level) to stderr; RUST_LOG overrides.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

fn parse_index(s: &str) -> Result<IndexChoice, String> {
    IndexChoice::parse(s).ok_or_else(|| {
        format!(
            "unknown index {s:?} (graph, graph:m=M,ef_construction=N,ef=N, or instant-distance)"
        )
    })
}

impl Global {
    /// The engine configuration these settings describe.
    pub fn engine_config(&self, method: Method) -> EngineConfig {
        EngineConfig {
            database_url: self.database_url.clone(),
            lexicon_path: self.lexicon.clone(),
            emotic_model: self.emotic_model.clone(),
            load_demo: !self.no_demo,
            method,
            db_max_connections: self.db_max_connections,
            db_timeout: Duration::from_secs(self.db_timeout_secs.max(1)),
            max_text_chars: self.max_text_chars.max(1),
            index: self.index,
            index_snapshot: snapshot_path(&self.index_snapshot, &self.database_url),
            excluded_title_words: match &self.exclude_titles {
                Some(list) => list
                    .split(',')
                    .map(|w| w.trim().to_lowercase())
                    .filter(|w| !w.is_empty())
                    .collect(),
                None => EngineConfig::default().excluded_title_words,
            },
            memory_days: self.memory_days,
            ..EngineConfig::default()
        }
    }

    /// The secret values these settings hold (tokens, the salt), for the log to blank.
    pub fn secrets(&self) -> impl Iterator<Item = String> + '_ {
        [&self.telegram_token, &self.discord_token, &self.user_salt]
            .into_iter()
            .flatten()
            .cloned()
    }

    /// Whether a chat platform token is set (then `moodtune` serves instead of chatting).
    pub fn has_platform_token(&self) -> bool {
        [&self.telegram_token, &self.discord_token]
            .iter()
            .any(|t| t.as_deref().is_some_and(|t| !t.trim().is_empty()))
    }

    /// Opens only the database (migrating it), for the commands that need nothing else: no demo
    /// import, no labelling, no index.
    pub async fn open_store(&self) -> anyhow::Result<Catalog> {
        let c = self.engine_config(Method::default());
        Catalog::open(&c.database_url, c.db_max_connections, c.db_timeout)
            .await
            .context("cannot open the database")
    }

    /// The text analyser with the configured lexicon (what labelling and evaluation read with).
    pub fn analyzer(&self, method: Method) -> anyhow::Result<TextAnalyzer> {
        let (lexicon, _) = moodtune_core::text::load_lexicon(self.lexicon.as_deref())?;
        Ok(TextAnalyzer::new(lexicon, method))
    }

    /// Opens the engine with the default text method.
    pub async fn open_engine(&self) -> anyhow::Result<Engine> {
        self.open_engine_once()
            .await
            .context("cannot start the engine")
    }

    /// One attempt at opening the engine, with the error kept typed (the server retries a
    /// database that is down).
    pub async fn open_engine_once(&self) -> Result<Engine, moodtune_core::StartError> {
        let mut config = self.engine_config(Method::default());
        if config.memory_days > 0 {
            let file = crate::salt::salt_path(&self.user_salt_file, &self.database_url);
            config.user_salt = crate::salt::resolve(self.user_salt.as_deref(), file.as_deref());
        }
        Engine::open(config).await
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

/// The index snapshot file `setting` names (`off`, `auto` or a path) for this database.
fn snapshot_path(setting: &str, database_url: &str) -> Option<PathBuf> {
    match setting.trim() {
        "" | "off" | "none" => None,
        "auto" => {
            let file = database_url
                .strip_prefix("sqlite://")
                .map(|rest| rest.split('?').next().unwrap_or(rest))
                .filter(|f| !f.is_empty() && !f.starts_with(':') && !f.contains("memory"));
            Some(match file {
                Some(f) => PathBuf::from(format!("{f}.graph")),
                None => PathBuf::from("moodtune-index.graph"),
            })
        }
        path => Some(PathBuf::from(path)),
    }
}

/// Logs go to stderr; `RUST_LOG` wins, else info with `-v` (or for long-running modes), else warn.
/// Every line is scrubbed of `secrets` (the tokens and the salt, at any level, from any crate),
/// and carries terminal colours only when stderr is a terminal (piped logs stay plain text).
pub fn init_logging(global: &Global, verbose_default: bool, secrets: Vec<String>) {
    use std::io::IsTerminal;
    let level = if global.verbose || verbose_default {
        "info"
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(crate::redact::Redacting::new(secrets));
    match global.log_format {
        LogFormat::Human => fmt.init(),
        LogFormat::Json => fmt.json().with_current_span(true).init(),
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Readable lines.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Every setting of `cmd` (and its subcommands) that has an environment variable, read off the
/// command-line definition itself: the file, the flags and the environment cannot drift apart.
pub fn file_keys(cmd: &clap::Command) -> Vec<FileKey> {
    fn collect(cmd: &clap::Command, out: &mut Vec<FileKey>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if let (Some(env), true) = (arg.get_env(), id != "config") {
                out.push(FileKey {
                    key: id.to_string(),
                    env: env.to_string_lossy().into_owned(),
                    secret: arg.is_hide_env_values_set(),
                });
            }
        }
        for sub in cmd.get_subcommands() {
            collect(sub, out);
        }
    }
    let mut out = Vec::new();
    collect(cmd, &mut out);
    out.sort();
    out.dedup();
    out
}

/// Reads the configuration file named by `--config`/`MOODTUNE_CONFIG` (or `./moodtune.toml` when
/// present) and exports its keys as the environment variables they stand for, unless set. Runs
/// before the command line is parsed, while the process has one thread.
pub fn apply_config_file(args: &[String], keys: &[FileKey]) -> anyhow::Result<Option<PathBuf>> {
    let named = args
        .iter()
        .position(|a| a == "--config")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| {
            args.iter()
                .find_map(|a| a.strip_prefix("--config=").map(String::from))
        })
        .or_else(|| std::env::var("MOODTUNE_CONFIG").ok())
        .map(PathBuf::from);
    let path = match named {
        Some(p) => p,
        None if std::path::Path::new("moodtune.toml").is_file() => PathBuf::from("moodtune.toml"),
        None => return Ok(None),
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    for (key, value) in
        parse_config(&text, keys).map_err(|e| anyhow::anyhow!("in {}: {e}", path.display()))?
    {
        let env = &key.env;
        if key.secret && readable_by_others(&path) {
            anyhow::bail!(
                "{} holds `{}` but others can read it: `chmod 600 {}` or set {env} in the environment",
                path.display(),
                key.key,
                path.display()
            );
        }
        if std::env::var_os(env).is_none() {
            std::env::set_var(env, value);
        }
    }
    Ok(Some(path))
}

#[cfg(unix)]
pub(crate) fn readable_by_others(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o077 != 0)
        .unwrap_or(true)
}

#[cfg(not(unix))]
pub(crate) fn readable_by_others(_path: &std::path::Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_map_to_environment_variables() {
        use clap::CommandFactory;
        let keys = file_keys(&crate::Cli::command());
        let got = parse_config(
            "database_url = \"postgres://db/x\"\nrate_burst = 3\nno_demo = true\n",
            &keys,
        )
        .unwrap();
        let got: Vec<(&str, &str)> = got
            .iter()
            .map(|(k, v)| (k.env.as_str(), v.as_str()))
            .collect();
        assert!(got.contains(&("DATABASE_URL", "postgres://db/x")));
        assert!(got.contains(&("MOODTUNE_RATE_BURST", "3")));
        assert!(got.contains(&("MOODTUNE_NO_DEMO", "true")));
        let err = parse_config("databse_url = \"x\"", &keys)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `databse_url`"), "{err}");
        assert!(parse_config("rate_burst = [1]", &keys).is_err());
        assert!(parse_config("not toml at all =", &keys).is_err());
        // Every key the README documents is a setting, under the name the README gives it.
        let table: Vec<(&str, &str, bool)> = keys
            .iter()
            .map(|k| (k.key.as_str(), k.env.as_str(), k.secret))
            .collect();
        for want in [
            ("database_url", "DATABASE_URL", false),
            ("netease_api", "MOODTUNE_NETEASE_API", false),
            ("webhook_url", "MOODTUNE_WEBHOOK_URL", false),
            ("reload_every", "MOODTUNE_RELOAD_EVERY", false),
            ("discord_guild", "DISCORD_GUILD_ID", false),
            ("telegram_token", "TELOXIDE_TOKEN", true),
            ("discord_token", "DISCORD_TOKEN", true),
            ("webhook_secret", "MOODTUNE_WEBHOOK_SECRET", true),
        ] {
            assert!(table.contains(&want), "{want:?} not in {table:?}");
        }
        assert!(!table.iter().any(|(k, _, _)| *k == "config"));
    }

    #[test]
    fn snapshot_paths_follow_the_database() {
        let table = [
            (
                "auto",
                "sqlite://moodtune.db?mode=rwc",
                Some("moodtune.db.graph"),
            ),
            (
                "auto",
                "sqlite:///var/lib/m/cat.db",
                Some("/var/lib/m/cat.db.graph"),
            ),
            ("auto", "sqlite::memory:", Some("moodtune-index.graph")),
            (
                "auto",
                "postgres://u@db/moodtune",
                Some("moodtune-index.graph"),
            ),
            ("off", "sqlite://moodtune.db", None),
            ("/tmp/x.graph", "postgres://u@db/m", Some("/tmp/x.graph")),
        ];
        for (setting, url, want) in table {
            assert_eq!(
                snapshot_path(setting, url),
                want.map(PathBuf::from),
                "{setting} {url}"
            );
        }
    }
}
