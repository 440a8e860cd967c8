//! `Stream` and `AsyncStream`: chat completion chunks from a core `ChatStream`, or responses
//! events from a core `ResponsesStream` (one Python class for both, as the official SDK's
//! `Stream[T]`).
//!
//! Both first try to take the next chunk without waiting (it is often already buffered: one TCP
//! read carries several events), which costs no GIL release and, for `AsyncStream`, no trip
//! through the event loop. Only when the stream must wait for the network does `__next__`
//! release the GIL (and check for Ctrl-C), or `__anext__` return a real asyncio awaitable.
//! Closing (or dropping) a stream closes its connection.

use std::sync::{Arc, Mutex};

use openai_core::{ChatStream, EventStream, ResponsesStream};
use pyo3::exceptions::{PyRuntimeError, PyStopAsyncIteration};
use pyo3::prelude::*;

use crate::aio::future_into_py;
use crate::convert::{Root, json_to_py};
use crate::errors::to_pyerr;
use crate::runtime::{ReadyAwaitable, now_or_wait, wait_detached, with_async_lock};

/// The raw JSON of the next item (chunk or event) and the class to build it as.
type Item = Option<openai_core::Result<(String, Root)>>;

/// What a stream reads from.
pub(crate) enum Source {
    Chat(ChatStream),
    Responses(ResponsesStream),
    /// Any operation's event stream (either dialect), each event built as the given class.
    Events(EventStream, Root),
}

impl Source {
    async fn next_raw(&mut self) -> Item {
        match self {
            Source::Chat(s) => s
                .next_with_raw()
                .await
                .map(|r| r.map(|(_, raw)| (raw, Root::ChatCompletionChunk))),
            Source::Responses(s) => s
                .next_event()
                .await
                .map(|r| r.map(|e| (e.raw, RESPONSE_EVENT))),
            Source::Events(s, root) => {
                let root = *root;
                s.next_event().await.map(|r| r.map(|e| (e.raw, root)))
            }
        }
    }

    fn request_id(&self) -> Option<String> {
        match self {
            Source::Chat(s) => s.request_id(),
            Source::Responses(s) => s.request_id(),
            Source::Events(s, _) => s.request_id(),
        }
        .map(str::to_owned)
    }

    /// The response headers (kept by generic event streams only; the typed ones keep the
    /// request id alone).
    fn headers(&self) -> Vec<(String, String)> {
        match self {
            Source::Events(s, _) => crate::client::header_pairs(s.headers().iter()),
            _ => Vec::new(),
        }
    }

    /// What the stream assembled: a `ChatCompletion`, or the `Response` snapshot.
    fn final_json(&self) -> (Vec<u8>, Root) {
        match self {
            Source::Chat(s) => (
                serde_json::to_vec(&s.completion()).unwrap_or_default(),
                Root::ChatCompletion,
            ),
            Source::Responses(s) => (
                serde_json::to_vec(s.accumulator().snapshot()).unwrap_or_default(),
                RESPONSE,
            ),
            // A generic stream assembles nothing: its final value is `None`.
            Source::Events(..) => (b"null".to_vec(), Root::Any),
        }
    }
}

/// `ROOT_NAMES` indices of `Response` and `ResponseStreamEvent` (checked by a test).
pub(crate) const RESPONSE: Root = Root::Named(9);
const RESPONSE_EVENT: Root = Root::Named(10);

/// Polls the next item once, without waiting. `None` means "not ready yet".
fn poll_now(s: &mut Source) -> Option<Item> {
    openai_core::blocking::poll_once(s.next_raw())
}

fn item_to_py<'py>(py: Python<'py>, item: Item) -> PyResult<Option<Bound<'py, PyAny>>> {
    match item {
        None => Ok(None),
        Some(Ok((raw, root))) => json_to_py(py, raw.as_bytes(), root).map(Some),
        Some(Err(e)) => Err(to_pyerr(py, &e)),
    }
}

/// The accumulated reply of a stream, as a `ChatCompletion` or `Response` object.
fn final_to_py<'py>(py: Python<'py>, s: &Source) -> PyResult<Bound<'py, PyAny>> {
    let (raw, root) = s.final_json();
    json_to_py(py, &raw, root)
}

/// A synchronous stream of `ChatCompletionChunk`s or `ResponseStreamEvent`s: an iterator and a
/// context manager.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct Stream {
    inner: Mutex<Option<Source>>,
    request_id: Option<String>,
    headers: Vec<(String, String)>,
}

impl Stream {
    pub(crate) fn new(s: impl Into<Source>) -> Self {
        let s = s.into();
        Stream {
            request_id: s.request_id(),
            headers: s.headers(),
            inner: Mutex::new(Some(s)),
        }
    }

