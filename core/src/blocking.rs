//! The blocking facade the bindings use: one process-wide runtime, built lazily, rebuilt in a
//! forked child, and blocking calls that can be cancelled from another thread.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
pub use tokio_util::sync::CancellationToken;

use crate::error::{Error, ErrorKind, Result};
use crate::stream::ChatStream;
use crate::types::ChatCompletionChunk;

struct RuntimeForPid {
    pid: u32,
    runtime: Runtime,
    /// The entry this one replaced (a parent process's runtime, in a forked child): never used
    /// or freed, only kept reachable so leak checkers (Valgrind, LSan) see a deliberate leak as
    /// still referenced rather than lost.
    _replaced: *mut RuntimeForPid,
}

/// Lock-free on purpose: a mutex held by another thread at `fork()` would stay locked forever in
/// the child.
static RUNTIME: AtomicPtr<RuntimeForPid> = AtomicPtr::new(std::ptr::null_mut());

/// The process id, without a `getpid` syscall per call: the fork checks here and in the client
/// run on every request. A `pthread_atfork` child handler clears the cache, so a forked child
/// (`fork()` from C, `os.fork()`, `multiprocessing`) reads its own id. A child made by a raw
/// `clone` syscall skips the handler, and would need `posix_spawn`/`exec` anyway.
pub fn pid() -> u32 {
    use std::sync::atomic::{AtomicU8, AtomicU32};
    static PID: AtomicU32 = AtomicU32::new(0);
    // 0: no handler yet, 1: being registered, 2: registered.
    static HOOKED: AtomicU8 = AtomicU8::new(0);
    extern "C" fn forget_in_child() {
        PID.store(0, Ordering::Relaxed);
        gate::child();
    }
    let cached = PID.load(Ordering::Relaxed);
    if cached != 0 {
        return cached;
    }
    let pid = std::process::id();
    match HOOKED.load(Ordering::Acquire) {
        // Cache only once the handler is in place, or a fork in between would keep it.
        2 => PID.store(pid, Ordering::Relaxed),
        0 if HOOKED
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
            .is_ok() =>
        {
            // SAFETY: registers handlers that only touch atomics and yield (async-signal-safe).
            #[cfg(unix)]
            let ok = unsafe {
                libc::pthread_atfork(
                    Some(gate::prepare),
                    Some(gate::parent),
                    Some(forget_in_child),
                )
            } == 0;
            #[cfg(not(unix))]
            let ok = false;
            if ok {
                HOOKED.store(2, Ordering::Release);
            }
            // Registration failed (ENOMEM): stay at 1, never cache, always ask the kernel.
        }
        _ => {}
    }
    pid
}

/// Runs `f`, a short section that takes a lock a forked child may need too (the client's usage
/// totals, the price table's first use), so that no `fork()` happens while a thread is inside
/// one: the fork waits for it to leave. Without this a child forked at the wrong instant would
/// find the lock held by a thread it does not have, and hang on its first call. `f` must not
/// fork, and must stay short: forks wait for it.
pub(crate) fn outside_fork<T>(f: impl FnOnce() -> T) -> T {
    pid(); // the fork handlers are registered with the pid cache
    gate::enter();
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            gate::leave();
        }
    }
    let _leave = Leave;
    f()
}

/// The two-counter handshake behind [`outside_fork`]: atomics only, so the fork handlers stay
/// async-signal-safe. Threads announce themselves in `ACTIVE` and back off while `FORKING` is
/// set; a fork sets `FORKING` and waits for `ACTIVE` to drain (sequentially consistent, so one
/// side always sees the other).
mod gate {
    use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

    static ACTIVE: AtomicU32 = AtomicU32::new(0);
    static FORKING: AtomicU32 = AtomicU32::new(0);

    pub(super) fn enter() {
        loop {
            ACTIVE.fetch_add(1, SeqCst);
            if FORKING.load(SeqCst) == 0 {
                return;
            }
            ACTIVE.fetch_sub(1, SeqCst);
            while FORKING.load(SeqCst) != 0 {
                std::thread::yield_now();
            }
        }
    }

    pub(super) fn leave() {
        ACTIVE.fetch_sub(1, SeqCst);
    }

