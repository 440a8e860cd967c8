//! A completion queue for event loops: requests are submitted without blocking, run on the
//! shared runtime, and their results wait in the queue until the program takes them. A file
//! descriptor is readable while results wait, so one thread on `poll`, epoll or libuv drives any
//! number of requests without a thread per request.
//!
//! Every submitted request ends in exactly one final completion (its answer, its error, or
//! `OPENAI_STATUS_CANCELLED`); a streamed one first yields a completion per chunk.

use std::collections::{HashMap, VecDeque};
use std::ffi::{CString, c_char};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use openai_core::endpoints::CallBody;
use openai_core::{Client, RequestOptions};
use tokio::task::AbortHandle;

use crate::chat::{openai_chat_request, openai_chat_response};
use crate::client::{client_arg, openai_client};
use crate::error::{FfiError, FfiResult, ffi_get, ffi_guard, openai_status};
use crate::stream::openai_chat_delta;
use crate::util::{self, as_ref, c_string, free_handle, into_handle, opt_ptr};

/// What a completion is.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum openai_completion_kind {
    /// The final completion of a non-streamed request: its answer or its error.
    Response = 0,
    /// One chunk of a streamed chat completion (`openai_completion_delta`).
    StreamDelta = 1,
    /// The final completion of a streamed request: `OPENAI_STATUS_OK` after `[DONE]`, with the
    /// assembled reply in `openai_completion_chat_response`; otherwise how the stream failed.
    StreamEnd = 2,
}

/// One result taken from a queue with `openai_queue_pop`: owned by the caller, freed with
/// `openai_completion_free`. Every string and object read from it is borrowed from it.
pub struct openai_completion {
    id: u64,
    tag: u64,
    kind: openai_completion_kind,
    status: openai_status,
    http_status: u16,
    error_message: Option<CString>,
    body: Option<CString>,
    chat: Option<openai_chat_response>,
    delta: Option<openai_chat_delta>,
}

impl openai_completion {
    fn new(id: u64, tag: u64, kind: openai_completion_kind) -> Self {
        openai_completion {
            id,
            tag,
            kind,
            status: openai_status::Ok,
            http_status: 0,
            error_message: None,
            body: None,
            chat: None,
            delta: None,
        }
    }

    fn failed(mut self, e: FfiError) -> Self {
        self.status = e.status();
        self.error_message = Some(c_string(&e.to_string()));
        if let FfiError::Core(e) = &e {
            self.http_status = e.status().unwrap_or(0);
            self.body = e.body().map(c_string);
        }
        self
    }

    fn is_final(&self) -> bool {
        self.kind != openai_completion_kind::StreamDelta
    }
}

/// A completion queue over one client. Thread-safe: requests may be submitted, cancelled and
/// popped from any thread. It keeps its own reference to the client's connection pool, so the
/// client handle may be freed first.
pub struct openai_queue {
    client: Client,
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    ready_cv: Condvar,
    /// Holds one byte while completions wait, so the read end polls readable exactly then.
    wake_tx: UnixStream,
    wake_rx: UnixStream,
}

/// A request still running: what its cancellation needs.
struct Running {
    tag: u64,
    end: openai_completion_kind,
    task: AbortHandle,
}

/// Where the descriptor's byte is.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
enum Signal {
    /// Not written; nothing waits, or what waits was already signalled and taken.
    #[default]
    Idle,
    /// Completions wait; the byte will be written when the runtime worker ends its batch.
    Pending,
    /// Written: the descriptor polls readable.
    Written,
}

#[derive(Default)]
struct State {
    /// Boxed: a burst of 10,000 results grows the deque, and boxes keep that growth to a
    /// pointer each (it is also shrunk when it empties).
    ready: VecDeque<Box<openai_completion>>,
    signal: Signal,
    /// Threads in `openai_queue_wait`: the condition variable is notified only if there are.
    waiters: usize,
    running: HashMap<u64, Running>,
    next_id: u64,
    /// Submitted requests whose final completion has not been popped yet.
    outstanding: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a completion of a request that is still running; dropped if it was cancelled
    /// (its cancellation already queued the final completion).
    fn push(self: &Arc<Self>, c: openai_completion) {
        let mut st = self.lock();
        let live = match c.is_final() {
            true => st.running.remove(&c.id).is_some(),
            false => st.running.contains_key(&c.id),
        };
        if live && self.enqueue(&mut st, c) {
            drop(st);
            self.announce();
        }
    }

