//! A crawler for the self-hosted NeteaseCloudMusicApi server (`node app.js`, port 3000): top
//! playlists per category, every track of each playlist, each track's lyric and hot comments —
//! the seed's pipeline — stored through [`Catalog`] so that it can be labelled afterwards.
//!
//! Shape of a crawl:
//! 1. list playlists per category (`/top/playlist`, paged by 50);
//! 2. fetch the tracks of each playlist not stored yet (`/playlist/track/all`, paged), a small pool
//!    of tokio tasks sending finished playlists to one writer;
//! 3. fetch the lyric (`/lyric`) and hot comments (`/comment/hot`) of every track of those playlists
//!    that lacks them, same pool and writer.
//!
//! Resumable by construction: a playlist is written only once all its pages arrived, in one
//! transaction; a lyric row (empty for instrumentals) and a `comments` crawl mark say that a track
//! is done. Everything is upserted by NetEase id, so a crawl started again after Ctrl-C or a crash
//! skips what is stored and never stores anything twice.
//!
//! Files: `client` (the HTTP client with the rate cap and retries), `wire` (NetEase's JSON and
//! LRC), `pipeline` (the worker pool and the one writer).
//!
//! Politeness: one global request-rate cap shared by all workers, bounded concurrency, retries with
//! exponential backoff on timeouts, connection errors, 5xx/429 and NetEase's own `code != 200`.

use std::time::Duration;

use crate::store::CatalogError;

mod client;
mod pipeline;
pub mod wire;

pub use pipeline::crawl;
pub use wire::clean_lrc;

/// Playlists per `/top/playlist` page (the server's maximum is 50... in practice 100, but 50 is what
/// the web client asks for).
const LIST_PAGE: usize = 50;
/// Longest wait between two retries.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Most tracks the writer stores per transaction.
const WRITE_BATCH: usize = 500;
/// Most playlists the writer stores per transaction.
const PLAYLIST_BATCH: usize = 20;
/// Longest time fetched data waits in memory before it is stored: what a crash can lose.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// What to crawl and how politely.
#[derive(Debug, Clone)]
pub struct CrawlConfig {
    /// Base URL of the NeteaseCloudMusicApi server, e.g. `http://127.0.0.1:3000`.
    pub api: String,
    /// Playlist categories (`伤感`, `快乐`, ...), as NetEase names them.
    pub categories: Vec<String>,
    /// Top playlists taken per category.
    pub playlists_per_category: usize,
    /// Hot comments fetched per track (0: none).
    pub comments: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests per second over all workers; 0 means no cap.
    pub rate_per_sec: f64,
    /// Retries after the first attempt of a request.
    pub retries: u32,
    /// First backoff; doubled after every failed attempt.
    pub backoff: Duration,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Tracks per `/playlist/track/all` page.
    pub track_page: usize,
    /// Fetch playlists again even when they are stored (to pick up new tracks).
    pub refresh: bool,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        CrawlConfig {
            api: "http://127.0.0.1:3000".into(),
            categories: DEFAULT_CATEGORIES.iter().map(|c| c.to_string()).collect(),
            playlists_per_category: 50,
            comments: 20,
            concurrency: 4,
            rate_per_sec: 10.0,
            retries: 4,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(15),
            track_page: 200,
            refresh: false,
        }
    }
}

/// NetEase's mood categories, the ones the seed crawled.
pub const DEFAULT_CATEGORIES: &[&str] = &[
    "伤感", "快乐", "安静", "治愈", "怀旧", "浪漫", "孤独", "感动", "兴奋", "放松", "思念",
];

/// Why a request or a crawl failed.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    /// The API base URL is not a URL.
    #[error("the API address {0:?} is not an http(s) URL")]
    BadBase(String),
    /// No answer (connection refused, reset, timeout) even after retries.
    #[error("no answer from {url}: {source}")]
    Http {
        /// The request.
        url: String,
        /// What reqwest saw.
        source: reqwest::Error,
    },
    /// An HTTP error status (after retries for 5xx and 429).
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The request.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The body is not JSON: not the NeteaseCloudMusicApi server, or a proxy error page.
    #[error("{url} did not answer JSON (is --api the NeteaseCloudMusicApi server?): {snippet:?}")]
    NotJson {
        /// The request.
        url: String,
        /// The start of the body.
        snippet: String,
    },
    /// The answer was larger than any real one: refused rather than held in memory.
    #[error("{url} answered more than {max} bytes")]
    TooLarge {
        /// The request.
        url: String,
        /// The most read.
        max: usize,
    },
    /// NetEase answered with `code != 200` (rate limited, not found...) even after retries.
    #[error("{url} answered code {code}: {message}")]
    Api {
        /// The request.
        url: String,
        /// NetEase's code.
        code: i64,
        /// NetEase's message, if any.
        message: String,
    },
    /// JSON, but not the shape this crawler knows.
    #[error("{url} answered JSON of an unexpected shape: {source}")]
    Shape {
        /// The request.
        url: String,
        /// What serde saw.
        source: serde_json::Error,
    },
    /// Storing failed; the crawl stops (what was stored stays stored).
    #[error(transparent)]
    Storage(#[from] CatalogError),
}

impl CrawlError {
    fn retryable(&self) -> bool {
        match self {
            CrawlError::Http { .. } | CrawlError::Api { .. } => true,
            CrawlError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// What the crawl is doing, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Playlists were listed; `todo` of them need their tracks fetched.
    Listed {
        /// Playlists found in the categories.
        playlists: usize,
        /// Of these, not stored yet (or all, with `refresh`).
        todo: usize,
    },
    /// One playlist's tracks were fetched and stored.
    PlaylistDone,
    /// Tracks needing a lyric or comments were counted.
    TracksQueued(usize),
    /// One track's texts were fetched and stored.
    TrackDone,
    /// Something failed and was skipped (already logged).
    Failed(String),
}

/// Counts of a crawl, for the final summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CrawlSummary {
    /// Playlists listed in the categories.
    pub playlists_listed: usize,
    /// Playlists fetched and stored in this run.
    pub playlists_stored: usize,
    /// Playlists skipped because an earlier run stored them.
    pub playlists_skipped: usize,
    /// Distinct tracks of the stored playlists.
    pub tracks: usize,
    /// Lyrics stored (with text).
    pub lyrics: usize,
    /// Tracks NetEase says are instrumental or have no lyric collected.
    pub no_lyrics: usize,
    /// Hot comments stored.
    pub comments: usize,
    /// Requests, listing, playlists or tracks that failed after retries and were skipped.
    pub failures: usize,
    /// HTTP requests sent (retries included).
    pub requests: u64,
    /// Retries among them.
    pub retries: u64,
    /// Whether the crawl was stopped before the end.
    pub interrupted: bool,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_policy() {
        let status = |s| CrawlError::Status {
            url: "u".into(),
            status: s,
        };
        assert!(status(502).retryable());
        assert!(status(429).retryable());
        assert!(!status(404).retryable());
        assert!(!CrawlError::NotJson {
            url: "u".into(),
            snippet: "<html>".into()
        }
        .retryable());
        assert!(CrawlError::Api {
            url: "u".into(),
            code: 405,
            message: "操作频繁".into()
        }
        .retryable());
    }
}
