//! Messages that only open or close a conversation: "早上好", "hi bot!", "谢谢", "ok thanks".
//!
//! Why a list and not the class model: a greeting alone is a few characters, and in those few
//! characters the model sees 好 (good) or "good" and answers joy. Greetings, thanks and
//! acknowledgements are a small closed class in either language, so a message made of nothing
//! else carries no feeling, whatever the model makes of its letters. Anything beyond them (an
//! emoji, an emoticon, one more word) leaves the decision to the model.

use std::sync::OnceLock;

/// Longest message checked, in characters (a greeting is short; this bounds the work).
const MAX_CHARS: usize = 40;

/// Greetings, thanks and acknowledgements, written without spaces and in lower case (a message is
/// compared the same way). Multi-word English phrases are here whole: "good" alone is a feeling,
/// "good morning" is not.
const PHRASES: &[&str] = &[
    // Chinese
    "你好",
    "您好",
    "大家好",
    "你们好",
    "早",
    "早啊",
    "早上好",
    "早安",
    "上午好",
    "中午好",
    "午安",
    "下午好",
    "晚上好",
    "晚安",
    "哈喽",
    "哈啰",
    "嗨",
    "嘿",
    "在吗",
    "在么",
    "在嘛",
    "在不在",
    "谢谢",
    "多谢",
    "谢啦",
    "感谢",
    "好的",
    "嗯",
    "哦",
    "噢",
    "收到",
    "知道了",
    "拜拜",
    "再见",
    "测试",
    "机器人",
    "小助手",
    "各位",
    // English
    "hi",
    "hello",
    "hey",
    "heya",
    "hiya",
    "yo",
    "sup",
    "howdy",
    "morning",
    "goodmorning",
    "goodafternoon",
    "goodevening",
    "goodnight",
    "gm",
    "gn",
    "thanks",
    "thankyou",
    "thx",
    "ty",
    "ok",
    "okay",
    "k",
    "alright",
    "bye",
    "goodbye",
    "seeya",
    "test",
    "testing",
    "there",
    "everyone",
    "all",
    "bot",
    "moodtune",
];

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

/// Whether `text` is only greetings, thanks or acknowledgements (after an optional leading
/// `/command` or `@name`), so that it gets the friendly "tell me how you feel" answer.
pub fn is_phatic(text: &str) -> bool {
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

/// Every character of [`PHRASES`], sorted: the test that turns away nearly every message.
fn phrase_chars() -> &'static [char] {
    static CHARS: OnceLock<Vec<char>> = OnceLock::new();
    CHARS.get_or_init(|| {
        let mut v: Vec<char> = PHRASES.iter().flat_map(|p| p.chars()).collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// Whether `s` splits wholly into [`PHRASES`] (dynamic programming over the end positions).
fn segments(s: &[char]) -> bool {
    let mut reach = vec![false; s.len() + 1];
    reach[0] = true;
    for start in 0..s.len() {
        if !reach[start] {
            continue;
        }
        for p in PHRASES {
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
    fn greetings_thanks_and_acknowledgements_alone_are_phatic() {
        for text in [
            "早上好",
            "你好呀",
            "晚安~",
            "在吗？",
            "谢谢！",
            "好的 谢谢",
            "hi",
            "Hello bot!",
            "hey there",
            "Good morning!",
            "ok thanks",
            "/mood 早上好",
            "@moodtune_bot hi",
            "哈喽 机器人",
        ] {
            assert!(is_phatic(text), "{text}");
        }
    }

    #[test]
    fn anything_more_is_left_to_the_model() {
        for text in [
            "早上好 今天好开心",
            "好",
            "good",
            "hi :)",
            "你好😭",
            "hello I'm sad",
            "谢谢你陪我",
            "不开心",
            "okay but I'm scared",
            "",
            "   ",
            "/mood",
            "hithere123",
            "high",
            "thanksgiving sucks",
        ] {
            assert!(!is_phatic(text), "{text}");
        }
    }
}
