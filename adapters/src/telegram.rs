//! The Telegram adapter, on teloxide: private chats, `/mood` in groups, "more like this" buttons.
//!
//! Private chat: any text is a mood. Groups: the bot stays quiet unless addressed with `/mood TEXT`,
//! `/mood@botname TEXT`, `/mood` as a reply to someone's message, or a mention. Replies are
//! Telegram HTML with every user- and catalog-supplied string escaped, and quote the message they
//! answer. The "More like this" button carries the mood in its callback data, so any bot process
//! can answer it, even after a restart.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use moodtune_core::vision::VisionError;
use moodtune_core::{Engine, RecommendError, Recommendation};
use teloxide::dispatching::UpdateFilterExt;
use teloxide::error_handlers::ErrorHandler;
use teloxide::prelude::*;
use teloxide::types::{
    ChatAction, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResult,
    InlineQueryResultArticle, InputMessageContent, InputMessageContentText, LinkPreviewOptions, Me,
    ParseMode, ReplyParameters,
};

use crate::messages::Lang;
use crate::metrics::Metrics;
use crate::outcome::{outcome_of, traced};
use crate::paging::{decode_more, encode_more};
use crate::ratelimit::RateLimiter;
use crate::render;

/// How to run the Telegram bot.
#[derive(Clone)]
pub struct TelegramOptions {
    /// Bot token (from `TELOXIDE_TOKEN`); never logged.
    pub token: String,
    /// Bot API base URL (a self-hosted Bot API server, or a fake in tests); default official.
    pub api_url: Option<url::Url>,
    /// Language when a user's language_code says nothing we speak.
    pub default_lang: Lang,
    /// Songs per reply.
    pub k: usize,
    /// Requests a user may make at once...
    pub burst: u32,
    /// ...refilled at one per this period.
    pub every: Duration,
    /// Largest photo downloaded, in bytes (Telegram's own bot download limit is 20 MB).
    pub max_photo_bytes: u32,
    /// Receive updates by webhook instead of long polling.
    pub webhook: Option<Webhook>,
    /// Where requests are counted (shared with the other adapters of the process).
    pub metrics: Arc<Metrics>,
}

/// Webhook mode: Telegram POSTs updates to `url`, which a load balancer routes to `listen`.
#[derive(Clone)]
pub struct Webhook {
    /// Public HTTPS URL registered with setWebhook (its path is the path served).
    pub url: url::Url,
    /// Local address to listen on.
    pub listen: std::net::SocketAddr,
    /// Secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token`; random when unset.
    pub secret: Option<String>,
}

/// Why the bot could not start.
#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    /// The webhook address could not be bound.
    #[error("cannot listen for the Telegram webhook on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// The IO error.
        source: std::io::Error,
    },
    /// setWebhook failed.
    #[error("cannot register the Telegram webhook: {0}")]
    SetWebhook(String),
}

impl std::fmt::Debug for TelegramOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramOptions")
            .field("token", &"***")
            .field("api_url", &self.api_url)
            .finish()
    }
}

impl TelegramOptions {
    /// Options with the defaults for everything but the token.
    pub fn new(token: String) -> TelegramOptions {
        TelegramOptions {
            token,
            api_url: None,
            default_lang: Lang::En,
            k: moodtune_core::recommend::DEFAULT_K,
            burst: 5,
            every: Duration::from_secs(6),
            max_photo_bytes: 10 * 1024 * 1024,
            webhook: None,
            metrics: Arc::default(),
        }
    }
}

struct State {
    engine: Arc<Engine>,
    limiter: RateLimiter,
    langs: Mutex<HashMap<u64, Lang>>,
    default_lang: Lang,
    k: usize,
    max_photo_bytes: u32,
    metrics: Arc<Metrics>,
}

impl State {
    fn lang(&self, user: Option<&teloxide::types::User>) -> Lang {
        let Some(user) = user else {
            return self.default_lang;
        };
        if let Some(l) = self
            .langs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&user.id.0)
        {
            return *l;
        }
        user.language_code
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(self.default_lang)
    }
}

