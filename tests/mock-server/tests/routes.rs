//! Batches, rate limits, audio, moderations, legacy completions, image
//! edits, model deletion and stored chat completions over raw TCP.

use std::time::{Duration, Instant};

use openai_mock::{MockOptions, MockServer};
use serde_json::{Value, json};

mod common;

use common::{AUTH, Response, connect, form_type, multipart};

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

fn post_form(server: &MockServer, path: &str, body: &[u8]) -> Response {
    let ct = form_type();
    let mut c = connect(server);
    c.send_bytes("POST", path, &[AUTH, ("content-type", &ct)], body);
    c.read()
}

fn upload_jsonl(server: &MockServer, lines: &[String]) -> String {
    let text = lines.join("\n");
    let body = multipart(&[
        ("purpose", None, None, b"batch"),
        (
            "file",
            Some("in.jsonl"),
            Some("application/jsonl"),
            text.as_bytes(),
        ),
    ]);
    post_form(server, "/v1/files", &body).json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn chat_line(id: &str, text: &str) -> String {
    json!({"custom_id": id, "method": "POST", "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}})
    .to_string()
}

fn lines(server: &MockServer, file_id: &str) -> Vec<Value> {
    let r = call(
        server,
        "GET",
        &format!("/v1/files/{file_id}/content"),
        &[],
        "",
    );
    assert_eq!(r.status, 200);
    String::from_utf8(r.body)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn batch_progresses_and_answers_out_of_order() {
    let server = MockServer::start();
    let mut input: Vec<String> = (0..6)
        .map(|i| chat_line(&format!("req-{i}"), &format!("line {i}")))
        .collect();
    input.push(
        json!({"custom_id": "broken", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o", "messages": []}})
        .to_string(),
    );
    let fid = upload_jsonl(&server, &input);
    let b = call(
        &server,
        "POST",
        "/v1/batches",
        &[],
        &json!({"input_file_id": fid, "endpoint": "/v1/chat/completions", "completion_window": "24h",
            "metadata": {"job": "nightly"}})
        .to_string(),
    );
    assert_eq!(b.status, 200, "{}", String::from_utf8_lossy(&b.body));
    let b = b.json();
    assert_eq!(b["object"], "batch");
    assert_eq!(b["status"], "validating");
    assert_eq!(b["model"], "gpt-4o");
    let id = b["id"].as_str().unwrap();
    let mut seen = Vec::new();
    let done = loop {
        let b = call(&server, "GET", &format!("/v1/batches/{id}"), &[], "").json();
        seen.push(b["status"].as_str().unwrap().to_owned());
        if b["status"] == "completed" {
            break b;
        }
        assert!(seen.len() < 10);
    };
    assert_eq!(seen, ["in_progress", "finalizing", "completed"]);
    assert_eq!(
        done["request_counts"],
        json!({"total": 7, "completed": 6, "failed": 1})
    );
    assert_eq!(done["metadata"], json!({"job": "nightly"}));
    let out = lines(&server, done["output_file_id"].as_str().unwrap());
    let order: Vec<&str> = out
        .iter()
        .map(|l| l["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(order.len(), 6);
    assert_ne!(
        order,
        ["req-0", "req-1", "req-2", "req-3", "req-4", "req-5"]
    );
    for l in &out {
        let n = l["custom_id"].as_str().unwrap().trim_start_matches("req-");
        assert_eq!(l["error"], Value::Null);
        assert_eq!(l["response"]["status_code"], 200);
        assert!(
            l["response"]["request_id"]
                .as_str()
                .unwrap()
                .starts_with("req_")
        );
        let body = &l["response"]["body"];
        assert_eq!(body["object"], "chat.completion");
        assert_eq!(
            body["choices"][0]["message"]["content"],
            format!("You said: line {n}")
        );
    }
    let errs = lines(&server, done["error_file_id"].as_str().unwrap());
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0]["custom_id"], "broken");
    assert_eq!(errs[0]["response"]["status_code"], 400);
    assert_eq!(errs[0]["response"]["body"]["error"]["param"], "messages");
    let out_file = call(
        &server,
        "GET",
        &format!("/v1/files/{}", done["output_file_id"].as_str().unwrap()),
        &[],
        "",
    )
    .json();
    assert_eq!(out_file["purpose"], "batch_output");
}

#[test]
fn batch_knobs_failure_cancel_and_list() {
    let server = MockServer::start();
    let fid = upload_jsonl(&server, &[chat_line("a", "x")]);
    let create = |fault: &str, file: &str| {
        let r = call(
            &server,
            "POST",
            "/v1/batches",
            &[("x-mock-fault", fault)],
            &json!({"input_file_id": file, "endpoint": "/v1/chat/completions", "completion_window": "24h"}).to_string(),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.json()
    };
    let b = create("batch-polls=1", &fid);
    let got = call(
        &server,
        "GET",
        &format!("/v1/batches/{}", b["id"].as_str().unwrap()),
        &[],
        "",
    )
    .json();
    assert_eq!(got["status"], "completed");
    assert!(got["error_file_id"].is_null());
    assert_eq!(create("batch-polls=0", &fid)["status"], "completed");

    let b = create("batch-polls=4", &fid);
    let bid = b["id"].as_str().unwrap();
    let states: Vec<String> = (0..2)
        .map(|_| {
            call(&server, "GET", &format!("/v1/batches/{bid}"), &[], "").json()["status"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(states, ["in_progress", "in_progress"]);
    let c = call(
        &server,
        "POST",
        &format!("/v1/batches/{bid}/cancel"),
        &[],
        "",
    );
    assert_eq!(c.json()["status"], "cancelling");
    let c = call(&server, "GET", &format!("/v1/batches/{bid}"), &[], "");
    assert_eq!(c.json()["status"], "cancelled");

    let bad = upload_jsonl(&server, &[chat_line("a", "x"), "{not json".into()]);
    let b = create("batch-polls=3", &bad);
    let f = call(
        &server,
        "GET",
        &format!("/v1/batches/{}", b["id"].as_str().unwrap()),
        &[],
        "",
    )
    .json();
    assert_eq!(f["status"], "failed");
    assert_eq!(f["errors"]["object"], "list");
    assert_eq!(f["errors"]["data"][0]["code"], "invalid_json_line");
    assert_eq!(f["errors"]["data"][0]["line"], 2);

    // Five batches, two per page, newest first, each once.
    let mut ids = Vec::new();
    let mut after = String::new();
    loop {
        let p = call(
            &server,
            "GET",
            &format!("/v1/batches?limit=2{after}"),
            &[],
            "",
        )
        .json();
        ids.extend(
            p["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["id"].as_str().unwrap().to_owned()),
        );
        if p["has_more"] == false {
            break;
        }
        after = format!("&after={}", p["last_id"].as_str().unwrap());
    }
    assert_eq!(
        ids,
        ["batch_mock4", "batch_mock3", "batch_mock2", "batch_mock1"]
    );
    let e = call(
        &server,
        "POST",
        "/v1/batches",
        &[],
        &json!({"input_file_id": fid, "endpoint": "/v1/chat/completions"}).to_string(),
    );
    assert_eq!(e.json()["error"]["param"], "completion_window");
}

#[test]
fn rate_limit_headers_on_every_answer() {
    let server = MockServer::start();
    for r in [
        call(&server, "GET", "/v1/models", &[], ""),
        call(&server, "GET", "/v1/nope", &[], ""),
        call(
            &server,
            "POST",
            "/v1/chat/completions",
            &[("x-mock-fault", "status=500")],
            "{}",
        ),
    ] {
        assert_eq!(r.header("x-ratelimit-limit-requests"), Some("10000"));
        assert_eq!(r.header("x-ratelimit-limit-tokens"), Some("30000000"));
        assert_eq!(r.header("x-ratelimit-remaining-requests"), Some("9999"));
        assert_eq!(r.header("x-ratelimit-remaining-tokens"), Some("30000000"));
        assert_eq!(r.header("x-ratelimit-reset-requests"), Some("6ms"));
        assert_eq!(r.header("x-ratelimit-reset-tokens"), Some("0s"));
    }
}

#[test]
fn enforced_limit_refuses_a_burst_then_recovers() {
    let server = MockServer::start();
    // 600 rpm in a 1 s bucket: 10 at once, then one per 100 ms.
    let fault = [
        ("x-mock-fault", "rpm=600;rate-window=1000"),
        ("x-test-id", "rl"),
    ];
    let chat =
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}).to_string();
    let mut c = connect(&server);
    let mut all = vec![AUTH];
    all.extend_from_slice(&fault);
    let mut statuses = Vec::new();
    let mut last = Response::default();
    for _ in 0..12 {
        c.send("POST", "/v1/chat/completions", &all, &chat);
        last = c.read();
        statuses.push(last.status);
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(statuses[10], 429);
    assert_eq!(last.header("x-ratelimit-limit-requests"), Some("600"));
    assert_eq!(last.header("x-ratelimit-remaining-requests"), Some("0"));
    let ms: u64 = last.header("retry-after-ms").unwrap().parse().unwrap();
    assert!((1..=100).contains(&ms), "{ms}");
    assert_eq!(last.header("retry-after"), Some("1"));
    let e = &last.json()["error"];
    assert_eq!(e["code"], "rate_limit_exceeded");
    assert_eq!(e["type"], "requests");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("requests per min (RPM): Limit 600")
    );
    // After the advised wait, one more goes through; after a whole window,
    // the bucket is full again.
    std::thread::sleep(Duration::from_millis(ms + 5));
    c.send("POST", "/v1/chat/completions", &all, &chat);
    assert_eq!(c.read().status, 200);
    std::thread::sleep(Duration::from_millis(1050));
    c.send("POST", "/v1/chat/completions", &all, &chat);
    let r = c.read();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ratelimit-remaining-requests"), Some("9"));
    // Another test id has its own bucket.
    let r = call(
        &server,
        "POST",
        "/v1/chat/completions",
        &[
            ("x-mock-fault", "rpm=600;rate-window=1000"),
            ("x-test-id", "other"),
        ],
        &chat,
    );
    assert_eq!(r.status, 200);
}

#[test]
fn enforced_rate_is_accurate() {
    // Server-wide: 1200 rpm (20/s) in a 500 ms bucket (10). Over ~2 s a
    // greedy client gets 10 + 20/s × elapsed, give or take one.
    let server = MockServer::start_with(MockOptions {
        rpm: Some(1200),
        rate_window: Duration::from_millis(500),
        ..Default::default()
    })
    .unwrap();
    let mut c = connect(&server);
    let start = Instant::now();
    let mut ok = 0u32;
    while start.elapsed() < Duration::from_secs(2) {
        c.send("GET", "/v1/models", &[AUTH], "");
        if c.read().status == 200 {
            ok += 1;
        }
    }
    let want = 10.0 + 20.0 * start.elapsed().as_secs_f64();
    assert!(
        (ok as f64 - want).abs() <= 2.0,
        "{ok} accepted, want ~{want}"
    );
}

#[test]
fn token_limit_counts_prompt_and_max_tokens() {
    let server = MockServer::start();
    let fault = [("x-mock-fault", "tpm=100"), ("x-test-id", "tpm")];
    // prompt 8 tokens + max_tokens 42 = 50 per request: two fit in 100.
    let chat = json!({"model": "gpt-4o", "max_tokens": 42, "messages": [{"role": "user", "content": "hello"}]}).to_string();
    let a = call(&server, "POST", "/v1/chat/completions", &fault, &chat);
    assert_eq!(a.header("x-ratelimit-remaining-tokens"), Some("50"));
    assert_eq!(a.header("x-ratelimit-reset-tokens"), Some("30s"));
    assert_eq!(
        call(&server, "POST", "/v1/chat/completions", &fault, &chat).status,
        200
    );
    let r = call(&server, "POST", "/v1/chat/completions", &fault, &chat);
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"]["type"], "tokens");
    assert_eq!(r.header("retry-after"), Some("30"));
}

#[test]
fn audio_routes() {
    let server = MockServer::start();
    let body = multipart(&[
        ("model", None, None, b"whisper-1"),
        ("file", Some("speech.mp3"), Some("audio/mpeg"), &[1u8; 1000]),
    ]);
    let r = post_form(&server, "/v1/audio/transcriptions", &body);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"text": "transcript of speech.mp3 (1000 bytes)"})
    );
    let body = multipart(&[
        ("model", None, None, b"whisper-1"),
        ("response_format", None, None, b"text"),
        ("file", Some("speech.mp3"), Some("audio/mpeg"), b"abc"),
    ]);
    let r = post_form(&server, "/v1/audio/translations", &body);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.body, b"transcript of speech.mp3 (3 bytes)\n");
    let r = post_form(
        &server,
        "/v1/audio/transcriptions",
        &multipart(&[("model", None, None, b"w")]),
    );
    assert_eq!(r.json()["error"]["param"], "file");

    let stream = multipart(&[
        ("model", None, None, b"gpt-4o-transcribe"),
        ("stream", None, None, b"true"),
        ("file", Some("s.wav"), Some("audio/wav"), &[0u8; 10]),
    ]);
    let r = post_form(&server, "/v1/audio/transcriptions", &stream);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    let ev: Vec<Value> = r
        .events()
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    let text: String = ev.iter().filter_map(|e| e["delta"].as_str()).collect();
    assert_eq!(text, "transcript of s.wav (10 bytes)");
    assert_eq!(ev.last().unwrap()["type"], "transcript.text.done");

    let r = call(
        &server,
        "POST",
        "/v1/audio/speech",
        &[],
        &json!({"model": "tts-1", "input": "hello world", "voice": "alloy"}).to_string(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("audio/mpeg"));
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.body.len(), 11 * 1024);
    assert!(r.chunks.len() >= 3);
    assert!(r.body.starts_with(b"ID3"));
}

#[test]
fn moderations_and_legacy_completions() {
    let server = MockServer::start();
    let m = call(
        &server,
        "POST",
        "/v1/moderations",
        &[],
        r#"{"input": ["I will kill the process", "hello"]}"#,
    )
    .json();
    assert!(m["id"].as_str().unwrap().starts_with("modr-"));
    assert_eq!(m["results"][0]["flagged"], true);
    assert_eq!(m["results"][0]["categories"]["violence"], true);
    assert_eq!(m["results"][1]["flagged"], false);

    let r = call(
        &server,
        "POST",
        "/v1/completions",
        &[],
        r#"{"model": "gpt-3.5-turbo-instruct", "prompt": "hello"}"#,
    );
    let v = r.json();
    assert_eq!(v["object"], "text_completion");
    assert_eq!(
        v["choices"],
        json!([{"text": "You said: hello", "index": 0, "logprobs": null, "finish_reason": "stop"}])
    );
    assert_eq!(v["usage"]["total_tokens"], 5);

    let stream = r#"{"model": "m", "prompt": "hello", "stream": true, "stream_options": {"include_usage": true}}"#;
    let r = call(&server, "POST", "/v1/completions", &[], stream);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    let events = r.events();
    assert_eq!(events.last().unwrap(), "[DONE]");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["text"].as_str())
        .collect();
    assert_eq!(text, "You said: hello");
    assert_eq!(
        chunks[chunks.len() - 2]["choices"][0]["finish_reason"],
        "stop"
    );
    assert_eq!(chunks.last().unwrap()["usage"]["completion_tokens"], 4);

    // The chat stream faults apply.
    let r = call(
        &server,
        "POST",
        "/v1/completions",
        &[("x-mock-fault", "error-after=2")],
        stream,
    );
    let events = r.events();
    assert!(events.last().unwrap().contains("mock stream error"));
    assert_eq!(events.len(), 3);
    let r = call(
        &server,
        "POST",
        "/v1/completions",
        &[("x-mock-fault", "truncate-after=1")],
        stream,
    );
    assert!(!r.complete);
}

#[test]
fn image_edits_variations_and_model_delete() {
    let server = MockServer::start();
    let png = b"\x89PNG\r\n\x1a\nfake";
    let r = post_form(
        &server,
        "/v1/images/edits",
        &multipart(&[
            ("image[]", Some("a.png"), Some("image/png"), png),
            ("image[]", Some("b.png"), Some("image/png"), png),
            ("mask", Some("m.png"), Some("image/png"), png),
            ("prompt", None, None, b"add a hat"),
            ("n", None, None, b"2"),
        ]),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert_eq!(v["data"][0]["revised_prompt"], "add a hat");
    let r = post_form(
        &server,
        "/v1/images/variations",
        &multipart(&[
            ("image", Some("a.png"), Some("image/png"), png),
            ("response_format", None, None, b"b64_json"),
        ]),
    );
    assert!(r.json()["data"][0]["b64_json"].is_string());
    let r = post_form(
        &server,
        "/v1/images/edits",
        &multipart(&[("image", Some("a.png"), None, png)]),
    );
    assert_eq!(r.json()["error"]["param"], "prompt");
    let r = post_form(
        &server,
        "/v1/images/variations",
        &multipart(&[("n", None, None, b"1")]),
    );
    assert_eq!(r.json()["error"]["param"], "image");

    let ft = "ft:gpt-4o-mini:org:custom:abc123";
    let r = call(&server, "DELETE", &format!("/v1/models/{ft}"), &[], "");
    assert_eq!(
        r.json(),
        json!({"id": ft, "object": "model", "deleted": true})
    );
    assert_eq!(
        call(&server, "DELETE", &format!("/v1/models/{ft}"), &[], "").status,
        404
    );
    assert_eq!(
        call(&server, "DELETE", "/v1/models/gpt-4o", &[], "").status,
        403
    );
    assert_eq!(
        call(&server, "DELETE", "/v1/models/nope", &[], "").status,
        404
    );
}

#[test]
fn stored_chat_completions() {
    let server = MockServer::start();
    let mut ids = Vec::new();
    for i in 0..5 {
        let body = json!({"model": if i % 2 == 0 { "gpt-4o" } else { "gpt-4o-mini" }, "store": true,
            "metadata": {"run": format!("r{}", i % 2)}, "stream": i == 4,
            "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": format!("q{i}")}]});
        let r = call(
            &server,
            "POST",
            "/v1/chat/completions",
            &[],
            &body.to_string(),
        );
        assert_eq!(r.status, 200);
        if i < 4 {
            ids.push(r.json()["id"].as_str().unwrap().to_owned());
        } else {
            let first: Value = serde_json::from_str(&r.events()[0]).unwrap();
            ids.push(first["id"].as_str().unwrap().to_owned());
        }
    }
    // Not stored without store: true.
    call(
        &server,
        "POST",
        "/v1/chat/completions",
        &[],
        r#"{"model": "m", "messages": [{"role": "user", "content": "x"}]}"#,
    );
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let p = call(
            &server,
            "GET",
            &format!("/v1/chat/completions?limit=2{after}"),
            &[],
            "",
        )
        .json();
        seen.extend(
            p["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        if p["has_more"] == false {
            break;
        }
        after = format!("&after={}", p["last_id"].as_str().unwrap());
    }
    assert_eq!(seen, ids);
    let p = call(
        &server,
        "GET",
        "/v1/chat/completions?model=gpt-4o-mini",
        &[],
        "",
    )
    .json();
    assert_eq!(p["data"].as_array().unwrap().len(), 2);
    let p = call(
        &server,
        "GET",
        "/v1/chat/completions?metadata%5Brun%5D=r0",
        &[],
        "",
    )
    .json();
    assert_eq!(p["data"].as_array().unwrap().len(), 3);
    let streamed = call(
        &server,
        "GET",
        &format!("/v1/chat/completions/{}", ids[4]),
        &[],
        "",
    )
    .json();
    assert_eq!(streamed["choices"][0]["message"]["content"], "You said: q4");
    let u = call(
        &server,
        "POST",
        &format!("/v1/chat/completions/{}", ids[0]),
        &[],
        r#"{"metadata": {"k": "v"}}"#,
    )
    .json();
    assert_eq!(u["metadata"], json!({"k": "v"}));
    let m = call(
        &server,
        "GET",
        &format!("/v1/chat/completions/{}/messages?limit=1", ids[0]),
        &[],
        "",
    )
    .json();
    assert_eq!(m["data"][0]["role"], "system");
    assert_eq!(m["has_more"], true);
    let d = call(
        &server,
        "DELETE",
        &format!("/v1/chat/completions/{}", ids[0]),
        &[],
        "",
    )
    .json();
    assert_eq!(
        d,
        json!({"object": "chat.completion.deleted", "id": ids[0], "deleted": true})
    );
    assert_eq!(
        call(
            &server,
            "GET",
            &format!("/v1/chat/completions/{}", ids[0]),
            &[],
            ""
        )
        .status,
        404
    );
}
