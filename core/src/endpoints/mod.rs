//! The whole REST surface as data, and the one engine that runs any of it.
//!
//! [`ENDPOINTS`](all) is generated from the official OpenAPI spec (`scripts/gen-endpoints.py`):
//! a row per operation with its method, path template, parameters, body kind, answer kind,
//! streaming dialect and pagination form. The engine ([`Client::call`], [`Client::call_events`],
//! [`Client::download`], [`Client::pages`]) runs any row with what the chat call has — retries,
//! Retry-After, timeouts, proxies, typed errors — plus multipart bodies replayed on retry, binary
//! answers streamed to a sink, both SSE dialects, and cursors that follow every page. Typed
//! helpers (Responses, files, ...) are thin layers over it, and the bindings reach every other
//! operation by its operation id.

mod table;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::{Client, Payload, RequestOptions, Response, StreamOrBody, Want};
use crate::error::{ApiErrorBody, Error, ErrorKind, Result};
use crate::events::{End, SseSource};
use crate::multipart::Multipart;
use crate::sse::is_done;

/// HTTP method of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl HttpMethod {
    fn to_reqwest(self) -> Method {
        match self {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
            HttpMethod::Put => Method::PUT,
            HttpMethod::Patch => Method::PATCH,
            HttpMethod::Delete => Method::DELETE,
        }
    }

    /// `"GET"`, `"POST"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// What an operation takes as its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// No body.
    None,
    /// A JSON object.
    Json,
    /// `multipart/form-data` (file uploads).
    Multipart,
    /// Either (the spec accepts both).
    JsonOrMultipart,
}

/// What a successful answer carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerKind {
    /// A JSON object.
    Json,
    /// Bytes (file contents, audio, video): read with [`Client::download`].
    Binary,
    /// Nothing.
    Empty,
}

/// Whether and how an operation can answer with an event stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamKind {
    /// Never streams.
    None,
    /// `data:` chunks ended by `data: [DONE]` (chat and text completions).
    Done,
    /// Named events (`event: response.output_text.delta`) ended by a terminal event.
    Events,
}

/// How a list operation pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// Not a paged list.
    None,
    /// `after=<last id>` while `has_more` (the id from `last_id`, else the last item's `id`).
    After,
    /// `after=<next>` while `has_more`.
    NextCursor,
    /// `page=<next_page>` while `has_more`.
    PageNumber,
}

/// One operation of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The spec's `operationId`, e.g. `createResponse`, `listFiles`.
    pub id: &'static str,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path template relative to the base URL, e.g. `/files/{file_id}/content`.
    pub path: &'static str,
    /// A query string the operation always sends (`beta=true`), or empty.
    pub fixed_query: &'static str,
    /// The `{name}` parameters of the path, in order.
    pub path_params: &'static [&'static str],
    /// The declared query parameters.
    pub query_params: &'static [&'static str],
    /// What it takes.
    pub body: BodyKind,
    /// What it answers.
    pub answer: AnswerKind,
    /// Whether it can stream, and how.
    pub stream: StreamKind,
    /// How it pages.
    pub page: PageKind,
    /// The API reference group (`responses`, `files`, ...).
    pub group: &'static str,
    /// Deprecated in the spec.
    pub deprecated: bool,
}

/// Every operation of the spec, sorted by id.
pub fn all() -> &'static [Endpoint] {
    table::ENDPOINTS
}

/// The operation with this `operationId`.
pub fn find(id: &str) -> Option<&'static Endpoint> {
    let t = table::ENDPOINTS;
    t.binary_search_by(|e| e.id.cmp(id)).ok().map(|i| &t[i])
}

/// The operation with this id, or an [`ErrorKind::InvalidArgument`] error naming it.
pub fn get(id: &str) -> Result<&'static Endpoint> {
    find(id).ok_or_else(|| Error::invalid_argument(format!("unknown operation id {id:?}")))
}

/// The events that end a named-event stream of an operation; `None` when the stream simply ends
/// with the connection (no way to tell a cut stream from a finished one).
pub fn terminal_events(endpoint: &Endpoint) -> Option<&'static [&'static str]> {
    const RESPONSES: &[&str] = &[
        "response.completed",
        "response.incomplete",
        "response.failed",
    ];
    match endpoint.id {
        "createResponse" | "getResponse" | "beta_createResponse" => Some(RESPONSES),
        "createImage" => Some(&["image_generation.completed"]),
        "createImageEdit" => Some(&["image_edit.completed"]),
        "createTranscription" => Some(&["transcript.text.done"]),
        "createSpeech" => Some(&["speech.audio.done"]),
        _ => None,
    }
}

