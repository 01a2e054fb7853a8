//! The HTTP adapter: the seed's recommend server as a JSON API, plus what a fleet needs.
//!
//! `POST /v1/recommend` `{"text": "...", "k": 10}` and `POST /v1/recommend/photo` (multipart field
//! `img`) answer the JSON of `moodtune recommend --json`. Errors are JSON
//! `{"error": {"code", "message"}}` with 400 (bad input), 413 (too large), 415 (not an image),
//! 422 (no emotion / no face), 429 (rate limited) or 503 (not ready). `GET /healthz` says the
//! process is alive, `GET /readyz` that the database answers and the index is complete,
//! `GET /metrics` is Prometheus text, `GET /v1/openapi.json` describes all of this: it is derived
//! from the handlers' annotations and the wire types they send, so it cannot fall behind them.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::messages::API;
use crate::wire::{FaceView, RecommendationView, TrackView};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use moodtune_core::{Engine, RecommendError};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use crate::metrics::Metrics;
use crate::outcome::{hash_id, traced};
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
    /// Where requests are counted (shared with the other adapters of the process).
    pub metrics: Arc<Metrics>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for HTTP on {addr}: {source}")]
pub struct HttpError {
    addr: SocketAddr,
    source: std::io::Error,
}

struct AppState {
    engine: Arc<Engine>,
    limiter: RateLimiter,
    metrics: Arc<Metrics>,
}

/// The OpenAPI document of this API, derived from the handlers below and the types they send.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "moodtune",
        description = "Songs for a mood: send how you feel (text) or a selfie, get song links."
    ),
    paths(recommend_text, recommend_photo, healthz, readyz, metrics, openapi_json),
    components(schemas(
        RecommendRequest,
        PhotoForm,
        RecommendationView,
        TrackView,
        FaceView,
        ErrorBody,
        ErrorDetail,
        Readiness,
        IndexReadiness
    )),
    tags((name = "recommend", description = "Songs for a mood"), (name = "operations", description = "Probes and metrics"))
)]
pub struct ApiDoc;

/// Body of `POST /v1/recommend`.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[schema(example = json!({"text": "下雨天有点想家", "k": 10}))]
pub struct RecommendRequest {
    /// How the person feels, in their words (Chinese or English; up to 5,000 characters).
    pub text: String,
    /// Songs to return, 1 to 50 (default 10).
    #[schema(minimum = 1, maximum = 50)]
    pub k: Option<u64>,
}

/// Form of `POST /v1/recommend/photo` (multipart/form-data).
#[derive(Debug, ToSchema)]
pub struct PhotoForm {
    /// The photo: JPEG, PNG, WebP or GIF (first frame), up to 20 MB.
    #[schema(value_type = String, format = Binary)]
    pub img: Vec<u8>,
    /// Songs to return, 1 to 50 (default 10).
    #[schema(minimum = 1, maximum = 50)]
    pub k: Option<u64>,
}

/// Every error answer: `{"error": {"code", "message"}}`.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong: a stable code for programs, a sentence for people.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `bad_json`, `bad_request`, `empty_text`, `text_too_long`, `image_too_large`,
    /// `not_an_image`, `image_damaged`, `no_emotion`, `small_talk`, `no_face`, `rate_limited`,
    /// `storage_unavailable`, `vision_unavailable`, `empty_catalog`.
    pub code: String,
    /// A short explanation fit to show a user.
    pub message: String,
}

/// Body of `GET /readyz`.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Readiness {
    /// Whether this process should get traffic (database answers and the index is complete).
    pub ready: bool,
    /// Whether the database answered a ping.
    pub database: bool,
    /// The index in use.
    pub index: IndexReadiness,
}

/// The index part of `GET /readyz`.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct IndexReadiness {
    /// `exact` while the HNSW index builds, then `hnsw`.
    pub kind: String,
    /// Distinct emotion vectors indexed.
    pub vectors: usize,
    /// Whether the final index for the current catalog is in place.
    pub complete: bool,
}

