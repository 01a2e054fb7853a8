//! The one command table: every chat command, which platforms offer it, what it takes and how
//! /help describes it. Telegram, Discord and the console parse their commands from here and print
//! /help from here, so a new command (or a new wording) is one edit, and no platform's /help can
//! forget a command it understands.

use crate::messages::Lang;

/// A platform with typed commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Telegram: `/command@bot args`, with a command menu.
    Telegram,
    /// Discord: slash commands.
    Discord,
    /// The terminal chat.
    Console,
}

/// A chat command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Songs for the mood of a text (or of the message it replies to).
    Mood,
    /// More songs like the last ones.
    More,
    /// Songs to cheer up: for a text, or after the last mood.
    Cheer,
    /// 👍 a song of the last list (the console; buttons elsewhere).
    Like,
    /// 👎 a song of the last list (the console; buttons elsewhere).
    Dislike,
    /// The person's last moods and liked songs, paged.
    History,
    /// Deletes everything remembered about the person.
    Forget,
    /// Switches the reply language.
    Lang,
    /// Lists the commands.
    Help,
    /// Greets and explains.
    Start,
    /// Leaves the chat.
    Quit,
}

impl Command {
    /// Every command, in the order /help lists them.
    pub const ALL: [Command; 11] = [
        Command::Mood,
        Command::More,
        Command::Cheer,
        Command::Like,
        Command::Dislike,
        Command::History,
        Command::Forget,
        Command::Lang,
        Command::Help,
        Command::Start,
        Command::Quit,
    ];

    /// The command as typed, without the slash.
    pub fn name(self) -> &'static str {
        match self {
            Command::Mood => "mood",
            Command::More => "more",
            Command::Cheer => "cheer",
            Command::Like => "like",
            Command::Dislike => "dislike",
            Command::History => "history",
            Command::Forget => "forget",
            Command::Lang => "lang",
            Command::Help => "help",
            Command::Start => "start",
            Command::Quit => "quit",
        }
    }

    /// Other names the command answers to (never listed in /help).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Command::Quit => &["exit", "q"],
            _ => &[],
        }
    }

    /// Whether `platform` offers this command. Telegram pages and rates with buttons and cannot
    /// be left; Discord offers `/mood`, `/cheer` and the memory commands (its pages and ratings
    /// are buttons too); the console rates by number and has no per-user language (its `/start` shows the
    /// help, as its welcome does).
    pub fn on(self, platform: Platform) -> bool {
        use Command::*;
        match platform {
            Platform::Telegram => {
                matches!(self, Mood | Cheer | History | Forget | Lang | Help | Start)
            }
            Platform::Discord => matches!(self, Mood | Cheer | History | Forget),
            Platform::Console => matches!(
                self,
                Mood | More | Cheer | Like | Dislike | History | Forget | Help | Start | Quit
            ),
        }
    }

    /// The commands of `platform`, in /help order.
    pub fn of(platform: Platform) -> impl Iterator<Item = Command> {
        Command::ALL.into_iter().filter(move |c| c.on(platform))
    }

    /// What follows the command, for /help.
    pub fn args(self, lang: Lang) -> &'static str {
        match self {
            Command::Mood | Command::Cheer => lang.messages().arg_text,
            Command::Like | Command::Dislike => lang.messages().arg_number,
            Command::History => lang.messages().arg_page,
            Command::Lang => "zh|en",
            _ => "",
        }
    }

    /// One-line description in `lang`.
    pub fn description(self, lang: Lang) -> &'static str {
        let m = lang.messages();
        match self {
            Command::Mood => m.cmd_mood,
            Command::More => m.cmd_more,
            Command::Cheer => m.cmd_cheer,
            Command::Like => m.cmd_like,
            Command::Dislike => m.cmd_dislike,
            Command::History => m.cmd_history,
            Command::Forget => m.cmd_forget,
            Command::Lang => m.cmd_lang,
            Command::Help => m.cmd_help,
            Command::Start => m.cmd_start,
            Command::Quit => m.cmd_quit,
        }
    }

    /// Reads a command name of `platform` (case-insensitive, aliases included).
    pub fn parse(name: &str, platform: Platform) -> Option<Command> {
        Command::of(platform).find(|c| {
            c.name().eq_ignore_ascii_case(name)
                || c.aliases().iter().any(|a| a.eq_ignore_ascii_case(name))
        })
    }
}

/// A typed command split into its parts: `/name@target args` gives `("name", "target", "args")`
/// (target empty when absent, args trimmed); `None` when `text` is not a command.
pub fn split(text: &str) -> Option<(&str, &str, &str)> {
    let rest = text.trim().strip_prefix('/')?;
    let (head, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let (name, target) = head.split_once('@').unwrap_or((head, ""));
    Some((name, target, arg.trim()))
}

/// The /help text of `platform` in `lang`, generated from [`Command::ALL`].
pub fn help_text(lang: Lang, platform: Platform) -> String {
    let mut out = format!("{}\n", lang.messages().help_intro);
    for c in Command::of(platform) {
        let args = c.args(lang);
        let sep = if args.is_empty() { "" } else { " " };
        out.push_str(&format!(
            "/{}{sep}{args} - {}\n",
            c.name(),
            c.description(lang)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_platform_parses_and_lists_its_own_commands() {
        for platform in [Platform::Telegram, Platform::Discord, Platform::Console] {
            for lang in [Lang::En, Lang::Zh] {
                let help = help_text(lang, platform);
                for c in Command::ALL {
                    let listed = help.contains(&format!("/{} ", c.name()));
                    assert_eq!(
                        listed,
                        c.on(platform),
                        "{platform:?} {lang:?} {c:?}\n{help}"
                    );
                    let parsed = Command::parse(&c.name().to_uppercase(), platform);
                    assert_eq!(parsed.is_some(), c.on(platform), "{platform:?} {c:?}");
                    assert!(!c.description(lang).is_empty());
                }
            }
        }
        assert_eq!(Command::parse("q", Platform::Console), Some(Command::Quit));
        assert_eq!(Command::parse("quit", Platform::Telegram), None);
        assert!(help_text(Lang::En, Platform::Telegram).contains("/mood TEXT - songs"));
    }

    #[test]
    fn commands_split_into_name_target_and_arguments() {
        let table = [
            ("/mood 开心", Some(("mood", "", "开心"))),
            (
                "  /mood@MoodBot   下雨天  ",
                Some(("mood", "MoodBot", "下雨天")),
            ),
            ("/help", Some(("help", "", ""))),
            ("/", Some(("", "", ""))),
            ("下雨天", None),
        ];
        for (text, want) in table {
            assert_eq!(split(text), want, "{text}");
        }
    }
}
