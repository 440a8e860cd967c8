//! Drives the mock over raw TCP, so that what is checked is the bytes on the
//! wire and not what some HTTP client makes of them.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use openai_mock::{MockOptions, MockServer, TlsFiles};
use serde_json::{Value, json};

mod common;

use common::{AUTH, Conn, Response, connect};

fn chat(stream: bool) -> String {
    json!({"model": "gpt-4o", "stream": stream, "messages": [{"role": "user", "content": "hello"}]})
        .to_string()
}

fn post_chat(server: &MockServer, headers: &[(&str, &str)], body: &str) -> Response {
    let mut c = connect(server);
    let mut all = vec![AUTH];
    all.extend_from_slice(headers);
    c.send("POST", "/v1/chat/completions", &all, body);
    c.read()
}

#[test]
fn chat_completion() {
    let server = MockServer::start();
    let r = post_chat(&server, &[], &chat(false));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let id = r.header("x-request-id").unwrap();
    assert!(
        id.starts_with("req_") && id.len() == 20 && id[4..].bytes().all(|b| b.is_ascii_hexdigit())
    );
    assert!(r.header("openai-processing-ms").is_some());
    let v = r.json();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["model"], "gpt-4o");
    assert_eq!(v["choices"][0]["message"]["content"], "You said: hello");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    // prompt: 3 + (3 + "user" + "hello"); completion: You said : hello
    assert_eq!(
        v["usage"],
        json!({"prompt_tokens": 8, "completion_tokens": 4, "total_tokens": 12,
        "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}})
    );
}

#[test]
fn stream_ends_with_done() {
    let server = MockServer::start();
    let r = post_chat(&server, &[], &chat(true));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert!(r.complete);
    let events = r.events();
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    // Each event is its own chunk.
    assert_eq!(r.chunks.len(), events.len());
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "You said: hello");
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["finish_reason"],
        "stop"
    );
}

#[test]
fn missing_key_is_401() {
    let server = MockServer::start();
    let mut c = connect(&server);
    c.send("POST", "/v1/chat/completions", &[], &chat(false));
    let r = c.read();
    assert_eq!(r.status, 401);
    let e = &r.json()["error"];
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("You didn't provide an API key.")
    );
    assert_eq!(e["type"], "invalid_request_error");
    assert_eq!(e["code"], "invalid_api_key");
}

#[test]
fn missing_model_is_400() {
    let server = MockServer::start();
    let r = post_chat(
        &server,
        &[],
        r#"{"messages": [{"role": "user", "content": "x"}]}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "model");
    assert_eq!(r.json()["error"]["type"], "invalid_request_error");
}

#[test]
fn fault_times_then_success() {
    let server = MockServer::start();
    let headers = [
        ("x-mock-fault", "status=500;times=1"),
        ("x-test-id", "retry-1"),
    ];
    let first = post_chat(&server, &headers, &chat(false));
    assert_eq!(first.status, 500);
    assert_eq!(first.json()["error"]["type"], "server_error");
    let second = post_chat(&server, &headers, &chat(false));
    assert_eq!(second.status, 200);
    let seen = server.journal_for("retry-1");
    assert_eq!(
        seen.iter()
            .map(|e| (e.attempt, e.status))
            .collect::<Vec<_>>(),
        [(1, 500), (2, 200)]
    );
    assert_eq!(seen[0].header("X-Mock-Fault"), Some("status=500;times=1"));
    assert_eq!(seen[1].json().unwrap()["model"], "gpt-4o");
    assert!(seen[0].seq < seen[1].seq && seen[0].at_ms <= seen[1].at_ms);
}

#[test]
fn reset_after_two_events() {
    let server = MockServer::start();
    let r = post_chat(
        &server,
        &[("x-mock-fault", "reset-after=2"), ("x-test-id", "reset")],
        &chat(true),
    );
    assert_eq!(r.status, 200);
    assert!(!r.complete);
    assert_eq!(r.error, Some(io::ErrorKind::ConnectionReset));
    let content: Vec<String> = r.events()[1..].to_vec();
    assert_eq!(content.len(), 2, "{content:?}");
    assert_eq!(server.journal_for("reset")[0].status, 200);
}

#[test]
fn close_after_one_event_is_a_clean_eof_without_done() {
    let server = MockServer::start();
    let mut c = connect(&server);
    c.send(
        "POST",
        "/v1/chat/completions",
        &[AUTH, ("x-mock-fault", "close-after=1")],
        &chat(true),
    );
    let r = c.read();
    assert!(r.complete, "the terminating chunk was sent");
    let events = r.events();
    assert_eq!(
        events.len(),
        2,
        "role chunk and one content chunk: {events:?}"
    );
    assert!(!events.iter().any(|e| e == "[DONE]"));
    assert!(c.at_eof());
}

#[test]
fn drop_and_reset_send_no_response() {
    let server = MockServer::start();
    let mut c = connect(&server);
    c.send(
        "GET",
        "/v1/models",
        &[AUTH, ("x-mock-fault", "drop"), ("x-test-id", "drop")],
        "",
    );
    assert!(c.at_eof());
    let mut c = connect(&server);
    c.send(
        "GET",
        "/v1/models",
        &[AUTH, ("x-mock-fault", "reset"), ("x-test-id", "drop")],
        "",
    );
    let err = c.io.fill_buf().map(|b| b.len()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    let seen = server.journal_for("drop");
    assert_eq!(seen.iter().map(|e| e.status).collect::<Vec<_>>(), [0, 0]);
}

#[test]
fn journal_endpoint() {
    let server = MockServer::start();
    post_chat(&server, &[("x-test-id", "j/1")], &chat(false));
    post_chat(&server, &[("x-test-id", "other")], &chat(false));
    let mut c = connect(&server);
    c.send("GET", "/__mock/journal?test_id=j%2F1", &[], "");
    let r = c.read();
    assert_eq!(r.status, 200);
    let v = r.json();
    let entries = v.as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["test_id"], "j/1");
    assert_eq!(entries[0]["path"], "/v1/chat/completions");
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[0]["attempt"], 1);

    c.send("GET", "/__mock/journal", &[], "");
    assert_eq!(
        c.read().json().as_array().unwrap().len(),
        2,
        "control requests are not journaled"
    );
    c.send("DELETE", "/__mock/journal", &[], "");
    assert_eq!(c.read().status, 200);
    assert!(server.journal().is_empty());
    c.send("GET", "/__mock/journal", &[], "");
    assert_eq!(c.read().json(), json!([]));
}

