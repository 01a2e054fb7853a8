//! A fake NeteaseCloudMusicApi server on 127.0.0.1 for end-to-end tests and benchmarks of the
//! crawler. It serves a synthetic catalog in the real response shapes (see
//! ../shared/data/netease-api/): `/top/playlist`, `/playlist/track/all` (pages capped at 100
//! tracks, as real servers cap them), `/lyric` (LRC with credit lines; some instrumental, some
//! uncollected) and `/comment/hot`. Faults can be queued (an HTTP status, a non-JSON body) and
//! every request is counted.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

/// Largest page `/playlist/track/all` returns, whatever the client asks.
pub const MAX_TRACK_PAGE: usize = 100;

/// Size and shape of the synthetic catalog.
#[derive(Debug, Clone)]
pub struct CatalogShape {
    /// Categories served (others list no playlists).
    pub categories: Vec<String>,
    /// Playlists per category.
    pub playlists_per_category: usize,
    /// Tracks per playlist.
    pub tracks_per_playlist: usize,
    /// Distinct tracks overall; playlists share tracks when this is smaller than their total.
    pub track_pool: usize,
    /// Hot comments per track.
    pub comments_per_track: usize,
    /// Answer delay of every request.
    pub delay: Duration,
}

impl Default for CatalogShape {
    fn default() -> Self {
        CatalogShape {
            categories: vec!["伤感".into(), "快乐".into()],
            playlists_per_category: 3,
            tracks_per_playlist: 150,
            track_pool: 600,
            comments_per_track: 3,
            delay: Duration::ZERO,
        }
    }
}

/// A fault served instead of the real answer, once, to the next request that matches: same path,
/// and every `key=value` of the pattern among the request's parameters.
#[derive(Debug, Clone)]
pub enum Fault {
    /// An HTTP status with an HTML body, like a reverse proxy's error page.
    Status(u16),
    /// HTTP 200 with a body that is not JSON.
    NotJson,
    /// HTTP 200 with NetEase's own error (`code != 200`).
    ApiCode(i64),
    /// No answer for this long (then the normal answer): a timeout for a patient-less client.
    Stall(Duration),
}

struct Inner {
    shape: CatalogShape,
    faults: Mutex<Vec<(String, Fault)>>,
    requests: AtomicU64,
    by_path: Mutex<HashMap<String, u64>>,
}

/// A running fake NeteaseCloudMusicApi server.
#[derive(Clone)]
pub struct FakeNetease {
    /// Base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    inner: Arc<Inner>,
}

/// Mood words per category, so that the synthetic texts carry the category's emotion.
fn words(category: &str) -> &'static [&'static str] {
    match category {
        "伤感" => &["伤心", "眼泪", "心碎", "难过", "孤单", "哭泣"],
        "快乐" => &["快乐", "开心", "阳光", "微笑", "幸福", "欢乐"],
        "安静" => &["安静", "平静", "宁静", "温柔", "轻轻", "安宁"],
        _ => &["思念", "想念", "牵挂", "怀念", "回忆", "惦记"],
    }
}

impl FakeNetease {
    /// Starts the server on a free loopback port.
    pub async fn start(shape: CatalogShape) -> FakeNetease {
        let inner = Arc::new(Inner {
            shape,
            faults: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
            by_path: Mutex::new(HashMap::new()),
        });
        let app = Router::new()
            .route("/top/playlist", get(top_playlist))
            .route("/playlist/track/all", get(track_all))
            .route("/lyric", get(lyric))
            .route("/comment/hot", get(comment_hot))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeNetease {
            url: format!("http://{addr}"),
            inner,
        }
    }

    /// Queues a fault for the next request matching `path?key=value&...` (listed parameters must
    /// be equal; others may differ).
    pub fn fail_next(&self, matching: &str, fault: Fault) {
        self.inner
            .faults
            .lock()
            .unwrap()
            .push((matching.to_string(), fault));
    }

    /// Requests served so far (faults included).
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// Requests served so far on one path (`/lyric`, ...).
    pub fn requests_to(&self, path: &str) -> u64 {
        *self.inner.by_path.lock().unwrap().get(path).unwrap_or(&0)
    }

    /// Ids of the playlists of a category, in "hot" order.
    pub fn playlist_ids(&self, category: &str) -> Vec<i64> {
        self.inner.playlist_ids(category)
    }

    /// Track ids of a playlist, in order.
    pub fn playlist_tracks(&self, playlist: i64) -> Vec<i64> {
        self.inner.playlist_tracks(playlist)
    }

