//! The Responses API over raw TCP: the named-event SSE framing, the store
//! routes, pagination and every stream fault, checked on the wire.

use std::io;
use std::time::Duration;

use openai_mock::MockServer;
use serde_json::{Value, json};

mod common;

use common::{AUTH, Response, connect};

fn call(
    server: &MockServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut c = connect(server);
    let mut all = vec![AUTH];
    all.extend_from_slice(headers);
    c.send(method, path, &all, body);
    c.read()
}

fn create(server: &MockServer, headers: &[(&str, &str)], body: &Value) -> Response {
    call(server, "POST", "/v1/responses", headers, &body.to_string())
}

fn hello(stream: bool) -> Value {
    json!({"model": "gpt-4o", "input": "hello", "stream": stream})
}

/// The stream's events as `(name, data)`, checking that each `event:` name
/// is repeated as the data's `type`.
fn events(r: &Response) -> Vec<(String, Value)> {
    r.named_events()
        .into_iter()
        .map(|(name, data)| {
            let v: Value = serde_json::from_str(&data).expect("event data is JSON");
            assert_eq!(v["type"], name.as_str(), "{data}");
            (name, v)
        })
        .collect()
}

fn names(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(n, _)| n.as_str()).collect()
}

fn deltas(events: &[(String, Value)]) -> usize {
    events.iter().filter(|(n, _)| n.ends_with(".delta")).count()
}

