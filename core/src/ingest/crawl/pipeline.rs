//! The crawl itself: a small pool of tokio tasks fetching, one writer storing through the store.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc;

use crate::ingest::crawl::client::Api;
use crate::ingest::crawl::wire::*;
use crate::ingest::crawl::{
    CrawlConfig, CrawlError, CrawlSummary, Progress, FLUSH_EVERY, LIST_PAGE, PLAYLIST_BATCH,
    WRITE_BATCH,
};
use crate::ingest::dump::{DumpPlaylist, DumpTrack};
use crate::store::{Catalog, FetchedComment, FetchedLyric, FetchedTexts};

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
    item: crate::store::TrackTodo,
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