    /// Whether a track is instrumental (`nolyric`) in this catalog.
    pub fn is_instrumental(track: i64) -> bool {
        track % 10 == 0
    }

    /// Whether a track's lyric is missing (`uncollected`).
    pub fn is_uncollected(track: i64) -> bool {
        track % 13 == 0 && track % 10 != 0
    }
}

impl Inner {
    fn category_index(&self, category: &str) -> Option<usize> {
        self.shape.categories.iter().position(|c| c == category)
    }

    fn playlist_ids(&self, category: &str) -> Vec<i64> {
        let Some(ci) = self.category_index(category) else {
            return Vec::new();
        };
        (0..self.shape.playlists_per_category)
            .map(|i| 5_000_000_000 + (ci as i64) * 1_000_000 + i as i64)
            .collect()
    }

    /// (category index, playlist index) of a playlist id.
    fn playlist_slot(&self, id: i64) -> Option<(usize, usize)> {
        let rel = id - 5_000_000_000;
        if rel < 0 {
            return None;
        }
        let (ci, i) = ((rel / 1_000_000) as usize, (rel % 1_000_000) as usize);
        (ci < self.shape.categories.len() && i < self.shape.playlists_per_category)
            .then_some((ci, i))
    }

    fn playlist_tracks(&self, id: i64) -> Vec<i64> {
        let Some((ci, i)) = self.playlist_slot(id) else {
            return Vec::new();
        };
        let n = self.shape.tracks_per_playlist;
        let pool = self.shape.track_pool.max(1);
        let start = (ci * self.shape.playlists_per_category + i) * n;
        (0..n).map(|j| 1 + ((start + j) % pool) as i64).collect()
    }

    /// A track's category: the category of the first playlist that holds it.
    fn track_category(&self, track: i64) -> &str {
        let per = self.shape.playlists_per_category * self.shape.tracks_per_playlist;
        let ci = ((track - 1) as usize % self.shape.track_pool.max(1)) / per.max(1);
        self.shape
            .categories
            .get(ci)
            .map(|s| s.as_str())
            .unwrap_or("其他")
    }

    async fn enter(&self, path: &str, query: &HashMap<String, String>) -> Option<Response> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        *self
            .by_path
            .lock()
            .unwrap()
            .entry(path.to_string())
            .or_default() += 1;
        if !self.shape.delay.is_zero() {
            tokio::time::sleep(self.shape.delay).await;
        }
        let matches = |m: &str| {
            let (p, params) = m.split_once('?').unwrap_or((m, ""));
            p == path
                && params.split('&').filter(|kv| !kv.is_empty()).all(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    query.get(k).map(|x| x.as_str()) == Some(v)
                })
        };
        let fault = {
            let mut faults = self.faults.lock().unwrap();
            faults
                .iter()
                .position(|(m, _)| matches(m))
                .map(|i| faults.remove(i).1)
        };
        if let Some(Fault::Stall(d)) = fault {
            tokio::time::sleep(d).await;
            return None;
        }
        fault.map(|f| match f {
            Fault::Status(s) => (
                StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_GATEWAY),
                "<html><body>502 Bad Gateway</body></html>",
            )
                .into_response(),
            Fault::NotJson => "<html><body>Please log in</body></html>".into_response(),
            Fault::ApiCode(code) => {
                axum::Json(json!({"code": code, "message": "操作频繁，请稍候再试"})).into_response()
            }
            Fault::Stall(_) => unreachable!("handled above"),
        })
    }
}

type Q = Query<HashMap<String, String>>;

