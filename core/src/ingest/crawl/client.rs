//! The NeteaseCloudMusicApi HTTP client: one global rate cap, retries with backoff.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::ingest::crawl::wire::{decode_answer, AnswerError, MAX_ANSWER_BYTES};
use crate::ingest::crawl::{CrawlConfig, CrawlError, MAX_BACKOFF};

/// A NeteaseCloudMusicApi client with the rate cap and the retry policy.
pub(super) struct Api {
    base: String,
    http: reqwest::Client,
    interval: Option<Duration>,
    next_slot: tokio::sync::Mutex<Instant>,
    retries: u32,
    backoff: Duration,
    pub(super) requests: AtomicU64,
    pub(super) retried: AtomicU64,
}

impl Api {
    pub(super) fn new(cfg: &CrawlConfig) -> Result<Api, CrawlError> {
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
    pub(super) async fn get<T: DeserializeOwned>(
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
        let mut body = Vec::new();
        let mut resp = resp;
        while let Some(chunk) = resp.chunk().await.map_err(|source| CrawlError::Http {
            url: shown(),
            source,
        })? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(CrawlError::TooLarge {
                    url: shown(),
                    max: MAX_ANSWER_BYTES,
                });
            }
            body.extend_from_slice(&chunk);
        }
        decode_answer(&body).map_err(|e| match e {
            AnswerError::NotJson(snippet) => CrawlError::NotJson {
                url: shown(),
                snippet,
            },
            AnswerError::Api(code, message) => CrawlError::Api {
                url: shown(),
                code,
                message,
            },
            AnswerError::Shape(source) => CrawlError::Shape {
                url: shown(),
                source,
            },
        })
    }
}
