//! The client: one connection pool, the retry loop, timeouts, and the endpoints.

use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::{ClientBuilder, ClientConfig, Proxy, check_header};
use crate::conversation::UsageTotals;
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::retry::{self, RetryAfter};
use crate::stream::ChatStream;
use crate::types::{
    ChatCompletion, ChatCompletionRequest, EmbeddingRequest, EmbeddingsResponse, Extra,
    ImageGenerationRequest, ImagesResponse, Model, ModelList,
};

/// The header that tells the server how many retries came before this attempt. Same name as the
/// official SDKs so servers and proxies that already read it keep working.
pub const RETRY_COUNT_HEADER: &str = "x-stainless-retry-count";

/// Per-request overrides, the `extra_headers`/`extra_query`/`extra_body`/`timeout` of the
/// official SDK.
#[derive(Clone, Debug, Default)]
pub struct RequestOptions {
    /// Headers to add or replace; `None` removes a header the client would send (e.g. the
    /// retry-count header).
    pub extra_headers: Vec<(String, Option<String>)>,
    /// Query parameters to add.
    pub extra_query: Vec<(String, String)>,
    /// Top-level JSON fields merged into the body (they win over typed fields).
    pub extra_body: Option<Extra>,
    /// Per-attempt deadline for this request.
    pub timeout: Option<Duration>,
    /// Retries for this request.
    pub max_retries: Option<u32>,
    /// Stream idle deadline for this request.
    pub stream_idle_timeout: Option<Duration>,
}

impl RequestOptions {
    fn check(&self) -> Result<()> {
        for (name, value) in &self.extra_headers {
            check_header(name, value.as_deref().unwrap_or(""))?;
        }
        for (what, d) in [
            ("timeout", self.timeout),
            ("stream idle timeout", self.stream_idle_timeout),
        ] {
            if d.is_some_and(|d| d.is_zero()) {
                return Err(Error::invalid_argument(format!(
                    "{what} must be greater than zero"
                )));
            }
        }
        Ok(())
    }
}

/// A successful response: the decoded value plus what the transport knows about it.
#[derive(Clone, Debug)]
pub struct Response<T> {
    /// The decoded body.
    pub data: T,
    /// HTTP status.
    pub status: u16,
    /// `x-request-id`.
    pub request_id: Option<String>,
    /// Response headers (moved from the transport, not copied).
    pub headers: HeaderMap,
    /// The body as received.
    pub raw: Bytes,
    /// Retries before the attempt that succeeded.
    pub retries_taken: u32,
}

impl<T> Response<T> {
    /// The raw body as JSON (`Null` for an empty body).
    pub fn raw_json(&self) -> Result<Value> {
        decode_json(&self.raw)
    }

    /// The `x-ratelimit-*` headers of this answer.
    pub fn rate_limits(&self) -> crate::ratelimit::RateLimits {
        crate::ratelimit::RateLimits::from_headers(&self.headers)
    }

    /// The same response carrying other data.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            data: f(self.data),
            status: self.status,
            request_id: self.request_id,
            headers: self.headers,
            raw: self.raw,
            retries_taken: self.retries_taken,
        }
    }
}

/// A reqwest client tied to the process that built it: connection pools and their tasks do not
/// survive `fork()`, so a child builds its own.
struct HttpForPid {
    pid: u32,
    http: reqwest::Client,
    /// The entry this one replaced after a fork: leaked on purpose (see `http()`), kept
    /// reachable so leak checkers do not report it as lost.
    _replaced: *mut HttpForPid,
}

struct Inner {
    config: ClientConfig,
    usage: Arc<std::sync::Mutex<UsageTotals>>,
    http: AtomicPtr<HttpForPid>,
    /// Authorization, organization, project, user agent and default headers, built once.
    base_headers: HeaderMap,
    /// The base URL parsed once (parsing a host runs IDNA: measurable per request).
    base_url: Option<reqwest::Url>,
    /// This client's key (and sensitive default headers), scrubbed from every error it returns.
    redactor: crate::redact::Redactor,
    /// A credential handed over after construction ([`Client::set_credential`]): the header it
    /// travels in and a redactor that also knows it. The flag spares every other client the lock.
    credential: std::sync::RwLock<Option<Credential>>,
    has_credential: std::sync::atomic::AtomicBool,
}

struct Credential {
    name: HeaderName,
    value: HeaderValue,
    redactor: crate::redact::Redactor,
    /// Earlier tokens stay scrubbed: a slow answer may echo the one it was sent with.
    recent: Vec<String>,
}

/// The secrets a client's errors are scrubbed of, besides a per-request credential.
fn config_secrets(config: &ClientConfig) -> impl Iterator<Item = &str> {
    let key = (config.auth_style != crate::config::AuthStyle::PerRequest)
        .then(|| config.api_key.expose());
    key.into_iter().chain(
        config
            .default_headers
            .iter()
            .filter(|(n, _)| is_secret_header(n))
            .map(|(_, v)| v.as_str()),
    )
}

