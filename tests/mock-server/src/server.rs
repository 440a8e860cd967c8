//! Connections, routing and fault injection.

use std::future::Future;
use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::batches::{self, BatchStore};
use crate::chatstore::ChatStore;
use crate::fault::{Fault, StreamCut};
use crate::files::{Content, FileStore};
use crate::http::{self, BadRequest, ReadError, Request};
use crate::journal::{Arrival, Journal};
use crate::legacy::{self, CompletionPlan, TextChoice, TextCompletion};
use crate::multipart::{self, Blob, Collector, Fnv, Form, Spool};
use crate::openai::{
    self, ApiError, ChatPlan, Chunk, ChunkChoice, Delta, FunctionDelta, Reply, ToolCallDelta,
};
use crate::ratelimit::{Limiter, Limits, RateHeaders};
use crate::responses::{self, ResponsePlan, Step};
use crate::{JournalPart, MockOptions, TlsFiles, audio, tokens};

/// How long `stall-after` holds a stream open when the client doesn't hang up.
const STALL: Duration = Duration::from_secs(120);
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct Shared {
    pub start: Instant,
    pub latency: Duration,
    pub journal: Journal,
    pub connections: AtomicU64,
    next_request: AtomicU64,
    next_completion: AtomicU64,
    next_call: AtomicU64,
    next_image: AtomicU64,
    next_text: AtomicU64,
    next_moderation: AtomicU64,
    responses: responses::Store,
    files: FileStore,
    batches: BatchStore,
    chats: ChatStore,
    deleted_models: std::sync::Mutex<std::collections::HashSet<String>>,
    limiter: Limiter,
    /// `--rpm`/`--tpm`: one limit for every request.
    limits: Option<Limits>,
    /// Last: fields drop in order, so the stores' spooled blobs remove their
    /// files before the spool removes its directory.
    spool: Spool,
}

fn bump(counter: &AtomicU64) -> u64 {
    counter.fetch_add(1, Ordering::Relaxed) + 1
}

/// The server minus its listener: what the library thread and the binary
/// both run.
#[doc(hidden)]
pub struct Engine {
    pub(crate) shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
}