    /// Queues `c`. The program is told once per batch of the runtime's work, not per
    /// completion: woken per completion, its thread would preempt the runtime worker at each one (two
    /// switches per request, measured at 64 in flight).
    /// True if the caller must [`Shared::announce`] it, once the lock is released.
    fn enqueue(&self, st: &mut State, c: openai_completion) -> bool {
        st.ready.push_back(Box::new(c));
        let first = st.signal == Signal::Idle;
        if first {
            st.signal = Signal::Pending;
        }
        first
    }

    /// Signals waiting completions: after the worker's batch on a runtime worker, at once elsewhere.
    fn announce(self: &Arc<Self>) {
        let shared = self.clone();
        openai_core::blocking::after_batch(move || shared.signal());
    }

    /// Makes waiting completions visible to `poll` and `openai_queue_wait`.
    fn signal(&self) {
        let mut st = self.lock();
        if st.signal != Signal::Pending {
            return;
        }
        if st.ready.is_empty() {
            // Popped before the signal went out (`openai_queue_pop` needs no signal).
            st.signal = Signal::Idle;
            return;
        }
        // A full socket buffer is impossible (one byte at a time); any other failure leaves
        // `openai_queue_wait` and `openai_queue_pop` working, only the descriptor silent.
        st.signal = match (&self.wake_tx).write(&[1]) {
            Ok(_) => Signal::Written,
            Err(_) => Signal::Idle,
        };
        if st.waiters > 0 {
            self.ready_cv.notify_all();
        }
    }

    fn pop(&self) -> Option<Box<openai_completion>> {
        let mut st = self.lock();
        let c = st.ready.pop_front()?;
        if c.is_final() {
            st.outstanding -= 1;
        }
        if st.ready.is_empty() {
            if st.signal == Signal::Written {
                let mut buf = [0u8; 16];
                while matches!((&self.wake_rx).read(&mut buf), Ok(n) if n > 0) {}
            }
            // A pending signal finds nothing to tell and stays quiet.
            st.signal = Signal::Idle;
            // What a burst grew is given back once it is over.
            st.ready.shrink_to(SMALL);
            if st.running.is_empty() {
                st.running.shrink_to(SMALL);
            }
        }
        Some(c)
    }
}

/// Capacity the queue's containers keep when idle.
const SMALL: usize = 64;

/// What a submitted request does on the runtime.
enum Job {
    Chat(openai_core::ChatCompletionRequest),
    ChatStream(openai_core::ChatCompletionRequest),
    Call(
        &'static openai_core::endpoints::Endpoint,
        openai_core::endpoints::Call,
    ),
}

