//! Every user-facing string, one table per language.
//!
//! Adapters pick a table with [`Lang`] and never write user-facing text inline, so a new language
//! (or a kinder wording) is one edit in one place.

use moodtune_core::{RecommendError, VisionError};

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

    /// The language a message is written in, when its words say so: Chinese when it has Han
    /// characters enough to outweigh its Latin words ("emo了" is Chinese, "I love 周杰伦" too:
    /// one Han character says about as much as a three-letter word), English when it is Latin
    /// letters only, `None` for emoji, numbers or nothing. Commands (`/mood`) and mentions
    /// (`@bot`) are not words of the message.
    pub fn of_text(text: &str) -> Option<Lang> {
        let (mut han, mut latin) = (0usize, 0usize);
        for word in text
            .split_whitespace()
            .filter(|w| !w.starts_with('/') && !w.starts_with('@'))
        {
            for c in word.chars() {
                if is_han(c) {
                    han += 1;
                } else if c.is_ascii_alphabetic() {
                    latin += 1;
                }
            }
        }
        if han > 0 && han * 3 >= latin {
            Some(Lang::Zh)
        } else if latin >= 2 {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language of a reply of ours (the message a button sits under), by its mood line: its
    /// song titles may be in any language, its first words are ours.
    pub fn of_reply(text: &str) -> Option<Lang> {
        let head: String = text.chars().take(80).collect();
        [Lang::Zh, Lang::En].into_iter().find(|l| {
            let m = l.messages();
            head.contains(m.mood_prefix) || head.contains(m.lift_prefix)
        })
    }

    /// The string table of this language.
    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

/// Han characters: the CJK unified ideographs and their extensions and compatibility forms.
fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

/// The strings of one language.
#[derive(Debug)]
pub struct Messages {
    /// Shown when a chat starts.
    pub welcome: &'static str,
    /// Prefix of the mood line, before the emotion names.
    pub mood_prefix: &'static str,
    /// Prefix of the mood line when the songs cheer up rather than match.
    pub lift_prefix: &'static str,
    /// Before the words that carried the mood, at the end of the mood line.
    pub cues_prefix: &'static str,
    /// After the number of faces a photo's mood was read from, for one face.
    pub face: &'static str,
    /// The same for several faces.
    pub faces: &'static str,
    /// Before a song's reason (the playlist it was chosen from).
    pub reason_prefix: &'static str,
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
    /// Description of /more.
    pub cmd_more: &'static str,
    /// Description of /quit.
    pub cmd_quit: &'static str,
    /// Description of /cheer.
    pub cmd_cheer: &'static str,
    /// What the user reads for each error, or `None` for the engine's own words: the Display of
    /// [`RecommendError`] is written in English for its users (the CLI, the HTTP API, the logs),
    /// so English is not written a second time here.
    pub errors: Option<&'static ErrorTexts>,
    /// Argument placeholder of /mood.
    pub arg_text: &'static str,
    /// Too many requests; `{secs}` is replaced.
    pub rate_limited: &'static str,
    /// /lang confirmation.
    pub lang_set: &'static str,
    /// /lang with a bad argument.
    pub lang_usage: &'static str,
    /// A photo the chat platform did not hand over.
    pub photo_download_failed: &'static str,
    /// Button: next page.
    pub more_button: &'static str,
    /// Button: songs to cheer up instead of songs that match.
    pub cheer_button: &'static str,
    /// Button: ask for a different mood.
    pub another_button: &'static str,
    /// Answer to the "another mood" button.
    pub another_hint: &'static str,
    /// A button press for a message that is too old to continue.
    pub stale_button: &'static str,
    /// Title of an inline-mode result; `{mood}` is replaced.
    pub inline_title: &'static str,
    /// Discord: description of the /mood slash command.
    pub discord_command: &'static str,
    /// Discord: description of the /cheer slash command (its text is required there).
    pub discord_cheer_command: &'static str,
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
    /// Description of /history.
    pub cmd_history: &'static str,
    /// Description of /forget.
    pub cmd_forget: &'static str,
    /// Description of /like.
    pub cmd_like: &'static str,
    /// Description of /dislike.
    pub cmd_dislike: &'static str,
    /// Argument placeholder of /like and /dislike.
    pub arg_number: &'static str,
    /// Argument placeholder of /history.
    pub arg_page: &'static str,
    /// After a 👍; `{song}` is replaced.
    pub rated_like: &'static str,
    /// After a 👎; `{song}` is replaced.
    pub rated_dislike: &'static str,
    /// Console: the line under a list that says how to rate it.
    pub rate_hint: &'static str,
    /// /like or /dislike without a number of the last list.
    pub rate_usage: &'static str,
    /// Heading of the moods in /history.
    pub history_moods: &'static str,
    /// Heading of the liked songs in /history.
    pub history_liked: &'static str,
    /// /history with nothing stored; `{days}` is replaced.
    pub history_empty: &'static str,
    /// Last line of /history; `{page}`, `{pages}` and `{days}` are replaced.
    pub history_footer: &'static str,
    /// A mood read from a message, in /history.
    pub source_text: &'static str,
    /// A mood read from a photo, in /history.
    pub source_photo: &'static str,
    /// A mood for which songs to cheer up were asked, in /history.
    pub source_cheer: &'static str,
    /// Button: older history.
    pub older_button: &'static str,
    /// Button: newer history.
    pub newer_button: &'static str,
    /// After /forget; `{moods}` and `{ratings}` are replaced.
    pub forgot: &'static str,
    /// /history or /forget in a group chat.
    pub private_only: &'static str,
}

/// The text of each engine error in one language other than the engine's own English.
#[derive(Debug)]
pub struct ErrorTexts {
    /// Nothing but whitespace.
    pub empty: &'static str,
    /// Text over the limit; `{max}` is replaced.
    pub too_long: &'static str,
    /// No emotion found.
    pub no_emotion: &'static str,
    /// A greeting, a thanks or a bare request: greet back and ask.
    pub small_talk: &'static str,
    /// No songs in the catalog.
    pub empty_catalog: &'static str,
    /// The database failed.
    pub storage: &'static str,
    /// The photo models could not run.
    pub photo_unavailable: &'static str,
    /// Photo over the size limit; `{max}` is replaced by megabytes.
    pub photo_too_large: &'static str,
    /// Photo with too many pixels.
    pub photo_too_many_pixels: &'static str,
    /// Not an image we read.
    pub photo_not_image: &'static str,
    /// A damaged image.
    pub photo_damaged: &'static str,
    /// No face found.
    pub photo_no_face: &'static str,
    /// People in the photo, but no mood read from them.
    pub photo_no_mood: &'static str,
    /// A rating of a song no longer in the catalog.
    pub unknown_song: &'static str,
    /// Memory is turned off.
    pub memory_off: &'static str,
}

impl Messages {
    /// What the user reads for an error of the engine.
    pub fn error(&self, e: &RecommendError) -> String {
        let Some(t) = self.errors else {
            return e.to_string();
        };
        match e {
            RecommendError::Empty => t.empty.to_string(),
            RecommendError::TooLong { max } => t.too_long.replace("{max}", &max.to_string()),
            RecommendError::NoEmotion => t.no_emotion.to_string(),
            RecommendError::SmallTalk => t.small_talk.to_string(),
            RecommendError::EmptyCatalog => t.empty_catalog.to_string(),
            RecommendError::Storage(_) => t.storage.to_string(),
            RecommendError::UnknownSong => t.unknown_song.to_string(),
            RecommendError::MemoryOff => t.memory_off.to_string(),
            RecommendError::Photo(p) => match p {
                VisionError::TooLarge { max, .. } => t
                    .photo_too_large
                    .replace("{max}", &VisionError::megabytes(*max).to_string()),
                VisionError::TooManyPixels { .. } => t.photo_too_many_pixels.to_string(),
                VisionError::NotAnImage => t.photo_not_image.to_string(),
                VisionError::Damaged(_) => t.photo_damaged.to_string(),
                VisionError::NoFace => t.photo_no_face.to_string(),
                VisionError::NoMood => t.photo_no_mood.to_string(),
                VisionError::Model(_) => t.photo_unavailable.to_string(),
            },
        }
    }

    /// "Too many requests", with the wait in whole seconds (at least one).
    pub fn rate_limited(&self, wait: std::time::Duration) -> String {
        self.rate_limited
            .replace("{secs}", &wait.as_secs().max(1).to_string())
    }
}

static EN: Messages = Messages {
    welcome: "Hi, I'm moodtune. Tell me how you feel (in Chinese or a few words) and I'll find songs that fit.\nType /help for commands.",
    mood_prefix: "Your mood:",
    lift_prefix: "Songs to cheer you up. Your mood:",
    cues_prefix: "read from",
    face: "face",
    faces: "faces",
    reason_prefix: "from playlist",
    no_more: "That's all I have for this mood. Tell me another one?",
    more_without_mood: "Tell me a mood first, then /more gives you more songs like it.",
    not_text: "I can only read text. That message wasn't valid UTF-8 text.",
    unknown_command: "I don't know that command. Type /help to see what I can do.",
    goodbye: "Bye! Take care.",
    start: "Hi! Tell me how you feel and I'll answer with songs that fit your mood.\nIn groups, use /mood TEXT or mention me.",
    help_intro: "Send me how you feel in a few words, or a selfie.",
    cmd_start: "what I do",
    cmd_help: "this list",
    cmd_mood: "songs for the mood of TEXT (also as a reply to a message or photo)",
    cmd_lang: "reply language",
    cmd_more: "more songs like the last ones",
    cmd_quit: "leave",
    cmd_cheer: "songs to cheer you up (for TEXT, or after your last mood)",
    errors: None,
    arg_text: "TEXT",
    rate_limited: "You're going fast! Give me {secs} seconds and ask again.",
    lang_set: "OK, I'll answer in English.",
    lang_usage: "Use /lang zh or /lang en.",
    photo_download_failed: "I couldn't fetch that photo. Try sending it again?",
    more_button: "More like this",
    cheer_button: "Cheer me up",
    another_button: "Another mood?",
    another_hint: "Tell me how you feel now, in a few words.",
    stale_button: "This list is too old to continue. Tell me your mood again?",
    inline_title: "Songs for: {mood}",
    discord_command: "Songs for how you feel: describe it, or send a selfie",
    discord_cheer_command: "Songs to cheer you up: tell me how you feel",
    discord_text_option: "How you feel, in a few words (e.g. 下雨天有点想家)",
    discord_image_option: "A selfie: I read the mood from your face",
    discord_context_menu: "Songs for this mood",
    discord_usage: "Tell me how you feel: /mood text:有点难过, or attach a selfie with /mood image:.",
    discord_different_button: "Different vibe",
    discord_different_hint: "Tell me a different mood with /mood text:..., or mention me with a few words.",
    cmd_history: "your last moods and the songs you liked",
    cmd_forget: "delete everything I remember about you",
    cmd_like: "👍 song N of the last list: more like it",
    cmd_dislike: "👎 song N of the last list: never again",
    arg_number: "N",
    arg_page: "[PAGE]",
    rated_like: "👍 Noted: more songs like “{song}” for you.",
    rated_dislike: "👎 Noted: you won't get “{song}” from me again.",
    rate_hint: "Rate a song: /like N or /dislike N.",
    rate_usage: "Use /like N or /dislike N with the number of a song in the last list.",
    history_moods: "Your last moods:",
    history_liked: "Songs you liked:",
    history_empty: "Nothing here yet. Tell me how you feel: I keep your moods and the songs you rate for {days} days, and /forget deletes them.",
    history_footer: "Page {page} of {pages}. Kept for {days} days; /forget deletes everything.",
    source_text: "message",
    source_photo: "photo",
    source_cheer: "cheer up",
    older_button: "Older ▸",
    newer_button: "◂ Newer",
    forgot: "Done: I forgot everything about you ({moods} moods, {ratings} ratings).",
    private_only: "Your history is yours alone: ask me in a private chat.",
};

static ZH: Messages = Messages {
    welcome: "你好，我是 moodtune。说说你现在的心情，我来找适合的歌。\n输入 /help 查看命令。",
    mood_prefix: "你的心情：",
    lift_prefix: "给你打打气的歌。你的心情：",
    cues_prefix: "读自",
    face: "张脸",
    faces: "张脸",
    reason_prefix: "来自歌单",
    no_more: "这个心情的歌就这么多了，换个心情试试？",
    more_without_mood: "先告诉我你的心情，再用 /more 听更多类似的歌。",
    not_text: "我只能读文字，这条消息不是有效的 UTF-8 文本。",
    unknown_command: "我不认识这个命令，输入 /help 看看我能做什么。",
    goodbye: "再见，照顾好自己！",
    start: "你好！告诉我你现在的心情，我用适合的歌回答你。\n在群里请用 /mood 文字，或者 @我。",
    help_intro: "用几个字告诉我你的心情，或者发一张自拍。",
    cmd_start: "我能做什么",
    cmd_help: "查看帮助",
    cmd_mood: "按这段文字的心情推荐（也可以回复某条消息或照片）",
    cmd_lang: "回复语言",
    cmd_more: "再来几首类似的",
    cmd_quit: "退出",
    cmd_cheer: "来点提振心情的歌（按这段文字，或接着上一个心情）",
    errors: Some(&ZH_ERRORS),
    arg_text: "文字",
    rate_limited: "太快啦！请过 {secs} 秒再试。",
    lang_set: "好的，我会用中文回复。",
    lang_usage: "用法：/lang zh 或 /lang en。",
    photo_download_failed: "这张照片没能收到，再发一次试试？",
    more_button: "再来几首",
    cheer_button: "给我打打气",
    another_button: "换个心情？",
    another_hint: "用几个字说说你现在的心情吧。",
    stale_button: "这个列表太旧了，再告诉我一次你的心情吧？",
    inline_title: "适合“{mood}”的歌",
    discord_command: "按心情推荐歌曲：用文字描述，或者发一张自拍",
    discord_cheer_command: "来点提振心情的歌：说说你现在的心情",
    discord_text_option: "用几个字描述你的心情（例如：下雨天有点想家）",
    discord_image_option: "一张自拍：我从表情读出你的心情",
    discord_context_menu: "按这条消息的心情推荐",
    discord_usage: "告诉我你的心情：/mood text:有点难过，或者用 /mood image: 发一张自拍。",
    discord_different_button: "换个心情",
    discord_different_hint: "用 /mood text:... 告诉我另一种心情，或者 @我 说几个字。",
    cmd_history: "最近的心情和你喜欢的歌",
    cmd_forget: "删除我记住的关于你的一切",
    cmd_like: "👍 上一批的第 N 首：多来点这样的",
    cmd_dislike: "👎 上一批的第 N 首：别再推荐",
    arg_number: "N",
    arg_page: "[页码]",
    rated_like: "👍 记下了：会多给你推荐像《{song}》这样的歌。",
    rated_dislike: "👎 记下了：不会再给你推荐《{song}》。",
    rate_hint: "给歌打分：/like N 或 /dislike N。",
    rate_usage: "用法：/like N 或 /dislike N，N 是上一批歌里的序号。",
    history_moods: "最近的心情：",
    history_liked: "你喜欢的歌：",
    history_empty: "这里还什么都没有。告诉我你的心情吧：你的心情和打过分的歌我会保存 {days} 天，/forget 可以全部删除。",
    history_footer: "第 {page}/{pages} 页。保存 {days} 天；/forget 删除全部。",
    source_text: "文字",
    source_photo: "照片",
    source_cheer: "打气",
    older_button: "更早 ▸",
    newer_button: "◂ 较新",
    forgot: "好了，关于你的一切我都忘了（{moods} 条心情，{ratings} 个评分）。",
    private_only: "你的记录只属于你：请私聊我查看。",
};

static ZH_ERRORS: ErrorTexts = ErrorTexts {
    empty: "用几个字说说你的心情，我来找歌。",
    too_long: "内容太长啦，请控制在 {max} 个字以内。",
    no_emotion: "我没读出这段话的心情。试试直接说说感受，比如“有点难过”或“好开心”。",
    small_talk: "你好！说说你现在的心情吧，比如“有点累”或“今天好开心”，我来找几首合适的歌。",
    empty_catalog: "曲库里还没有歌，请稍后再试。",
    storage: "抱歉，曲库暂时无法访问，请过一会儿再试。",
    photo_unavailable: "现在暂时读不了照片里的心情，用文字告诉我好吗？",
    photo_too_large: "照片太大了，请发送小于 {max} MB 的照片。",
    photo_too_many_pixels: "照片的像素太多了，请发一张小一点的。",
    photo_not_image: "这看起来不是我能读的照片（PNG、JPEG、WebP 或 GIF）。",
    photo_damaged: "这张照片打不开，好像损坏了，换一张试试？",
    photo_no_face: "照片里我没看到人脸，用文字告诉我你的心情好吗？",
    photo_no_mood: "这张照片我读不出心情，用文字告诉我好吗？",
    unknown_song: "这首歌已经找不到了，没能记下。",
    memory_off: "这里不保存任何记录：关于你的一切都没有存下来。",
};

/// The HTTP API's own texts, beside the engine's error texts it returns as they are. The API
/// speaks English (it has no language setting); clients show `code`, not these.
#[derive(Debug)]
pub struct ApiTexts {
    /// Over the per-client limit; `{secs}` is replaced.
    pub rate_limited: &'static str,
    /// A body that is not JSON; `{why}` is replaced by the parser's words.
    pub bad_json: &'static str,
    /// JSON without the fields asked for.
    pub bad_request: &'static str,
    /// A `k` outside 1..=50.
    pub bad_k: &'static str,
    /// A photo upload without its `img` field.
    pub no_img: &'static str,
    /// A body over the size limit.
    pub too_big: &'static str,
    /// An upload that could not be read; `{why}` is replaced.
    pub bad_upload: &'static str,
}

/// The HTTP API's texts.
pub static API: ApiTexts = ApiTexts {
    rate_limited: "Too many requests; retry in {secs} s.",
    bad_json: "The body must be JSON: {why}",
    bad_request: "Send {\"text\": \"how you feel\", \"k\": 10}.",
    bad_k: "k must be a whole number from 1 to 50.",
    no_img: "Send the photo as multipart field \"img\".",
    too_big: "That photo is too big.",
    bad_upload: "Could not read the upload: {why}",
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
    fn a_message_is_answered_in_its_own_language() {
        let table = [
            ("不开心", Some(Lang::Zh)),
            ("/mood 累", Some(Lang::Zh)),
            ("@moodtune_bot 好累啊", Some(Lang::Zh)),
            ("emo了", Some(Lang::Zh)),
            ("这首歌yyds", Some(Lang::Zh)),
            ("today is a great day", Some(Lang::En)),
            ("/mood I'm not angry anymore", Some(Lang::En)),
            ("I just got dumped 😭", Some(Lang::En)),
            ("😭😭😭", None),
            ("/mood", None),
            ("1111", None),
            ("", None),
        ];
        for (text, want) in table {
            assert_eq!(Lang::of_text(text), want, "{text}");
        }
    }

    #[test]
    fn a_reply_is_known_by_its_mood_line() {
        assert_eq!(
            Lang::of_reply("Your mood: 悲伤 sad\n1. 后来 — 刘若英"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::of_reply("<b>你的心情：</b> 悲伤\n1. Yesterday — The Beatles"),
            Some(Lang::Zh)
        );
        assert_eq!(
            Lang::of_reply("Songs to cheer you up. Your mood: 悲伤"),
            Some(Lang::En)
        );
        assert_eq!(Lang::of_reply("1. Yesterday"), None);
    }

    #[test]
    fn every_error_has_a_message_in_every_language() {
        for lang in [Lang::Zh, Lang::En] {
            let m = lang.messages();
            let errs = [
                RecommendError::Empty,
                RecommendError::TooLong { max: 7 },
                RecommendError::NoEmotion,
                RecommendError::SmallTalk,
                RecommendError::EmptyCatalog,
                RecommendError::UnknownSong,
                RecommendError::MemoryOff,
            ];
            for e in errs {
                let s = m.error(&e);
                assert!(!s.is_empty() && !s.contains("{max}"), "{lang:?} {e:?}");
            }
            assert!(m.error(&RecommendError::TooLong { max: 7 }).contains('7'));
        }
        // Small talk is greeted back, not told it was misread.
        assert!(Lang::Zh
            .messages()
            .error(&RecommendError::SmallTalk)
            .starts_with("你好"));
        assert!(Lang::En
            .messages()
            .error(&RecommendError::SmallTalk)
            .starts_with("Hi!"));
    }
}