    pub(super) extern "C" fn prepare() {
        FORKING.fetch_add(1, SeqCst);
        while ACTIVE.load(SeqCst) != 0 {
            // SAFETY: sched_yield has no preconditions.
            #[cfg(unix)]
            unsafe {
                libc::sched_yield();
            }
        }
    }

    pub(super) extern "C" fn parent() {
        FORKING.fetch_sub(1, SeqCst);
    }

    /// Only the forking thread exists in the child, and it was not inside the gate.
    pub(super) fn child() {
        FORKING.store(0, SeqCst);
        ACTIVE.store(0, SeqCst);
    }
}

/// The process-wide runtime, built on first use (never at load, so importing a binding and then
/// forking is harmless). A forked child gets a fresh runtime: the parent's worker threads do not
/// exist in the child, so its runtime is leaked rather than used or dropped.
pub fn runtime() -> Result<&'static Runtime> {
    let pid = pid();
    let cur = RUNTIME.load(Ordering::Acquire);
    if !cur.is_null() {
        // SAFETY: entries are leaked, never freed, so the reference is 'static.
        let entry: &'static RuntimeForPid = unsafe { &*cur };
        if entry.pid == pid {
            return Ok(&entry.runtime);
        }
    }
    let built = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads())
        .thread_name("openai-rs")
        // Runs on every worker and blocking-pool thread. SIGPIPE is blocked there first, so a
        // write into a socket the server already closed (a 413 sent before the upload ended)
        // fails with EPIPE instead of killing a C host that kept the default disposition.
        // Wakes of blocking callers are batched (see `wake`): flushed before a worker sleeps.
        .on_thread_start(|| {
            block_sigpipe();
            crate::wake::mark_worker();
        })
        .on_thread_park(crate::wake::flush)
        .enable_all()
        .build()
        .map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("cannot start the runtime: {e}"),
            )
        })?;
    let fresh = Box::into_raw(Box::new(RuntimeForPid {
        pid,
        runtime: built,
        _replaced: cur,
    }));
    match RUNTIME.compare_exchange(cur, fresh, Ordering::AcqRel, Ordering::Acquire) {
        // SAFETY: `fresh` is now published and never freed.
        Ok(_) => Ok(unsafe { &(*fresh).runtime }),
        Err(winner) => {
            // Another thread built one first; ours was never shared. Shutting it down in the
            // background avoids blocking this thread on its workers.
            // SAFETY: `fresh` was never published.
            let mine = unsafe { Box::from_raw(fresh) };
            mine.runtime.shutdown_background();
            // SAFETY: as above, published entries are never freed.
            let entry: &'static RuntimeForPid = unsafe { &*winner };
            if entry.pid == pid {
                Ok(&entry.runtime)
            } else {
                runtime()
            }
        }
    }
}

/// Runs `signal` once the runtime worker it is called on has finished its current batch of ready
/// work (before it sleeps at the latest), at once when called from any other thread. For
/// a binding that tells another thread a result is ready by a means of its own (a byte on a
/// socket a C event loop polls): signalled per result, the woken thread would preempt the
/// worker each time; deferred, it wakes once per batch.
pub fn after_batch(signal: impl FnOnce() + Send + 'static) {
    crate::wake::after_batch(Box::new(signal));
}

/// Blocks SIGPIPE on the calling thread. Only the library's own threads call it: a blocked
/// signal raised by a write stays pending on that thread and is never delivered, and the write
/// returns EPIPE, which the transport reports as a connection error. The host's threads, its
/// signal mask and its handlers are left alone.
fn block_sigpipe() {
    #[cfg(unix)]
    // SAFETY: plain libc calls on a local, zero-initialised sigset_t; pthread_sigmask only
    // changes this thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Two workers by default (the work is I/O), one where only one CPU is available;
/// `OPENAI_RS_WORKER_THREADS` overrides it.
fn worker_threads() -> usize {
    std::env::var("OPENAI_RS_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        // Two, or one where the process may use only one CPU (a pinned process, a one-CPU
        // container): a second worker there only adds hand-offs between the two.
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get().min(2)))
}