impl Job {
    async fn run(self, client: Client, shared: Arc<Shared>, id: u64, tag: u64) {
        use openai_completion_kind::{Response, StreamDelta, StreamEnd};
        let opts = RequestOptions::default();
        let done = match self {
            Job::Chat(req) => {
                let c = openai_completion::new(id, tag, Response);
                match client.chat_completion(&req, &opts).await {
                    Ok(resp) => {
                        let mut c = c;
                        c.http_status = resp.status;
                        c.chat = Some(openai_chat_response::new(
                            resp.data,
                            resp.request_id.as_deref(),
                            resp.raw,
                            resp.retries_taken,
                        ));
                        c
                    }
                    Err(e) => c.failed(e.into()),
                }
            }
            Job::Call(ep, call) => {
                let mut c = openai_completion::new(id, tag, Response);
                match client.call_raw(ep, &call, &opts).await {
                    Ok(r) => {
                        c.http_status = r.status;
                        c.body = Some(c_string(&crate::endpoints::body_text(&r.raw)));
                        c
                    }
                    Err(e) => c.failed(e.into()),
                }
            }
            Job::ChatStream(req) => {
                let end = openai_completion::new(id, tag, StreamEnd);
                match client.chat_completion_stream(&req, &opts).await {
                    Err(e) => end.failed(e.into()),
                    Ok(mut s) => loop {
                        match s.next_with_raw().await {
                            Some(Ok((chunk, raw))) => {
                                let mut d = openai_completion::new(id, tag, StreamDelta);
                                d.http_status = 200;
                                d.delta = Some(openai_chat_delta::new(chunk, &raw));
                                shared.push(d);
                            }
                            Some(Err(e)) => break end.failed(e.into()),
                            None => {
                                let mut end = end;
                                end.http_status = 200;
                                end.chat = Some(crate::stream::assembled(&s));
                                break end;
                            }
                        }
                    },
                }
            }
        };
        shared.push(done);
    }
}

/// The queue behind a handle, or `NULL_ARGUMENT`.
///
/// # Safety
/// `p` is NULL or a live queue.
unsafe fn queue_arg<'a>(p: *const openai_queue) -> FfiResult<&'a openai_queue> {
    // SAFETY: per the contract above.
    unsafe { as_ref(p, "queue") }
}

impl openai_queue {
    /// Starts `job` on the runtime; its id goes to `id_out` unless that is NULL.
    fn submit(&self, job: Job, tag: u64, id_out: *mut u64) -> FfiResult<()> {
        let rt = openai_core::blocking::runtime()?;
        let mut st = self.shared.lock();
        st.next_id += 1;
        let id = st.next_id;
        // Spawned under the lock: the task's own push waits for it, so its id is in `running`
        // before it can finish.
        let end = match job {
            Job::ChatStream(_) => openai_completion_kind::StreamEnd,
            _ => openai_completion_kind::Response,
        };
        let task = rt.spawn(job.run(self.client.clone(), self.shared.clone(), id, tag));
        let task = task.abort_handle();
        st.running.insert(id, Running { tag, end, task });
        st.outstanding += 1;
        // SAFETY: NULL or writable (the C contract of the submit calls).
        if let Some(out) = unsafe { id_out.as_mut() } {
            *out = id;
        }
        Ok(())
    }
}

// ================================================================================================
// The queue
// ================================================================================================

/// Creates a completion queue over `client` (linked to it, see `openai_queue`).
///
/// On success `*out` is owned by the caller: free it with `openai_queue_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_queue_new(
    client: *const openai_client,
    out: *mut *mut openai_queue,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let client = unsafe { client_arg(client)? };
        let out = util::out(out, "out")?;
        let io = |e: std::io::Error| {
            FfiError::Boundary(
                openai_status::Internal,
                format!("the queue's socket pair: {e}"),
            )
        };
        let (wake_tx, wake_rx) = UnixStream::pair().map_err(io)?;
        wake_tx.set_nonblocking(true).map_err(io)?;
        wake_rx.set_nonblocking(true).map_err(io)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            ready_cv: Condvar::new(),
            wake_tx,
            wake_rx,
        });
        out.write(into_handle(openai_queue { client, shared }));
        Ok(())
    })
}

/// Frees a queue: every request still running is cancelled (its connection closed) and every
/// completion not yet popped is freed; completions already popped stay valid. Closes the
/// descriptor of `openai_queue_fd`: remove it from your event loop first. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_queue_free(queue: *mut openai_queue) {
    // SAFETY: the C contract: NULL or a handle from openai_queue_new, freed once.
    if let Some(q) = unsafe { queue.as_ref() } {
        let mut st = q.shared.lock();
        for (_, r) in st.running.drain() {
            r.task.abort();
        }
        st.ready.clear();
    }
    // SAFETY: as above.
    unsafe { free_handle(queue) }
}

