//! A deterministic OpenAI-compatible HTTP/1.1 server for tests, examples and
//! benchmarks, with fault injection that real HTTP stacks cannot produce.
//!
//! # Use from Rust
//!
//! ```no_run
//! let server = openai_mock::MockServer::start();
//! let url = server.base_url(); // "http://127.0.0.1:PORT/v1"
//! // ... point a client at `url`, send `x-test-id: my-test` ...
//! let seen = server.journal_for("my-test");
//! # let _ = (url, seen);
//! ```
//!
//! The server runs on its own thread with its own tokio runtime, so blocking
//! and async tests can both use it; dropping the [`MockServer`] stops it.
//!
//! # Behaviour
//!
//! All API routes live under `/v1` and need `Authorization: Bearer <key>`
//! (any non-empty key). Every response carries `x-request-id:
//! req_<16 hex>` and `openai-processing-ms`. Errors use OpenAI's envelope
//! `{"error": {"message", "type", "param", "code"}}`.
//!
//! * `POST /v1/chat/completions`: replies `"You said: " + <last user text>`
//!   (string content, or the parts in order: text parts separated by `" "`,
//!   each image part adding `" [image]"`). A last message with role `tool`
//!   yields `"Tool result: <its content>"`. With non-empty `tools` and a
//!   `tool_choice` other than `"none"` the reply is one tool call to the
//!   named (else the first) function with arguments
//!   `{"input": "<last user text>"}`. JSON mode wraps the text as
//!   `{"reply": "<text>"}`. `max_tokens`/`max_completion_tokens` below the
//!   reply's token count cut it (`finish_reason: "length"`). `n` gives n
//!   identical choices. `stream: true` streams one chunk per token.
//! * `POST /v1/embeddings`: unit vectors (`dimensions`, default 8) seeded by
//!   an FNV-1a hash of each input; `encoding_format: "base64"` supported.
//! * `POST /v1/images/generations`: `url`s or a 1x1 PNG as `b64_json`.
//! * `GET /v1/models`, `GET /v1/models/{id}`.
//! * `GET /__mock/journal[?test_id=X]`, `DELETE /__mock/journal`,
//!   `GET /__mock/health`, `GET /__mock/stats` (no auth, not journaled).
//!
//! # Tokens
//!
//! A token is a maximal run of ASCII alphanumerics, or any single other
//! non-whitespace char (so each punctuation mark, CJK char or emoji is one
//! token): `"You said: hello"` is 4 tokens. Usage is
//! `prompt_tokens = 3 + Σ over messages (3 + tokens(role) + tokens(text))`,
//! `completion_tokens = n × tokens(reply)` (for a tool call, tokens of its
//! arguments string), `total = prompt + completion`. Stream deltas are each
//! token with the whitespace before it, so they concatenate to the
//! non-streaming content. Embedding usage counts tokens of each string
//! input, or the length of each token-array input.
//!
//! # Faults
//!
//! Per request, `x-mock-fault: key=value;key=value;flag`, with optional
//! `x-test-id` (attempts are counted per test id; requests without one share
//! a counter). Unknown keys are a 400 (`code: invalid_mock_fault`).
//!
//! | key | effect |
//! |---|---|
//! | `status=N` | answer N with the envelope for N |
//! | `code=X` | error code (`insufficient_quota` also sets the type) |
//! | `body=html` | a text/html page instead (status from `status`, else 200) |
//! | `times=K` | the whole fault applies to the first K attempts only |
//! | `retry-after=V`, `retry-after-ms=V` | raw headers |
//! | `retry-after-date=+S` | `retry-after` as an HTTP-date S seconds ahead |
//! | `should-retry=true\|false` | `x-should-retry` |
//! | `delay-headers=MS`, `latency=MS` | sleep before anything is written (`latency` replaces the server-wide latency) |
//! | `dribble=MS` | non-streaming body one byte every MS ms |
//! | `drop` | close without answering |
//! | `reset` | TCP RST without answering |
//! | `malformed-json`, `empty-body`, `content-type=T` | 200 with `{invalid`, spaces, or `not json` as T |
//! | `events=N` | the reply is exactly N tokens `w0 w1 …` (also non-streaming) |
//! | `interval=MS` | sleep between content events |
//! | `stall-after=N` | go silent after N content events (up to 120 s) |
//! | `reset-after=N` | RST after N content events |
//! | `close-after=N` | terminating chunk and close after N events (no `[DONE]`) |
//! | `truncate-after=N` | close after N events without the terminating chunk |
//! | `error-after=N` | an SSE error event after N events, then end the body |
//! | `split-bytes` | every byte of the SSE body as its own HTTP chunk |
//!
//! A stream cut point beyond the end of the reply fires before the final
//! `finish_reason` chunk. The journal records every attempt, faulted or not.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

