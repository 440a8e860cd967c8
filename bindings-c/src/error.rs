//! Status codes, the one mapping from core error kinds, the per-thread last error and the guard
//! every export runs in.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use openai_core::{Error, ErrorKind};

use crate::util::{c_string, opt_ptr};

/// The result of every fallible call. `OPENAI_STATUS_OK` (0) is success; anything else is an
/// error whose details are available from `openai_last_error_*` on the same thread.
///
/// Values are stable and only ever added, grouped by range: 1–99 the call itself (arguments,
/// configuration, process), 100–199 the transport, 200–299 an HTTP error status from the API,
/// 300–399 the response body or stream, 400–499 the caller's own callback, 900+ bugs. 6 is
/// retired: it was `OPENAI_STATUS_FORKED_PROCESS`, which no call ever returned (a forked child's
/// calls work).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum openai_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// An argument was refused before anything was sent (bad value, enum out of range, bad
    /// JSON, empty model or messages, ...). Also core `ErrorKind::InvalidArgument`.
    InvalidArgument = 2,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 3,
    /// The client cannot be configured: missing API key, bad base URL, proxy or CA file.
    Config = 4,
    /// A blocking call was made from inside an async runtime (a Rust caller embedding the C API).
    NestedRuntime = 5,
    // 6 was `OPENAI_STATUS_FORKED_PROCESS`, which nothing ever returned (a forked child's calls
    // work: it gets its own runtime and pool). Retired, never to be reused.
    /// The connection failed (refused, reset, DNS, TLS, proxy).
    Connection = 100,
    /// A connect, per-attempt, stream-idle or total deadline passed.
    Timeout = 101,
    /// The call was cancelled through an `openai_cancel_token`.
    Cancelled = 102,
    /// Any non-success HTTP status without a more specific code below.
    ApiStatus = 200,
    /// HTTP 400.
    BadRequest = 201,
    /// HTTP 401.
    Authentication = 202,
    /// HTTP 403.
    PermissionDenied = 203,
    /// HTTP 404.
    NotFound = 204,
    /// HTTP 409.
    Conflict = 205,
    /// HTTP 422.
    UnprocessableEntity = 206,
    /// HTTP 429 (rate limit or quota; see `openai_last_error_code`).
    RateLimited = 207,
    /// HTTP 5xx.
    Server = 208,
    /// A response body was not what was expected (malformed JSON, wrong content type).
    Decode = 300,
    /// The server sent an error event inside a stream.
    StreamEvent = 301,
    /// A stream ended (reset, or closed) before its terminal `[DONE]`.
    StreamTruncated = 302,
    /// A conversation turn cannot fit in the context window even with every older turn left
    /// out; nothing was sent.
    ContextOverflow = 310,
    /// A conversation call's estimated cost would exceed its budget; nothing was sent.
    BudgetExceeded = 311,
    /// A callback asked to stop (returned `OPENAI_ITER_BREAK`); the request was abandoned.
    AbortedByCallback = 400,
    /// A bug in this library.
    Internal = 900,
    /// A panic was caught at the boundary (a bug in this library); the process continues.
    Panic = 901,
}

