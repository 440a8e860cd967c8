//! Running core futures from Python.
//!
//! - Sync calls: the interpreter is detached (the GIL released) while the future runs on a
//!   runtime worker and the calling thread waits; on the main thread signals are checked every
//!   100 ms so Ctrl-C interrupts a call promptly (the future is dropped, which closes its
//!   connection).
//! - Async calls: see [`crate::aio`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use openai_core::blocking::block_on;
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;

const SIGNAL_POLL: Duration = Duration::from_millis(100);

/// Runs `fut` with the GIL released; Ctrl-C (or any signal handler that raises) stops it.
/// The outer error is the Python exception of an interrupt; the inner one the core's error.
pub(crate) fn block<T: Send + 'static>(
    py: Python<'_>,
    fut: impl Future<Output = openai_core::Result<T>> + Send,
) -> PyResult<openai_core::Result<T>> {
    py.detach(|| wait_detached(fut))
        .map(|r| r.and_then(|inner| inner))
}

/// Runs `fut` on the shared runtime. On the main thread (where Python delivers signals) the
/// wait checks for Ctrl-C every `SIGNAL_POLL`; elsewhere there is nothing to check.
pub(crate) fn wait_detached<F>(fut: F) -> PyResult<openai_core::Result<F::Output>>
where
    F: Future + Send,
    F::Output: Send + 'static,
{
    if !is_main_thread() {
        return Ok(block_on(fut));
    }
    openai_core::blocking::block_on_interruptible(fut, SIGNAL_POLL, || {
        Python::attach(|py| py.check_signals())
    })
}

/// Whether this is the process's main thread (where Python delivers signals). Asked on every
/// call, so the answer is kept per thread, and asked again in a forked child (where the forking
/// thread becomes the main one).
#[cfg(target_os = "linux")]
fn is_main_thread() -> bool {
    use std::cell::Cell;
    thread_local!(static MAIN: Cell<(u32, bool)> = const { Cell::new((0, false)) });
    let pid = openai_core::blocking::pid();
    MAIN.with(|m| {
        let (seen, main) = m.get();
        if seen == pid {
            return main;
        }
        // SAFETY: gettid only reads the calling thread's id.
        let main = unsafe { libc::gettid() } as u32 == pid;
        m.set((pid, main));
        main
    })
}

#[cfg(not(target_os = "linux"))]
fn is_main_thread() -> bool {
    true // unknown: always check
}

/// An awaitable that is already complete: `await` returns `value` without a trip through the
/// event loop. Used by `AsyncStream.__anext__` when the next chunk is already buffered.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct ReadyAwaitable {
    value: Py<PyAny>,
}

impl ReadyAwaitable {
    /// An awaitable that yields `value` at once.
    pub(crate) fn ready(py: Python<'_>, value: Py<PyAny>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, ReadyAwaitable { value })?.into_any())
    }
}

/// A step on the state a sync stream shares between threads: at once if the lock is free and
/// `now` finishes it without waiting (the next chunk is often already buffered), else with the
/// GIL released. The lock is then taken without the GIL too: another thread may hold it while it
/// waits for the network.
pub(crate) fn now_or_wait<T: Send, R: Send>(
    py: Python<'_>,
    state: &std::sync::Mutex<T>,
    now: impl FnOnce(&mut T) -> Option<R>,
    wait: impl FnOnce(&mut T) -> R + Send,
) -> R {
    if let Ok(mut guard) = state.try_lock()
        && let Some(done) = now(&mut guard)
    {
        return done;
    }
    py.detach(|| wait(&mut state.lock().unwrap_or_else(|p| p.into_inner())))
}

/// Runs `f` on the state an async stream shares with its running steps: at once if the lock is
/// free (the awaitable is then already complete), else once the running step lets go of it.
pub(crate) fn with_async_lock<'py, T: Send + 'static>(
    py: Python<'py>,
    state: &Arc<tokio::sync::Mutex<T>>,
    f: impl FnOnce(&mut T) + Send + 'static,
) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(mut guard) = state.try_lock() {
        f(&mut guard);
        return ReadyAwaitable::ready(py, py.None());
    }
    let state = state.clone();
    crate::aio::future_into_py(py, async move {
        f(&mut *state.lock().await);
        Ok(())
    })
}

#[pymethods]
impl ReadyAwaitable {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }
    fn __next__(&self, py: Python<'_>) -> PyResult<()> {
        Err(PyStopIteration::new_err((self.value.clone_ref(py),)))
    }
    fn send(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let _ = value;
        self.__next__(py)
    }
    #[pyo3(signature = (typ, val=None, tb=None))]
    fn throw(
        &self,
        typ: &Bound<'_, PyAny>,
        val: Option<&Bound<'_, PyAny>>,
        tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let _ = tb;
        Err(match val {
            Some(v) if !v.is_none() => PyErr::from_value(v.clone()),
            _ => PyErr::from_value(typ.clone()),
        })
    }
    fn close(&self) {}
}