impl Drop for Inner {
    fn drop(&mut self) {
        let p = self.http.swap(std::ptr::null_mut(), Ordering::AcqRel);
        if !p.is_null() {
            // SAFETY: the pointer came from Box::into_raw in `http()` and is owned by this Inner;
            // `&mut self` means no other thread holds it.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// An OpenAI API client. Cheap to clone (an `Arc`); one connection pool shared by every clone,
/// request and thread.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish()
    }
}

fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another crate installed one first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Client {
    /// A client from the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `.env`, ...).
    pub fn new() -> Result<Client> {
        ClientBuilder::new().build()
    }

    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client from a resolved configuration. No I/O: the pool is built on first use.
    pub fn from_config(config: ClientConfig) -> Result<Client> {
        install_crypto_provider();
        let mut base_headers = HeaderMap::new();
        if config.auth_style != crate::config::AuthStyle::PerRequest {
            let (name, value) = auth_header(config.auth_style, config.api_key.expose())?;
            base_headers.insert(name, value);
        }
        base_headers.insert(
            reqwest::header::USER_AGENT,
            HeaderValue::from_str(&config.user_agent)
                .map_err(|_| Error::config("bad user agent"))?,
        );
        base_headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let mut put = |name: &str, value: &str| -> Result<()> {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::config(format!("invalid header name {name:?}")))?;
            let v = HeaderValue::from_str(value)
                .map_err(|_| Error::config(format!("invalid value for header {name:?}")))?;
            base_headers.insert(n, v);
            Ok(())
        };
        if let Some(org) = &config.organization {
            put("openai-organization", org)?;
        }
        if let Some(project) = &config.project {
            put("openai-project", project)?;
        }
        for (name, value) in &config.default_headers {
            put(name, value)?;
        }
        let redactor = crate::redact::Redactor::new(config_secrets(&config));
        let client = Client {
            inner: Arc::new(Inner {
                redactor,
                usage: Default::default(),
                base_url: reqwest::Url::parse(&config.base_url).ok(),
                http: AtomicPtr::new(std::ptr::null_mut()),
                base_headers,
                config,
                credential: Default::default(),
                has_credential: Default::default(),
            }),
        };
        // Build once now so a bad proxy or CA file is a construction error, not a first-request
        // surprise. Building does no network I/O and needs no runtime.
        client.http()?;
        Ok(client)
    }

    /// The resolved configuration (the key stays redacted in `Debug`).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Token usage and estimated cost (built-in price table) summed over every chat completion,
    /// completed stream and embeddings call made through this client and its clones.
    pub fn usage(&self) -> UsageTotals {
        crate::blocking::outside_fork(|| lock_usage(&self.inner.usage).clone())
    }

    pub(crate) fn usage_sink(&self) -> &UsageSink {
        &self.inner.usage
    }

