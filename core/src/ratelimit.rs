//! The `x-ratelimit-*` headers every API answer carries, parsed.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// What the server said about the caller's rate limits on one answer. Each field is `None` when
/// its header is absent or unreadable (compatible servers often send none of them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RateLimits {
    /// `x-ratelimit-limit-requests`: requests allowed per window.
    pub limit_requests: Option<u64>,
    /// `x-ratelimit-limit-tokens`: tokens allowed per window.
    pub limit_tokens: Option<u64>,
    /// `x-ratelimit-remaining-requests`.
    pub remaining_requests: Option<u64>,
    /// `x-ratelimit-remaining-tokens`.
    pub remaining_tokens: Option<u64>,
    /// `x-ratelimit-reset-requests`: until the request budget is full again.
    pub reset_requests: Option<Duration>,
    /// `x-ratelimit-reset-tokens`: until the token budget is full again.
    pub reset_tokens: Option<Duration>,
}

impl RateLimits {
    /// Reads the six headers.
    pub fn from_headers(h: &HeaderMap) -> RateLimits {
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok());
        let num = |name: &str| get(name).and_then(|v| v.trim().parse::<u64>().ok());
        let dur = |name: &str| get(name).and_then(parse_duration);
        RateLimits {
            limit_requests: num("x-ratelimit-limit-requests"),
            limit_tokens: num("x-ratelimit-limit-tokens"),
            remaining_requests: num("x-ratelimit-remaining-requests"),
            remaining_tokens: num("x-ratelimit-remaining-tokens"),
            reset_requests: dur("x-ratelimit-reset-requests"),
            reset_tokens: dur("x-ratelimit-reset-tokens"),
        }
    }

    /// True when no header was present.
    pub fn is_empty(&self) -> bool {
        *self == RateLimits::default()
    }
}

/// Parses the API's durations: Go's `time.Duration` text (`6m0s`, `1.5s`, `20ms`, `1h2m3s`,
/// `500us`, `0s`) and a bare number of seconds. `None` for anything else, for a negative or
/// non-finite value, and for more than a year (no real reset is that far; such a value is junk).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(secs) = s.parse::<f64>() {
        return secs_to_duration(secs);
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 {
            return None;
        }
        let value: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" | "μs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += value * scale;
    }
    secs_to_duration(total)
}

fn secs_to_duration(secs: f64) -> Option<Duration> {
    const YEAR: f64 = 365.0 * 24.0 * 3600.0;
    if !secs.is_finite() || !(0.0..=YEAR).contains(&secs) {
        return None;
    }
    Some(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ms = |n: u64| Some(Duration::from_millis(n));
        assert_eq!(parse_duration("6m0s"), ms(360_000));
        assert_eq!(parse_duration("1s"), ms(1000));
        assert_eq!(parse_duration("20ms"), ms(20));
        assert_eq!(parse_duration("1h2m3.5s"), ms(3_723_500));
        assert_eq!(parse_duration("0s"), ms(0));
        assert_eq!(parse_duration("1.5"), ms(1500));
        assert_eq!(parse_duration("500us"), Some(Duration::from_micros(500)));
        for bad in [
            "", "s", "5x", "-1s", "1e400", "NaN", "5 s", "9999999h", "1..2s", "m5",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn headers() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit-requests", "60".parse().unwrap());
        h.insert("x-ratelimit-remaining-tokens", "149984".parse().unwrap());
        h.insert("x-ratelimit-reset-tokens", "6m0s".parse().unwrap());
        h.insert("x-ratelimit-reset-requests", "garbage".parse().unwrap());
        let r = RateLimits::from_headers(&h);
        assert_eq!(r.limit_requests, Some(60));
        assert_eq!(r.remaining_tokens, Some(149_984));
        assert_eq!(r.reset_tokens, Some(Duration::from_secs(360)));
        assert_eq!(r.reset_requests, None);
        assert!(RateLimits::from_headers(&HeaderMap::new()).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = parse_duration(&s);
        }
    }
}