mod fault;
mod http;
mod journal;
mod openai;
mod server;
mod tokens;

#[doc(hidden)]
pub use server::{Engine, bind};

/// How to start a [`MockServer`].
#[derive(Clone, Debug)]
pub struct MockOptions {
    /// Added before every `/v1` response (a `latency=` fault overrides it).
    pub latency: Duration,
    pub tls: Option<TlsFiles>,
    /// Record requests (default true). Benchmarks may turn it off.
    pub journal: bool,
    /// 0 picks a free port.
    pub port: u16,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            latency: Duration::ZERO,
            tls: None,
            journal: true,
            port: 0,
        }
    }
}

/// PEM files for serving HTTPS.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

impl TlsFiles {
    /// A certificate for `localhost`, `127.0.0.1` and `::1` shipped with this
    /// crate, signed by [`TlsFiles::test_ca_pem`].
    pub fn test_fixture() -> TlsFiles {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("certs");
        TlsFiles {
            cert_pem: dir.join("cert.pem"),
            key_pem: dir.join("key.pem"),
        }
    }

    /// The CA that signed the fixture certificate, for clients to trust.
    pub fn test_ca_pem() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("certs")
            .join("ca.pem")
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug, Serialize)]
pub struct JournalEntry {
    /// 1-based, in arrival order.
    pub seq: u64,
    /// When the head and body were fully read, in ms since server start
    /// (monotonic clock).
    pub at_ms: f64,
    pub method: String,
    pub path: String,
    pub query: String,
    /// Names lowercased, in order.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub test_id: Option<String>,
    /// 1-based count of requests seen with this test id.
    pub attempt: u32,
    /// The status sent; 0 if no response was sent (drop, reset, or not yet).
    pub status: u16,
}

impl JournalEntry {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// A running mock server; dropping it stops accepting and ends every
/// connection.
pub struct MockServer {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    tls: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Starts with default options on a free port. Panics if it cannot.
    pub fn start() -> MockServer {
        MockServer::start_with(MockOptions::default())
            .expect("openai-mock: cannot start the mock server")
    }

    pub fn start_with(opts: MockOptions) -> std::io::Result<MockServer> {
        let engine = Engine::new(&opts)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("openai-mock")
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            bind(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::LOCALHOST,
                opts.port,
            )))?
        };
        let addr = listener.local_addr()?;
        let shared = engine.shared.clone();
        let tls = engine.is_tls();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("openai-mock".into())
            .spawn(move || {
                runtime.block_on(engine.run(listener, async {
                    let _ = stopped.await;
                }));
                // Dropping the runtime drops every connection task, closing
                // their sockets; no task blocks, so this returns promptly.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok(MockServer {
            shared,
            addr,
            tls,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT/v1` (`https://` when serving TLS).
    pub fn base_url(&self) -> String {
        format!(
            "{}://{}/v1",
            if self.tls { "https" } else { "http" },
            self.addr
        )
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.journal.entries(None)
    }

    /// Entries whose `x-test-id` equals `test_id`, in arrival order.
    pub fn journal_for(&self, test_id: &str) -> Vec<JournalEntry> {
        self.shared.journal.entries(Some(test_id))
    }

    /// Forgets the recorded entries. Attempt counters are kept, so a
    /// concurrent test's `times=K` fault is not re-armed.
    pub fn clear_journal(&self) {
        self.shared.journal.clear();
    }

    /// TCP connections accepted so far, including TLS ones whose handshake
    /// failed.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.base_url())
            .finish()
    }
}