    /// This client's secrets, to scrub errors made from network data (see [`crate::redact`]):
    /// `client.redactor().scrub(err)`. Clone it into anything that outlives the call (a stream).
    pub(crate) fn redactor(&self) -> std::borrow::Cow<'_, crate::redact::Redactor> {
        if !self.inner.has_credential.load(Ordering::Acquire) {
            return std::borrow::Cow::Borrowed(&self.inner.redactor);
        }
        let c = self
            .inner
            .credential
            .read()
            .unwrap_or_else(|e| e.into_inner());
        match &*c {
            Some(c) => std::borrow::Cow::Owned(c.redactor.clone()),
            None => std::borrow::Cow::Borrowed(&self.inner.redactor),
        }
    }

    /// Replaces the credential this client sends from now on, from any thread: a fresh
    /// Microsoft Entra token for a client built with
    /// [`crate::ClientBuilder::azure_ad_token_per_request`] (what `azure_ad_token_provider`
    /// does), or a rotated key for any other client. It travels the way the client's key does
    /// (`Authorization: Bearer` or `api-key`), and errors are scrubbed of it and of the few
    /// before it.
    pub fn set_credential(&self, token: &str) -> Result<()> {
        let key = crate::config::ApiKey::new(token)?;
        let style = match self.inner.config.auth_style {
            crate::config::AuthStyle::PerRequest => crate::config::AuthStyle::Bearer,
            s => s,
        };
        let (name, value) = auth_header(style, key.expose())?;
        let mut slot = self
            .inner
            .credential
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let mut recent = slot.take().map(|c| c.recent).unwrap_or_default();
        recent.retain(|t| t != key.expose());
        recent.insert(0, key.expose().to_owned());
        recent.truncate(4);
        let redactor = crate::redact::Redactor::new(
            config_secrets(&self.inner.config).chain(recent.iter().map(String::as_str)),
        );
        *slot = Some(Credential {
            name,
            value,
            redactor,
            recent,
        });
        self.inner.has_credential.store(true, Ordering::Release);
        Ok(())
    }

    /// A copy of this client with other settings, sharing nothing mutable with it
    /// (`client.with_options(...)` in the official SDK).
    pub fn with_config(&self, f: impl FnOnce(&mut ClientConfig)) -> Result<Client> {
        let mut config = self.inner.config.clone();
        f(&mut config);
        Client::from_config(config)
    }

    fn http(&self) -> Result<reqwest::Client> {
        let pid = crate::blocking::pid();
        let p = self.inner.http.load(Ordering::Acquire);
        if !p.is_null() {
            // SAFETY: entries are only freed by Inner::drop; an entry replaced after a fork is
            // leaked on purpose, so a pointer loaded here stays valid while `self` lives.
            let entry = unsafe { &*p };
            if entry.pid == pid {
                return Ok(entry.http.clone());
            }
        }
        let http = build_http(&self.inner.config)?;
        let fresh = Box::into_raw(Box::new(HttpForPid {
            pid,
            http: http.clone(),
            _replaced: p,
        }));
        match self
            .inner
            .http
            .compare_exchange(p, fresh, Ordering::AcqRel, Ordering::Acquire)
        {
            // The parent's entry (if any) is leaked: its pool belongs to a runtime this process
            // does not have, and dropping it could touch that runtime.
            Ok(_) => Ok(http),
            Err(_) => {
                // SAFETY: `fresh` was never published.
                drop(unsafe { Box::from_raw(fresh) });
                Ok(http)
            }
        }
    }

    // ============================================================================================
    // Endpoints
    // ============================================================================================

    /// `POST /chat/completions`.
    pub async fn chat_completion(
        &self,
        request: &ChatCompletionRequest,
        opts: &RequestOptions,
    ) -> Result<Response<ChatCompletion>> {
        request.validate()?;
        if request.stream == Some(true) {
            return Err(Error::invalid_argument(
                "stream=true needs the streaming call (chat_completion_stream)",
            ));
        }
        let resp: Response<ChatCompletion> =
            self.post_typed("chat/completions", request, opts).await?;
        if let Some(u) = &resp.data.usage {
            record_usage(&self.inner.usage, &resp.data.model, u);
        }
        Ok(resp)
    }

    /// `POST /chat/completions`, keeping only the raw body: for bindings that build their own
    /// objects from [`Response::raw`] and would otherwise pay for a typed decode they discard.
    /// The body is still checked to be JSON, and its usage still counts in [`Client::usage`].
    pub async fn chat_completion_raw(
        &self,
        request: &ChatCompletionRequest,
        opts: &RequestOptions,
    ) -> Result<Response<()>> {
        request.validate()?;
        if request.stream == Some(true) {
            return Err(Error::invalid_argument(
                "stream=true needs the streaming call (chat_completion_stream)",
            ));
        }
        self.post_lite("chat/completions", request, opts).await
    }

    /// `POST /chat/completions` with `stream: true`. Retries apply until the response headers
    /// arrive; never after the first byte of the stream.
    pub async fn chat_completion_stream(
        &self,
        request: &ChatCompletionRequest,
        opts: &RequestOptions,
    ) -> Result<ChatStream> {
        request.validate()?;
        let mut body = to_body_value(request)?;
        if let Value::Object(map) = &mut body {
            map.insert("stream".into(), Value::Bool(true));
        }
        let body = encode_body(&body, opts)?;
        let idle = opts
            .stream_idle_timeout
            .or(self.inner.config.timeouts.stream_idle);
        let (resp, request_id, _) = self
            .execute(
                Method::POST,
                "chat/completions",
                Payload::Json(body),
                opts,
                Want::Events,
            )
            .await?;
        let StreamOrBody::Stream(resp) = resp else {
            return Err(Error::new(
                ErrorKind::Internal,
                "expected a streaming response",
            ));
        };
        let content_type = header_str(resp.headers(), "content-type").unwrap_or_default();
        if !content_type.starts_with("text/event-stream") {
            // A JSON body (a proxy that ignored stream=true) or an HTML page: say so with what came.
            let status = resp.status().as_u16();
            let body = resp.bytes().await.unwrap_or_default();
            return Err(self.redactor().scrub(
                Error::decode(
                    format!("expected an event stream, got content type {content_type:?}"),
                    String::from_utf8_lossy(&body),
                )
                .with_status(status)
                .with_request_id(request_id),
            ));
        }
        Ok(ChatStream::new(resp, request_id, idle)
            .with_usage_sink(self.inner.usage.clone())
            .with_redactor(self.redactor().into_owned()))
    }

    /// `POST /images/generations`.
    pub async fn images_generate(
        &self,
        request: &ImageGenerationRequest,
        opts: &RequestOptions,
    ) -> Result<Response<ImagesResponse>> {
        if request.prompt.is_empty() {
            return Err(Error::invalid_argument("prompt must not be empty"));
        }
        self.post_typed("images/generations", request, opts).await
    }

    /// `POST /embeddings`.
    pub async fn embeddings(
        &self,
        request: &EmbeddingRequest,
        opts: &RequestOptions,
    ) -> Result<Response<EmbeddingsResponse>> {
        let raw = self.embeddings_raw(request, opts).await?;
        let data = decode_checked(
            raw.status,
            "application/json",
            &raw.raw,
            raw.request_id.clone(),
        )?;
        Ok(raw.map(|()| data))
    }

    /// `POST /embeddings`, keeping only the raw body (see [`Client::chat_completion_raw`]).
    ///
    /// Without an `encoding_format` the vectors are asked for as base64 (4× less to send, as the
    /// official SDK does) and the body handed back has them decoded into float arrays, so the
    /// caller sees what it asked for; an explicit `float` or `base64` is sent and kept as is.
    pub async fn embeddings_raw(
        &self,
        request: &EmbeddingRequest,
        opts: &RequestOptions,
    ) -> Result<Response<()>> {
        check_embedding_input(request)?;
        if request.encoding_format.is_some() {
            return self.post_lite("embeddings", request, opts).await;
        }
        let mut req = request.clone();
        req.encoding_format = Some("base64".to_owned());
        let mut resp = self.post_lite("embeddings", &req, opts).await?;
        resp.raw = floats_from_base64(&resp.raw)
            .map_err(|e| e.with_request_id(resp.request_id.clone()))?;
        Ok(resp)
    }

    /// `GET /models`.
    pub async fn models_list(&self, opts: &RequestOptions) -> Result<Response<ModelList>> {
        self.request_decoded(Method::GET, "models", None, opts)
            .await
    }

    /// `GET /models/{id}`.
    pub async fn models_retrieve(
        &self,
        id: &str,
        opts: &RequestOptions,
    ) -> Result<Response<Model>> {
        if id.is_empty() {
            return Err(Error::invalid_argument("model id must not be empty"));
        }
        let path = format!("models/{}", percent_encode_path(id));
        self.request_decoded(Method::GET, &path, None, opts).await
    }

    /// Any endpoint: `method` `path` (relative to the base URL) with an optional JSON body; the
    /// response body as JSON (`Null` for an empty 2xx body).
    pub async fn request_json(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        opts: &RequestOptions,
    ) -> Result<Response<Value>> {
        let body = body.map(|b| encode_body(&b, opts)).transpose()?;
        self.request_decoded(method, path, body, opts).await
    }

    /// Posts and decodes only the model and usage (a single pass that skips everything else),
    /// records the usage, and hands back the raw body.
    async fn post_lite<Req: Serialize>(
        &self,
        path: &str,
        request: &Req,
        opts: &RequestOptions,
    ) -> Result<Response<()>> {
        #[derive(serde::Deserialize)]
        struct Lite {
            #[serde(default)]
            model: String,
            #[serde(default)]
            usage: Option<crate::types::Usage>,
        }
        let r: Response<Lite> = self.post_typed(path, request, opts).await?;
        if let Some(u) = &r.data.usage {
            record_usage(&self.inner.usage, &r.data.model, u);
        }
        Ok(Response {
            data: (),
            status: r.status,
            request_id: r.request_id,
            headers: r.headers,
            raw: r.raw,
            retries_taken: r.retries_taken,
        })
    }

    async fn post_typed<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        path: &str,
        request: &Req,
        opts: &RequestOptions,
    ) -> Result<Response<Resp>> {
        let body = encode_body(request, opts)?;
        self.request_decoded(Method::POST, path, Some(body), opts)
            .await
    }

    /// A buffered request whose body is decoded straight from the bytes into `T` (no
    /// intermediate `Value` for typed endpoints).
    async fn request_decoded<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        opts: &RequestOptions,
    ) -> Result<Response<T>> {
        let body = match body {
            None if opts.extra_body.is_some() => {
                Some(encode_body(&Value::Object(Extra::new()), opts)?)
            }
            other => other,
        };
        self.send_decoded(method, path, Payload::from(body), opts)
            .await
    }

    /// Sends a request whose answer is read whole and decoded into `T` (a decode error, which
    /// may quote the body, goes through the redactor). The typed calls and the endpoint engine
    /// both end here.
    pub(crate) async fn send_decoded<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        payload: Payload,
        opts: &RequestOptions,
    ) -> Result<Response<T>> {
        let (resp, request_id, retries_taken) = self
            .execute(method, path, payload, opts, Want::Buffered)
            .await?;
        let StreamOrBody::Body {
            status,
            headers,
            body,
        } = resp
        else {
            return Err(Error::new(
                ErrorKind::Internal,
                "expected a buffered response",
            ));
        };
        let data = decode_checked(status, content_type(&headers), &body, request_id.clone())
            .map_err(|e| self.redactor().scrub(e))?;
        Ok(Response {
            data,
            status,
            request_id,
            headers,
            raw: body,
            retries_taken,
        })
    }

    // ============================================================================================
    // Transport: attempts, retries, timeouts
    // ============================================================================================

    pub(crate) async fn execute(
        &self,
        method: Method,
        path: &str,
        body: Payload,
        opts: &RequestOptions,
        want: Want,
    ) -> Result<(StreamOrBody, Option<String>, u32)> {
        opts.check()?;
        let _in_flight = crate::memory::InFlight::enter();
        let config = &self.inner.config;
        let total = config.timeouts.total;
        let run = self.execute_attempts(method, path, body, opts, want);
        match total {
            Some(t) => tokio::time::timeout(t, run)
                .await
                .unwrap_or_else(|_| Err(Error::timeout(TimeoutPhase::Total, Some(t)))),
            None => run.await,
        }
    }

    async fn execute_attempts(
        &self,
        method: Method,
        path: &str,
        body: Payload,
        opts: &RequestOptions,
        want: Want,
    ) -> Result<(StreamOrBody, Option<String>, u32)> {
        let config = &self.inner.config;
        let http = self.http()?;
        let url = self.routed_url(path, &body, opts)?;
        let headers = self.headers(opts, body.content_type(), want)?;
        let max_retries = opts.max_retries.unwrap_or(config.max_retries);
        let attempt_timeout = opts.timeout.or(config.timeouts.request);

        let mut retries_taken = 0u32;
        loop {
            let started = Instant::now();
            let mut req = http
                .request(method.clone(), url.clone())
                .headers(headers.clone());
            if !retry_count_overridden(opts) {
                req = req.header(RETRY_COUNT_HEADER, retries_taken);
            }
            match &body {
                Payload::None => {}
                Payload::Json(b) => req = req.body(b.clone()),
                // A fresh body per attempt: a retry sends the same bytes, read again from disk.
                Payload::Multipart(form) => {
                    req = req
                        .header(reqwest::header::CONTENT_LENGTH, form.content_length())
                        .body(form.body());
                }
            }
            // Scrubbed before anything below logs or returns it.
            let outcome = match attempt(req, attempt_timeout, want != Want::Buffered).await {
                Ok(AttemptOk::Status(err, ra, sr)) => {
                    Ok(AttemptOk::Status(self.redactor().scrub(err), ra, sr))
                }
                Err(err) => Err(self.redactor().scrub(err)),
                ok => ok,
            };
            let delay = match outcome {
                Ok(AttemptOk::Success(resp, request_id)) => {
                    log::debug!(
                        "openai request: method={method} path=/{} status={} retries={retries_taken} request_id={} elapsed_ms={}",
                        path.trim_start_matches('/'),
                        resp.status(),
                        self.redactor()
                            .scrub_str(request_id.as_deref().unwrap_or("-")),
                        started.elapsed().as_millis()
                    );
                    return Ok((resp, request_id, retries_taken));
                }
                Ok(AttemptOk::Status(err, retry_after, should_retry)) => {
                    log::debug!(
                        "openai request: method={method} path=/{} status={} retries={retries_taken} request_id={}",
                        path.trim_start_matches('/'),
                        err.status().unwrap_or(0),
                        err.request_id().unwrap_or("-"),
                    );
                    if let RetryAfter::TooLong(d) = retry_after {
                        return Err(err.with_retry_after(d));
                    }
                    let quota = err.code() == Some("insufficient_quota")
                        || err.error_type() == Some("insufficient_quota");
                    let retryable = should_retry.unwrap_or_else(|| {
                        retry::status_is_retryable(err.status().unwrap_or(0)) && !quota
                    });
                    if !retryable || retries_taken >= max_retries {
                        return Err(err);
                    }
                    match retry_after {
                        RetryAfter::Delay(d) => d,
                        _ => retry::backoff_delay(retries_taken, retry::jitter()),
                    }
                }
                Err(err) => {
                    log::debug!(
                        "openai request: method={method} path=/{} error={} retries={retries_taken}",
                        path.trim_start_matches('/'),
                        err.kind(),
                    );
                    let retryable =
                        matches!(err.kind(), ErrorKind::Connection | ErrorKind::Timeout);
                    if !retryable || retries_taken >= max_retries {
                        return Err(err);
                    }
                    retry::backoff_delay(retries_taken, retry::jitter())
                }
            };
            tokio::time::sleep(delay).await;
            retries_taken += 1;
        }
    }

    /// The URL a request for `path` goes to: Azure's deployment routing (which may read the
    /// body's model), then the base URL and the query.
    pub(crate) fn routed_url(
        &self,
        path: &str,
        body: &Payload,
        opts: &RequestOptions,
    ) -> Result<reqwest::Url> {
        match &self.inner.config.azure {
            Some(routing) => self.url(&routing.route(path, || body.model()), opts),
            None => self.url(path, opts),
        }
    }

    fn url(&self, path: &str, opts: &RequestOptions) -> Result<reqwest::Url> {
        let config = &self.inner.config;
        let path = path.trim_start_matches('/');
        let mut url = match &self.inner.base_url {
            // A plain path only replaces the path: no re-parse of scheme and host.
            Some(base) if base.query().is_none() && !path.contains(['?', '#', '%', '\\']) => {
                let mut url = base.clone();
                let joined = format!("{}/{path}", base.path().trim_end_matches('/'));
                url.set_path(&joined);
                url
            }
            _ => reqwest::Url::parse(&format!("{}/{path}", config.base_url)).map_err(|e| {
                Error::invalid_argument(format!("invalid request path {path:?}: {e}"))
            })?,
        };
        if !config.default_query.is_empty() || !opts.extra_query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in config.default_query.iter().chain(opts.extra_query.iter()) {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    fn headers(
        &self,
        opts: &RequestOptions,
        content_type: Option<HeaderValue>,
        want: Want,
    ) -> Result<HeaderMap> {
        let mut h = self.inner.base_headers.clone();
        if self.inner.has_credential.load(Ordering::Acquire) {
            let c = self
                .inner
                .credential
                .read()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(c) = &*c {
                h.remove(reqwest::header::AUTHORIZATION);
                h.remove("api-key");
                h.insert(c.name.clone(), c.value.clone());
            }
        } else if self.inner.config.auth_style == crate::config::AuthStyle::PerRequest {
            return Err(Error::config(
                "this client takes its token per request (azure_ad_token_provider), and none \
                 was set yet: call set_credential first",
            ));
        }
        if let Some(ct) = content_type {
            h.insert(reqwest::header::CONTENT_TYPE, ct);
        }
        match want {
            Want::Buffered => {}
            Want::Events => {
                h.insert(
                    reqwest::header::ACCEPT,
                    HeaderValue::from_static("text/event-stream"),
                );
            }
            Want::Bytes => {
                h.insert(reqwest::header::ACCEPT, HeaderValue::from_static("*/*"));
            }
        }
        for (name, value) in &opts.extra_headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::invalid_argument(format!("invalid header name {name:?}")))?;
            match value {
                Some(v) => {
                    let mut v = HeaderValue::from_str(v).map_err(|_| {
                        Error::invalid_argument(format!("invalid value for header {name:?}"))
                    })?;
                    if n == reqwest::header::AUTHORIZATION || n.as_str() == "api-key" {
                        v.set_sensitive(true);
                    }
                    h.insert(n, v);
                }
                None => {
                    h.remove(n);
                }
            }
        }
        Ok(h)
    }
}