impl openai_status {
    /// Every status, for `openai_status_name` and the tests.
    pub(crate) const ALL: &'static [openai_status] = &[
        openai_status::Ok,
        openai_status::NullArgument,
        openai_status::InvalidArgument,
        openai_status::InvalidUtf8,
        openai_status::Config,
        openai_status::NestedRuntime,
        openai_status::Connection,
        openai_status::Timeout,
        openai_status::Cancelled,
        openai_status::ApiStatus,
        openai_status::BadRequest,
        openai_status::Authentication,
        openai_status::PermissionDenied,
        openai_status::NotFound,
        openai_status::Conflict,
        openai_status::UnprocessableEntity,
        openai_status::RateLimited,
        openai_status::Server,
        openai_status::Decode,
        openai_status::StreamEvent,
        openai_status::StreamTruncated,
        openai_status::ContextOverflow,
        openai_status::BudgetExceeded,
        openai_status::AbortedByCallback,
        openai_status::Internal,
        openai_status::Panic,
    ];

    /// The one mapping from core kinds. Exhaustive on purpose: a new `ErrorKind` must not
    /// compile until it has its own status.
    pub(crate) fn from_kind(kind: ErrorKind) -> openai_status {
        match kind {
            ErrorKind::InvalidArgument => openai_status::InvalidArgument,
            ErrorKind::Config => openai_status::Config,
            ErrorKind::Connection => openai_status::Connection,
            ErrorKind::Timeout => openai_status::Timeout,
            ErrorKind::Cancelled => openai_status::Cancelled,
            ErrorKind::BadRequest => openai_status::BadRequest,
            ErrorKind::Authentication => openai_status::Authentication,
            ErrorKind::PermissionDenied => openai_status::PermissionDenied,
            ErrorKind::NotFound => openai_status::NotFound,
            ErrorKind::Conflict => openai_status::Conflict,
            ErrorKind::UnprocessableEntity => openai_status::UnprocessableEntity,
            ErrorKind::RateLimited => openai_status::RateLimited,
            ErrorKind::Server => openai_status::Server,
            ErrorKind::ApiStatus => openai_status::ApiStatus,
            ErrorKind::StreamEvent => openai_status::StreamEvent,
            ErrorKind::StreamTruncated => openai_status::StreamTruncated,
            ErrorKind::Decode => openai_status::Decode,
            ErrorKind::NestedRuntime => openai_status::NestedRuntime,
            ErrorKind::ContextOverflow => openai_status::ContextOverflow,
            ErrorKind::BudgetExceeded => openai_status::BudgetExceeded,
            ErrorKind::Internal => openai_status::Internal,
        }
    }

    /// The C name, as a static NUL-terminated string.
    pub(crate) fn name(self) -> &'static std::ffi::CStr {
        match self {
            openai_status::Ok => c"OPENAI_STATUS_OK",
            openai_status::NullArgument => c"OPENAI_STATUS_NULL_ARGUMENT",
            openai_status::InvalidArgument => c"OPENAI_STATUS_INVALID_ARGUMENT",
            openai_status::InvalidUtf8 => c"OPENAI_STATUS_INVALID_UTF8",
            openai_status::Config => c"OPENAI_STATUS_CONFIG",
            openai_status::NestedRuntime => c"OPENAI_STATUS_NESTED_RUNTIME",
            openai_status::Connection => c"OPENAI_STATUS_CONNECTION",
            openai_status::Timeout => c"OPENAI_STATUS_TIMEOUT",
            openai_status::Cancelled => c"OPENAI_STATUS_CANCELLED",
            openai_status::ApiStatus => c"OPENAI_STATUS_API_STATUS",
            openai_status::BadRequest => c"OPENAI_STATUS_BAD_REQUEST",
            openai_status::Authentication => c"OPENAI_STATUS_AUTHENTICATION",
            openai_status::PermissionDenied => c"OPENAI_STATUS_PERMISSION_DENIED",
            openai_status::NotFound => c"OPENAI_STATUS_NOT_FOUND",
            openai_status::Conflict => c"OPENAI_STATUS_CONFLICT",
            openai_status::UnprocessableEntity => c"OPENAI_STATUS_UNPROCESSABLE_ENTITY",
            openai_status::RateLimited => c"OPENAI_STATUS_RATE_LIMITED",
            openai_status::Server => c"OPENAI_STATUS_SERVER",
            openai_status::Decode => c"OPENAI_STATUS_DECODE",
            openai_status::StreamEvent => c"OPENAI_STATUS_STREAM_EVENT",
            openai_status::StreamTruncated => c"OPENAI_STATUS_STREAM_TRUNCATED",
            openai_status::ContextOverflow => c"OPENAI_STATUS_CONTEXT_OVERFLOW",
            openai_status::BudgetExceeded => c"OPENAI_STATUS_BUDGET_EXCEEDED",
            openai_status::AbortedByCallback => c"OPENAI_STATUS_ABORTED_BY_CALLBACK",
            openai_status::Internal => c"OPENAI_STATUS_INTERNAL",
            openai_status::Panic => c"OPENAI_STATUS_PANIC",
        }
    }

    pub(crate) fn from_u32(v: u32) -> Option<openai_status> {
        Self::ALL.iter().copied().find(|s| *s as u32 == v)
    }
}

/// Why an export failed: a core error (with all its details) or a refusal at the boundary.
pub(crate) enum FfiError {
    Core(Error),
    Boundary(openai_status, String),
}

impl FfiError {
    pub(crate) fn null(param: &str) -> FfiError {
        FfiError::Boundary(
            openai_status::NullArgument,
            format!("argument `{param}` must not be NULL"),
        )
    }

    pub(crate) fn invalid(message: impl Into<String>) -> FfiError {
        FfiError::Boundary(openai_status::InvalidArgument, message.into())
    }

    /// The status this error is reported as.
    pub(crate) fn status(&self) -> openai_status {
        match self {
            FfiError::Core(e) => openai_status::from_kind(e.kind()),
            FfiError::Boundary(status, _) => *status,
        }
    }
}

impl std::fmt::Display for FfiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FfiError::Core(e) => e.fmt(f),
            FfiError::Boundary(_, message) => f.write_str(message),
        }
    }
}

