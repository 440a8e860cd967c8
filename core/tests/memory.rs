//! Memory after a burst: 10,000 requests at once, then idle, and the process gives back what the
//! burst took (460 MiB here, in a debug build). Its own test binary, so no other test's
//! allocations are in the figures; the mock runs in this process too (without a journal), so its
//! side of the 10,000 connections counts as well.
//!
//! The warm-up fills the pool to its idle cap (100 connections, as httpx keeps), so what the
//! burst leaves behind is not the pool's cache. Two figures are checked:
//! - the live heap (glibc's count of bytes in use) must come back to within 2 MiB of before:
//!   measured +0.1 MiB, so a leak of a few hundred bytes per request fails it;
//! - RSS is bounded at 16 MiB over before. Measured +5-9 MiB in this debug build, +2.4 MiB in
//!   a release one: free memory that glibc keeps resident because it shares pages with chunks
//!   still in use, which `malloc_trim` cannot return (`bench/NOTES.md`).

use std::time::{Duration, Instant};

use openai_core::{ChatCompletionRequest, Client, ClientBuilder, EnvSource, RequestOptions};
use openai_mock::{MockOptions, MockServer};

/// What may stay resident after the burst (see above).
const KEPT_KIB: u64 = 16 * 1024;
/// What may stay in use on the heap after the burst.
const KEPT_LIVE_KIB: u64 = 2 * 1024;

/// Bytes in use on the heap, every arena and mmapped chunks included (glibc only).
fn live_kib() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads the allocator's counters.
        let m = unsafe { libc::mallinfo2() };
        Some((m.uordblks + m.hblkhd) as u64 / 1024)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    None
}

fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64 / 1024
}

async fn burst(client: &Client, n: usize) {
    let req: ChatCompletionRequest = serde_json::from_value(serde_json::json!({
        "model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]
    }))
    .unwrap();
    let opts = RequestOptions::default();
    let calls = (0..n).map(|_| client.chat_completion(&req, &opts));
    let answers = futures_util::future::join_all(calls).await;
    let failed = answers.iter().filter(|a| a.is_err()).count();
    assert_eq!(failed, 0, "{:?}", answers.iter().find(|a| a.is_err()));
}

#[test]
fn ten_thousand_concurrent_then_idle_gives_the_memory_back() {
    let mock = MockServer::start_with(MockOptions {
        journal: false,
        ..MockOptions::default()
    })
    .unwrap();
    let client = ClientBuilder::new()
        .api_key("sk-test")
        .base_url(mock.base_url())
        .env(EnvSource::Map(Default::default()))
        .build()
        .unwrap();
    let rt = openai_core::blocking::runtime().unwrap();
    // Warm: the pool (to its idle cap of 100), the runtime's threads, the allocator's arenas.
    for n in [64, 64, 100, 100] {
        rt.block_on(burst(&client, n));
    }
    std::thread::sleep(openai_core::memory::SETTLE * 2);
    assert_eq!(
        openai_core::memory::trims(),
        0,
        "100 at a time is ordinary use: it must never pay for a trim"
    );
    let before = rss_kib();
    let live_before = live_kib();
    rt.block_on(burst(&client, 10_000));
    let peak = rss_kib();
    let t0 = Instant::now();
    let mut now = peak;
    let live_settled = |live: Option<u64>| match (live, live_before) {
        (Some(a), Some(b)) => a <= b + KEPT_LIVE_KIB,
        _ => true,
    };
    // Connections are torn down by their own tasks: on a busy machine they may take a moment.
    while (now > before + KEPT_KIB || !live_settled(live_kib()))
        && t0.elapsed() < Duration::from_secs(5)
    {
        std::thread::sleep(Duration::from_millis(50));
        now = rss_kib();
    }
    let live_after = live_kib();
    eprintln!(
        "RSS: {before} KiB before, {peak} KiB after the burst, {now} KiB {} ms later; \
         heap in use: {live_before:?} KiB before, {live_after:?} KiB after",
        t0.elapsed().as_millis()
    );
    if let (Some(b), Some(a)) = (live_before, live_after) {
        assert!(
            a <= b + KEPT_LIVE_KIB,
            "{a} KiB in use on the heap after idling, {b} KiB before: more than \
             {KEPT_LIVE_KIB} KiB kept"
        );
    }
    assert!(openai_core::memory::trims() >= 1, "no trim after the burst");
    assert!(
        now <= before + KEPT_KIB,
        "RSS {now} KiB after idling, {before} KiB before: more than {KEPT_KIB} KiB kept"
    );
}