#[test]
fn keep_alive_serves_two_requests_on_one_connection() {
    let server = MockServer::start();
    let mut c = connect(&server);
    c.send("POST", "/v1/chat/completions", &[AUTH], &chat(false));
    assert_eq!(c.read().status, 200);
    c.send("POST", "/v1/chat/completions", &[AUTH], &chat(true));
    let r = c.read();
    assert!(r.complete);
    c.send("GET", "/v1/models", &[AUTH], "");
    let models = c.read();
    assert_eq!(models.json()["object"], "list");
    assert_eq!(server.connections(), 1);
    assert_ne!(r.header("x-request-id"), models.header("x-request-id"));
}

#[test]
fn chunked_request_body() {
    let server = MockServer::start();
    let mut c = connect(&server);
    let body = chat(false);
    let (a, b) = body.split_at(10);
    let req = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nauthorization: Bearer k\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    c.io.get_mut().write_all(req.as_bytes()).unwrap();
    let r = c.read();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["choices"][0]["message"]["content"],
        "You said: hello"
    );
}

#[test]
fn unknown_route_and_bad_http() {
    let server = MockServer::start();
    let mut c = connect(&server);
    c.send("POST", "/v1/foo", &[AUTH], "{}");
    let r = c.read();
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["message"], "Invalid URL (POST /v1/foo)");

    let mut c = connect(&server);
    c.io.get_mut().write_all(b"NONSENSE\r\n\r\n").unwrap();
    assert_eq!(c.read().status, 400);
    assert!(c.at_eof());
}

#[test]
fn latency_option_delays_responses() {
    let server = MockServer::start_with(MockOptions {
        latency: Duration::from_millis(150),
        ..MockOptions::default()
    })
    .unwrap();
    let t = std::time::Instant::now();
    assert_eq!(post_chat(&server, &[], &chat(false)).status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
}

#[test]
fn drop_stops_the_server() {
    let server = MockServer::start();
    let addr = server.addr();
    let mut idle = connect(&server);
    idle.send("GET", "/v1/models", &[AUTH], "");
    assert_eq!(idle.read().status, 200);
    drop(server);
    assert!(TcpStream::connect(addr).is_err());
    assert!(idle.at_eof() || idle.io.fill_buf().is_err());
}

#[test]
fn tls_with_the_bundled_fixture() {
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};

    let server = MockServer::start_with(MockOptions {
        tls: Some(TlsFiles::test_fixture()),
        ..MockOptions::default()
    })
    .unwrap();
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(TlsFiles::test_ca_pem()).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let tcp = TcpStream::connect(server.addr()).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let tls = rustls::StreamOwned::new(
        rustls::ClientConnection::new(Arc::new(config), name).unwrap(),
        tcp,
    );
    let mut c = Conn {
        io: BufReader::new(tls),
    };
    c.send("POST", "/v1/chat/completions", &[AUTH], &chat(true));
    let r = c.read();
    assert!(r.complete);
    assert_eq!(r.events().last().map(String::as_str), Some("[DONE]"));

    // A failed handshake still counts as a connection.
    let mut plain = TcpStream::connect(server.addr()).unwrap();
    plain.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let mut sink = Vec::new();
    let _ = plain.read_to_end(&mut sink);
    assert_eq!(server.connections(), 2);
}