impl From<Error> for FfiError {
    fn from(e: Error) -> Self {
        FfiError::Core(e)
    }
}

/// What `Result` means inside an export.
pub(crate) type FfiResult<T> = Result<T, FfiError>;

// ================================================================================================
// Per-thread last error
// ================================================================================================

struct LastError {
    status: openai_status,
    message: Option<CString>,
    http_status: u16,
    error_type: Option<CString>,
    code: Option<CString>,
    param: Option<CString>,
    request_id: Option<CString>,
    body: Option<CString>,
}

impl LastError {
    const fn none() -> LastError {
        LastError {
            status: openai_status::Ok,
            message: None,
            http_status: 0,
            error_type: None,
            code: None,
            param: None,
            request_id: None,
            body: None,
        }
    }
}

thread_local! {
    static LAST: RefCell<LastError> = const { RefCell::new(LastError::none()) };
}

fn clear() {
    let _ = LAST.try_with(|l| *l.borrow_mut() = LastError::none());
}

fn record(e: FfiError) -> openai_status {
    let last = match e {
        FfiError::Boundary(status, message) => LastError {
            status,
            message: Some(c_string(&message)),
            ..LastError::none()
        },
        FfiError::Core(e) => {
            let opt = |s: Option<&str>| s.map(c_string);
            LastError {
                status: openai_status::from_kind(e.kind()),
                message: Some(c_string(&e.to_string())),
                http_status: e.status().unwrap_or(0),
                error_type: opt(e.error_type()),
                code: opt(e.code()),
                param: opt(e.param()),
                request_id: opt(e.request_id()),
                body: opt(e.body()),
            }
        }
    };
    let status = last.status;
    let _ = LAST.try_with(|l| *l.borrow_mut() = last);
    status
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("internal error: a panic was caught at the C boundary: {what}")
}

/// Runs the body of an export: clears the last error, catches panics, records failures.
///
/// Out-params are written by the body only after everything that can fail has succeeded, so a
/// failing call leaves them untouched.
pub(crate) fn ffi_guard(f: impl FnOnce() -> FfiResult<()>) -> openai_status {
    clear();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => openai_status::Ok,
        Ok(Err(e)) => record(e),
        Err(payload) => record(FfiError::Boundary(
            openai_status::Panic,
            panic_message(payload.as_ref()),
        )),
    }
}

/// Runs an infallible getter: catches panics (returning `fallback`) and leaves the last error
/// alone, so that reading a response never invalidates an error string still being read.
pub(crate) fn ffi_getter<T>(fallback: T, f: impl FnOnce() -> Option<T>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Some(v)) => v,
        Ok(None) | Err(_) => fallback,
    }
}

/// [`ffi_getter`] on an optional handle: the fallback for NULL, else what `f` reads from it.
pub(crate) fn ffi_get<H, T>(handle: Option<&H>, fallback: T, f: impl FnOnce(&H) -> Option<T>) -> T {
    ffi_getter(fallback, || handle.and_then(f))
}

fn with_last<T>(f: impl FnOnce(&LastError) -> T, fallback: T) -> T {
    LAST.try_with(|l| f(&l.borrow())).unwrap_or(fallback)
}

// ================================================================================================
// Exports
// ================================================================================================

/// The status of the last failed call on this thread, `OPENAI_STATUS_OK` if the last fallible
/// call succeeded (every call that returns `openai_status` clears the last error first).
#[unsafe(no_mangle)]
pub extern "C" fn openai_last_error_status() -> openai_status {
    with_last(|l| l.status, openai_status::Ok)
}

/// A human-readable description of the last error on this thread; `""` if there is none.
/// Never contains the API key: the client's key (and `Bearer <key>`), when a server or proxy
/// echoes it back, is replaced by `[REDACTED]` in this and every other `openai_last_error_*`
/// string (type, code, param, request id, body).
///
/// Borrowed, owned by the library: valid until the next fallible `openai_*` call (one returning
/// `openai_status`) on this thread. Never free it; copy it to keep it.
#[unsafe(no_mangle)]
pub extern "C" fn openai_last_error_message() -> *const c_char {
    with_last(
        |l| l.message.as_ref().map_or(c"".as_ptr(), |m| m.as_ptr()),
        c"".as_ptr(),
    )
}

/// The HTTP status of the last error on this thread, 0 if it did not come from an HTTP
/// response.
#[unsafe(no_mangle)]
pub extern "C" fn openai_last_error_http_status() -> u16 {
    with_last(|l| l.http_status, 0)
}