/// The header a credential travels in.
fn auth_header(style: crate::config::AuthStyle, secret: &str) -> Result<(HeaderName, HeaderValue)> {
    let (name, text) = match style {
        crate::config::AuthStyle::ApiKeyHeader => {
            (HeaderName::from_static("api-key"), secret.to_owned())
        }
        _ => (reqwest::header::AUTHORIZATION, format!("Bearer {secret}")),
    };
    let mut value = HeaderValue::from_str(&text)
        .map_err(|_| Error::config("the API key cannot be sent in a header"))?;
    value.set_sensitive(true);
    Ok((name, value))
}

pub(crate) type UsageSink = Arc<std::sync::Mutex<UsageTotals>>;

fn lock_usage(sink: &UsageSink) -> std::sync::MutexGuard<'_, UsageTotals> {
    // Plain counters: a panic elsewhere cannot leave them inconsistent, so poison is ignored.
    sink.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn record_usage(sink: &UsageSink, model: &str, usage: &crate::types::Usage) {
    // The usage lock and the price table's first use must not be held across a fork.
    crate::blocking::outside_fork(|| record_usage_now(sink, model, usage))
}

fn record_usage_now(sink: &UsageSink, model: &str, usage: &crate::types::Usage) {
    use crate::models::{ModelPrice, PriceTable};
    type Last = std::cell::RefCell<Option<(String, Option<&'static ModelPrice>)>>;
    // The price lookup matches the model name against every entry; calls on one thread nearly
    // always name the same model, so the last answer is kept.
    thread_local!(static LAST: Last = const { std::cell::RefCell::new(None) });
    let price = LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((m, p)) if m == model => *p,
            _ => {
                let p = PriceTable::builtin().get(model);
                *last = Some((model.to_owned(), p));
                p
            }
        }
    });
    lock_usage(sink).add(usage, price.map(|p| p.cost(usage)));
}