/// An error answer: status plus `{"error": {"code", "message"}}`.
struct ApiError(StatusCode, &'static str, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.1.to_string(),
                message: self.2,
            },
        };
        (self.0, Json(body)).into_response()
    }
}

impl From<&RecommendError> for ApiError {
    fn from(e: &RecommendError) -> Self {
        let status = match e.code() {
            "empty_text" | "image_damaged" => StatusCode::BAD_REQUEST,
            "text_too_long" | "image_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
            "not_an_image" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "no_emotion" | "small_talk" | "no_face" => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        if let RecommendError::Storage(cause) = e {
            tracing::error!(error = %cause, "storage failed");
        }
        ApiError(status, e.code(), e.to_string())
    }
}

/// The router, for embedding or testing.
pub fn router(engine: Arc<Engine>, opts: &HttpOptions) -> Router {
    let state = Arc::new(AppState {
        engine,
        limiter: RateLimiter::new(opts.burst, opts.every),
        metrics: opts.metrics.clone(),
    });
    Router::new()
        .route("/v1/recommend", post(recommend_text))
        .route("/v1/recommend/photo", post(recommend_photo))
        .route("/v1/openapi.json", get(openapi_json))
        .route("/healthz", get(healthz))
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

/// A client address as a number: the rate limiter's key and, hashed, the "user" of logs.
fn client_key(peer: &SocketAddr) -> u64 {
    match peer.ip() {
        std::net::IpAddr::V4(a) => u32::from(a) as u64,
        std::net::IpAddr::V6(a) => (u128::from(a) >> 64) as u64,
    }
}

fn limit(state: &AppState, peer: &SocketAddr) -> Result<(), ApiError> {
    state.limiter.check(client_key(peer)).map_err(|wait| {
        ApiError(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            API.rate_limited
                .replace("{secs}", &wait.as_secs().max(1).to_string()),
        )
    })
}

/// Runs a handler's work inside the request span and accounts for it.
async fn account<T>(
    state: &AppState,
    endpoint: &'static str,
    peer: &SocketAddr,
    work: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    let request = async {
        let result = work.await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.1,
        };
        (result, outcome)
    };
    let user = Some(hash_id(client_key(peer)));
    traced(&state.metrics, "http", endpoint, user, request).await
}

/// Songs for a mood in words.
#[utoipa::path(
    post,
    path = "/v1/recommend",
    tag = "recommend",
    request_body = RecommendRequest,
    responses(
        (status = 200, description = "The mood read and the songs for it", body = RecommendationView),
        (status = 400, description = "Not JSON, no `text`, `k` out of range, or empty text", body = ErrorBody),
        (status = 413, description = "Text too long", body = ErrorBody),
        (status = 422, description = "No emotion found in the text", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
        (status = 503, description = "Database or catalog not available", body = ErrorBody),
    )
)]
async fn recommend_text(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: axum::body::Bytes,
) -> Result<Json<RecommendationView>, ApiError> {
    let work = async {
        limit(&state, &peer)?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| {
            ApiError(
                StatusCode::BAD_REQUEST,
                "bad_json",
                API.bad_json.replace("{why}", &e.to_string()),
            )
        })?;
        let req: RecommendRequest = serde_json::from_value(v).map_err(|_| {
            ApiError(
                StatusCode::BAD_REQUEST,
                "bad_request",
                API.bad_request.into(),
            )
        })?;
        let k = k_of(req.k)?;
        let rec = state
            .engine
            .recommend_text(&req.text, k)
            .await
            .map_err(|e| ApiError::from(&e))?;
        Ok(Json(RecommendationView::new(&rec, None)))
    };
    account(&state, "text", &peer, work).await
}

fn k_of(k: Option<u64>) -> Result<usize, ApiError> {
    match k {
        None => Ok(moodtune_core::DEFAULT_K),
        Some(k) if (1..=50).contains(&k) => Ok(k as usize),
        Some(_) => Err(ApiError(
            StatusCode::BAD_REQUEST,
            "bad_request",
            API.bad_k.into(),
        )),
    }
}

