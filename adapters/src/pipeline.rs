//! The one way a request becomes an answer, for every platform: rate limit -> size checks ->
//! download -> engine -> outcome (span, log line, metrics) -> the adapter's renderer.
//!
//! An adapter parses its platform's event into an [`Ask`], hands it to [`Pipeline::run`] with a
//! closure that renders and sends an [`Answer`], and is done. A new platform writes its parser,
//! its renderer and a [`Photo`] for its attachments; it never copies another adapter's handler.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use moodtune_core::{Emotion, Engine, Listener, RecommendError, Recommendation, VisionError};

use crate::messages::Lang;
use crate::metrics::Metrics;
use crate::outcome::traced;
use crate::ratelimit::RateLimiter;

/// Per-user request limit defaults shared by every chat adapter: 5 at once, then one every 6 s.
pub const DEFAULT_BURST: u32 = 5;
/// See [`DEFAULT_BURST`].
pub const DEFAULT_EVERY: Duration = Duration::from_secs(6);
/// Largest photo downloaded by default (Telegram's own bot download limit is 20 MB).
pub const DEFAULT_MAX_PHOTO_BYTES: u64 = 10 * 1024 * 1024;

/// What a user asked for, once the adapter has read its platform's event.
#[derive(Debug)]
pub enum Ask<P> {
    /// Songs for the mood of a text.
    Text(String),
    /// Songs to cheer up the writer of a text (`/cheer`).
    Cheer(String),
    /// Songs for the mood of a photo, still on the platform.
    Photo(P),
    /// A page of a mood ("More like this", "Cheer me up", `/more`).
    More {
        /// The mood, as the button or the chat remembered it.
        emotion: Emotion,
        /// Where the page starts in the candidate list.
        offset: usize,
        /// Songs to cheer up rather than to match the mood.
        lift: bool,
    },
}

impl<P> Ask<P> {
    /// The endpoint name in spans and metrics.
    pub fn endpoint(&self) -> &'static str {
        match self {
            Ask::Text(_) => "text",
            Ask::Cheer(_) => "cheer",
            Ask::Photo(_) => "photo",
            Ask::More { .. } => "more",
        }
    }
}

/// An image on a chat platform: what the platform says about it, and a bounded download.
pub trait Photo: Send + Sync {
    /// The size the platform announced, in bytes, if any (checked before downloading).
    fn announced_bytes(&self) -> Option<u64>;
    /// Whether the platform says this is an image at all (a file of another type is refused
    /// without downloading it).
    fn is_image(&self) -> bool {
        true
    }
    /// Downloads at most `max` bytes: [`DownloadError::TooLarge`] as soon as it is clearly more.
    fn download(&self, max: u64) -> impl Future<Output = Result<Vec<u8>, DownloadError>> + Send;
}

/// A photo that needs no download (the console's, the HTTP API's, tests').
impl Photo for Vec<u8> {
    fn announced_bytes(&self) -> Option<u64> {
        Some(self.len() as u64)
    }

    async fn download(&self, _max: u64) -> Result<Vec<u8>, DownloadError> {
        Ok(self.clone())
    }
}

/// Why a photo could not be fetched from its platform.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// Larger than the limit (the size seen so far, or announced).
    #[error("the file is larger than allowed ({0} bytes)")]
    TooLarge(u64),
    /// The platform did not hand it over.
    #[error("download failed: {0}")]
    Failed(String),
}

/// What the pipeline hands the adapter's renderer.
#[derive(Debug)]
pub enum Answer {
    /// Songs (a page of them; empty past the last page, which each renderer says in its way).
    Songs(Recommendation),
    /// The engine (or a check before it) refused, and why: the user reads `Messages::error`.
    Refused(RecommendError),
    /// The user is over their request limit; the next request is allowed after this long.
    RateLimited(Duration),
    /// The photo could not be downloaded from the platform.
    DownloadFailed,
}

impl Answer {
    /// What the user reads when there are no songs to show, in `lang` (`None` for songs).
    pub fn note(&self, lang: Lang) -> Option<String> {
        let m = lang.messages();
        match self {
            Answer::Songs(_) => None,
            Answer::Refused(e) => Some(m.error(e)),
            Answer::RateLimited(wait) => Some(m.rate_limited(*wait)),
            Answer::DownloadFailed => Some(m.photo_download_failed.to_string()),
        }
    }

    /// The outcome code in logs and metrics; a storage failure is logged in full here (the user
    /// only reads a short apology).
    pub fn code(&self) -> &'static str {
        match self {
            Answer::Songs(_) => "ok",
            Answer::Refused(RecommendError::Storage(e)) => {
                tracing::error!(error = %e, "storage failed");
                "storage_unavailable"
            }
            Answer::Refused(e) => e.code(),
            Answer::RateLimited(_) => "rate_limited",
            Answer::DownloadFailed => "download_failed",
        }
    }
}

/// The shared request pipeline of one adapter: the engine, the per-user limits, the metrics.
#[derive(Debug)]
pub struct Pipeline {
    engine: Arc<Engine>,
    limiter: RateLimiter,
    metrics: Arc<Metrics>,
    adapter: &'static str,
    k: usize,
    max_photo_bytes: u64,
}

/// How one adapter's pipeline is set up.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// The adapter's name in spans and metrics (`telegram`, `discord`, `console`).
    pub adapter: &'static str,
    /// Songs per page.
    pub k: usize,
    /// Requests a user may make at once (0: unlimited)...
    pub burst: u32,
    /// ...refilled at one per this period.
    pub every: Duration,
    /// Largest photo downloaded, in bytes.
    pub max_photo_bytes: u64,
    /// Where requests are counted (shared with the other adapters of the process).
    pub metrics: Arc<Metrics>,
}

