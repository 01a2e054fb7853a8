//! The Discord bot, on serenity: DMs and mentions, the `/mood` slash command (text or a selfie),
//! the "Songs for this mood" message context menu, "More like this" / "Different vibe" and 👍 / 👎
//! buttons, and `/history` and `/forget` (answered so that only the person sees them).
//!
//! Files: this one (options, start-up, the event handlers on the shared pipeline), `render`
//! (embeds, buttons, history pages, markdown escaping).
//!
//! Everything goes through [`Engine`]; this module only turns Discord events into asks and
//! recommendations into embeds. The REST base is configurable (`DISCORD_PROXY_URL`, for a
//! rate-limit proxy or a test fake); serenity's own rate limiter is then disabled, because with it
//! on requests ignore the proxy.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use moodtune_core::{Engine, Verdict};
use serenity::all::{
    Attachment, CommandInteraction, CommandType, ComponentInteraction, Context, CreateActionRow,
    CreateAllowedMentions, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, EditInteractionResponse, EventHandler,
    GatewayIntents, GuildId, Interaction, Message, Ready, ResolvedTarget, ResolvedValue, UserId,
};
use serenity::http::HttpBuilder;

use crate::commands::Command;
use crate::memory::{decode_history, decode_rate};
use crate::messages::Lang;
use crate::metrics::Metrics;
use crate::paging::decode_more;
use crate::pipeline::{self, Answer, DownloadError, Photo, Pipeline, PipelineOptions};

mod registry;
mod render;

use registry::commands;
use render::{buttons, history_message, DIFFERENT};
pub use render::{embed, escape_markdown, mood_bars};

/// Name of the message context-menu command.
pub const CONTEXT_MENU: &str = "Songs for this mood";

/// How the Discord adapter runs.
#[derive(Clone)]
pub struct DiscordOptions {
    /// Bot token (from `DISCORD_TOKEN`; never logged).
    pub token: String,
    /// REST base URL of a proxy (`DISCORD_PROXY_URL`); `None` talks to Discord itself.
    pub proxy_url: Option<String>,
    /// Register commands in this guild only (instant, for testing) instead of globally.
    pub guild: Option<u64>,
    /// Reply language when the interaction's locale is neither Chinese nor English.
    pub default_lang: Lang,
    /// Use this language always, whatever the locale says.
    pub force_lang: Option<Lang>,
    /// Songs per page.
    pub k: usize,
    /// Per-user burst of requests.
    pub burst: u32,
    /// Time for one more request.
    pub every: Duration,
    /// Largest attachment downloaded.
    pub max_image_bytes: u64,
    /// Where requests are counted (shared with the other adapters of the process).
    pub metrics: Arc<Metrics>,
}

impl std::fmt::Debug for DiscordOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordOptions")
            .field("token", &"***")
            .field("proxy_url", &self.proxy_url)
            .field("guild", &self.guild)
            .field("k", &self.k)
            .finish()
    }
}

impl DiscordOptions {
    /// Defaults around a token.
    pub fn new(token: String) -> DiscordOptions {
        DiscordOptions {
            token,
            proxy_url: None,
            guild: None,
            default_lang: Lang::En,
            force_lang: None,
            k: moodtune_core::DEFAULT_K,
            burst: pipeline::DEFAULT_BURST,
            every: pipeline::DEFAULT_EVERY,
            max_image_bytes: pipeline::DEFAULT_MAX_PHOTO_BYTES,
            metrics: Arc::default(),
        }
    }

    /// The reply language: the operator's fixed one, else what the message is written in
    /// (`read`), else the user's Discord locale.
    fn lang_for(&self, read: Option<Lang>, locale: Option<&str>) -> Lang {
        self.force_lang
            .or(read)
            .or_else(|| locale.and_then(Lang::parse))
            .unwrap_or(self.default_lang)
    }
}

/// Why the Discord adapter stopped.
#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    /// The client could not be built or the gateway failed for good.
    #[error("discord: {0}")]
    Client(String),
}

struct Handler {
    pipeline: Pipeline,
    opts: DiscordOptions,
    me: OnceLock<UserId>,
}

/// What a user asked for.
type Ask<'a> = pipeline::Ask<DiscordPhoto<'a>>;

/// An attachment, still on Discord's CDN.
struct DiscordPhoto<'a>(&'a Attachment);

impl Photo for DiscordPhoto<'_> {
    fn announced_bytes(&self) -> Option<u64> {
        Some(u64::from(self.0.size))
    }

    fn is_image(&self) -> bool {
        looks_like_image(self.0)
    }

    async fn download(&self, max: u64) -> Result<Vec<u8>, DownloadError> {
        let bytes = self
            .0
            .download()
            .await
            .map_err(|e| DownloadError::Failed(e.to_string()))?;
        if bytes.len() as u64 > max {
            return Err(DownloadError::TooLarge(bytes.len() as u64));
        }
        Ok(bytes)
    }
}

