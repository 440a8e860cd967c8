//! Rate limits: the `x-ratelimit-*` headers on every answer and, when asked
//! for, an enforced limit with two token buckets (requests and tokens) like
//! the real API's: each holds up to `limit × window / 60 s`, refills
//! continuously at `limit / 60` per second, and starts full.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Limits reported when none is enforced.
pub const DEFAULT_RPM: u64 = 10_000;
pub const DEFAULT_TPM: u64 = 30_000_000;

/// An enforced limit: per minute rates and the bucket size as a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub rpm: u64,
    pub tpm: u64,
    pub window: Duration,
}

impl Limits {
    fn caps(&self) -> (f64, f64) {
        let w = self.window.as_secs_f64() / 60.0;
        (
            (self.rpm as f64 * w).max(1.0),
            (self.tpm as f64 * w).max(1.0),
        )
    }
}

/// What one answer says about the limits.
#[derive(Clone, Debug, PartialEq)]
pub struct RateHeaders {
    pub limit_requests: u64,
    pub limit_tokens: u64,
    pub remaining_requests: u64,
    pub remaining_tokens: u64,
    pub reset_requests: Duration,
    pub reset_tokens: Duration,
}

impl RateHeaders {
    /// Headers for an unenforced request that costs `tokens`: a full bucket
    /// minus this request.
    pub fn unlimited(tokens: u64) -> RateHeaders {
        RateHeaders {
            limit_requests: DEFAULT_RPM,
            limit_tokens: DEFAULT_TPM,
            remaining_requests: DEFAULT_RPM - 1,
            remaining_tokens: DEFAULT_TPM.saturating_sub(tokens),
            reset_requests: Duration::from_secs_f64(60.0 / DEFAULT_RPM as f64),
            reset_tokens: Duration::from_secs_f64(60.0 * tokens as f64 / DEFAULT_TPM as f64),
        }
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        let mut s = String::with_capacity(300);
        let _ = write!(
            s,
            "x-ratelimit-limit-requests: {}\r\nx-ratelimit-limit-tokens: {}\r\nx-ratelimit-remaining-requests: {}\r\nx-ratelimit-remaining-tokens: {}\r\nx-ratelimit-reset-requests: {}\r\nx-ratelimit-reset-tokens: {}\r\n",
            self.limit_requests,
            self.limit_tokens,
            self.remaining_requests,
            self.remaining_tokens,
            go_duration(self.reset_requests),
            go_duration(self.reset_tokens),
        );
        out.extend_from_slice(s.as_bytes());
    }
}

/// Go's `time.Duration` text as the API prints it: `20ms`, `1s`, `8.64s`,
/// `6m0s`, `1h2m3s`. Below a second, whole milliseconds rounded up (a wait
/// that is not over never reads `0s`).
pub fn go_duration(d: Duration) -> String {
    if d.is_zero() {
        return "0s".into();
    }
    if d < Duration::from_secs(1) {
        let ms = (d.as_nanos() as u64).div_ceil(1_000_000);
        return if ms >= 1000 {
            "1s".into()
        } else {
            format!("{ms}ms")
        };
    }
    // Milliseconds rounded up, then h/m/s with up to 3 decimals.
    let total_ms = (d.as_nanos() as u64).div_ceil(1_000_000);
    let h = total_ms / 3_600_000;
    let m = total_ms / 60_000 % 60;
    let ms = total_ms % 60_000;
    let mut secs = format!("{}.{:03}", ms / 1000, ms % 1000);
    while secs.ends_with('0') {
        secs.pop();
    }
    if secs.ends_with('.') {
        secs.pop();
    }
    match (h, m) {
        (0, 0) => format!("{secs}s"),
        (0, m) => format!("{m}m{secs}s"),
        (h, m) => format!("{h}h{m}m{secs}s"),
    }
}

/// The outcome of charging one request.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub headers: RateHeaders,
    /// `Some((wait, which))` when refused: `which` is "requests" or "tokens".
    pub refused: Option<(Duration, &'static str)>,
}

struct Bucket {
    requests: f64,
    tokens: f64,
    at: Instant,
}