impl PipelineOptions {
    /// The defaults for `adapter`.
    pub fn new(adapter: &'static str) -> PipelineOptions {
        PipelineOptions {
            adapter,
            k: moodtune_core::DEFAULT_K,
            burst: DEFAULT_BURST,
            every: DEFAULT_EVERY,
            max_photo_bytes: DEFAULT_MAX_PHOTO_BYTES,
            metrics: Arc::default(),
        }
    }
}

impl Pipeline {
    /// A pipeline on `engine`.
    pub fn new(engine: Arc<Engine>, opts: PipelineOptions) -> Pipeline {
        Pipeline {
            engine,
            limiter: RateLimiter::new(opts.burst, opts.every),
            metrics: opts.metrics,
            adapter: opts.adapter,
            k: opts.k.clamp(1, 20),
            max_photo_bytes: opts.max_photo_bytes,
        }
    }

    /// Songs per page.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The longest text accepted, in characters (adapters quote it to users).
    pub fn max_text_chars(&self) -> usize {
        self.engine.max_text_chars()
    }

    /// Answers `ask` for `user` (`None`: a local user, never limited) inside one request span,
    /// counted in the metrics. `working` runs once the request is accepted and before the slow
    /// part (a typing indicator); `deliver` renders and sends the answer, and its value is
    /// returned.
    pub async fn run<P, W, D, F, T>(
        &self,
        user: Option<u64>,
        ask: Ask<P>,
        working: W,
        deliver: D,
    ) -> T
    where
        P: Photo,
        W: Future<Output = ()>,
        D: FnOnce(Answer) -> F,
        F: Future<Output = T>,
    {
        self.run_at(ask.endpoint(), user, ask, working, deliver)
            .await
    }

    /// [`Pipeline::run`] under another endpoint name (Telegram's inline queries are texts).
    pub async fn run_at<P, W, D, F, T>(
        &self,
        endpoint: &'static str,
        user: Option<u64>,
        ask: Ask<P>,
        working: W,
        deliver: D,
    ) -> T
    where
        P: Photo,
        W: Future<Output = ()>,
        D: FnOnce(Answer) -> F,
        F: Future<Output = T>,
    {
        let request = async {
            let answer = self.answer(user, ask, working).await;
            let code = answer.code();
            (deliver(answer).await, code)
        };
        traced(&self.metrics, self.adapter, endpoint, user, request).await
    }

    async fn answer<P: Photo>(
        &self,
        user: Option<u64>,
        ask: Ask<P>,
        working: impl Future<Output = ()>,
    ) -> Answer {
        if let Some(user) = user {
            if let Err(wait) = self.limiter.check(user) {
                return Answer::RateLimited(wait);
            }
        }
        // Each person gets their own selection for a mood, stable for the day (and so across
        // "More like this" pages); a local user gets the plain best-first ranking.
        let listener = user.map(Listener::today).unwrap_or(Listener::ANYONE);
        let lift = matches!(ask, Ask::Cheer(_));
        let result = match ask {
            Ask::Text(text) | Ask::Cheer(text) => {
                working.await;
                match self.engine.read_text(&text) {
                    Ok((emotion, cues)) => self
                        .page(&emotion, 0, lift, listener)
                        .await
                        .map(|rec| Recommendation { cues, ..rec }),
                    Err(e) => Err(e),
                }
            }
            Ask::More {
                emotion,
                offset,
                lift,
            } => {
                working.await;
                self.page(&emotion, offset, lift, listener).await
            }
            Ask::Photo(photo) => {
                let too_large = |bytes: u64| {
                    Answer::Refused(RecommendError::Photo(VisionError::TooLarge {
                        bytes: bytes as usize,
                        max: self.max_photo_bytes as usize,
                    }))
                };
                if !photo.is_image() {
                    return Answer::Refused(RecommendError::Photo(VisionError::NotAnImage));
                }
                if let Some(bytes) = photo
                    .announced_bytes()
                    .filter(|b| *b > self.max_photo_bytes)
                {
                    return too_large(bytes);
                }
                working.await;
                let bytes = match photo.download(self.max_photo_bytes).await {
                    Ok(bytes) => bytes,
                    Err(DownloadError::TooLarge(bytes)) => return too_large(bytes),
                    Err(DownloadError::Failed(why)) => {
                        tracing::warn!(adapter = self.adapter, error = %why, "photo download failed");
                        return Answer::DownloadFailed;
                    }
                };
                match self.engine.photo_mood(bytes).await {
                    Ok(mood) => self
                        .page(&mood.emotion, 0, false, listener)
                        .await
                        .map(|rec| Recommendation {
                            faces: mood.faces.len(),
                            ..rec
                        }),
                    Err(e) => Err(e),
                }
            }
        };
        match result {
            Ok(rec) => Answer::Songs(rec),
            Err(e) => Answer::Refused(e),
        }
    }

    /// One page of songs for `emotion`, matched or lifted, ranked for `listener`. The mood is
    /// first rounded as a button carries it, so the pages its buttons ask for later come from the
    /// very same ranking and never repeat a song.
    async fn page(
        &self,
        emotion: &Emotion,
        offset: usize,
        lift: bool,
        listener: Listener,
    ) -> Result<Recommendation, RecommendError> {
        let emotion = crate::paging::canonical(emotion);
        if lift {
            self.engine
                .cheer_up_for(&emotion, self.k, offset, listener)
                .await
        } else {
            self.engine
                .recommend_for(&emotion, self.k, offset, listener)
                .await
        }
    }
}
