//! `Stream` and `AsyncStream`: chat completion chunks from a core `ChatStream`.
//!
//! Both first try to take the next chunk without waiting (it is often already buffered: one TCP
//! read carries several events), which costs no GIL release and, for `AsyncStream`, no trip
//! through the event loop. Only when the stream must wait for the network does `__next__`
//! release the GIL (and check for Ctrl-C), or `__anext__` return a real asyncio awaitable.
//! Closing (or dropping) a stream closes its connection.

use std::sync::{Arc, Mutex};

use openai_core::{ChatCompletionChunk, ChatStream};
use pyo3::exceptions::{PyRuntimeError, PyStopAsyncIteration};
use pyo3::prelude::*;

use crate::aio::future_into_py;
use crate::convert::{Root, json_to_py};
use crate::errors::to_pyerr;
use crate::runtime::{ReadyAwaitable, now_or_wait, wait_detached, with_async_lock};

type Item = Option<openai_core::Result<(ChatCompletionChunk, String)>>;

/// Polls the next chunk once, without waiting. `None` means "not ready yet".
fn poll_now(s: &mut ChatStream) -> Option<Item> {
    openai_core::blocking::poll_once(s.next_with_raw())
}

fn item_to_py<'py>(
    py: Python<'py>,
    item: Item,
    client: &openai_core::Client,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    match item {
        None => Ok(None),
        Some(Ok((_, raw))) => json_to_py(py, raw.as_bytes(), Root::ChatCompletionChunk).map(Some),
        Some(Err(e)) => Err(to_pyerr(py, &e, client.config().api_key().expose())),
    }
}

/// The accumulated completion of a stream, as a `ChatCompletion` object.
fn completion_to_py<'py>(py: Python<'py>, s: &ChatStream) -> PyResult<Bound<'py, PyAny>> {
    let raw = serde_json::to_vec(&s.completion())
        .map_err(|e| PyRuntimeError::new_err(format!("cannot encode the completion: {e}")))?;
    json_to_py(py, &raw, Root::ChatCompletion)
}

/// A synchronous stream of `ChatCompletionChunk`s: an iterator and a context manager.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct Stream {
    inner: Mutex<Option<ChatStream>>,
    request_id: Option<String>,
    client: openai_core::Client,
}

impl Stream {
    pub(crate) fn new(s: ChatStream, client: openai_core::Client) -> Self {
        Stream {
            request_id: s.request_id().map(str::to_owned),
            inner: Mutex::new(Some(s)),
            client,
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
                Some(s) => {
                    wait_detached(s.next_with_raw()).map(|r| r.unwrap_or_else(|e| Some(Err(e))))
                }
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
        item_to_py(py, item, &self.client)
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

    /// Reads the rest of the stream and returns the whole reply as a `ChatCompletion`.
    fn get_final_completion<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        while let Some(_chunk) = self.__next__(py)? {}
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match g.as_ref() {
            Some(s) => completion_to_py(py, s),
            None => Err(PyRuntimeError::new_err("the stream was closed")),
        }
    }
}

/// One `__anext__` result, converted on the event loop's thread.
struct AsyncItem {
    item: Item,
    client: openai_core::Client,
}

impl<'py> IntoPyObject<'py> for AsyncItem {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match item_to_py(py, self.item, &self.client)? {
            Some(obj) => Ok(obj),
            None => Err(PyStopAsyncIteration::new_err(())),
        }
    }
}

type Shared = Arc<tokio::sync::Mutex<Option<ChatStream>>>;

/// An asynchronous stream of `ChatCompletionChunk`s: an async iterator and async context manager.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct AsyncStream {
    inner: Shared,
    request_id: Option<String>,
    client: openai_core::Client,
}

impl AsyncStream {
    pub(crate) fn new(s: ChatStream, client: openai_core::Client) -> Self {
        AsyncStream {
            request_id: s.request_id().map(str::to_owned),
            inner: Arc::new(tokio::sync::Mutex::new(Some(s))),
            client,
        }
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
                return match item_to_py(py, item, &self.client)? {
                    Some(obj) => ReadyAwaitable::ready(py, obj.unbind()),
                    None => Err(PyStopAsyncIteration::new_err(())),
                };
            }
        }
        let inner = self.inner.clone();
        let client = self.client.clone();
        future_into_py(py, async move {
            let mut g = inner.lock().await;
            let item = match g.as_mut() {
                None => None,
                Some(s) => s.next_with_raw().await,
            };
            Ok(AsyncItem { item, client })
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

    /// Reads the rest of the stream; the awaitable yields the whole reply as a `ChatCompletion`.
    fn get_final_completion<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        let client = self.client.clone();
        future_into_py(py, async move {
            let mut g = inner.lock().await;
            let Some(s) = g.as_mut() else {
                return Ok(Final::Closed);
            };
            while let Some(item) = s.next_with_raw().await {
                if let Err(e) = item {
                    return Ok(Final::Err(e, client));
                }
            }
            Ok(Final::Done(
                serde_json::to_vec(&s.completion()).unwrap_or_default(),
            ))
        })
    }
}

enum Final {
    Done(Vec<u8>),
    Closed,
    Err(openai_core::Error, openai_core::Client),
}

impl<'py> IntoPyObject<'py> for Final {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Final::Done(raw) => json_to_py(py, &raw, Root::ChatCompletion),
            Final::Closed => Err(PyRuntimeError::new_err("the stream was closed")),
            Final::Err(e, c) => Err(to_pyerr(py, &e, c.config().api_key().expose())),
        }
    }
}
