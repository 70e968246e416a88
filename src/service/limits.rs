//! Per-key rate limits on trip writes: a token bucket per key, so that one runaway script cannot
//! monopolise the store. Limits are per process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use super::ServiceError;

/// Token buckets by key id.
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

    /// Takes one token for `key`, or says how many seconds until one is available (429).
    pub fn check(&self, key: &str) -> Result<(), ServiceError> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            refreshed: now,
        });
        let elapsed = now.duration_since(bucket.refreshed).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.refreshed = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait_s = ((1.0 - bucket.tokens) / self.per_second).ceil().max(1.0);
            Err(ServiceError::RateLimited {
                retry_after_s: wait_s as u64,
            })
        }
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
    fn zero_turns_limiting_off() {
        let limiter = RateLimiter::new(0.0, 1);
        for _ in 0..100 {
            limiter.check("key").unwrap();
        }
    }
}
