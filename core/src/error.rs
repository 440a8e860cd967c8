//! The one error type of the core, and the flat [`ErrorKind`] every binding maps from.

use std::fmt;
use std::time::Duration;

/// Coarse, stable classification of an [`Error`].
///
/// Bindings map on this and never on message text; each binding has exactly one
/// mapping table over [`ErrorKind::ALL`], and a test walks it so that a new kind
/// cannot silently fall back to a generic error.
///
/// There is no kind for `fork()`: a forked child gets a runtime and connection pool of its own on
/// its first call, so calls there succeed or fail like anywhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller passed something the client refuses before sending (bad message, bad option).
    InvalidArgument,
    /// The client cannot be configured: missing API key, bad base URL, unreadable CA file, bad proxy.
    Config,
    /// The connection failed: refused, reset, DNS, TLS handshake or certificate, proxy.
    Connection,
    /// A connect, per-attempt, stream-idle or total deadline passed.
    Timeout,
    /// The caller cancelled the request (cancel token, interrupt).
    Cancelled,
    /// HTTP 400.
    BadRequest,
    /// HTTP 401.
    Authentication,
    /// HTTP 403.
    PermissionDenied,
    /// HTTP 404.
    NotFound,
    /// HTTP 409.
    Conflict,
    /// HTTP 422.
    UnprocessableEntity,
    /// HTTP 429.
    RateLimited,
    /// HTTP 5xx.
    Server,
    /// Any other non-success HTTP status.
    ApiStatus,
    /// The server sent an `{"error": ...}` event inside a stream.
    StreamEvent,
    /// A stream ended (reset, or closed cleanly) before its terminal `[DONE]`.
    StreamTruncated,
    /// A response body was not what was expected: malformed JSON, wrong shape, wrong content type.
    Decode,
    /// A blocking call was made from inside an async runtime, where it would deadlock.
    NestedRuntime,
    /// A conversation turn cannot fit in the model's context window, even with every older turn
    /// left out; nothing was sent.
    ContextOverflow,
    /// A conversation call's estimated cost would exceed its budget; nothing was sent.
    BudgetExceeded,
    /// A bug in this library.
    Internal,
}

impl ErrorKind {
    /// Every kind, for the exhaustiveness tests of the bindings.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::InvalidArgument,
        ErrorKind::Config,
        ErrorKind::Connection,
        ErrorKind::Timeout,
        ErrorKind::Cancelled,
        ErrorKind::BadRequest,
        ErrorKind::Authentication,
        ErrorKind::PermissionDenied,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::UnprocessableEntity,
        ErrorKind::RateLimited,
        ErrorKind::Server,
        ErrorKind::ApiStatus,
        ErrorKind::StreamEvent,
        ErrorKind::StreamTruncated,
        ErrorKind::Decode,
        ErrorKind::NestedRuntime,
        ErrorKind::ContextOverflow,
        ErrorKind::BudgetExceeded,
        ErrorKind::Internal,
    ];

    /// The kind for a non-success HTTP status.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            422 => ErrorKind::UnprocessableEntity,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::ApiStatus,
        }
    }

    /// A stable snake_case name, used in messages and by the bindings' tests.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Config => "config",
            ErrorKind::Connection => "connection",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Authentication => "authentication",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::UnprocessableEntity => "unprocessable_entity",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::ApiStatus => "api_status",
            ErrorKind::StreamEvent => "stream_event",
            ErrorKind::StreamTruncated => "stream_truncated",
            ErrorKind::Decode => "decode",
            ErrorKind::NestedRuntime => "nested_runtime",
            ErrorKind::ContextOverflow => "context_overflow",
            ErrorKind::BudgetExceeded => "budget_exceeded",
            ErrorKind::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The `error` object of OpenAI's error envelope `{"error": {...}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApiErrorBody {
    /// Human-readable message from the server.
    #[serde(default)]
    pub message: String,
    /// `type`, e.g. `invalid_request_error`, `insufficient_quota`.
    #[serde(
        default,
        rename = "type",
        deserialize_with = "crate::types::de_opt_string"
    )]
    pub error_type: Option<String>,
    /// `code`, e.g. `rate_limit_exceeded`, `invalid_api_key`.
    #[serde(default, deserialize_with = "crate::types::de_opt_string")]
    pub code: Option<String>,
    /// `param`, the request field at fault.
    #[serde(default, deserialize_with = "crate::types::de_opt_string")]
    pub param: Option<String>,
}

/// Which deadline a [`ErrorKind::Timeout`] hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutPhase {
    /// Establishing the TCP/TLS connection.
    Connect,
    /// The per-attempt deadline of a request (headers and, for non-streaming requests, the body).
    Attempt,
    /// No byte arrived on a stream for the idle timeout.
    StreamIdle,
    /// The optional total deadline across all attempts.
    Total,
}

