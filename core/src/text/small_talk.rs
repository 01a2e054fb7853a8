//! Messages that carry no feeling by their make: greetings, thanks and acknowledgements
//! ("早上好", "hi bot!", "谢谢", "ok thanks") and bare requests for music ("来点歌", "随便放一首吧",
//! "play something", "any recs?").
//!
//! Why word lists and not only the class model: such a message is a few characters, and in them
//! the model sees 好 or "good", "recommend" or "?" and answers joy, fondness or surprise (the
//! training comments use those words for feelings). Greetings, thanks, acknowledgements and the
//! words of a request are small closed classes in either language, so a message made of nothing
//! else carries no feeling, whatever the model makes of its letters. Anything beyond them (an
//! emoji, an emoticon, one more word such as "happy" or 伤感) leaves the decision to the model.

use std::sync::OnceLock;

/// Longest message checked, in characters (small talk is short; this bounds the work).
const MAX_CHARS: usize = 40;

/// Greetings, thanks and acknowledgements, written without spaces and in lower case (a message is
/// compared the same way). Multi-word English phrases are here whole: "good" alone is a feeling,
/// "good morning" is not.
#[rustfmt::skip]
const GREETINGS: &[&str] = &[
    "你好", "您好", "大家好", "你们好", "早", "早啊", "早上好", "早安", "上午好", "中午好", "午安",
    "下午好", "晚上好", "晚安", "哈喽", "哈啰", "嗨", "嘿", "在吗", "在么", "在嘛", "在不在", "谢谢",
    "多谢", "谢啦", "感谢", "好的", "嗯", "哦", "噢", "收到", "知道了", "拜拜", "再见", "测试", "机器人",
    "小助手", "各位",
    "hi", "hello", "hey", "heya", "hiya", "yo", "sup", "howdy", "morning", "goodmorning",
    "goodafternoon", "goodevening", "goodnight", "gm", "gn", "thanks", "thankyou", "thx", "ty",
    "ok", "okay", "k", "alright", "bye", "goodbye", "seeya", "test", "testing", "there",
    "everyone", "all", "bot", "moodtune",
];

/// The words of a bare request for music: what to do, how many, and "songs" or "something",
/// never what kind (好听的, "happy", 伤感 are the model's to read).
#[rustfmt::skip]
const REQUESTS: &[&str] = &[
    "来", "来点", "来首", "放", "放点", "放首", "推荐", "推荐下", "推荐一下", "几首", "一首", "两首", "首",
    "一些", "些", "歌", "歌曲", "音乐", "给我", "帮我", "随便", "想听", "听听", "换", "换一首", "再来",
    "下一首", "吧", "呗", "什么", "都行", "整", "播放",
    "play", "recommend", "suggest", "give", "me", "something", "anything", "some", "a", "few",
    "more", "another", "any", "song", "songs", "music", "tunes", "track", "tracks",
    "recommendations", "suggestions", "recs", "please", "pls", "plz", "can", "you", "could",
    "got", "have", "next", "new", "random", "else", "different", "now",
];

/// Every phrase a small-talk message may be made of.
fn phrases() -> impl Iterator<Item = &'static str> {
    GREETINGS.iter().chain(REQUESTS).copied()
}

/// Sentence-final particles and marks a greeting may carry ("你好呀", "早~", "hi!!"); not
/// emoticons, which are the model's to read.
fn is_filler(c: char) -> bool {
    matches!(
        c,
        '呀' | '啊' | '鸭' | '嘛' | '呢' | '吖' | '喔' | '啦' | '丫' | '～'
    ) || c.is_whitespace()
        || matches!(
            c,
            '!' | '?' | '.' | ',' | '~' | '，' | '。' | '！' | '？' | '、' | '…' | '·'
        )
}

/// Whether `text` is only greetings, thanks, acknowledgements or the words of a bare request
/// (after an optional leading `/command` or `@name`), so that it gets the friendly "tell me how
/// you feel" answer.
pub fn is_small_talk(text: &str) -> bool {
    let mut rest = text.trim();
    while rest.starts_with('/') || rest.starts_with('@') {
        rest = rest
            .split_once(char::is_whitespace)
            .map_or("", |(_, r)| r)
            .trim_start();
    }
    if rest.chars().nth(MAX_CHARS).is_some() {
        return false;
    }
    let mut letters = Vec::with_capacity(MAX_CHARS);
    for c in rest.chars().filter(|c| !is_filler(*c)) {
        let c = c.to_ascii_lowercase();
        // Most messages fail here, at their first character: no phrase has it.
        if phrase_chars().binary_search(&c).is_err() {
            return false;
        }
        letters.push(c);
    }
    !letters.is_empty() && segments(&letters)
}

/// Every character of the phrases, sorted: the test that turns away nearly every message.
fn phrase_chars() -> &'static [char] {
    static CHARS: OnceLock<Vec<char>> = OnceLock::new();
    CHARS.get_or_init(|| {
        let mut v: Vec<char> = phrases().flat_map(|p| p.chars()).collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// Whether `s` splits wholly into the phrases (dynamic programming over the end positions).
fn segments(s: &[char]) -> bool {
    let mut reach = vec![false; s.len() + 1];
    reach[0] = true;
    for start in 0..s.len() {
        if !reach[start] {
            continue;
        }
        for p in phrases() {
            let n = p.chars().count();
            if start + n <= s.len() && p.chars().eq(s[start..start + n].iter().copied()) {
                reach[start + n] = true;
            }
        }
    }
    reach[s.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_thanks_and_bare_requests_are_small_talk() {
        #[rustfmt::skip]
        let table = [
            "早上好", "你好呀", "晚安~", "在吗？", "谢谢！", "好的 谢谢", "hi", "Hello bot!", "hey there",
            "Good morning!", "ok thanks", "/mood 早上好", "@moodtune_bot hi", "哈喽 机器人",
            "来点歌", "随便放一首吧", "推荐几首歌", "给我来首歌呗", "换一首", "play something",
            "Recommend some songs please", "any recs?", "give me more", "next song pls",
        ];
        for text in table {
            assert!(is_small_talk(text), "{text}");
        }
    }

    #[test]
    fn anything_more_is_left_to_the_model() {
        #[rustfmt::skip]
        let table = [
            "早上好 今天好开心", "好", "good", "hi :)", "你好😭", "hello I'm sad", "谢谢你陪我", "不开心",
            "okay but I'm scared", "", "   ", "/mood", "hithere123", "high", "thanksgiving sucks",
            "来点伤感的歌", "推荐几首好听的歌", "play something happy", "我想听歌", "songs for a breakup",
            "随便吧 烦死了",
        ];
        for text in table {
            assert!(!is_small_talk(text), "{text}");
        }
    }
}
