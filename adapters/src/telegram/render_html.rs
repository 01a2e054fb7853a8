//! Replies in Telegram HTML: every user- and catalog-supplied string escaped.

use moodtune_core::{History, Recommendation};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions};

use crate::memory::{history_buttons, history_text, rate_rows};
use crate::messages::Lang;
use crate::paging::page_buttons;
use crate::render;

pub(super) fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// Escapes text for Telegram HTML (`&`, `<`, `>`, and `"` for attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// The reply: the mood in words, then numbered linked songs.
pub fn reply_html(rec: &Recommendation, lang: Lang) -> String {
    let mut out = format!(
        "<b>{}</b> {}\n",
        escape(render::mood_prefix(rec, lang)),
        escape(&render::mood_line(rec, lang))
    );
    for (i, t) in rec.tracks.iter().enumerate() {
        let artists = render::artists(&t.info);
        let why = render::reason(t, lang)
            .map(|r| format!(" · <i>{}</i>", escape(&r)))
            .unwrap_or_default();
        out.push_str(&format!(
            "{}. <a href=\"{}\">{}</a> — {}{why}\n",
            rec.offset + i + 1,
            escape(&t.url),
            escape(&render::title(&t.info)),
            escape(&artists)
        ));
    }
    out
}

/// The buttons under a list: the page row, then 👍 and 👎 rows when the memory is on.
pub(super) fn keyboard(
    rec: &Recommendation,
    k: usize,
    lang: Lang,
    rating: bool,
) -> InlineKeyboardMarkup {
    let m = lang.messages();
    let mut row: Vec<InlineKeyboardButton> = page_buttons(rec, k, lang)
        .into_iter()
        .map(|(label, data)| InlineKeyboardButton::callback(label, data))
        .collect();
    row.push(InlineKeyboardButton::callback(m.another_button, "again"));
    let mut rows = vec![row];
    if rating {
        rows.extend(rate_rows(rec).into_iter().map(|r| {
            r.into_iter()
                .map(|(label, data)| InlineKeyboardButton::callback(label, data))
                .collect()
        }));
    }
    InlineKeyboardMarkup::new(rows)
}

/// A `/history` page and its newer / older buttons.
pub(super) fn history_reply(
    h: &History,
    lang: Lang,
    days: u32,
) -> (String, Option<InlineKeyboardMarkup>) {
    let buttons: Vec<InlineKeyboardButton> = history_buttons(h, lang)
        .into_iter()
        .map(|(label, data)| InlineKeyboardButton::callback(label, data))
        .collect();
    let markup = (!buttons.is_empty()).then(|| InlineKeyboardMarkup::new(vec![buttons]));
    (history_text(h, lang, days, escape), markup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<b>R&B</b> \"x\""),
            "&lt;b&gt;R&amp;B&lt;/b&gt; &quot;x&quot;"
        );
    }
}