fn tls_acceptor(files: &TlsFiles) -> io::Result<TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let invalid = |what: &str, e: &dyn std::fmt::Display| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}"))
    };
    let certs = CertificateDer::pem_file_iter(&files.cert_pem)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| invalid(&files.cert_pem.display().to_string(), &e))?;
    if certs.is_empty() {
        return Err(invalid(
            &files.cert_pem.display().to_string(),
            &"no certificate found",
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key_pem)
        .map_err(|e| invalid(&files.key_pem.display().to_string(), &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid("tls", &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid("tls", &e))?;
    // Clients built with HTTP/2 support must not negotiate it: we only speak 1.1.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Binds with a deep backlog: benchmarks open hundreds of connections at
/// once and the default 128 would drop SYNs into one-second retransmits.
/// Must be called inside a tokio runtime context.
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

impl Engine {
    pub fn new(opts: &MockOptions) -> io::Result<Engine> {
        let tls = opts.tls.as_ref().map(tls_acceptor).transpose()?;
        Ok(Engine {
            shared: Arc::new(Shared {
                start: Instant::now(),
                latency: opts.latency,
                journal: Journal::new(opts.journal),
                connections: AtomicU64::new(0),
                next_request: AtomicU64::new(0),
                next_completion: AtomicU64::new(0),
                next_call: AtomicU64::new(0),
                next_image: AtomicU64::new(0),
                next_text: AtomicU64::new(0),
                next_moderation: AtomicU64::new(0),
                responses: responses::Store::default(),
                files: FileStore::default(),
                batches: BatchStore::default(),
                chats: ChatStore::default(),
                deleted_models: Default::default(),
                limiter: Limiter::default(),
                limits: (opts.rpm.is_some() || opts.tpm.is_some()).then(|| Limits {
                    rpm: opts.rpm.unwrap_or(crate::ratelimit::DEFAULT_RPM),
                    tpm: opts.tpm.unwrap_or(crate::ratelimit::DEFAULT_TPM),
                    window: opts.rate_window,
                }),
                spool: Spool::default(),
            }),
            tls,
        })
    }

    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Accepts until `shutdown` resolves. Connection tasks are not awaited:
    /// the library drops its runtime and the binary exits.
    pub async fn run(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let tcp = tokio::select! {
                _ = &mut shutdown => return,
                accepted = listener.accept() => match accepted {
                    Ok((tcp, _)) => tcp,
                    Err(_) => {
                        // Usually EMFILE; back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                },
            };
            self.shared.connections.fetch_add(1, Ordering::SeqCst);
            let _ = tcp.set_nodelay(true);
            let shared = self.shared.clone();
            match &self.tls {
                None => {
                    tokio::spawn(serve_conn(tcp, shared));
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        if let Ok(Ok(tls)) =
                            tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
                        {
                            serve_conn(tls, shared).await;
                        }
                    });
                }
            }
        }
    }
}

/// A connection we can also reset: faults need the TCP socket under TLS.
trait Conn: AsyncRead + AsyncWrite + Unpin + Send {
    fn tcp(&self) -> &TcpStream;
}

impl Conn for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Conn for tokio_rustls::server::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

enum Next {
    KeepAlive,
    Close,
    Reset,
}

async fn serve_conn<C: Conn>(mut c: C, sh: Arc<Shared>) {
    let mut buf = Vec::with_capacity(8192);
    loop {
        let req = match read_one(&mut c, &mut buf, &sh).await {
            Ok(Some(req)) => req,
            Ok(None) | Err(ReadError::Io) => return,
            Err(ReadError::Bad(BadRequest(status, message))) => {
                let ctx = Ctx::control(Instant::now(), false);
                let _ = send(
                    &mut c,
                    &sh,
                    &ctx,
                    status,
                    JSON,
                    &ApiError::new(status, message).body(),
                )
                .await;
                let _ = c.shutdown().await;
                return;
            }
        };
        match handle(&mut c, req, &sh).await {
            Ok(Next::KeepAlive) => {}
            Ok(Next::Close) => {
                let _ = c.shutdown().await;
                return;
            }
            Ok(Next::Reset) => {
                // Linger 0 makes the close below an RST instead of a FIN.
                let _ = c.tcp().set_zero_linger();
                return;
            }
            Err(_) => return,
        }
    }
}

/// Reads one request; a `multipart/form-data` POST body is parsed as it
/// streams in (big parts go to the spool), any other body is read whole.
async fn read_one<C: Conn>(
    c: &mut C,
    buf: &mut Vec<u8>,
    sh: &Shared,
) -> Result<Option<Request>, ReadError> {
    let Some(head) = http::read_head(c, buf).await? else {
        return Ok(None);
    };
    let content_type = head
        .headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let is_form = head.method == "POST"
        && content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/form-data");
    let boundary = if is_form {
        multipart::boundary(content_type)
    } else {
        None
    };
    let Some(boundary) = boundary else {
        let body = http::read_body(c, buf, &head).await?;
        let mut req = Request::new(head, body);
        if is_form {
            req.form = Some(Err(multipart::Error::Malformed(
                "the content type has no boundary parameter",
            )));
        }
        return Ok(Some(req));
    };
    let mut collector = Collector::new(&sh.spool, &boundary);
    let mut kept = Vec::new();
    let mut keep = true;
    let mut hash = Fnv::default();
    let mut len = 0u64;
    let mut body = http::BodyStream::new(c, buf, &head);
    while let Some(piece) = body.next().await? {
        len += piece.len() as u64;
        if keep {
            if kept.len() + piece.len() <= http::KEEP_STREAMED {
                kept.extend_from_slice(piece);
            } else {
                keep = false;
                hash.update(&kept);
                kept = Vec::new();
            }
        }
        if !keep {
            hash.update(piece);
        }
        collector.feed(piece);
    }
    let form = collector.finish();
    let mut req = Request::new(head, kept);
    req.body_len = len;
    req.body_hash = (!keep).then(|| hash.hex());
    req.form = Some(form);
    Ok(Some(req))
}

const JSON: &str = "application/json";

/// Per-request state the writers need.
struct Ctx {
    /// Journal sequence number; 0 for requests that are not journaled.
    seq: u64,
    arrived: Instant,
    keep_alive: bool,
    fault: Fault,
    /// The `x-ratelimit-*` headers (`/v1` answers only); `unlimited` sends
    /// the constant ones, formatted once.
    rate: Option<RateHeaders>,
    unlimited: bool,
}

impl Ctx {
    fn control(arrived: Instant, keep_alive: bool) -> Ctx {
        Ctx {
            seq: 0,
            arrived,
            keep_alive,
            fault: Fault::default(),
            rate: None,
            unlimited: false,
        }
    }

    fn next(&self) -> Next {
        if self.keep_alive {
            Next::KeepAlive
        } else {
            Next::Close
        }
    }
}

enum Route {
    Chat,
    /// `GET /v1/chat/completions`: stored completions.
    ChatList,
    /// `/v1/chat/completions/{id}[/messages]`.
    ChatStored(StoredOp, String),
    Embeddings,
    Images,
    ImageEdits,
    ImageVariations,
    Models,
    Model(String),
    ModelDelete(String),
    Responses,
    ResponseInputTokens,
    /// `/v1/responses/{id}[/...]`.
    Response(ResponseOp, String),
    FileCreate,
    FileList,
    /// `/v1/files/{id}[/content]`.
    File(FileOp, String),
    UploadCreate,
    /// `/v1/uploads/{id}/...`.
    Upload(UploadOp, String),
    BatchCreate,
    BatchList,
    Batch(BatchOp, String),
    Transcriptions,
    Translations,
    Speech,
    Moderations,
    Completions,
    NotFound,
}

enum ResponseOp {
    Get,
    Delete,
    Cancel,
    InputItems,
}

enum StoredOp {
    Get,
    Update,
    Delete,
    Messages,
}

enum FileOp {
    Get,
    Delete,
    Content,
}

enum UploadOp {
    Parts,
    Complete,
    Cancel,
}

enum BatchOp {
    Get,
    Cancel,
}

impl Route {
    fn of(method: &str, path: &str) -> Route {
        let path = if path.len() > 1 {
            path.strip_suffix('/').unwrap_or(path)
        } else {
            path
        };
        // `/v1/<prefix>/{id}` and `/v1/<prefix>/{id}/<op>`.
        let under = |prefix: &str| -> Option<(String, Option<&str>)> {
            let rest = path.strip_prefix(prefix)?.strip_prefix('/')?;
            let (id, op) = match rest.split_once('/') {
                Some((id, op)) => (id, Some(op)),
                None => (rest, None),
            };
            (!id.is_empty()).then(|| (http::percent_decode(id), op))
        };
        match (method, path) {
            ("POST", "/v1/chat/completions") => return Route::Chat,
            ("GET", "/v1/chat/completions") => return Route::ChatList,
            ("POST", "/v1/embeddings") => return Route::Embeddings,
            ("POST", "/v1/images/generations") => return Route::Images,
            ("POST", "/v1/images/edits") => return Route::ImageEdits,
            ("POST", "/v1/images/variations") => return Route::ImageVariations,
            ("GET", "/v1/models") => return Route::Models,
            ("POST", "/v1/responses") => return Route::Responses,
            ("POST", "/v1/responses/input_tokens") => return Route::ResponseInputTokens,
            ("POST", "/v1/files") => return Route::FileCreate,
            ("GET", "/v1/files") => return Route::FileList,
            ("POST", "/v1/uploads") => return Route::UploadCreate,
            ("POST", "/v1/batches") => return Route::BatchCreate,
            ("GET", "/v1/batches") => return Route::BatchList,
            ("POST", "/v1/audio/transcriptions") => return Route::Transcriptions,
            ("POST", "/v1/audio/translations") => return Route::Translations,
            ("POST", "/v1/audio/speech") => return Route::Speech,
            ("POST", "/v1/moderations") => return Route::Moderations,
            ("POST", "/v1/completions") => return Route::Completions,
            _ => {}
        }
        if let Some(rest) = path.strip_prefix("/v1/models/") {
            let id = http::percent_decode(rest);
            return match method {
                "GET" => Route::Model(id),
                "DELETE" => Route::ModelDelete(id),
                _ => Route::NotFound,
            };
        }
        if let Some((id, op)) = under("/v1/responses") {
            return match (method, op) {
                ("GET", None) => Route::Response(ResponseOp::Get, id),
                ("DELETE", None) => Route::Response(ResponseOp::Delete, id),
                ("POST", Some("cancel")) => Route::Response(ResponseOp::Cancel, id),
                ("GET", Some("input_items")) => Route::Response(ResponseOp::InputItems, id),
                _ => Route::NotFound,
            };
        }
        if let Some((id, op)) = under("/v1/chat/completions") {
            return match (method, op) {
                ("GET", None) => Route::ChatStored(StoredOp::Get, id),
                ("POST", None) => Route::ChatStored(StoredOp::Update, id),
                ("DELETE", None) => Route::ChatStored(StoredOp::Delete, id),
                ("GET", Some("messages")) => Route::ChatStored(StoredOp::Messages, id),
                _ => Route::NotFound,
            };
        }
        if let Some((id, op)) = under("/v1/files") {
            return match (method, op) {
                ("GET", None) => Route::File(FileOp::Get, id),
                ("DELETE", None) => Route::File(FileOp::Delete, id),
                ("GET", Some("content")) => Route::File(FileOp::Content, id),
                _ => Route::NotFound,
            };
        }
        if let Some((id, op)) = under("/v1/uploads") {
            return match (method, op) {
                ("POST", Some("parts")) => Route::Upload(UploadOp::Parts, id),
                ("POST", Some("complete")) => Route::Upload(UploadOp::Complete, id),
                ("POST", Some("cancel")) => Route::Upload(UploadOp::Cancel, id),
                _ => Route::NotFound,
            };
        }
        if let Some((id, op)) = under("/v1/batches") {
            return match (method, op) {
                ("GET", None) => Route::Batch(BatchOp::Get, id),
                ("POST", Some("cancel")) => Route::Batch(BatchOp::Cancel, id),
                _ => Route::NotFound,
            };
        }
        Route::NotFound
    }

    /// Routes whose body is JSON, parsed before the request is journaled.
    fn json_body(&self) -> bool {
        matches!(
            self,
            Route::Chat
                | Route::Embeddings
                | Route::Images
                | Route::Responses
                | Route::ChatStored(StoredOp::Update, _)
                | Route::UploadCreate
                | Route::Upload(UploadOp::Complete, _)
                | Route::BatchCreate
                | Route::Speech
                | Route::Moderations
                | Route::Completions
        )
    }

    /// Routes whose body is `multipart/form-data`.
    fn form_body(&self) -> bool {
        matches!(
            self,
            Route::FileCreate
                | Route::Upload(UploadOp::Parts, _)
                | Route::Transcriptions
                | Route::Translations
                | Route::ImageEdits
                | Route::ImageVariations
        )
    }

    /// Routes that need the query string after the journal takes it.
    fn needs_query(&self) -> bool {
        matches!(
            self,
            Route::Response(ResponseOp::InputItems, _)
                | Route::ChatList
                | Route::ChatStored(StoredOp::Messages, _)
                | Route::FileList
                | Route::BatchList
        )
    }
}

/// All `x-mock-fault` headers joined, as if sent as one.
fn fault_header(req: &Request) -> Option<String> {
    let specs: Vec<&str> = req
        .headers
        .iter()
        .filter(|(n, _)| n == "x-mock-fault")
        .map(|(_, v)| v.as_str())
        .collect();
    (!specs.is_empty()).then(|| specs.join(";"))
}

/// Azure OpenAI's paths on the same routes: `/openai/deployments/{name}/X` and `/openai/X`
/// answer as `/v1/X` (the deployment standing in for the model), and want an `api-version`
/// (the flag); the newer `/openai/v1/X` does not.
fn azure_path(path: &str) -> Option<(String, bool)> {
    let rest = path.strip_prefix("/openai/")?;
    if let Some(v1) = rest.strip_prefix("v1/") {
        return Some((format!("/v1/{v1}"), false));
    }
    let rest = match rest.strip_prefix("deployments/") {
        Some(d) => d.split_once('/')?.1,
        None => rest,
    };
    Some((format!("/v1/{rest}"), true))
}

fn bearer_key(req: &Request) -> Option<&str> {
    let v = req.header("authorization")?;
    let scheme = v.get(..7)?;
    scheme
        .eq_ignore_ascii_case("bearer ")
        .then(|| v[7..].trim())
        .filter(|k| !k.is_empty())
}

/// What a request costs in tokens against an enforced `tpm`: the input the
/// route would count plus the most it may generate (as the real API
/// reserves `max_tokens` up front).
fn token_cost(route: &Route, json: &Value, sh: &Shared) -> u64 {
    let max = |k: &str| json.get(k).and_then(Value::as_u64);
    match route {
        Route::Chat => openai::plan_chat(json, None).map_or(0, |p| {
            p.prompt_tokens
                + p.n as u64
                    * max("max_completion_tokens")
                        .or_else(|| max("max_tokens"))
                        .unwrap_or(0)
        }),
        Route::Responses => responses::input_tokens_body(json, |id| sh.responses.history(id))
            .map_or(0, |v| {
                v["input_tokens"].as_u64().unwrap_or(0) + max("max_output_tokens").unwrap_or(0)
            }),
        Route::Completions => legacy::plan_completion(json, None).map_or(0, |p| {
            let per = max("max_tokens").unwrap_or(legacy::DEFAULT_MAX_TOKENS);
            p.prompt_tokens + p.texts.len() as u64 * per
        }),
        Route::Embeddings => openai::embeddings_body(json).map_or(0, |b| {
            serde_json::from_slice::<Value>(&b)
                .map_or(0, |v| v["usage"]["prompt_tokens"].as_u64().unwrap_or(0))
        }),
        _ => 0,
    }
}

/// The headers of an unenforced answer never change: formatted once.
fn unlimited_headers() -> &'static [u8] {
    static H: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    H.get_or_init(|| {
        let mut out = Vec::new();
        RateHeaders::unlimited(0).write(&mut out);
        out
    })
}

/// A form's text field `k` as JSON: a number when it reads as one.
fn form_fields(form: &Form, keys: &[&str]) -> serde_json::Map<String, Value> {
    keys.iter()
        .filter_map(|&k| {
            let v = form.text(k)?;
            let json = v
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::String(v));
            Some((k.to_owned(), json))
        })
        .collect()
}

fn image_form(form: &Form, edit: bool, next: impl FnMut() -> u64) -> Result<Vec<u8>, ApiError> {
    if form.get("image").or_else(|| form.get("image[]")).is_none() {
        return Err(openai::missing("image"));
    }
    let prompt = form.text("prompt").unwrap_or_default();
    if edit && prompt.is_empty() {
        return Err(openai::missing("prompt"));
    }
    openai::images_answer(&form_fields(form, &["n", "response_format"]), &prompt, next)
}

async fn handle<C: Conn>(c: &mut C, mut req: Request, sh: &Shared) -> io::Result<Next> {
    let keep_alive = req.keep_alive();
    if let Some(rest) = req
        .path
        .strip_prefix("/__mock/")
        .or_else(|| req.path.strip_prefix("/v1/__mock/"))
    {
        return control(c, &req, rest, sh, keep_alive).await;
    }
    let route = match azure_path(&req.path) {
        Some((_, true))
            if !req
                .query
                .split('&')
                .any(|kv| kv.starts_with("api-version=")) =>
        {
            Route::NotFound
        }
        Some((path, _)) => Route::of(&req.method, &path),
        None => Route::of(&req.method, &req.path),
    };
    let fault_spec = fault_header(&req);
    let authorized =
        bearer_key(&req).is_some() || req.header("api-key").is_some_and(|k| !k.trim().is_empty());
    let json = if route.json_body() {
        Some(serde_json::from_slice::<Value>(&req.body))
    } else {
        match route {
            // Every field of a token count is optional, so no body is `{}`.
            Route::ResponseInputTokens if req.body.iter().all(u8::is_ascii_whitespace) => {
                Some(Ok(Value::Object(serde_json::Map::new())))
            }
            Route::ResponseInputTokens => Some(serde_json::from_slice::<Value>(&req.body)),
            _ => None,
        }
    };
    let form = req.form.take();
    let multipart = form.as_ref().and_then(|f| f.as_ref().ok()).map(|f| {
        f.parts
            .iter()
            .map(|p| JournalPart {
                name: p.name.clone(),
                filename: p.filename.clone(),
                content_type: p.content_type.clone(),
                bytes: p.data.len(),
            })
            .collect()
    });
    let not_found = matches!(route, Route::NotFound)
        .then(|| format!("Invalid URL ({} {})", req.method, req.path));
    let arrived = req.arrived;
    let test_id = req.header("x-test-id").map(str::to_owned);
    // Only the Responses routes need these after the journal takes the request.
    let scope = match route {
        Route::Responses => test_id.clone().unwrap_or_default(),
        _ => String::new(),
    };
    let query = if route.needs_query() {
        req.query.clone()
    } else {
        String::new()
    };
    let limit_key = test_id.clone().unwrap_or_default();
    let authorization = req.header("authorization").map(str::to_owned);
    let (seq, attempt) = sh.journal.record(Arrival {
        at_ms: arrived.duration_since(sh.start).as_secs_f64() * 1000.0,
        method: req.method,
        path: req.path,
        query: req.query,
        headers: req.headers,
        body: req.body,
        body_len: req.body_len,
        body_hash: req.body_hash,
        multipart,
        test_id,
    });
    let mut ctx = Ctx {
        seq,
        arrived,
        keep_alive,
        fault: Fault::default(),
        rate: None,
        unlimited: true,
    };
    if let Some(spec) = fault_spec {
        match Fault::parse(&spec) {
            Ok(f) => ctx.fault = f.for_attempt(attempt),
            Err(message) => {
                let e = ApiError::new(400, message).with_code("invalid_mock_fault");
                return send_error(c, sh, &ctx, &e).await;
            }
        }
    }
    let f = &ctx.fault;
    let wait = f.delay_headers + f.latency.unwrap_or(sh.latency);
    if !wait.is_zero() && hangs_up_within(c, wait).await {
        // The client gave up (a cancel, a timeout) before the answer: journaled, so tests can
        // tell a dropped request from one still waiting.
        sh.journal
            .set_hangup(ctx.seq, sh.start.elapsed().as_secs_f64() * 1000.0);
        return Ok(Next::Close);
    }
    if f.reset {
        return Ok(Next::Reset);
    }
    if f.drop {
        return Ok(Next::Close);
    }
    if let Some(how) = f.echo_key {
        let stream = matches!(&json, Some(Ok(v)) if v["stream"] == Value::Bool(true));
        let auth = authorization.as_deref().unwrap_or("");
        let (status, out) = crate::echo::response(auth, stream, f.status, how);
        sh.journal.set_status(ctx.seq, status);
        c.write_all(&out).await?;
        c.flush().await?;
        return Ok(Next::Close);
    }
    if f.html {
        let status = f.status.unwrap_or(200);
        let page = format!(
            "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>mock</center>\r\n</body>\r\n</html>\r\n",
            reason = http::reason(status)
        );
        return send(
            c,
            sh,
            &ctx,
            status,
            "text/html; charset=utf-8",
            page.as_bytes(),
        )
        .await;
    }
    if let Some(status) = f.status {
        return send_error(c, sh, &ctx, &ApiError::for_fault(status, f.code.as_deref())).await;
    }
    if f.malformed_json {
        return send(c, sh, &ctx, 200, JSON, b"{invalid").await;
    }
    if f.empty_body {
        return send(c, sh, &ctx, 200, JSON, b"    ").await;
    }
    if let Some(ct) = &f.content_type {
        return send(c, sh, &ctx, 200, ct, b"not json").await;
    }
    if !authorized {
        return send_error(c, sh, &ctx, &openai::missing_key()).await;
    }
    let json = match json {
        Some(Err(_)) => return send_error(c, sh, &ctx, &openai::invalid_json()).await,
        Some(Ok(v)) => v,
        None => Value::Null,
    };
    // The per-test limit wins over the server-wide one.
    let limit = match (f.rpm, f.tpm) {
        (None, None) => sh.limits.map(|l| (String::new(), l)),
        (rpm, tpm) => {
            let l = Limits {
                rpm: rpm.unwrap_or(crate::ratelimit::DEFAULT_RPM),
                tpm: tpm.unwrap_or(crate::ratelimit::DEFAULT_TPM),
                window: f.rate_window.unwrap_or(Duration::from_secs(60)),
            };
            Some((
                format!("t:{limit_key}:{}:{}:{:?}", l.rpm, l.tpm, l.window),
                l,
            ))
        }
    };
    if let Some((key, limits)) = limit {
        let cost = token_cost(&route, &json, sh);
        let d = sh.limiter.charge(&key, limits, cost, Instant::now());
        ctx.rate = Some(d.headers);
        ctx.unlimited = false;
        if let Some((wait, which)) = d.refused {
            return rate_limited(c, sh, &mut ctx, wait, which, limits, cost).await;
        }
    }
    let f = &ctx.fault;
    let form = if route.form_body() {
        match form {
            Some(Ok(form)) => Some(form),
            Some(Err(e)) => return send_error(c, sh, &ctx, &ApiError::new(400, e.message())).await,
            None => {
                let e = ApiError::new(
                    400,
                    "Invalid Content-Type header, expected multipart/form-data.",
                );
                return send_error(c, sh, &ctx, &e).await;
            }
        }
    } else {
        None
    };
    let form = form.unwrap_or_default();
    let body = match route {
        Route::Chat => match openai::plan_chat(&json, f.events) {
            Ok(mut plan) => {
                openai::steer_chat(&mut plan, &json, f.verbatim, f.finish_reason);
                let id = format!("chatcmpl-mock{}", bump(&sh.next_completion));
                let calls = call_ids(sh, &plan);
                let body = openai::completion_body(&plan, &id, &calls);
                if json.get("store").and_then(Value::as_bool) == Some(true) {
                    let v = serde_json::from_slice(&body).expect("the mock's JSON parses");
                    sh.chats.store(v, &json);
                }
                if plan.stream {
                    return stream_chat(c, sh, &ctx, &plan, &id, &calls).await;
                }
                Ok(body)
            }
            Err(e) => Err(e),
        },
        Route::ChatList => sh.chats.list(&query).map(|v| to_json(&v)),
        Route::ChatStored(op, id) => match op {
            StoredOp::Get => sh.chats.retrieve(&id),
            StoredOp::Update => sh.chats.update(&id, &json),
            StoredOp::Delete => sh.chats.delete(&id),
            StoredOp::Messages => sh.chats.messages(&id, &query),
        }
        .map(|v| to_json(&v)),
        Route::Embeddings => openai::embeddings_body(&json),
        Route::Images => openai::images_body(&json, || bump(&sh.next_image)),
        Route::ImageEdits => image_form(&form, true, || bump(&sh.next_image)),
        Route::ImageVariations => image_form(&form, false, || bump(&sh.next_image)),
        Route::Models => return send(c, sh, &ctx, 200, JSON, openai::models_body()).await,
        Route::Model(id) => openai::model_body(&id),
        Route::ModelDelete(id) => {
            let mut deleted = sh
                .deleted_models
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let r = openai::delete_model(&id, deleted.contains(&id));
            if r.is_ok() {
                deleted.insert(id);
            }
            r
        }
        Route::Responses => {
            match responses::plan_response(&json, f.events, &scope, |id| sh.responses.history(id)) {
                Ok(plan) => {
                    // Stored before the first byte is sent, as the real API
                    // keeps a response whose stream the client dropped.
                    let answer = sh.responses.create(&plan);
                    if plan.stream {
                        return stream_response(c, sh, &ctx, &plan).await;
                    }
                    Ok(to_json(&answer))
                }
                Err(e) => Err(e),
            }
        }
        Route::ResponseInputTokens => {
            responses::input_tokens_body(&json, |id| sh.responses.history(id)).map(|v| to_json(&v))
        }
        Route::Response(op, id) => match op {
            ResponseOp::Get => sh.responses.retrieve(&id),
            ResponseOp::Delete => sh.responses.delete(&id),
            ResponseOp::Cancel => sh.responses.cancel(&id),
            ResponseOp::InputItems => sh.responses.input_items(&id, &query),
        }
        .map(|v| to_json(&v)),
        Route::FileCreate => sh.files.create(&form).map(|v| to_json(&v)),
        Route::FileList => sh.files.list(&query).map(|v| to_json(&v)),
        Route::File(op, id) => match op {
            FileOp::Get => sh.files.retrieve(&id),
            FileOp::Delete => sh.files.delete(&id),
            FileOp::Content => match sh.files.get(&id) {
                Ok((_, content)) => return send_content(c, sh, &ctx, &content).await,
                Err(e) => Err(e),
            },
        }
        .map(|v| to_json(&v)),
        Route::UploadCreate => sh.files.upload_create(&json).map(|v| to_json(&v)),
        Route::Upload(op, id) => match op {
            UploadOp::Parts => sh.files.upload_part(&id, &form),
            UploadOp::Complete => sh.files.upload_complete(&id, &json),
            UploadOp::Cancel => sh.files.upload_cancel(&id),
        }
        .map(|v| to_json(&v)),
        Route::BatchCreate => {
            let polls = f.batch_polls.unwrap_or(batches::DEFAULT_POLLS);
            sh.batches
                .create(&json, &sh.files, polls)
                .map(|v| to_json(&v))
        }
        Route::BatchList => sh.batches.list(&query).map(|v| to_json(&v)),
        Route::Batch(op, id) => match op {
            BatchOp::Get => sh.batches.retrieve(&id, &sh.files),
            BatchOp::Cancel => sh.batches.cancel(&id),
        }
        .map(|v| to_json(&v)),
        Route::Transcriptions if form.text("stream").as_deref() == Some("true") => {
            match audio::transcription_events(&form) {
                Ok(events) => return stream_data(c, sh, &ctx, &events).await,
                Err(e) => Err(e),
            }
        }
        Route::Transcriptions | Route::Translations => {
            match audio::transcription(&form, matches!(route, Route::Translations)) {
                Ok((ct, body)) => return send(c, sh, &ctx, 200, ct, &body).await,
                Err(e) => Err(e),
            }
        }
        Route::Speech => match audio::speech(&json) {
            Ok((ct, bytes)) => return send_chunked(c, sh, &ctx, ct, &bytes).await,
            Err(e) => Err(e),
        },
        Route::Moderations => {
            let id = format!("modr-mock{}", bump(&sh.next_moderation));
            legacy::moderations_body(&json, &id).map(|v| to_json(&v))
        }
        Route::Completions => match legacy::plan_completion(&json, f.events) {
            Ok(plan) => {
                let id = format!("cmpl-mock{}", bump(&sh.next_text));
                if plan.stream {
                    return stream_completion(c, sh, &ctx, &plan, &id).await;
                }
                Ok(to_json(&plan.body(&id)))
            }
            Err(e) => Err(e),
        },
        Route::NotFound => Err(ApiError::new(404, not_found.unwrap_or_default())),
    };
    match body {
        Ok(body) => send(c, sh, &ctx, 200, JSON, &body).await,
        Err(e) => send_error(c, sh, &ctx, &e).await,
    }
}

/// The 429 of an enforced limit, worded as the real API words it, with
/// `retry-after` (whole seconds, rounded up) and `retry-after-ms`.
async fn rate_limited<C: Conn>(
    c: &mut C,
    sh: &Shared,
    ctx: &mut Ctx,
    wait: Duration,
    which: &'static str,
    limits: Limits,
    cost: u64,
) -> io::Result<Next> {
    let ms = (wait.as_nanos() as u64).div_ceil(1_000_000).max(1);
    ctx.fault.retry_after = Some(ms.div_ceil(1000).to_string());
    ctx.fault.retry_after_ms = Some(ms.to_string());
    let (unit, limit, used, requested) = match which {
        "requests" => {
            let rate = ctx.rate.as_ref().map_or(0, |r| r.remaining_requests);
            (
                "requests per min (RPM)",
                limits.rpm,
                limits.rpm - rate.min(limits.rpm),
                1,
            )
        }
        _ => {
            let rate = ctx.rate.as_ref().map_or(0, |r| r.remaining_tokens);
            (
                "tokens per min (TPM)",
                limits.tpm,
                limits.tpm - rate.min(limits.tpm),
                cost,
            )
        }
    };
    let mut e = ApiError::new(
        429,
        format!(
            "Rate limit reached for requests in organization org-mock on {unit}: Limit {limit}, Used {used}, Requested {requested}. Please try again in {}. Visit https://platform.openai.com/account/rate-limits to learn more.",
            crate::ratelimit::go_duration(Duration::from_millis(ms))
        ),
    )
    .with_code("rate_limit_exceeded");
    e.kind = which;
    send_error(c, sh, ctx, &e).await
}

fn to_json(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("serializing a JSON value cannot fail")
}

/// Sleeps for `wait`, watching the connection: true if the client closed it meanwhile. A
/// client does not send on a connection before its answer (no pipelining), so a byte read here
/// can only be the start of a misuse and is dropped.
async fn hangs_up_within<C: Conn>(c: &mut C, wait: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    let mut probe = [0u8; 64];
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => return false,
            r = c.read(&mut probe) => match r {
                Ok(0) | Err(_) => return true,
                Ok(_) => {}
            },
        }
    }
}