/// What to send back.
enum Reply {
    Songs {
        embed: Box<CreateEmbed>,
        buttons: Vec<CreateActionRow>,
    },
    Note(String),
}

/// Runs the bot until `stopped` resolves, then shuts the shards down.
pub async fn run(
    engine: Arc<Engine>,
    opts: DiscordOptions,
    stopped: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DiscordError> {
    let mut http = HttpBuilder::new(&opts.token);
    if let Some(proxy) = &opts.proxy_url {
        http = http
            .proxy(proxy.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    let intents = GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT;
    let handler = Handler {
        pipeline: Pipeline::new(
            engine,
            PipelineOptions {
                k: opts.k,
                burst: opts.burst,
                every: opts.every,
                max_photo_bytes: opts.max_image_bytes,
                metrics: opts.metrics.clone(),
                ..PipelineOptions::new("discord")
            },
        ),
        opts,
        me: OnceLock::new(),
    };
    let mut client = serenity::client::ClientBuilder::new_with_http(http.build(), intents)
        .event_handler(handler)
        .await
        .map_err(|e| DiscordError::Client(e.to_string()))?;
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        stopped.await;
        tracing::info!("discord: shutting down shards");
        shards.shutdown_all().await;
    });
    // Autosharding asks Discord (GET /gateway/bot) how many shards the bot needs; one process
    // runs them all through serenity's shard manager.
    let result = client
        .start_autosharded()
        .await
        .map_err(|e| DiscordError::Client(e.to_string()));
    tracing::info!("discord bot stopped");
    result
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let _ = self.me.set(ready.user.id);
        tracing::info!(bot = %ready.user.name, guilds = ready.guilds.len(), "discord: connected");
        let commands = commands();
        let result = match self.opts.guild {
            Some(g) => GuildId::new(g)
                .set_commands(&ctx.http, commands)
                .await
                .map(|_| ()),
            None => serenity::all::Command::set_global_commands(&ctx.http, commands)
                .await
                .map(|_| ()),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "discord: cannot register commands");
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        if msg.author.bot {
            return;
        }
        let Some(me) = self.me.get().copied() else {
            return;
        };
        let direct = msg.guild_id.is_none();
        if !direct && !msg.mentions.iter().any(|u| u.id == me) {
            return; // guild chatter not addressed to us
        }
        let text = strip_mention(&msg.content, me);
        let ask = match first_image(&msg.attachments) {
            Some(a) => Ask::Photo(DiscordPhoto(a)),
            None if !msg.attachments.is_empty() && text.is_empty() => {
                Ask::Photo(DiscordPhoto(&msg.attachments[0])) // checked and refused below, with a clear reply
            }
            None => Ask::Text(text),
        };
        let lang = self.opts.lang_for(Lang::of_text(&msg.content), None);
        if matches!(ask, Ask::Photo(_)) {
            // Photos take a while: make sure the indicator is up before the work starts (the
            // background typing task below may not have sent its first request yet).
            let _ = msg.channel_id.broadcast_typing(&ctx.http).await;
        }
        let typing = msg.channel_id.start_typing(&ctx.http);
        let reply = self.answer(ask, msg.author.id.get(), lang).await;
        drop(typing);
        let mut out = CreateMessage::new()
            .reference_message(&msg)
            .allowed_mentions(CreateAllowedMentions::new());
        out = match reply {
            Reply::Songs { embed, buttons } => out.embed(*embed).components(buttons),
            Reply::Note(text) => out.content(text),
        };
        if let Err(e) = msg.channel_id.send_message(&ctx.http, out).await {
            tracing::warn!(error = %e, "discord: cannot send a reply");
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(cmd) => self.on_command(&ctx, &cmd).await,
            Interaction::Component(press) => self.on_button(&ctx, &press).await,
            _ => {}
        }
    }
}