/// The body of one call.
#[derive(Clone, Debug, Default)]
pub enum CallBody {
    /// No body.
    #[default]
    None,
    /// A JSON body; `extra_body` of the options is merged into it.
    Json(Value),
    /// A multipart form.
    Multipart(Multipart),
}

/// The arguments of one call: path parameters, query and body.
#[derive(Clone, Debug, Default)]
pub struct Call {
    /// `{name}` values of the path.
    pub path: Vec<(String, String)>,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// The body.
    pub body: CallBody,
}

impl Call {
    /// A call with no arguments.
    pub fn new() -> Call {
        Call::default()
    }

    /// Sets a path parameter.
    pub fn path_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Call {
        self.path.push((name.into(), value.into()));
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Call {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: Value) -> Call {
        self.body = CallBody::Json(body);
        self
    }

    /// Sets a multipart body.
    pub fn multipart(mut self, form: Multipart) -> Call {
        self.body = CallBody::Multipart(form);
        self
    }

    fn set_query(&mut self, name: &str, value: String) {
        self.query.retain(|(k, _)| k != name);
        self.query.push((name.to_owned(), value));
    }
}

impl Endpoint {
    /// The path with its parameters filled in and percent-encoded.
    pub fn render_path(&self, call: &Call) -> Result<String> {
        for (name, _) in &call.path {
            if !self.path_params.contains(&name.as_str()) {
                return Err(Error::invalid_argument(format!(
                    "{} has no path parameter {name:?} (it takes {:?})",
                    self.id, self.path_params
                )));
            }
        }
        let mut out = String::with_capacity(self.path.len() + 32);
        let mut rest = self.path;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..]
                .find('}')
                .map(|c| open + c)
                .ok_or_else(|| Error::new(ErrorKind::Internal, "bad path template"))?;
            let name = &rest[open + 1..close];
            let value = call
                .path
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .ok_or_else(|| {
                    Error::invalid_argument(format!(
                        "{} needs the path parameter {name:?}",
                        self.id
                    ))
                })?;
            if value.is_empty() {
                return Err(Error::invalid_argument(format!(
                    "{name} must not be empty (a call to {})",
                    self.id
                )));
            }
            out.push_str(&crate::client::percent_encode_path(value));
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn check_body(&self, body: &CallBody) -> Result<()> {
        let ok = matches!(
            (self.body, body),
            (_, CallBody::None)
                | (
                    BodyKind::Json | BodyKind::JsonOrMultipart,
                    CallBody::Json(_)
                )
                | (
                    BodyKind::Multipart | BodyKind::JsonOrMultipart,
                    CallBody::Multipart(_)
                )
        );
        if ok {
            return Ok(());
        }
        let given = match body {
            CallBody::None => "no body",
            CallBody::Json(_) => "a JSON body",
            CallBody::Multipart(_) => "a multipart body",
        };
        Err(Error::invalid_argument(format!(
            "{} takes {} but was given {given}",
            self.id,
            match self.body {
                BodyKind::None => "no body",
                BodyKind::Json => "a JSON body",
                BodyKind::Multipart => "a multipart form",
                BodyKind::JsonOrMultipart => "a JSON or multipart body",
            }
        )))
    }
}

fn wants_stream(body: &CallBody) -> bool {
    matches!(body, CallBody::Json(v) if v.get("stream") == Some(&Value::Bool(true)))
}

impl Client {
    /// The method and URL `call` would be sent with (path parameters, query and Azure routing
    /// applied), without sending anything: what a binding shows as the request of a raw answer.
    pub fn request_line(
        &self,
        ep: &Endpoint,
        call: &Call,
        opts: &RequestOptions,
    ) -> Result<(Method, reqwest::Url)> {
        let (method, path, payload, opts) = self.prepare(ep, call, opts)?;
        let url = self.routed_url(&path, &payload, &opts)?;
        Ok((method, url))
    }

    fn prepare(
        &self,
        ep: &Endpoint,
        call: &Call,
        opts: &RequestOptions,
    ) -> Result<(Method, String, Payload, RequestOptions)> {
        ep.check_body(&call.body)?;
        let mut path = ep.render_path(call)?;
        let mut query = Vec::new();
        if !ep.fixed_query.is_empty() {
            for pair in ep.fixed_query.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                query.push((k.to_owned(), v.to_owned()));
            }
        }
        query.extend(call.query.iter().cloned());
        let payload = match &call.body {
            CallBody::None if opts.extra_body.is_some() && ep.body != BodyKind::None => {
                Payload::Json(crate::client::encode_body(
                    &Value::Object(Default::default()),
                    opts,
                )?)
            }
            CallBody::None => Payload::None,
            CallBody::Json(v) => Payload::Json(crate::client::encode_body(v, opts)?),
            CallBody::Multipart(form) => {
                if opts.extra_body.is_some() {
                    return Err(Error::invalid_argument(
                        "extra_body cannot be merged into a multipart body; add form fields instead",
                    ));
                }
                Payload::Multipart(Arc::new(form.clone()))
            }
        };
        // The call's own query goes before extra_query, so the caller's extra_query can still
        // add to it; both go through the URL builder's encoding.
        let opts = if query.is_empty() {
            opts.clone()
        } else {
            let mut o = opts.clone();
            query.append(&mut o.extra_query);
            o.extra_query = query;
            o
        };
        path.remove(0);
        Ok((ep.method.to_reqwest(), path, payload, opts))
    }

