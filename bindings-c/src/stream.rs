//! Streaming chat completions: pull style (`openai_chat_stream_next`) and callback style
//! (`openai_client_chat_stream_each`, built on the pull API).

use std::ffi::{CString, c_char, c_void};
use std::future::Future;
use std::pin::Pin;

use openai_core::blocking::{CancellationToken, block_on_cancellable, poll_once};
use openai_core::{ChatCompletionChunk, ChatStream, Client, RequestOptions, SharedTurnStream};

use crate::chat::{openai_chat_request, openai_chat_response};
use crate::client::{cancel_arg, client_arg, openai_cancel_token, openai_client};
use crate::error::{FfiError, FfiResult, ffi_get, ffi_guard, openai_status};
use crate::util::{self, as_mut, as_ref, c_string, free_handle, into_handle, opt_ptr};

/// Where a stream handle is (chat or responses): the failure it reports again, and whether it
/// reached its end.
#[derive(Default)]
pub(crate) struct Progress {
    failed: Option<(openai_status, String)>,
    pub(crate) done: bool,
}

type Next<'a, T> = Pin<Box<dyn Future<Output = Option<openai_core::Result<T>>> + Send + 'a>>;

impl Progress {
    /// One pull: the same failure again after a failure, `None` after the end; otherwise the
    /// next item, taken at once when it is already buffered (no hand-off to the runtime) unless
    /// `cancel` fired, which wins, else waited for with `cancel`. Remembers an end or a failure.
    pub(crate) fn step<S, T: Send + 'static>(
        &mut self,
        stream: &mut S,
        cancel: Option<&CancellationToken>,
        next: impl for<'a> Fn(&'a mut S) -> Next<'a, T>,
    ) -> FfiResult<Option<T>> {
        if let Some((status, message)) = &self.failed {
            return Err(FfiError::Boundary(
                *status,
                format!("the stream already failed: {message}"),
            ));
        }
        if self.done {
            return Ok(None);
        }
        let cancelled = cancel.is_some_and(|t| t.is_cancelled());
        let ready = match cancelled {
            true => None,
            false => poll_once(next(stream)),
        };
        let item = match ready {
            Some(item) => Ok(item),
            None => block_on_cancellable(next(stream), cancel),
        };
        let e: FfiError = match item {
            Ok(Some(Ok(v))) => return Ok(Some(v)),
            Ok(None) => {
                self.done = true;
                return Ok(None);
            }
            Ok(Some(Err(e))) | Err(e) => e.into(),
        };
        self.failed = Some((e.status(), e.to_string()));
        Err(e)
    }
}

/// A callback return value: keep streaming.
pub const OPENAI_ITER_CONTINUE: i32 = 0;
/// A callback return value: stop; the call returns `OPENAI_STATUS_ABORTED_BY_CALLBACK`.
pub const OPENAI_ITER_BREAK: i32 = 1;

/// One chunk of a streamed reply. Borrowed from its stream: valid until the next
/// `openai_chat_stream_next` or `openai_chat_stream_free` (for callbacks: until the callback
/// returns). Never free it.
pub struct openai_chat_delta {
    chunk: ChatCompletionChunk,
    content: Option<CString>,
    finish_reason: Option<CString>,
    pub(crate) raw: CString,
}

impl openai_chat_delta {
    pub(crate) fn new(chunk: ChatCompletionChunk, raw: &str) -> Self {
        let first = chunk.choices.first();
        openai_chat_delta {
            content: first.and_then(|c| c.delta.content.as_deref()).map(c_string),
            finish_reason: first.and_then(|c| c.finish_reason.as_deref()).map(c_string),
            raw: c_string(raw),
            chunk,
        }
    }
}

/// A chat completion being streamed. Pull chunks with `openai_chat_stream_next` until it reports
/// the end; then read the whole reply with `openai_chat_stream_content` /
/// `openai_chat_stream_finish_reason` or `openai_chat_stream_completion`.
///
/// Belongs to one thread at a time (not thread-safe). Freeing it early closes the connection.
pub struct openai_chat_stream {
    source: Source,
    cancel: Option<CancellationToken>,
    delta: Option<openai_chat_delta>,
    progress: Progress,
    final_content: Option<CString>,
    final_finish_reason: Option<CString>,
    request_id: Option<CString>,
}