/// An embeddings body with every base64 `embedding` replaced by its float array (little-endian
/// f32s, as the API sends them). A body with no base64 vector is handed back untouched.
fn floats_from_base64(raw: &Bytes) -> Result<Bytes> {
    let mut v: Value = serde_json::from_slice(raw).map_err(|e| {
        Error::decode(
            format!("the response is not valid JSON: {e}"),
            String::from_utf8_lossy(raw),
        )
    })?;
    let mut changed = false;
    for item in v
        .get_mut("data")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(Value::String(b64)) = item.get("embedding") {
            let floats = crate::types::EmbeddingVector::Base64(b64.clone()).to_f32()?;
            item["embedding"] = Value::Array(
                floats
                    .into_iter()
                    .map(|f| {
                        serde_json::Number::from_f64(f64::from(f))
                            .map_or(Value::Null, Value::Number)
                    })
                    .collect(),
            );
            changed = true;
        }
    }
    if !changed {
        return Ok(raw.clone());
    }
    serde_json::to_vec(&v)
        .map(Bytes::from)
        .map_err(|e| Error::new(ErrorKind::Internal, format!("re-encoding embeddings: {e}")))
}

fn check_embedding_input(request: &EmbeddingRequest) -> Result<()> {
    if request.model.is_empty() {
        return Err(Error::invalid_argument("model must not be empty"));
    }
    match &request.input {
        Value::String(_) => Ok(()),
        Value::Array(items) if !items.is_empty() => Ok(()),
        _ => Err(Error::invalid_argument(
            "input must be a string, a non-empty list of strings, or token ids",
        )),
    }
}

