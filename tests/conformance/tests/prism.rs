//! Conformance against Prism serving the prepared official spec. Every test here is `#[ignore]`d:
//! `scripts/conformance/run.sh` (`make conformance`) starts Prism, sets `OPENAI_CONFORMANCE_URL`
//! (`http://127.0.0.1:PORT/v1`) and runs them with `--ignored`. Run with `--ignored` but without
//! the variable, they fail: nothing here passes without having talked to the spec's server.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use openai_core::{
    ChatCompletion, Client, ClientBuilder, EnvSource, ErrorKind, Method, ModelList, RequestOptions,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const URL_VAR: &str = "OPENAI_CONFORMANCE_URL";

fn base_url() -> String {
    std::env::var(URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{URL_VAR} is not set: these tests need Prism serving tests/spec/openapi.yaml; \
             run them with `make conformance` (scripts/conformance/run.sh)"
        )
    })
}

fn client_for(url: &str, max_retries: u32) -> Client {
    ClientBuilder::new()
        .api_key("sk-test")
        .base_url(url)
        .max_retries(max_retries)
        .request_timeout(Duration::from_secs(60))
        .env(EnvSource::Map(Default::default()))
        .build()
        .expect("client builds")
}

/// No retries: a failure must show the first answer, not a retried one.
fn client() -> Client {
    client_for(&base_url(), 0)
}

fn opts() -> RequestOptions {
    RequestOptions::default()
}

fn with_headers(headers: &[(&str, Option<&str>)]) -> RequestOptions {
    RequestOptions {
        extra_headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_owned)))
            .collect(),
        ..Default::default()
    }
}