type HandlerResult = Result<(), teloxide::RequestError>;

/// Runs the bot (long polling, or a webhook when configured) until `shutdown` completes; an
/// update already taken is finished before returning.
pub async fn run(
    engine: Arc<Engine>,
    opts: TelegramOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), TelegramError> {
    let mut bot = Bot::new(opts.token.clone());
    if let Some(url) = opts.api_url.clone() {
        bot = bot.set_api_url(url);
    }
    let state = Arc::new(State {
        engine,
        limiter: RateLimiter::new(opts.burst, opts.every),
        langs: Mutex::new(HashMap::new()),
        default_lang: opts.default_lang,
        k: opts.k.clamp(1, 20),
        max_photo_bytes: opts.max_photo_bytes,
        metrics: opts.metrics.clone(),
    });
    register_commands(&bot).await;
    let handler = dptree::entry()
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
        .branch(Update::filter_inline_query().endpoint(on_inline));
    let mut dispatcher = Dispatcher::builder(bot.clone(), handler)
        .dependencies(dptree::deps![Arc::clone(&state)])
        .error_handler(Arc::new(RedactingErrorHandler {
            token: opts.token.clone(),
        }))
        .default_handler(|_| async {})
        .build();
    let token = dispatcher.shutdown_token();
    tokio::spawn(async move {
        shutdown.await;
        // The dispatcher may not have started yet: retry until it accepts the shutdown.
        loop {
            match token.shutdown() {
                Ok(done) => {
                    done.await;
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    match opts.webhook {
        None => {
            tracing::info!(adapter = "telegram", "telegram bot polling");
            dispatcher.dispatch().await;
        }
        Some(hook) => {
            // Bind first, so a taken port is a clear error rather than a panic in a task.
            let tcp = tokio::net::TcpListener::bind(hook.listen)
                .await
                .map_err(|source| TelegramError::Listen {
                    addr: hook.listen,
                    source,
                })?;
            let mut options =
                teloxide::update_listeners::webhooks::Options::new(hook.listen, hook.url.clone());
            if let Some(secret) = hook.secret {
                options = options.secret_token(secret);
            }
            let (listener, stopped, router) =
                teloxide::update_listeners::webhooks::axum_to_router(bot, options)
                    .await
                    .map_err(|e| TelegramError::SetWebhook(redact(&e.to_string(), &opts.token)))?;
            tokio::spawn(async move {
                if let Err(e) = axum::serve(tcp, router)
                    .with_graceful_shutdown(stopped)
                    .await
                {
                    tracing::error!(adapter = "telegram", error = %e, "webhook server failed");
                }
            });
            tracing::info!(adapter = "telegram", listen = %hook.listen, "telegram webhook listening");
            // The webhook listener itself cannot fail (Infallible); handler errors still go
            // through the dispatcher's redacting error handler.
            dispatcher
                .dispatch_with_listener(
                    listener,
                    teloxide::error_handlers::LoggingErrorHandler::new(),
                )
                .await;
        }
    }
    tracing::info!(adapter = "telegram", "telegram bot stopped");
    Ok(())
}

/// Sends a Bot API request, retrying what is worth retrying: 429 after the time Telegram asks for
/// (capped), network drops and unparsable (e.g. proxy 5xx) answers with exponential backoff.
async fn send<R>(req: R) -> Result<teloxide::requests::Output<R>, teloxide::RequestError>
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
struct RedactingErrorHandler {
    token: String,
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

/// The bot's commands: the one list behind parsing, `/help` and the command menu (setMyCommands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Greets and explains.
    Start,
    /// Lists the commands.
    Help,
    /// Songs for the mood of a text (or of the message it replies to).
    Mood,
    /// Switches the reply language.
    Lang,
}

impl Command {
    /// Every command, in the order /help lists them.
    pub const ALL: [Command; 4] = [Command::Mood, Command::Lang, Command::Help, Command::Start];

    /// The command as typed, without the slash.
    pub fn name(self) -> &'static str {
        match self {
            Command::Start => "start",
            Command::Help => "help",
            Command::Mood => "mood",
            Command::Lang => "lang",
        }
    }

    /// What follows the command, for /help.
    fn args(self, lang: Lang) -> &'static str {
        match self {
            Command::Mood => lang.messages().arg_text,
            Command::Lang => "zh|en",
            _ => "",
        }
    }

    /// One-line description in `lang`.
    pub fn description(self, lang: Lang) -> &'static str {
        let m = lang.messages();
        match self {
            Command::Start => m.cmd_start,
            Command::Help => m.cmd_help,
            Command::Mood => m.cmd_mood,
            Command::Lang => m.cmd_lang,
        }
    }

    /// Reads a command name (case-insensitive).
    pub fn parse(name: &str) -> Option<Command> {
        Command::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }
}

/// The /help text, generated from [`Command::ALL`].
pub fn help_text(lang: Lang) -> String {
    let mut out = format!("{}\n", lang.messages().help_intro);
    for c in Command::ALL {
        let args = c.args(lang);
        let sep = if args.is_empty() { "" } else { " " };
        out.push_str(&format!(
            "/{}{sep}{args} - {}\n",
            c.name(),
            c.description(lang)
        ));
    }
    out
}

/// Registers the command menu (English, and Chinese for Chinese-speaking users). Not fatal.
async fn register_commands(bot: &Bot) {
    use teloxide::types::BotCommand;
    for (lang, code) in [(Lang::En, None), (Lang::Zh, Some("zh"))] {
        let commands: Vec<BotCommand> = Command::ALL
            .iter()
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

/// What a message asks the bot to do.
#[derive(Debug, PartialEq)]
enum Ask<'a> {
    Start,
    Help,
    Lang(&'a str),
    Mood(&'a str),
    UnknownCommand,
    /// Not for us (group chatter, or a command for another bot).
    Ignore,
}

/// Reads a message text as a command or a mood. `bot_name` is our username without `@`.
fn parse_ask<'a>(text: &'a str, private: bool, bot_name: &str) -> Ask<'a> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix('/') {
        let (head, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let (cmd, target) = head.split_once('@').unwrap_or((head, ""));
        if !target.is_empty() && !target.eq_ignore_ascii_case(bot_name) {
            return Ask::Ignore;
        }
        return match Command::parse(cmd) {
            Some(Command::Start) => Ask::Start,
            Some(Command::Help) => Ask::Help,
            Some(Command::Lang) => Ask::Lang(arg.trim()),
            Some(Command::Mood) => Ask::Mood(arg.trim()),
            None if private || !target.is_empty() => Ask::UnknownCommand,
            None => Ask::Ignore,
        };
    }
    if private {
        return Ask::Mood(text);
    }
    // In a group, a mention of the bot anywhere addresses it; the rest of the text is the mood.
    let mention = format!("@{bot_name}");
    let lower = text.to_ascii_lowercase();
    if !bot_name.is_empty() && lower.contains(&mention.to_ascii_lowercase()) {
        Ask::Mood(text)
    } else {
        Ask::Ignore
    }
}

fn strip_mention(text: &str, bot_name: &str) -> String {
    let mention = format!("@{bot_name}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Usernames are ASCII, so lowercasing keeps byte offsets of the mention intact.
    while let Some(at) = rest
        .to_ascii_lowercase()
        .find(&mention.to_ascii_lowercase())
    {
        out.push_str(&rest[..at]);
        rest = &rest[at + mention.len()..];
    }
    out.push_str(rest);
    out.trim().to_string()
}

async fn on_message(bot: Bot, msg: Message, me: Me, state: Arc<State>) -> HandlerResult {
    let private = msg.chat.is_private();
    let lang = state.lang(msg.from.as_ref());
    let m = lang.messages();
    let bot_name = me.username().to_string();
    let text = msg.text().or(msg.caption()).unwrap_or("");
    let has_image = msg.photo().is_some()
        || msg
            .document()
            .and_then(|d| d.mime_type.as_ref())
            .is_some_and(|t| t.type_() == mime::IMAGE);

    let ask = if text.trim().is_empty() && has_image && private {
        Ask::Mood("")
    } else {
        parse_ask(text, private, &bot_name)
    };
    let reply = |text: String, markup: Option<InlineKeyboardMarkup>| {
        let mut req = bot
            .send_message(msg.chat.id, text)
            .parse_mode(ParseMode::Html)
            .reply_parameters(ReplyParameters::new(msg.id).allow_sending_without_reply())
            .link_preview_options(no_preview());
        if let Some(kb) = markup {
            req = req.reply_markup(kb);
        }
        send(req)
    };
    match ask {
        Ask::Ignore => Ok(()),
        Ask::Start => reply(escape(m.start), None).await.map(drop),
        Ask::Help => reply(escape(&help_text(lang)), None).await.map(drop),
        Ask::UnknownCommand => reply(escape(m.unknown_command), None).await.map(drop),
        Ask::Lang(arg) => {
            let Some(new) = Lang::parse(arg) else {
                return reply(escape(m.lang_usage), None).await.map(drop);
            };
            if let Some(user) = &msg.from {
                state
                    .langs
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(user.id.0, new);
            }
            reply(escape(new.messages().lang_set), None).await.map(drop)
        }
        Ask::Mood(arg) => {
            // `/mood` as a reply takes the mood of the replied-to message; a mention is stripped.
            // A photo is read when there are no words to read (a caption wins: it says more).
            let mut mood_text = if private {
                arg.to_string()
            } else {
                strip_mention(arg, &bot_name)
            };
            let mut image = if has_image { Some(&msg) } else { None };
            if mood_text.is_empty() && image.is_none() {
                if let Some(r) = msg.reply_to_message() {
                    mood_text = r.text().or(r.caption()).unwrap_or("").to_string();
                    if mood_text.trim().is_empty() && image_of(r).is_some() {
                        image = Some(r);
                    }
                }
            }
            let photo = image
                .filter(|_| mood_text.trim().is_empty())
                .and_then(image_of);
            let endpoint = if photo.is_some() { "photo" } else { "text" };
            let user = msg.from.as_ref().map(|u| u.id.0);
            let request = async {
                if let Some(user) = user {
                    if let Err(wait) = state.limiter.check(user) {
                        let secs = wait.as_secs().max(1).to_string();
                        let text = escape(&m.rate_limited.replace("{secs}", &secs));
                        return (reply(text, None).await.map(drop), "rate_limited");
                    }
                }
                let _ = bot.send_chat_action(msg.chat.id, ChatAction::Typing).await;
                let result = match photo {
                    Some(file) => match download(&bot, &file, state.max_photo_bytes).await {
                        Ok(bytes) => state
                            .engine
                            .recommend_photo(bytes, state.k)
                            .await
                            .map(|(rec, _)| rec),
                        Err(DownloadError::TooLarge(size)) => {
                            Err(RecommendError::Photo(VisionError::TooLarge {
                                bytes: size as usize,
                                max: state.max_photo_bytes as usize,
                            }))
                        }
                        Err(DownloadError::Request(e)) => return (Err(e), "download_failed"),
                    },
                    None => state.engine.recommend_text(&mood_text, state.k).await,
                };
                let outcome = outcome_of(&result);
                let sent = match result {
                    Ok(rec) => reply(reply_html(&rec, lang), Some(keyboard(&rec, state.k, lang))),
                    Err(e) => reply(escape(&m.error(&e)), None),
                };
                (sent.await.map(drop), outcome)
            };
            traced(&state.metrics, "telegram", endpoint, user, request).await
        }
    }
}

/// The file of a message's image: the largest photo size, or an image sent as a document.
fn image_of(msg: &Message) -> Option<teloxide::types::FileMeta> {
    if let Some(sizes) = msg.photo() {
        return sizes
            .iter()
            .max_by_key(|p| p.width as u64 * p.height as u64)
            .map(|p| p.file.clone());
    }
    msg.document()
        .filter(|d| {
            d.mime_type
                .as_ref()
                .is_some_and(|t| t.type_() == mime::IMAGE)
        })
        .map(|d| d.file.clone())
}

enum DownloadError {
    TooLarge(u32),
    Request(teloxide::RequestError),
}

/// Downloads a file through the Bot API, refusing it before download when it is over `max` bytes
/// (and stopping if it turns out larger than announced).
async fn download(
    bot: &Bot,
    file: &teloxide::types::FileMeta,
    max: u32,
) -> Result<Vec<u8>, DownloadError> {
    use futures_util::StreamExt;
    use teloxide::net::Download;
    if file.size != u32::MAX && file.size > max {
        return Err(DownloadError::TooLarge(file.size));
    }
    let info = bot
        .get_file(file.id.clone())
        .await
        .map_err(DownloadError::Request)?;
    if info.meta.size != u32::MAX && info.meta.size > max {
        return Err(DownloadError::TooLarge(info.meta.size));
    }
    let mut stream = bot.download_file_stream(&info.path);
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            DownloadError::Request(teloxide::RequestError::Network(std::sync::Arc::new(e)))
        })?;
        if out.len() + chunk.len() > max as usize {
            return Err(DownloadError::TooLarge((out.len() + chunk.len()) as u32));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

async fn on_callback(bot: Bot, q: CallbackQuery, state: Arc<State>) -> HandlerResult {
    let lang = state.lang(Some(&q.from));
    let m = lang.messages();
    let data = q.data.clone().unwrap_or_default();
    if data == "again" {
        send(bot.answer_callback_query(q.id.clone()).text(m.another_hint)).await?;
        return Ok(());
    }
    let Some((emotion, offset)) = decode_more(&data) else {
        send(bot.answer_callback_query(q.id.clone()).text(m.stale_button)).await?;
        return Ok(());
    };
    let request = async {
        if let Err(wait) = state.limiter.check(q.from.id.0) {
            let secs = wait.as_secs().max(1).to_string();
            let note = m.rate_limited.replace("{secs}", &secs);
            let sent = send(bot.answer_callback_query(q.id.clone()).text(note)).await;
            return (sent.map(drop), "rate_limited");
        }
        let result = state
            .engine
            .recommend_emotion(&emotion, state.k, offset)
            .await;
        let outcome = outcome_of(&result);
        (
            edit_with_more(&bot, &q, result, &state, lang).await,
            outcome,
        )
    };
    traced(
        &state.metrics,
        "telegram",
        "more",
        Some(q.from.id.0),
        request,
    )
    .await
}

/// Answers a "More like this" press by editing its message with the next songs.
async fn edit_with_more(
    bot: &Bot,
    q: &CallbackQuery,
    result: Result<Recommendation, RecommendError>,
    state: &State,
    lang: Lang,
) -> HandlerResult {
    let m = lang.messages();
    let (text, markup) = match &result {
        Ok(rec) if !rec.tracks.is_empty() => {
            (reply_html(rec, lang), Some(keyboard(rec, state.k, lang)))
        }
        Ok(_) => (escape(m.no_more), None),
        Err(e) => (escape(&m.error(e)), None),
    };
    send(bot.answer_callback_query(q.id.clone())).await?;
    if let Some(message) = q.regular_message() {
        let mut edit = bot
            .edit_message_text(message.chat.id, message.id, text)
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview());
        if let Some(kb) = markup {
            edit = edit.reply_markup(kb);
        }
        send(edit).await?;
    }
    Ok(())
}

async fn on_inline(bot: Bot, q: InlineQuery, state: Arc<State>) -> HandlerResult {
    let lang = state.lang(Some(&q.from));
    let m = lang.messages();
    let query = q.query.trim();
    if query.is_empty() {
        send(bot.answer_inline_query(q.id.clone(), Vec::<InlineQueryResult>::new())).await?;
        return Ok(());
    }
    let request = async {
        let (results, outcome): (Vec<InlineQueryResult>, _) = match state.limiter.check(q.from.id.0)
        {
            Err(_) => (Vec::new(), "rate_limited"),
            Ok(()) => {
                let result = state.engine.recommend_text(query, state.k).await;
                let outcome = outcome_of(&result);
                let results = match result {
                    Ok(rec) => {
                        let mood = render::mood_words(&rec.emotion);
                        let content = InputMessageContentText::new(reply_html(&rec, lang))
                            .parse_mode(ParseMode::Html)
                            .link_preview_options(no_preview());
                        let title = m.inline_title.replace("{mood}", query);
                        let content = InputMessageContent::Text(content);
                        vec![InlineQueryResultArticle::new("songs", title, content)
                            .description(mood)
                            .into()]
                    }
                    Err(_) => Vec::new(),
                };
                (results, outcome)
            }
        };
        let sent = send(
            bot.answer_inline_query(q.id.clone(), results)
                .cache_time(60),
        )
        .await;
        (sent.map(drop), outcome)
    };
    traced(
        &state.metrics,
        "telegram",
        "inline",
        Some(q.from.id.0),
        request,
    )
    .await
}

fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// Escapes text for Telegram HTML (`&`, `<`, `>`, and `"` for attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// The reply: the mood in words, then numbered linked songs.
pub fn reply_html(rec: &Recommendation, lang: Lang) -> String {
    let m = lang.messages();
    let mut out = format!(
        "<b>{}</b> {}\n",
        escape(m.mood_prefix),
        escape(&render::mood_words(&rec.emotion))
    );
    for (i, t) in rec.tracks.iter().enumerate() {
        let artists = render::artists(&t.info);
        out.push_str(&format!(
            "{}. <a href=\"{}\">{}</a> — {}\n",
            rec.offset + i + 1,
            escape(&t.url),
            escape(&t.info.name),
            escape(&artists)
        ));
    }
    out
}

fn keyboard(rec: &Recommendation, k: usize, lang: Lang) -> InlineKeyboardMarkup {
    let m = lang.messages();
    let mut row = Vec::new();
    if rec.has_more {
        row.push(InlineKeyboardButton::callback(
            m.more_button,
            encode_more(&rec.emotion, rec.offset + k),
        ));
    }
    row.push(InlineKeyboardButton::callback(m.another_button, "again"));
    InlineKeyboardMarkup::new(vec![row])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_are_read_like_telegram_users_mean_them() {
        // (text, private, expected)
        let table = [
            ("下雨天有点想家", true, Ask::Mood("下雨天有点想家")),
            ("下雨天有点想家", false, Ask::Ignore),
            ("/mood 开心", false, Ask::Mood("开心")),
            ("/mood@MoodTuneBot 开心", false, Ask::Mood("开心")),
            ("/mood@otherbot 开心", false, Ask::Ignore),
            ("/mood", false, Ask::Mood("")),
            ("/start", true, Ask::Start),
            ("/help@moodtunebot", false, Ask::Help),
            ("/lang zh", true, Ask::Lang("zh")),
            ("/dance", true, Ask::UnknownCommand),
            ("/dance", false, Ask::Ignore),
            (
                "hey @moodtunebot 好难过",
                false,
                Ask::Mood("hey @moodtunebot 好难过"),
            ),
        ];
        for (text, private, want) in table {
            assert_eq!(
                parse_ask(text, private, "moodtunebot"),
                want,
                "{text} private={private}"
            );
        }
        assert_eq!(
            strip_mention("hey @MoodtuneBot 好难过", "moodtunebot"),
            "hey  好难过"
        );
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<b>R&B</b> \"x\""),
            "&lt;b&gt;R&amp;B&lt;/b&gt; &quot;x&quot;"
        );
    }

    #[test]
    fn help_lists_every_command_in_both_languages() {
        for lang in [Lang::En, Lang::Zh] {
            let help = help_text(lang);
            for c in Command::ALL {
                assert!(help.contains(&format!("/{} ", c.name())), "{lang:?} {help}");
                assert_eq!(Command::parse(&c.name().to_uppercase()), Some(c));
            }
        }
        assert!(help_text(Lang::En).contains("/mood TEXT - songs"));
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
