//! How a Discord reply looks: the embed (the mood as a bar chart, numbered linked songs), its
//! buttons (pages, "Different vibe", 👍 and 👎), a `/history` page, and Discord markdown escaping.

use moodtune_core::{History, Recommendation};
use serenity::all::{ButtonStyle, CreateActionRow, CreateButton, CreateEmbed};

use crate::memory::{history_buttons, history_text, rate_rows};
use crate::messages::Lang;
use crate::paging::page_buttons;
use crate::render;

/// Custom id of the "Different vibe" button.
pub(super) const DIFFERENT: &str = "vibe";
/// Longest mood line in an embed's title (Discord allows 256 characters there).
const MAX_EMBED_TITLE_CHARS: usize = 200;

/// Escapes Discord markdown so catalog and user text shows as written.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*'
                | '_'
                | '~'
                | '`'
                | '|'
                | '>'
                | '#'
                | '-'
                | '['
                | ']'
                | '('
                | ')'
                | '<'
                | '@'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A small text bar chart of the strongest emotions: `悲伤 sad      ███████░░░  73%`.
pub fn mood_bars(rec: &Recommendation) -> String {
    let top = rec.emotion.top(render::MOOD_TOP, render::MOOD_MIN_SHARE);
    let labels: Vec<String> = top
        .iter()
        .map(|(c, _)| format!("{} {}", c.zh(), c.en()))
        .collect();
    let width = labels.iter().map(|l| display_width(l)).max().unwrap_or(0);
    let mut out = String::new();
    for ((_, w), label) in top.iter().zip(&labels) {
        let filled = (w * 10.0).round().clamp(0.0, 10.0) as usize;
        out.push_str(label);
        out.push_str(&" ".repeat(width - display_width(label) + 1));
        out.push_str(&"█".repeat(filled));
        out.push_str(&"░".repeat(10 - filled));
        out.push_str(&format!(" {:>3.0}%\n", w * 100.0));
    }
    out
}

/// Columns a string takes in a monospace font (CJK characters take two).
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// The reply embed: the mood as a bar chart, then numbered linked songs.
pub fn embed(rec: &Recommendation, lang: Lang) -> CreateEmbed {
    let mut description = format!("```\n{}```\n", mood_bars(rec));
    for (i, t) in rec.tracks.iter().enumerate() {
        let why = render::reason(t, lang)
            .map(|r| format!(" · *{}*", escape_markdown(&r)))
            .unwrap_or_default();
        description.push_str(&format!(
            "{}. [{}]({}) — {}{why}\n",
            rec.offset + i + 1,
            escape_markdown(&render::title(&t.info)),
            t.url,
            escape_markdown(&render::artists(&t.info))
        ));
    }
    CreateEmbed::new()
        .title(format!(
            "{} {}",
            render::mood_prefix(rec, lang),
            render::shown(&render::mood_line(rec, lang), MAX_EMBED_TITLE_CHARS)
        ))
        .description(description)
        .colour(0x1db954)
}

/// The page buttons ("More like this", "Cheer me up") and "Different vibe", then the 👍 and 👎
/// rows when the memory is on (five rows in all, Discord's most).
pub(super) fn buttons(
    rec: &Recommendation,
    k: usize,
    lang: Lang,
    rating: bool,
) -> Vec<CreateActionRow> {
    let m = lang.messages();
    let mut row: Vec<CreateButton> = page_buttons(rec, k, lang)
        .into_iter()
        .map(|(label, data)| {
            CreateButton::new(data)
                .label(label)
                .style(ButtonStyle::Primary)
        })
        .collect();
    row.push(
        CreateButton::new(DIFFERENT)
            .label(m.discord_different_button)
            .style(ButtonStyle::Secondary),
    );
    let mut rows = vec![CreateActionRow::Buttons(row)];
    if rating {
        rows.extend(rate_rows(rec).into_iter().map(|r| {
            CreateActionRow::Buttons(
                r.into_iter()
                    .map(|(label, data)| {
                        CreateButton::new(data)
                            .label(label)
                            .style(ButtonStyle::Secondary)
                    })
                    .collect(),
            )
        }));
    }
    rows
}

/// A `/history` page as an embed, with its newer / older buttons.
pub(super) fn history_message(
    h: &History,
    lang: Lang,
    days: u32,
) -> (CreateEmbed, Vec<CreateActionRow>) {
    let buttons: Vec<CreateButton> = history_buttons(h, lang)
        .into_iter()
        .map(|(label, data)| {
            CreateButton::new(data)
                .label(label)
                .style(ButtonStyle::Secondary)
        })
        .collect();
    let rows = if buttons.is_empty() {
        Vec::new()
    } else {
        vec![CreateActionRow::Buttons(buttons)]
    };
    let embed = CreateEmbed::new()
        .description(history_text(h, lang, days, escape_markdown))
        .colour(0x1db954);
    (embed, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use moodtune_core::{Category, EmotionScores, RecommendedTrack, TrackInfo};

    #[test]
    fn markdown_is_escaped() {
        let table = [
            ("plain 文字", "plain 文字"),
            ("**bold** _it_", "\\*\\*bold\\*\\* \\_it\\_"),
            ("[x](http://e)", "\\[x\\]\\(http://e\\)"),
            ("@everyone <@1>", "\\@everyone \\<\\@1\\>"),
            ("a-b `c`", "a\\-b \\`c\\`"),
        ];
        for (raw, want) in table {
            assert_eq!(escape_markdown(raw), want, "{raw}");
        }
    }

    #[test]
    fn bars_chart_the_top_emotions() {
        let mut s = EmotionScores::default();
        s.add(Category::NB, 3.0);
        s.add(Category::PF, 2.0);
        let info = TrackInfo {
            id: 1,
            name: "a*b".into(),
            artists: vec!["c_d".into()],
            popularity: 1,
        };
        let rec = Recommendation {
            emotion: s.finish().unwrap(),
            tracks: vec![RecommendedTrack {
                url: info.url(),
                info,
                distance: 0.0,
                reason: None,
            }],
            offset: 0,
            has_more: false,
            lifted: false,
            cues: Vec::new(),
            faces: 0,
        };
        let bars = mood_bars(&rec);
        let lines: Vec<&str> = bars.lines().collect();
        assert_eq!(lines.len(), 2, "{bars}");
        assert!(
            lines[0].starts_with("悲伤 sad") && lines[0].ends_with("73%"),
            "{bars}"
        );
        assert_eq!(lines[0].matches('█').count(), 7, "{bars}");
        assert_eq!(lines[1].matches('█').count(), 3, "{bars}");
        // Bars line up although the labels differ in length.
        assert_eq!(
            display_width(lines[0].split('█').next().unwrap()),
            display_width(lines[1].split('█').next().unwrap())
        );
    }
}
