//! The retry-header parsers on arbitrary header values: never a panic or an overflow, and every
//! answer inside its contract — a delay in (0, 120 s], "too long" only above 120 s, and the
//! backoff for any retry count and any random draw within [0.75·base, base] with base ≤ 8 s.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;

// Compiled in directly, like the SSE parser: the fuzz build needs nothing of the HTTP stack.
#[allow(dead_code)]
#[path = "../../src/retry.rs"]
mod retry;

use retry::RetryAfter;

const CAP: Duration = Duration::from_secs(120);

fuzz_target!(|input: (
    Option<String>,
    Option<String>,
    u64,
    u32,
    u16,
    Option<String>
)| {
    let (ms, secs, now_secs, retries, unit, should) = input;
    let now = UNIX_EPOCH + Duration::from_secs(now_secs % (400 * 365 * 86_400));
    match retry::parse_retry_after(ms.as_deref(), secs.as_deref(), now) {
        RetryAfter::Delay(d) => assert!(!d.is_zero() && d <= CAP, "{d:?}"),
        RetryAfter::TooLong(d) => assert!(d > CAP, "{d:?}"),
        RetryAfter::Unspecified => {}
    }
    let u = f64::from(unit) / f64::from(u16::MAX);
    let base = retry::backoff_base(retries);
    let d = retry::backoff_delay(retries, u);
    assert!(base <= Duration::from_secs(8), "{base:?}");
    assert!(
        d <= base && d.as_secs_f64() >= 0.75 * base.as_secs_f64() - 1e-9,
        "{d:?} {base:?}"
    );
    let _ = retry::should_retry_header(should.as_deref());
});