    /// Runs a JSON (or empty) answer operation and returns the answer as JSON (`Null` when
    /// empty). Streaming bodies (`"stream": true`) and binary answers have their own calls.
    pub async fn call(
        &self,
        ep: &Endpoint,
        call: &Call,
        opts: &RequestOptions,
    ) -> Result<Response<Value>> {
        self.call_typed(ep, call, opts).await
    }

    /// [`Client::call`], decoded into `T` straight from the bytes.
    pub async fn call_typed<T: DeserializeOwned>(
        &self,
        ep: &Endpoint,
        call: &Call,
        opts: &RequestOptions,
    ) -> Result<Response<T>> {
        if ep.answer == AnswerKind::Binary {
            return Err(Error::invalid_argument(format!(
                "{} answers with bytes: use the download call",
                ep.id
            )));
        }
        if wants_stream(&call.body) {
            return Err(Error::invalid_argument(format!(
                "stream=true needs the streaming call for {}",
                ep.id
            )));
        }
        let (method, path, payload, opts) = self.prepare(ep, call, opts)?;
        self.send_decoded(method, &path, payload, &opts).await
    }

    /// [`Client::call`] for bindings that build their own objects from [`Response::raw`]: the
    /// body is checked to be JSON (or empty) without building a value, and the usage of
    /// chat, text completion, embeddings and responses answers still counts in
    /// [`Client::usage`].
    pub async fn call_raw(
        &self,
        ep: &Endpoint,
        call: &Call,
        opts: &RequestOptions,
    ) -> Result<Response<()>> {
        Ok(self.call_raw_counted(ep, call, opts).await?.0)
    }

    /// [`Client::call_raw`], also handing back the answer's model and usage as counted, so a
    /// caller that needs them (the bulk runner's cost column) does not parse the body again.
    pub(crate) async fn call_raw_counted(
        &self,
        ep: &Endpoint,
        call: &Call,
        opts: &RequestOptions,
    ) -> Result<(Response<()>, Option<Counted>)> {
        if !counts_usage(ep) {
            let r: Response<serde::de::IgnoredAny> = self.call_typed(ep, call, opts).await?;
            return Ok((r.map(|_| ()), None));
        }
        #[derive(serde::Deserialize)]
        struct Lite {
            #[serde(default)]
            model: String,
            #[serde(default)]
            usage: Option<Value>,
        }
        let mut r: Response<Option<Lite>> = self.call_typed(ep, call, opts).await?;
        // Taken out of the answer, not copied: the caller gets the model string itself.
        let counted = r.data.take().map(|Lite { model, usage }| {
            let usage = usage.as_ref().and_then(usage_of);
            if let Some(u) = &usage {
                crate::client::record_usage(self.usage_sink(), &model, u);
            }
            Counted { model, usage }
        });
        Ok((r.map(|_| ()), counted))
    }

    /// Runs an operation whose answer is bytes and hands back the live answer to read in chunks
    /// (never held whole). Retries apply until the answer's headers arrive.
    pub async fn download(
        &self,
        ep: &Endpoint,
        call: &Call,
        opts: &RequestOptions,
    ) -> Result<Download> {
        let (method, path, payload, opts) = self.prepare(ep, call, opts)?;
        let idle = opts
            .stream_idle_timeout
            .or(self.config().timeouts.stream_idle);
        let (resp, request_id, retries_taken) = self
            .execute(method, &path, payload, &opts, Want::Bytes)
            .await?;
        let StreamOrBody::Stream(resp) = resp else {
            return Err(Error::new(ErrorKind::Internal, "expected a live response"));
        };
        Ok(Download {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            request_id,
            retries_taken,
            content_length: resp.content_length(),
            body: Box::pin(resp.bytes_stream()),
            idle,
            received: 0,
        })
    }