fn call_ids(sh: &Shared, plan: &ChatPlan) -> Vec<String> {
    match plan.reply {
        Reply::Tool { .. } => (0..plan.n)
            .map(|_| format!("call_{}", bump(&sh.next_call)))
            .collect(),
        Reply::Text(_) => Vec::new(),
    }
}

async fn control<C: Conn>(
    c: &mut C,
    req: &Request,
    rest: &str,
    sh: &Shared,
    keep_alive: bool,
) -> io::Result<Next> {
    let ctx = Ctx::control(req.arrived, keep_alive);
    let body = match (req.method.as_str(), rest.trim_end_matches('/')) {
        ("GET", "journal") => {
            let test_id = http::query_param(&req.query, "test_id");
            serde_json::to_vec(&sh.journal.entries(test_id.as_deref()))?
        }
        ("DELETE", "journal") => {
            sh.journal.clear();
            b"{\"ok\":true}".to_vec()
        }
        ("GET", "health") => b"{\"ok\":true}".to_vec(),
        ("GET", "stats") => format!(
            "{{\"connections\":{},\"requests\":{}}}",
            sh.connections.load(Ordering::SeqCst),
            sh.next_request.load(Ordering::Relaxed)
        )
        .into_bytes(),
        _ => {
            let e = ApiError::new(404, format!("Invalid URL ({} {})", req.method, req.path));
            return send_error(c, sh, &ctx, &e).await;
        }
    };
    send(c, sh, &ctx, 200, JSON, &body).await
}

