//! `moodtune serve [--telegram]`: run the chat platforms until SIGINT or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use moodtune_adapters::discord::{self, DiscordOptions};
use moodtune_adapters::http::{self, HttpOptions};
use moodtune_adapters::metrics::Metrics;
use moodtune_adapters::telegram::{self, TelegramOptions};

use crate::config::Global;

/// Which platforms to serve.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Serve Telegram (needs TELOXIDE_TOKEN); implied when the token is set.
    #[arg(long)]
    telegram: bool,
    /// Serve Discord (needs DISCORD_TOKEN); implied when the token is set.
    #[arg(long)]
    discord: bool,
    /// Serve the HTTP API on this address (e.g. 127.0.0.1:8080).
    #[arg(long, env = "MOODTUNE_HTTP")]
    http: Option<std::net::SocketAddr>,
    /// Telegram webhook mode: the public URL Telegram should POST updates to.
    #[arg(long = "webhook", env = "MOODTUNE_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// Address the webhook server listens on.
    #[arg(long, env = "MOODTUNE_WEBHOOK_LISTEN", default_value = "0.0.0.0:8443")]
    webhook_listen: std::net::SocketAddr,
    /// Secret Telegram must send with each webhook call (random if unset).
    #[arg(long, env = "MOODTUNE_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// How often to check the catalog for changes (a crawl, an import, `moodtune label` in another
    /// process) and reload the index, e.g. `30s`, `5m`; `0` never.
    #[arg(long, env = "MOODTUNE_RELOAD_EVERY", default_value = "30s", value_parser = parse_duration)]
    reload_every: Duration,
}

/// Parses `30`, `30s`, `5m`, `250ms`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map(|i| s.split_at(i))
        .unwrap_or((s, "s"));
    let n: u64 = num.parse().map_err(|_| format!("not a duration: {s:?}"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" | "" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("unknown unit in {s:?} (use ms, s or m)")),
    }
}

impl Default for Args {
    /// The settings of a `serve` started without its subcommand (a platform token is set): the
    /// environment and the defaults, read through the same clap definitions as the flags.
    fn default() -> Self {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            args: Args,
        }
        <Only as clap::Parser>::parse_from(["moodtune"]).args
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("stop requested: finishing the updates in hand");
}

/// Exponential backoff between retries: 0.5 s, 1 s, 2 s, ... up to `max`.
#[derive(Debug)]
struct Backoff {
    failures: u32,
    max: Duration,
}

impl Backoff {
    fn new(max: Duration) -> Backoff {
        Backoff {
            failures: 0,
            max: max.max(Duration::from_millis(500)),
        }
    }

    /// The wait before the next attempt, after one more failure.
    fn next_delay(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let exp = Duration::from_millis(500) * 2u32.saturating_pow((self.failures - 1).min(16));
        exp.min(self.max)
    }

    fn failures(&self) -> u32 {
        self.failures
    }

    fn reset(&mut self) {
        self.failures = 0;
    }
}

/// How often remembered moods and ratings past their retention are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Opens the engine, waiting for a database that is down (or not up yet, as when a fleet and its
/// database start together): each failure is logged with what went wrong and when the next try
/// is, with backoff up to 30 s. Other start-up problems (a bad lexicon or model file) fail at once.
/// `None` when asked to stop while waiting.
async fn open_when_database_answers(
    global: &Global,
    stopped: impl std::future::Future<Output = ()>,
) -> anyhow::Result<Option<moodtune_core::Engine>> {
    tokio::pin!(stopped);
    let mut backoff = Backoff::new(Duration::from_secs(30));
    loop {
        let open = global.open_engine_once();
        let result = tokio::select! {
            _ = &mut stopped => return Ok(None),
            r = open => r,
        };
        match result {
            Ok(engine) => {
                if backoff.failures() > 0 {
                    tracing::info!(
                        attempts = backoff.failures() + 1,
                        "the database answers: starting"
                    );
                }
                return Ok(Some(engine));
            }
            Err(moodtune_core::StartError::Catalog(e)) => {
                let next = backoff.next_delay();
                tracing::warn!(
                    error = %e,
                    retry_in_ms = next.as_millis() as u64,
                    "database unavailable at start-up; retrying"
                );
                tokio::select! {
                    _ = &mut stopped => return Ok(None),
                    _ = tokio::time::sleep(next) => {}
                }
            }
            Err(e) => return Err(anyhow::Error::new(e).context("cannot start the engine")),
        }
    }
}

