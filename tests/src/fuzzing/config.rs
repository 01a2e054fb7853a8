//! The configuration file (`--config FILE`, `./moodtune.toml`): TOML whose keys are settings.
//! Whatever the file holds, the reader answers with settings it knows or an error, never a panic
//! (an error names the problem, and the binary prints it and stops).

#[path = "../../../bot/src/config_file.rs"]
mod config_file;

use config_file::{parse_config, FileKey};

fn keys() -> Vec<FileKey> {
    [
        ("database_url", "DATABASE_URL", false),
        ("telegram_token", "TELOXIDE_TOKEN", true),
        ("discord_token", "DISCORD_TOKEN", true),
        ("memory_days", "MOODTUNE_MEMORY_DAYS", false),
        ("lang", "MOODTUNE_LANG", false),
    ]
    .into_iter()
    .map(|(key, env, secret)| FileKey {
        key: key.into(),
        env: env.into(),
        secret,
    })
    .collect()
}

/// The target: see the module documentation.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // the binary reads the file as UTF-8 and reports anything else
    };
    let keys = keys();
    if let Ok(settings) = parse_config(text, &keys) {
        for (key, _value) in settings {
            assert!(keys.contains(key));
        }
    }
}
