//! The HTTP adapter: the seed's recommend server as a JSON API, plus what a fleet needs.
//!
//! `POST /v1/recommend` `{"text": "...", "k": 10}` and `POST /v1/recommend/photo` (multipart field
//! `img`) answer the JSON of `moodtune recommend --json`. Errors are JSON
//! `{"error": {"code", "message"}}` with 400 (bad input), 413 (too large), 415 (not an image),
//! 422 (no emotion / no face), 429 (rate limited) or 503 (not ready). `GET /healthz` says the
//! process is alive, `GET /readyz` that the database answers and the index is complete,
//! `GET /metrics` is Prometheus text.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use moodtune_core::{Engine, RecommendError};
use serde_json::{json, Value};

use crate::ratelimit::RateLimiter;

/// How to run the HTTP API.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Requests one client address may make at once...
    pub burst: u32,
    /// ...refilled at one per this period.
    pub every: Duration,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for HTTP on {addr}: {source}")]
pub struct HttpError {
    addr: SocketAddr,
    source: std::io::Error,
}

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, name: &str, label: &str, out: &mut String) {
        for (i, b) in BUCKETS.iter().enumerate() {
            out.push_str(&format!(
                "{name}_bucket{{{label},le=\"{b}\"}} {}\n",
                self.counts[i].load(Ordering::Relaxed)
            ));
        }
        let count = self.count.load(Ordering::Relaxed);
        out.push_str(&format!("{name}_bucket{{{label},le=\"+Inf\"}} {count}\n"));
        out.push_str(&format!(
            "{name}_sum{{{label}}} {}\n",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str(&format!("{name}_count{{{label}}} {count}\n"));
    }
}

struct AppState {
    engine: Arc<Engine>,
    limiter: RateLimiter,
    outcomes: Mutex<std::collections::BTreeMap<(&'static str, &'static str), u64>>,
    text_latency: Histogram,
    photo_latency: Histogram,
}

impl AppState {
    fn count(&self, endpoint: &'static str, outcome: &'static str) {
        *self
            .outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((endpoint, outcome))
            .or_default() += 1;
    }
}

/// An error answer: status plus `{"error": {"code", "message"}}`.
struct ApiError(StatusCode, &'static str, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.0,
            Json(json!({"error": {"code": self.1, "message": self.2}})),
        )
            .into_response()
    }
}

impl From<&RecommendError> for ApiError {
    fn from(e: &RecommendError) -> Self {
        let status = match e.code() {
            "empty_text" | "image_damaged" => StatusCode::BAD_REQUEST,
            "text_too_long" | "image_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
            "not_an_image" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "no_emotion" | "no_face" => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError(status, e.code(), e.to_string())
    }
}

/// The router, for embedding or testing.
pub fn router(engine: Arc<Engine>, opts: &HttpOptions) -> Router {
    let state = Arc::new(AppState {
        engine,
        limiter: RateLimiter::new(opts.burst, opts.every),
        outcomes: Mutex::new(Default::default()),
        text_latency: Histogram::default(),
        photo_latency: Histogram::default(),
    });
    Router::new()
        .route("/v1/recommend", post(recommend_text))
        .route("/v1/recommend/photo", post(recommend_photo))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        // Photos up to the engine's limit plus multipart overhead; larger bodies get 413.
        .layer(DefaultBodyLimit::max(21 * 1024 * 1024))
        .with_state(state)
}

/// Serves until `shutdown` completes; requests in flight are finished.
pub async fn run(
    engine: Arc<Engine>,
    opts: HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HttpError> {
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|source| HttpError {
            addr: opts.listen,
            source,
        })?;
    tracing::info!(adapter = "http", listen = %opts.listen, "http api listening");
    let app = router(engine, &opts).into_make_service_with_connect_info::<SocketAddr>();
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::error!(adapter = "http", error = %e, "http server failed");
    }
    tracing::info!(adapter = "http", "http api stopped");
    Ok(())
}

fn limit(state: &AppState, peer: &SocketAddr) -> Result<(), ApiError> {
    let key = match peer.ip() {
        std::net::IpAddr::V4(a) => u32::from(a) as u64,
        std::net::IpAddr::V6(a) => (u128::from(a) >> 64) as u64,
    };
    state.limiter.check(key).map_err(|wait| {
        ApiError(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("Too many requests; retry in {} s.", wait.as_secs().max(1)),
        )
    })
}

