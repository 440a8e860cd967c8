//! Error bodies, decode errors, timeouts, and the API key kept out of every message and log.

mod common;

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::*;
use openai_core::{ErrorKind, RequestOptions, TimeoutPhase};

/// Captures every log record at TRACE so the key canary can be looked for.
struct Capture;
static RECORDS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, r: &log::Record) {
        RECORDS
            .get_or_init(Default::default)
            .lock()
            .unwrap()
            .push(format!("{} {}", r.target(), r.args()));
    }
    fn flush(&self) {}
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        static CAPTURE: Capture = Capture;
        log::set_logger(&CAPTURE).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

#[tokio::test]
async fn e1_every_status_maps_with_details() {
    for (status, kind) in [
        (400, ErrorKind::BadRequest),
        (401, ErrorKind::Authentication),
        (403, ErrorKind::PermissionDenied),
        (404, ErrorKind::NotFound),
        (409, ErrorKind::Conflict),
        (422, ErrorKind::UnprocessableEntity),
        (429, ErrorKind::RateLimited),
        (500, ErrorKind::Server),
    ] {
        let client = builder().max_retries(0).build().unwrap();
        let e = client
            .chat_completion(
                &hello(),
                &fault(&test_id("e1"), &format!("status={status}")),
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind);
        assert_eq!(e.status(), Some(status));
        assert!(e.request_id().unwrap().starts_with("req_"));
        assert!(e.error_type().is_some(), "{status}");
        assert!(e.body().unwrap().contains("\"error\""));
        assert!(e.headers().iter().any(|(k, _)| k == "x-request-id"));
    }
}