/// The API error `type` of the last error (e.g. `"invalid_request_error"`), NULL if none.
/// Borrowed; valid until the next fallible call on this thread.
#[unsafe(no_mangle)]
pub extern "C" fn openai_last_error_type() -> *const c_char {
    with_last(|l| opt_ptr(&l.error_type), std::ptr::null())
}

/// The API error `code` of the last error (e.g. `"rate_limit_exceeded"`), NULL if none.
/// Borrowed; valid until the next fallible call on this thread.
#[unsafe(no_mangle)]
pub extern "C" fn openai_last_error_code() -> *const c_char {
    with_last(|l| opt_ptr(&l.code), std::ptr::null())
}

/// The API error `param` of the last error (the request field at fault), NULL if none.
/// Borrowed; valid until the next fallible call on this thread.
#[unsafe(no_mangle)]
pub extern "C" fn openai_last_error_param() -> *const c_char {
    with_last(|l| opt_ptr(&l.param), std::ptr::null())
}

/// The `x-request-id` of the response that failed (quote it to OpenAI support), NULL if none.
/// Borrowed; valid until the next fallible call on this thread.
#[unsafe(no_mangle)]
pub extern "C" fn openai_last_error_request_id() -> *const c_char {
    with_last(|l| opt_ptr(&l.request_id), std::ptr::null())
}

/// The raw response body (or stream event) of the last error, NULL if none. Text up to the
/// first NUL byte if the body contained one. Borrowed; valid until the next fallible call on
/// this thread.
#[unsafe(no_mangle)]
pub extern "C" fn openai_last_error_body() -> *const c_char {
    with_last(|l| opt_ptr(&l.body), std::ptr::null())
}

/// The name of a status value, e.g. `"OPENAI_STATUS_RATE_LIMITED"`; NULL for a value that is not
/// an `openai_status`. Static; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn openai_status_name(status: u32) -> *const c_char {
    openai_status::from_u32(status).map_or(std::ptr::null(), |s| s.name().as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::ffi::CStr;

    #[test]
    fn every_kind_has_its_own_status() {
        let mut seen = HashSet::new();
        for &kind in ErrorKind::ALL {
            let s = openai_status::from_kind(kind);
            assert_ne!(s, openai_status::Ok, "{kind:?}");
            assert_ne!(s, openai_status::Panic, "{kind:?}");
            assert!(seen.insert(s), "{kind:?} shares {s:?} with another kind");
            assert!(openai_status::ALL.contains(&s));
        }
    }

    #[test]
    fn names_are_unique_and_prefixed() {
        let mut names = HashSet::new();
        for &s in openai_status::ALL {
            let n = s.name().to_str().unwrap();
            assert!(n.starts_with("OPENAI_STATUS_"), "{n}");
            assert!(names.insert(n));
            assert_eq!(openai_status::from_u32(s as u32), Some(s));
            // SAFETY: static strings.
            let via_c = unsafe { CStr::from_ptr(openai_status_name(s as u32)) };
            assert_eq!(via_c.to_str().unwrap(), n);
        }
        assert!(openai_status_name(7777).is_null());
    }

    #[test]
    fn guard_records_core_errors_and_clears_on_success() {
        let st = ffi_guard(|| Err(Error::new(ErrorKind::RateLimited, "slow down").into()));
        assert_eq!(st, openai_status::RateLimited);
        assert_eq!(openai_last_error_status(), openai_status::RateLimited);
        // SAFETY: the pointer is valid until the next fallible call on this thread.
        let msg = unsafe { CStr::from_ptr(openai_last_error_message()) };
        assert!(msg.to_str().unwrap().contains("slow down"));
        assert!(openai_last_error_request_id().is_null());
        assert_eq!(ffi_guard(|| Ok(())), openai_status::Ok);
        assert_eq!(openai_last_error_status(), openai_status::Ok);
        // SAFETY: as above.
        assert_eq!(unsafe { CStr::from_ptr(openai_last_error_message()) }, c"");
    }

    #[test]
    fn guard_turns_panics_into_a_status() {
        let st = ffi_guard(|| panic!("boom"));
        assert_eq!(st, openai_status::Panic);
        // SAFETY: as above.
        let msg = unsafe { CStr::from_ptr(openai_last_error_message()) };
        assert!(msg.to_str().unwrap().contains("boom"));
        assert_eq!(ffi_guard(|| Ok(())), openai_status::Ok);
    }

    #[test]
    fn getter_never_touches_the_last_error() {
        ffi_guard(|| Err(FfiError::null("x")));
        let v: u32 = ffi_getter(0, || panic!("in getter"));
        assert_eq!(v, 0);
        assert_eq!(openai_last_error_status(), openai_status::NullArgument);
    }
}