#[test]
fn binary_prints_its_url_and_exits_cleanly_on_sigterm() {
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_openai-mock"))
        .args(["--port", "0", "--no-journal", "--threads", "1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    out.read_line(&mut url).unwrap();
    let url = url.trim();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/v1"),
        "{url}"
    );
    let addr = url.trim_start_matches("http://").trim_end_matches("/v1");
    let tcp = TcpStream::connect(addr).unwrap();
    let mut c = Conn {
        io: BufReader::new(tcp),
    };
    c.send("GET", "/v1/models/gpt-4o", &[AUTH], "");
    assert_eq!(c.read().json()["id"], "gpt-4o");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn stream_tool_calls_with_usage() {
    let server = MockServer::start();
    let body = json!({"model": "gpt-4o", "stream": true, "stream_options": {"include_usage": true},
        "tools": [{"type": "function", "function": {"name": "lookup", "parameters": {}}}],
        "messages": [{"role": "user", "content": "hello"}]});
    let r = post_chat(&server, &[], &body.to_string());
    assert!(r.complete);
    let events = r.events();
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    assert!(
        chunks
            .iter()
            .all(|c| c.as_object().unwrap().contains_key("usage"))
    );
    let start = &chunks[1]["choices"][0]["delta"]["tool_calls"][0];
    assert!(start["id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(start["function"]["name"], "lookup");
    let args: String = chunks[1..]
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    assert_eq!(args, r#"{"input": "hello"}"#);
    let finish = &chunks[chunks.len() - 2];
    assert_eq!(finish["choices"][0]["finish_reason"], "tool_calls");
    let usage = &chunks[chunks.len() - 1];
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(usage["usage"]["completion_tokens"], 9);
}

#[test]
fn split_bytes_error_after_and_events() {
    let server = MockServer::start();
    let r = post_chat(
        &server,
        &[("x-mock-fault", "split-bytes;error-after=1")],
        &chat(true),
    );
    assert!(r.complete);
    assert!(r.chunks.iter().all(|c| c.len() == 1));
    let events = r.events();
    assert_eq!(events.len(), 3);
    let err: Value = serde_json::from_str(&events[2]).unwrap();
    assert_eq!(err["error"]["code"], "stream_error");

    let r = post_chat(
        &server,
        &[("x-mock-fault", "events=5;interval=1")],
        &chat(true),
    );
    let text: String = r.events()[..6]
        .iter()
        .filter_map(|e| serde_json::from_str::<Value>(e).ok())
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(text, "w0 w1 w2 w3 w4");
}

#[test]
fn one_write_sends_the_whole_stream_as_one_chunk() {
    let server = MockServer::start();
    let plain = post_chat(&server, &[("x-mock-fault", "events=20")], &chat(true));
    let r = post_chat(
        &server,
        &[("x-mock-fault", "events=20;one-write")],
        &chat(true),
    );
    assert!(r.complete);
    assert_eq!(r.chunks.len(), 1);
    assert!(plain.chunks.len() > 20);
    // The same events, ids and timestamps aside.
    let strip = |e: &String| {
        let mut v: Value = serde_json::from_str(e).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.remove("id");
            o.remove("created");
        }
        v
    };
    let (a, b) = (plain.events(), r.events());
    assert_eq!(a.len(), b.len());
    assert!(a.iter().map(strip).eq(b.iter().map(strip)));
    assert_eq!(b.last().map(String::as_str), Some("[DONE]"));
}

#[test]
fn stall_after_goes_silent() {
    let server = MockServer::start();
    let mut c = connect(&server);
    c.io.get_mut()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    c.send(
        "POST",
        "/v1/chat/completions",
        &[AUTH, ("x-mock-fault", "stall-after=1")],
        &chat(true),
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
    assert_eq!(r.events().len(), 2);
}

#[tokio::test]
async fn usable_from_async_tests() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let server = MockServer::start();
    let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    s.write_all(b"GET /v1/models HTTP/1.1\r\nauthorization: Bearer k\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"));
    assert!(out.contains("connection: close\r\n"));
    drop(server);
}
