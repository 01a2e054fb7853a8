//! Per-user request limits shared by the chat adapters: a token bucket per user id.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Allows `burst` requests at once, refilled at one request per `every`.
#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    every: Duration,
    buckets: Mutex<HashMap<u64, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter; `burst` of 0 disables limiting.
    pub fn new(burst: u32, every: Duration) -> RateLimiter {
        RateLimiter {
            burst: burst as f64,
            every,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request for `user`: `Ok` or `Err(wait)` with how long until the next is allowed.
    pub fn check(&self, user: u64) -> Result<(), Duration> {
        self.check_at(user, Instant::now())
    }

    fn check_at(&self, user: u64, now: Instant) -> Result<(), Duration> {
        if self.burst <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            // Forget users whose buckets are full again, so the map cannot grow without bound.
            let full = self.every.mul_f64(self.burst);
            buckets.retain(|_, (_, t)| now.duration_since(*t) < full);
        }
        let (tokens, last) = buckets.entry(user).or_insert((self.burst, now));
        let refill = now.duration_since(*last).as_secs_f64() / self.every.as_secs_f64().max(1e-9);
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(self.every.mul_f64(1.0 - *tokens))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_per_user() {
        let rl = RateLimiter::new(2, Duration::from_secs(10));
        let t0 = Instant::now();
        assert!(rl.check_at(1, t0).is_ok());
        assert!(rl.check_at(1, t0).is_ok());
        let wait = rl.check_at(1, t0).unwrap_err();
        assert!(
            wait <= Duration::from_secs(10) && wait > Duration::from_secs(9),
            "{wait:?}"
        );
        assert!(
            rl.check_at(2, t0).is_ok(),
            "another user has their own bucket"
        );
        assert!(rl.check_at(1, t0 + Duration::from_secs(10)).is_ok());
        assert!(RateLimiter::new(0, Duration::from_secs(1))
            .check_at(1, t0)
            .is_ok());
    }
}
