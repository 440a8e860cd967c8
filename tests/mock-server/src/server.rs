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

use crate::fault::{Fault, StreamCut};
use crate::http::{self, BadRequest, ReadError, Request};
use crate::journal::{Arrival, Journal};
use crate::openai::{
    self, ApiError, ChatPlan, Chunk, ChunkChoice, Delta, FunctionDelta, Reply, ToolCallDelta,
};
use crate::{MockOptions, TlsFiles, tokens};

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
        let req = match http::read_request(&mut c, &mut buf).await {
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

const JSON: &str = "application/json";

/// Per-request state the writers need.
struct Ctx {
    /// Journal sequence number; 0 for requests that are not journaled.
    seq: u64,
    arrived: Instant,
    keep_alive: bool,
    fault: Fault,
}

impl Ctx {
    fn control(arrived: Instant, keep_alive: bool) -> Ctx {
        Ctx {
            seq: 0,
            arrived,
            keep_alive,
            fault: Fault::default(),
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
    Embeddings,
    Images,
    Models,
    Model(String),
    NotFound,
}

impl Route {
    fn of(method: &str, path: &str) -> Route {
        let path = if path.len() > 1 {
            path.strip_suffix('/').unwrap_or(path)
        } else {
            path
        };
        match (method, path) {
            ("POST", "/v1/chat/completions") => Route::Chat,
            ("POST", "/v1/embeddings") => Route::Embeddings,
            ("POST", "/v1/images/generations") => Route::Images,
            ("GET", "/v1/models") => Route::Models,
            ("GET", p) if p.starts_with("/v1/models/") => {
                Route::Model(http::percent_decode(&p["/v1/models/".len()..]))
            }
            _ => Route::NotFound,
        }
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

fn bearer_key(req: &Request) -> Option<&str> {
    let v = req.header("authorization")?;
    let scheme = v.get(..7)?;
    scheme
        .eq_ignore_ascii_case("bearer ")
        .then(|| v[7..].trim())
        .filter(|k| !k.is_empty())
}

async fn handle<C: Conn>(c: &mut C, req: Request, sh: &Shared) -> io::Result<Next> {
    let keep_alive = req.keep_alive();
    if let Some(rest) = req
        .path
        .strip_prefix("/__mock/")
        .or_else(|| req.path.strip_prefix("/v1/__mock/"))
    {
        return control(c, &req, rest, sh, keep_alive).await;
    }
    let route = Route::of(&req.method, &req.path);
    let fault_spec = fault_header(&req);
    let authorized = bearer_key(&req).is_some();
    let json = match route {
        Route::Chat | Route::Embeddings | Route::Images => {
            Some(serde_json::from_slice::<Value>(&req.body))
        }
        _ => None,
    };
    let not_found = matches!(route, Route::NotFound)
        .then(|| format!("Invalid URL ({} {})", req.method, req.path));
    let arrived = req.arrived;
    let test_id = req.header("x-test-id").map(str::to_owned);
    let (seq, attempt) = sh.journal.record(Arrival {
        at_ms: arrived.duration_since(sh.start).as_secs_f64() * 1000.0,
        method: req.method,
        path: req.path,
        query: req.query,
        headers: req.headers,
        body: req.body,
        test_id,
    });
    let mut ctx = Ctx {
        seq,
        arrived,
        keep_alive,
        fault: Fault::default(),
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
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    if f.reset {
        return Ok(Next::Reset);
    }
    if f.drop {
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
    let body = match route {
        Route::Chat => match openai::plan_chat(&json, f.events) {
            Ok(plan) if plan.stream => return stream_chat(c, sh, &ctx, &plan).await,
            Ok(plan) => {
                let id = format!("chatcmpl-mock{}", bump(&sh.next_completion));
                Ok(openai::completion_body(&plan, &id, &call_ids(sh, &plan)))
            }
            Err(e) => Err(e),
        },
        Route::Embeddings => openai::embeddings_body(&json),
        Route::Images => openai::images_body(&json, || bump(&sh.next_image)),
        Route::Models => return send(c, sh, &ctx, 200, JSON, openai::models_body()).await,
        Route::Model(id) => openai::model_body(&id),
        Route::NotFound => Err(ApiError::new(404, not_found.unwrap_or_default())),
    };
    match body {
        Ok(body) => send(c, sh, &ctx, 200, JSON, &body).await,
        Err(e) => send_error(c, sh, &ctx, &e).await,
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

async fn send_error<C: Conn>(c: &mut C, sh: &Shared, ctx: &Ctx, e: &ApiError) -> io::Result<Next> {
    send(c, sh, ctx, e.status, JSON, &e.body()).await
}

/// Frames SSE events as HTTP chunks, reusing its buffers across events.
struct Events<'a, C> {
    c: &'a mut C,
    json: Vec<u8>,
    frame: Vec<u8>,
    split: bool,
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
        if self.split {
            for &b in b"data: ".iter().chain(payload).chain(b"\n\n") {
                self.c
                    .write_all(&[b'1', b'\r', b'\n', b, b'\r', b'\n'])
                    .await?;
                self.c.flush().await?;
            }
            return Ok(());
        }
        self.frame.clear();
        let _ = write!(self.frame, "{:x}\r\n", payload.len() + 8);
        self.frame.extend_from_slice(b"data: ");
        self.frame.extend_from_slice(payload);
        self.frame.extend_from_slice(b"\n\n\r\n");
        self.c.write_all(&self.frame).await?;
        self.c.flush().await
    }

    async fn end(&mut self) -> io::Result<()> {
        self.c.write_all(b"0\r\n\r\n").await?;
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
) -> io::Result<Next> {
    let f = &ctx.fault;
    sh.journal.set_status(ctx.seq, 200);
    let id = format!("chatcmpl-mock{}", bump(&sh.next_completion));
    let call_ids = call_ids(sh, plan);
    let mut out = Vec::with_capacity(320);
    head(&mut out, sh, ctx, 200, "text/event-stream", None);
    c.write_all(&out).await?;
    c.flush().await?;

    let mut ev = Events {
        c,
        json: Vec::with_capacity(512),
        frame: Vec::with_capacity(512),
        split: f.split_bytes,
    };
    let meta = StreamMeta {
        id: &id,
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
                return cut_stream(&mut ev, how, ctx).await;
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
            return cut_stream(&mut ev, how, ctx).await;
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

async fn cut_stream<C: Conn>(
    ev: &mut Events<'_, C>,
    how: StreamCut,
    ctx: &Ctx,
) -> io::Result<Next> {
    ev.c.flush().await?;
    Ok(match how {
        StreamCut::Stall => {
            // Hold the socket open but silent; end early once the client hangs up.
            let mut scratch = [0u8; 1024];
            let c = &mut *ev.c;
            let _ = tokio::time::timeout(STALL, async {
                while let Ok(n) = c.read(&mut scratch).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
            Next::Close
        }
        StreamCut::Reset => Next::Reset,
        StreamCut::Truncate => Next::Close,
        StreamCut::Close => {
            ev.end().await?;
            Next::Close
        }
        StreamCut::Error => {
            ev.data(openai::STREAM_ERROR.as_bytes()).await?;
            ev.end().await?;
            ctx.next()
        }
    })
}