/// Starts the engine and every configured platform; all stop together on SIGINT/SIGTERM.
pub async fn run(global: &Global, args: Args) -> anyhow::Result<ExitCode> {
    let token = global
        .telegram_token
        .clone()
        .filter(|t| !t.trim().is_empty());
    if args.telegram && token.is_none() {
        anyhow::bail!("--telegram needs a bot token in TELOXIDE_TOKEN");
    }
    let discord_token = global
        .discord_token
        .clone()
        .filter(|t| !t.trim().is_empty());
    if args.discord && discord_token.is_none() {
        anyhow::bail!("--discord needs a bot token in DISCORD_TOKEN");
    }
    if token.is_none() && discord_token.is_none() && args.http.is_none() {
        anyhow::bail!(
            "no platform to serve: set TELOXIDE_TOKEN or DISCORD_TOKEN, or --http ADDR (or run `moodtune chat`)"
        );
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    tokio::spawn(async move {
        stop_signal().await;
        let _ = stop_tx.send(true);
    });
    let Some(engine) = open_when_database_answers(global, stopped()).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    let engine = Arc::new(engine);
    if !args.reload_every.is_zero() {
        let (engine, stopped) = (Arc::clone(&engine), stopped());
        let every = args.reload_every;
        tokio::spawn(async move {
            tokio::pin!(stopped);
            let mut backoff = Backoff::new(every);
            let mut wait = every;
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tokio::time::sleep(wait) => {}
                }
                wait = match engine.reload_if_changed().await {
                    Ok(_) => {
                        if backoff.failures() > 0 {
                            tracing::info!("the database answers again: following catalog changes");
                        }
                        backoff.reset();
                        every
                    }
                    Err(e) => {
                        let next = backoff.next_delay();
                        tracing::warn!(
                            error = %e,
                            retry_in_ms = next.as_millis() as u64,
                            "cannot check the catalog for changes; serving the loaded index"
                        );
                        next
                    }
                };
            }
        });
    }
    {
        // Retention: moods and ratings older than --memory-days go, every hour (and at start,
        // in Engine::open).
        let (engine, stopped) = (Arc::clone(&engine), stopped());
        tokio::spawn(async move {
            tokio::pin!(stopped);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tokio::time::sleep(PRUNE_EVERY) => {}
                }
                if let Err(e) = engine.prune_memory().await {
                    tracing::warn!(error = %e, "cannot prune old memory; next try in an hour");
                }
            }
        });
    }
    let mut tasks: Vec<tokio::task::JoinHandle<anyhow::Result<()>>> = Vec::new();
    // One set of counters for every adapter: /metrics reports the whole process.
    let metrics = Arc::new(Metrics::default());
    if let Some(listen) = args.http {
        let opts = HttpOptions {
            listen,
            burst: global.rate_burst * 4,
            every: Duration::from_secs(global.rate_every_secs.max(1)) / 4,
            metrics: Arc::clone(&metrics),
        };
        let (engine, stopped) = (Arc::clone(&engine), stopped());
        tasks.push(tokio::spawn(async move {
            Ok(http::run(engine, opts, stopped).await?)
        }));
    }
    if let Some(token) = token {
        let mut opts = TelegramOptions::new(token);
        opts.metrics = Arc::clone(&metrics);
        opts.default_lang = global.lang();
        opts.burst = global.rate_burst;
        opts.every = Duration::from_secs(global.rate_every_secs.max(1));
        if let Some(url) = &global.telegram_api_url {
            opts.api_url = Some(
                url.parse()
                    .with_context(|| format!("TELEGRAM_API_URL is not a URL: {url}"))?,
            );
        }
        if let Some(url) = &args.webhook_url {
            opts.webhook = Some(telegram::Webhook {
                url: url
                    .parse()
                    .with_context(|| format!("the webhook URL is not a URL: {url}"))?,
                listen: args.webhook_listen,
                secret: args.webhook_secret.clone(),
            });
        }
        let (engine, stopped) = (Arc::clone(&engine), stopped());
        tasks.push(tokio::spawn(async move {
            Ok(telegram::run(engine, opts, stopped).await?)
        }));
    }
    if let Some(token) = discord_token {
        let mut opts = DiscordOptions::new(token);
        opts.metrics = Arc::clone(&metrics);
        opts.proxy_url = global.discord_proxy_url.clone();
        opts.guild = global.discord_guild;
        opts.default_lang = global.lang();
        opts.force_lang = global
            .lang
            .as_deref()
            .and_then(moodtune_adapters::Lang::parse);
        opts.burst = global.rate_burst;
        opts.every = Duration::from_secs(global.rate_every_secs.max(1));
        let (engine, stopped) = (Arc::clone(&engine), stopped());
        tasks.push(tokio::spawn(async move {
            Ok(discord::run(engine, opts, stopped).await?)
        }));
    }
    for t in tasks {
        t.await.context("an adapter panicked")??;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(5));
        let got: Vec<u128> = (0..6).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(got, vec![500, 1000, 2000, 4000, 5000, 5000]);
        assert_eq!(b.failures(), 6);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(500));
        for _ in 0..100 {
            b.next_delay();
        }
        assert_eq!(
            b.next_delay(),
            Duration::from_secs(5),
            "no overflow after many failures"
        );
    }
}
