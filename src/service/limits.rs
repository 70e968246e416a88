//! Rate limits: a token bucket per key (an organization key's id for trip writes, a client's
//! address for anonymous estimates and failed authentications). Limits are per process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use super::ServiceError;

/// Buckets kept before full ones are dropped: many clients cannot grow the map without bound.
const MAX_BUCKETS: usize = 100_000;

/// Token buckets by key.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    refreshed: Instant,
}

impl RateLimiter {
    /// `per_second` requests a second on average, up to `burst` at once; 0 turns limiting off.
    pub fn new(per_second: f64, burst: u32) -> Self {
        Self {
            per_second,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether limiting is on.
    pub fn is_on(&self) -> bool {
        self.per_second > 0.0
    }

    /// Takes one token for `key`, or says how many seconds until one is available (429).
    pub fn check(&self, key: &str) -> Result<(), ServiceError> {
        self.with_bucket(key, |bucket| {
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                true
            } else {
                false
            }
        })
    }

    /// 429 when `key` has no token left, without taking one (a failure takes one later).
    pub fn ensure_available(&self, key: &str) -> Result<(), ServiceError> {
        self.with_bucket(key, |bucket| bucket.tokens >= 1.0)
    }

    /// Refills `key`'s bucket, lets `take` decide, and answers 429 with the wait when it refuses.
    fn with_bucket(
        &self,
        key: &str,
        take: impl FnOnce(&mut Bucket) -> bool,
    ) -> Result<(), ServiceError> {
        if !self.is_on() {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            self.drop_full(&mut buckets, now);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            refreshed: now,
        });
        let elapsed = now.duration_since(bucket.refreshed).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.refreshed = now;
        if take(bucket) {
            Ok(())
        } else {
            let wait_s = ((1.0 - bucket.tokens) / self.per_second).ceil().max(1.0);
            Err(ServiceError::RateLimited {
                retry_after_s: wait_s as u64,
            })
        }
    }

    /// Forgets the buckets that would be full by now: they limit nothing.
    fn drop_full(&self, buckets: &mut HashMap<String, Bucket>, now: Instant) {
        let (per_second, burst) = (self.per_second, self.burst);
        buckets.retain(|_, b| {
            b.tokens + now.duration_since(b.refreshed).as_secs_f64() * per_second < burst
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_writes_wait() {
        let limiter = RateLimiter::new(1.0, 3);
        for _ in 0..3 {
            limiter.check("key_a").unwrap();
        }
        match limiter.check("key_a") {
            Err(ServiceError::RateLimited { retry_after_s }) => assert_eq!(retry_after_s, 1),
            other => panic!("expected a 429, got {other:?}"),
        }
        limiter
            .check("key_b")
            .expect("keys have buckets of their own");
    }

    #[test]
    fn a_check_without_taking_refuses_only_an_empty_bucket() {
        let limiter = RateLimiter::new(0.001, 2);
        limiter.ensure_available("ip").unwrap();
        limiter.check("ip").unwrap();
        limiter.check("ip").unwrap();
        assert!(limiter.ensure_available("ip").is_err());
        limiter.ensure_available("other").unwrap();
    }

    #[test]
    fn zero_turns_limiting_off() {
        let limiter = RateLimiter::new(0.0, 1);
        for _ in 0..100 {
            limiter.check("key").unwrap();
        }
    }
}
