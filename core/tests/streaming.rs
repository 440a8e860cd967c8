//! Streams end to end: accumulation, usage, every way a stream can end badly, and idle timeouts.

mod common;

use std::time::{Duration, Instant};

use common::*;
use openai_core::{ErrorKind, RequestOptions, TimeoutPhase};
use serde_json::json;

async fn collect(
    stream: &mut openai_core::ChatStream,
) -> (
    Vec<openai_core::ChatCompletionChunk>,
    Option<openai_core::Error>,
) {
    let mut chunks = Vec::new();
    while let Some(item) = stream.next_chunk().await {
        match item {
            Ok(c) => chunks.push(c),
            Err(e) => return (chunks, Some(e)),
        }
    }
    (chunks, None)
}

#[tokio::test]
async fn stream_matches_the_non_streaming_reply() {
    let client = client();
    let mut req = hello();
    req.messages = vec![openai_core::Message::user(
        "用比喻解释神经网络的工作原理 🙂 please",
    )];
    req.stream_options = Some(json!({"include_usage": true}));
    let whole = client
        .chat_completion(&req, &RequestOptions::default())
        .await
        .unwrap();
    let id = test_id("s");
    let mut s = client
        .chat_completion_stream(&req, &fault(&id, ""))
        .await
        .unwrap();
    assert!(s.request_id().is_some());
    let (chunks, err) = collect(&mut s).await;
    assert!(err.is_none(), "{err:?}");
    assert!(s.is_complete());
    assert!(chunks.len() > 3);
    let acc = s.completion();
    assert_eq!(acc.content(), whole.data.content());
    assert_eq!(acc.choices[0].finish_reason.as_deref(), Some("stop"));
    assert_eq!(
        acc.usage.as_ref().unwrap().total_tokens,
        whole.data.usage.unwrap().total_tokens
    );
    let sent = mock().journal_for(&id)[0].json().unwrap();
    assert_eq!(sent["stream"], true);
    assert_eq!(
        mock().journal_for(&id)[0].header("accept"),
        Some("text/event-stream")
    );
}

#[tokio::test]
async fn stream_split_into_single_bytes_parses_identically() {
    let client = client();
    let mut req = hello();
    req.messages = vec![openai_core::Message::user(
        "известни 🎉 split\r\neverywhere",
    )];
    let id = test_id("split");
    let s = client
        .chat_completion_stream(&req, &fault(&id, "split-bytes"))
        .await
        .unwrap();
    let split = s.collect_completion().await.unwrap();
    let s = client
        .chat_completion_stream(&req, &RequestOptions::default())
        .await
        .unwrap();
    let whole = s.collect_completion().await.unwrap();
    assert_eq!(split.content(), whole.content());
    assert!(split.content().unwrap().contains("🎉"));
}

#[tokio::test]
async fn stream_tool_calls_are_assembled() {
    let mut req = hello();
    req.tools = Some(vec![
        json!({"type": "function", "function": {"name": "lookup"}}),
    ]);
    let s = client()
        .chat_completion_stream(&req, &RequestOptions::default())
        .await
        .unwrap();
    let c = s.collect_completion().await.unwrap();
    let calls = c.choices[0].message.tool_calls.as_ref().unwrap();
    assert_eq!(calls[0].function.name, "lookup");
    let args: serde_json::Value = serde_json::from_str(&calls[0].function.arguments).unwrap();
    assert_eq!(args["input"], "Hello!");
    assert_eq!(c.choices[0].finish_reason.as_deref(), Some("tool_calls"));
}