/// A plain stream, or a conversation turn that is committed to its conversation at `[DONE]`.
// The whole stream lives in one boxed handle, so the variants' size difference costs nothing.
#[allow(clippy::large_enum_variant)]
enum Source {
    Plain(ChatStream),
    Turn(SharedTurnStream),
}

impl Source {
    /// The stream; always there (a turn handed to C has started, and is never closed while
    /// its handle lives).
    fn chat(&self) -> Option<&ChatStream> {
        match self {
            Source::Plain(s) => Some(s),
            Source::Turn(t) => t.chat_stream(),
        }
    }

    /// The next chunk; for a turn, the end appends it to its conversation (an error if that
    /// fails).
    async fn next_with_raw(
        &mut self,
    ) -> Option<openai_core::Result<(ChatCompletionChunk, String)>> {
        match self {
            Source::Plain(s) => s.next_with_raw().await,
            Source::Turn(t) => t.next_with_raw().await,
        }
    }
}

impl openai_chat_stream {
    /// Wraps a started conversation turn (see `openai_conversation_stream`).
    pub(crate) fn for_turn(
        turn: SharedTurnStream,
        cancel: Option<CancellationToken>,
    ) -> openai_chat_stream {
        Self::wrap(Source::Turn(turn), cancel)
    }

    fn wrap(source: Source, cancel: Option<CancellationToken>) -> openai_chat_stream {
        openai_chat_stream {
            request_id: source.chat().and_then(ChatStream::request_id).map(c_string),
            source,
            cancel,
            delta: None,
            progress: Progress::default(),
            final_content: None,
            final_finish_reason: None,
        }
    }

    fn open(
        client: &Client,
        request: &openai_chat_request,
        cancel: Option<CancellationToken>,
    ) -> FfiResult<openai_chat_stream> {
        let opts = RequestOptions::default();
        let stream = block_on_cancellable(
            client.chat_completion_stream(&request.request, &opts),
            cancel.as_ref(),
        )??;
        Ok(Self::wrap(Source::Plain(stream), cancel))
    }

    /// The next delta, `None` at the end.
    fn advance(&mut self) -> FfiResult<Option<&openai_chat_delta>> {
        self.delta = None;
        let item = self
            .progress
            .step(&mut self.source, self.cancel.as_ref(), |s| {
                Box::pin(s.next_with_raw())
            });
        match item {
            Ok(Some((chunk, raw))) => {
                Ok(Some(self.delta.insert(openai_chat_delta::new(chunk, &raw))))
            }
            end_or_failure => {
                self.snapshot();
                end_or_failure.map(|_| None)
            }
        }
    }

    /// Freezes what was received, for the end-of-stream accessors.
    fn snapshot(&mut self) {
        let Some(c) = self.source.chat().map(ChatStream::completion) else {
            return;
        };
        let first = c.choices.first();
        self.final_content = first
            .and_then(|c| c.message.content.as_deref())
            .map(c_string);
        self.final_finish_reason = first.and_then(|c| c.finish_reason.as_deref()).map(c_string);
    }

    fn response(&self) -> FfiResult<openai_chat_response> {
        let chat = self.source.chat().ok_or_else(|| {
            FfiError::Boundary(openai_status::Internal, "the stream is gone".to_owned())
        })?;
        Ok(assembled(chat))
    }
}

/// The reply a stream assembled so far, as a response handle (its raw JSON is the assembled
/// completion).
pub(crate) fn assembled(chat: &ChatStream) -> openai_chat_response {
    let completion = chat.completion();
    // A ChatCompletion is plain data: serialising it cannot fail.
    let raw = serde_json::to_vec(&completion).unwrap_or_default();
    openai_chat_response::new(completion, chat.request_id(), raw.into(), 0)
}