impl Handler {
    async fn on_command(&self, ctx: &Context, cmd: &CommandInteraction) {
        let name = cmd.data.name.as_str();
        if cmd.data.kind == CommandType::ChatInput
            && (name == Command::History.name() || name == Command::Forget.name())
        {
            return self.on_memory_command(ctx, cmd).await;
        }
        let ask = match (cmd.data.kind, cmd.data.name.as_str()) {
            (CommandType::ChatInput, name) if name == Command::Mood.name() => {
                let mut text = None;
                let mut image = None;
                for o in cmd.data.options() {
                    match (o.name, o.value) {
                        ("text", ResolvedValue::String(s)) => text = Some(s.to_string()),
                        ("image", ResolvedValue::Attachment(a)) => image = Some(a),
                        _ => {}
                    }
                }
                match (image, text) {
                    (Some(a), _) => Some(Ask::Photo(DiscordPhoto(a))),
                    (None, Some(t)) => Some(Ask::Text(t)),
                    (None, None) => None,
                }
            }
            (CommandType::ChatInput, name) if name == Command::Cheer.name() => cmd
                .data
                .options()
                .into_iter()
                .find_map(|o| match (o.name, o.value) {
                    ("text", ResolvedValue::String(s)) => Some(Ask::Cheer(s.to_string())),
                    _ => None,
                }),
            (CommandType::Message, CONTEXT_MENU) => match cmd.data.target() {
                Some(ResolvedTarget::Message(target)) => match first_image(&target.attachments) {
                    Some(a) => Some(Ask::Photo(DiscordPhoto(a))),
                    None if !target.content.trim().is_empty() => {
                        Some(Ask::Text(target.content.clone()))
                    }
                    None => None,
                },
                _ => None,
            },
            _ => return,
        };
        // A reply speaks the language of the words it answers (a photo's: the user's locale).
        let written = match &ask {
            Some(Ask::Text(t) | Ask::Cheer(t)) => Lang::of_text(t),
            _ => None,
        };
        let lang = self.opts.lang_for(written, Some(&cmd.locale));
        let m = lang.messages();
        let Some(ask) = ask else {
            let note = CreateInteractionResponseMessage::new()
                .content(m.discord_usage)
                .ephemeral(true);
            if let Err(e) = cmd
                .create_response(&ctx.http, CreateInteractionResponse::Message(note))
                .await
            {
                tracing::warn!(error = %e, "discord: cannot answer a command");
            }
            return;
        };
        let user = cmd.user.id.get();
        if matches!(ask, Ask::Photo(_)) {
            // Photos take hundreds of milliseconds: acknowledge within Discord's 3 s first.
            if let Err(e) = cmd
                .create_response(
                    &ctx.http,
                    CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new()),
                )
                .await
            {
                tracing::warn!(error = %e, "discord: cannot defer");
                return;
            }
            let edit = match self.answer(ask, user, lang).await {
                Reply::Songs { embed, buttons } => EditInteractionResponse::new()
                    .embed(*embed)
                    .components(buttons),
                Reply::Note(text) => EditInteractionResponse::new().content(text),
            };
            if let Err(e) = cmd.edit_response(&ctx.http, edit).await {
                tracing::warn!(error = %e, "discord: cannot follow up");
            }
        } else {
            let msg = match self.answer(ask, user, lang).await {
                Reply::Songs { embed, buttons } => CreateInteractionResponseMessage::new()
                    .embed(*embed)
                    .components(buttons),
                Reply::Note(text) => CreateInteractionResponseMessage::new().content(text),
            };
            if let Err(e) = cmd
                .create_response(&ctx.http, CreateInteractionResponse::Message(msg))
                .await
            {
                tracing::warn!(error = %e, "discord: cannot answer a command");
            }
        }
    }

    async fn on_button(&self, ctx: &Context, press: &ComponentInteraction) {
        // The next page speaks the language of the reply its button sits under.
        let under = press
            .message
            .embeds
            .first()
            .and_then(|e| e.title.as_deref())
            .and_then(Lang::of_reply);
        let lang = self.opts.lang_for(under, Some(&press.locale));
        let m = lang.messages();
        let user = press.user.id.get();
        let response = if let Some((track, verdict)) = decode_rate(&press.data.custom_id) {
            // Stored for the one who pressed, whoever the list was for.
            match self.pipeline.rate(Some(user), track, verdict).await {
                Ok(song) => note_response(
                    &match verdict {
                        Verdict::Like => m.rated_like,
                        Verdict::Dislike => m.rated_dislike,
                    }
                    .replace("{song}", &crate::render::title(&song)),
                ),
                Err(why) => note_response(&why.note(lang)),
            }
        } else if let Some(page) = decode_history(&press.data.custom_id) {
            // History pages are ephemeral: only their owner sees them, and so can press these.
            let lang = self.opts.lang_for(None, Some(&press.locale));
            match self.pipeline.history(Some(user), page).await {
                Ok(h) => {
                    let (embed, rows) = history_message(&h, lang, self.pipeline.memory_days());
                    CreateInteractionResponse::UpdateMessage(
                        CreateInteractionResponseMessage::new()
                            .embed(embed)
                            .components(rows),
                    )
                }
                Err(why) => note_response(&why.note(lang)),
            }
        } else if press.data.custom_id == DIFFERENT {
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content(m.discord_different_hint)
                    .ephemeral(true),
            )
        } else if let Some(p) = decode_more(&press.data.custom_id) {
            let ask = Ask::More {
                emotion: p.emotion,
                offset: p.offset,
                lift: p.lift,
            };
            let k = self.pipeline.k();
            let rating = self.pipeline.memory_days() > 0;
            let deliver = |answer: Answer| {
                std::future::ready(match answer {
                    Answer::Songs(rec) if !rec.tracks.is_empty() => {
                        CreateInteractionResponse::UpdateMessage(
                            CreateInteractionResponseMessage::new()
                                .embed(embed(&rec, lang))
                                .components(buttons(&rec, k, lang, rating)),
                        )
                    }
                    Answer::Songs(_) => note_response(m.no_more),
                    other => note_response(&other.note(lang).unwrap_or_default()),
                })
            };
            self.pipeline
                .run(Some(user), ask, std::future::ready(()), deliver)
                .await
        } else {
            note_response(m.stale_button)
        };
        if let Err(e) = press.create_response(&ctx.http, response).await {
            tracing::warn!(error = %e, "discord: cannot answer a button");
        }
    }

    /// Turns an ask into a reply through the shared request pipeline.
    async fn answer(&self, ask: Ask<'_>, user: u64, lang: Lang) -> Reply {
        let k = self.pipeline.k();
        let rating = self.pipeline.memory_days() > 0;
        let deliver = |answer: Answer| {
            std::future::ready(match answer {
                Answer::Songs(rec) if rec.tracks.is_empty() => {
                    Reply::Note(lang.messages().no_more.to_string())
                }
                Answer::Songs(rec) => Reply::Songs {
                    embed: Box::new(embed(&rec, lang)),
                    buttons: buttons(&rec, k, lang, rating),
                },
                other => Reply::Note(other.note(lang).unwrap_or_default()),
            })
        };
        self.pipeline
            .run(Some(user), ask, std::future::ready(()), deliver)
            .await
    }
}

