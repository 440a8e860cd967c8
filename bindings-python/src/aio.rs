//! The asyncio bridge: core futures as asyncio awaitables, without ever taking the GIL on a
//! runtime thread.
//!
//! Each event loop gets a `LoopBridge`: a completion queue plus a socket pair whose read end is
//! registered with `loop.add_reader`. A core future runs as a task on the core's runtime; when
//! it finishes it pushes its (still Rust) result onto the queue and writes one byte to wake the
//! loop. The loop thread then drains the queue: builds the Python objects and resolves the
//! asyncio futures, many per wake-up under load.
//!
//! Why not pyo3-async-runtimes' `future_into_py`: it resolves futures from a runtime thread
//! (`spawn_blocking` + `Python::attach` + `call_soon_threadsafe`), which (a) crashes when that
//! thread is still inside the interpreter as it finalizes ("PyGILState_Release: thread state
//! must be current"), (b) costs three task hops and a GIL hand-off per call, and (c) keeps using
//! the runtime registered first, which a forked child does not have. Here tokio threads never
//! touch Python, results are batched, and tasks go to `openai_core::blocking::runtime()`, which
//! is rebuilt per process.

use std::future::Future;
use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::BoundObject;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

#[cfg(unix)]
type Pipe = std::os::unix::net::UnixStream;
#[cfg(not(unix))]
type Pipe = std::net::TcpStream;

#[cfg(unix)]
fn pipe_pair() -> std::io::Result<(Pipe, Pipe)> {
    Pipe::pair()
}

#[cfg(not(unix))]
fn pipe_pair() -> std::io::Result<(Pipe, Pipe)> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    let a = Pipe::connect(l.local_addr()?)?;
    let (b, _) = l.accept()?;
    Ok((b, a))
}

#[cfg(unix)]
fn fileno(p: &Pipe) -> i64 {
    use std::os::unix::io::AsRawFd;
    i64::from(p.as_raw_fd())
}

#[cfg(not(unix))]
fn fileno(p: &Pipe) -> i64 {
    use std::os::windows::io::AsRawSocket;
    p.as_raw_socket() as i64
}

/// A finished core future whose value becomes a Python object on the loop thread.
trait Deliver: Send {
    fn into_py(self: Box<Self>, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

impl<T> Deliver for T
where
    T: for<'py> IntoPyObject<'py> + Send,
{
    fn into_py(self: Box<Self>, py: Python<'_>) -> PyResult<Py<PyAny>> {
        (*self)
            .into_pyobject(py)
            .map(|b| b.into_any().unbind())
            .map_err(Into::into)
    }
}

struct Completion {
    future: Py<PyAny>,
    value: PyResult<Box<dyn Deliver>>,
}

struct Shared {
    queue: Mutex<Vec<Completion>>,
    /// True while a wake-up byte is in flight (so a burst of completions writes one byte).
    armed: AtomicBool,
    writer: Pipe,
}

impl Shared {
    /// Queues `c`; the loop is woken once per batch of the runtime's work (`after_batch`):
    /// woken per completion, the loop's thread would preempt the runtime's at each one.
    fn complete(self: &Arc<Self>, c: Completion) {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).push(c);
        if !self.armed.swap(true, Ordering::AcqRel) {
            let shared = self.clone();
            openai_core::blocking::after_batch(move || {
                // WouldBlock means the socket is full of wake-ups already; a closed reader means
                // the loop is gone. Either way there is nothing more to do. A byte that comes
                // after a drain already took the completions costs one empty drain.
                let _ = (&shared.writer).write(&[1]);
            });
        }
    }
}

/// The per-event-loop end of the bridge (kept in a `WeakKeyDictionary` keyed by the loop).
#[pyclass(frozen, module = "openai_rs._native")]
pub struct LoopBridge {
    shared: Arc<Shared>,
    reader: Pipe,
}

#[pymethods]
impl LoopBridge {
    /// Called by the event loop when the socket is readable: resolves every finished future.
    fn drain(&self, py: Python<'_>) {
        let mut buf = [0u8; 512];
        loop {
            match (&self.reader).read(&mut buf) {
                Ok(n) if n == buf.len() => continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                _ => break,
            }
        }
        self.shared.armed.store(false, Ordering::Release);
        let items =
            std::mem::take(&mut *self.shared.queue.lock().unwrap_or_else(|p| p.into_inner()));
        for c in items {
            deliver(py, c);
        }
    }
}

fn deliver(py: Python<'_>, c: Completion) {
    let fut = c.future.bind(py);
    let cancelled = fut
        .call_method0(pyo3::intern!(py, "cancelled"))
        .and_then(|v| v.is_truthy())
        .unwrap_or(true);
    if cancelled {
        return;
    }
    // set_result / set_exception can only fail if the future is already done; nothing to report.
    let _ = match c.value.and_then(|v| v.into_py(py)) {
        Ok(v) => fut.call_method1(pyo3::intern!(py, "set_result"), (v,)),
        Err(e) => fut.call_method1(pyo3::intern!(py, "set_exception"), (e.into_value(py),)),
    };
}

/// `add_done_callback` target: cancelling the asyncio future aborts the core task, which drops
/// the request (and closes its connection).
#[pyclass(frozen, module = "openai_rs._native")]
pub struct AbortOnCancel {
    handle: tokio::task::AbortHandle,
}

#[pymethods]
impl AbortOnCancel {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut.call_method0("cancelled")?.is_truthy()? {
            self.handle.abort();
        }
        Ok(())
    }
}