#[tokio::test]
async fn missing_bearer_token_gets_401_from_the_server() {
    let e = builder()
        .default_header("authorization", "")
        .build()
        .unwrap()
        .chat_completion(&hello(), &RequestOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(e.code(), Some("invalid_api_key"));
}

#[tokio::test]
async fn e2_html_error_body_is_kept() {
    let e = builder()
        .max_retries(0)
        .build()
        .unwrap()
        .chat_completion(&hello(), &fault(&test_id("e2"), "status=502;body=html"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert!(e.body().unwrap().contains("<html"));
    assert!(e.api_error().is_none());
}

#[tokio::test]
async fn e3_e4_decode_errors_carry_the_raw_body_and_status() {
    for (f, raw) in [
        ("malformed-json", "{invalid"),
        ("content-type=text/plain", "not json"),
    ] {
        let e = client()
            .chat_completion(&hello(), &fault(&test_id("e3"), f))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{f}");
        assert_eq!(e.body(), Some(raw));
        assert_eq!(e.status(), Some(200));
        assert!(e.request_id().is_some());
    }
    let e = client()
        .chat_completion(&hello(), &fault(&test_id("e3"), "empty-body"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn t2_headers_never_arrive() {
    let client = builder()
        .max_retries(0)
        .request_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .chat_completion(&hello(), &fault(&test_id("t2"), "delay-headers=5000"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.timeout_phase(), Some(TimeoutPhase::Attempt));
    let took = started.elapsed().as_secs_f64();
    assert!((0.5..0.75).contains(&took), "{took}");
}

#[tokio::test]
async fn t3_trickling_body_hits_the_per_attempt_deadline() {
    let client = builder()
        .max_retries(0)
        .request_timeout(Duration::from_millis(1000))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .chat_completion(&hello(), &fault(&test_id("t3"), "dribble=100"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    let took = started.elapsed().as_secs_f64();
    assert!((1.0..1.25).contains(&took), "{took}");
}

#[tokio::test]
async fn dropped_connection_is_a_connection_error_after_retries() {
    let id = test_id("drop");
    let e = client()
        .chat_completion(&hello(), &fault(&id, "drop;retry-after-ms=1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert_eq!(mock().journal_for(&id).len(), 3);
    assert!(std::error::Error::source(&e).is_some(), "the cause is kept");
}

/// Every text an error exposes: Display, Debug, each field and the whole source chain.
fn error_texts(e: &openai_core::Error) -> Vec<String> {
    let mut out = vec![
        e.to_string(),
        format!("{e:?}"),
        e.message().to_owned(),
        format!("{:?}", e.body()),
        format!("{:?}", e.param()),
        format!("{:?}", e.code()),
        format!("{:?}", e.error_type()),
        format!("{:?}", e.api_error()),
        format!("{:?}", e.request_id()),
        format!("{:?}", e.headers()),
    ];
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        out.push(s.to_string());
        out.push(format!("{s:?}"));
        src = s.source();
    }
    out
}

#[tokio::test]
async fn x1_x2_key_canary_never_printed() {
    capture_logs();
    let canary = "sk-test-CANARY-5f1c0a";
    let client = builder()
        .api_key(canary)
        .max_retries(1)
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut shown = vec![format!("{client:?}"), format!("{:?}", client.config())];
    for f in [
        "status=500",
        "status=401",
        "delay-headers=2000",
        "malformed-json",
        "drop",
        "reset",
        // The server quotes the Authorization header in message, type, param, code, body and a
        // header: the only faults here that put the key into what the client receives.
        "echo-key",
        "echo-key;status=500",
    ] {
        let e = client
            .chat_completion(&hello(), &fault(&test_id("x1"), f))
            .await
            .unwrap_err();
        shown.extend(error_texts(&e));
    }
    let mut echoed = 0;
    for f in ["events=5;reset-after=1", "echo-key", "echo-key=event"] {
        let mut s = client
            .chat_completion_stream(&hello(), &fault(&test_id("x1"), f))
            .await
            .unwrap();
        while let Some(item) = s.next_chunk().await {
            if let Err(e) = item {
                if f.starts_with("echo-key") {
                    assert_eq!(e.kind(), ErrorKind::StreamEvent, "{f}: {e}");
                    assert!(e.param().unwrap().contains("Bearer [REDACTED]"), "{e:?}");
                    echoed += 1;
                }
                shown.extend(error_texts(&e));
            }
        }
    }
    assert_eq!(echoed, 2, "both SSE error forms were seen");
    // A copy made with other settings scrubs its own key; so does a key sent in a default
    // `api-key` header (Azure style).
    let other = "sk-test-CANARY-copy-77d2";
    let copy = client.config().to_builder().api_key(other).build().unwrap();
    let azure = builder()
        .api_key(canary)
        .default_header("api-key", "azure-CANARY-key-1234")
        .build()
        .unwrap();
    for c in [&copy, &azure] {
        let e = c
            .chat_completion(&hello(), &fault(&test_id("x1"), "echo-key"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication);
        // The echo really happened: the redaction marker is where the key was.
        assert!(e.message().contains("Bearer [REDACTED]"), "{e}");
        shown.extend(error_texts(&e));
    }
    let logs = RECORDS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .clone();
    assert!(!logs.is_empty(), "the client logs request metadata");
    for line in shown.iter().chain(logs.iter()) {
        assert!(!line.contains("CANARY"), "key leaked: {line}");
    }
}

/// The echo route must put the key in every field when nothing scrubs it, or the test above
/// proves nothing: a raw request sees the canary in message, param, type, code and a header.
#[tokio::test]
async fn x1_the_echo_route_really_echoes() {
    let canary = "sk-test-CANARY-raw";
    let url = format!("{}/chat/completions", mock().base_url());
    let resp = reqwest::Client::new()
        .post(url)
        .header("authorization", format!("Bearer {canary}"))
        .header("x-mock-fault", "echo-key")
        .json(&serde_json::json!({"model": "m", "messages": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()["x-echo-authorization"]
            .to_str()
            .unwrap()
            .contains(canary)
    );
    let v: serde_json::Value = resp.json().await.unwrap();
    for field in ["message", "param", "type", "code"] {
        assert!(
            v["error"][field].as_str().unwrap().contains(canary),
            "{field}: {v}"
        );
    }
}

#[tokio::test]
async fn t1_connect_timeout() {
    // A listener whose accept queue is full drops new SYNs, so connecting hangs: the loopback
    // stand-in for a black-holed address.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = sock.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fill = Vec::new();
    for _ in 0..4 {
        if let Ok(s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            fill.push(s);
        }
    }
    let client = openai_core::ClientBuilder::new()
        .api_key("sk-test")
        .base_url(format!("http://{addr}/v1"))
        .connect_timeout(Duration::from_millis(1000))
        .max_retries(0)
        .env(openai_core::EnvSource::Map(Default::default()))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .chat_completion(&hello(), &RequestOptions::default())
        .await
        .unwrap_err();
    let took = started.elapsed().as_secs_f64();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(e.timeout_phase(), Some(TimeoutPhase::Connect), "{e}");
    assert!((1.0..1.25).contains(&took), "{took}");
    drop(fill);
}