#[track_caller]
fn ok<T>(what: &str, r: openai_core::Result<openai_core::Response<T>>) -> openai_core::Response<T> {
    match r {
        Ok(resp) => {
            assert!((200..300).contains(&resp.status), "{what}: {}", resp.status);
            resp
        }
        Err(e) => panic!(
            "{what}: {e} (kind {:?}, status {:?})\nbody: {}",
            e.kind(),
            e.status(),
            e.body().unwrap_or("")
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Every endpoint, minimal and with every typed parameter: 2xx and a typed response
// ---------------------------------------------------------------------------------------------

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn chat_completions() {
    let c = client();
    let mut cases = vec![
        ("minimal", min_chat()),
        ("every typed field, json_object", full_chat_json_object()),
        (
            "every typed field, json_schema, extra fields",
            full_chat_json_schema(),
        ),
        ("legacy guide shapes", legacy_chat()),
    ];
    cases.extend(
        chat_text_variants()
            .into_iter()
            .map(|r| ("text variant", r)),
    );
    for (what, req) in cases {
        let r = ok(what, c.chat_completion(&req, &opts()).await);
        assert!(!r.data.id.is_empty(), "{what}: {:?}", r.data);
        assert!(!r.data.choices.is_empty(), "{what}: {:?}", r.data);
        assert!(r.data.usage.is_some(), "{what}: {:?}", r.data);
    }
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn chat_stream_request_body_is_accepted() {
    // Prism does not stream (streaming is tested against the mock server), but it still
    // validates the body `chat_completion_stream` sends: `stream: true` with `stream_options`.
    let r = ok(
        "stream body",
        client()
            .request_json(
                Method::POST,
                "chat/completions",
                Some(stream_chat_body()),
                &opts(),
            )
            .await,
    );
    let c: ChatCompletion = serde_json::from_value(r.data).expect("parses");
    assert!(!c.choices.is_empty());
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn images_generations() {
    let c = client();
    for (what, req) in [
        ("minimal", min_image()),
        ("every typed field, dall-e-3", full_image()),
        ("every typed field, dall-e-2 b64", full_image_b64()),
    ] {
        let r = ok(what, c.images_generate(&req, &opts()).await);
        assert!(!r.data.data.is_empty(), "{what}: {:?}", r.data);
        let img = &r.data.data[0];
        assert!(
            img.url.is_some() || img.b64_json.is_some(),
            "{what}: {img:?}"
        );
    }
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn embeddings() {
    let c = client();
    let mut cases = vec![min_embedding()];
    cases.extend(full_embeddings());
    for req in cases {
        let what = format!("input {}", req.input);
        let r = ok(&what, c.embeddings(&req, &opts()).await);
        assert!(!r.data.data.is_empty(), "{what}: {:?}", r.data);
        r.data.data[0].embedding.to_f32().expect("a vector");
    }
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn models_list_and_retrieve() {
    let c = client();
    let list = ok("models list", c.models_list(&opts()).await);
    assert!(!list.data.data.is_empty());
    assert!(!list.data.data[0].id.is_empty());
    for id in ["gpt-4o-mini", "ft:gpt-4o-mini:my-org:custom-suffix:abc123"] {
        let m = ok(id, c.models_retrieve(id, &opts()).await);
        assert_eq!(m.data.object, "model");
        assert!(!m.data.id.is_empty());
    }
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn request_json_generic_calls() {
    let c = client();
    let r = ok(
        "GET models",
        c.request_json(Method::GET, "models", None, &opts()).await,
    );
    let list: ModelList = serde_json::from_value(r.data).expect("a model list");
    assert!(!list.data.is_empty());
    let r = ok(
        "POST moderations",
        c.request_json(
            Method::POST,
            "/moderations",
            Some(
                json!({"input": ["I want to hug you", "hello"], "model": "omni-moderation-latest"}),
            ),
            &opts(),
        )
        .await,
    );
    assert!(r.data["results"].is_array(), "{}", r.data);
}

fn parse_as<T: serde::de::DeserializeOwned>(what: &str, v: Value) {
    if let Err(e) = serde_json::from_value::<T>(v.clone()) {
        panic!("{what}: a response the spec allows does not parse: {e}\n{v}");
    }
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn responses_the_spec_allows_parse() {
    // `Prefer: dynamic=true` makes Prism invent a random response from the schema each time:
    // a small fuzz of "every response the description allows must parse".
    let c = client();
    let dynamic = with_headers(&[("Prefer", Some("dynamic=true"))]);
    for round in 0..10 {
        let at = |what: &str| format!("dynamic round {round}: {what}");
        let call = |m: Method, path: &'static str, body: Option<Value>| {
            let c = c.clone();
            let dynamic = dynamic.clone();
            async move { c.request_json(m, path, body, &dynamic).await }
        };
        let chat = serde_json::to_value(min_chat()).unwrap();
        let r = ok(
            &at("chat"),
            call(Method::POST, "chat/completions", Some(chat)).await,
        );
        parse_as::<ChatCompletion>(&at("chat"), r.data);
        let img = serde_json::to_value(min_image()).unwrap();
        let r = ok(
            &at("images"),
            call(Method::POST, "images/generations", Some(img)).await,
        );
        parse_as::<openai_core::ImagesResponse>(&at("images"), r.data);
        let emb = serde_json::to_value(min_embedding()).unwrap();
        let r = ok(
            &at("embeddings"),
            call(Method::POST, "embeddings", Some(emb)).await,
        );
        parse_as::<openai_core::EmbeddingsResponse>(&at("embeddings"), r.data);
        let r = ok(&at("models"), call(Method::GET, "models", None).await);
        parse_as::<ModelList>(&at("models"), r.data);
        let r = ok(&at("model"), call(Method::GET, "models/gpt-4o", None).await);
        parse_as::<openai_core::Model>(&at("model"), r.data);
    }
    eprintln!("dynamic responses: 50 parsed");
}

// ---------------------------------------------------------------------------------------------
// Canaries: the server validates request bodies (else every 2xx above means nothing)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn invalid_bodies_get_422() {
    let c = client();
    let mut failures = Vec::new();
    for (path, body, why) in canaries() {
        match c
            .request_json(Method::POST, path, Some(body.clone()), &opts())
            .await
        {
            Err(e) if e.kind() == ErrorKind::UnprocessableEntity && e.status() == Some(422) => {}
            Err(e) => failures.push(format!("{path} ({why}): {e}")),
            Ok(r) => failures.push(format!(
                "{path} ({why}): got {} — the server skipped request validation",
                r.status
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "negative canaries that did not get 422:\n  {}",
        failures.join("\n  ")
    );
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn missing_api_key_gets_401() {
    let no_auth = with_headers(&[("Authorization", None)]);
    let e = client()
        .models_list(&no_auth)
        .await
        .expect_err("no Authorization must be refused");
    assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    assert_eq!(e.status(), Some(401));
}

// ---------------------------------------------------------------------------------------------
// Forced 429s: typed error, and retries really happen (counted by a proxy)
// ---------------------------------------------------------------------------------------------

/// A TCP proxy in front of Prism that records the `x-stainless-retry-count` of every request
/// it forwards: one entry per attempt the client made.
struct CountingProxy {
    url: String,
    attempts: Arc<Mutex<Vec<String>>>,
}

impl CountingProxy {
    async fn start(upstream_url: &str) -> CountingProxy {
        let rest = upstream_url
            .strip_prefix("http://")
            .expect("an http:// URL");
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let upstream = authority.to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let attempts = Arc::new(Mutex::new(Vec::new()));
        let seen = attempts.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let seen = seen.clone();
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut ri, mut wi) = inbound.into_split();
                    let (mut ro, mut wo) = outbound.into_split();
                    tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut ro, &mut wi).await;
                    });
                    let mut buf = vec![0u8; 16 * 1024];
                    let mut pending = String::new();
                    loop {
                        let n = match ri.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if wo.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        pending.push_str(&String::from_utf8_lossy(&buf[..n]));
                        while let Some(end) = pending.find("\r\n") {
                            let line: String = pending.drain(..end + 2).collect();
                            let lower = line.to_ascii_lowercase();
                            if let Some(v) = lower.strip_prefix("x-stainless-retry-count:") {
                                seen.lock().unwrap().push(v.trim().to_owned());
                            }
                        }
                    }
                    let _ = wo.shutdown().await;
                });
            }
        });
        CountingProxy {
            url: format!("http://{addr}/{path}"),
            attempts,
        }
    }

    fn attempts(&self) -> Vec<String> {
        self.attempts.lock().unwrap().clone()
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `Prefer: code=429` on every attempt; with `max_retries = 2` the client must make 3 attempts
/// when the server's `Retry-After` is within the 120 s cap (honouring it between attempts), and
/// fail fast after 1 attempt with the value on the error when it is above.
async fn assert_rate_limit_retries(what: &str, call: RateLimitedCall) {
    let proxy = CountingProxy::start(&base_url()).await;
    let c = client_for(&proxy.url, 2);
    let force = with_headers(&[("Prefer", Some("code=429"))]);
    let started = Instant::now();
    let e = match call {
        RateLimitedCall::Chat => c.chat_completion(&min_chat(), &force).await.map(|_| ()),
        RateLimitedCall::Embeddings => c.embeddings(&min_embedding(), &force).await.map(|_| ()),
    }
    .expect_err("a forced 429 is an error");
    let elapsed = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::RateLimited, "{what}: {e}");
    assert_eq!(e.status(), Some(429), "{what}");
    let retry_after: f64 = header(e.headers(), "retry-after")
        .unwrap_or_else(|| panic!("{what}: no Retry-After on the 429: {:?}", e.headers()))
        .trim()
        .parse()
        .expect("Retry-After in seconds (the spec declares an integer)");
    let attempts = proxy.attempts();
    if retry_after <= 120.0 {
        assert_eq!(attempts, ["0", "1", "2"], "{what}: one entry per attempt");
        let waited = Duration::from_secs_f64(2.0 * retry_after);
        assert!(
            elapsed >= waited,
            "{what}: Retry-After {retry_after}s not honoured: {elapsed:?}"
        );
        assert_eq!(e.retry_after(), None, "{what}: only set when above the cap");
    } else {
        assert_eq!(attempts, ["0"], "{what}: fail fast above the cap");
        assert_eq!(e.retry_after(), Some(Duration::from_secs_f64(retry_after)));
    }
    eprintln!(
        "{what}: 429 with Retry-After {retry_after}: {} attempts in {elapsed:?}",
        attempts.len()
    );
}

enum RateLimitedCall {
    Chat,
    Embeddings,
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn chat_429_is_retried_then_rate_limited() {
    assert_rate_limit_retries("chat", RateLimitedCall::Chat).await;
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn embeddings_429_is_retried_then_rate_limited() {
    assert_rate_limit_retries("embeddings", RateLimitedCall::Embeddings).await;
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn no_retries_means_one_attempt() {
    let proxy = CountingProxy::start(&base_url()).await;
    let c = client_for(&proxy.url, 0);
    let force = with_headers(&[("Prefer", Some("code=429"))]);
    let e = c
        .chat_completion(&min_chat(), &force)
        .await
        .expect_err("429");
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(proxy.attempts(), ["0"]);
    // And the proxy itself forwards a success untouched.
    ok("through the proxy", c.models_list(&opts()).await);
    assert_eq!(proxy.attempts(), ["0", "0"]);
}

#[test]
#[ignore = "needs Prism: make conformance"]
fn the_server_is_the_prepared_spec() {
    // Guards against pointing the suite at something else (the mock server answers all of the
    // above too): Prism's 422 is an RFC 7807 problem document.
    let c = client();
    let e = openai_core::blocking::block_on(c.request_json(
        Method::POST,
        "embeddings",
        Some(json!({})),
        &opts(),
    ))
    .expect("the shared runtime runs")
    .expect_err("422");
    let body: Value = serde_json::from_str(e.body().unwrap_or("null")).unwrap_or(Value::Null);
    assert_eq!(body["status"], 422, "{body}");
    assert!(body["validation"].is_array(), "{body}");
}

// ---------------------------------------------------------------------------------------------
// The Responses API: every operation, with a negative canary each
// ---------------------------------------------------------------------------------------------

fn full_responses_request() -> openai_core::ResponsesRequest {
    use openai_core::responses::{InputItem, InputPart};
    openai_core::ResponsesRequest::with_items(
        "gpt-4o",
        vec![
            InputItem::message("developer", "Answer in French."),
            InputItem::message_parts(
                "user",
                vec![
                    InputPart::text("What is in this image, and the weather?"),
                    InputPart::image_url("https://example.com/cat.png"),
                    InputPart::file_id("file-abc"),
                ],
            ),
            InputItem(
                json!({"type": "function_call", "call_id": "call_1", "name": "get_weather",
                "arguments": "{\"city\":\"Paris\"}"}),
            ),
            InputItem::function_call_output("call_1", "sunny"),
        ],
    )
    .instructions("Be brief.")
    .previous_response_id("resp_123")
    .function_tool(
        "get_weather",
        Some("The weather in a city"),
        json!({"type": "object", "properties": {"city": {"type": "string"}},
               "required": ["city"], "additionalProperties": false}),
        true,
    )
    .json_schema(
        "weather",
        json!({"type": "object", "properties": {"summary": {"type": "string"}},
               "required": ["summary"], "additionalProperties": false}),
        true,
    )
    .reasoning_effort("low")
    .max_output_tokens(200)
    .temperature(0.5)
    .store(true)
    .extra("top_p", json!(0.9))
    .extra("tool_choice", json!("auto"))
    .extra("parallel_tool_calls", json!(true))
    .extra("truncation", json!("auto"))
    .extra("metadata", json!({"k": "v"}))
    .extra("include", json!(["reasoning.encrypted_content"]))
    .extra("service_tier", json!("auto"))
    .extra("prompt_cache_key", json!("cache-1"))
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn responses_every_operation() {
    let c = client();
    for (what, req) in [
        (
            "minimal",
            openai_core::ResponsesRequest::new("gpt-4o", "Hello"),
        ),
        ("every typed field", full_responses_request()),
    ] {
        let r = ok(what, c.responses_create(&req, &opts()).await);
        assert_eq!(r.data.object, "response", "{what}");
        assert!(!r.data.id.is_empty() && !r.data.output.is_empty(), "{what}");
    }
    let r = ok("retrieve", c.responses_retrieve("resp_123", &opts()).await);
    assert_eq!(r.data.object, "response");
    let d = ok("delete", c.responses_delete("resp_123", &opts()).await);
    assert!(d.status == 200, "{}", d.status);
    ok("cancel", c.responses_cancel("resp_123", &opts()).await);
    let mut pager = c
        .responses_input_items(
            "resp_123",
            vec![("limit".into(), "5".into()), ("order".into(), "asc".into())],
            &opts(),
        )
        .unwrap();
    let page = pager.next_page().await.expect("a first page");
    let page = ok("input_items", page);
    assert_eq!(page.data["object"], "list");
    let n = ok(
        "input_tokens",
        c.responses_input_tokens(&full_responses_request(), &opts())
            .await,
    );
    assert!(n.data["input_tokens"].is_u64(), "{}", n.data);
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn responses_negative_canaries() {
    use openai_core::endpoints::{self, Call};
    let c = client();
    let no_auth = with_headers(&[("Authorization", None)]);
    // (operation, call, options, the status the canary must get)
    let cases: Vec<(&str, Call, RequestOptions, u16)> = vec![
        (
            "createResponse",
            Call::new().json(json!({"model": 5, "input": "hi"})),
            opts(),
            422,
        ),
        (
            "createResponse",
            Call::new().json(json!({"model": "gpt-4o", "input": "hi", "temperature": 3})),
            opts(),
            422,
        ),
        (
            "getResponse",
            Call::new()
                .path_param("response_id", "resp_1")
                .query("starting_after", "abc"),
            opts(),
            422,
        ),
        (
            "listInputItems",
            Call::new()
                .path_param("response_id", "resp_1")
                .query("order", "sideways"),
            opts(),
            422,
        ),
        (
            "Getinputtokencounts",
            Call::new().json(json!({"model": 5})),
            opts(),
            422,
        ),
        // Delete and cancel take nothing that can be invalid: their canary is the security
        // requirement (a server that ignored the operation's definition would answer 200).
        (
            "deleteResponse",
            Call::new().path_param("response_id", "resp_1"),
            no_auth.clone(),
            401,
        ),
        (
            "cancelResponse",
            Call::new().path_param("response_id", "resp_1"),
            no_auth,
            401,
        ),
    ];
    let mut failures = Vec::new();
    for (op, call, o, want) in cases {
        let ep = endpoints::get(op).unwrap();
        match c.call(ep, &call, &o).await {
            Err(e) if e.status() == Some(want) => {}
            Err(e) => failures.push(format!("{op}: {e}")),
            Ok(r) => failures.push(format!("{op}: got {}, want {want}", r.status)),
        }
    }
    assert!(
        failures.is_empty(),
        "canaries:\n  {}",
        failures.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// Issue 13's endpoints through the generic engine: every operation once, a canary per body kind
// ---------------------------------------------------------------------------------------------

fn issue13_calls() -> Vec<(&'static str, openai_core::endpoints::Call)> {
    use openai_core::Multipart;
    use openai_core::endpoints::Call;
    let upload = || {
        Multipart::new().text("purpose", "batch").bytes(
            "file",
            &b"{\"custom_id\":\"a\"}\n"[..],
            "in.jsonl",
            None,
        )
    };
    let audio = || {
        Multipart::new().text("model", "whisper-1").bytes(
            "file",
            &b"RIFF....WAVE"[..],
            "a.wav",
            None,
        )
    };
    let image = || {
        Multipart::new().text("prompt", "a hat").bytes(
            "image",
            &b"\x89PNG\r\n\x1a\n"[..],
            "a.png",
            None,
        )
    };
    vec![
        ("createFile", Call::new().multipart(upload())),
        (
            "listFiles",
            Call::new().query("limit", "2").query("order", "asc"),
        ),
        (
            "retrieveFile",
            Call::new().path_param("file_id", "file-abc"),
        ),
        ("deleteFile", Call::new().path_param("file_id", "file-abc")),
        (
            "createUpload",
            Call::new().json(json!({"filename": "big.jsonl", "purpose": "batch",
            "bytes": 10, "mime_type": "text/jsonl"})),
        ),
        (
            "addUploadPart",
            Call::new()
                .path_param("upload_id", "upload_abc")
                .multipart(Multipart::new().bytes("data", &b"0123456789"[..], "part", None)),
        ),
        (
            "completeUpload",
            Call::new()
                .path_param("upload_id", "upload_abc")
                .json(json!({"part_ids": ["part_1"]})),
        ),
        (
            "cancelUpload",
            Call::new().path_param("upload_id", "upload_abc"),
        ),
        (
            "createBatch",
            Call::new().json(json!({"input_file_id": "file-abc",
            "endpoint": "/v1/chat/completions", "completion_window": "24h"})),
        ),
        (
            "retrieveBatch",
            Call::new().path_param("batch_id", "batch_abc"),
        ),
        ("listBatches", Call::new().query("limit", "2")),
        (
            "cancelBatch",
            Call::new().path_param("batch_id", "batch_abc"),
        ),
        ("createTranscription", Call::new().multipart(audio())),
        ("createTranslation", Call::new().multipart(audio())),
        (
            "createModeration",
            Call::new().json(json!({"input": "hello"})),
        ),
        (
            "createCompletion",
            Call::new().json(json!({"model": "gpt-3.5-turbo-instruct",
            "prompt": "Say hi", "max_tokens": 5})),
        ),
        ("createImageEdit", Call::new().multipart(image())),
        (
            "createImageVariation",
            Call::new().multipart(Multipart::new().bytes(
                "image",
                &b"\x89PNG\r\n\x1a\n"[..],
                "a.png",
                None,
            )),
        ),
        (
            "deleteModel",
            Call::new().path_param("model", "ft:gpt-4o-mini:org:x:1"),
        ),
        ("listChatCompletions", Call::new().query("limit", "2")),
        (
            "getChatCompletion",
            Call::new().path_param("completion_id", "chatcmpl-1"),
        ),
        (
            "updateChatCompletion",
            Call::new()
                .path_param("completion_id", "chatcmpl-1")
                .json(json!({"metadata": {"k": "v"}})),
        ),
        (
            "deleteChatCompletion",
            Call::new().path_param("completion_id", "chatcmpl-1"),
        ),
        (
            "getChatCompletionMessages",
            Call::new().path_param("completion_id", "chatcmpl-1"),
        ),
    ]
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn issue13_every_operation() {
    use openai_core::endpoints::{self, AnswerKind, Call};
    let c = client();
    let mut failures = Vec::new();
    for (op, call) in issue13_calls() {
        let ep = endpoints::get(op).unwrap();
        let r = match ep.answer {
            AnswerKind::Binary => c.download(ep, &call, &opts()).await.map(|d| d.status),
            _ => c.call_raw(ep, &call, &opts()).await.map(|r| r.status),
        };
        match r {
            Ok(s) if (200..300).contains(&s) => {}
            Ok(s) => failures.push(format!("{op}: status {s}")),
            Err(e) => failures.push(format!("{op}: {e}\n    body: {}", e.body().unwrap_or(""))),
        }
    }
    for (op, call) in [
        (
            "downloadFile",
            Call::new().path_param("file_id", "file-abc"),
        ),
        (
            "createSpeech",
            Call::new().json(json!({"model": "tts-1", "input": "hi", "voice": "alloy"})),
        ),
    ] {
        if let Err(e) = c
            .download(endpoints::get(op).unwrap(), &call, &opts())
            .await
        {
            failures.push(format!("{op}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "operations that failed:\n  {}",
        failures.join("\n  ")
    );
}

#[tokio::test]
#[ignore = "needs Prism: make conformance"]
async fn issue13_canaries_per_body_kind() {
    use openai_core::Multipart;
    use openai_core::endpoints::{self, Call};
    let c = client();
    let cases = vec![
        // multipart: a form without its required `purpose` part
        (
            "createFile",
            Call::new().multipart(Multipart::new().bytes("file", &b"x\n"[..], "x.jsonl", None)),
        ),
        // JSON: a completion window the spec does not allow
        (
            "createBatch",
            Call::new().json(json!({"input_file_id": "file-abc",
            "endpoint": "/v1/chat/completions", "completion_window": "1h"})),
        ),
        // query: an order that is neither asc nor desc
        ("listFiles", Call::new().query("order", "sideways")),
    ];
    let mut failures = Vec::new();
    for (op, call) in cases {
        match c
            .call_raw(endpoints::get(op).unwrap(), &call, &opts())
            .await
        {
            Err(e) if e.status() == Some(422) => {}
            Err(e) => failures.push(format!("{op}: {e}")),
            Ok(r) => failures.push(format!(
                "{op}: got {}, the server skipped validation",
                r.status
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "canaries:\n  {}",
        failures.join("\n  ")
    );
}