#[test]
fn create_returns_a_response() {
    let server = MockServer::start();
    let r = create(&server, &[], &hello(false));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    assert_eq!(v["object"], "response");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["output"][0]["content"][0]["text"], "You said: hello");
    assert_eq!(
        v["usage"],
        json!({"input_tokens": 8, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": 4, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 12})
    );
}

#[test]
fn stream_is_named_events_ending_in_the_same_response() {
    let server = MockServer::start();
    let test = [("x-test-id", "same")];
    let plain = create(&server, &test, &hello(false)).json();
    let r = create(&server, &test, &hello(true));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert!(r.complete);
    // One chunk per event, each `event: X\ndata: {...}\n\n`.
    assert_eq!(r.chunks.len(), r.named_events().len());
    assert!(r.chunks.iter().all(|c| c.starts_with(b"event: ")
        && c.ends_with(b"\n\n")
        && c.windows(7).any(|w| w == b"\ndata: ")));
    let ev = events(&r);
    assert!(!String::from_utf8_lossy(&r.body).contains("[DONE]"));
    for (i, (_, v)) in ev.iter().enumerate() {
        assert_eq!(v["sequence_number"], i);
    }
    assert_eq!(
        names(&ev),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_eq!(ev[0].1["response"]["id"], plain["id"]);
    assert_eq!(ev.last().unwrap().1["response"], plain);
}

#[test]
fn function_call_stream_and_the_turn_after_it() {
    let server = MockServer::start();
    let tools = json!([{"type": "function", "name": "lookup", "parameters": {"type": "object"}}]);
    let r = create(
        &server,
        &[],
        &json!({"model": "gpt-4o", "input": "hello", "tools": tools, "stream": true}),
    );
    let ev = events(&r);
    assert_eq!(ev[2].1["item"]["type"], "function_call");
    assert_eq!(ev[2].1["item"]["arguments"], "");
    let args: String = ev
        .iter()
        .filter(|(n, _)| n == "response.function_call_arguments.delta")
        .map(|(_, v)| v["delta"].as_str().unwrap())
        .collect();
    assert_eq!(args, r#"{"input": "hello"}"#);
    let done = &ev[ev.len() - 3];
    assert_eq!(done.0, "response.function_call_arguments.done");
    assert_eq!(done.1["arguments"], args.as_str());
    let response = &ev.last().unwrap().1["response"];
    let call = &response["output"][0];
    assert_eq!(call["name"], "lookup");

    // The follow-up hands the result back on top of the stored history.
    let next = create(
        &server,
        &[],
        &json!({"model": "gpt-4o", "tools": tools, "previous_response_id": response["id"],
            "input": [{"type": "function_call_output", "call_id": call["call_id"], "output": "sunny"}]}),
    )
    .json();
    assert_eq!(
        next["output"][0]["content"][0]["text"],
        "Tool result: sunny"
    );
    assert_eq!(next["previous_response_id"], response["id"]);
}

#[test]
fn previous_response_id_chains_turns() {
    let server = MockServer::start();
    let first = create(
        &server,
        &[],
        &json!({"model": "gpt-4o", "input": "one", "instructions": "Be brief."}),
    )
    .json();
    assert_eq!(
        first["output"][0]["content"][0]["text"],
        "You said: one [instructions]"
    );
    let second = create(
        &server,
        &[],
        &json!({"model": "gpt-4o", "input": "two", "previous_response_id": first["id"]}),
    )
    .json();
    assert_eq!(
        second["output"][0]["content"][0]["text"],
        "You said: two [turn 2; 3 items]"
    );
    let r = create(
        &server,
        &[],
        &json!({"model": "gpt-4o", "input": "x", "previous_response_id": "resp_missing"}),
    );
    assert_eq!(r.status, 404);
    let e = &r.json()["error"];
    assert_eq!(e["param"], "previous_response_id");
    assert_eq!(e["code"], "previous_response_not_found");

    // store: false leaves nothing to chain from.
    let unstored = create(
        &server,
        &[],
        &json!({"model": "gpt-4o", "input": "u", "store": false}),
    )
    .json();
    let r = create(
        &server,
        &[],
        &json!({"model": "gpt-4o", "input": "x", "previous_response_id": unstored["id"]}),
    );
    assert_eq!(r.status, 404);
}

#[test]
fn validation_errors_name_the_param() {
    let server = MockServer::start();
    let r = create(&server, &[], &json!({"input": "x"}));
    assert_eq!(
        (r.status, r.json()["error"]["param"].clone()),
        (400, json!("model"))
    );
    let r = create(&server, &[], &json!({"model": "gpt-4o"}));
    assert_eq!(
        (r.status, r.json()["error"]["param"].clone()),
        (400, json!("input"))
    );
    let r = call(&server, "POST", "/v1/responses", &[], "{not json");
    assert_eq!(r.status, 400);
    let mut c = connect(&server);
    c.send("POST", "/v1/responses", &[], &hello(false).to_string());
    assert_eq!(c.read().status, 401);
}

#[test]
fn retrieve_delete_and_cancel() {
    let server = MockServer::start();
    let created = create(&server, &[], &hello(false)).json();
    let id = created["id"].as_str().unwrap();
    let path = format!("/v1/responses/{id}");
    let got = call(&server, "GET", &path, &[], "");
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), created);

    let r = call(&server, "POST", &format!("{path}/cancel"), &[], "");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"]["message"],
        "Cannot cancel a synchronous response."
    );

    let r = call(&server, "DELETE", &path, &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"id": id, "object": "response.deleted", "deleted": true})
    );
    for (method, p) in [
        ("GET", path.clone()),
        ("DELETE", path.clone()),
        ("POST", format!("{path}/cancel")),
        ("GET", format!("{path}/input_items")),
    ] {
        let r = call(&server, method, &p, &[], "");
        assert_eq!(r.status, 404, "{method} {p}");
        assert_eq!(
            r.json()["error"]["message"],
            format!("Response with id '{id}' not found.")
        );
    }

    // Background: queued until cancelled (or until first retrieved).
    let bg = create(
        &server,
        &[],
        &json!({"model": "gpt-4o", "input": "slow", "background": true}),
    )
    .json();
    assert_eq!(bg["status"], "queued");
    let path = format!("/v1/responses/{}", bg["id"].as_str().unwrap());
    let r = call(&server, "POST", &format!("{path}/cancel"), &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "cancelled");
    assert_eq!(
        call(&server, "GET", &path, &[], "").json()["status"],
        "cancelled"
    );

    let bg = create(
        &server,
        &[],
        &json!({"model": "gpt-4o", "input": "fast", "background": true}),
    )
    .json();
    let path = format!("/v1/responses/{}", bg["id"].as_str().unwrap());
    let done = call(&server, "GET", &path, &[], "").json();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["output"][0]["content"][0]["text"], "You said: fast");
    assert_eq!(
        call(&server, "POST", &format!("{path}/cancel"), &[], "").status,
        400
    );
}

