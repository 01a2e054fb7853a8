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
//! Politeness: one global request-rate cap shared by all workers, bounded concurrency, retries with
//! exponential backoff on timeouts, connection errors, 5xx/429 and NetEase's own `code != 200`.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::catalog::{Catalog, CatalogError, FetchedComment, FetchedLyric, FetchedTexts};
use crate::dump::{DumpPlaylist, DumpTrack};

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

/// A NeteaseCloudMusicApi client with the rate cap and the retry policy.
struct Api {
    base: String,
    http: reqwest::Client,
    interval: Option<Duration>,
    next_slot: tokio::sync::Mutex<Instant>,
    retries: u32,
    backoff: Duration,
    requests: AtomicU64,
    retried: AtomicU64,
}

impl Api {
    fn new(cfg: &CrawlConfig) -> Result<Api, CrawlError> {
        let base = cfg.api.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(CrawlError::BadBase(cfg.api.clone()));
        }
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .user_agent(concat!("moodtune/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| CrawlError::Http {
                url: base.clone(),
                source,
            })?;
        let interval =
            (cfg.rate_per_sec > 0.0).then(|| Duration::from_secs_f64(1.0 / cfg.rate_per_sec));
        Ok(Api {
            base,
            http,
            interval,
            next_slot: tokio::sync::Mutex::new(Instant::now()),
            retries: cfg.retries,
            backoff: cfg.backoff,
            requests: AtomicU64::new(0),
            retried: AtomicU64::new(0),
        })
    }

    /// Waits for this request's slot under the global rate cap.
    async fn pace(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let at = {
            let mut next = self.next_slot.lock().await;
            let at = (*next).max(Instant::now());
            *next = at + interval;
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }

    /// GETs `path?query` and decodes the JSON answer, retrying what can be retried.
    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, CrawlError> {
        let mut attempt = 0;
        loop {
            self.pace().await;
            self.requests.fetch_add(1, Ordering::Relaxed);
            match self.get_once(path, query).await {
                Ok(v) => return Ok(v),
                Err(e) if e.retryable() && attempt < self.retries => {
                    let wait = self
                        .backoff
                        .saturating_mul(1 << attempt.min(16))
                        .min(MAX_BACKOFF);
                    tracing::debug!(error = %e, attempt, wait_ms = wait.as_millis() as u64, "retrying");
                    attempt += 1;
                    self.retried.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn get_once<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, CrawlError> {
        let url = format!("{}{}", self.base, path);
        let shown = || {
            let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{path}?{}", q.join("&"))
        };
        let resp = self
            .http
            .get(&url)
            .query(query)
            .send()
            .await
            .map_err(|source| CrawlError::Http {
                url: shown(),
                source,
            })?;
        let status = resp.status();
        if !status.is_success() {
            return Err(CrawlError::Status {
                url: shown(),
                status: status.as_u16(),
            });
        }
        let body = resp.bytes().await.map_err(|source| CrawlError::Http {
            url: shown(),
            source,
        })?;
        let value: serde_json::Value =
            serde_json::from_slice(&body).map_err(|_| CrawlError::NotJson {
                url: shown(),
                snippet: String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned(),
            })?;
        let code = value.get("code").and_then(|c| c.as_i64()).unwrap_or(200);
        if code != 200 {
            let message = value
                .get("message")
                .or_else(|| value.get("msg"))
                .and_then(|m| m.as_str())
                .unwrap_or("")
                .to_string();
            return Err(CrawlError::Api {
                url: shown(),
                code,
                message,
            });
        }
        serde_json::from_value(value).map_err(|source| CrawlError::Shape {
            url: shown(),
            source,
        })
    }
}

#[derive(Debug, Deserialize)]
struct TopPlaylists {
    #[serde(default)]
    playlists: Vec<ApiPlaylist>,
    #[serde(default)]
    more: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiPlaylist {
    id: i64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    subscribed_count: i64,
    #[serde(default)]
    track_count: i64,
}

#[derive(Debug, Deserialize)]
struct Songs {
    #[serde(default)]
    songs: Vec<ApiSong>,
}

#[derive(Debug, Deserialize)]
struct ApiSong {
    id: i64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    ar: Vec<ApiName>,
    #[serde(default)]
    al: Option<ApiName>,
    #[serde(default)]
    pop: f64,
}

#[derive(Debug, Deserialize)]
struct ApiName {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Lyric {
    #[serde(default)]
    nolyric: bool,
    #[serde(default)]
    uncollected: bool,
    #[serde(default)]
    lrc: Option<LrcPart>,
}

#[derive(Debug, Deserialize)]
struct LrcPart {
    #[serde(default)]
    lyric: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HotComments {
    #[serde(default)]
    hot_comments: Vec<ApiComment>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiComment {
    comment_id: i64,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    liked_count: i64,
}

/// Credit lines at the top of NetEase lyrics ("作词 : 黄家驹"): names, not feelings.
const CREDIT_WORDS: &[&str] = &[
    "作词",
    "作曲",
    "编曲",
    "制作人",
    "制作",
    "监制",
    "混音",
    "录音",
    "母带",
    "和声",
    "配唱",
    "吉他",
    "贝斯",
    "鼓",
    "弦乐",
    "键盘",
    "出品",
    "发行",
    "统筹",
    "策划",
    "词",
    "曲",
    "原唱",
    "lyricist",
    "lyrics",
    "composer",
    "arranger",
    "producer",
    "mixing",
    "mastering",
];

/// Turns NetEase LRC into plain lyric text: time tags (`[00:18.990]`) and metadata lines
/// (`[ar:Beyond]`) go, credit lines (`作词 : 黄家驹`) and NetEase's JSON credit lines go, blank
/// lines go.
pub fn clean_lrc(lrc: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    'lines: for line in lrc.lines() {
        let mut rest = line.trim();
        while let Some(tagged) = rest.strip_prefix('[') {
            let Some(end) = tagged.find(']') else { break };
            let tag = &tagged[..end];
            let is_time = tag.chars().next().is_some_and(|c| c.is_ascii_digit())
                && tag
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.'));
            if !is_time {
                continue 'lines; // [ar:...], [ti:...], [by:...]
            }
            rest = tagged[end + 1..].trim_start();
        }
        let rest = rest.trim();
        if rest.is_empty() || rest.starts_with('{') {
            continue;
        }
        if let Some((head, _)) = rest.split_once([':', '：']) {
            let head = head.trim().to_lowercase();
            if CREDIT_WORDS.iter().any(|w| head == *w) {
                continue;
            }
        }
        out.push(rest);
    }
    out.join("\n")
}

/// Runs a crawl into `catalog`. Progress goes to `progress`; setting `stop` ends the crawl soon
/// (workers take no new item, what was fetched is stored). Failures of single requests are
/// counted, logged and skipped; only storage errors end the crawl with an error.
pub async fn crawl(
    catalog: &Catalog,
    cfg: &CrawlConfig,
    stop: Arc<AtomicBool>,
    progress: Arc<dyn Fn(Progress) + Send + Sync>,
) -> Result<CrawlSummary, CrawlError> {
    let started = Instant::now();
    let api = Arc::new(Api::new(cfg)?);
    let mut summary = CrawlSummary::default();
    let fail = |summary: &mut CrawlSummary, what: String| {
        tracing::warn!("{what}");
        summary.failures += 1;
        progress(Progress::Failed(what));
    };

    // 1. List playlists per category.
    let mut listed: Vec<(ApiPlaylist, String)> = Vec::new();
    let mut seen = HashSet::new();
    for cat in &cfg.categories {
        let mut offset = 0;
        let mut taken = 0;
        while taken < cfg.playlists_per_category && !stop.load(Ordering::SeqCst) {
            let limit = LIST_PAGE.min(cfg.playlists_per_category - taken);
            let page: TopPlaylists = match api
                .get(
                    "/top/playlist",
                    &[
                        ("cat", cat.clone()),
                        ("order", "hot".into()),
                        ("limit", limit.to_string()),
                        ("offset", offset.to_string()),
                    ],
                )
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    fail(&mut summary, format!("listing {cat}: {e}"));
                    break;
                }
            };
            let n = page.playlists.len();
            for p in page.playlists.into_iter().take(limit) {
                taken += 1;
                if seen.insert(p.id) {
                    listed.push((p, cat.clone()));
                }
            }
            offset += n;
            if n == 0 || !page.more {
                break;
            }
        }
    }
    summary.playlists_listed = listed.len();
    let listed_ids: Vec<i64> = listed.iter().map(|(p, _)| p.id).collect();
    let stored = if cfg.refresh {
        HashSet::new()
    } else {
        catalog.stored_playlists(&listed_ids).await?
    };
    let todo: VecDeque<(ApiPlaylist, String)> = listed
        .into_iter()
        .filter(|(p, _)| !stored.contains(&p.id))
        .collect();
    summary.playlists_skipped = stored.len();
    progress(Progress::Listed {
        playlists: summary.playlists_listed,
        todo: todo.len(),
    });

    // 2. Tracks of each playlist, by a pool of workers; one writer stores batches.
    let queue = Arc::new(Mutex::new(todo));
    let (tx, mut rx) = mpsc::channel::<Result<Option<DumpPlaylist>, String>>(cfg.concurrency * 2);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..cfg.concurrency.max(1) {
        let (queue, api, tx, stop) = (queue.clone(), api.clone(), tx.clone(), stop.clone());
        let page = cfg.track_page.max(1);
        workers.spawn(async move {
            loop {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Some((p, cat)) = queue.lock().expect("queue").pop_front() else {
                    break;
                };
                let result = fetch_playlist(&api, &p, &cat, page, &stop).await;
                if tx.send(result).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut batch: Vec<DumpPlaylist> = Vec::new();
    let mut since = Instant::now();
    loop {
        let next = tokio::time::timeout(FLUSH_EVERY, rx.recv()).await;
        let done = matches!(next, Ok(None));
        let idle = next.is_err();
        match next {
            Ok(Some(Ok(Some(p)))) => {
                if batch.is_empty() {
                    since = Instant::now();
                }
                batch.push(p)
            }
            Ok(Some(Err(what))) => fail(&mut summary, what),
            _ => {}
        }
        let due = idle || since.elapsed() >= FLUSH_EVERY || batch.len() >= PLAYLIST_BATCH;
        if !batch.is_empty() && (done || due) {
            let n = batch.len();
            catalog.import_playlists(&batch).await?;
            summary.playlists_stored += n;
            for _ in 0..n {
                progress(Progress::PlaylistDone);
            }
            batch.clear();
        }
        if done {
            break;
        }
    }
    while workers.join_next().await.is_some() {}

    // 3. Lyrics and hot comments of every track of the listed playlists that lacks them.
    let track_ids = catalog.playlist_track_ids(&listed_ids).await?;
    summary.tracks = track_ids.len();
    let todo = if stop.load(Ordering::SeqCst) {
        Vec::new()
    } else {
        catalog.crawl_todo(&track_ids, cfg.comments > 0).await?
    };
    progress(Progress::TracksQueued(todo.len()));
    let queue = Arc::new(Mutex::new(VecDeque::from(todo)));
    let (tx, mut rx) = mpsc::channel::<(FetchedTexts, Vec<String>)>(cfg.concurrency * 4);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..cfg.concurrency.max(1) {
        let (queue, api, tx, stop) = (queue.clone(), api.clone(), tx.clone(), stop.clone());
        let comments = cfg.comments;
        workers.spawn(async move {
            loop {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Some(item) = queue.lock().expect("queue").pop_front() else {
                    break;
                };
                let fetched = fetch_track(&api, item, comments).await;
                if tx.send(fetched).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut batch: Vec<FetchedTexts> = Vec::new();
    let mut since = Instant::now();
    loop {
        let next = tokio::time::timeout(FLUSH_EVERY, rx.recv()).await;
        let done = matches!(next, Ok(None));
        let idle = next.is_err();
        if let Ok(Some((texts, failures))) = next {
            for what in failures {
                fail(&mut summary, what);
            }
            if texts.lyric.is_some() || texts.comments.is_some() {
                if batch.is_empty() {
                    since = Instant::now();
                }
                batch.push(texts);
            }
        }
        let due = idle || since.elapsed() >= FLUSH_EVERY || batch.len() >= WRITE_BATCH;
        if !batch.is_empty() && (done || due) {
            for t in &batch {
                match &t.lyric {
                    Some(l) if !l.content.is_empty() => summary.lyrics += 1,
                    Some(_) => summary.no_lyrics += 1,
                    None => {}
                }
                summary.comments += t.comments.as_ref().map_or(0, |c| c.len());
            }
            catalog.store_track_texts(&batch).await?;
            for _ in 0..batch.len() {
                progress(Progress::TrackDone);
            }
            batch.clear();
        }
        if done {
            break;
        }
    }
    while workers.join_next().await.is_some() {}

    summary.interrupted = stop.load(Ordering::SeqCst);
    summary.requests = api.requests.load(Ordering::Relaxed);
    summary.retries = api.retried.load(Ordering::Relaxed);
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

async fn fetch_playlist(
    api: &Api,
    p: &ApiPlaylist,
    category: &str,
    page: usize,
    stop: &AtomicBool,
) -> Result<Option<DumpPlaylist>, String> {
    let mut tracks = Vec::new();
    let mut offset = 0usize;
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(None); // stopped: a partial playlist is never stored
        }
        let songs: Songs = api
            .get(
                "/playlist/track/all",
                &[
                    ("id", p.id.to_string()),
                    ("limit", page.to_string()),
                    ("offset", offset.to_string()),
                ],
            )
            .await
            .map_err(|e| format!("playlist {}: {e}", p.id))?;
        let n = songs.songs.len();
        for s in songs.songs {
            let Some(name) = s.name.filter(|n| !n.trim().is_empty()) else {
                continue;
            };
            tracks.push(DumpTrack {
                id: s.id,
                name: name.trim().to_string(),
                artists: s
                    .ar
                    .into_iter()
                    .filter_map(|a| a.name)
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect(),
                popularity: if s.pop.is_finite() {
                    s.pop.clamp(0.0, 100.0).round() as i32
                } else {
                    0
                },
                album: s.al.and_then(|a| a.name).filter(|a| !a.is_empty()),
            });
        }
        offset += n;
        // Servers cap pages below what was asked, so a short page ends the list only when the
        // playlist's size is unknown.
        let complete = if p.track_count > 0 {
            offset as i64 >= p.track_count
        } else {
            n < page
        };
        if n == 0 || complete {
            break;
        }
    }
    Ok(Some(DumpPlaylist {
        id: p.id,
        name: p.name.clone().unwrap_or_default(),
        collections: p.subscribed_count.max(0),
        category: Some(category.to_string()),
        tracks,
    }))
}

/// Fetches what a track lacks; failures are returned as messages beside what did arrive.
async fn fetch_track(
    api: &Api,
    item: crate::catalog::TrackTodo,
    comments: usize,
) -> (FetchedTexts, Vec<String>) {
    let mut out = FetchedTexts {
        track_id: item.track_id,
        lyric: None,
        comments: None,
    };
    let mut failures = Vec::new();
    if item.lyric {
        match api
            .get::<Lyric>("/lyric", &[("id", item.track_id.to_string())])
            .await
        {
            Ok(l) => {
                let text = l
                    .lrc
                    .and_then(|p| p.lyric)
                    .map(|t| clean_lrc(&t))
                    .unwrap_or_default();
                out.lyric = Some(FetchedLyric {
                    instrumental: l.nolyric,
                    content: if l.nolyric || l.uncollected {
                        String::new()
                    } else {
                        text
                    },
                });
            }
            Err(e) => failures.push(format!("lyric of track {}: {e}", item.track_id)),
        }
    }
    if item.comments && comments > 0 {
        match api
            .get::<HotComments>(
                "/comment/hot",
                &[
                    ("id", item.track_id.to_string()),
                    ("type", "0".into()),
                    ("limit", comments.to_string()),
                    ("offset", "0".into()),
                ],
            )
            .await
        {
            Ok(c) => {
                out.comments = Some(
                    c.hot_comments
                        .into_iter()
                        .take(comments)
                        .filter_map(|c| {
                            let content = c.content?.trim().to_string();
                            (!content.is_empty()).then_some(FetchedComment {
                                id: c.comment_id,
                                content,
                                liked_count: c.liked_count.max(0),
                            })
                        })
                        .collect(),
                )
            }
            Err(e) => failures.push(format!("comments of track {}: {e}", item.track_id)),
        }
    }
    (out, failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lrc_is_cleaned() {
        let table = [
            (
                "[00:00.000] 作词 : 黄家驹\n[00:01.000] 作曲 : 黄家驹\n[00:18.990]今天我 寒夜里看雪飘过\n",
                "今天我 寒夜里看雪飘过",
            ),
            ("[ar:Beyond]\n[ti:海阔天空]\n[00:01.00][00:30.00]原谅我这一生", "原谅我这一生"),
            ("[00:02.00]\n\n[00:03.00]  \n", ""),
            (
                "{\"t\":0,\"c\":[{\"tx\":\"作词: \"},{\"tx\":\"x\"}]}\n[00:05.1]我的心：你不懂",
                "我的心：你不懂",
            ),
            ("[00:01.00]Composer: Someone\n[00:02.00]I miss you", "I miss you"),
            ("no tags at all\nsecond line", "no tags at all\nsecond line"),
            ("[00:01.00 broken tag", "[00:01.00 broken tag"),
        ];
        for (lrc, want) in table {
            assert_eq!(clean_lrc(lrc), want, "{lrc:?}");
        }
    }

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