/// The buckets, by key (one global key for the command-line limit, one per
/// test id and limit for `x-mock-fault: rpm=..`).
#[derive(Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Bucket>> {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Charges one request of `tokens` tokens (capped at the bucket size, so
    /// a request bigger than the bucket can still pass when it is full).
    pub fn charge(&self, key: &str, limits: Limits, tokens: u64, now: Instant) -> Decision {
        let (cap_r, cap_t) = limits.caps();
        let rate_r = limits.rpm as f64 / 60.0;
        let rate_t = limits.tpm as f64 / 60.0;
        let mut map = self.lock();
        if map.len() > 10_000 {
            map.clear();
        }
        let b = map.entry(key.to_owned()).or_insert(Bucket {
            requests: cap_r,
            tokens: cap_t,
            at: now,
        });
        let dt = now.saturating_duration_since(b.at).as_secs_f64();
        b.at = b.at.max(now);
        b.requests = (b.requests + dt * rate_r).min(cap_r);
        b.tokens = (b.tokens + dt * rate_t).min(cap_t);
        let cost = (tokens as f64).min(cap_t);
        let wait = |level: f64, need: f64, rate: f64| {
            if level >= need || rate <= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64((need - level) / rate)
            }
        };
        let wait_r = wait(b.requests, 1.0, rate_r);
        let wait_t = wait(b.tokens, cost, rate_t);
        let refused = if !wait_r.is_zero() {
            Some((wait_r.max(wait_t), "requests"))
        } else if !wait_t.is_zero() {
            Some((wait_t, "tokens"))
        } else {
            b.requests -= 1.0;
            b.tokens -= cost;
            None
        };
        let reset = |level: f64, cap: f64, rate: f64| {
            if rate <= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(((cap - level) / rate).max(0.0))
            }
        };
        Decision {
            headers: RateHeaders {
                limit_requests: limits.rpm,
                limit_tokens: limits.tpm,
                remaining_requests: b.requests.max(0.0).floor() as u64,
                remaining_tokens: b.tokens.max(0.0).floor() as u64,
                reset_requests: reset(b.requests, cap_r, rate_r),
                reset_tokens: reset(b.tokens, cap_t, rate_t),
            },
            refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_go() {
        let ms = Duration::from_millis;
        assert_eq!(go_duration(Duration::ZERO), "0s");
        assert_eq!(go_duration(ms(20)), "20ms");
        assert_eq!(go_duration(Duration::from_micros(200)), "1ms");
        assert_eq!(go_duration(ms(1000)), "1s");
        assert_eq!(go_duration(ms(8640)), "8.64s");
        assert_eq!(go_duration(ms(360_000)), "6m0s");
        assert_eq!(go_duration(ms(3_723_000)), "1h2m3s");
        assert_eq!(go_duration(ms(61_500)), "1m1.5s");
    }

    #[test]
    fn bucket_refuses_a_burst_and_refills() {
        let l = Limiter::default();
        let limits = Limits {
            rpm: 60,
            tpm: 1_000_000,
            window: Duration::from_secs(5),
        };
        let t0 = Instant::now();
        // 5 requests fit in a 5 s window at 1/s.
        for i in 0..5 {
            let d = l.charge("k", limits, 10, t0);
            assert_eq!(d.refused, None, "request {i}");
            assert_eq!(d.headers.remaining_requests, 4 - i);
        }
        let d = l.charge("k", limits, 10, t0);
        let (wait, which) = d.refused.unwrap();
        assert_eq!(which, "requests");
        assert!((wait.as_secs_f64() - 1.0).abs() < 1e-6);
        assert_eq!(d.headers.reset_requests, Duration::from_secs(5));
        // Half a second later: still refused, half the wait.
        let d = l.charge("k", limits, 10, t0 + Duration::from_millis(500));
        assert!((d.refused.unwrap().0.as_secs_f64() - 0.5).abs() < 1e-6);
        let d = l.charge("k", limits, 10, t0 + Duration::from_secs(1));
        assert_eq!(d.refused, None);
        // Another key has its own bucket.
        assert_eq!(l.charge("other", limits, 10, t0).refused, None);
    }

    #[test]
    fn token_bucket() {
        let l = Limiter::default();
        let limits = Limits {
            rpm: 1_000,
            tpm: 600,
            window: Duration::from_secs(60),
        };
        let t0 = Instant::now();
        assert_eq!(l.charge("t", limits, 500, t0).refused, None);
        let d = l.charge("t", limits, 200, t0);
        let (wait, which) = d.refused.unwrap();
        assert_eq!(which, "tokens");
        assert!((wait.as_secs_f64() - 10.0).abs() < 1e-6);
        assert_eq!(d.headers.remaining_tokens, 100);
        assert_eq!(go_duration(d.headers.reset_tokens), "50s");
    }
}