async fn recommend_text(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let started = Instant::now();
    let result = async {
        limit(&state, &peer)?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| {
            ApiError(
                StatusCode::BAD_REQUEST,
                "bad_json",
                format!("The body must be JSON: {e}"),
            )
        })?;
        let text = v.get("text").and_then(Value::as_str).ok_or_else(|| {
            ApiError(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "Send {\"text\": \"how you feel\", \"k\": 10}.".into(),
            )
        })?;
        let k = k_of(&v)?;
        let rec = state
            .engine
            .recommend_text(text, k)
            .await
            .map_err(|e| ApiError::from(&e))?;
        Ok(Json(rec.to_json()))
    }
    .await;
    state.text_latency.observe(started.elapsed());
    state.count("text", outcome(&result));
    result
}

fn k_of(v: &Value) -> Result<usize, ApiError> {
    match v.get("k") {
        None | Some(Value::Null) => Ok(moodtune_core::recommend::DEFAULT_K),
        Some(k) => k
            .as_u64()
            .filter(|k| (1..=50).contains(k))
            .map(|k| k as usize)
            .ok_or_else(|| {
                ApiError(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "k must be a whole number from 1 to 50.".into(),
                )
            }),
    }
}

fn outcome<T>(r: &Result<T, ApiError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.1,
    }
}

async fn recommend_photo(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<Value>, ApiError> {
    let started = Instant::now();
    let result = async {
        limit(&state, &peer)?;
        let mut multipart = multipart.map_err(|_| {
            ApiError(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "Send the photo as multipart field \"img\".".into(),
            )
        })?;
        let mut img = None;
        let mut k = moodtune_core::recommend::DEFAULT_K;
        loop {
            let field = multipart
                .next_field()
                .await
                .map_err(|e| multipart_error(&e))?;
            let Some(field) = field else { break };
            match field.name() {
                Some("img") => {
                    img = Some(
                        field
                            .bytes()
                            .await
                            .map_err(|e| multipart_error(&e))?
                            .to_vec(),
                    )
                }
                Some("k") => {
                    let text = field.text().await.map_err(|e| multipart_error(&e))?;
                    k = k_of(&json!({"k": text.trim().parse::<u64>().ok()}))?;
                }
                _ => {}
            }
        }
        let img = img.ok_or_else(|| {
            ApiError(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "Send the photo as multipart field \"img\".".into(),
            )
        })?;
        let (rec, faces) = state
            .engine
            .recommend_photo(img, k)
            .await
            .map_err(|e| ApiError::from(&e))?;
        let mut v = rec.to_json();
        v["faces"] = faces
            .iter()
            .map(|f| json!({"bbox": f.bbox, "score": f.score, "emotion": f.emotion.to_map()}))
            .collect();
        Ok(Json(v))
    }
    .await;
    state.photo_latency.observe(started.elapsed());
    state.count("photo", outcome(&result));
    result
}

fn multipart_error(e: &axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            "image_too_large",
            "That photo is too big.".into(),
        )
    } else {
        ApiError(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Could not read the upload: {}", e.body_text()),
        )
    }
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let db = state.engine.catalog().ping().await;
    let index = state.engine.index_info();
    let ready = db && index.complete && index.len > 0;
    let body = Json(
        json!({"ready": ready, "database": db, "index": {"kind": index.kind, "vectors": index.len, "complete": index.complete}}),
    );
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body).into_response()
}

async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let mut out = String::new();
    out.push_str("# HELP moodtune_requests_total Requests by adapter, endpoint and outcome.\n# TYPE moodtune_requests_total counter\n");
    for ((endpoint, outcome), n) in state
        .outcomes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        out.push_str(&format!("moodtune_requests_total{{adapter=\"http\",endpoint=\"{endpoint}\",outcome=\"{outcome}\"}} {n}\n"));
    }
    out.push_str("# HELP moodtune_request_seconds Request latency.\n# TYPE moodtune_request_seconds histogram\n");
    state
        .text_latency
        .render("moodtune_request_seconds", "endpoint=\"text\"", &mut out);
    state
        .photo_latency
        .render("moodtune_request_seconds", "endpoint=\"photo\"", &mut out);
    let index = state.engine.index_info();
    out.push_str(&format!(
        "# HELP moodtune_index_vectors Distinct vectors in the index.\n# TYPE moodtune_index_vectors gauge\nmoodtune_index_vectors{{kind=\"{}\"}} {}\n",
        index.kind, index.len
    ));
    out.push_str(&format!(
        "# TYPE moodtune_index_tracks gauge\nmoodtune_index_tracks {}\n",
        index.tracks
    ));
    let version = state.engine.catalog().version().await.unwrap_or(-1);
    out.push_str(&format!(
        "# TYPE moodtune_catalog_version gauge\nmoodtune_catalog_version {version}\n"
    ));
    let backend = moodtune_core::vision::backend().unwrap_or("unavailable");
    out.push_str(&format!(
        "# TYPE moodtune_model_backend gauge\nmoodtune_model_backend{{backend=\"{backend}\"}} 1\n"
    ));
    ([("content-type", "text/plain; version=0.0.4")], out)
}
