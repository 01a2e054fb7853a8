//! Plain-text rendering of a recommendation, shared by text-only adapters (console, logs).
//! Platforms with markup (Telegram HTML, Discord embeds) render from the same parts.

use moodtune_core::{Emotion, Recommendation, RecommendedTrack};

use crate::messages::Lang;

/// Strongest categories shown in the mood line.
pub const MOOD_TOP: usize = 3;
/// Categories below this share are not worth naming.
pub const MOOD_MIN_SHARE: f32 = 0.05;

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
    format!(
        "{words} ({}: {})",
        lang.messages().cues_prefix,
        rec.cues.join(", ")
    )
}

/// A song's reason in words, `from playlist 「深夜伤感」`, when it has one (unescaped: each
/// renderer escapes it for its markup).
pub fn reason(t: &RecommendedTrack, lang: Lang) -> Option<String> {
    let r = t.reason.as_deref()?;
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
        info.artists.join(" / ")
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
            t.info.name,
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