impl TimeoutPhase {
    fn describe(self) -> &'static str {
        match self {
            TimeoutPhase::Connect => "connecting",
            TimeoutPhase::Attempt => "waiting for the response",
            TimeoutPhase::StreamIdle => "waiting for the next stream event",
            TimeoutPhase::Total => "within the total deadline",
        }
    }
}

/// The largest body excerpt shown by `Display`/`Debug`; the full body stays in [`Error::body`].
const BODY_EXCERPT: usize = 4096;

struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    api: Option<ApiErrorBody>,
    request_id: Option<String>,
    body: Option<String>,
    headers: Vec<(String, String)>,
    retry_after: Option<Duration>,
    timeout_phase: Option<TimeoutPhase>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// An error from the client: a kind, a message and whatever the server said.
///
/// Boxed so that `Result<T, Error>` stays one word wide on the hot path.
pub struct Error(Box<Inner>);

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(Inner {
            kind,
            message: message.into(),
            status: None,
            api: None,
            request_id: None,
            body: None,
            headers: Vec::new(),
            retry_after: None,
            timeout_phase: None,
            source: None,
        }))
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config, message)
    }

    pub(crate) fn timeout(phase: TimeoutPhase, after: Option<Duration>) -> Error {
        let message = match after {
            Some(d) => format!(
                "request timed out after {:.3}s {}",
                d.as_secs_f64(),
                phase.describe()
            ),
            None => format!("request timed out {}", phase.describe()),
        };
        let mut e = Error::new(ErrorKind::Timeout, message);
        e.0.timeout_phase = Some(phase);
        e
    }

    /// A decode error that keeps the raw body, so the caller can see what the server sent.
    pub(crate) fn decode(message: impl Into<String>, body: impl Into<String>) -> Error {
        Error::new(ErrorKind::Decode, message).with_body(body.into())
    }

    /// The error for a non-success HTTP response.
    pub(crate) fn from_status(
        status: u16,
        body: &[u8],
        headers: Vec<(String, String)>,
        request_id: Option<String>,
    ) -> Error {
        let text = String::from_utf8_lossy(body).into_owned();
        let api = parse_error_envelope(body);
        let detail = match &api {
            Some(a) if !a.message.is_empty() => a.message.clone(),
            _ if text.trim().is_empty() => "(empty body)".to_owned(),
            _ => excerpt(&text, 512).to_owned(),
        };
        let reason = reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let mut e = Error::new(
            ErrorKind::from_status(status),
            format!("HTTP {status} {reason}: {detail}"),
        );
        e.0.status = Some(status);
        e.0.api = api;
        e.0.request_id = request_id;
        e.0.body = Some(text);
        e.0.headers = headers;
        e
    }

    pub(crate) fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Error {
        self.0.source = Some(source.into());
        self
    }

    pub(crate) fn with_timeout_phase(mut self, phase: TimeoutPhase) -> Error {
        self.0.timeout_phase = Some(phase);
        self
    }

    pub(crate) fn with_body(mut self, body: String) -> Error {
        self.0.body = Some(body);
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Error {
        self.0.status = Some(status);
        self
    }

    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Error {
        if request_id.is_some() {
            self.0.request_id = request_id;
        }
        self
    }

    pub(crate) fn with_api(mut self, api: ApiErrorBody) -> Error {
        self.0.api = Some(api);
        self
    }

    pub(crate) fn with_retry_after(mut self, d: Duration) -> Error {
        self.0.retry_after = Some(d);
        self
    }

    /// Every text of the error passed through `r` (see [`crate::redact::Redactor::scrub`]).
    pub(crate) fn scrub_with(mut self, r: &crate::redact::Redactor) -> Error {
        let fix = |s: &mut String| {
            if let std::borrow::Cow::Owned(clean) = r.scrub_str(s) {
                *s = clean;
            }
        };
        let inner = &mut *self.0;
        fix(&mut inner.message);
        for s in [&mut inner.body, &mut inner.request_id]
            .into_iter()
            .flatten()
        {
            fix(s);
        }
        if let Some(api) = &mut inner.api {
            fix(&mut api.message);
            for s in [&mut api.error_type, &mut api.code, &mut api.param]
                .into_iter()
                .flatten()
            {
                fix(s);
            }
        }
        for (name, value) in &mut inner.headers {
            fix(name);
            fix(value);
        }
        // A cause (a serde or transport error) may quote what the server sent. Its type is lost
        // when it has to be rewritten, which only happens when it did hold a secret.
        if let Some(src) = &inner.source {
            let mut text = format!("{src:?}");
            let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&**src);
            while let Some(s) = cur {
                text.push_str(&s.to_string());
                cur = s.source();
            }
            if r.finds_secret_in(&text) {
                let shown = crate::client::chain(&**src);
                inner.source = Some(Box::new(crate::redact::ScrubbedSource(
                    r.scrub_str(&shown).into_owned(),
                )));
            }
        }
        self
    }

    /// The flat kind bindings map on.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The message, without the kind prefix.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// The parsed `{"error": {...}}` object, when the server sent one.
    pub fn api_error(&self) -> Option<&ApiErrorBody> {
        self.0.api.as_ref()
    }

    /// The API error `type`, e.g. `invalid_request_error`.
    pub fn error_type(&self) -> Option<&str> {
        self.0.api.as_ref().and_then(|a| a.error_type.as_deref())
    }

    /// The API error `code`, e.g. `rate_limit_exceeded`.
    pub fn code(&self) -> Option<&str> {
        self.0.api.as_ref().and_then(|a| a.code.as_deref())
    }

    /// The API error `param`.
    pub fn param(&self) -> Option<&str> {
        self.0.api.as_ref().and_then(|a| a.param.as_deref())
    }

    /// The `x-request-id` of the response, to quote to OpenAI support.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// The raw response body (or the raw stream event), complete.
    pub fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }

    /// Response headers of a status error (names lowercased).
    pub fn headers(&self) -> &[(String, String)] {
        &self.0.headers
    }

    /// The server's `Retry-After` when it was above the 120 s cap and the client failed fast.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// Which deadline a timeout hit.
    pub fn timeout_phase(&self) -> Option<TimeoutPhase> {
        self.0.timeout_phase
    }
}

