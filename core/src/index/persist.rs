//! What an index must offer to be kept in a snapshot file between runs. The index trait knows
//! only this trait, never which implementation has it (today moodtune's graph, in `snapshot`).

use std::path::{Path, PathBuf};

/// An index that can be written to a snapshot file, so a restart serves from it at once.
pub trait Persist {
    /// Writes this index for `catalog_version` to `path`, atomically.
    fn save_snapshot(&self, catalog_version: i64, path: &Path) -> Result<(), SnapshotError>;
}

/// Why a snapshot was not used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// No snapshot at that path (the first start, or snapshots were just enabled).
    #[error("no snapshot at {0}")]
    Missing(PathBuf),
    /// The file could not be read or written.
    #[error("cannot access the snapshot {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not a whole, intact snapshot (truncated, a flipped bit, another format).
    #[error("the snapshot {path} is damaged: {why}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What check failed.
        why: String,
    },
    /// An intact snapshot of other vectors or other build parameters (the catalog changed).
    #[error("the snapshot {path} is of another catalog or index configuration: {why}")]
    Stale {
        /// The file.
        path: PathBuf,
        /// What differs.
        why: String,
    },
}

impl SnapshotError {
    /// Whether the file itself is bad (worth a warning), rather than merely absent or outdated.
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            SnapshotError::Corrupt { .. } | SnapshotError::Io { .. }
        )
    }
}