/// Writes a response head. `length: None` means a chunked body.
fn head(
    out: &mut Vec<u8>,
    sh: &Shared,
    ctx: &Ctx,
    status: u16,
    content_type: &str,
    length: Option<usize>,
) {
    let f = &ctx.fault;
    let _ = write!(
        out,
        "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\n",
        http::reason(status)
    );
    match length {
        _ if http::bodyless(status) => {}
        Some(n) => {
            let _ = write!(out, "content-length: {n}\r\n");
        }
        None => out.extend_from_slice(b"transfer-encoding: chunked\r\ncache-control: no-cache\r\n"),
    }
    let _ = write!(
        out,
        "x-request-id: req_{:016x}\r\nopenai-processing-ms: {}\r\n",
        bump(&sh.next_request),
        ctx.arrived.elapsed().as_millis()
    );
    if let Some(r) = &ctx.rate {
        r.write(out);
    } else if ctx.unlimited {
        out.extend_from_slice(unlimited_headers());
    }
    if let Some(v) = &f.retry_after {
        let _ = write!(out, "retry-after: {v}\r\n");
    }
    if let Some(v) = &f.retry_after_ms {
        let _ = write!(out, "retry-after-ms: {v}\r\n");
    }
    if let Some(secs) = f.retry_after_date {
        let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(secs));
        let _ = write!(out, "retry-after: {when}\r\n");
    }
    if let Some(v) = f.should_retry {
        let _ = write!(out, "x-should-retry: {v}\r\n");
    }
    if !ctx.keep_alive {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

async fn send<C: Conn>(
    c: &mut C,
    sh: &Shared,
    ctx: &Ctx,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> io::Result<Next> {
    if ctx.seq != 0 {
        sh.journal.set_status(ctx.seq, status);
    }
    let body = if http::bodyless(status) {
        &[][..]
    } else {
        body
    };
    let mut out = Vec::with_capacity(320 + body.len());
    head(&mut out, sh, ctx, status, content_type, Some(body.len()));
    match ctx.fault.dribble {
        Some(gap) if !body.is_empty() => {
            c.write_all(&out).await?;
            c.flush().await?;
            for b in body {
                tokio::time::sleep(gap).await;
                c.write_all(std::slice::from_ref(b)).await?;
                c.flush().await?;
            }
        }
        _ => {
            out.extend_from_slice(body);
            c.write_all(&out).await?;
            c.flush().await?;
        }
    }
    Ok(ctx.next())
}

/// A file's bytes as `application/octet-stream` with a content-length:
/// memory pieces written as they are, spooled ones streamed from disk in
/// 256 KiB reads, so a 1 GiB download costs the mock one buffer.
async fn send_content<C: Conn>(
    c: &mut C,
    sh: &Shared,
    ctx: &Ctx,
    content: &Content,
) -> io::Result<Next> {
    if content.pieces.iter().all(|p| p.mem().is_some()) && content.pieces.len() <= 1 {
        let body = content
            .pieces
            .first()
            .and_then(Blob::mem)
            .unwrap_or_default();
        return send(c, sh, ctx, 200, "application/octet-stream", body).await;
    }
    sh.journal.set_status(ctx.seq, 200);
    let len = content.len();
    let mut out = Vec::with_capacity(320);
    head(
        &mut out,
        sh,
        ctx,
        200,
        "application/octet-stream",
        Some(len as usize),
    );
    c.write_all(&out).await?;
    let mut buf = vec![0u8; 256 * 1024];
    for piece in &content.pieces {
        match piece {
            Blob::Mem(m) => c.write_all(m).await?,
            Blob::Disk(f) => {
                let mut file = tokio::fs::File::open(&f.path).await?;
                let mut left = f.len;
                while left > 0 {
                    let n = file.read(&mut buf).await?;
                    if n == 0 {
                        // The spool file shrank under us: cut the body short
                        // rather than send a wrong length.
                        return Ok(Next::Close);
                    }
                    let n = (n as u64).min(left) as usize;
                    c.write_all(&buf[..n]).await?;
                    left -= n as u64;
                }
            }
        }
    }
    c.flush().await?;
    Ok(ctx.next())
}

/// A binary body in several HTTP chunks of at most 4 KiB (as speech audio
/// streams from the real API).
async fn send_chunked<C: Conn>(
    c: &mut C,
    sh: &Shared,
    ctx: &Ctx,
    content_type: &str,
    body: &[u8],
) -> io::Result<Next> {
    sh.journal.set_status(ctx.seq, 200);
    let mut out = Vec::with_capacity(320);
    head(&mut out, sh, ctx, 200, content_type, None);
    c.write_all(&out).await?;
    c.flush().await?;
    let mut frame = Vec::with_capacity(4096 + 16);
    for chunk in body.chunks(4096) {
        frame.clear();
        let _ = write!(frame, "{:x}\r\n", chunk.len());
        frame.extend_from_slice(chunk);
        frame.extend_from_slice(b"\r\n");
        c.write_all(&frame).await?;
        c.flush().await?;
        if !ctx.fault.interval.is_zero() {
            tokio::time::sleep(ctx.fault.interval).await;
        }
    }
    c.write_all(b"0\r\n\r\n").await?;
    c.flush().await?;
    Ok(ctx.next())
}

async fn send_error<C: Conn>(c: &mut C, sh: &Shared, ctx: &Ctx, e: &ApiError) -> io::Result<Next> {
    send(c, sh, ctx, e.status, JSON, &e.body()).await
}

/// Frames SSE events as HTTP chunks, reusing its buffers across events.
struct Events<'a, C> {
    c: &'a mut C,
    json: Vec<u8>,
    frame: Vec<u8>,
    split: bool,
    /// `one-write`: events gather in `body` and go out in one write at the end.
    one_write: bool,
    body: Vec<u8>,
}

impl<C: Conn> Events<'_, C> {
    async fn chunk(&mut self, chunk: &Chunk<'_>) -> io::Result<()> {
        let mut json = std::mem::take(&mut self.json);
        json.clear();
        serde_json::to_writer(&mut json, chunk)?;
        let r = self.data(&json).await;
        self.json = json;
        r
    }

    /// Writes `data: <payload>\n\n` as one chunk (or one chunk per byte).
    async fn data(&mut self, payload: &[u8]) -> io::Result<()> {
        self.event(None, payload).await
    }

    /// Writes `[event: <name>\n]data: <payload>\n\n` as one chunk (or one
    /// chunk per byte). Responses streams name every event; chat's never do.
    async fn event(&mut self, name: Option<&str>, payload: &[u8]) -> io::Result<()> {
        let name_line = name.map_or(0, |n| n.len() + 8);
        if self.split {
            let mut all = Vec::with_capacity(name_line + payload.len() + 8);
            if let Some(n) = name {
                let _ = writeln!(all, "event: {n}");
            }
            all.extend_from_slice(b"data: ");
            all.extend_from_slice(payload);
            all.extend_from_slice(b"\n\n");
            for b in all {
                self.c
                    .write_all(&[b'1', b'\r', b'\n', b, b'\r', b'\n'])
                    .await?;
                self.c.flush().await?;
            }
            return Ok(());
        }
        if self.one_write {
            if let Some(n) = name {
                let _ = writeln!(self.body, "event: {n}");
            }
            self.body.extend_from_slice(b"data: ");
            self.body.extend_from_slice(payload);
            self.body.extend_from_slice(b"\n\n");
            return Ok(());
        }
        self.frame.clear();
        let _ = write!(self.frame, "{:x}\r\n", name_line + payload.len() + 8);
        if let Some(n) = name {
            let _ = writeln!(self.frame, "event: {n}");
        }
        self.frame.extend_from_slice(b"data: ");
        self.frame.extend_from_slice(payload);
        self.frame.extend_from_slice(b"\n\n\r\n");
        self.c.write_all(&self.frame).await?;
        self.c.flush().await
    }

    /// Sends what `one-write` gathered, as one chunk.
    async fn flush_gathered(&mut self) -> io::Result<()> {
        self.write_gathered(b"\r\n").await
    }

    async fn end(&mut self) -> io::Result<()> {
        if self.one_write && !self.body.is_empty() {
            // The body's chunk and the terminating chunk in one write.
            return self.write_gathered(b"\r\n0\r\n\r\n").await;
        }
        self.c.write_all(b"0\r\n\r\n").await?;
        self.c.flush().await
    }

    /// The gathered body as one chunk, then `tail`, in one write; nothing if none was gathered.
    async fn write_gathered(&mut self, tail: &[u8]) -> io::Result<()> {
        if self.body.is_empty() {
            return Ok(());
        }
        self.frame.clear();
        let _ = write!(self.frame, "{:x}\r\n", self.body.len());
        self.frame.append(&mut self.body);
        self.frame.extend_from_slice(tail);
        self.c.write_all(&self.frame).await?;
        self.c.flush().await
    }
}

