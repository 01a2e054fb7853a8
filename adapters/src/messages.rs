//! Every user-facing string, one table per language.
//!
//! Adapters pick a table with [`Lang`] and never write user-facing text inline, so a new language
//! (or a kinder wording) is one edit in one place.

use moodtune_core::vision::VisionError;
use moodtune_core::RecommendError;

/// A reply language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Chinese.
    Zh,
    /// English.
    #[default]
    En,
}

impl Lang {
    /// Parses `zh`, `en` and locale strings such as `zh_CN.UTF-8`, `zh-Hans` or `en-US`.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The string table of this language.
    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

/// The strings of one language.
#[derive(Debug)]
pub struct Messages {
    /// Shown when a chat starts.
    pub welcome: &'static str,
    /// The command list.
    pub help: &'static str,
    /// Prefix of the mood line, before the emotion names.
    pub mood_prefix: &'static str,
    /// After the last page of songs.
    pub no_more: &'static str,
    /// `/more` with no mood asked yet.
    pub more_without_mood: &'static str,
    /// Input that is not valid UTF-8 text.
    pub not_text: &'static str,
    /// A command we do not know.
    pub unknown_command: &'static str,
    /// Said on `/quit`.
    pub goodbye: &'static str,
    /// Nothing but whitespace.
    pub empty: &'static str,
    /// Text over the limit; `{max}` is replaced.
    pub too_long: &'static str,
    /// No emotion found.
    pub no_emotion: &'static str,
    /// No songs in the catalog.
    pub empty_catalog: &'static str,
    /// The database failed.
    pub storage: &'static str,
    /// Telegram /start: two lines.
    pub start: &'static str,
    /// First line of /help on chat platforms; the command list is generated below it.
    pub help_intro: &'static str,
    /// Description of /start.
    pub cmd_start: &'static str,
    /// Description of /help.
    pub cmd_help: &'static str,
    /// Description of /mood.
    pub cmd_mood: &'static str,
    /// Description of /lang.
    pub cmd_lang: &'static str,
    /// Argument placeholder of /mood.
    pub arg_text: &'static str,
    /// The photo models could not run.
    pub photo_unavailable: &'static str,
    /// Too many requests; `{secs}` is replaced.
    pub rate_limited: &'static str,
    /// /lang confirmation.
    pub lang_set: &'static str,
    /// /lang with a bad argument.
    pub lang_usage: &'static str,
    /// Button: next page.
    pub more_button: &'static str,
    /// Button: ask for a different mood.
    pub another_button: &'static str,
    /// Answer to the "another mood" button.
    pub another_hint: &'static str,
    /// A button press for a message that is too old to continue.
    pub stale_button: &'static str,
    /// Title of an inline-mode result; `{mood}` is replaced.
    pub inline_title: &'static str,
    /// Photo over the size limit; `{max}` is replaced by megabytes.
    pub photo_too_large: &'static str,
    /// Not an image we read.
    pub photo_not_image: &'static str,
    /// A damaged image.
    pub photo_damaged: &'static str,
    /// No face found.
    pub photo_no_face: &'static str,
    /// People in the photo, but no mood read from them.
    pub photo_no_mood: &'static str,
    /// Discord: description of the /mood slash command.
    pub discord_command: &'static str,
    /// Discord: description of its `text` option.
    pub discord_text_option: &'static str,
    /// Discord: description of its `image` option.
    pub discord_image_option: &'static str,
    /// Discord: the message context-menu command's localised name.
    pub discord_context_menu: &'static str,
    /// Discord: /mood without text or image, or a context menu on a message with neither.
    pub discord_usage: &'static str,
    /// Discord: the "Different vibe" button.
    pub discord_different_button: &'static str,
    /// Discord: answer to "Different vibe".
    pub discord_different_hint: &'static str,
}

impl Messages {
    /// What the user reads for an error of the engine.
    pub fn error(&self, e: &RecommendError) -> String {
        match e {
            RecommendError::Empty => self.empty.to_string(),
            RecommendError::TooLong { max } => self.too_long.replace("{max}", &max.to_string()),
            RecommendError::NoEmotion => self.no_emotion.to_string(),
            RecommendError::EmptyCatalog => self.empty_catalog.to_string(),
            RecommendError::Storage(_) => self.storage.to_string(),
            RecommendError::Photo(p) => match p {
                VisionError::TooLarge { max, .. } => self
                    .photo_too_large
                    .replace("{max}", &(max / (1024 * 1024)).max(1).to_string()),
                VisionError::TooManyPixels { .. } => self.photo_too_large.replace("{max}", "20"),
                VisionError::NotAnImage => self.photo_not_image.to_string(),
                VisionError::Damaged(_) => self.photo_damaged.to_string(),
                VisionError::NoFace => self.photo_no_face.to_string(),
                VisionError::NoMood => self.photo_no_mood.to_string(),
                VisionError::Model(_) => self.photo_unavailable.to_string(),
            },
        }
    }
}

static EN: Messages = Messages {
    welcome: "Hi, I'm moodtune. Tell me how you feel (in Chinese or a few words) and I'll find songs that fit.\nType /help for commands.",
    help: "Just type how you feel, e.g. 下雨天一个人，有点难过\n/mood TEXT  songs for the mood of TEXT\n/more       more songs like the last ones\n/help       this list\n/quit       leave",
    mood_prefix: "Your mood:",
    no_more: "That's all I have for this mood. Tell me another one?",
    more_without_mood: "Tell me a mood first, then /more gives you more songs like it.",
    not_text: "I can only read text. That message wasn't valid UTF-8 text.",
    unknown_command: "I don't know that command. Type /help to see what I can do.",
    goodbye: "Bye! Take care.",
    empty: "Tell me how you feel in a few words and I'll find songs for it.",
    too_long: "That's a lot to take in. Please keep it under {max} characters.",
    no_emotion: "I couldn't read a mood from that. Try a few words about how you feel, like \"有点难过\" or \"开心\".",
    empty_catalog: "I have no songs to recommend yet. Please try again later.",
    storage: "Sorry, my music library is unavailable right now. Please try again in a minute.",
    start: "Hi! Tell me how you feel and I'll answer with songs that fit your mood.\nIn groups, use /mood TEXT or mention me.",
    help_intro: "Send me how you feel in a few words, or a selfie.",
    cmd_start: "what I do",
    cmd_help: "this list",
    cmd_mood: "songs for the mood of TEXT (also as a reply to a message or photo)",
    cmd_lang: "reply language",
    arg_text: "TEXT",
    photo_unavailable: "I can't read moods from photos right now. Tell me in words?",
    rate_limited: "You're going fast! Give me {secs} seconds and ask again.",
    lang_set: "OK, I'll answer in English.",
    lang_usage: "Use /lang zh or /lang en.",
    more_button: "More like this",
    another_button: "Another mood?",
    another_hint: "Tell me how you feel now, in a few words.",
    stale_button: "This list is too old to continue. Tell me your mood again?",
    inline_title: "Songs for: {mood}",
    photo_too_large: "That photo is too big. Please send one under {max} MB.",
    photo_not_image: "That doesn't look like a photo I can read (PNG, JPEG, WebP or GIF).",
    photo_damaged: "I couldn't open that photo; it seems damaged. Try another?",
    photo_no_face: "I can't see a face in that photo. Tell me in words?",
    photo_no_mood: "I can't read a mood in that photo. Tell me in words?",
    discord_command: "Songs for how you feel: describe it, or send a selfie",
    discord_text_option: "How you feel, in a few words (e.g. 下雨天有点想家)",
    discord_image_option: "A selfie: I read the mood from your face",
    discord_context_menu: "Songs for this mood",
    discord_usage: "Tell me how you feel: /mood text:有点难过, or attach a selfie with /mood image:.",
    discord_different_button: "Different vibe",
    discord_different_hint: "Tell me a different mood with /mood text:..., or mention me with a few words.",
};

static ZH: Messages = Messages {
    welcome: "你好，我是 moodtune。说说你现在的心情，我来找适合的歌。\n输入 /help 查看命令。",
    help: "直接输入你的心情，例如：下雨天一个人，有点难过\n/mood 文字  按这段文字的心情推荐\n/more       再来几首类似的\n/help       查看帮助\n/quit       退出",
    mood_prefix: "你的心情：",
    no_more: "这个心情的歌就这么多了，换个心情试试？",
    more_without_mood: "先告诉我你的心情，再用 /more 听更多类似的歌。",
    not_text: "我只能读文字，这条消息不是有效的 UTF-8 文本。",
    unknown_command: "我不认识这个命令，输入 /help 看看我能做什么。",
    goodbye: "再见，照顾好自己！",
    empty: "用几个字说说你的心情，我来找歌。",
    too_long: "内容太长啦，请控制在 {max} 个字以内。",
    no_emotion: "我没读出这段话的心情。试试直接说说感受，比如“有点难过”或“好开心”。",
    empty_catalog: "曲库里还没有歌，请稍后再试。",
    storage: "抱歉，曲库暂时无法访问，请过一会儿再试。",
    start: "你好！告诉我你现在的心情，我用适合的歌回答你。\n在群里请用 /mood 文字，或者 @我。",
    help_intro: "用几个字告诉我你的心情，或者发一张自拍。",
    cmd_start: "我能做什么",
    cmd_help: "查看帮助",
    cmd_mood: "按这段文字的心情推荐（也可以回复某条消息或照片）",
    cmd_lang: "回复语言",
    arg_text: "文字",
    photo_unavailable: "现在暂时读不了照片里的心情，用文字告诉我好吗？",
    rate_limited: "太快啦！请过 {secs} 秒再试。",
    lang_set: "好的，我会用中文回复。",
    lang_usage: "用法：/lang zh 或 /lang en。",
    more_button: "再来几首",
    another_button: "换个心情？",
    another_hint: "用几个字说说你现在的心情吧。",
    stale_button: "这个列表太旧了，再告诉我一次你的心情吧？",
    inline_title: "适合“{mood}”的歌",
    photo_too_large: "照片太大了，请发送小于 {max} MB 的照片。",
    photo_not_image: "这看起来不是我能读的照片（PNG、JPEG、WebP 或 GIF）。",
    photo_damaged: "这张照片打不开，好像损坏了，换一张试试？",
    photo_no_face: "照片里我没看到人脸，用文字告诉我你的心情好吗？",
    photo_no_mood: "这张照片我读不出心情，用文字告诉我好吗？",
    discord_command: "按心情推荐歌曲：用文字描述，或者发一张自拍",
    discord_text_option: "用几个字描述你的心情（例如：下雨天有点想家）",
    discord_image_option: "一张自拍：我从表情读出你的心情",
    discord_context_menu: "按这条消息的心情推荐",
    discord_usage: "告诉我你的心情：/mood text:有点难过，或者用 /mood image: 发一张自拍。",
    discord_different_button: "换个心情",
    discord_different_hint: "用 /mood text:... 告诉我另一种心情，或者 @我 说几个字。",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_map_to_languages() {
        let table = [
            ("zh", Some(Lang::Zh)),
            ("zh_CN.UTF-8", Some(Lang::Zh)),
            ("en-US", Some(Lang::En)),
            ("fr", None),
            ("", None),
        ];
        for (s, want) in table {
            assert_eq!(Lang::parse(s), want, "{s}");
        }
    }

    #[test]
    fn every_error_has_a_message_in_every_language() {
        for lang in [Lang::Zh, Lang::En] {
            let m = lang.messages();
            let errs = [
                RecommendError::Empty,
                RecommendError::TooLong { max: 7 },
                RecommendError::NoEmotion,
                RecommendError::EmptyCatalog,
            ];
            for e in errs {
                let s = m.error(&e);
                assert!(!s.is_empty() && !s.contains("{max}"), "{lang:?} {e:?}");
            }
            assert!(m.error(&RecommendError::TooLong { max: 7 }).contains('7'));
        }
    }
}
