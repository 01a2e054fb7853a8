//! The salt of people's keys in the database: from `MOODTUNE_USER_SALT`, else from a private file
//! created on first run, so that a restart (or every process of a fleet sharing the file or the
//! variable) knows people again while the database alone cannot say who anyone is.

use std::io::Write;
use std::path::{Path, PathBuf};

use moodtune_core::UserSalt;

/// Bytes of a new salt.
const SALT_BYTES: usize = 32;

/// The file `setting` names (`auto`: beside a SQLite database file, `moodtune-user-salt` in the
/// working directory for other databases; `None` for an in-memory database, which forgets
/// everyone anyway).
pub fn salt_path(setting: &str, database_url: &str) -> Option<PathBuf> {
    if setting.trim() != "auto" {
        return Some(PathBuf::from(setting.trim()));
    }
    match database_url.strip_prefix("sqlite:") {
        Some(rest) => {
            let file = rest.trim_start_matches("//");
            let file = file.split('?').next().unwrap_or(file);
            if file.is_empty() || file.starts_with(':') || file.contains("memory") {
                None
            } else {
                Some(PathBuf::from(format!("{file}.salt")))
            }
        }
        None => Some(PathBuf::from("moodtune-user-salt")),
    }
}

/// The salt: `given` (the environment's) when set, else the file's, creating the file (mode 600)
/// with a random salt when it does not exist. A salt that cannot be kept is replaced by a random
/// one for this run, with a warning: people are then forgotten at the next start.
pub fn resolve(given: Option<&str>, file: Option<&Path>) -> UserSalt {
    if let Some(s) = given.map(str::trim).filter(|s| !s.is_empty()) {
        return UserSalt(s.as_bytes().to_vec());
    }
    let Some(file) = file else {
        return UserSalt::random();
    };
    match read_or_create(file) {
        Ok(salt) => salt,
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e,
                "cannot keep the user salt: people's history and ratings last only this run");
            UserSalt::random()
        }
    }
}

fn read_or_create(file: &Path) -> std::io::Result<UserSalt> {
    match std::fs::read_to_string(file) {
        Ok(text) if !text.trim().is_empty() => {
            if crate::config::readable_by_others(file) {
                tracing::warn!(file = %file.display(), "the user salt file is readable by others: chmod 600 it");
            }
            return Ok(UserSalt(text.trim().as_bytes().to_vec()));
        }
        Ok(_) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the file is empty",
            ))
        }
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        Err(_) => {}
    }
    let fresh = UserSalt::random();
    let hex: String = fresh
        .0
        .iter()
        .take(SALT_BYTES)
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(file) {
        Ok(mut f) => {
            f.write_all(hex.as_bytes())?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            tracing::info!(file = %file.display(), "created the user salt");
            Ok(UserSalt(hex.into_bytes()))
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_or_create(file),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_salt_file_sits_beside_a_sqlite_file() {
        let table = [
            (
                "auto",
                "sqlite://moodtune.db?mode=rwc",
                Some("moodtune.db.salt"),
            ),
            (
                "auto",
                "sqlite:///var/lib/m/cat.db",
                Some("/var/lib/m/cat.db.salt"),
            ),
            ("auto", "sqlite::memory:", None),
            ("auto", "postgres://db/x", Some("moodtune-user-salt")),
            (
                "/etc/moodtune/salt",
                "sqlite://x.db",
                Some("/etc/moodtune/salt"),
            ),
        ];
        for (setting, url, want) in table {
            assert_eq!(
                salt_path(setting, url),
                want.map(PathBuf::from),
                "{setting} {url}"
            );
        }
    }

    #[test]
    fn a_salt_is_created_once_privately_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("salt");
        let first = resolve(None, Some(&file));
        assert_eq!(
            first,
            resolve(None, Some(&file)),
            "read back, not made again"
        );
        assert_eq!(first.0.len(), 2 * SALT_BYTES);
        #[cfg(unix)]
        assert!(!crate::config::readable_by_others(&file));
        assert_eq!(resolve(Some(" s3cret "), Some(&file)).0, b"s3cret".to_vec());
        let unwritable = dir.path().join("missing-dir").join("salt");
        assert_ne!(resolve(None, Some(&unwritable)), first);
    }
}