#[test]
fn input_items_pages_walk_every_item_once() {
    let server = MockServer::start();
    let input: Vec<Value> = (0..7)
        .map(|i| json!({"role": "user", "content": format!("m{i}")}))
        .collect();
    let created = create(&server, &[], &json!({"model": "gpt-4o", "input": input})).json();
    let id = created["id"].as_str().unwrap();
    let texts = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|it| it["content"][0]["text"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = call(
        &server,
        "GET",
        &format!("/v1/responses/{id}/input_items"),
        &[],
        "",
    )
    .json();
    assert_eq!(all["object"], "list");
    assert_eq!(texts(&all), ["m6", "m5", "m4", "m3", "m2", "m1", "m0"]);
    assert_eq!(all["has_more"], false);
    assert_eq!(all["data"][0]["type"], "message");
    assert_eq!(all["data"][0]["role"], "user");

    for order in ["asc", "desc"] {
        for limit in [1, 2, 3, 7, 100] {
            let mut seen = Vec::new();
            let mut query = format!("limit={limit}&order={order}");
            loop {
                let r = call(
                    &server,
                    "GET",
                    &format!("/v1/responses/{id}/input_items?{query}"),
                    &[],
                    "",
                );
                assert_eq!(r.status, 200);
                let page = r.json();
                assert_eq!(page["first_id"], page["data"][0]["id"]);
                seen.extend(texts(&page));
                if page["has_more"] == false {
                    break;
                }
                query = format!(
                    "limit={limit}&order={order}&after={}",
                    page["last_id"].as_str().unwrap()
                );
            }
            let mut want: Vec<String> = (0..7).map(|i| format!("m{i}")).collect();
            if order == "desc" {
                want.reverse();
            }
            assert_eq!(seen, want, "{order} limit={limit}");
        }
    }
    let r = call(
        &server,
        "GET",
        &format!("/v1/responses/{id}/input_items?limit=0"),
        &[],
        "",
    );
    assert_eq!(
        (r.status, r.json()["error"]["param"].clone()),
        (400, json!("limit"))
    );
}

#[test]
fn input_tokens_counts_like_a_create() {
    let server = MockServer::start();
    let body = json!({"model": "gpt-4o", "input": "hello", "instructions": "Be brief."});
    let created = create(&server, &[], &body).json();
    let r = call(
        &server,
        "POST",
        "/v1/responses/input_tokens",
        &[],
        &body.to_string(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"object": "response.input_tokens", "input_tokens": created["usage"]["input_tokens"]})
    );
}

#[test]
fn status_faults_and_the_journal() {
    let server = MockServer::start();
    let headers = [
        ("x-mock-fault", "status=429;retry-after=2;times=1"),
        ("x-test-id", "resp-retry"),
    ];
    let first = create(&server, &headers, &hello(false));
    assert_eq!(first.status, 429);
    assert_eq!(first.header("retry-after"), Some("2"));
    assert_eq!(first.json()["error"]["code"], "rate_limit_exceeded");
    let second = create(&server, &headers, &hello(true));
    assert_eq!(second.status, 200);
    assert!(second.complete);
    let seen = server.journal_for("resp-retry");
    assert_eq!(
        seen.iter()
            .map(|e| (e.path.as_str(), e.attempt, e.status))
            .collect::<Vec<_>>(),
        [("/v1/responses", 1, 429), ("/v1/responses", 2, 200)]
    );
    assert_eq!(seen[1].json().unwrap()["stream"], true);

    let r = create(
        &server,
        &[("x-mock-fault", "malformed-json")],
        &hello(false),
    );
    assert_eq!((r.status, r.body.as_slice()), (200, &b"{invalid"[..]));
    let r = call(
        &server,
        "GET",
        "/v1/responses/resp_x",
        &[("x-mock-fault", "status=503")],
        "",
    );
    assert_eq!(r.status, 503);
}

#[test]
fn reset_after_two_deltas() {
    let server = MockServer::start();
    let r = create(&server, &[("x-mock-fault", "reset-after=2")], &hello(true));
    assert_eq!(r.status, 200);
    assert!(!r.complete);
    assert_eq!(r.error, Some(io::ErrorKind::ConnectionReset));
    let ev = events(&r);
    assert_eq!(deltas(&ev), 2);
    assert_eq!(ev.last().unwrap().0, "response.output_text.delta");
}