/// Default headers whose values are credentials (Azure's `api-key`, a gateway's bearer token).
fn is_secret_header(name: &str) -> bool {
    [
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

fn retry_count_overridden(opts: &RequestOptions) -> bool {
    opts.extra_headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(RETRY_COUNT_HEADER))
}

fn build_http(config: &ClientConfig) -> Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .pool_max_idle_per_host(100)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::limited(10));
    if let Some(t) = config.timeouts.connect {
        b = b.connect_timeout(t);
    }
    if let Some(p) = &config.proxy {
        let no_proxy = reqwest::NoProxy::from_env();
        let make = |which: u8, url: &str| {
            let p = match which {
                0 => reqwest::Proxy::all(url),
                1 => reqwest::Proxy::http(url),
                _ => reqwest::Proxy::https(url),
            };
            p.map(|p| p.no_proxy(no_proxy.clone())).map_err(|e| {
                Error::config(format!(
                    "invalid proxy {}: {}",
                    crate::config::redact_url(url),
                    e.without_url()
                ))
            })
        };
        b = b.no_proxy();
        match p {
            Proxy::All(url) => b = b.proxy(make(0, url)?),
            Proxy::PerScheme { http, https } => {
                if let Some(u) = http {
                    b = b.proxy(make(1, u)?);
                }
                if let Some(u) = https {
                    b = b.proxy(make(2, u)?);
                }
            }
        }
    }
    let mut extra_roots = Vec::new();
    if let Some(path) = &config.ca_file {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let pem = std::fs::read(path)
            .map_err(|e| Error::config(format!("cannot read CA bundle {}: {e}", path.display())))?;
        extra_roots = CertificateDer::pem_slice_iter(&pem)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| {
                Error::config(format!(
                    "CA bundle {} is not valid PEM: {e}",
                    path.display()
                ))
            })?;
        if extra_roots.is_empty() {
            return Err(Error::config(format!(
                "CA bundle {} holds no certificate",
                path.display()
            )));
        }
    }
    let tls = crate::tls::client_config(extra_roots)
        .map_err(|e| Error::config(format!("cannot set up TLS: {e}")))?;
    b = b.tls_backend_preconfigured(tls);
    b.build()
        .map_err(|e| Error::config(format!("cannot build the HTTP client: {}", chain(&e))))
}

