//! Talking to the Bot API: retries worth making, the command menu, and errors logged without
//! the token.

use std::sync::Arc;
use std::time::Duration;

use teloxide::error_handlers::ErrorHandler;
use teloxide::prelude::*;

use crate::commands::{Command, Platform};
use crate::messages::Lang;

/// How long a reply keeps being retried while the Bot API is down (5xx answers, dropped
/// connections): a reply to an update already taken is worth waiting for, not worth losing.
pub const RETRY_BUDGET: Duration = Duration::from_secs(90);
/// Longest pause between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Sends a Bot API request, retrying what is worth retrying for up to [`RETRY_BUDGET`]: 429 after
/// the time Telegram asks for (capped), network drops and server errors (5xx, unparsable proxy
/// pages) with exponential backoff.
pub(super) async fn send<R>(req: R) -> Result<teloxide::requests::Output<R>, teloxide::RequestError>
where
    R: teloxide::requests::Request<Err = teloxide::RequestError>,
{
    use teloxide::RequestError as E;
    let deadline = tokio::time::Instant::now() + RETRY_BUDGET;
    let mut backoff = Duration::from_millis(250);
    let mut attempt = 0u32;
    loop {
        let result = req.send_ref().await;
        // (Error texts may carry the request URL, which holds the token: only the kind is logged.)
        let (wait, kind) = match &result {
            Err(E::RetryAfter(wait)) => {
                (wait.duration().min(Duration::from_secs(30)), "rate limited")
            }
            Err(E::Api(teloxide::ApiError::Unknown(desc))) if transient(desc) => {
                (backoff, "server error")
            }
            Err(E::Network(_) | E::Io(_)) => (backoff, "network"),
            Err(E::InvalidJson { .. }) => (backoff, "not a Bot API answer"),
            _ => return result,
        };
        if tokio::time::Instant::now() + wait > deadline {
            return result;
        }
        tracing::warn!(
            adapter = "telegram",
            attempt,
            wait_ms = wait.as_millis() as u64,
            kind,
            "Bot API request failed; retrying"
        );
        tokio::time::sleep(wait).await;
        if wait == backoff {
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        attempt += 1;
    }
}

/// Whether a Bot API error description is a server-side hiccup (a 5xx passed on as JSON by
/// Telegram or a self-hosted Bot API server) worth retrying.
fn transient(desc: &str) -> bool {
    let d = desc.to_ascii_lowercase();
    [
        "internal server error",
        "bad gateway",
        "service unavailable",
        "gateway timeout",
        "timed out",
    ]
    .iter()
    .any(|t| d.contains(t))
}

/// Long polling whose reconnection backoff stays short (0.5 s doubling to 4 s; teloxide's
/// default reaches 64 s), so the bot is back within seconds of a Bot API outage.
pub(super) async fn polling(bot: Bot) -> teloxide::update_listeners::Polling<Bot> {
    teloxide::update_listeners::Polling::builder(bot)
        .timeout(Duration::from_secs(10))
        .backoff_strategy(|errors| Duration::from_millis(500 << errors.min(3)))
        .delete_webhook()
        .await
        .build()
}

/// Logs handler errors without ever printing the token.
pub(super) struct RedactingErrorHandler {
    pub(super) token: String,
}

impl ErrorHandler<teloxide::RequestError> for RedactingErrorHandler {
    fn handle_error(
        self: Arc<Self>,
        error: teloxide::RequestError,
    ) -> futures_util::future::BoxFuture<'static, ()> {
        let text = redact(&error.to_string(), &self.token);
        Box::pin(async move {
            tracing::error!(adapter = "telegram", error = %text, "telegram request failed")
        })
    }
}

/// Replaces every occurrence of the token (and of its secret half) in `s`.
pub fn redact(s: &str, token: &str) -> String {
    if token.is_empty() {
        return s.to_string();
    }
    let mut out = s.replace(token, "***");
    if let Some((_, secret)) = token.split_once(':') {
        if secret.len() >= 8 {
            out = out.replace(secret, "***");
        }
    }
    out
}

/// Registers the command menu (English, and Chinese for Chinese-speaking users). Not fatal.
pub(super) async fn register_commands(bot: &Bot) {
    use teloxide::types::BotCommand;
    for (lang, code) in [(Lang::En, None), (Lang::Zh, Some("zh"))] {
        let commands: Vec<BotCommand> = Command::of(Platform::Telegram)
            .map(|c| BotCommand::new(c.name(), c.description(lang)))
            .collect();
        let mut req = bot.set_my_commands(commands);
        if let Some(code) = code {
            req = req.language_code(code);
        }
        if let Err(e) = send(req).await {
            tracing::warn!(adapter = "telegram", error = %e, "cannot register the command menu");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bot_api_hiccups_are_retried() {
        assert!(transient("Bad Gateway") && transient("Internal Server Error: restart"));
        assert!(!transient("Bad Request: chat not found"));
    }

    #[test]
    fn tokens_are_redacted() {
        let token = "123456:ABCdefGHIjklMNOpqr";
        assert_eq!(
            redact("url /bot123456:ABCdefGHIjklMNOpqr/getMe", token),
            "url /bot***/getMe"
        );
        assert_eq!(redact("secret ABCdefGHIjklMNOpqr", token), "secret ***");
    }
}
