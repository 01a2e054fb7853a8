//! Emotion carried by symbols rather than words: Weibo bracket emoticons (`[泪]`, `[哈哈]`) and
//! Unicode emoji. About one Weibo post in five carries an emoticon, and some (`[抓狂]`) are also
//! lexicon words, so the analyser strips them before scanning the words.
//!
//! Intensities follow the DLUT scale (1..9). Hand-written from the symbols' everyday use, not fitted.

use crate::emotion::Category::{self, *};

/// Weibo emoticons, without brackets.
pub const EMOTICONS: &[(&str, Category, f32)] = &[
    ("哈哈", PA, 7.0),
    ("笑哈哈", PA, 5.0),
    ("嘻嘻", PA, 5.0),
    ("偷笑", PA, 5.0),
    ("笑cry", PA, 5.0),
    ("太开心", PA, 7.0),
    ("耶", PA, 5.0),
    ("坏笑", PA, 3.0),
    ("二哈", PA, 3.0),
    ("doge", PA, 3.0),
    ("泪", NB, 7.0),
    ("悲伤", NB, 7.0),
    ("伤心", NB, 7.0),
    ("心碎", NB, 7.0),
    ("委屈", NB, 5.0),
    ("可怜", NB, 5.0),
    ("蜡烛", NB, 5.0),
    ("允悲", NB, 3.0),
    ("生病", NB, 3.0),
    ("失望", NJ, 5.0),
    ("衰", NJ, 5.0),
    ("怒", NA, 7.0),
    ("怒骂", NA, 7.0),
    ("抓狂", NA, 5.0),
    ("哼", NA, 3.0),
    ("左哼哼", NA, 3.0),
    ("右哼哼", NA, 3.0),
    ("闭嘴", NA, 3.0),
    ("爱你", PB, 7.0),
    ("心", PB, 5.0),
    ("可爱", PB, 5.0),
    ("亲亲", PB, 5.0),
    ("花心", PB, 5.0),
    ("抱抱", PB, 3.0),
    ("融化", PB, 3.0),
    ("馋嘴", PB, 3.0),
    ("喵喵", PB, 3.0),
    ("鼓掌", PH, 5.0),
    ("good", PH, 5.0),
    ("赞", PH, 5.0),
    ("威武", PH, 5.0),
    ("给力", PH, 5.0),
    ("酷", PH, 3.0),
    ("握手", PH, 3.0),
    ("ok", PH, 3.0),
    ("加油", PK, 5.0),
    ("礼物", PK, 3.0),
    ("吃惊", PC, 7.0),
    ("傻眼", PC, 5.0),
    ("吃瓜", PC, 3.0),
    ("害羞", NG, 5.0),
    ("囧", NG, 3.0),
    ("打脸", NG, 3.0),
    ("汗", NE, 3.0),
    ("晕", NE, 3.0),
    ("困", NE, 3.0),
    ("黑线", NE, 3.0),
    ("鄙视", ND, 7.0),
    ("吐", ND, 7.0),
    ("挖鼻", ND, 3.0),
    ("阴险", ND, 3.0),
    ("疑问", NL, 5.0),
    ("费解", NL, 5.0),
    ("思考", NL, 3.0),
    ("并不简单", NL, 3.0),
];

/// Unicode emoji (matched per character; variation selectors are ignored).
pub const EMOJI: &[(char, Category, f32)] = &[
    ('😂', PA, 5.0),
    ('🤣', PA, 5.0),
    ('😄', PA, 5.0),
    ('😁', PA, 5.0),
    ('😆', PA, 5.0),
    ('😊', PA, 5.0),
    ('😀', PA, 3.0),
    ('😃', PA, 5.0),
    ('🎉', PA, 5.0),
    ('🥳', PA, 7.0),
    ('🙂', PE, 3.0),
    ('😌', PE, 5.0),
    ('😭', NB, 7.0),
    ('😢', NB, 5.0),
    ('🥺', NB, 5.0),
    ('😔', NB, 5.0),
    ('💔', NB, 7.0),
    ('😞', NJ, 5.0),
    ('😡', NA, 7.0),
    ('😠', NA, 5.0),
    ('😤', NA, 5.0),
    ('🤬', NA, 9.0),
    ('❤', PB, 5.0),
    ('💕', PB, 5.0),
    ('😍', PB, 7.0),
    ('🥰', PB, 5.0),
    ('😘', PB, 5.0),
    ('👍', PH, 5.0),
    ('👏', PH, 5.0),
    ('🙏', PK, 3.0),
    ('😱', NC, 7.0),
    ('😨', NC, 5.0),
    ('😰', NI, 5.0),
    ('😳', NG, 5.0),
    ('😩', NE, 5.0),
    ('😫', NE, 5.0),
    ('😴', NE, 3.0),
    ('😅', NE, 3.0),
    ('🤮', ND, 7.0),
    ('🤢', ND, 5.0),
    ('😒', ND, 3.0),
    ('🙄', ND, 3.0),
    ('🤔', NL, 5.0),
    ('😮', PC, 5.0),
    ('😲', PC, 7.0),
    ('😯', PC, 5.0),
];

/// The category and intensity of a Weibo emoticon name (without brackets).
pub fn emoticon(name: &str) -> Option<(Category, f32)> {
    EMOTICONS
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, c, i)| (*c, *i))
}

/// The category and intensity of an emoji character.
pub fn emoji(c: char) -> Option<(Category, f32)> {
    EMOJI
        .iter()
        .find(|(e, _, _)| *e == c)
        .map(|(_, cat, i)| (*cat, *i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_no_duplicates_and_sane_intensities() {
        let mut names: Vec<&str> = EMOTICONS.iter().map(|e| e.0).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EMOTICONS.len());
        let mut chars: Vec<char> = EMOJI.iter().map(|e| e.0).collect();
        chars.sort_unstable();
        chars.dedup();
        assert_eq!(chars.len(), EMOJI.len());
        assert!(EMOTICONS
            .iter()
            .map(|e| e.2)
            .chain(EMOJI.iter().map(|e| e.2))
            .all(|i| (1.0..=9.0).contains(&i)));
    }

    #[test]
    fn lookups() {
        assert_eq!(emoticon("泪"), Some((NB, 7.0)));
        assert_eq!(emoticon("GOOD"), Some((PH, 5.0)));
        assert_eq!(emoticon("不存在"), None);
        assert_eq!(emoji('😭'), Some((NB, 7.0)));
        assert_eq!(emoji('a'), None);
    }
}