/// A request body, kept so that every attempt can send it again.
pub(crate) enum Payload {
    None,
    Json(Bytes),
    Multipart(Arc<crate::multipart::Multipart>),
}

impl From<Option<Bytes>> for Payload {
    fn from(b: Option<Bytes>) -> Payload {
        b.map_or(Payload::None, Payload::Json)
    }
}

impl Payload {
    /// The body's `model`, for Azure's per-deployment routing.
    fn model(&self) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Model {
            model: Option<String>,
        }
        match self {
            Payload::None => None,
            Payload::Json(b) => serde_json::from_slice::<Model>(b).ok()?.model,
            Payload::Multipart(form) => form.parts().iter().find_map(|p| match &p.value {
                crate::multipart::PartValue::Text(v) if p.name == "model" => Some(v.clone()),
                _ => None,
            }),
        }
    }

    fn content_type(&self) -> Option<HeaderValue> {
        match self {
            Payload::None => None,
            Payload::Json(_) => Some(HeaderValue::from_static("application/json")),
            Payload::Multipart(form) => HeaderValue::from_str(&form.content_type()).ok(),
        }
    }
}

/// What the caller wants of a successful answer: the whole body, or the live response to read
/// as an event stream or as bytes (binary downloads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Want {
    Buffered,
    Events,
    Bytes,
}

pub(crate) enum StreamOrBody {
    Stream(reqwest::Response),
    Body {
        status: u16,
        headers: HeaderMap,
        body: Bytes,
    },
}

impl StreamOrBody {
    fn status(&self) -> u16 {
        match self {
            StreamOrBody::Stream(r) => r.status().as_u16(),
            StreamOrBody::Body { status, .. } => *status,
        }
    }
}

enum AttemptOk {
    Success(StreamOrBody, Option<String>),
    Status(Error, RetryAfter, Option<bool>),
}

/// One attempt. For a stream the deadline covers the headers only; for anything else it covers
/// the whole body too, so a response that trickles in cannot outlive it.
async fn attempt(
    req: reqwest::RequestBuilder,
    timeout: Option<Duration>,
    stream: bool,
) -> Result<AttemptOk> {
    let fut = async {
        let mut resp = req.send().await.map_err(transport_error)?;
        let status = resp.status();
        let request_id = header_str(resp.headers(), "x-request-id");
        if status.is_success() && stream {
            return Ok(AttemptOk::Success(StreamOrBody::Stream(resp), request_id));
        }
        let headers = std::mem::take(resp.headers_mut());
        let body = resp.bytes().await.map_err(|e| {
            let mut err = transport_error(e);
            if status.is_success() {
                err = Error::new(
                    ErrorKind::Connection,
                    format!(
                        "connection lost while reading the response body: {}",
                        err.message()
                    ),
                )
                .with_source(err);
            }
            err.with_status(status.as_u16())
                .with_request_id(request_id.clone())
        })?;
        if status.is_success() {
            return Ok(AttemptOk::Success(
                StreamOrBody::Body {
                    status: status.as_u16(),
                    headers,
                    body,
                },
                request_id,
            ));
        }
        let retry_after = retry::parse_retry_after(
            header_str(&headers, "retry-after-ms").as_deref(),
            header_str(&headers, "retry-after").as_deref(),
            SystemTime::now(),
        );
        let should_retry =
            retry::should_retry_header(header_str(&headers, "x-should-retry").as_deref());
        let err = Error::from_status(status.as_u16(), &body, header_pairs(&headers), request_id);
        Ok(AttemptOk::Status(err, retry_after, should_retry))
    };
    match timeout {
        Some(t) => tokio::time::timeout(t, fut)
            .await
            .unwrap_or_else(|_| Err(Error::timeout(TimeoutPhase::Attempt, Some(t)))),
        None => fut.await,
    }
}

/// The error text of a reqwest error and its causes, without the URL (it may carry query
/// secrets) — the cause chain is where "certificate", "connection refused" and the proxy's
/// complaint live.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

fn transport_error(e: reqwest::Error) -> Error {
    let e = e.without_url();
    let text = chain(&e);
    if e.is_timeout() {
        let phase = if e.is_connect() {
            TimeoutPhase::Connect
        } else {
            TimeoutPhase::Attempt
        };
        return Error::new(ErrorKind::Timeout, format!("request timed out: {text}"))
            .with_timeout_phase(phase)
            .with_source(e);
    }
    let what = if e.is_connect() {
        "connection failed"
    } else if e.is_request() || e.is_body() {
        "request failed"
    } else {
        "transport error"
    };
    Error::new(ErrorKind::Connection, format!("{what}: {text}")).with_source(e)
}

pub(crate) fn header_str(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn header_pairs(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

pub(crate) fn to_body_value<T: Serialize>(request: &T) -> Result<Value> {
    serde_json::to_value(request)
        .map_err(|e| Error::invalid_argument(format!("request is not serialisable: {e}")))
}

/// The bytes of a request body, serialised once (every attempt sends the same bytes). Straight
/// from the typed request unless `extra_body` has fields to merge in.
pub(crate) fn encode_body<T: Serialize>(request: &T, opts: &RequestOptions) -> Result<Bytes> {
    let bytes = match &opts.extra_body {
        None => serde_json::to_vec(request),
        Some(extra) => {
            let mut body = to_body_value(request)?;
            let Value::Object(map) = &mut body else {
                return Err(Error::invalid_argument(
                    "extra_body needs a JSON object body",
                ));
            };
            for (k, v) in extra {
                map.insert(k.clone(), v.clone());
            }
            serde_json::to_vec(&body)
        }
    };
    bytes
        .map(Bytes::from)
        .map_err(|e| Error::invalid_argument(format!("request is not serialisable: {e}")))
}

fn decode_json(body: &[u8]) -> Result<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| {
        Error::decode(
            format!("response is not valid JSON: {e}"),
            String::from_utf8_lossy(body),
        )
    })
}