fn check_not_nested() -> Result<()> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::new(
            ErrorKind::NestedRuntime,
            "a blocking call was made from inside an async runtime; await the async API instead",
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// Running a call next to its connection
// ------------------------------------------------------------------------------------------------
//
// A blocking call could simply `block_on` its future on the calling thread, but hyper drives
// every connection from a task on a runtime worker, so each step of a request (send, headers,
// each body frame) would hop between the caller and that worker: measured ~9 context switches
// per request, and 64 caller threads contending with the workers under concurrency. Instead the
// future runs on a worker, next to the connection task, and the caller sleeps until it is done:
// two hand-offs per call. Work that is often ready at once (a stream chunk already buffered)
// should try [`poll_once`] first, which costs no hand-off at all.
//
// The caller does not enter the runtime to wait: it sleeps on a futex of its own (`park_on`,
// `crate::wake`), where the runtime's `block_on` would take a mutex and a condition variable on
// both sides, and a worker batches the wakes of the callers it completes (one switch per call
// instead of two when many threads wait). The future is boxed once, at the start, so the large
// request state machine is not copied again on its way to the worker.
//
// The future borrows from the caller's stack, so it is spawned with its lifetime erased. That is
// sound because the caller never gets past `Joined` before the task's future is gone: a task's
// join handle becomes ready only after its future was dropped (tokio drops the future before it
// stores the output, on completion, on panic and on abort alike), and dropping an unfinished
// `Joined` (the call was cancelled) aborts the task and waits for exactly that.

/// Polls `fut` on the calling thread, parking it between polls. Every `every` (if given) without
/// progress, `tick` runs; its error abandons the wait (`fut` is dropped) and is returned.
fn park_on<F: Future, E>(
    fut: F,
    every: Option<Duration>,
    mut tick: impl FnMut() -> std::result::Result<(), E>,
) -> std::result::Result<F::Output, E> {
    let waiter = crate::wake::Waiter::new();
    let waker = std::task::Waker::from(waiter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    let mut next_tick = every.map(|e| std::time::Instant::now() + e);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return Ok(out);
        }
        // A wake that came before the wait makes it return at once, so none is lost; a
        // spurious return only costs another poll.
        match next_tick {
            Some(at) => {
                let now = std::time::Instant::now();
                if now >= at {
                    tick()?;
                    next_tick = every.map(|e| now + e);
                } else {
                    waiter.wait(Some(at));
                }
            }
            None => {
                waiter.wait(None);
            }
        }
    }
}

/// The spawned rest of a call. Dropping it unfinished (the call was cancelled) aborts the task
/// and blocks until the task's future, which borrows from the caller, has been dropped.
struct Joined<T> {
    /// `None` once the handle has returned its output.
    handle: Option<JoinHandle<T>>,
}

impl<T> Future for Joined<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let Some(handle) = self.handle.as_mut() else {
            panic!("a finished call was polled again");
        };
        let out = match Pin::new(handle).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(out) => out,
        };
        self.handle = None;
        match out {
            Ok(v) => Poll::Ready(v),
            // A panic in the call surfaces on the caller, as it would have with `block_on`.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => panic!("the runtime shut down while a call was running"),
        }
    }
}

impl<T> Drop for Joined<T> {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.abort();
            // Ready only once the future is dropped; its output or error is of no use now.
            let _ = park_on(handle, None, || Ok::<(), ()>(()));
        }
    }
}

/// Spawns `fut` onto a worker of the shared runtime (see above).
// Inlined so the future is written straight into its box: each by-value hand-over of a request
// future (about 2.5 KB) was a memcpy.
#[inline(always)]
fn on_worker<F>(fut: F) -> Result<Joined<F::Output>>
where
    F: Future + Send,
    F::Output: Send + 'static,
{
    let rt = runtime()?;
    let task: Pin<Box<dyn Future<Output = F::Output> + Send + '_>> = Box::pin(fut);
    // SAFETY: only the lifetime changes. The task is owned by `Joined`, which does not let the
    // caller return or unwind past it before the task's future was dropped (see above).
    let task: Pin<Box<dyn Future<Output = F::Output> + Send + 'static>> =
        unsafe { std::mem::transmute(task) };
    Ok(Joined {
        handle: Some(rt.spawn(task)),
    })
}