    /// Runs an operation as an event stream (`"stream": true` is added to a JSON body). Retries
    /// apply until the headers arrive, never after the first byte.
    pub async fn call_events(
        &self,
        ep: &Endpoint,
        call: &Call,
        opts: &RequestOptions,
    ) -> Result<EventStream> {
        if ep.stream == StreamKind::None {
            return Err(Error::invalid_argument(format!(
                "{} does not stream",
                ep.id
            )));
        }
        let mut call = call.clone();
        if let CallBody::Json(Value::Object(map)) = &mut call.body {
            map.insert("stream".into(), Value::Bool(true));
        } else if ep.method == HttpMethod::Get {
            call.set_query("stream", "true".into());
        }
        let (method, path, payload, opts) = self.prepare(ep, &call, opts)?;
        let idle = opts
            .stream_idle_timeout
            .or(self.config().timeouts.stream_idle);
        let (resp, request_id, _) = self
            .execute(method, &path, payload, &opts, Want::Events)
            .await?;
        let StreamOrBody::Stream(resp) = resp else {
            return Err(Error::new(ErrorKind::Internal, "expected a live response"));
        };
        let ct = crate::client::header_str(resp.headers(), "content-type").unwrap_or_default();
        if !ct.starts_with("text/event-stream") {
            let status = resp.status().as_u16();
            let body = resp.bytes().await.unwrap_or_default();
            let err = Error::decode(
                format!("expected an event stream, got content type {ct:?}"),
                String::from_utf8_lossy(&body),
            )
            .with_status(status)
            .with_request_id(request_id);
            return Err(self.redactor().scrub(err));
        }
        let headers = resp.headers().clone();
        Ok(EventStream {
            source: SseSource::new(Box::pin(resp.bytes_stream()), idle),
            dialect: ep.stream,
            terminal: terminal_events(ep),
            request_id,
            headers,
            state: StreamState::Open,
            redactor: self.redactor().into_owned(),
        })
    }

    /// A cursor over every page of a list operation (one request per page, on demand).
    pub fn pages(&self, ep: &'static Endpoint, call: Call, opts: &RequestOptions) -> Pager {
        Pager {
            client: self.clone(),
            ep,
            call,
            opts: opts.clone(),
            state: PagerState::First,
        }
    }
}

fn counts_usage(ep: &Endpoint) -> bool {
    matches!(
        ep.id,
        "createChatCompletion" | "createCompletion" | "createEmbedding" | "createResponse"
    )
}

/// Usage in chat terms from either shape (`prompt_tokens` or the Responses API's
/// `input_tokens`).
pub(crate) fn usage_of(u: &Value) -> Option<crate::types::Usage> {
    use serde::Deserialize;
    // Read from the borrowed value: `from_value` would take a clone of it.
    if u.get("input_tokens").is_some() {
        let r = crate::responses::ResponseUsage::deserialize(u).ok()?;
        return Some(r.to_usage());
    }
    crate::types::Usage::deserialize(u).ok()
}

/// The model and usage of an answer, read by [`Client::call_raw_counted`].
#[derive(Debug)]
pub(crate) struct Counted {
    /// The answer's `model` (empty when it has none).
    pub model: String,
    /// Its usage, in chat terms.
    pub usage: Option<crate::types::Usage>,
}

/// A binary answer being received.
pub struct Download {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// `x-request-id`.
    pub request_id: Option<String>,
    /// Retries before the attempt that answered.
    pub retries_taken: u32,
    /// `Content-Length`, when the server sent one.
    pub content_length: Option<u64>,
    body: crate::events::ByteStream,
    idle: Option<Duration>,
    received: u64,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("received", &self.received)
            .finish()
    }
}

impl Download {
    /// The next piece of the body; `None` at its end. A connection lost midway, an idle
    /// deadline, or fewer bytes than `Content-Length` announced is an error.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        use futures_util::StreamExt;
        let next = match self.idle {
            Some(t) => tokio::time::timeout(t, self.body.next())
                .await
                .map_err(|_| Error::timeout(crate::error::TimeoutPhase::StreamIdle, Some(t)))?,
            None => self.body.next().await,
        };
        match next {
            Some(Ok(b)) => {
                self.received += b.len() as u64;
                Ok(Some(b))
            }
            Some(Err(e)) => {
                let e = e.without_url();
                Err(Error::new(
                    ErrorKind::Connection,
                    format!(
                        "download interrupted after {} bytes: {}",
                        self.received,
                        crate::client::chain(&e)
                    ),
                )
                .with_request_id(self.request_id.clone())
                .with_source(e))
            }
            None => match self.content_length {
                Some(n) if n != self.received => Err(Error::new(
                    ErrorKind::Connection,
                    format!("download ended after {} of {n} bytes", self.received),
                )
                .with_request_id(self.request_id.clone())),
                _ => Ok(None),
            },
        }
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Hands every chunk to `sink` as it arrives; returns the byte count.
    pub async fn for_each_chunk(
        &mut self,
        mut sink: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<u64> {
        while let Some(b) = self.chunk().await? {
            sink(&b)?;
        }
        Ok(self.received)
    }

    /// Writes the body to `path` (created or truncated) as it arrives. The file is complete
    /// only when this returns `Ok`; on an error it is removed, so a partial download never
    /// passes for a whole one.
    pub async fn write_to_file(mut self, path: impl AsRef<std::path::Path>) -> Result<u64> {
        use tokio::io::AsyncWriteExt;
        let path = path.as_ref();
        let io = |e: std::io::Error| {
            Error::invalid_argument(format!("cannot write {}: {e}", path.display()))
        };
        let mut file = tokio::fs::File::create(path).await.map_err(io)?;
        let result = async {
            while let Some(b) = self.chunk().await? {
                file.write_all(&b).await.map_err(io)?;
            }
            file.flush().await.map_err(io)?;
            file.sync_data().await.map_err(io)?;
            Ok(self.received)
        }
        .await;
        if result.is_err() {
            drop(file);
            let _ = tokio::fs::remove_file(path).await;
        }
        result
    }

    /// The whole body in memory (for small answers).
    pub async fn bytes(mut self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.content_length.unwrap_or(0).min(1 << 24) as usize);
        while let Some(b) = self.chunk().await? {
            out.extend_from_slice(&b);
        }
        Ok(out)
    }
}

