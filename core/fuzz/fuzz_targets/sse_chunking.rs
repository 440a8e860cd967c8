//! Chunking invariance of the SSE parser: any split of any byte string yields the same events,
//! the same error (at the same offset) and the same truncation verdict as feeding it whole.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The parser is compiled in directly, so the fuzz build needs nothing of the HTTP stack.
#[allow(dead_code)]
#[path = "../../src/sse.rs"]
mod sse;

use sse::{SseEvent, SseParser};

fn run(data: &[u8], cuts: &[usize]) -> (Vec<SseEvent>, Option<sse::SseError>, bool) {
    let mut p = SseParser::new();
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&data.len())) {
        let end = cut.clamp(start, data.len());
        if let Err(e) = p.feed(&data[start..end], &mut out) {
            return (out, Some(e), false);
        }
        start = end;
    }
    let partial = p.finish();
    (out, None, partial)
}

fuzz_target!(|input: (Vec<u8>, Vec<u16>)| {
    let (data, raw_cuts) = input;
    let mut cuts: Vec<usize> = raw_cuts
        .iter()
        .map(|c| *c as usize % (data.len() + 1))
        .collect();
    cuts.sort_unstable();
    let whole = run(&data, &[]);
    let split = run(&data, &cuts);
    assert_eq!(whole, split, "chunking changed the result");
});
