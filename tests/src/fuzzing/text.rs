//! Message text, through everything a text meets: the command table, group addressing, the
//! analyser, and the three reply renderers. The same bytes also stand for the catalog strings of
//! the reply (titles, artists and playlist names are crawled from strangers too), so markup and
//! line injection through a song title is fuzzed with the message.
//!
//! Checked for every input: the mood is a distribution; Telegram HTML uses only Telegram's tags,
//! balanced, with one link per song and at most 4,096 characters shown; the Discord embed keeps
//! Discord's limits and one markdown link per song; the console text has no control character and
//! exactly one line per song.

use std::sync::OnceLock;

use moodtune_adapters::commands::{self, Command, Platform};
use moodtune_adapters::telegram::parse::{parse_ask, strip_mention};
use moodtune_adapters::{discord, render, telegram, Lang};
use moodtune_core::text::lexicon::Lexicon;
use moodtune_core::{Emotion, Method, Recommendation, RecommendedTrack, TextAnalyzer, TrackInfo};

use super::pieces;

/// Songs in a fuzzed reply at most (a page).
const SONGS: usize = 10;

fn analyzer() -> &'static TextAnalyzer {
    static A: OnceLock<TextAnalyzer> = OnceLock::new();
    A.get_or_init(|| TextAnalyzer::new(Lexicon::embedded().0, Method::default()))
}

/// Loads the analyser (the lexicon, jieba's dictionary, the class models) before the first
/// input, so a fuzzer's per-input time limit measures inputs, not the start-up.
pub fn init() {
    let _ = analyzer().reading("初始化");
}

/// The target: see the module documentation.
pub fn run(data: &[u8]) {
    let parts = pieces(data, 1 + 3 * SONGS);
    let message = &parts[0];
    commands_of(message);
    let reading = analyzer().reading(message);
    if let Some((e, cues)) = &reading {
        check_distribution(e, message);
        assert!(cues.len() <= moodtune_core::text::analyzer::MAX_CUES);
    }
    let (emotion, cues) = reading.unwrap_or_else(|| (fallback_mood(data), Vec::new()));
    let tracks: Vec<RecommendedTrack> = (0..SONGS)
        .filter(|i| *i == 0 || !parts[1 + 3 * i].is_empty())
        .map(|i| {
            let info = TrackInfo {
                id: 1000 + i as i64,
                name: parts[1 + 3 * i].clone(),
                artists: parts[2 + 3 * i]
                    .split('|')
                    .filter(|a| !a.is_empty())
                    .map(String::from)
                    .collect(),
                popularity: 50,
            };
            RecommendedTrack {
                url: info.url(),
                info,
                distance: 0.1,
                reason: Some(parts[3 + 3 * i].clone()).filter(|r| !r.is_empty()),
            }
        })
        .collect();
    let rec = Recommendation {
        emotion,
        offset: data.len() % 300,
        has_more: data.len().is_multiple_of(3),
        lifted: data.len().is_multiple_of(2),
        cues,
        faces: 0,
        tracks,
    };
    for lang in [Lang::Zh, Lang::En] {
        check_telegram_html(&telegram::reply_html(&rec, lang), &rec);
        check_discord(&discord::embed(&rec, lang), &rec);
        check_plain(&render::plain(&rec, lang), &rec);
    }
}

/// The command table and Telegram's reading of a message, in a chat and in a group.
fn commands_of(message: &str) {
    if let Some((cmd, target, arg)) = commands::split(message) {
        for s in [cmd, target, arg] {
            assert!(s.len() <= message.len());
        }
        for p in [Platform::Telegram, Platform::Discord, Platform::Console] {
            if let Some(c) = Command::parse(cmd, p) {
                assert!(c.on(p), "{c:?} parsed on {p:?} where it is not offered");
            }
        }
    }
    for private in [true, false] {
        let _ = parse_ask(message, private, "moodtunebot");
    }
    let stripped = strip_mention(message, "moodtunebot");
    assert!(!stripped.to_ascii_lowercase().contains("@moodtunebot"));
}

fn check_distribution(e: &Emotion, message: &str) {
    let sum: f32 = e.0.iter().sum();
    assert!(
        e.0.iter().all(|x| x.is_finite() && *x >= 0.0) && (sum - 1.0).abs() < 1e-3,
        "{message:?} -> {e:?}"
    );
}

/// A mood from the bytes, for messages the analyser reads as no feeling.
fn fallback_mood(data: &[u8]) -> Emotion {
    let mut v = [0.0f32; moodtune_core::emotion::DIM];
    v[data.len() % v.len()] = 1.0;
    Emotion(v)
}