/// One event of a stream: its name (named-event dialect; `None` for `[DONE]`-dialect chunks),
/// the raw text it came from, the few fields every consumer reads, and the parsed JSON on demand.
///
/// Most events of a responses stream are text deltas whose readers want only their type,
/// sequence number, indexes and delta: those are decoded in one pass that still checks the whole
/// JSON, and the full `Value` (an ordered map per object) is built only when [`Event::data`] is
/// called. A binding that builds its own objects from [`Event::raw`] then parses each event once.
#[derive(Clone, Debug)]
pub struct Event {
    /// The `event:` name, or the `type` of the JSON when the line was absent.
    pub name: Option<String>,
    /// The `data:` text as received (always valid JSON).
    pub raw: String,
    pub(crate) head: EventHead,
    pub(crate) data: std::sync::OnceLock<Value>,
}

impl PartialEq for Event {
    fn eq(&self, other: &Event) -> bool {
        // `data` and `head` are functions of `raw`.
        self.name == other.name && self.raw == other.raw
    }
}

impl Event {
    /// An event from its name and JSON text; when the text is not JSON, the error and the
    /// text back.
    pub(crate) fn parse(
        name: Option<String>,
        raw: String,
    ) -> std::result::Result<Event, (serde_json::Error, String)> {
        let (head, data) = match EventHead::decode(&raw) {
            Ok(d) => d,
            Err(e) => return Err((e, raw)),
        };
        let name = name.or_else(|| head.kind.clone());
        Ok(Event {
            name,
            raw,
            head,
            data,
        })
    }

    /// The JSON payload (parsed from [`Event::raw`] on first use).
    pub fn data(&self) -> &Value {
        lazy_json(&self.data, &self.raw)
    }

    /// `sequence_number` when the server sent one (compatible servers may not).
    pub fn sequence_number(&self) -> Option<u64> {
        self.head.sequence_number
    }
}

/// The value in `cell`, parsed from `raw` the first time. `raw` was checked to be JSON when
/// its event was made, so the `Null` fallback is never taken.
pub(crate) fn lazy_json<'a>(cell: &'a std::sync::OnceLock<Value>, raw: &str) -> &'a Value {
    cell.get_or_init(|| serde_json::from_str(raw).unwrap_or(Value::Null))
}

/// The fields of an event payload that hot paths read. Other fields are skipped, not kept.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
pub(crate) struct EventHead {
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    pub(crate) sequence_number: Option<u64>,
    pub(crate) output_index: Option<u64>,
    pub(crate) content_index: Option<u64>,
    pub(crate) delta: Option<String>,
    /// An `error` member that is not null: the event may be an error envelope.
    #[serde(rename = "error", default, deserialize_with = "present")]
    pub(crate) has_error: bool,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    use serde::Deserialize;
    Ok(Option::<serde::de::IgnoredAny>::deserialize(d)?.is_some())
}

