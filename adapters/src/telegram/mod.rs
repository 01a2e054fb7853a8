//! The Telegram adapter, on teloxide: private chats, `/mood` in groups, "more like this" buttons.
//!
//! Private chat: any text is a mood. Groups: the bot stays quiet unless addressed with `/mood TEXT`,
//! `/mood@botname TEXT`, `/mood` as a reply to someone's message, or a mention. Replies are
//! Telegram HTML with every user- and catalog-supplied string escaped, and quote the message they
//! answer. The "More like this" button carries the mood in its callback data, so any bot process
//! can answer it, even after a restart.
//!
//! Files: this one (options, start-up, the update handlers on the shared pipeline), `parse`
//! (what a message asks), `render_html` (HTML replies and buttons), `api` (Bot API retries, the
//! command menu, token redaction).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use moodtune_core::Engine;
use teloxide::dispatching::UpdateFilterExt;
use teloxide::prelude::*;
use teloxide::types::{
    ChatAction, InlineKeyboardMarkup, InlineQueryResult, InlineQueryResultArticle,
    InputMessageContent, InputMessageContentText, Me, ParseMode, ReplyParameters,
};

use crate::commands::{help_text, Platform};
use crate::memory::{decode_history, decode_rate};
use crate::messages::Lang;
use crate::metrics::Metrics;
use crate::paging::decode_more;
use crate::pipeline::{self, Answer, DownloadError, Photo, Pipeline, PipelineOptions};
use crate::render;

mod api;
pub mod parse;
mod render_html;

pub use api::redact;
use api::{polling, register_commands, send, RedactingErrorHandler};
use parse::{parse_ask, strip_mention, Ask};
pub use render_html::{escape, reply_html};
use render_html::{history_reply, keyboard, no_preview};

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
            k: moodtune_core::DEFAULT_K,
            burst: pipeline::DEFAULT_BURST,
            every: pipeline::DEFAULT_EVERY,
            max_photo_bytes: pipeline::DEFAULT_MAX_PHOTO_BYTES as u32,
            webhook: None,
            metrics: Arc::default(),
        }
    }
}

struct State {
    pipeline: Pipeline,
    langs: Mutex<HashMap<u64, Lang>>,
    default_lang: Lang,
}

impl State {
    /// The reply language: the one the user chose with /lang, else the language `text` is
    /// written in, else the user's app language.
    fn lang(&self, user: Option<&teloxide::types::User>, text: &str) -> Lang {
        self.lang_by(user, Lang::of_text(text))
    }

    /// The language of a button press: the user's choice, else that of the reply it sits under.
    fn lang_of_reply(&self, user: Option<&teloxide::types::User>, reply: &str) -> Lang {
        self.lang_by(user, Lang::of_reply(reply))
    }