/// A file descriptor that polls readable (`POLLIN`) while completions wait in the queue, and
/// stops once `openai_queue_pop` has taken the last of them (level-triggered; with
/// edge-triggered epoll, pop until NULL). Only poll it: never read, write or close it. Owned by
/// the queue, valid until `openai_queue_free`. -1 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_queue_fd(queue: *const openai_queue) -> i32 {
    ffi_get(unsafe { queue.as_ref() }, -1, |q| {
        Some(q.shared.wake_rx.as_raw_fd())
    })
}

/// Submits a chat completion request (copied: it may be freed or changed at once). `tag` is
/// yours, handed back in its completions. Returns at once; the answer arrives as one
/// `OPENAI_COMPLETION_KIND_RESPONSE` completion. Retries and timeouts follow the client's options.
/// `*id_out` (if not NULL) receives the request's id, for `openai_queue_cancel`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_queue_submit_chat(
    queue: *const openai_queue,
    request: *const openai_chat_request,
    tag: u64,
    id_out: *mut u64,
) -> openai_status {
    // SAFETY: the C contract for every pointer argument.
    unsafe { submit_chat(queue, request, tag, id_out, false) }
}

/// Submits a streamed chat completion request (copied). Each chunk arrives as an
/// `OPENAI_COMPLETION_KIND_STREAM_DELTA` completion, in order, then one
/// `OPENAI_COMPLETION_KIND_STREAM_END`.
/// Chunks are queued as they arrive, however slowly the program pops them. `tag` and `id_out`
/// as for `openai_queue_submit_chat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_queue_submit_chat_stream(
    queue: *const openai_queue,
    request: *const openai_chat_request,
    tag: u64,
    id_out: *mut u64,
) -> openai_status {
    // SAFETY: the C contract for every pointer argument.
    unsafe { submit_chat(queue, request, tag, id_out, true) }
}

/// # Safety
/// The pointers are NULL or live handles; `id_out` NULL or writable.
unsafe fn submit_chat(
    queue: *const openai_queue,
    request: *const openai_chat_request,
    tag: u64,
    id_out: *mut u64,
    stream: bool,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: per the contract above.
        let (q, request) = unsafe { (queue_arg(queue)?, as_ref(request, "request")?) };
        let req = request.request.clone();
        req.validate()?;
        let job = match stream {
            true => Job::ChatStream(req),
            false => Job::Chat(req),
        };
        q.submit(job, tag, id_out)
    })
}

/// Submits a call of any operation of the API by its operation id, with the arguments of
/// `openai_client_call` (each JSON string may be NULL; all are copied). Bad arguments (an unknown
/// id, a missing path parameter) fail here, before anything is queued. The answer arrives as one
/// `OPENAI_COMPLETION_KIND_RESPONSE` completion whose body is the answer's JSON. `tag` and `id_out`
/// as for `openai_queue_submit_chat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_queue_submit_call(
    queue: *const openai_queue,
    operation_id: *const c_char,
    path_json: *const c_char,
    query_json: *const c_char,
    body_json: *const c_char,
    tag: u64,
    id_out: *mut u64,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument (the JSON strings may be NULL).
        let (q, body) = unsafe {
            (
                queue_arg(queue)?,
                crate::generic::opt_json(body_json, "body_json")?,
            )
        };
        // SAFETY: as above.
        let (ep, call) = unsafe {
            crate::generic::operation(
                operation_id,
                path_json,
                query_json,
                body.map_or(CallBody::None, CallBody::Json),
            )
        }?;
        q.submit(Job::Call(ep, call), tag, id_out)
    })
}