// ================================================================================================
// Pull style
// ================================================================================================

/// Starts a streamed chat completion and waits for the response headers (retries apply until
/// then, never after the first byte). `cancel` may be NULL; the stream keeps it, so cancelling
/// it later also stops a waiting `openai_chat_stream_next`.
///
/// On success `*out` is owned by the caller: free it with `openai_chat_stream_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_chat_stream(
    client: *const openai_client,
    request: *const openai_chat_request,
    cancel: *const openai_cancel_token,
    out: *mut *mut openai_chat_stream,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, request, cancel) = unsafe {
            (
                client_arg(client)?,
                as_ref(request, "request")?,
                cancel_arg(cancel),
            )
        };
        let out = util::out(out, "out")?;
        let s = openai_chat_stream::open(&client, request, cancel)?;
        out.write(into_handle(s));
        Ok(())
    })
}

/// Waits for the next chunk. On `OPENAI_STATUS_OK`, `*delta_out` is the chunk (borrowed from the
/// stream, valid until the next call on it), or NULL when the stream finished normally
/// (`[DONE]`). Every other ending is an error: `OPENAI_STATUS_STREAM_TRUNCATED` (connection reset
/// or closed early), `OPENAI_STATUS_STREAM_EVENT` (the server sent an error),
/// `OPENAI_STATUS_TIMEOUT` (idle timeout), `OPENAI_STATUS_CANCELLED`; after an error every later
/// call returns the same status again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_stream_next(
    stream: *mut openai_chat_stream,
    delta_out: *mut *const openai_chat_delta,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let s = unsafe { as_mut(stream, "stream") }?;
        let out = util::out(delta_out, "delta_out")?;
        let delta = s.advance()?;
        out.write(delta.map_or(std::ptr::null(), |d| d as *const openai_chat_delta));
        Ok(())
    })
}

/// Frees a stream, closing the connection if it is still open. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_stream_free(stream: *mut openai_chat_stream) {
    // SAFETY: the C contract: NULL or a handle from openai_client_chat_stream, freed once.
    unsafe { free_handle(stream) }
}

/// The whole text of the reply (first choice), once the stream has ended (normally or with an
/// error: then it is what arrived before the error); NULL before the end or if there was no
/// text. Borrowed from `stream`: valid until `openai_chat_stream_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_stream_content(
    stream: *const openai_chat_stream,
) -> *const c_char {
    ffi_get(unsafe { stream.as_ref() }, std::ptr::null(), |s| {
        Some(opt_ptr(&s.final_content))
    })
}

/// The `finish_reason` of the reply (first choice) once the stream has ended; NULL before the
/// end or if none arrived. Borrowed from `stream`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_stream_finish_reason(
    stream: *const openai_chat_stream,
) -> *const c_char {
    ffi_get(unsafe { stream.as_ref() }, std::ptr::null(), |s| {
        Some(opt_ptr(&s.final_finish_reason))
    })
}

/// The `x-request-id` of the stream's response; NULL if none. Borrowed from `stream`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_stream_request_id(
    stream: *const openai_chat_stream,
) -> *const c_char {
    ffi_get(unsafe { stream.as_ref() }, std::ptr::null(), |s| {
        Some(opt_ptr(&s.request_id))
    })
}

/// True once the stream ended normally with `[DONE]`; false before, after an error, or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_stream_is_complete(stream: *const openai_chat_stream) -> bool {
    ffi_get(unsafe { stream.as_ref() }, false, |s| Some(s.progress.done))
}

/// Everything received so far, assembled into a response (content, finish reason, usage if the
/// request asked for it with `stream_options`, tool calls in the raw JSON); complete once the
/// stream ended. On success `*out` is owned by the caller: free it with
/// `openai_chat_response_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_stream_completion(
    stream: *const openai_chat_stream,
    out: *mut *mut openai_chat_response,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let s = unsafe { as_ref(stream, "stream") }?;
        let out = util::out(out, "out")?;
        let r = s.response()?;
        out.write(into_handle(r));
        Ok(())
    })
}

