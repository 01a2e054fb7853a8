//! What the bot registers with Discord: its slash commands (those of the command table that
//! Discord offers) and the message context menu, each with its Chinese localisation.

use serenity::all::{CommandOptionType, CommandType, CreateCommand, CreateCommandOption};

use crate::commands::Command;
use crate::discord::CONTEXT_MENU;
use crate::messages::Lang;

/// The slash commands and the context menu, with Chinese localisations.
pub(super) fn commands() -> Vec<CreateCommand> {
    let (en, zh) = (Lang::En.messages(), Lang::Zh.messages());
    vec![
        CreateCommand::new(Command::Mood.name())
            .description(en.discord_command)
            .description_localized("zh-CN", zh.discord_command)
            .add_option(text_option(false))
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::Attachment,
                    "image",
                    en.discord_image_option,
                )
                .description_localized("zh-CN", zh.discord_image_option)
                .required(false),
            ),
        CreateCommand::new(Command::Cheer.name())
            .description(en.discord_cheer_command)
            .description_localized("zh-CN", zh.discord_cheer_command)
            .add_option(text_option(true)),
        CreateCommand::new(Command::History.name())
            .description(en.cmd_history)
            .description_localized("zh-CN", zh.cmd_history)
            .add_option(
                CreateCommandOption::new(CommandOptionType::Integer, "page", en.arg_page)
                    .description_localized("zh-CN", zh.arg_page)
                    .min_int_value(1)
                    .required(false),
            ),
        CreateCommand::new(Command::Forget.name())
            .description(en.cmd_forget)
            .description_localized("zh-CN", zh.cmd_forget),
        CreateCommand::new(CONTEXT_MENU)
            .kind(CommandType::Message)
            .name_localized("zh-CN", zh.discord_context_menu),
    ]
}

/// The `text` option of `/mood` and `/cheer`: how the person feels, in a few words.
fn text_option(required: bool) -> CreateCommandOption {
    let (en, zh) = (Lang::En.messages(), Lang::Zh.messages());
    CreateCommandOption::new(CommandOptionType::String, "text", en.discord_text_option)
        .description_localized("zh-CN", zh.discord_text_option)
        .max_length(4000)
        .required(required)
}