impl Handler {
    /// `/history [page]` and `/forget`: answered ephemerally, so a person's moods and songs are
    /// never shown to a channel.
    async fn on_memory_command(&self, ctx: &Context, cmd: &CommandInteraction) {
        let lang = self.opts.lang_for(None, Some(&cmd.locale));
        let m = lang.messages();
        let user = Some(cmd.user.id.get());
        let msg = if cmd.data.name == Command::History.name() {
            let page = cmd
                .data
                .options()
                .into_iter()
                .find_map(|o| match (o.name, o.value) {
                    ("page", ResolvedValue::Integer(p)) => Some(p),
                    _ => None,
                })
                .unwrap_or(1);
            let page = usize::try_from(page).unwrap_or(1).saturating_sub(1);
            match self.pipeline.history(user, page).await {
                Ok(h) => {
                    let (embed, rows) = history_message(&h, lang, self.pipeline.memory_days());
                    CreateInteractionResponseMessage::new()
                        .embed(embed)
                        .components(rows)
                }
                Err(why) => CreateInteractionResponseMessage::new().content(why.note(lang)),
            }
        } else {
            let text = match self.pipeline.forget(user).await {
                Ok(gone) => m
                    .forgot
                    .replace("{moods}", &gone.moods.to_string())
                    .replace("{ratings}", &gone.ratings.to_string()),
                Err(why) => why.note(lang),
            };
            CreateInteractionResponseMessage::new().content(text)
        };
        let response = CreateInteractionResponse::Message(msg.ephemeral(true));
        if let Err(e) = cmd.create_response(&ctx.http, response).await {
            tracing::warn!(error = %e, "discord: cannot answer a command");
        }
    }
}

fn note_response(text: &str) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(text)
            .ephemeral(true),
    )
}

/// The first attachment that says it is an image.
fn first_image(attachments: &[Attachment]) -> Option<&Attachment> {
    attachments.iter().find(|a| looks_like_image(a))
}

/// Whether an attachment claims to be an image we read, by content type or file name; the bytes
/// are checked again when decoded.
fn looks_like_image(a: &Attachment) -> bool {
    match &a.content_type {
        Some(t) => matches!(
            t.split(';').next().unwrap_or("").trim(),
            "image/png" | "image/jpeg" | "image/webp" | "image/gif"
        ),
        None => {
            let name = a.filename.to_ascii_lowercase();
            [".png", ".jpg", ".jpeg", ".webp", ".gif"]
                .iter()
                .any(|e| name.ends_with(e))
        }
    }
}

/// Removes mentions of the bot (`<@ID>`, `<@!ID>`) from a message.
fn strip_mention(text: &str, me: UserId) -> String {
    text.replace(&format!("<@{}>", me.get()), " ")
        .replace(&format!("<@!{}>", me.get()), " ")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_stripped() {
        let me = UserId::new(42);
        assert_eq!(strip_mention("<@42> 有点难过", me), "有点难过");
        assert_eq!(strip_mention("好开心 <@!42>", me), "好开心");
        assert_eq!(strip_mention("<@43> hi", me), "<@43> hi");
    }
}
