//! What a Telegram message asks: a command of the table, a mood, or nothing for us. Public so
//! that the fuzz harness can read every text a stranger sends the way the bot reads it.

use crate::commands::{self, Command, Platform};

/// What a message asks the bot to do.
#[derive(Debug, PartialEq)]
pub enum Ask<'a> {
    /// `/start`.
    Start,
    /// `/help`.
    Help,
    /// `/lang zh|en`.
    Lang(&'a str),
    /// A mood: `/mood TEXT`, a private message, or a group message that mentions the bot.
    Mood(&'a str),
    /// `/cheer TEXT`: songs to cheer up rather than to match.
    Cheer(&'a str),
    /// `/history [PAGE]`.
    History(&'a str),
    /// `/forget`.
    Forget,
    /// A command that is not ours, sent to us.
    UnknownCommand,
    /// Not for us (group chatter, or a command for another bot).
    Ignore,
}

/// Reads a message text as a command or a mood. `bot_name` is our username without `@`.
pub fn parse_ask<'a>(text: &'a str, private: bool, bot_name: &str) -> Ask<'a> {
    let text = text.trim();
    if let Some((cmd, target, arg)) = commands::split(text) {
        if !target.is_empty() && !target.eq_ignore_ascii_case(bot_name) {
            return Ask::Ignore;
        }
        return match Command::parse(cmd, Platform::Telegram) {
            Some(Command::Start) => Ask::Start,
            Some(Command::Help) => Ask::Help,
            Some(Command::Lang) => Ask::Lang(arg),
            Some(Command::Mood) => Ask::Mood(arg),
            Some(Command::Cheer) => Ask::Cheer(arg),
            Some(Command::History) => Ask::History(arg),
            Some(Command::Forget) => Ask::Forget,
            Some(_) | None if private || !target.is_empty() => Ask::UnknownCommand,
            Some(_) | None => Ask::Ignore,
        };
    }
    if private {
        return Ask::Mood(text);
    }
    // In a group, a mention of the bot anywhere addresses it; the rest of the text is the mood.
    let mention = format!("@{bot_name}");
    let lower = text.to_ascii_lowercase();
    if !bot_name.is_empty() && lower.contains(&mention.to_ascii_lowercase()) {
        Ask::Mood(text)
    } else {
        Ask::Ignore
    }
}

/// The text without mentions of the bot (`@bot_name`, any case), trimmed: the mood a group message
/// carries. Each mention becomes a space, so the words around it stay apart and the pieces of a
/// crafted text (`@moodtuneb@moodtunebotot`) cannot join into a new mention.
pub fn strip_mention(text: &str, bot_name: &str) -> String {
    let mention = format!("@{bot_name}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Usernames are ASCII, so lowercasing keeps byte offsets of the mention intact.
    while let Some(at) = rest
        .to_ascii_lowercase()
        .find(&mention.to_ascii_lowercase())
    {
        out.push_str(&rest[..at]);
        out.push(' ');
        rest = &rest[at + mention.len()..];
    }
    out.push_str(rest);
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_are_read_like_telegram_users_mean_them() {
        // (text, private, expected)
        let table = [
            ("下雨天有点想家", true, Ask::Mood("下雨天有点想家")),
            ("下雨天有点想家", false, Ask::Ignore),
            ("/mood 开心", false, Ask::Mood("开心")),
            ("/mood@MoodTuneBot 开心", false, Ask::Mood("开心")),
            ("/mood@otherbot 开心", false, Ask::Ignore),
            ("/mood", false, Ask::Mood("")),
            ("/cheer@MoodTuneBot 好累", false, Ask::Cheer("好累")),
            ("/start", true, Ask::Start),
            ("/help@moodtunebot", false, Ask::Help),
            ("/lang zh", true, Ask::Lang("zh")),
            ("/history", true, Ask::History("")),
            ("/history@MoodTuneBot 2", false, Ask::History("2")),
            ("/forget", true, Ask::Forget),
            ("/forget", false, Ask::Forget),
            ("/dance", true, Ask::UnknownCommand),
            ("/dance", false, Ask::Ignore),
            (
                "hey @moodtunebot 好难过",
                false,
                Ask::Mood("hey @moodtunebot 好难过"),
            ),
        ];
        for (text, private, want) in table {
            assert_eq!(
                parse_ask(text, private, "moodtunebot"),
                want,
                "{text} private={private}"
            );
        }
        assert_eq!(
            strip_mention("hey @MoodtuneBot 好难过", "moodtunebot"),
            "hey   好难过"
        );
        // Found by the fuzzer: removing a mention must not join its neighbours into another.
        assert_eq!(
            strip_mention("@moodtuneb@moodtunebotot", "moodtunebot"),
            "@moodtuneb ot"
        );
    }
}
