//! The retry policy as pure functions, matching openai-python's `_base_client.py`.
//!
//! Keeping the decisions (which statuses retry, how long to wait, what a `retry-after` header
//! means) free of I/O and clocks makes them testable against the reference client's own test
//! table; the request loop only sleeps and counts.

use std::cell::Cell;
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest server-requested delay we are willing to sleep. A longer `retry-after` means the
/// server wants us gone for a while: failing fast and exposing the value lets the caller decide,
/// instead of hanging a request for minutes.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// openai-python's `INITIAL_RETRY_DELAY` (0.5 s); doubled per retry up to `MAX_BACKOFF`.
const INITIAL_BACKOFF: Duration = Duration::from_millis(500);
/// openai-python's `MAX_RETRY_DELAY` (8 s).
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// The un-jittered exponential backoff before retry number `retries_taken + 1`:
/// `min(0.5 s * 2^retries_taken, 8 s)`, so waits grow quickly but never stall a request for long.
/// Saturates instead of overflowing for any `retries_taken`.
pub fn backoff_base(retries_taken: u32) -> Duration {
    // 0.5 s << 4 is already the 8 s cap, so larger shifts are never needed.
    let doubled = INITIAL_BACKOFF.saturating_mul(1 << retries_taken.min(4));
    doubled.min(MAX_BACKOFF)
}

/// The backoff with openai-python's jitter, `base * (1 - 0.25 * unit_random)`, so clients that
/// failed together do not retry in lockstep. Always within `[0.75 * base, base]`.
///
/// `unit_random` should be in `[0, 1)` (see [`jitter`]); anything else is clamped into `[0, 1]`
/// (NaN counts as 0) so a bad random source can never produce a panic or an unbounded wait.
pub fn backoff_delay(retries_taken: u32, unit_random: f64) -> Duration {
    let r = if unit_random.is_nan() {
        0.0
    } else {
        unit_random.clamp(0.0, 1.0)
    };
    backoff_base(retries_taken).mul_f64(1.0 - 0.25 * r)
}

thread_local! {
    static JITTER_STATE: Cell<u64> = Cell::new(jitter_seed());
}

/// Seeds each thread differently (time, thread id, and std's per-thread random hasher keys), so
/// concurrent clients do not draw the same jitter sequence.
fn jitter_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = RandomState::new().hash_one((nanos, std::thread::current().id()));
    // Xorshift must not start at zero (it would stay there).
    if seed == 0 {
        0x9E37_79B9_7F4A_7C15
    } else {
        seed
    }
}

/// A uniform `f64` in `[0, 1)` for [`backoff_delay`]. Jitter needs spread, not cryptographic
/// quality, so a thread-local xorshift64 avoids a dependency on `rand` and any locking.
pub fn jitter() -> f64 {
    JITTER_STATE.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        // The top 53 bits fill an f64 mantissa exactly: k / 2^53 is in [0, 1).
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// What the server asked for with `retry-after-ms` / `retry-after`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RetryAfter {
    /// `0 < d <= 120 s`: honour the server's request and wait exactly this long.
    Delay(Duration),
    /// `d > 120 s`: do not retry; the value is put on the error so the caller can reschedule.
    /// A finite value too large for a `Duration` is reported as `Duration::MAX`.
    TooLong(Duration),
    /// Absent, unparsable, zero, negative, NaN, infinite, or an HTTP-date not in the future:
    /// the server gave no usable hint, so the computed backoff applies.
    Unspecified,
}

/// Interprets the rate-limit headers the way openai-python does, except that a value above
/// [`MAX_RETRY_AFTER`] becomes [`RetryAfter::TooLong`] instead of silently falling back to the
/// short backoff (which would just hit the limit again).
///
/// Order: `retry-after-ms` as float milliseconds; if it parses as a number at all it decides,
/// even when the number is unusable (like openai-python, an unusable value then means
/// `Unspecified` rather than consulting `retry-after`). Otherwise `retry-after` as float seconds,
/// then as an HTTP-date relative to `now`. Surrounding whitespace is ignored.
pub fn parse_retry_after(
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    now: SystemTime,
) -> RetryAfter {
    if let Some(ms) = retry_after_ms.and_then(parse_float) {
        return classify_seconds(ms / 1000.0);
    }
    let Some(value) = retry_after.map(str::trim) else {
        return RetryAfter::Unspecified;
    };
    if let Some(seconds) = parse_float(value) {
        return classify_seconds(seconds);
    }
    match httpdate::parse_http_date(value) {
        // A date in the past (Err) or exactly now (zero) gives no delay: use the backoff.
        Ok(when) => match when.duration_since(now) {
            Ok(delay) => classify(delay),
            Err(_) => RetryAfter::Unspecified,
        },
        Err(_) => RetryAfter::Unspecified,
    }
}