/// Polls `fut` once inside the shared runtime without waiting: `None` if it is not ready (it is
/// dropped then, so only for cancel-safe futures such as [`ChatStream::next_chunk`]). For work
/// that is often ready at once, before falling back to a blocking call.
pub fn poll_once<F: Future>(fut: F) -> Option<F::Output> {
    use futures_util::FutureExt;
    let rt = runtime().ok()?;
    let _guard = rt.enter();
    fut.now_or_never()
}

/// Runs `fut` to completion on the shared runtime, the calling thread waiting.
#[inline(always)]
pub fn block_on<F>(fut: F) -> Result<F::Output>
where
    F: Future + Send,
    F::Output: Send + 'static,
{
    check_not_nested()?;
    let joined = on_worker(fut)?;
    park_on(joined, None, || Ok::<(), Error>(()))
}

/// Like [`block_on`], but gives up with [`ErrorKind::Cancelled`] as soon as `cancel` fires (from
/// any thread). Giving up drops the future, which closes its connection.
#[inline(always)]
pub fn block_on_cancellable<F>(fut: F, cancel: Option<&CancellationToken>) -> Result<F::Output>
where
    F: Future + Send,
    F::Output: Send + 'static,
{
    let Some(token) = cancel else {
        return block_on(fut);
    };
    check_not_nested()?;
    if token.is_cancelled() {
        return Err(cancelled());
    }
    let joined = on_worker(fut)?;
    park_on(
        async {
            tokio::select! {
                biased;
                _ = token.cancelled() => Err(cancelled()),
                out = joined => Ok(out),
            }
        },
        None,
        || Ok::<(), Error>(()),
    )?
}

/// Like [`block_on`], but calls `interrupt` every `every` while waiting; when it returns `Err`
/// the future is dropped and that error is returned. Python passes a signal check here so Ctrl-C
/// interrupts a call promptly.
pub fn block_on_interruptible<F, E>(
    fut: F,
    every: Duration,
    interrupt: impl FnMut() -> std::result::Result<(), E>,
) -> std::result::Result<Result<F::Output>, E>
where
    F: Future + Send,
    F::Output: Send + 'static,
{
    if let Err(e) = check_not_nested() {
        return Ok(Err(e));
    }
    let joined = match on_worker(fut) {
        Ok(j) => j,
        Err(e) => return Ok(Err(e)),
    };
    park_on(joined, Some(every), interrupt).map(Ok)
}

fn cancelled() -> Error {
    Error::new(ErrorKind::Cancelled, "the request was cancelled")
}

/// A [`ChatStream`] read from non-async code.
#[derive(Debug)]
pub struct BlockingChatStream {
    inner: ChatStream,
}

impl BlockingChatStream {
    /// Wraps an async stream.
    pub fn new(inner: ChatStream) -> Self {
        BlockingChatStream { inner }
    }

    /// The next chunk, `None` at the end; cancellable from another thread.
    pub fn next_chunk(
        &mut self,
        cancel: Option<&CancellationToken>,
    ) -> Option<Result<ChatCompletionChunk>> {
        match block_on_cancellable(self.inner.next_chunk(), cancel) {
            Ok(item) => item,
            Err(e) => Some(Err(e)),
        }
    }

    /// The async stream, for accumulator and request-id access.
    pub fn get_ref(&self) -> &ChatStream {
        &self.inner
    }

    /// The async stream, mutably (for bindings that drive it with their own interrupt check).
    pub fn get_mut(&mut self) -> &mut ChatStream {
        &mut self.inner
    }
}

impl Iterator for BlockingChatStream {
    type Item = Result<ChatCompletionChunk>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_chunk(None)
    }
}

// ------------------------------------------------------------------------------------------------
// Work on a thread of its own
// ------------------------------------------------------------------------------------------------

/// A future running on a thread of its own (see [`on_own_thread`]). Awaiting it (on any runtime,
/// or with [`block_on`]) gives the future's output once the thread has finished; a panic on the
/// thread is resumed where it is awaited. Dropping it stops the future (dropped on its thread,
/// with every task it spawned) and waits for the thread to end, so nothing the future does
/// happens after the drop returns.
pub struct OwnThread<T> {
    out: tokio::sync::oneshot::Receiver<T>,
    /// Dropped to stop the future.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<T> std::fmt::Debug for OwnThread<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnThread")
            .field("running", &self.thread.is_some())
            .finish()
    }
}

