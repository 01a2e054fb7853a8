//! Plain-text rendering of a recommendation, shared by text-only adapters (console, logs).
//! Platforms with markup (Telegram HTML, Discord embeds) render from the same parts.

use moodtune_core::{Emotion, Recommendation, RecommendedTrack};

use crate::messages::Lang;

/// Strongest categories shown in the mood line.
pub const MOOD_TOP: usize = 3;
/// Categories below this share are not worth naming.
pub const MOOD_MIN_SHARE: f32 = 0.05;
/// Longest song title or artist line a reply shows: ten songs, each escaped for its markup, stay
/// inside every platform's message limit (Telegram 4,096 characters, a Discord embed's 4,096).
pub const MAX_TITLE_CHARS: usize = 60;
/// Longest playlist name shown as a song's reason.
pub const MAX_REASON_CHARS: usize = 30;
/// Longest word shown among the words that carried a mood.
pub const MAX_CUE_CHARS: usize = 16;

/// A catalog or user string as a reply may show it. Titles, artists and playlist names are
/// crawled from strangers: control characters (line breaks, tabs, terminal escapes) and bidi
/// overrides become spaces, so a title can neither fake a line of the list, nor drive a terminal,
/// nor turn a line around; and it is cut to `max` characters with an ellipsis.
pub fn shown(s: &str, max: usize) -> String {
    let clean = s.chars().map(|c| {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            ' '
        } else {
            c
        }
    });
    if s.chars().count() <= max {
        return clean.collect();
    }
    let mut out: String = clean.take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A song's title as replies show it.
pub fn title(info: &moodtune_core::TrackInfo) -> String {
    shown(&info.name, MAX_TITLE_CHARS)
}

/// The mood in words: `悲伤 sad 62% · 思念 longing 21%`.
pub fn mood_words(emotion: &Emotion) -> String {
    emotion
        .top(MOOD_TOP, MOOD_MIN_SHARE)
        .iter()
        .map(|(c, w)| format!("{} {} {:.0}%", c.zh(), c.en(), w * 100.0))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The mood line after its prefix: the mood in words, then the words that carried it
/// (`悲伤 sad 62% · 思念 longing 21% (read from: 累, 啊)`), so a person sees what was understood.
pub fn mood_line(rec: &Recommendation, lang: Lang) -> String {
    let words = mood_words(&rec.emotion);
    if rec.faces > 0 {
        let m = lang.messages();
        let noun = if rec.faces == 1 { m.face } else { m.faces };
        return format!("{words} ({} {} {noun})", m.cues_prefix, rec.faces);
    }
    if rec.cues.is_empty() {
        return words;
    }
    let cues: Vec<String> = rec.cues.iter().map(|c| shown(c, MAX_CUE_CHARS)).collect();
    format!(
        "{words} ({}: {})",
        lang.messages().cues_prefix,
        cues.join(", ")
    )
}

/// A song's reason in words, `from playlist 「深夜伤感」`, when it has one (unescaped: each
/// renderer escapes it for its markup).
pub fn reason(t: &RecommendedTrack, lang: Lang) -> Option<String> {
    let r = shown(t.reason.as_deref()?, MAX_REASON_CHARS);
    Some(format!("{} 「{r}」", lang.messages().reason_prefix))
}

/// The words before the mood: whether the songs match it or cheer up from it.
pub fn mood_prefix(rec: &Recommendation, lang: Lang) -> &'static str {
    let m = lang.messages();
    if rec.lifted {
        m.lift_prefix
    } else {
        m.mood_prefix
    }
}

/// A track's artists as one line (`A / B`), or `?` when the catalog has none.
pub fn artists(info: &moodtune_core::TrackInfo) -> String {
    if info.artists.is_empty() {
        "?".to_string()
    } else {
        shown(&info.artists.join(" / "), MAX_TITLE_CHARS)
    }
}

/// The whole reply as plain text: the mood line, then numbered `name — artists  link` lines.
pub fn plain(rec: &Recommendation, lang: Lang) -> String {
    let m = lang.messages();
    let mut out = format!("{} {}\n", mood_prefix(rec, lang), mood_line(rec, lang));
    if rec.tracks.is_empty() {
        out.push_str(m.no_more);
        out.push('\n');
        return out;
    }
    for (i, t) in rec.tracks.iter().enumerate() {
        let why = reason(t, lang)
            .map(|r| format!(" · {r}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{:>2}. {} — {}{why}  {}\n",
            rec.offset + i + 1,
            title(&t.info),
            artists(&t.info),
            t.url
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use moodtune_core::{Category, EmotionScores, RecommendedTrack, TrackInfo};

    #[test]
    fn reply_names_the_mood_and_links_each_song() {
        let mut s = EmotionScores::default();
        s.add(Category::NB, 3.0);
        s.add(Category::PF, 2.0);
        let info = TrackInfo {
            id: 307018,
            name: "遗憾".into(),
            artists: vec!["许美静".into()],
            popularity: 90,
        };
        let rec = Recommendation {
            emotion: s.finish().unwrap(),
            tracks: vec![RecommendedTrack {
                url: info.url(),
                info,
                distance: 0.1,
                reason: Some("深夜伤感".into()),
            }],
            offset: 0,
            has_more: false,
            lifted: false,
            cues: vec!["难过".into()],
            faces: 0,
        };
        let text = plain(&rec, Lang::En);
        assert!(
            text.starts_with("Your mood: 悲伤 sad 73% · 思念 longing 27% (read from: 难过)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                " 1. 遗憾 — 许美静 · from playlist 「深夜伤感」  https://music.163.com/song?id=307018"
            ),
            "{text}"
        );
        // A photo's mood says how many faces it was read from.
        let photo = |faces| Recommendation {
            cues: Vec::new(),
            faces,
            ..rec.clone()
        };
        assert!(mood_line(&photo(1), Lang::En).ends_with("(read from 1 face)"));
        assert!(mood_line(&photo(3), Lang::En).ends_with("(read from 3 faces)"));
        assert!(mood_line(&photo(2), Lang::Zh).ends_with("(读自 2 张脸)"));
    }
}