/// Songs for the mood of the faces in a photo (the seed's `curl -F "img=@photo.jpg"`).
#[utoipa::path(
    post,
    path = "/v1/recommend/photo",
    tag = "recommend",
    request_body(content = PhotoForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The mood read, the faces found and the songs", body = RecommendationView),
        (status = 400, description = "No `img` field, or a damaged image", body = ErrorBody),
        (status = 413, description = "Photo too large (bytes or pixels)", body = ErrorBody),
        (status = 415, description = "Not an image", body = ErrorBody),
        (status = 422, description = "No face found", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
        (status = 503, description = "Models or database not available", body = ErrorBody),
    )
)]
async fn recommend_photo(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<RecommendationView>, ApiError> {
    let work = async {
        limit(&state, &peer)?;
        let no_img = || ApiError(StatusCode::BAD_REQUEST, "bad_request", API.no_img.into());
        let mut multipart = multipart.map_err(|_| no_img())?;
        let mut img = None;
        let mut k = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| multipart_error(&e))?
        {
            match field.name() {
                Some("img") => {
                    let bytes = field.bytes().await.map_err(|e| multipart_error(&e))?;
                    img = Some(bytes.to_vec());
                }
                Some("k") => {
                    let text = field.text().await.map_err(|e| multipart_error(&e))?;
                    k = Some(text.trim().parse::<u64>().unwrap_or(0));
                }
                _ => {}
            }
        }
        let img = img.ok_or_else(no_img)?;
        let (rec, faces) = state
            .engine
            .recommend_photo(img, k_of(k)?)
            .await
            .map_err(|e| ApiError::from(&e))?;
        Ok(Json(RecommendationView::new(&rec, Some(&faces))))
    };
    account(&state, "photo", &peer, work).await
}

fn multipart_error(e: &axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            "image_too_large",
            API.too_big.into(),
        )
    } else {
        ApiError(
            StatusCode::BAD_REQUEST,
            "bad_request",
            API.bad_upload.replace("{why}", &e.body_text()),
        )
    }
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = String, content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the database answers and the index for the current catalog is complete.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready for traffic", body = Readiness),
        (status = 503, description = "Not ready yet (or the database is down)", body = Readiness),
    ))]
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let health = state.engine.health().await;
    let ready = health.ready();
    let index = health.index;
    let body = Readiness {
        ready,
        database: health.database,
        index: IndexReadiness {
            kind: index.kind.to_string(),
            vectors: index.len,
            complete: index.complete,
        },
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Prometheus metrics: requests by adapter, endpoint and outcome; latency histograms; index
/// size; catalog version; model backend.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let mut out = String::new();
    state.metrics.render(&mut out);
    let health = state.engine.health().await;
    let index = &health.index;
    out.push_str(&format!(
        "# HELP moodtune_index_vectors Distinct vectors in the index.\n# TYPE moodtune_index_vectors gauge\nmoodtune_index_vectors{{kind=\"{}\"}} {}\n",
        index.kind, index.len
    ));
    out.push_str(&format!(
        "# HELP moodtune_index_tracks Tracks reachable through the index.\n# TYPE moodtune_index_tracks gauge\nmoodtune_index_tracks {}\n",
        index.tracks
    ));
    let version = health.catalog_version.unwrap_or(-1);
    out.push_str(&format!(
        "# HELP moodtune_catalog_version Catalog version in the database.\n# TYPE moodtune_catalog_version gauge\nmoodtune_catalog_version {version}\n"
    ));
    let backend = health.model_backend.unwrap_or("unavailable");
    out.push_str(&format!(
        "# HELP moodtune_model_backend ONNX backend of the photo models.\n# TYPE moodtune_model_backend gauge\nmoodtune_model_backend{{backend=\"{backend}\"}} 1\n"
    ));
    ([("content-type", "text/plain; version=0.0.4")], out)
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
