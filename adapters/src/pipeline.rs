//! The one way a request becomes an answer, for every platform: rate limit -> size checks ->
//! download -> engine -> outcome (span, log line, metrics) -> the adapter's renderer.
//!
//! An adapter parses its platform's event into an [`Ask`], hands it to [`Pipeline::run`] with a
//! closure that renders and sends an [`Answer`], and is done. A new platform writes its parser,
//! its renderer and a [`Photo`] for its attachments; it never copies another adapter's handler.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use moodtune_core::{
    Emotion, Engine, Forgotten, History, Listener, MoodSource, RecommendError, Recommendation,
    Taste, TrackInfo, UserKey, Verdict, VisionError,
};

use crate::messages::Lang;
use crate::metrics::Metrics;
use crate::outcome::traced;
use crate::ratelimit::RateLimiter;

/// Per-user request limit defaults shared by every chat adapter: 5 at once, then one every 6 s.
pub const DEFAULT_BURST: u32 = 5;
/// See [`DEFAULT_BURST`].
pub const DEFAULT_EVERY: Duration = Duration::from_secs(6);
/// Ratings and history pages a user may ask for at once, then one a second: a person rating a
/// list presses buttons faster than they ask for moods.
pub const MEMORY_BURST: u32 = 20;
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
            Answer::Refused(e) => Answer::code_of(e),
            Answer::RateLimited(_) => "rate_limited",
            Answer::DownloadFailed => "download_failed",
        }
    }

    fn code_of(e: &RecommendError) -> &'static str {
        if let RecommendError::Storage(e) = e {
            tracing::error!(error = %e, "storage failed");
        }
        e.code()
    }
}

/// Why a rating, a history page or a forgetting was not done.
#[derive(Debug)]
pub enum MemoryRefusal {
    /// The engine refused (memory off, an unknown song, the database down): the user reads
    /// `Messages::error`.
    Refused(RecommendError),
    /// Over the memory's own rate limit; allowed again after this long.
    RateLimited(Duration),
}

impl MemoryRefusal {
    /// What the user reads, in `lang`.
    pub fn note(&self, lang: Lang) -> String {
        let m = lang.messages();
        match self {
            MemoryRefusal::Refused(e) => m.error(e),
            MemoryRefusal::RateLimited(wait) => m.rate_limited(*wait),
        }
    }
}

/// The shared request pipeline of one adapter: the engine, the per-user limits, the metrics.
#[derive(Debug)]
pub struct Pipeline {
    engine: Arc<Engine>,
    limiter: RateLimiter,
    memory_limiter: RateLimiter,
    local_user: Option<u64>,
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
    /// Who a request without a user is, for the memory (the console's one local person); `None`
    /// remembers nothing for such requests.
    pub local_user: Option<u64>,
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
            local_user: None,
        }
    }
}