fn parse_error_envelope(body: &[u8]) -> Option<ApiErrorBody> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: ApiErrorBody,
    }
    serde_json::from_slice::<Envelope>(body)
        .ok()
        .map(|e| e.error)
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
pub(crate) fn excerpt(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.kind, self.0.message)?;
        if self.0.kind == ErrorKind::Decode
            && let Some(body) = &self.0.body
        {
            let ex = excerpt(body, BODY_EXCERPT);
            let more = if ex.len() < body.len() { "…" } else { "" };
            write!(f, " (body: {ex:?}{more})")?;
        }
        if let Some(id) = &self.0.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("message", &self.0.message)
            .field("status", &self.0.status)
            .field("api", &self.0.api)
            .field("request_id", &self.0.request_id)
            .field(
                "body",
                &self.0.body.as_deref().map(|b| excerpt(b, BODY_EXCERPT)),
            )
            .field("retry_after", &self.0.retry_after)
            .field("timeout_phase", &self.0.timeout_phase)
            .field("source", &self.0.source)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_maps_to_kind() {
        let cases = [
            (400, ErrorKind::BadRequest),
            (401, ErrorKind::Authentication),
            (403, ErrorKind::PermissionDenied),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (422, ErrorKind::UnprocessableEntity),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Server),
            (503, ErrorKind::Server),
            (599, ErrorKind::Server),
            (418, ErrorKind::ApiStatus),
            (302, ErrorKind::ApiStatus),
        ];
        for (status, kind) in cases {
            assert_eq!(ErrorKind::from_status(status), kind, "{status}");
        }
    }

    #[test]
    fn all_kinds_have_distinct_names() {
        let mut names: Vec<_> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn status_error_parses_envelope_and_keeps_body() {
        let body = br#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#;
        let e = Error::from_status(429, body, vec![], Some("req_1".into()));
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.code(), Some("rate_limit_exceeded"));
        assert_eq!(e.error_type(), Some("requests"));
        assert_eq!(e.param(), None);
        assert_eq!(e.request_id(), Some("req_1"));
        assert_eq!(e.body().map(str::as_bytes), Some(&body[..]));
        let shown = e.to_string();
        assert!(
            shown.contains("429") && shown.contains("Rate limit reached"),
            "{shown}"
        );
    }

    #[test]
    fn html_error_body_is_kept_raw() {
        let e = Error::from_status(502, b"<html>bad gateway</html>", vec![], None);
        assert_eq!(e.kind(), ErrorKind::Server);
        assert!(e.api_error().is_none());
        assert_eq!(e.body(), Some("<html>bad gateway</html>"));
    }

    #[test]
    fn decode_display_truncates_on_char_boundary() {
        let body = "é".repeat(5000);
        let e = Error::decode("bad json", body.clone());
        assert_eq!(e.body(), Some(body.as_str()));
        let shown = e.to_string();
        assert!(shown.len() < 4096 + 200, "{}", shown.len());
    }
}