/// Python's `float()`, close enough for headers: decimal, exponent, `inf`, `nan`.
fn parse_float(value: &str) -> Option<f64> {
    value.trim().parse::<f64>().ok()
}

fn classify_seconds(seconds: f64) -> RetryAfter {
    if !seconds.is_finite() || seconds <= 0.0 {
        return RetryAfter::Unspecified; // also NaN: `seconds <= 0.0` is false but !finite
    }
    if seconds > MAX_RETRY_AFTER.as_secs_f64() {
        // `try_from` rather than `from_secs_f64`, which panics past u64::MAX seconds.
        return RetryAfter::TooLong(Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX));
    }
    match Duration::try_from_secs_f64(seconds) {
        Ok(delay) => classify(delay),
        Err(_) => RetryAfter::Unspecified,
    }
}

fn classify(delay: Duration) -> RetryAfter {
    if delay.is_zero() {
        RetryAfter::Unspecified
    } else if delay > MAX_RETRY_AFTER {
        RetryAfter::TooLong(delay)
    } else {
        RetryAfter::Delay(delay)
    }
}

/// Statuses worth retrying when the server sends no `x-should-retry`: request timeout (408),
/// lock conflict (409), rate limit (429) and every server error (>= 500), as openai-python.
pub fn status_is_retryable(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// The server's explicit override, `x-should-retry`, which wins over the status code. Only the
/// exact values `"true"` and `"false"` count (as in openai-python); anything else is no opinion.
pub fn should_retry_header(value: Option<&str>) -> Option<bool> {
    match value {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// openai-python's mocked `time.time()`: Fri, 29 Sep 2023 16:26:37 GMT.
    fn python_now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_696_004_797)
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// openai-python `test_parse_retry_after_header`. Its expected values combine the header with
    /// the backoff for `remaining_retries = 3 of 3` (0.5 s); where it expects that backoff we
    /// expect `Unspecified`, and values above 120 s (which it does not retry) are `TooLong`.
    #[test]
    fn openai_python_retry_after_table() {
        use RetryAfter::{Delay, TooLong, Unspecified};
        let cases: &[(&str, RetryAfter)] = &[
            ("20", Delay(secs(20.0))),
            ("0", Unspecified),
            ("-10", Unspecified),
            ("60", Delay(secs(60.0))),
            ("61", Delay(secs(61.0))),
            ("120", Delay(secs(120.0))),
            ("121", TooLong(secs(121.0))),
            ("Fri, 29 Sep 2023 16:26:57 GMT", Delay(secs(20.0))),
            ("Fri, 29 Sep 2023 16:26:37 GMT", Unspecified),
            ("Fri, 29 Sep 2023 16:26:27 GMT", Unspecified),
            ("Fri, 29 Sep 2023 16:27:37 GMT", Delay(secs(60.0))),
            ("Fri, 29 Sep 2023 16:27:38 GMT", Delay(secs(61.0))),
            ("Fri, 29 Sep 2023 16:28:37 GMT", Delay(secs(120.0))),
            ("Fri, 29 Sep 2023 16:28:38 GMT", TooLong(secs(121.0))),
            (
                "99999999999999999999999999999999999",
                TooLong(Duration::MAX),
            ),
            ("inf", Unspecified),
            ("nan", Unspecified),
            ("Zun, 29 Sep 2023 16:26:27 GMT", Unspecified),
            ("Fri, 29 Sep 100000 16:26:57 GMT", Unspecified),
            ("", Unspecified),
        ];
        for (header, expected) in cases {
            assert_eq!(
                parse_retry_after(None, Some(header), python_now()),
                *expected,
                "retry-after: {header:?}"
            );
        }
    }

    /// openai-python `test_retry_after_max_delay`: retried iff the value is at most 120 s.
    #[test]
    fn openai_python_max_delay_table() {
        let now = python_now();
        let retried = |r: RetryAfter| matches!(r, RetryAfter::Delay(_));
        assert!(retried(parse_retry_after(None, Some("120"), now)));
        assert!(!retried(parse_retry_after(None, Some("121"), now)));
        assert!(retried(parse_retry_after(Some("120000"), None, now)));
        assert_eq!(
            parse_retry_after(Some("120001"), None, now),
            RetryAfter::TooLong(Duration::from_millis(120_001))
        );
        assert!(retried(parse_retry_after(
            None,
            Some("Fri, 29 Sep 2023 16:28:37 GMT"),
            now
        )));
        assert!(!retried(parse_retry_after(
            None,
            Some("Fri, 29 Sep 2023 16:28:38 GMT"),
            now
        )));
    }

    #[test]
    fn retry_after_ms_takes_precedence() {
        let now = python_now();
        assert_eq!(
            parse_retry_after(Some("1500"), Some("30"), now),
            RetryAfter::Delay(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after(Some("0.5"), None, now),
            RetryAfter::Delay(Duration::from_micros(500))
        );
        // Unparsable: fall through to retry-after.
        assert_eq!(
            parse_retry_after(Some("soon"), Some("30"), now),
            RetryAfter::Delay(secs(30.0))
        );
        assert_eq!(
            parse_retry_after(Some(""), Some("30"), now),
            RetryAfter::Delay(secs(30.0))
        );
        // Parsable but unusable: like openai-python, the backoff applies (no fall-through).
        for ms in ["0", "-5", "nan", "inf", "1e400"] {
            assert_eq!(
                parse_retry_after(Some(ms), Some("30"), now),
                RetryAfter::Unspecified,
                "{ms}"
            );
        }
    }

    #[test]
    fn retry_after_edge_values() {
        let now = python_now();
        let p = |v: &str| parse_retry_after(None, Some(v), now);
        assert_eq!(p(" 20 "), RetryAfter::Delay(secs(20.0)));
        assert_eq!(p("1.5"), RetryAfter::Delay(Duration::from_millis(1500)));
        assert_eq!(p("1e1"), RetryAfter::Delay(secs(10.0)));
        assert_eq!(p("120.0000001"), RetryAfter::TooLong(secs(120.0000001)));
        assert_eq!(p("-0"), RetryAfter::Unspecified);
        assert_eq!(p("-inf"), RetryAfter::Unspecified);
        assert_eq!(p("NaN"), RetryAfter::Unspecified);
        assert_eq!(p("1e-300"), RetryAfter::Unspecified); // rounds to a zero Duration
        assert_eq!(p("1e300"), RetryAfter::TooLong(Duration::MAX));
        assert_eq!(p("0x10"), RetryAfter::Unspecified);
        assert_eq!(p("twenty"), RetryAfter::Unspecified);
        assert_eq!(parse_retry_after(None, None, now), RetryAfter::Unspecified);
        // RFC 850 and asctime dates are valid HTTP-dates too.
        assert_eq!(
            p("Friday, 29-Sep-23 16:26:57 GMT"),
            RetryAfter::Delay(secs(20.0))
        );
        assert_eq!(p("Fri Sep 29 16:26:57 2023"), RetryAfter::Delay(secs(20.0)));
        // A clock with sub-second precision gives a sub-second remainder.
        let later = python_now() + Duration::from_millis(250);
        assert_eq!(
            parse_retry_after(None, Some("Fri, 29 Sep 2023 16:26:57 GMT"), later),
            RetryAfter::Delay(Duration::from_millis(19_750))
        );
        // Far-future dates are TooLong, not a panic.
        assert!(matches!(
            p("Fri, 31 Dec 9999 23:59:59 GMT"),
            RetryAfter::TooLong(_)
        ));
    }

    #[test]
    fn backoff_base_sequence() {
        let expected = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0];
        for (n, want) in expected.iter().enumerate() {
            assert_eq!(backoff_base(n as u32), secs(*want), "n = {n}");
        }
        assert_eq!(backoff_base(1100), secs(8.0));
        assert_eq!(backoff_base(u32::MAX), secs(8.0));
    }

    #[test]
    fn backoff_delay_formula() {
        assert_eq!(backoff_delay(0, 0.0), secs(0.5));
        assert_eq!(backoff_delay(3, 0.5), secs(4.0 * 0.875));
        assert_eq!(
            backoff_delay(10, 0.999_999),
            secs(8.0 * (1.0 - 0.25 * 0.999_999))
        );
        // Out-of-contract inputs are clamped, never a panic.
        assert_eq!(backoff_delay(0, f64::NAN), secs(0.5));
        assert_eq!(backoff_delay(0, -3.0), secs(0.5));
        assert_eq!(backoff_delay(0, 7.0), secs(0.375));
        assert_eq!(backoff_delay(0, f64::INFINITY), secs(0.375));
    }

    #[test]
    fn jittered_delays_are_bounded_and_centred() {
        for n in 0..8 {
            let base = backoff_base(n);
            let samples = 10_000;
            let mut total = Duration::ZERO;
            for _ in 0..samples {
                let d = backoff_delay(n, jitter());
                assert!(d >= base.mul_f64(0.75) && d <= base, "n = {n}: {d:?}");
                total += d;
            }
            let mean = total.as_secs_f64() / f64::from(samples);
            let centre = 0.875 * base.as_secs_f64();
            assert!(
                (mean - centre).abs() <= 0.01 * centre,
                "n = {n}: mean {mean} vs {centre}"
            );
        }
    }

    #[test]
    fn jitter_is_in_unit_interval_and_varies() {
        let draws: Vec<f64> = (0..1000).map(|_| jitter()).collect();
        assert!(draws.iter().all(|r| (0.0..1.0).contains(r)));
        let distinct: std::collections::HashSet<u64> = draws.iter().map(|r| r.to_bits()).collect();
        assert!(distinct.len() > 990);
        // Another thread gets its own sequence.
        let other = std::thread::spawn(|| (0..4).map(|_| jitter()).collect::<Vec<_>>())
            .join()
            .expect("thread ran");
        assert_ne!(other, draws[..4]);
    }

    #[test]
    fn retryable_statuses() {
        for s in [
            408,
            409,
            429,
            500,
            502,
            503,
            504,
            529,
            599,
            600,
            999,
            u16::MAX,
        ] {
            assert!(status_is_retryable(s), "{s}");
        }
        for s in [
            0, 100, 200, 204, 301, 400, 401, 403, 404, 405, 410, 422, 428, 430, 499,
        ] {
            assert!(!status_is_retryable(s), "{s}");
        }
    }

    #[test]
    fn should_retry_header_values() {
        assert_eq!(should_retry_header(Some("true")), Some(true));
        assert_eq!(should_retry_header(Some("false")), Some(false));
        for v in ["TRUE", "True", " true", "1", "yes", ""] {
            assert_eq!(should_retry_header(Some(v)), None, "{v:?}");
        }
        assert_eq!(should_retry_header(None), None);
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn check_invariants(r: RetryAfter) -> Result<(), TestCaseError> {
        match r {
            RetryAfter::Delay(d) => {
                prop_assert!(!d.is_zero() && d <= MAX_RETRY_AFTER, "{d:?}");
            }
            RetryAfter::TooLong(d) => prop_assert!(d > MAX_RETRY_AFTER, "{d:?}"),
            RetryAfter::Unspecified => {}
        }
        Ok(())
    }

    /// Header-like strings: numbers in many shapes, dates, and arbitrary text.
    fn header() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ ]?[-+]?[0-9]{0,40}(\\.[0-9]{0,12})?([eE][-+]?[0-9]{1,4})?[ ]?",
            "(inf|nan|infinity|-inf|NaN|1_000|0x1F)",
            any::<f64>().prop_map(|f| f.to_string()),
            (0u64..253_402_300_000)
                .prop_map(|s| { httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(s)) }),
            "(Mon|Tue|Zun), [0-9]{1,3} (Jan|Sep|Foo) [0-9]{1,6} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn parse_retry_after_never_panics_and_bounds_delay(
            ms in proptest::option::of(header()),
            value in proptest::option::of(header()),
            now_secs in 0u64..300_000_000_000,
            now_nanos in 0u32..1_000_000_000,
        ) {
            let now = UNIX_EPOCH + Duration::new(now_secs, now_nanos);
            check_invariants(parse_retry_after(ms.as_deref(), value.as_deref(), now))?;
            check_invariants(parse_retry_after(None, value.as_deref(), now))?;
        }

        #[test]
        fn http_dates_map_to_their_distance_from_now(
            now_secs in 0u64..200_000_000_000,
            offset in -1000i64..1000,
        ) {
            let now = UNIX_EPOCH + Duration::from_secs(now_secs);
            let Some(when) = now_secs.checked_add_signed(offset) else { return Ok(()) };
            let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(when));
            let got = parse_retry_after(None, Some(&date), now);
            let want = match offset {
                ..=0 => RetryAfter::Unspecified,
                1..=120 => RetryAfter::Delay(Duration::from_secs(offset.unsigned_abs())),
                _ => RetryAfter::TooLong(Duration::from_secs(offset.unsigned_abs())),
            };
            prop_assert_eq!(got, want, "{}", date);
        }

        #[test]
        fn numeric_seconds_map_to_their_value(seconds in 0.001f64..1e6) {
            let got = parse_retry_after(None, Some(&seconds.to_string()), UNIX_EPOCH);
            if seconds <= 120.0 {
                prop_assert_eq!(got, RetryAfter::Delay(Duration::from_secs_f64(seconds)));
            } else {
                prop_assert_eq!(got, RetryAfter::TooLong(Duration::from_secs_f64(seconds)));
            }
        }

        #[test]
        fn backoff_is_bounded_for_any_retry_count(n in any::<u32>(), r in 0.0f64..1.0) {
            let base = backoff_base(n);
            prop_assert!(base >= Duration::from_millis(500) && base <= Duration::from_secs(8));
            let d = backoff_delay(n, r);
            prop_assert!(d >= base.mul_f64(0.75) && d <= base, "{:?} vs {:?}", d, base);
        }
    }
}