/// Cancels a submitted request: its connection is closed at once, and its final completion,
/// with `OPENAI_STATUS_CANCELLED`, is queued in place of whatever it would have produced (chunks
/// already queued stay). Returns false (and does nothing) when the request already finished or
/// the id is unknown; false for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_queue_cancel(queue: *const openai_queue, id: u64) -> bool {
    let Some(q) = (unsafe { queue.as_ref() }) else {
        return false;
    };
    let shared = &q.shared;
    let mut st = shared.lock();
    let Some(r) = st.running.remove(&id) else {
        return false;
    };
    r.task.abort();
    let c = openai_completion::new(id, r.tag, r.end).failed(FfiError::Boundary(
        openai_status::Cancelled,
        "cancelled by openai_queue_cancel".to_owned(),
    ));
    if shared.enqueue(&mut st, c) {
        drop(st);
        shared.announce();
    }
    true
}

/// Takes the oldest waiting completion, or returns NULL when none waits (never blocks). The
/// completion is owned by the caller: free it with `openai_completion_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_queue_pop(queue: *const openai_queue) -> *mut openai_completion {
    match unsafe { queue.as_ref() }.and_then(|q| q.shared.pop()) {
        // Freed by openai_completion_free, as every handle (Box::from_raw).
        Some(c) => Box::into_raw(c),
        None => std::ptr::null_mut(),
    }
}

/// Waits until a completion waits in the queue, at most `timeout_ms` milliseconds (negative:
/// no limit). Returns `OPENAI_STATUS_OK` when one waits, `OPENAI_STATUS_TIMEOUT` when none came
/// in time, and also `OPENAI_STATUS_TIMEOUT` at once when nothing is outstanding (nothing could
/// come). For programs without an event loop; with one, poll `openai_queue_fd` instead.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_queue_wait(
    queue: *const openai_queue,
    timeout_ms: i32,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let q = unsafe { queue_arg(queue)? };
        let deadline =
            (timeout_ms >= 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
        let mut st = q.shared.lock();
        loop {
            if !st.ready.is_empty() {
                return Ok(());
            }
            if st.outstanding == 0 {
                break;
            }
            let left = match deadline {
                None => None,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    Some(left)
                }
            };
            st.waiters += 1;
            st = match left {
                None => q
                    .shared
                    .ready_cv
                    .wait(st)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(left) => {
                    q.shared
                        .ready_cv
                        .wait_timeout(st, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
            st.waiters -= 1;
        }
        Err(FfiError::Boundary(
            openai_status::Timeout,
            "no completion is waiting".to_owned(),
        ))
    })
}

/// Requests submitted whose final completion has not been popped yet (running, or finished and
/// waiting). A loop can run `while (openai_queue_outstanding(q) > 0)`. 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_queue_outstanding(queue: *const openai_queue) -> usize {
    ffi_get(unsafe { queue.as_ref() }, 0, |q| {
        Some(q.shared.lock().outstanding)
    })
}

// ================================================================================================
// Completions (infallible accessors: 0 or NULL for a NULL completion)
// ================================================================================================

/// Frees a completion and everything borrowed from it. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_completion_free(completion: *mut openai_completion) {
    // SAFETY: the C contract: NULL or a handle from openai_queue_pop, freed once.
    unsafe { free_handle(completion) }
}

/// The id of the request it belongs to (as written to `id_out` at submission); 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_completion_id(completion: *const openai_completion) -> u64 {
    ffi_get(unsafe { completion.as_ref() }, 0, |c| Some(c.id))
}

/// The `tag` given at submission; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_completion_tag(completion: *const openai_completion) -> u64 {
    ffi_get(unsafe { completion.as_ref() }, 0, |c| Some(c.tag))
}

/// What it is; `OPENAI_COMPLETION_KIND_RESPONSE` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_completion_get_kind(
    completion: *const openai_completion,
) -> openai_completion_kind {
    ffi_get(
        unsafe { completion.as_ref() },
        openai_completion_kind::Response,
        |c| Some(c.kind),
    )
}

/// `OPENAI_STATUS_OK`, or why the request failed (the statuses of the blocking calls, including
/// `OPENAI_STATUS_CANCELLED`); `OPENAI_STATUS_NULL_ARGUMENT` for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_completion_status(
    completion: *const openai_completion,
) -> openai_status {
    ffi_get(
        unsafe { completion.as_ref() },
        openai_status::NullArgument,
        |c| Some(c.status),
    )
}

