//! 👍/👎 buttons and `/history` pages, shared by every platform: the button data, the rows of
//! buttons under a song list, and the history in words.
//!
//! A rating button carries only the song and the verdict, never a person: the verdict is stored
//! for whoever presses it (the platform authenticates the press), so a forged or forwarded button
//! can only ever rate a song for the one who pressed it.

use moodtune_core::{History, MoodSource, Recommendation, Verdict};

use crate::messages::Lang;
use crate::render;

/// Rating buttons per row (Discord allows five; Telegram looks best with five small ones).
pub const RATE_ROW: usize = 5;
/// Songs of a list that get rating buttons (Discord has room for four rows of them).
pub const RATED_SONGS: usize = 10;

/// Button data of a 👍 or 👎 on a song: `r+:<song id>` or `r-:<song id>`.
pub fn encode_rate(track: i64, verdict: Verdict) -> String {
    match verdict {
        Verdict::Like => format!("r+:{track}"),
        Verdict::Dislike => format!("r-:{track}"),
    }
}

/// Reads [`encode_rate`] data back; `None` for anything else.
pub fn decode_rate(data: &str) -> Option<(i64, Verdict)> {
    let (head, id) = data.split_once(':')?;
    let verdict = match head {
        "r+" => Verdict::Like,
        "r-" => Verdict::Dislike,
        _ => return None,
    };
    if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((id.parse().ok()?, verdict))
}

/// The rating buttons under a list, as rows of (label, data): the 👍 rows, then the 👎 rows,
/// labelled with the songs' numbers in the list.
pub fn rate_rows(rec: &Recommendation) -> Vec<Vec<(String, String)>> {
    let songs: Vec<(usize, i64)> = rec
        .tracks
        .iter()
        .take(RATED_SONGS)
        .enumerate()
        .map(|(i, t)| (rec.offset + i + 1, t.info.id))
        .collect();
    let mut rows = Vec::new();
    for (verdict, sign) in [(Verdict::Like, "👍"), (Verdict::Dislike, "👎")] {
        for chunk in songs.chunks(RATE_ROW) {
            rows.push(
                chunk
                    .iter()
                    .map(|(n, id)| (format!("{sign} {n}"), encode_rate(*id, verdict)))
                    .collect(),
            );
        }
    }
    rows
}

/// Button data of a `/history` page: `h:<page>`.
pub fn encode_history(page: usize) -> String {
    format!("h:{page}")
}

/// Reads [`encode_history`] data back.
pub fn decode_history(data: &str) -> Option<usize> {
    let page = data.strip_prefix("h:")?;
    if page.len() > 6 {
        return None;
    }
    page.parse().ok()
}

/// The buttons under a history page: newer and older, where there are such pages.
pub fn history_buttons(h: &History, lang: Lang) -> Vec<(&'static str, String)> {
    let m = lang.messages();
    let mut out = Vec::new();
    if h.page > 0 {
        out.push((m.newer_button, encode_history(h.page - 1)));
    }
    if h.page + 1 < h.pages {
        out.push((m.older_button, encode_history(h.page + 1)));
    }
    out
}

/// A history page in words; `escape` makes catalog text safe for the platform's markup.
pub fn history_text(h: &History, lang: Lang, days: u32, escape: fn(&str) -> String) -> String {
    let m = lang.messages();
    if h.moods.is_empty() && h.liked.is_empty() {
        return escape(&m.history_empty.replace("{days}", &days.to_string()));
    }
    let mut out = String::new();
    if !h.moods.is_empty() {
        out.push_str(&escape(m.history_moods));
        out.push('\n');
        for mood in &h.moods {
            let source = match mood.source {
                MoodSource::Text => m.source_text,
                MoodSource::Photo => m.source_photo,
                MoodSource::Cheer => m.source_cheer,
            };
            out.push_str(&escape(&format!(
                "{} · {} ({source})",
                utc_minute(mood.at),
                render::mood_words(&mood.emotion)
            )));
            out.push('\n');
        }
    }
    if !h.liked.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&escape(m.history_liked));
        out.push('\n');
        for t in &h.liked {
            out.push_str(&escape(&format!(
                "♥ {} — {}  {}",
                render::title(t),
                render::artists(t),
                t.url()
            )));
            out.push('\n');
        }
    }
    out.push('\n');
    out.push_str(&escape(
        &m.history_footer
            .replace("{page}", &(h.page + 1).to_string())
            .replace("{pages}", &h.pages.to_string())
            .replace("{days}", &days.to_string()),
    ));
    out
}

