//! Memory after a burst: 10,000 requests at once, then idle, and the process gives back what the
//! burst took (460 MiB here, in a debug build). Its own test binary, so no other test's
//! allocations are in the figures; the mock runs in this process too (without a journal), so its
//! side of the 10,000 connections counts as well.
//!
//! What stays is bounded at 16 MiB here: the pool keeps up to 100 idle connections where 64
//! were before (about 3 MiB), and objects that live on (those connections) pin the pages they
//! were allocated on. The release C library measures +4-5 MiB (`bench/NOTES.md`).

use std::time::{Duration, Instant};

use openai_core::{ChatCompletionRequest, Client, ClientBuilder, EnvSource, RequestOptions};
use openai_mock::{MockOptions, MockServer};

/// What may stay after the burst (see above).
const KEPT_KIB: u64 = 16 * 1024;

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
    // Warm: the pool, the runtime's threads, the allocator's arenas.
    for _ in 0..3 {
        rt.block_on(burst(&client, 64));
    }
    std::thread::sleep(openai_core::memory::SETTLE * 2);
    assert_eq!(
        openai_core::memory::trims(),
        0,
        "64 at a time is ordinary use: it must never pay for a trim"
    );
    let before = rss_kib();
    rt.block_on(burst(&client, 10_000));
    let peak = rss_kib();
    let t0 = Instant::now();
    let mut now = peak;
    while now > before + KEPT_KIB && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
        now = rss_kib();
    }
    eprintln!(
        "RSS: {before} KiB before, {peak} KiB after the burst, {now} KiB {} ms later",
        t0.elapsed().as_millis()
    );
    assert!(openai_core::memory::trims() >= 1, "no trim after the burst");
    assert!(
        now <= before + KEPT_KIB,
        "RSS {now} KiB after idling, {before} KiB before: more than {KEPT_KIB} KiB kept"
    );
}