/// Runs `fut` on a new thread named `name`, on a current-thread runtime: its I/O, its timers and
/// the tasks it spawns all run on that one thread, as in the raw bound of `make bench`. Work
/// that keeps hundreds of small requests in flight (a bulk run) pays on the shared multi-thread
/// runtime for work-stealing and wakes across threads; on one CPU this doubled its throughput.
/// Connections it opens are pooled with the client's others and closed when the thread ends.
pub fn on_own_thread<F>(name: &str, fut: F) -> Result<OwnThread<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let internal = |what: &str, e: std::io::Error| {
        Error::new(ErrorKind::Internal, format!("cannot start {what}: {e}"))
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| internal("a runtime", e))?;
    let (out_tx, out) = tokio::sync::oneshot::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            block_sigpipe();
            rt.block_on(async move {
                tokio::select! {
                    biased;
                    // Resolves when the `OwnThread` is dropped (its sender goes with it).
                    _ = stopped => {}
                    v = fut => {
                        let _ = out_tx.send(v);
                    }
                }
            });
            // Dropping `rt` drops the tasks the future left (pooled connections: closed).
        })
        .map_err(|e| internal("a thread", e))?;
    Ok(OwnThread {
        out,
        stop: Some(stop),
        thread: Some(thread),
    })
}

impl<T> Future for OwnThread<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let got = match Pin::new(&mut self.out).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(got) => got,
        };
        // The output is sent last: the thread is only dropping its runtime now. Waiting for it
        // means whatever the future held (callbacks, their captures) is gone when we return.
        let joined = self.thread.take().map(std::thread::JoinHandle::join);
        match (got, joined) {
            (Ok(v), _) => Poll::Ready(v),
            (Err(_), Some(Err(panic))) => std::panic::resume_unwind(panic),
            // `stop` is held until here, so the thread cannot have been stopped: it panicked.
            (Err(_), _) => panic!("the thread of an OwnThread ended without its output"),
        }
    }
}

