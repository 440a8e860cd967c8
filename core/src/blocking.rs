//! The blocking facade the bindings use: one process-wide runtime, built lazily, rebuilt in a
//! forked child, and blocking calls that can be cancelled from another thread.

use std::future::Future;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::Duration;

use tokio::runtime::Runtime;
pub use tokio_util::sync::CancellationToken;

use crate::error::{Error, ErrorKind, Result};
use crate::stream::ChatStream;
use crate::types::ChatCompletionChunk;

struct RuntimeForPid {
    pid: u32,
    runtime: Runtime,
}

/// Lock-free on purpose: a mutex held by another thread at `fork()` would stay locked forever in
/// the child.
static RUNTIME: AtomicPtr<RuntimeForPid> = AtomicPtr::new(std::ptr::null_mut());

/// The process-wide runtime, built on first use (never at load, so importing a binding and then
/// forking is harmless). A forked child gets a fresh runtime: the parent's worker threads do not
/// exist in the child, so its runtime is leaked rather than used or dropped.
pub fn runtime() -> Result<&'static Runtime> {
    let pid = std::process::id();
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

/// Two workers by default: the work is I/O, and `OPENAI_RS_WORKER_THREADS` overrides it.
fn worker_threads() -> usize {
    std::env::var("OPENAI_RS_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(2)
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

/// Runs `fut` to completion on the shared runtime, on the calling thread.
pub fn block_on<F: Future>(fut: F) -> Result<F::Output> {
    check_not_nested()?;
    Ok(runtime()?.block_on(fut))
}

/// Like [`block_on`], but gives up with [`ErrorKind::Cancelled`] as soon as `cancel` fires (from
/// any thread). Giving up drops the future, which closes its connection.
pub fn block_on_cancellable<F: Future>(
    fut: F,
    cancel: Option<&CancellationToken>,
) -> Result<F::Output> {
    let Some(token) = cancel else {
        return block_on(fut);
    };
    check_not_nested()?;
    if token.is_cancelled() {
        return Err(cancelled());
    }
    runtime()?.block_on(async {
        tokio::select! {
            biased;
            _ = token.cancelled() => Err(cancelled()),
            out = fut => Ok(out),
        }
    })
}

/// Like [`block_on`], but calls `interrupt` every `every` while waiting; when it returns `Err`
/// the future is dropped and that error is returned. Python passes a signal check here so Ctrl-C
/// interrupts a call promptly.
pub fn block_on_interruptible<F: Future, E>(
    fut: F,
    every: Duration,
    mut interrupt: impl FnMut() -> std::result::Result<(), E>,
) -> std::result::Result<Result<F::Output>, E> {
    if let Err(e) = check_not_nested() {
        return Ok(Err(e));
    }
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return Ok(Err(e)),
    };
    rt.block_on(async {
        tokio::pin!(fut);
        // The first tick is one period away: an interval's immediate first tick would still go
        // through the timer wheel and delay the first poll of `fut` by up to a millisecond.
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                out = &mut fut => return Ok(Ok(out)),
                _ = tick.tick() => interrupt()?,
            }
        }
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

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
        // Make sure the parent has a runtime with live workers before forking.
        block_on(async { tokio::task::yield_now().await }).unwrap();
        // SAFETY: the child only runs async-signal-unsafe code that this test controls and exits
        // with _exit; this is exactly the situation the PID check exists for.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let ok = block_on(async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                7
            });
            let code = if matches!(ok, Ok(7)) { 0 } else { 1 };
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