impl EventHead {
    /// Decodes the head in one pass. A payload the typed pass refuses (not an object, a field
    /// of another type, a duplicate key) is parsed as a `Value` instead, and its head read from
    /// that with the same leniency as before: a field of the wrong type counts as absent.
    fn decode(
        raw: &str,
    ) -> std::result::Result<(EventHead, std::sync::OnceLock<Value>), serde_json::Error> {
        if let Ok(head) = serde_json::from_str::<EventHead>(raw) {
            return Ok((head, std::sync::OnceLock::new()));
        }
        let v: Value = serde_json::from_str(raw)?;
        let num = |k: &str| v.get(k).and_then(Value::as_u64);
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let head = EventHead {
            kind: text("type"),
            sequence_number: num("sequence_number"),
            output_index: num("output_index"),
            content_index: num("content_index"),
            delta: text("delta"),
            has_error: v.get("error").is_some_and(|e| !e.is_null()),
        };
        Ok((head, std::sync::OnceLock::from(v)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StreamState {
    Open,
    Done,
    Failed,
}

/// A generic event stream of either dialect. Every way it can end is explicit: `None` after
/// `[DONE]` or a terminal event (or, for a dialect without one, a clean close); an error for an
/// `error` event, a malformed event, an idle timeout, a reset, or a close before the terminal
/// event. After an error it yields `None`.
pub struct EventStream {
    source: SseSource,
    dialect: StreamKind,
    terminal: Option<&'static [&'static str]>,
    request_id: Option<String>,
    headers: HeaderMap,
    state: StreamState,
    /// The client's secrets: an error event may quote the key back.
    redactor: crate::redact::Redactor,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("request_id", &self.request_id)
            .field("state", &self.state)
            .finish()
    }
}

impl EventStream {
    /// `x-request-id`.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// True once the stream reached its normal end.
    pub fn is_complete(&self) -> bool {
        self.state == StreamState::Done
    }

    /// The next event, `None` at the end.
    pub async fn next_event(&mut self) -> Option<Result<Event>> {
        if self.state != StreamState::Open {
            return None;
        }
        let out = self.step().await;
        match &out {
            Some(Err(_)) => self.state = StreamState::Failed,
            None => self.state = StreamState::Done,
            Some(Ok(_)) => {}
        }
        out.map(|r| {
            r.map_err(|e| {
                self.redactor
                    .scrub(e.with_request_id(self.request_id.clone()))
            })
        })
    }

    async fn step(&mut self) -> Option<Result<Event>> {
        let ev = match self.source.next_event().await {
            Err(e) => return Some(Err(e)),
            Ok(Err(End::Closed { mid_event })) => {
                let ends_at_close = self.dialect == StreamKind::Events && self.terminal.is_none();
                if ends_at_close && !mid_event {
                    return None;
                }
                let want = match (self.dialect, self.terminal) {
                    (StreamKind::Done, _) => "[DONE]".to_owned(),
                    (_, Some(t)) => t.join(" / "),
                    _ => "the end of its last event".to_owned(),
                };
                return Some(Err(Error::new(
                    ErrorKind::StreamTruncated,
                    format!(
                        "stream closed after {} events without {want}{}",
                        self.source.events,
                        if mid_event { " (mid-event)" } else { "" }
                    ),
                )));
            }
            Ok(Ok(ev)) => ev,
        };
        if self.dialect == StreamKind::Done && is_done(&ev.data) {
            self.source.discard_pending();
            return None;
        }
        let event = match Event::parse(ev.event, ev.data) {
            Ok(e) => e,
            Err((e, raw)) => {
                return Some(Err(Error::decode(
                    format!("stream event {} is not valid JSON: {e}", self.source.events),
                    raw,
                )));
            }
        };
        if event.head.has_error || event.name.as_deref() == Some("error") {
            if let Some(err) = error_event(event.name.as_deref(), event.data(), &event.raw) {
                return Some(Err(err));
            }
        }
        let terminal = match (&event.name, self.terminal) {
            (Some(n), Some(t)) => t.contains(&n.as_str()),
            _ => false,
        };
        if terminal {
            // Anything after the terminal event is not part of this answer.
            self.source.discard_pending();
            self.state = StreamState::Done;
        }
        Some(Ok(event))
    }
}

/// The typed error for an `error` event (`event: error`, a `"type": "error"` payload, or a chat
/// chunk that is an `{"error": {...}}` envelope); `None` for any other event.
pub(crate) fn error_event(name: Option<&str>, data: &Value, raw: &str) -> Option<Error> {
    let err_v = match data.get("error") {
        Some(e) if e.is_object() && name.is_none_or(|n| n == "error") => e,
        _ if name == Some("error") => data,
        _ => return None,
    };
    let api: ApiErrorBody = serde_json::from_value(err_v.clone()).unwrap_or_default();
    let msg = if api.message.is_empty() {
        "the server sent an error event".to_owned()
    } else {
        api.message.clone()
    };
    Some(
        Error::new(ErrorKind::StreamEvent, format!("error in stream: {msg}"))
            .with_api(api)
            .with_body(raw.to_owned()),
    )
}

#[derive(Clone, Debug)]
enum PagerState {
    First,
    Next,
    Done,
}

/// Every page of a list operation, fetched on demand. A clone continues from the same position
/// on its own (a page object of a binding can keep "the pages after me" without sharing a cursor).
#[derive(Clone, Debug)]
pub struct Pager {
    client: Client,
    ep: &'static Endpoint,
    call: Call,
    opts: RequestOptions,
    state: PagerState,
}

/// The items of a page and what the next page needs.
#[derive(Clone, Debug, PartialEq)]
pub struct PageInfo {
    /// `has_more`.
    pub has_more: bool,
    /// The cursor value for the next request, if there is a next page.
    pub next: Option<String>,
}

/// Reads `has_more` and the next cursor of a page answer.
pub fn page_info(kind: PageKind, page: &Value) -> PageInfo {
    let has_more = page
        .get("has_more")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let data = page.get("data").and_then(Value::as_array);
    let str_of = |v: Option<&Value>| match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let next = match kind {
        PageKind::None => None,
        PageKind::After => str_of(page.get("last_id"))
            .or_else(|| str_of(data.and_then(|d| d.last()).and_then(|i| i.get("id")))),
        PageKind::NextCursor => str_of(page.get("next")),
        PageKind::PageNumber => str_of(page.get("next_page")),
    };
    // An empty page ends the walk even if the server claims more: following it would ask for
    // the same page forever.
    let has_more = has_more && data.is_none_or(|d| !d.is_empty()) && next.is_some();
    PageInfo { has_more, next }
}

impl Pager {
    /// The next page's answer, `None` after the last one.
    pub async fn next_page(&mut self) -> Option<Result<Response<Value>>> {
        if matches!(self.state, PagerState::Done) {
            return None;
        }
        let resp = match self.client.call(self.ep, &self.call, &self.opts).await {
            Ok(r) => r,
            Err(e) => {
                self.state = PagerState::Done;
                return Some(Err(e));
            }
        };
        let info = page_info(self.ep.page, &resp.data);
        match (info.has_more, info.next) {
            (true, Some(next)) => {
                let key = match self.ep.page {
                    PageKind::PageNumber => "page",
                    _ => "after",
                };
                if self.call.query.iter().any(|(k, v)| k == key && *v == next) {
                    // The server handed back the cursor it was given: stop instead of looping.
                    self.state = PagerState::Done;
                } else {
                    self.call.set_query(key, next);
                    self.state = PagerState::Next;
                }
            }
            _ => self.state = PagerState::Done,
        }
        Some(Ok(resp))
    }

    /// True before the first page and while more pages remain.
    pub fn has_next_page(&self) -> bool {
        !matches!(self.state, PagerState::Done)
    }

    /// The operation being paged.
    pub fn endpoint(&self) -> &'static Endpoint {
        self.ep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The head read in one typed pass equals the head read from the full `Value`, for
    /// well-formed events and for every shape the typed pass refuses; `data()` is the full parse.
    #[test]
    fn event_head_matches_the_value_reading() {
        let cases = [
            r#"{"type":"response.output_text.delta","sequence_number":4,"item_id":"m","output_index":0,"content_index":1,"delta":"Hi \u00e9","logprobs":[]}"#,
            r#"{"type":"response.created","sequence_number":0,"response":{"id":"r","output":[]}}"#,
            r#"{"sequence_number":"4","output_index":-1,"content_index":1.0,"delta":5}"#,
            r#"{"type":"x","type":"y","delta":"a"}"#,
            r#"{"type":"error","code":"bad","message":"no"}"#,
            r#"{"error":{"message":"quota"}}"#,
            r#"{"error":null,"type":"t"}"#,
            r#"[1,2]"#,
            r#""text""#,
            r#"{}"#,
        ];
        for raw in cases {
            let e = Event::parse(None, raw.to_owned()).unwrap();
            let v: Value = serde_json::from_str(raw).unwrap();
            assert_eq!(e.data(), &v, "{raw}");
            let num = |k: &str| v.get(k).and_then(Value::as_u64);
            let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            assert_eq!(e.head.kind, text("type"), "{raw}");
            assert_eq!(e.name, text("type"), "{raw}");
            assert_eq!(e.head.sequence_number, num("sequence_number"), "{raw}");
            assert_eq!(e.head.output_index, num("output_index"), "{raw}");
            assert_eq!(e.head.content_index, num("content_index"), "{raw}");
            assert_eq!(e.head.delta, text("delta"), "{raw}");
            let has_error = v.get("error").is_some_and(|e| !e.is_null());
            assert_eq!(e.head.has_error, has_error, "{raw}");
        }
        // The `event:` line wins over the payload's type; invalid JSON is refused with its text.
        let e = Event::parse(Some("named".into()), r#"{"type":"other"}"#.into()).unwrap();
        assert_eq!(e.name.as_deref(), Some("named"));
        for bad in [r#"{"type":"x""#, r#"{"type":"x"} tail"#, ""] {
            let (_, back) = Event::parse(None, bad.to_owned()).unwrap_err();
            assert_eq!(back, bad);
        }
    }

    #[test]
    fn table_is_sorted_unique_and_complete() {
        let t = all();
        assert!(t.len() >= 280, "{} rows", t.len());
        assert!(t.windows(2).all(|w| w[0].id < w[1].id));
        for ep in t {
            assert_eq!(find(ep.id), Some(ep));
            assert!(ep.path.starts_with('/'), "{}", ep.id);
            let holes = ep.path.matches('{').count();
            assert_eq!(holes, ep.path_params.len(), "{}", ep.id);
        }
        assert!(find("noSuchOperation").is_none());
        assert_eq!(get("nope").unwrap_err().kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn rows_the_typed_helpers_rely_on() {
        let r = find("createResponse").unwrap();
        assert_eq!(
            (r.method, r.path, r.stream),
            (HttpMethod::Post, "/responses", StreamKind::Events)
        );
        assert_eq!(
            find("createChatCompletion").unwrap().stream,
            StreamKind::Done
        );
        assert_eq!(find("createCompletion").unwrap().stream, StreamKind::Done);
        assert_eq!(find("listFiles").unwrap().page, PageKind::After);
        assert_eq!(find("createFile").unwrap().body, BodyKind::Multipart);
        assert_eq!(find("downloadFile").unwrap().answer, AnswerKind::Binary);
        assert_eq!(find("createSpeech").unwrap().answer, AnswerKind::Binary);
        assert_eq!(find("listInputItems").unwrap().page, PageKind::After);
        assert_eq!(find("getResponse").unwrap().path_params, &["response_id"]);
    }

    #[test]
    fn paths_are_filled_and_encoded() {
        let ep = find("getResponse").unwrap();
        let call = Call::new().path_param("response_id", "resp/1 x");
        assert_eq!(ep.render_path(&call).unwrap(), "/responses/resp%2F1%20x");
        let e = ep.render_path(&Call::new()).unwrap_err();
        assert!(e.to_string().contains("response_id"), "{e}");
        let e = ep
            .render_path(&Call::new().path_param("response_id", ""))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        let e = ep
            .render_path(&Call::new().path_param("file_id", "x"))
            .unwrap_err();
        assert!(e.to_string().contains("file_id"), "{e}");
    }

    #[test]
    fn body_kinds_are_checked() {
        let files = find("createFile").unwrap();
        assert!(files.check_body(&CallBody::Json(json!({}))).is_err());
        assert!(
            files
                .check_body(&CallBody::Multipart(Multipart::new()))
                .is_ok()
        );
        let list = find("listFiles").unwrap();
        assert!(list.check_body(&CallBody::Json(json!({}))).is_err());
        assert!(list.check_body(&CallBody::None).is_ok());
    }

    #[test]
    fn page_cursors() {
        let p = json!({"data": [{"id": "a"}, {"id": "b"}], "has_more": true, "last_id": "b2"});
        assert_eq!(
            page_info(PageKind::After, &p),
            PageInfo {
                has_more: true,
                next: Some("b2".into())
            }
        );
        let p = json!({"data": [{"id": "a"}, {"id": "b"}], "has_more": true});
        assert_eq!(page_info(PageKind::After, &p).next.as_deref(), Some("b"));
        let p = json!({"data": [], "has_more": true, "last_id": "z"});
        assert!(!page_info(PageKind::After, &p).has_more);
        let p = json!({"data": [{"id": 1}], "has_more": true, "next": "cur"});
        assert_eq!(
            page_info(PageKind::NextCursor, &p).next.as_deref(),
            Some("cur")
        );
        let p = json!({"data": [{"x": 1}], "has_more": true, "next_page": "p2"});
        assert_eq!(
            page_info(PageKind::PageNumber, &p).next.as_deref(),
            Some("p2")
        );
        let p = json!({"data": [{"id": "a"}], "has_more": false, "last_id": "a"});
        assert!(!page_info(PageKind::After, &p).has_more);
    }

    #[test]
    fn error_events_of_both_dialects() {
        let v = json!({"type": "error", "code": "server_error", "message": "boom", "param": null, "sequence_number": 3});
        let e = error_event(Some("error"), &v, "raw").unwrap();
        assert_eq!(e.kind(), ErrorKind::StreamEvent);
        assert_eq!(e.code(), Some("server_error"));
        let v = json!({"error": {"message": "m", "type": "t"}});
        assert!(error_event(None, &v, "raw").is_some());
        let v = json!({"type": "response.output_text.delta", "delta": "error"});
        assert!(error_event(Some("response.output_text.delta"), &v, "raw").is_none());
        // A completed response whose payload has an `error: null` field is not an error.
        let v = json!({"type": "response.completed", "response": {"error": null}});
        assert!(error_event(Some("response.completed"), &v, "raw").is_none());
    }
}