#[test]
fn truncate_and_close_end_before_the_terminal_event() {
    let server = MockServer::start();
    // truncate: the connection closes mid-body (no terminating chunk).
    let mut c = connect(&server);
    c.send(
        "POST",
        "/v1/responses",
        &[AUTH, ("x-mock-fault", "truncate-after=1")],
        &hello(true).to_string(),
    );
    let r = c.read();
    assert!(!r.complete);
    assert_eq!(r.error, Some(io::ErrorKind::UnexpectedEof));
    let ev = events(&r);
    assert_eq!(deltas(&ev), 1);
    assert!(c.at_eof());

    // close: a clean end of the body, still without the terminal event.
    let mut c = connect(&server);
    c.send(
        "POST",
        "/v1/responses",
        &[AUTH, ("x-mock-fault", "close-after=99")],
        &hello(true).to_string(),
    );
    let r = c.read();
    assert!(r.complete);
    let ev = events(&r);
    assert_eq!(deltas(&ev), 4);
    assert_eq!(ev.last().unwrap().0, "response.output_item.done");
    assert!(c.at_eof());
}

#[test]
fn error_after_sends_an_error_event() {
    let server = MockServer::start();
    let r = create(&server, &[("x-mock-fault", "error-after=1")], &hello(true));
    assert!(r.complete);
    let ev = events(&r);
    let (name, err) = ev.last().unwrap();
    assert_eq!(name, "error");
    assert_eq!(
        *err,
        json!({"type": "error", "code": "stream_error", "message": "mock stream error",
            "param": null, "sequence_number": ev.len() - 1})
    );
    assert_eq!(deltas(&ev), 1);

    let r = create(
        &server,
        &[("x-mock-fault", "error-after=0;code=server_is_overloaded")],
        &hello(true),
    );
    assert_eq!(events(&r).last().unwrap().1["code"], "server_is_overloaded");
}

#[test]
fn unknown_events_and_missing_sequence_numbers() {
    let server = MockServer::start();
    let r = create(
        &server,
        &[("x-mock-fault", "unknown-event-after=2;no-sequence-number")],
        &hello(true),
    );
    assert!(r.complete);
    let ev = events(&r);
    let names = names(&ev);
    let at = names
        .iter()
        .position(|n| *n == "response.mock_unknown")
        .unwrap();
    assert_eq!(deltas(&ev[..at]), 2);
    assert_eq!(names.last(), Some(&"response.completed"));
    assert!(ev.iter().all(|(_, v)| v.get("sequence_number").is_none()));
}

#[test]
fn split_bytes_events_and_stall() {
    let server = MockServer::start();
    let r = create(
        &server,
        &[("x-mock-fault", "split-bytes;events=3;interval=1")],
        &hello(true),
    );
    assert!(r.complete);
    assert!(r.chunks.iter().all(|c| c.len() == 1));
    let ev = events(&r);
    let text: String = ev
        .iter()
        .filter_map(|(_, v)| v.get("delta").and_then(Value::as_str))
        .collect();
    assert_eq!(text, "w0 w1 w2");
    assert_eq!(
        ev.last().unwrap().1["response"]["output"][0]["content"][0]["text"],
        "w0 w1 w2"
    );

    let mut c = connect(&server);
    c.io.get_mut()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    c.send(
        "POST",
        "/v1/responses",
        &[AUTH, ("x-mock-fault", "stall-after=1")],
        &hello(true).to_string(),
    );
    let r = c.read();
    assert!(!r.complete);
    assert!(
        matches!(
            r.error,
            Some(io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
        ),
        "{:?}",
        r.error
    );
    assert_eq!(deltas(&events(&r)), 1);
}

#[test]
fn truncated_stream_still_stores_the_response() {
    let server = MockServer::start();
    let r = create(
        &server,
        &[("x-mock-fault", "truncate-after=0"), ("x-test-id", "kept")],
        &hello(true),
    );
    let ev = events(&r);
    let id = ev[0].1["response"]["id"].as_str().unwrap().to_owned();
    let got = call(&server, "GET", &format!("/v1/responses/{id}"), &[], "");
    assert_eq!(got.json()["status"], "completed");
}