fn num(q: &HashMap<String, String>, key: &str, default: i64) -> i64 {
    q.get(key).and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn top_playlist(State(s): State<Arc<Inner>>, Query(q): Q) -> Response {
    if let Some(r) = s.enter("/top/playlist", &q).await {
        return r;
    }
    let cat = q.get("cat").cloned().unwrap_or_else(|| "全部".into());
    let ids = s.playlist_ids(&cat);
    let limit = num(&q, "limit", 50).clamp(1, 100) as usize;
    let offset = num(&q, "offset", 0).max(0) as usize;
    let w = words(&cat);
    let page: Vec<Value> = ids
        .iter()
        .enumerate()
        .skip(offset)
        .take(limit)
        .map(|(i, id)| {
            json!({
                "id": id,
                "name": format!("{}的时候听的歌 第{}辑", w[i % w.len()], i + 1),
                "tags": ["华语", cat],
                "trackCount": s.shape.tracks_per_playlist,
                "playCount": 100_000 - i as i64,
                "subscribedCount": 5_000 / (i as i64 + 1),
                "coverImgUrl": "http://p4.music.126.net/x/1.jpg",
                "description": "",
                "updateTime": 1603186552704i64,
                "creator": {"userId": 591901740, "nickname": "someone"}
            })
        })
        .collect();
    axum::Json(json!({
        "code": 200,
        "cat": cat,
        "total": ids.len(),
        "more": offset + page.len() < ids.len(),
        "playlists": page,
    }))
    .into_response()
}

fn song(s: &Inner, id: i64) -> Value {
    let w = words(s.track_category(id));
    json!({
        "id": id,
        "name": format!("{}的歌 No.{}", w[id as usize % w.len()], id),
        "ar": [ {"id": 10_000 + id % 97, "name": format!("歌手{}", id % 97)} ],
        "al": {"id": 20_000 + id / 10, "name": format!("专辑{}", id / 10), "picUrl": "https://p1.music.126.net/x/y.jpg"},
        "alia": [],
        "dt": 240_000,
        "pop": (id * 37 % 101) as f64,
        "fee": 8,
        "mv": 0,
        "publishTime": 746812800000i64
    })
}

async fn track_all(State(s): State<Arc<Inner>>, Query(q): Q) -> Response {
    if let Some(r) = s.enter("/playlist/track/all", &q).await {
        return r;
    }
    let tracks = s.playlist_tracks(num(&q, "id", 0));
    let limit = (num(&q, "limit", 1000).max(1) as usize).min(MAX_TRACK_PAGE);
    let offset = num(&q, "offset", 0).max(0) as usize;
    let songs: Vec<Value> = tracks
        .iter()
        .skip(offset)
        .take(limit)
        .map(|id| song(&s, *id))
        .collect();
    let privileges: Vec<Value> = songs
        .iter()
        .map(|x| json!({"id": x["id"], "fee": 8, "st": 0, "pl": 128000, "maxbr": 999000}))
        .collect();
    axum::Json(json!({"code": 200, "songs": songs, "privileges": privileges})).into_response()
}

async fn lyric(State(s): State<Arc<Inner>>, Query(q): Q) -> Response {
    if let Some(r) = s.enter("/lyric", &q).await {
        return r;
    }
    let id = num(&q, "id", 0);
    if FakeNetease::is_instrumental(id) {
        return axum::Json(
            json!({"code": 200, "sgc": false, "sfy": false, "qfy": false, "nolyric": true}),
        )
        .into_response();
    }
    if FakeNetease::is_uncollected(id) {
        return axum::Json(
            json!({"code": 200, "sgc": true, "sfy": false, "qfy": false, "uncollected": true}),
        )
        .into_response();
    }
    let w = words(s.track_category(id));
    let mut lrc = format!(
        "[00:00.000] 作词 : 词人{}\n[00:01.000] 作曲 : 曲人{}\n",
        id % 7,
        id % 5
    );
    for line in 0..8 {
        let word = w[(id as usize + line) % w.len()];
        lrc.push_str(&format!(
            "[00:{:02}.{:03}]第{line}句 我又想起那些{word}的日子\n",
            10 + line * 4,
            line * 37
        ));
    }
    axum::Json(json!({
        "code": 200, "sgc": false, "sfy": false, "qfy": false,
        "lrc": {"version": 5, "lyric": lrc},
        "tlyric": {"version": 0, "lyric": ""},
        "klyric": {"version": 0, "lyric": ""}
    }))
    .into_response()
}

async fn comment_hot(State(s): State<Arc<Inner>>, Query(q): Q) -> Response {
    if let Some(r) = s.enter("/comment/hot", &q).await {
        return r;
    }
    let id = num(&q, "id", 0);
    let limit = num(&q, "limit", 20).clamp(0, 100) as usize;
    let w = words(s.track_category(id));
    let comments: Vec<Value> = (0..s.shape.comments_per_track.min(limit))
        .map(|k| {
            json!({
                "commentId": id * 1000 + k as i64,
                "content": format!("听到这首歌就{}，第{}次循环", w[(id as usize + k) % w.len()], k + 1),
                "likedCount": (id % 1000) * (k as i64 + 1),
                "time": 1413530574252i64,
                "liked": false,
                "user": {"userId": 548345, "nickname": "n", "avatarUrl": "https://p3.music.126.net/a.jpg"},
                "beReplied": []
            })
        })
        .collect();
    axum::Json(json!({
        "code": 200, "total": comments.len(), "hasMore": false,
        "topComments": [], "hotComments": comments
    }))
    .into_response()
}