/// `2026-12-03 21:50 UTC` for Unix seconds (the civil calendar, days from 1970-01-01).
pub fn utc_minute(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use moodtune_core::{Category, EmotionScores, PastMood, RecommendedTrack, TrackInfo};

    #[test]
    fn rating_data_round_trips_and_refuses_the_rest() {
        for (id, v) in [(1, Verdict::Like), (2_094_912_345, Verdict::Dislike)] {
            let data = encode_rate(id, v);
            assert!(data.len() <= 64);
            assert_eq!(decode_rate(&data), Some((id, v)));
        }
        for bad in [
            "",
            "r+",
            "r+:",
            "r*:1",
            "r+:-1",
            "r+:1a",
            "r+: 1",
            "m:0:0301",
            "r+:99999999999999999999",
            "r-:１",
        ] {
            assert_eq!(decode_rate(bad), None, "{bad}");
        }
        assert_eq!(decode_history(&encode_history(3)), Some(3));
        for bad in ["h:", "h:-1", "h:x", "h:99999999", "r+:1"] {
            assert_eq!(decode_history(bad), None, "{bad}");
        }
    }

    fn rec(n: usize, offset: usize) -> Recommendation {
        let mut s = EmotionScores::default();
        s.add(Category::NB, 1.0);
        let track = |i: usize| RecommendedTrack {
            info: TrackInfo {
                id: 100 + i as i64,
                name: format!("song {i}"),
                artists: vec![format!("artist {i}")],
                popularity: 50,
            },
            url: String::new(),
            distance: 0.0,
            reason: None,
        };
        Recommendation {
            emotion: s.finish().unwrap(),
            tracks: (0..n).map(track).collect(),
            offset,
            has_more: true,
            lifted: false,
            cues: Vec::new(),
            faces: 0,
        }
    }

    #[test]
    fn every_song_of_a_list_gets_both_buttons_numbered_as_shown() {
        let rows = rate_rows(&rec(7, 10));
        let labels: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(|(l, _)| l.as_str()).collect())
            .collect();
        assert_eq!(
            labels,
            vec![
                vec!["👍 11", "👍 12", "👍 13", "👍 14", "👍 15"],
                vec!["👍 16", "👍 17"],
                vec!["👎 11", "👎 12", "👎 13", "👎 14", "👎 15"],
                vec!["👎 16", "👎 17"],
            ]
        );
        assert_eq!(rows[0][0].1, "r+:100");
        assert_eq!(rows[3][1].1, "r-:106");
        assert!(rate_rows(&rec(0, 0)).is_empty());
        assert_eq!(rate_rows(&rec(20, 0)).len(), 4, "at most ten songs rated");
    }

    #[test]
    fn history_reads_as_dates_moods_and_liked_songs() {
        let sad = rec(0, 0).emotion;
        let h = History {
            page: 1,
            pages: 3,
            moods: vec![PastMood {
                at: 1_796_334_600,
                emotion: sad,
                source: MoodSource::Photo,
            }],
            liked: vec![TrackInfo {
                id: 7,
                name: "后来<b>".into(),
                artists: vec!["刘若英".into()],
                popularity: 1,
            }],
        };
        let text = history_text(&h, Lang::En, 90, |s| s.replace('<', "&lt;"));
        assert!(text.contains("2026-12-03 "), "{text}");
        assert!(text.contains("(photo)"), "{text}");
        assert!(text.contains("♥ 后来&lt;b> — 刘若英"), "{text}");
        assert!(text.contains("Page 2 of 3"), "{text}");
        let labels: Vec<&str> = history_buttons(&h, Lang::En).iter().map(|b| b.0).collect();
        assert_eq!(labels, vec!["◂ Newer", "Older ▸"]);
        let empty = History {
            page: 0,
            pages: 1,
            moods: Vec::new(),
            liked: Vec::new(),
        };
        assert!(history_text(&empty, Lang::Zh, 30, str::to_owned).contains("30 天"));
        assert!(history_buttons(&empty, Lang::En).is_empty());
    }

    #[test]
    fn dates_follow_the_civil_calendar() {
        let table = [
            (0, "1970-01-01 00:00 UTC"),
            (951_782_400, "2000-02-29 00:00 UTC"),
            (1_796_334_659, "2026-12-03 21:50 UTC"),
            (-86_400, "1969-12-31 00:00 UTC"),
        ];
        for (secs, want) in table {
            assert_eq!(utc_minute(secs), want, "{secs}");
        }
    }
}