impl Pipeline {
    /// A pipeline on `engine`.
    pub fn new(engine: Arc<Engine>, opts: PipelineOptions) -> Pipeline {
        Pipeline {
            engine,
            limiter: RateLimiter::new(opts.burst, opts.every),
            memory_limiter: RateLimiter::new(
                if opts.burst == 0 { 0 } else { MEMORY_BURST },
                Duration::from_secs(1),
            ),
            local_user: opts.local_user,
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
        // "More like this" pages); a local user gets the plain best-first ranking. Both get what
        // their ratings taught (no history: the normal ranking).
        let listener = user.map(Listener::today).unwrap_or(Listener::ANYONE);
        let person = self.person(user);
        let taste = self.taste(person.as_ref()).await;
        let lift = matches!(ask, Ask::Cheer(_));
        let source = match (&ask, lift) {
            (Ask::Photo(_), _) => Some(MoodSource::Photo),
            (Ask::Text(_) | Ask::Cheer(_), true) => Some(MoodSource::Cheer),
            (Ask::Text(_) | Ask::Cheer(_), false) => Some(MoodSource::Text),
            (Ask::More { .. }, _) => None,
        };
        let result = match ask {
            Ask::Text(text) | Ask::Cheer(text) => {
                working.await;
                match self.engine.read_text(&text) {
                    Ok((emotion, cues)) => self
                        .page(&emotion, 0, lift, listener, &taste)
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
                self.page(&emotion, offset, lift, listener, &taste).await
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
                        .page(&mood.emotion, 0, false, listener, &taste)
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
            Ok(rec) => {
                if let (Some(person), Some(source)) = (&person, source) {
                    // A mood that cannot be remembered still gets its songs.
                    if let Err(e) = self
                        .engine
                        .remember_mood(person, &rec.emotion, source)
                        .await
                    {
                        tracing::warn!(adapter = self.adapter, error = %e, "mood not remembered");
                    }
                }
                Answer::Songs(rec)
            }
            Err(e) => Answer::Refused(e),
        }
    }

    /// The memory's key for a request's user (or the local person).
    fn person(&self, user: Option<u64>) -> Option<UserKey> {
        user.or(self.local_user)
            .map(|id| self.engine.user_key(self.adapter, id))
    }

    /// What a person's ratings say; the plain ranking when there is no person or the store
    /// cannot say (the songs matter more than the taste).
    async fn taste(&self, person: Option<&UserKey>) -> Taste {
        let Some(person) = person else {
            return Taste::default();
        };
        match self.engine.taste(person).await {
            Ok(taste) => taste,
            Err(e) => {
                tracing::warn!(adapter = self.adapter, error = %e, "taste unavailable");
                Taste::default()
            }
        }
    }

    /// Days the memory keeps a person's moods and ratings (0: nothing is kept).
    pub fn memory_days(&self) -> u32 {
        self.engine.config().memory_days
    }

    /// Runs one memory request for `user` inside its span, under the memory's own rate limit.
    async fn remembering<T>(
        &self,
        endpoint: &'static str,
        user: Option<u64>,
        work: impl AsyncFnOnce(UserKey) -> Result<T, RecommendError>,
    ) -> Result<T, MemoryRefusal> {
        let request = async {
            let result = match self.person(user) {
                None => Err(MemoryRefusal::Refused(RecommendError::MemoryOff)),
                Some(person) => match user.map(|u| self.memory_limiter.check(u)) {
                    Some(Err(wait)) => Err(MemoryRefusal::RateLimited(wait)),
                    _ => work(person).await.map_err(MemoryRefusal::Refused),
                },
            };
            let code = match &result {
                Ok(_) => "ok",
                Err(MemoryRefusal::RateLimited(_)) => "rate_limited",
                Err(MemoryRefusal::Refused(e)) => Answer::code_of(e),
            };
            (result, code)
        };
        traced(&self.metrics, self.adapter, endpoint, user, request).await
    }

    /// Records `user`'s 👍 or 👎 on a song and returns the song.
    pub async fn rate(
        &self,
        user: Option<u64>,
        track: i64,
        verdict: Verdict,
    ) -> Result<TrackInfo, MemoryRefusal> {
        self.remembering("rate", user, async |person| {
            self.engine.rate(&person, track, verdict).await
        })
        .await
    }

    /// Page `page` of `user`'s history.
    pub async fn history(&self, user: Option<u64>, page: usize) -> Result<History, MemoryRefusal> {
        self.remembering("history", user, async |person| {
            self.engine.history(&person, page).await
        })
        .await
    }

    /// Deletes everything remembered about `user`.
    pub async fn forget(&self, user: Option<u64>) -> Result<Forgotten, MemoryRefusal> {
        self.remembering("forget", user, async |person| {
            self.engine.forget(&person).await
        })
        .await
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
        taste: &Taste,
    ) -> Result<Recommendation, RecommendError> {
        let emotion = crate::paging::canonical(emotion);
        if lift {
            self.engine
                .cheer_up_tasted(&emotion, self.k, offset, listener, taste)
                .await
        } else {
            self.engine
                .recommend_tasted(&emotion, self.k, offset, listener, taste)
                .await
        }
    }
}