/// The HTTP status of the answer; 0 when there was none (a connection error, a cancellation).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_completion_http_status(
    completion: *const openai_completion,
) -> u16 {
    ffi_get(unsafe { completion.as_ref() }, 0, |c| Some(c.http_status))
}

/// The error message of a failed request; NULL when it succeeded. Borrowed from `completion`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_completion_error_message(
    completion: *const openai_completion,
) -> *const c_char {
    ffi_get(unsafe { completion.as_ref() }, std::ptr::null(), |c| {
        Some(opt_ptr(&c.error_message))
    })
}

/// JSON text: the answer of an `openai_queue_submit_call` request, the raw reply of a chat
/// request, a delta's chunk, the assembled reply at a stream's end, or the error body the server
/// sent with a failure; NULL when there is none. Borrowed from `completion`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_completion_body(
    completion: *const openai_completion,
) -> *const c_char {
    ffi_get(unsafe { completion.as_ref() }, std::ptr::null(), |c| {
        if let Some(b) = &c.body {
            return Some(b.as_ptr());
        }
        if let Some(r) = &c.chat {
            return Some(r.raw_json());
        }
        c.delta.as_ref().map(|d| d.raw.as_ptr())
    })
}

/// The reply of a successful chat request, or the assembled reply at the successful end of a
/// stream, for the `openai_chat_response_*` accessors; NULL otherwise. Borrowed from
/// `completion`: never free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_completion_chat_response(
    completion: *const openai_completion,
) -> *const openai_chat_response {
    ffi_get(unsafe { completion.as_ref() }, std::ptr::null(), |c| {
        c.chat.as_ref().map(|r| r as *const _)
    })
}

/// The chunk of an `OPENAI_COMPLETION_KIND_STREAM_DELTA`, for the `openai_chat_delta_*` accessors;
/// NULL otherwise. Borrowed from `completion`: never free it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_completion_delta(
    completion: *const openai_completion,
) -> *const openai_chat_delta {
    ffi_get(unsafe { completion.as_ref() }, std::ptr::null(), |c| {
        c.delta.as_ref().map(|d| d as *const _)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_descriptor_is_readable_exactly_while_completions_wait() {
        let client = openai_core::Client::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:9/v1")
            .build()
            .unwrap();
        let h = openai_client { client };
        let mut q: *mut openai_queue = std::ptr::null_mut();
        // SAFETY: live handles from this test.
        unsafe {
            assert_eq!(openai_queue_new(&h, &mut q), openai_status::Ok);
            let shared = &(*q).shared;
            // Reads the byte and puts it back (std has no stable peek on sockets).
            let readable = || {
                let mut b = [0u8; 1];
                let got = matches!((&shared.wake_rx).read(&mut b), Ok(1));
                if got {
                    (&shared.wake_tx).write_all(&b).unwrap();
                }
                got
            };
            assert!(!readable());
            {
                let mut st = shared.lock();
                st.outstanding = 2;
                let c = openai_completion::new(1, 7, openai_completion_kind::Response);
                assert!(shared.enqueue(&mut st, c));
                let c = openai_completion::new(2, 8, openai_completion_kind::Response);
                assert!(!shared.enqueue(&mut st, c), "one signal for both");
            }
            assert!(!readable(), "signalled only when announced");
            shared.announce();
            assert!(readable());
            assert_eq!(openai_queue_outstanding(q), 2);
            let a = openai_queue_pop(q);
            assert_eq!(openai_completion_tag(a), 7);
            assert!(readable(), "one completion still waits");
            let b = openai_queue_pop(q);
            assert_eq!(openai_completion_tag(b), 8);
            assert!(!readable());
            assert!(openai_queue_pop(q).is_null());
            assert_eq!(openai_queue_outstanding(q), 0);
            assert_eq!(openai_queue_wait(q, 1000), openai_status::Timeout);
            openai_completion_free(a);
            openai_completion_free(b);
            openai_queue_free(q);
        }
    }
}