/// Telegram's HTML: the tags it knows, balanced; entities it knows; `<` and `>` never bare; one
/// `<a href>` per song, with a quoted NetEase link; at most 4,096 UTF-16 units shown; one line per
/// song after the mood line.
pub fn check_telegram_html(html: &str, rec: &Recommendation) {
    const TAGS: &[&str] = &["b", "i", "u", "s", "a", "code", "pre", "blockquote"];
    let mut open: Vec<&str> = Vec::new();
    let mut shown = String::new();
    let mut links = 0;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest
                    .find('>')
                    .unwrap_or_else(|| panic!("bare < in {html:?}"));
                let tag = &rest[1..end];
                assert!(!tag.contains('<'), "bare < in {html:?}");
                if let Some(name) = tag.strip_prefix('/') {
                    assert_eq!(open.pop(), Some(name), "unbalanced </{name}> in {html:?}");
                } else {
                    let name = tag.split(' ').next().unwrap_or("");
                    assert!(TAGS.contains(&name), "tag <{tag}> in {html:?}");
                    if name == "a" {
                        let href = tag
                            .strip_prefix("a href=\"https://music.163.com/song?id=")
                            .and_then(|t| t.strip_suffix('"'))
                            .unwrap_or_else(|| panic!("link <{tag}> in {html:?}"));
                        assert!(href.bytes().all(|b| b.is_ascii_digit()), "{tag}");
                        links += 1;
                    } else {
                        assert_eq!(tag, name, "attributes on <{tag}> in {html:?}");
                    }
                    open.push(name);
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                let end = rest.find(';').filter(|e| *e <= 6);
                let entity = end.map(|e| &rest[..=e]).unwrap_or("&");
                let ch = match entity {
                    "&amp;" => '&',
                    "&lt;" => '<',
                    "&gt;" => '>',
                    "&quot;" => '"',
                    _ => panic!("bare & in {html:?}"),
                };
                shown.push(ch);
                rest = &rest[entity.len()..];
            }
            '>' => panic!("bare > in {html:?}"),
            c => {
                shown.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    assert!(open.is_empty(), "unclosed {open:?} in {html:?}");
    assert_eq!(links, rec.tracks.len(), "links in {html:?}");
    assert!(
        shown.encode_utf16().count() <= 4096,
        "{} units shown",
        shown.encode_utf16().count()
    );
    assert_eq!(
        shown.trim_end().lines().count(),
        1 + rec.tracks.len(),
        "lines in {shown:?}"
    );
}

/// Discord's embed limits (title 256, description 4,096, 6,000 in all) and its markdown: exactly
/// one unescaped link per song and the one code block of the mood bars.
pub fn check_discord(embed: &impl serde::Serialize, rec: &Recommendation) {
    let v = serde_json::to_value(embed).expect("an embed serialises");
    let field = |k: &str| v.get(k).and_then(|t| t.as_str()).unwrap_or("").to_string();
    let (title, description) = (field("title"), field("description"));
    assert!(title.chars().count() <= 256, "title {title:?}");
    assert!(
        description.chars().count() <= 4096,
        "description of {} characters",
        description.chars().count()
    );
    assert!(title.chars().count() + description.chars().count() <= 6000);
    assert!(!title.contains('\n'), "title {title:?}");
    assert_eq!(
        unescaped(&description, "]("),
        rec.tracks.len(),
        "{description:?}"
    );
    assert_eq!(unescaped(&description, "```"), 2, "{description:?}");
    let lines = description.trim_end().lines().count();
    // The code block: its fence, the bars (one per category shown), its closing fence.
    let bars = rec
        .emotion
        .top(render::MOOD_TOP, render::MOOD_MIN_SHARE)
        .len();
    assert_eq!(lines, 2 + bars + rec.tracks.len(), "{description:?}");
}

/// Occurrences of `pat` not preceded by an odd run of backslashes.
fn unescaped(s: &str, pat: &str) -> usize {
    s.match_indices(pat)
        .filter(|(i, _)| s[..*i].bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 0)
        .count()
}

/// The console's plain text: no control character but the line ends, one line per song.
pub fn check_plain(text: &str, rec: &Recommendation) {
    assert!(
        text.chars().all(|c| c == '\n' || !c.is_control()),
        "control character in {text:?}"
    );
    let songs = rec.tracks.len().max(1);
    assert_eq!(text.lines().count(), 1 + songs, "lines in {text:?}");
}
