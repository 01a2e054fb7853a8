//! Talking to the Bot API: retries worth making, the command menu, and errors logged without
//! the token.

use std::sync::Arc;
use std::time::Duration;

use teloxide::error_handlers::ErrorHandler;
use teloxide::prelude::*;

use crate::commands::{Command, Platform};
use crate::messages::Lang;

/// Sends a Bot API request, retrying what is worth retrying: 429 after the time Telegram asks for
/// (capped), network drops and unparsable (e.g. proxy 5xx) answers with exponential backoff.
pub(super) async fn send<R>(req: R) -> Result<teloxide::requests::Output<R>, teloxide::RequestError>
where
    R: teloxide::requests::Request<Err = teloxide::RequestError>,
{
    use teloxide::RequestError as E;
    let mut backoff = Duration::from_millis(250);
    let mut attempt = 0u32;
    loop {
        match req.send_ref().await {
            Err(E::RetryAfter(wait)) if attempt < 4 => {
                tracing::warn!(
                    adapter = "telegram",
                    secs = wait.seconds(),
                    "rate limited by Telegram; retrying"
                );
                tokio::time::sleep(wait.duration().min(Duration::from_secs(30))).await;
            }
            Err(E::Api(teloxide::ApiError::Unknown(ref desc)))
                if attempt < 3 && transient(desc) =>
            {
                tracing::warn!(adapter = "telegram", attempt, error = %desc, "Bot API server error; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            Err(E::Network(_) | E::InvalidJson { .. } | E::Io(_)) if attempt < 3 => {
                tracing::warn!(
                    adapter = "telegram",
                    attempt,
                    "Bot API request failed; retrying"
                );
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            other => return other,
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