impl<T> Drop for OwnThread<T> {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            // A panic there was not awaited by anyone: it is dropped with the future.
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn own_thread_gives_its_output_and_stops_when_dropped() {
        let rt = runtime().unwrap();
        // The output, awaited from the shared runtime; the future ran on its own thread.
        let name = rt.block_on(
            on_own_thread("own-test", async {
                std::thread::current().name().map(str::to_owned)
            })
            .unwrap(),
        );
        assert_eq!(name.as_deref(), Some("own-test"));

        // Dropped mid-run: the future (and a task it spawned) are dropped before the drop
        // returns, which the guards' flags show.
        struct Flag(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let (fut_dropped, task_dropped) = (
            std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
            std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        );
        let (f, t) = (Flag(fut_dropped.clone()), Flag(task_dropped.clone()));
        let (started_tx, started) = std::sync::mpsc::channel();
        let run = on_own_thread("own-test", async move {
            let _f = f;
            tokio::spawn(async move {
                let _t = t;
                std::future::pending::<()>().await
            });
            started_tx.send(()).unwrap();
            std::future::pending::<()>().await
        })
        .unwrap();
        started.recv().unwrap();
        assert!(!fut_dropped.load(Ordering::SeqCst));
        drop(run);
        assert!(
            fut_dropped.load(Ordering::SeqCst),
            "the future outlived the drop"
        );
        assert!(
            task_dropped.load(Ordering::SeqCst),
            "its task outlived the drop"
        );

        // A panic on the thread reaches the one who awaits.
        let named = name.is_some();
        let run = on_own_thread("own-test", async move {
            if named {
                panic!("boom");
            }
            1u8
        })
        .unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(run)));
        let msg = caught.unwrap_err();
        assert_eq!(msg.downcast_ref::<&str>(), Some(&"boom"));
    }

    /// A fork waits for a thread inside `outside_fork` to leave, and the child can enter it.
    #[cfg(unix)]
    #[test]
    fn fork_waits_for_threads_inside_the_gate() {
        pid(); // handlers registered
        let (inside, rx) = std::sync::mpsc::channel();
        let holder = std::thread::spawn(move || {
            outside_fork(|| {
                inside.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(300));
            })
        });
        rx.recv().unwrap();
        let start = Instant::now();
        // SAFETY: the child only touches atomics and exits with _exit.
        let child = unsafe { libc::fork() };
        if child == 0 {
            let entered = outside_fork(|| true);
            // SAFETY: ends the child without running the parent's atexit handlers.
            unsafe { libc::_exit(if entered { 0 } else { 1 }) };
        }
        let waited = start.elapsed();
        holder.join().unwrap();
        assert!(child > 0);
        let mut status = 0;
        // SAFETY: waits for our own child.
        assert_eq!(unsafe { libc::waitpid(child, &mut status, 0) }, child);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        assert!(
            waited >= Duration::from_millis(200),
            "fork() returned after {waited:?} while a thread was inside the gate"
        );
    }

    #[test]
    fn runtime_is_shared_and_lazy() {
        let a = runtime().unwrap() as *const Runtime;
        let b = runtime().unwrap() as *const Runtime;
        assert_eq!(a, b);
    }

    #[test]
    fn nested_block_on_is_an_error_not_a_panic() {
        let out = block_on(async { block_on(async { 1 }) }).unwrap();
        assert_eq!(out.unwrap_err().kind(), ErrorKind::NestedRuntime);
    }

    /// The borrowed-lifetime spawn is sound only if a call never returns before its future is
    /// gone: a cancelled call must have dropped the future (which borrows `dropped` here).
    #[test]
    fn a_cancelled_call_returns_only_after_its_future_is_dropped() {
        struct SetOnDrop<'a>(&'a std::sync::atomic::AtomicBool);
        impl Drop for SetOnDrop<'_> {
            fn drop(&mut self) {
                // Slow on purpose: the caller must wait for this.
                std::thread::sleep(Duration::from_millis(50));
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let dropped = std::sync::atomic::AtomicBool::new(false);
        let token = CancellationToken::new();
        let t = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            t.cancel();
        });
        let r = block_on_cancellable(
            async {
                let _g = SetOnDrop(&dropped);
                tokio::time::sleep(Duration::from_secs(30)).await;
            },
            Some(&token),
        );
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Cancelled);
        assert!(dropped.load(Ordering::SeqCst));
    }

    #[test]
    fn a_panic_on_the_worker_reaches_the_caller() {
        let r = std::panic::catch_unwind(|| {
            block_on(async {
                tokio::task::yield_now().await;
                panic!("boom on the worker");
            })
        });
        let payload = r.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom on the worker"));
        // The runtime is still usable.
        assert_eq!(block_on(async { 7 }).unwrap(), 7);
    }

    #[test]
    fn cancel_from_another_thread() {
        let token = CancellationToken::new();
        let t2 = token.clone();
        let started = Instant::now();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            t2.cancel();
        });
        let r = block_on_cancellable(
            async { tokio::time::sleep(Duration::from_secs(30)).await },
            Some(&token),
        );
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Cancelled);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn interrupt_stops_the_wait() {
        let mut calls = 0;
        let r = block_on_interruptible(
            async { tokio::time::sleep(Duration::from_secs(30)).await },
            Duration::from_millis(10),
            || {
                calls += 1;
                if calls >= 3 {
                    Err("interrupted")
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(r.unwrap_err(), "interrupted");
    }

    #[test]
    fn fork_child_gets_a_working_runtime() {
        // Make sure the parent has a runtime with live workers, and a cached pid, before forking.
        block_on(async { tokio::task::yield_now().await }).unwrap();
        assert_eq!(super::pid(), std::process::id());
        // SAFETY: the child only runs async-signal-unsafe code that this test controls and exits
        // with _exit; this is exactly the situation the PID check exists for.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let ok = block_on(async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                7
            });
            // The cached process id was forgotten at the fork.
            // SAFETY: getpid only reads the process id.
            let own_pid = super::pid() as libc::pid_t == unsafe { libc::getpid() };
            let code = if matches!(ok, Ok(7)) && own_pid { 0 } else { 1 };
            // SAFETY: _exit is async-signal-safe and skips the parent's atexit handlers.
            unsafe { libc::_exit(code) };
        }
        assert!(pid > 0, "fork failed");
        let mut status = 0i32;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert_eq!(status, 0, "the child could not use the runtime");
    }
}