// ================================================================================================
// Delta accessors
// ================================================================================================

/// The new text in this chunk (first choice); NULL if the chunk carries none (the first chunk
/// has only the role, the last only the finish reason). Borrowed from the delta.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_delta_content(
    delta: *const openai_chat_delta,
) -> *const c_char {
    ffi_get(unsafe { delta.as_ref() }, std::ptr::null(), |d| {
        Some(opt_ptr(&d.content))
    })
}

/// The `finish_reason` in this chunk (first choice), NULL if none. Borrowed from the delta.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_delta_finish_reason(
    delta: *const openai_chat_delta,
) -> *const c_char {
    ffi_get(unsafe { delta.as_ref() }, std::ptr::null(), |d| {
        Some(opt_ptr(&d.finish_reason))
    })
}

/// The number of choices in this chunk (0 for a usage-only chunk).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_delta_choice_count(delta: *const openai_chat_delta) -> usize {
    ffi_get(unsafe { delta.as_ref() }, 0, |d| {
        Some(d.chunk.choices.len())
    })
}

/// The chunk as JSON, exactly as received (the `data:` of the event). Borrowed from the delta.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_delta_raw_json(
    delta: *const openai_chat_delta,
) -> *const c_char {
    ffi_get(unsafe { delta.as_ref() }, std::ptr::null(), |d| {
        Some(d.raw.as_ptr())
    })
}

// ================================================================================================
// Callback style
// ================================================================================================

/// Called once per chunk, on the calling thread, with the `user_data` given to the call (first,
/// as in rustls-ffi) and the chunk (borrowed: valid until the callback returns). Return
/// `OPENAI_ITER_CONTINUE` (0) to go on, anything else to stop.
///
/// It may call other `openai_*` functions, even start another request on the same client (the
/// call holds its own reference to the client, so even freeing the client handle is safe), but
/// must not throw a C++ exception or `longjmp` out of the callback.
pub type openai_chat_delta_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, delta: *const openai_chat_delta) -> i32>;

#[cfg(feature = "ffi-test-hooks")]
fn test_hook() {
    if crate::test_hooks::callback_panic() {
        panic!("test hook: panic inside the stream callback trampoline");
    }
}

#[cfg(not(feature = "ffi-test-hooks"))]
fn test_hook() {}

/// Streams a chat completion, calling `callback` for every chunk, and returns when the stream
/// ends. `cancel` may be NULL; `user_data` is passed through untouched.
///
/// Returns `OPENAI_STATUS_OK` when the stream finished normally: then, if `out` is not NULL,
/// `*out` is the assembled reply, owned by the caller (free it with `openai_chat_response_free`).
/// Returns `OPENAI_STATUS_ABORTED_BY_CALLBACK` if the callback asked to stop (the connection is
/// closed), or the stream's error (see `openai_chat_stream_next`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_chat_stream_each(
    client: *const openai_client,
    request: *const openai_chat_request,
    cancel: *const openai_cancel_token,
    callback: openai_chat_delta_callback,
    user_data: *mut c_void,
    out: *mut *mut openai_chat_response,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, request, cancel) = unsafe {
            (
                client_arg(client)?,
                as_ref(request, "request")?,
                cancel_arg(cancel),
            )
        };
        let callback = callback.ok_or_else(|| FfiError::null("callback"))?;
        let mut s = openai_chat_stream::open(&client, request, cancel)?;
        while let Some(delta) = s.advance()? {
            test_hook();
            // SAFETY: a C function pointer supplied by the caller, called with its own user data.
            if unsafe { callback(user_data, delta) } != OPENAI_ITER_CONTINUE {
                return Err(FfiError::Boundary(
                    openai_status::AbortedByCallback,
                    "the callback stopped the stream".into(),
                ));
            }
        }
        if !out.is_null() {
            let r = s.response()?;
            util::out(out, "out")?.write(into_handle(r));
        }
        Ok(())
    })
}