#[tokio::test]
async fn s10_reset_mid_stream_is_typed_and_not_retried() {
    let id = test_id("s10");
    let mut s = client()
        .chat_completion_stream(&hello(), &fault(&id, "events=10;reset-after=3"))
        .await
        .unwrap();
    let started = Instant::now();
    let (chunks, err) = collect(&mut s).await;
    let err = err.expect("an error, not a silent end");
    assert_eq!(err.kind(), ErrorKind::StreamTruncated, "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // The role chunk plus 3 content chunks were delivered before the reset.
    assert_eq!(chunks.len(), 4, "{chunks:?}");
    assert_eq!(
        mock().journal_for(&id).len(),
        1,
        "a stream is never retried after its first byte"
    );
    assert!(s.next_chunk().await.is_none());
}

#[tokio::test]
async fn s11_truncated_chunked_body_is_typed() {
    let id = test_id("s11");
    let mut s = client()
        .chat_completion_stream(&hello(), &fault(&id, "events=10;truncate-after=2"))
        .await
        .unwrap();
    let (_, err) = collect(&mut s).await;
    assert_eq!(err.unwrap().kind(), ErrorKind::StreamTruncated);
    assert_eq!(mock().journal_for(&id).len(), 1);
}

#[tokio::test]
async fn s12_clean_close_without_done_is_typed() {
    let id = test_id("s12");
    let mut s = client()
        .chat_completion_stream(&hello(), &fault(&id, "events=10;close-after=2"))
        .await
        .unwrap();
    let (chunks, err) = collect(&mut s).await;
    let err = err.unwrap();
    assert_eq!(err.kind(), ErrorKind::StreamTruncated);
    assert!(err.to_string().contains("[DONE]"), "{err}");
    assert_eq!(chunks.len(), 3);
    // What arrived stays available.
    assert!(s.accumulator().content().is_some());
}

#[tokio::test]
async fn s8_error_event_mid_stream_is_typed() {
    let id = test_id("s8");
    let mut s = client()
        .chat_completion_stream(&hello(), &fault(&id, "events=10;error-after=2"))
        .await
        .unwrap();
    let (chunks, err) = collect(&mut s).await;
    let err = err.unwrap();
    assert_eq!(err.kind(), ErrorKind::StreamEvent);
    assert_eq!(err.code(), Some("stream_error"));
    assert!(err.request_id().is_some());
    assert_eq!(chunks.len(), 3);
}

#[tokio::test]
async fn stream_status_errors_are_retried_before_the_first_byte() {
    let id = test_id("s-status");
    let s = client()
        .chat_completion_stream(
            &hello(),
            &fault(&id, "status=500;times=1;retry-after-ms=10"),
        )
        .await
        .unwrap();
    s.collect_completion().await.unwrap();
    assert_eq!(mock().journal_for(&id).len(), 2);
    let e = client()
        .chat_completion_stream(&hello(), &fault(&test_id("s-401"), "status=401"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
}

#[tokio::test]
async fn t4_stream_idle_timeout_keeps_what_was_delivered() {
    let id = test_id("t4");
    let mut opts = fault(&id, "events=10;stall-after=2");
    opts.stream_idle_timeout = Some(Duration::from_millis(500));
    let mut s = client()
        .chat_completion_stream(&hello(), &opts)
        .await
        .unwrap();
    let started = Instant::now();
    let (chunks, err) = collect(&mut s).await;
    let err = err.unwrap();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::StreamIdle));
    assert_eq!(chunks.len(), 3);
    let took = started.elapsed().as_secs_f64();
    assert!((0.5..0.5 + 0.25).contains(&took), "{took}");
}

#[tokio::test]
async fn t5_slow_but_steady_stream_does_not_time_out() {
    // The per-attempt deadline is shorter than the whole stream; it must not apply to the body.
    let client = builder()
        .request_timeout(Duration::from_millis(400))
        .stream_idle_timeout(Duration::from_millis(600))
        .build()
        .unwrap();
    let id = test_id("t5");
    let mut s = client
        .chat_completion_stream(&hello(), &fault(&id, "events=6;interval=200"))
        .await
        .unwrap();
    let (chunks, err) = collect(&mut s).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(chunks.len(), 8);
}

#[tokio::test]
async fn s13_dropping_a_stream_closes_the_connection() {
    // The mock holds a stalled stream open until the client hangs up, and journals when it saw
    // the hangup: that is the observation, not a connection count.
    let id = test_id("s13");
    let mut s = client()
        .chat_completion_stream(&hello(), &fault(&id, "events=10;stall-after=1"))
        .await
        .unwrap();
    s.next_chunk().await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let seen = mock().journal_for(&id);
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].hangup_ms, None,
        "the stream is still open before the drop"
    );
    let dropped = Instant::now();
    drop(s);
    let hangup = loop {
        if let Some(at) = mock().journal_for(&id)[0].hangup_ms {
            break at;
        }
        assert!(
            dropped.elapsed() < Duration::from_secs(5),
            "the server never saw the connection close after the stream was dropped"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    // Matrix S-13: the server sees FIN/RST within 100 ms (+ ε for CI).
    let waited = dropped.elapsed();
    assert!(
        waited < Duration::from_millis(350),
        "closed after {waited:?}"
    );
    assert!(hangup > seen[0].at_ms);
    assert_eq!(mock().journal_for(&id).len(), 1, "no retry after the drop");
}

#[tokio::test]
async fn non_sse_content_type_on_a_stream_is_a_decode_error() {
    // A server that ignores stream=true and answers JSON.
    let e = client()
        .chat_completion_stream(&hello(), &fault(&test_id("ct"), "content-type=text/plain"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.body(), Some("not json"));
}