static BRIDGES: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn bridge_for<'py>(
    py: Python<'py>,
    event_loop: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, LoopBridge>> {
    let bridges = BRIDGES
        .get_or_try_init(py, || -> PyResult<_> {
            Ok(py
                .import("weakref")?
                .getattr("WeakKeyDictionary")?
                .call0()?
                .unbind())
        })?
        .bind(py);
    let found = bridges.call_method1(pyo3::intern!(py, "get"), (event_loop,))?;
    if let Ok(b) = found.cast_into::<LoopBridge>() {
        return Ok(b);
    }
    let (reader, writer) = pipe_pair()
        .and_then(|(r, w)| {
            r.set_nonblocking(true)?;
            w.set_nonblocking(true)?;
            Ok((r, w))
        })
        .map_err(|e| {
            pyo3::exceptions::PyOSError::new_err(format!(
                "cannot create the asyncio wake-up socket: {e}"
            ))
        })?;
    let fd = fileno(&reader);
    let bridge = Bound::new(
        py,
        LoopBridge {
            shared: Arc::new(Shared {
                queue: Mutex::new(Vec::new()),
                armed: AtomicBool::new(false),
                writer,
            }),
            reader,
        },
    )?;
    event_loop.call_method1("add_reader", (fd, bridge.getattr("drain")?))?;
    bridges.set_item(event_loop, &bridge)?;
    Ok(bridge)
}

/// Runs `fut` on the core runtime and returns an asyncio future of the running loop that
/// resolves to its value (converted on the loop thread).
pub(crate) fn future_into_py<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let rt = openai_core::blocking::runtime().map_err(|e| crate::errors::to_pyerr(py, &e))?;
    let get_loop = GET_RUNNING_LOOP.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("asyncio")?.getattr("get_running_loop")?.unbind())
    })?;
    let event_loop = get_loop.bind(py).call0()?;
    let bridge = bridge_for(py, &event_loop)?;
    let py_fut = event_loop.call_method0(pyo3::intern!(py, "create_future"))?;
    let shared = bridge.get().shared.clone();
    let future = py_fut.clone().unbind();
    let task = rt.spawn(async move {
        let value = fut.await.map(|v| Box::new(v) as Box<dyn Deliver>);
        shared.complete(Completion { future, value });
    });
    py_fut.call_method1(
        pyo3::intern!(py, "add_done_callback"),
        (AbortOnCancel {
            handle: task.abort_handle(),
        },),
    )?;
    Ok(py_fut)
}