    fn next_item(&self, py: Python<'_>) -> PyResult<Item> {
        now_or_wait(
            py,
            &self.inner,
            |g| match g.as_mut() {
                None => Some(Ok(None)),
                Some(s) => poll_now(s).map(Ok),
            },
            |g| match g.as_mut() {
                None => Ok(None),
                Some(s) => wait_detached(s.next_raw()).map(|r| r.unwrap_or_else(|e| Some(Err(e)))),
            },
        )
    }
}

#[pymethods]
impl Stream {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let item = self.next_item(py)?;
        item_to_py(py, item)
    }

    /// Closes the connection; the iterator then ends.
    fn close(&self, py: Python<'_>) {
        let taken = py.detach(|| self.inner.lock().unwrap_or_else(|p| p.into_inner()).take());
        drop(taken);
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) {
        self.close(py);
    }

    /// `x-request-id` of the response.
    #[getter]
    fn request_id(&self) -> Option<String> {
        self.request_id.clone()
    }

    /// The response headers as `(name, value)` pairs (empty for the typed chat and responses
    /// streams, which keep only the request id).
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    /// Reads the rest of the stream and returns the whole reply (a `ChatCompletion`, or the
    /// `Response` of a responses stream).
    fn get_final_completion<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        while let Some(_chunk) = self.__next__(py)? {}
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match g.as_ref() {
            Some(s) => final_to_py(py, s),
            None => Err(PyRuntimeError::new_err("the stream was closed")),
        }
    }

    /// The reply assembled so far, without reading further (the `Response` snapshot of a
    /// responses stream).
    fn current_snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match g.as_ref() {
            Some(s) => final_to_py(py, s),
            None => Err(PyRuntimeError::new_err("the stream was closed")),
        }
    }
}

/// One `__anext__` result, converted on the event loop's thread.
struct AsyncItem {
    item: Item,
}

impl<'py> IntoPyObject<'py> for AsyncItem {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match item_to_py(py, self.item)? {
            Some(obj) => Ok(obj),
            None => Err(PyStopAsyncIteration::new_err(())),
        }
    }
}

type Shared = Arc<tokio::sync::Mutex<Option<Source>>>;

/// An asynchronous stream of `ChatCompletionChunk`s: an async iterator and async context manager.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct AsyncStream {
    inner: Shared,
    request_id: Option<String>,
    headers: Vec<(String, String)>,
}

impl AsyncStream {
    pub(crate) fn new(s: impl Into<Source>) -> Self {
        let s = s.into();
        AsyncStream {
            request_id: s.request_id(),
            headers: s.headers(),
            inner: Arc::new(tokio::sync::Mutex::new(Some(s))),
        }
    }
}

impl From<ChatStream> for Source {
    fn from(s: ChatStream) -> Source {
        Source::Chat(s)
    }
}

impl From<ResponsesStream> for Source {
    fn from(s: ResponsesStream) -> Source {
        Source::Responses(s)
    }
}

#[pymethods]
impl AsyncStream {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Ok(mut g) = self.inner.try_lock() {
            let ready = match g.as_mut() {
                None => Some(None),
                Some(s) => poll_now(s),
            };
            if let Some(item) = ready {
                drop(g);
                return match item_to_py(py, item)? {
                    Some(obj) => ReadyAwaitable::ready(py, obj.unbind()),
                    None => Err(PyStopAsyncIteration::new_err(())),
                };
            }
        }
        let inner = self.inner.clone();
        future_into_py(py, async move {
            let mut g = inner.lock().await;
            let item = match g.as_mut() {
                None => None,
                Some(s) => s.next_raw().await,
            };
            Ok(AsyncItem { item })
        })
    }

    /// Closes the connection (awaitable, like the official `AsyncStream.close()`).
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        with_async_lock(py, &self.inner, |s| drop(s.take()))
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let me = slf.clone().into_any().unbind();
        ReadyAwaitable::ready(slf.py(), me)
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _args: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.close(py)
    }

    /// `x-request-id` of the response.
    #[getter]
    fn request_id(&self) -> Option<String> {
        self.request_id.clone()
    }

    /// The response headers as `(name, value)` pairs (empty for the typed chat and responses
    /// streams, which keep only the request id).
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    /// Reads the rest of the stream; the awaitable yields the whole reply as a `ChatCompletion`.
    fn get_final_completion<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        future_into_py(py, async move {
            let mut g = inner.lock().await;
            let Some(s) = g.as_mut() else {
                return Ok(Final::Closed);
            };
            while let Some(item) = s.next_raw().await {
                if let Err(e) = item {
                    return Ok(Final::Err(e));
                }
            }
            let (raw, root) = s.final_json();
            Ok(Final::Done(raw, root))
        })
    }
}

enum Final {
    Done(Vec<u8>, Root),
    Closed,
    Err(openai_core::Error),
}

impl<'py> IntoPyObject<'py> for Final {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Final::Done(raw, root) => json_to_py(py, &raw, root),
            Final::Closed => Err(PyRuntimeError::new_err("the stream was closed")),
            Final::Err(e) => Err(to_pyerr(py, &e)),
        }
    }
}