struct StreamMeta<'a> {
    id: &'a str,
    model: &'a str,
    include_usage: bool,
}

impl StreamMeta<'_> {
    fn chunk<'b>(&'b self, choices: &'b [ChunkChoice<'b>]) -> Chunk<'b> {
        Chunk {
            id: self.id,
            object: "chat.completion.chunk",
            created: openai::CREATED,
            model: self.model,
            system_fingerprint: openai::FINGERPRINT,
            choices,
            usage: self.include_usage.then_some(None),
        }
    }
}

async fn stream_chat<C: Conn>(
    c: &mut C,
    sh: &Shared,
    ctx: &Ctx,
    plan: &ChatPlan,
    id: &str,
    call_ids: &[String],
) -> io::Result<Next> {
    let f = &ctx.fault;
    sh.journal.set_status(ctx.seq, 200);
    let mut out = Vec::with_capacity(320);
    head(&mut out, sh, ctx, 200, "text/event-stream", None);
    c.write_all(&out).await?;
    c.flush().await?;

    let mut ev = Events {
        c,
        json: Vec::with_capacity(512),
        frame: Vec::with_capacity(512),
        split: f.split_bytes,
        one_write: f.one_write,
        body: Vec::new(),
    };
    let meta = StreamMeta {
        id,
        model: &plan.model,
        include_usage: plan.include_usage,
    };
    let (pieces, tool_name) = match &plan.reply {
        Reply::Text(t) => (tokens::pieces(t), None),
        Reply::Tool { name, arguments } => (tokens::pieces(arguments), Some(name.as_str())),
    };
    let cut = f.stream_cut();
    let mut sent = 0usize;
    for index in 0..plan.n {
        let one = |delta, finish_reason| {
            [ChunkChoice {
                index,
                delta,
                logprobs: None,
                finish_reason,
            }]
        };
        let role = Delta {
            role: Some("assistant"),
            // The real API sends null content when the reply is a tool call.
            content: Some(if tool_name.is_some() { None } else { Some("") }),
            refusal: Some(None),
            tool_calls: None,
        };
        ev.chunk(&meta.chunk(&one(role, None))).await?;
        if let Some(name) = tool_name {
            let start = Delta {
                tool_calls: Some([ToolCallDelta {
                    index: 0,
                    id: call_ids.get(index).map(String::as_str),
                    kind: Some("function"),
                    function: FunctionDelta {
                        name: Some(name),
                        arguments: "",
                    },
                }]),
                ..Delta::default()
            };
            ev.chunk(&meta.chunk(&one(start, None))).await?;
        }
        for piece in &pieces {
            if let Some((n, how)) = cut
                && sent >= n
            {
                return cut_stream(&mut ev, how, ctx, sh, None, openai::STREAM_ERROR.as_bytes())
                    .await;
            }
            if sent > 0 && !f.interval.is_zero() {
                tokio::time::sleep(f.interval).await;
            }
            let delta = match tool_name {
                None => Delta {
                    content: Some(Some(piece)),
                    ..Delta::default()
                },
                Some(_) => Delta {
                    tool_calls: Some([ToolCallDelta {
                        index: 0,
                        id: None,
                        kind: None,
                        function: FunctionDelta {
                            name: None,
                            arguments: piece,
                        },
                    }]),
                    ..Delta::default()
                },
            };
            ev.chunk(&meta.chunk(&one(delta, None))).await?;
            sent += 1;
        }
        // A cut point past the end of the reply still fires, before the
        // final finish_reason, so a fault test never silently passes.
        if let Some((n, how)) = cut
            && (sent >= n || index + 1 == plan.n)
        {
            return cut_stream(&mut ev, how, ctx, sh, None, openai::STREAM_ERROR.as_bytes()).await;
        }
        ev.chunk(&meta.chunk(&one(Delta::default(), Some(plan.finish_reason))))
            .await?;
    }
    if plan.include_usage {
        let mut last = meta.chunk(&[]);
        last.usage = Some(Some(plan.usage()));
        ev.chunk(&last).await?;
    }
    ev.data(b"[DONE]").await?;
    ev.end().await?;
    Ok(ctx.next())
}

