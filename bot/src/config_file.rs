//! The configuration file's reader: TOML whose keys are the settings' ids, each value a string,
//! number or boolean. Kept apart from the command-line definitions and free of this crate's other
//! modules, so that the fuzz harness (tests/src/fuzzing/config.rs) compiles this very file.

/// One setting of the configuration file: its key (the setting's clap id, e.g. `database_url`),
/// the environment variable it stands for, and whether it is a secret (its environment value is
/// hidden from `--help`: then the file must be private).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileKey {
    /// Key in the file.
    pub key: String,
    /// The environment variable it fills.
    pub env: String,
    /// Whether it holds a secret.
    pub secret: bool,
}

/// (setting, value as text) for every key of a configuration file, or what is wrong with it in
/// words (the caller adds the file's name).
pub fn parse_config<'k>(
    text: &str,
    keys: &'k [FileKey],
) -> Result<Vec<(&'k FileKey, String)>, String> {
    let table: toml::Table = text.parse().map_err(|e| format!("not valid TOML: {e}"))?;
    let mut out = Vec::new();
    for (key, value) in table {
        let Some(setting) = keys.iter().find(|k| k.key == key) else {
            let known: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
            return Err(format!(
                "unknown key `{key}` (known keys: {})",
                known.join(", ")
            ));
        };
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(format!(
                    "`{key}` must be a string, number or boolean, not {}",
                    other.type_str()
                ))
            }
        };
        out.push((setting, text));
    }
    Ok(out)
}