/// Decodes a 2xx body: an empty body (204, `content-length: 0`) is `null` (fine for `Value`, a
/// decode error for a typed response); a non-JSON content type, malformed JSON or the wrong shape
/// is a decode error that carries the raw body and status.
pub(crate) fn content_type(h: &HeaderMap) -> &str {
    h.get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

pub(crate) fn decode_checked<T: DeserializeOwned>(
    status: u16,
    ct: &str,
    body: &[u8],
    request_id: Option<String>,
) -> Result<T> {
    let fail = |msg: String| {
        Error::decode(msg, String::from_utf8_lossy(body))
            .with_status(status)
            .with_request_id(request_id.clone())
    };
    if body.is_empty() || status == StatusCode::NO_CONTENT.as_u16() {
        return serde_json::from_value(Value::Null)
            .map_err(|_| fail("the response body is empty".into()));
    }
    if !(ct.is_empty() || ct.contains("json")) {
        return Err(fail(format!(
            "expected a JSON response, got content type {ct:?}"
        )));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(fail("the response body is only whitespace".into()));
    }
    serde_json::from_slice(body).map_err(|e| {
        let what = if e.is_data() {
            "the response does not have the expected shape"
        } else {
            "the response is not valid JSON"
        };
        fail(format!("{what}: {e}"))
    })
}

pub(crate) fn percent_encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EnvSource;

    fn client(url: &str) -> Client {
        ClientBuilder::new()
            .api_key("sk-test")
            .base_url(url)
            .env(EnvSource::Map(Default::default()))
            .build()
            .unwrap()
    }

    #[test]
    fn url_fast_path_matches_a_full_parse() {
        for base in [
            "http://127.0.0.1:8080/v1",
            "https://h.example/openai/v1/",
            "http://h",
        ] {
            let c = client(base);
            for path in [
                "chat/completions",
                "/models",
                "models/gpt%2F4o",
                "models?limit=2",
                "http://evil.example/x",
                "a b/ü",
                "x#frag",
                "a\\b",
            ] {
                let want = format!("{}/{}", c.config().base_url, path.trim_start_matches('/'));
                let want = reqwest::Url::parse(&want).unwrap();
                let got = c.url(path, &RequestOptions::default()).unwrap();
                assert_eq!(got, want, "{base} + {path}");
                assert_eq!(got.host(), want.host());
            }
        }
    }

    #[test]
    fn url_joins_and_adds_query() {
        let c = ClientBuilder::new()
            .api_key("k")
            .base_url("http://h/v1/")
            .default_query("api-version", "1")
            .env(EnvSource::Map(Default::default()))
            .build()
            .unwrap();
        let opts = RequestOptions {
            extra_query: vec![("a".into(), "b c".into())],
            ..Default::default()
        };
        let u = c.url("/chat/completions", &opts).unwrap();
        assert_eq!(
            u.as_str(),
            "http://h/v1/chat/completions?api-version=1&a=b+c"
        );
    }

    #[test]
    fn headers_extra_and_removal() {
        let c = client("http://h/v1");
        let opts = RequestOptions {
            extra_headers: vec![
                ("x-a".into(), Some("1".into())),
                ("user-agent".into(), None),
            ],
            ..Default::default()
        };
        let h = c
            .headers(
                &opts,
                Payload::Json(Bytes::new()).content_type(),
                Want::Buffered,
            )
            .unwrap();
        assert_eq!(h["x-a"], "1");
        assert!(h.get("user-agent").is_none());
        assert!(h["authorization"].is_sensitive());
        assert_eq!(h["content-type"], "application/json");
    }

    #[test]
    fn debug_of_client_hides_key() {
        let c = client("http://h/v1");
        let shown = format!("{c:?}");
        assert!(!shown.contains("sk-test"), "{shown}");
    }

    #[test]
    fn decode_checked_rules() {
        let json = "application/json";
        assert_eq!(
            decode_checked::<Value>(200, json, b"", None).unwrap(),
            Value::Null
        );
        assert_eq!(
            decode_checked::<Value>(204, json, b"", None).unwrap(),
            Value::Null
        );
        let e = decode_checked::<ChatCompletion>(200, json, b"", None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        let e =
            decode_checked::<ChatCompletion>(200, json, br#"{"choices": 5}"#, None).unwrap_err();
        assert!(e.to_string().contains("shape"), "{e}");
        let e = decode_checked::<Value>(200, json, b"{invalid", None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.body(), Some("{invalid"));
        assert_eq!(e.status(), Some(200));
        let e = decode_checked::<Value>(200, json, b"   ", None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        let e = decode_checked::<Value>(200, "text/plain", b"not json", None).unwrap_err();
        assert!(e.to_string().contains("text/plain"));
    }

    #[test]
    fn model_id_is_encoded() {
        assert_eq!(percent_encode_path("ft:gpt-4o:org:x"), "ft:gpt-4o:org:x");
        assert_eq!(percent_encode_path("a b"), "a%20b");
    }
}
