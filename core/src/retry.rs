//! TEMP STUB
#![allow(missing_docs, dead_code)]
use std::time::{Duration, SystemTime};
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RetryAfter {
    Delay(Duration),
    TooLong(Duration),
    Unspecified,
}
pub fn backoff_delay(n: u32, r: f64) -> Duration {
    Duration::from_secs_f64((0.5 * 2f64.powi(n.min(10) as i32)).min(8.0) * (1.0 - 0.25 * r))
}
pub fn jitter() -> f64 {
    0.5
}
pub fn parse_retry_after(ms: Option<&str>, s: Option<&str>, _now: SystemTime) -> RetryAfter {
    if let Some(v) = ms.and_then(|v| v.parse::<f64>().ok()) {
        if v > 0.0 {
            return RetryAfter::Delay(Duration::from_secs_f64(v / 1000.0));
        }
    }
    if let Some(v) = s.and_then(|v| v.parse::<f64>().ok()) {
        if v > 120.0 {
            return RetryAfter::TooLong(Duration::from_secs_f64(v));
        }
        if v > 0.0 {
            return RetryAfter::Delay(Duration::from_secs_f64(v));
        }
    }
    RetryAfter::Unspecified
}
pub fn status_is_retryable(s: u16) -> bool {
    matches!(s, 408 | 409 | 429) || s >= 500
}
pub fn should_retry_header(v: Option<&str>) -> Option<bool> {
    match v {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}