    fn lang_by(&self, user: Option<&teloxide::types::User>, read: Option<Lang>) -> Lang {
        let chosen = user.and_then(|u| {
            self.langs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&u.id.0)
                .copied()
        });
        chosen
            .or(read)
            .or_else(|| user.and_then(|u| u.language_code.as_deref().and_then(Lang::parse)))
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
    let pipeline = Pipeline::new(
        engine,
        PipelineOptions {
            k: opts.k,
            burst: opts.burst,
            every: opts.every,
            max_photo_bytes: opts.max_photo_bytes as u64,
            metrics: opts.metrics.clone(),
            ..PipelineOptions::new("telegram")
        },
    );
    let state = Arc::new(State {
        pipeline,
        langs: Mutex::new(HashMap::new()),
        default_lang: opts.default_lang,
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
            let listener = polling(bot.clone()).await;
            tracing::info!(adapter = "telegram", "telegram bot polling");
            let errors = Arc::new(RedactingErrorHandler {
                token: opts.token.clone(),
            });
            dispatcher.dispatch_with_listener(listener, errors).await;
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

async fn on_message(bot: Bot, msg: Message, me: Me, state: Arc<State>) -> HandlerResult {
    let private = msg.chat.is_private();
    let bot_name = me.username().to_string();
    let text = msg.text().or(msg.caption()).unwrap_or("");
    let lang = state.lang(msg.from.as_ref(), text);
    let m = lang.messages();
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
    // `/cheer` is `/mood` aiming to lift the mood rather than to match it.
    let lift = matches!(ask, Ask::Cheer(_));
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
        Ask::Help => reply(escape(&help_text(lang, Platform::Telegram)), None)
            .await
            .map(drop),
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
        // A person's history is theirs alone: shown and deleted only in a private chat.
        Ask::History(_) | Ask::Forget if !private => {
            reply(escape(m.private_only), None).await.map(drop)
        }
        Ask::History(arg) => {
            let page = arg.trim().parse::<usize>().unwrap_or(1).saturating_sub(1);
            let user = msg.from.as_ref().map(|u| u.id.0);
            match state.pipeline.history(user, page).await {
                Ok(h) => {
                    let (text, markup) = history_reply(&h, lang, state.pipeline.memory_days());
                    reply(text, markup).await.map(drop)
                }
                Err(why) => reply(escape(&why.note(lang)), None).await.map(drop),
            }
        }
        Ask::Forget => {
            let user = msg.from.as_ref().map(|u| u.id.0);
            let text = match state.pipeline.forget(user).await {
                Ok(gone) => m
                    .forgot
                    .replace("{moods}", &gone.moods.to_string())
                    .replace("{ratings}", &gone.ratings.to_string()),
                Err(why) => why.note(lang),
            };
            reply(escape(&text), None).await.map(drop)
        }
        Ask::Mood(arg) | Ask::Cheer(arg) => {
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
            let user = msg.from.as_ref().map(|u| u.id.0);
            let ask = match photo {
                Some(file) => pipeline::Ask::Photo(TelegramPhoto {
                    bot: bot.clone(),
                    file,
                }),
                None if lift => pipeline::Ask::Cheer(mood_text),
                None => pipeline::Ask::Text(mood_text),
            };
            let typing = async {
                let _ = bot.send_chat_action(msg.chat.id, ChatAction::Typing).await;
            };
            let k = state.pipeline.k();
            let rating = state.pipeline.memory_days() > 0;
            let deliver = |answer: Answer| async move {
                match answer {
                    Answer::Songs(rec) => reply(
                        reply_html(&rec, lang),
                        Some(keyboard(&rec, k, lang, rating)),
                    )
                    .await
                    .map(drop),
                    other => reply(escape(&other.note(lang).unwrap_or_default()), None)
                        .await
                        .map(drop),
                }
            };
            state.pipeline.run(user, ask, typing, deliver).await
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

/// A photo (or an image sent as a file) still on Telegram's servers.
struct TelegramPhoto {
    bot: Bot,
    file: teloxide::types::FileMeta,
}

impl Photo for TelegramPhoto {
    fn announced_bytes(&self) -> Option<u64> {
        (self.file.size != u32::MAX).then_some(self.file.size as u64)
    }

    /// Downloads through the Bot API, refusing the file when getFile announces more than `max`
    /// bytes (and stopping if it turns out larger than announced).
    async fn download(&self, max: u64) -> Result<Vec<u8>, DownloadError> {
        use futures_util::StreamExt;
        use teloxide::net::Download;
        let info = send(self.bot.get_file(self.file.id.clone()))
            .await
            .map_err(|e| DownloadError::Failed(e.to_string()))?;
        if info.meta.size != u32::MAX && info.meta.size as u64 > max {
            return Err(DownloadError::TooLarge(info.meta.size as u64));
        }
        let mut stream = self.bot.download_file_stream(&info.path);
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| DownloadError::Failed(e.to_string()))?;
            if (out.len() + chunk.len()) as u64 > max {
                return Err(DownloadError::TooLarge((out.len() + chunk.len()) as u64));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}

async fn on_callback(bot: Bot, q: CallbackQuery, state: Arc<State>) -> HandlerResult {
    // The next page speaks the language of the reply its button sits under.
    let under = q
        .regular_message()
        .and_then(|m| m.text())
        .unwrap_or_default();
    let lang = state.lang_of_reply(Some(&q.from), under);
    let m = lang.messages();
    let data = q.data.clone().unwrap_or_default();
    if data == "again" {
        send(bot.answer_callback_query(q.id.clone()).text(m.another_hint)).await?;
        return Ok(());
    }
    if let Some((track, verdict)) = decode_rate(&data) {
        // Stored for the one who pressed, whoever the list was for.
        let note = match state.pipeline.rate(Some(q.from.id.0), track, verdict).await {
            Ok(song) => match verdict {
                moodtune_core::Verdict::Like => m.rated_like,
                moodtune_core::Verdict::Dislike => m.rated_dislike,
            }
            .replace("{song}", &render::title(&song)),
            Err(why) => why.note(lang),
        };
        send(bot.answer_callback_query(q.id.clone()).text(note)).await?;
        return Ok(());
    }
    if let Some(page) = decode_history(&data) {
        return turn_history_page(&bot, &q, page, &state, lang).await;
    }
    let Some(press) = decode_more(&data) else {
        send(bot.answer_callback_query(q.id.clone()).text(m.stale_button)).await?;
        return Ok(());
    };
    let ask = pipeline::Ask::<Vec<u8>>::More {
        emotion: press.emotion,
        offset: press.offset,
        lift: press.lift,
    };
    let deliver = |answer: Answer| async {
        match answer {
            Answer::RateLimited(_) => {
                let note = answer.note(lang).unwrap_or_default();
                send(bot.answer_callback_query(q.id.clone()).text(note))
                    .await
                    .map(drop)
            }
            other => edit_with_more(&bot, &q, other, &state, lang).await,
        }
    };
    state
        .pipeline
        .run(Some(q.from.id.0), ask, std::future::ready(()), deliver)
        .await
}

/// Answers a "More like this" press by editing its message with the next songs.
async fn edit_with_more(
    bot: &Bot,
    q: &CallbackQuery,
    answer: Answer,
    state: &State,
    lang: Lang,
) -> HandlerResult {
    let (text, markup) = match &answer {
        Answer::Songs(rec) if !rec.tracks.is_empty() => (
            reply_html(rec, lang),
            Some(keyboard(
                rec,
                state.pipeline.k(),
                lang,
                state.pipeline.memory_days() > 0,
            )),
        ),
        Answer::Songs(_) => (escape(lang.messages().no_more), None),
        other => (escape(&other.note(lang).unwrap_or_default()), None),
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

/// Answers a "Newer" / "Older" press under a history page by editing it, in the presser's own
/// private chat only (a history never shows in a group).
async fn turn_history_page(
    bot: &Bot,
    q: &CallbackQuery,
    page: usize,
    state: &State,
    lang: Lang,
) -> HandlerResult {
    let message = q
        .regular_message()
        .filter(|m| m.chat.is_private() && m.chat.id.0 == q.from.id.0 as i64);
    let Some(message) = message else {
        let note = lang.messages().private_only;
        send(bot.answer_callback_query(q.id.clone()).text(note)).await?;
        return Ok(());
    };
    send(bot.answer_callback_query(q.id.clone())).await?;
    let (text, markup) = match state.pipeline.history(Some(q.from.id.0), page).await {
        Ok(h) => history_reply(&h, lang, state.pipeline.memory_days()),
        Err(why) => (escape(&why.note(lang)), None),
    };
    let mut edit = bot
        .edit_message_text(message.chat.id, message.id, text)
        .parse_mode(ParseMode::Html)
        .link_preview_options(no_preview());
    if let Some(kb) = markup {
        edit = edit.reply_markup(kb);
    }
    send(edit).await.map(drop)
}

async fn on_inline(bot: Bot, q: InlineQuery, state: Arc<State>) -> HandlerResult {
    let lang = state.lang(Some(&q.from), &q.query);
    let m = lang.messages();
    let query = q.query.trim();
    if query.is_empty() {
        send(bot.answer_inline_query(q.id.clone(), Vec::<InlineQueryResult>::new())).await?;
        return Ok(());
    }
    let ask = pipeline::Ask::<Vec<u8>>::Text(query.to_string());
    let deliver = |answer: Answer| async {
        let results: Vec<InlineQueryResult> = match answer {
            Answer::Songs(rec) => {
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
            _ => Vec::new(),
        };
        send(
            bot.answer_inline_query(q.id.clone(), results)
                .cache_time(60),
        )
        .await
        .map(drop)
    };
    state
        .pipeline
        .run_at(
            "inline",
            Some(q.from.id.0),
            ask,
            std::future::ready(()),
            deliver,
        )
        .await
}
