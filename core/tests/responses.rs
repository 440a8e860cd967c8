//! The Responses API and the endpoint engine end to end against the mock: create, the named-event
//! stream (split at every byte boundary too), every way that stream can end badly, retrieve,
//! delete, cancel, input items page by page, input token counts, usage, and the generic call.

mod common;

use common::*;
use openai_core::endpoints::{self, Call};
use openai_core::responses::{InputItem, InputPart, ResponseAccumulator, ResponseEvent};
use openai_core::{ErrorKind, RequestOptions, ResponsesRequest};
use serde_json::{Value, json};

const MODEL: &str = "gpt-4o-mini";

fn none() -> RequestOptions {
    RequestOptions::default()
}

async fn events(
    s: &mut openai_core::ResponsesStream,
) -> (Vec<ResponseEvent>, Option<openai_core::Error>) {
    let mut out = Vec::new();
    while let Some(ev) = s.next_event().await {
        match ev {
            Ok(e) => out.push(e),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

#[tokio::test]
async fn create_with_text_and_items() {
    let c = client();
    let id = test_id("r");
    let r = c
        .responses_create(
            &ResponsesRequest::new(MODEL, "Hello there"),
            &fault(&id, ""),
        )
        .await
        .unwrap();
    assert_eq!(r.data.output_text(), "You said: Hello there");
    assert_eq!(r.data.status.as_deref(), Some("completed"));
    assert!(r.request_id.is_some());
    let sent = mock().journal_for(&id)[0].json().unwrap();
    assert_eq!(sent, json!({"model": MODEL, "input": "Hello there"}));

    let req = ResponsesRequest::with_items(
        MODEL,
        vec![
            InputItem::user("one"),
            InputItem::message_parts(
                "user",
                vec![
                    InputPart::text("two"),
                    InputPart::image_url("https://example.com/a.png"),
                ],
            ),
        ],
    )
    .instructions("Be brief.")
    .previous_response_id(r.data.id.clone());
    let id2 = test_id("r");
    let r2 = c.responses_create(&req, &fault(&id2, "")).await.unwrap();
    let text = r2.data.output_text();
    assert!(text.starts_with("You said: two"), "{text}");
    assert!(
        text.contains("turn 2;") && text.contains("instructions"),
        "{text}"
    );
    let sent = mock().journal_for(&id2)[0].json().unwrap();
    assert_eq!(sent["previous_response_id"], Value::String(r.data.id));
    assert_eq!(sent["input"][1]["content"][1]["type"], "input_image");
}

#[tokio::test]
async fn function_calls_and_their_outputs_round_trip() {
    let c = client();
    let req = ResponsesRequest::new(MODEL, "Weather in Paris?").function_tool(
        "get_weather",
        Some("Current weather"),
        json!({"type": "object", "properties": {"city": {"type": "string"}}}),
        false,
    );
    let r = c.responses_create(&req, &none()).await.unwrap().data;
    let call = r.function_calls().next().expect("a function call").clone();
    assert_eq!(call.name.as_deref(), Some("get_weather"));
    let mut next = req.clone();
    next.input = Some(openai_core::ResponseInput::Items(vec![
        InputItem::user("Weather in Paris?"),
        InputItem::from_output(&call),
        InputItem::function_call_output(call.call_id.clone().unwrap(), "sunny"),
    ]));
    let r2 = c.responses_create(&next, &none()).await.unwrap().data;
    assert_eq!(r2.output_text(), "Tool result: sunny");
}

#[tokio::test]
async fn json_schema_format_gives_matching_json() {
    let c = client();
    let schema = json!({"type": "object", "properties": {"city": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["city", "n"], "additionalProperties": false});
    let req = ResponsesRequest::new(MODEL, "weather").json_schema("w", schema, true);
    let r = c.responses_create(&req, &none()).await.unwrap().data;
    let v: Value = serde_json::from_str(&r.output_text()).unwrap();
    assert!(v.get("city").is_some() && v.get("n").is_some(), "{v}");
}

#[tokio::test]
async fn stream_equals_the_non_streamed_response() {
    let c = client();
    let req = ResponsesRequest::new(MODEL, "用比喻解释 stream equality 🙂");
    // The same test id for both: the mock derives ids from the body and the test id.
    let id = test_id("rs");
    let plain = c.responses_create(&req, &fault(&id, "")).await.unwrap();
    let mut s = c.responses_stream(&req, &fault(&id, "")).await.unwrap();
    let (evs, err) = events(&mut s).await;
    assert!(err.is_none(), "{err:?}");
    assert!(s.is_complete());
    let kinds: Vec<&str> = evs.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"response.created"));
    assert_eq!(kinds.last(), Some(&"response.completed"));
    let seqs: Vec<u64> = evs.iter().map(|e| e.sequence_number.unwrap()).collect();
    assert_eq!(seqs, (0..evs.len() as u64).collect::<Vec<_>>());
    let text: String = evs
        .iter()
        .filter(|e| e.is_text_delta())
        .filter_map(|e| e.delta())
        .collect();
    assert_eq!(text, plain.data.output_text());
    // The accumulator's own build (deltas, items) equals the server's final object ...
    let mut acc = ResponseAccumulator::default();
    for e in evs.iter().take(evs.len() - 1) {
        acc.push(e);
    }
    assert_eq!(acc.response().output, plain.data.output);
    // ... and the final snapshot equals the non-streamed response, field for field.
    let plain_json: Value = serde_json::from_slice(&plain.raw).unwrap();
    assert_eq!(s.accumulator().snapshot(), &plain_json);
    let sent = mock().journal_for(&id)[1].json().unwrap();
    assert_eq!(sent["stream"], true);
    assert_eq!(
        mock().journal_for(&id)[1].header("accept"),
        Some("text/event-stream")
    );
}

#[tokio::test]
async fn stream_split_at_every_byte_boundary_is_the_same() {
    let c = client();
    let req = ResponsesRequest::new(MODEL, "split é 🙂 me");
    let id = test_id("split");
    let whole = c.responses_stream(&req, &fault(&id, "")).await.unwrap();
    let want = whole.final_response().await.unwrap();
    for split in [1, 2, 3, 7] {
        let s = c
            .responses_stream(&req, &fault(&id, &format!("split-bytes={split}")))
            .await
            .unwrap();
        assert_eq!(s.final_response().await.unwrap(), want, "split {split}");
    }
}

#[tokio::test]
async fn cut_streams_are_truncated_errors_after_the_delivered_events() {
    let c = client();
    for spec in ["close-after=2", "truncate-after=2", "reset-after=2"] {
        let id = test_id("cut");
        let mut s = c
            .responses_stream(
                &ResponsesRequest::new(MODEL, "cut me short please"),
                &fault(&id, spec),
            )
            .await
            .unwrap();
        let (evs, err) = events(&mut s).await;
        let err = err.unwrap_or_else(|| panic!("{spec}: no error"));
        assert_eq!(err.kind(), ErrorKind::StreamTruncated, "{spec}: {err}");
        assert_eq!(
            evs.iter().filter(|e| e.is_text_delta()).count(),
            2,
            "{spec}"
        );
        assert!(!evs.iter().any(|e| e.is_terminal()), "{spec}");
        assert!(!s.is_complete());
        assert!(
            s.next_event().await.is_none(),
            "{spec}: yields nothing after the error"
        );
        assert_eq!(mock().journal_for(&id).len(), 1, "{spec}: never retried");
    }
}

#[tokio::test]
async fn error_events_are_typed_and_unknown_events_pass() {
    let c = client();
    let id = test_id("err");
    let mut s = c
        .responses_stream(
            &ResponsesRequest::new(MODEL, "an error comes"),
            &fault(&id, "error-after=1;code=overloaded"),
        )
        .await
        .unwrap();
    let (evs, err) = events(&mut s).await;
    let err = err.unwrap();
    assert_eq!(err.kind(), ErrorKind::StreamEvent);
    assert_eq!(err.code(), Some("overloaded"));
    assert!(err.request_id().is_some());
    assert_eq!(evs.iter().filter(|e| e.is_text_delta()).count(), 1);

    let id = test_id("odd");
    let mut s = c
        .responses_stream(
            &ResponsesRequest::new(MODEL, "odd server"),
            &fault(&id, "unknown-event-after=1;no-sequence-number"),
        )
        .await
        .unwrap();
    let (evs, err) = events(&mut s).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        evs.iter()
            .filter(|e| e.kind == "response.mock_unknown")
            .count(),
        1
    );
    assert!(evs.iter().all(|e| e.sequence_number.is_none()));
    assert_eq!(s.accumulator().output_text(), "You said: odd server");
}

#[tokio::test]
async fn incomplete_responses_report_the_reason() {
    let c = client();
    let req = ResponsesRequest::new(MODEL, "a rather long input to be cut by the limit")
        .max_output_tokens(3);
    let r = c.responses_create(&req, &none()).await.unwrap().data;
    assert_eq!(r.status.as_deref(), Some("incomplete"));
    assert_eq!(r.incomplete_reason(), Some("max_output_tokens"));
    let s = c.responses_stream(&req, &none()).await.unwrap();
    let f = s.final_response().await.unwrap();
    assert_eq!(f.status.as_deref(), Some("incomplete"));
}

#[tokio::test]
async fn retrieve_delete_cancel_and_input_items() {
    let c = client();
    let items: Vec<InputItem> = (0..5).map(|i| InputItem::user(format!("m{i}"))).collect();
    let r = c
        .responses_create(&ResponsesRequest::with_items(MODEL, items), &none())
        .await
        .unwrap()
        .data;
    assert_eq!(c.responses_retrieve(&r.id, &none()).await.unwrap().data, r);

    for order in ["asc", "desc"] {
        let id = test_id("pages");
        let mut pager = c
            .responses_input_items(
                &r.id,
                vec![("limit".into(), "2".into()), ("order".into(), order.into())],
                &fault(&id, ""),
            )
            .unwrap();
        let mut seen = Vec::new();
        let mut pages = 0;
        while let Some(page) = pager.next_page().await {
            pages += 1;
            for item in page.unwrap().data["data"].as_array().unwrap() {
                seen.push(item["id"].as_str().unwrap().to_owned());
            }
        }
        assert_eq!(pages, 3, "{order}");
        assert_eq!(mock().journal_for(&id).len(), 3, "{order}: each page once");
        let unique: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (5, 5), "{order}: {seen:?}");
        assert!(!pager.has_next_page());
    }

    let deleted = c.responses_delete(&r.id, &none()).await.unwrap();
    assert_eq!(deleted.data["deleted"], true);
    let e = c.responses_retrieve(&r.id, &none()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);

    let bg = c
        .responses_create(
            &ResponsesRequest::new(MODEL, "later").extra("background", json!(true)),
            &none(),
        )
        .await
        .unwrap()
        .data;
    let cancelled = c.responses_cancel(&bg.id, &none()).await.unwrap().data;
    assert_eq!(cancelled.status.as_deref(), Some("cancelled"));
    let e = c.responses_cancel(&r.id, &none()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn input_tokens_and_usage_totals() {
    let c = client();
    let req = ResponsesRequest::new(MODEL, "count these tokens please");
    let n = c.responses_input_tokens(&req, &none()).await.unwrap();
    let counted = n.data["input_tokens"].as_u64().unwrap();
    let before = c.usage();
    let r = c.responses_create(&req, &none()).await.unwrap().data;
    let u = r.usage.clone().unwrap();
    assert_eq!(u.input_tokens, counted);
    let s = c.responses_stream(&req, &none()).await.unwrap();
    s.final_response().await.unwrap();
    let after = c.usage();
    assert_eq!(after.calls - before.calls, 2);
    assert_eq!(
        after.prompt_tokens - before.prompt_tokens,
        2 * u.input_tokens
    );
    assert_eq!(
        after.completion_tokens - before.completion_tokens,
        2 * u.output_tokens
    );
}

#[tokio::test]
async fn retries_and_errors_go_through_the_engine() {
    let c = client();
    let id = test_id("429");
    let r = c
        .responses_create(
            &ResponsesRequest::new(MODEL, "retry me"),
            &fault(&id, "status=429;times=1;retry-after-ms=10"),
        )
        .await
        .unwrap();
    assert_eq!(r.retries_taken, 1);
    assert_eq!(mock().journal_for(&id).len(), 2);
    assert_eq!(
        mock().journal_for(&id)[1].header("x-stainless-retry-count"),
        Some("1")
    );
    let mut bad = ResponsesRequest::new(MODEL, "x");
    bad.input = None;
    let e = c.responses_create(&bad, &none()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert_eq!(e.param(), Some("input"));
    let e = c
        .responses_stream(&ResponsesRequest::new("", "x"), &none())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn the_generic_call_reaches_any_operation_by_id() {
    let c = client();
    let id = test_id("gen");
    let list = c
        .call(
            endpoints::get("listModels").unwrap(),
            &Call::new(),
            &fault(&id, ""),
        )
        .await
        .unwrap();
    assert!(!list.data["data"].as_array().unwrap().is_empty());
    let model = list.data["data"][0]["id"].as_str().unwrap().to_owned();
    let one = c
        .call(
            endpoints::get("retrieveModel").unwrap(),
            &Call::new().path_param("model", &model),
            &none(),
        )
        .await
        .unwrap();
    assert_eq!(one.data["id"], Value::String(model));
    assert_eq!(one.status, 200);
    // Query parameters reach the wire, after the call's own.
    let id = test_id("q");
    let mut opts = fault(&id, "");
    opts.extra_query.push(("x".into(), "1".into()));
    c.call(
        endpoints::get("listModels").unwrap(),
        &Call::new().query("a", "b c"),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(mock().journal_for(&id)[0].query, "a=b+c&x=1");
    // Wrong arguments are refused before sending.
    let e = c
        .call(
            endpoints::get("retrieveModel").unwrap(),
            &Call::new(),
            &none(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let e = c
        .call(
            endpoints::get("createFile").unwrap(),
            &Call::new().json(json!({})),
            &none(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let e = c
        .call(
            endpoints::get("createResponse").unwrap(),
            &Call::new().json(json!({"model": MODEL, "input": "x", "stream": true})),
            &none(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    // A generic event stream of the named dialect ends at its terminal event.
    let mut s = c
        .call_events(
            endpoints::get("createResponse").unwrap(),
            &Call::new().json(json!({"model": MODEL, "input": "generic"})),
            &none(),
        )
        .await
        .unwrap();
    let mut last = None;
    while let Some(ev) = s.next_event().await {
        last = ev.unwrap().name;
    }
    assert_eq!(last.as_deref(), Some("response.completed"));
    assert!(s.is_complete());
}

#[tokio::test]
async fn the_key_never_leaves_through_responses_errors() {
    let canary = "sk-test-CANARY-resp-9e41";
    let c = builder().api_key(canary).max_retries(0).build().unwrap();
    let req = ResponsesRequest::new(MODEL, "echo my key");
    let mut seen = Vec::new();
    let e = c
        .responses_create(&req, &fault(&test_id("rk"), "echo-key"))
        .await
        .unwrap_err();
    assert!(e.message().contains("Bearer [REDACTED]"), "{e}");
    seen.push(e);
    for how in ["echo-key", "echo-key=event"] {
        let mut s = c
            .responses_stream(&req, &fault(&test_id("rk"), how))
            .await
            .unwrap();
        let (_, err) = events(&mut s).await;
        let e = err.unwrap_or_else(|| panic!("{how}: no error"));
        assert_eq!(e.kind(), ErrorKind::StreamEvent, "{how}: {e}");
        assert!(
            e.param().unwrap_or("").contains("Bearer [REDACTED]"),
            "{how}: {e:?}"
        );
        seen.push(e);
    }
    for e in &seen {
        let all = format!(
            "{e} {e:?} {:?} {:?} {:?} {:?} {:?}",
            e.body(),
            e.param(),
            e.code(),
            e.error_type(),
            e.message()
        );
        assert!(!all.contains(canary), "{all}");
    }
}