/// Ends a stream at its fault point. `error_name`/`error` is the event an
/// `error-after` fault sends: chat's `data:`-only envelope, or the Responses
/// `event: error`.
async fn cut_stream<C: Conn>(
    ev: &mut Events<'_, C>,
    how: StreamCut,
    ctx: &Ctx,
    sh: &Shared,
    error_name: Option<&str>,
    error: &[u8],
) -> io::Result<Next> {
    ev.flush_gathered().await?;
    ev.c.flush().await?;
    Ok(match how {
        StreamCut::Stall => {
            // Hold the socket open but silent; end early once the client hangs up.
            let mut scratch = [0u8; 1024];
            let c = &mut *ev.c;
            let hung_up = tokio::time::timeout(STALL, async {
                while let Ok(n) = c.read(&mut scratch).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
            if hung_up.is_ok() && ctx.seq != 0 {
                let at = sh.start.elapsed().as_secs_f64() * 1000.0;
                sh.journal.set_hangup(ctx.seq, at);
            }
            Next::Close
        }
        StreamCut::Reset => Next::Reset,
        StreamCut::Truncate => Next::Close,
        StreamCut::Close => {
            ev.end().await?;
            Next::Close
        }
        StreamCut::Error => {
            ev.event(error_name, error).await?;
            ev.end().await?;
            ctx.next()
        }
    })
}

/// Streams a response as named events (no `[DONE]`: the terminal event ends
/// it). Stream faults count the text or argument deltas, as chat's count its
/// content chunks; a cut point past the last delta fires just before the
/// terminal event, so a truncated stream never looks complete.
async fn stream_response<C: Conn>(
    c: &mut C,
    sh: &Shared,
    ctx: &Ctx,
    plan: &ResponsePlan,
) -> io::Result<Next> {
    let f = &ctx.fault;
    sh.journal.set_status(ctx.seq, 200);
    let mut out = Vec::with_capacity(320);
    head(&mut out, sh, ctx, 200, "text/event-stream", None);
    c.write_all(&out).await?;
    c.flush().await?;
    let mut ev = Events {
        c,
        json: Vec::new(),
        frame: Vec::with_capacity(1024),
        split: f.split_bytes,
        one_write: f.one_write,
        body: Vec::new(),
    };
    let stream = responses::Stream::new(plan, f.unknown_event_after, !f.no_sequence_number);
    let cut = f.stream_cut();
    let mut sent = 0usize;
    for (i, &step) in stream.steps().iter().enumerate() {
        if let Some((n, how)) = cut
            && ((step.is_delta() && sent >= n) || step == Step::Terminal)
        {
            let error = stream.error_event(i, f.code.as_deref());
            return cut_stream(&mut ev, how, ctx, sh, Some("error"), &error).await;
        }
        if step.is_delta() {
            if sent > 0 && !f.interval.is_zero() {
                tokio::time::sleep(f.interval).await;
            }
            sent += 1;
        }
        let (name, json) = stream.event(i);
        ev.event(Some(name), &json).await?;
    }
    ev.end().await?;
    Ok(ctx.next())
}

/// Streams a legacy text completion: per choice one chunk per token of its
/// text, then a chunk with its `finish_reason`; an optional usage chunk;
/// `data: [DONE]`. Stream faults count the token chunks, as chat's do.
async fn stream_completion<C: Conn>(
    c: &mut C,
    sh: &Shared,
    ctx: &Ctx,
    plan: &CompletionPlan,
    id: &str,
) -> io::Result<Next> {
    let f = &ctx.fault;
    sh.journal.set_status(ctx.seq, 200);
    let mut out = Vec::with_capacity(320);
    head(&mut out, sh, ctx, 200, "text/event-stream", None);
    c.write_all(&out).await?;
    c.flush().await?;
    let mut ev = Events {
        c,
        json: Vec::new(),
        frame: Vec::with_capacity(512),
        split: f.split_bytes,
        one_write: f.one_write,
        body: Vec::new(),
    };
    let chunk = |index: usize, text: &str, finish: Option<&'static str>| {
        let v = TextCompletion {
            id,
            object: "text_completion",
            created: openai::CREATED,
            model: &plan.model,
            system_fingerprint: openai::FINGERPRINT,
            choices: vec![TextChoice {
                text,
                index,
                logprobs: None,
                finish_reason: finish,
            }],
            usage: plan.include_usage.then_some(None),
        };
        serde_json::to_vec(&v).expect("serializing a chunk cannot fail")
    };
    let cut = f.stream_cut();
    let mut sent = 0usize;
    for (index, (text, finish)) in plan.texts.iter().enumerate() {
        for piece in tokens::pieces(text) {
            if let Some((n, how)) = cut
                && sent >= n
            {
                return cut_stream(&mut ev, how, ctx, sh, None, openai::STREAM_ERROR.as_bytes())
                    .await;
            }
            if sent > 0 && !f.interval.is_zero() {
                tokio::time::sleep(f.interval).await;
            }
            ev.data(&chunk(index, piece, None)).await?;
            sent += 1;
        }
        if let Some((n, how)) = cut
            && (sent >= n || index + 1 == plan.texts.len())
        {
            return cut_stream(&mut ev, how, ctx, sh, None, openai::STREAM_ERROR.as_bytes()).await;
        }
        ev.data(&chunk(index, "", Some(finish))).await?;
    }
    if plan.include_usage {
        let last = TextCompletion {
            id,
            object: "text_completion",
            created: openai::CREATED,
            model: &plan.model,
            system_fingerprint: openai::FINGERPRINT,
            choices: Vec::new(),
            usage: Some(Some(plan.usage())),
        };
        ev.data(&serde_json::to_vec(&last).expect("serializing cannot fail"))
            .await?;
    }
    ev.data(b"[DONE]").await?;
    ev.end().await?;
    Ok(ctx.next())
}

/// Streams `data:` events whose last one is the terminal event (no
/// `[DONE]`): stream faults count the events before it, and a cut point past
/// them fires before it.
async fn stream_data<C: Conn>(
    c: &mut C,
    sh: &Shared,
    ctx: &Ctx,
    events: &[Vec<u8>],
) -> io::Result<Next> {
    let f = &ctx.fault;
    sh.journal.set_status(ctx.seq, 200);
    let mut out = Vec::with_capacity(320);
    head(&mut out, sh, ctx, 200, "text/event-stream", None);
    c.write_all(&out).await?;
    c.flush().await?;
    let mut ev = Events {
        c,
        json: Vec::new(),
        frame: Vec::with_capacity(512),
        split: f.split_bytes,
        one_write: f.one_write,
        body: Vec::new(),
    };
    let cut = f.stream_cut();
    for (i, e) in events.iter().enumerate() {
        if let Some((n, how)) = cut
            && (i >= n || i + 1 == events.len())
        {
            return cut_stream(&mut ev, how, ctx, sh, None, openai::STREAM_ERROR.as_bytes()).await;
        }
        if i > 0 && !f.interval.is_zero() {
            tokio::time::sleep(f.interval).await;
        }
        ev.data(e).await?;
    }
    ev.end().await?;
    Ok(ctx.next())
}
