//! `Download`: a binary answer (file content, speech audio) over the core's `Download`, read in
//! chunks as it arrives — never held whole unless the caller asks for all of it. One class for
//! both clients: `read_chunk` / `write_to_file` block with the GIL released, `aread_chunk` /
//! `awrite_to_file` are awaitables. Closing (or dropping) it closes the connection.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::aio::future_into_py;
use crate::errors::to_pyerr;

type Shared = Arc<tokio::sync::Mutex<Option<openai_core::Download>>>;

/// A binary answer being received (`status`, `headers` and `request_id` are known up front).
#[pyclass(frozen, module = "openai_rs._native")]
pub struct Download {
    inner: Shared,
    status: u16,
    headers: Vec<(String, String)>,
    request_id: Option<String>,
    content_length: Option<u64>,
    retries_taken: u32,
}

impl Download {
    pub(crate) fn new(d: openai_core::Download) -> Self {
        Download {
            status: d.status,
            headers: crate::client::header_pairs(d.headers.iter()),
            request_id: d.request_id.clone(),
            content_length: d.content_length,
            retries_taken: d.retries_taken,
            inner: Arc::new(tokio::sync::Mutex::new(Some(d))),
        }
    }
}

async fn next_chunk(inner: Shared) -> openai_core::Result<Option<Bytes>> {
    match inner.lock().await.as_mut() {
        None => Ok(None),
        Some(d) => d.chunk().await,
    }
}

async fn write_all(inner: Shared, path: PathBuf) -> openai_core::Result<u64> {
    let taken = inner.lock().await.take();
    match taken {
        None => Err(openai_core::Error::new(
            openai_core::ErrorKind::InvalidArgument,
            "the download was already read or closed",
        )),
        Some(d) => d.write_to_file(path).await,
    }
}

/// A chunk (or the byte count of `write_to_file`), converted on the loop's thread.
enum Out {
    Chunk(openai_core::Result<Option<Bytes>>),
    Written(openai_core::Result<u64>),
}

impl<'py> IntoPyObject<'py> for Out {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Out::Chunk(Ok(Some(b))) => Ok(PyBytes::new(py, &b).into_any()),
            Out::Chunk(Ok(None)) => Ok(py.None().into_bound(py)),
            Out::Written(Ok(n)) => Ok(n.into_pyobject(py)?.into_any()),
            Out::Chunk(Err(e)) | Out::Written(Err(e)) => Err(to_pyerr(py, &e)),
        }
    }
}

#[pymethods]
impl Download {
    #[getter]
    fn status(&self) -> u16 {
        self.status
    }

    /// `(name, value)` pairs, names lowercased, in arrival order.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    #[getter]
    fn request_id(&self) -> Option<String> {
        self.request_id.clone()
    }

    #[getter]
    fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// Retries before the attempt that answered.
    #[getter]
    fn retries_taken(&self) -> u32 {
        self.retries_taken
    }

    /// The next piece of the body as it arrived, `None` at its end.
    fn read_chunk<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // A piece already received is taken here, without a hand-off to the runtime (a large
        // body arrives in many pieces, most of them buffered by the time they are asked for).
        let ready = self
            .inner
            .try_lock()
            .ok()
            .and_then(|mut g| match g.as_mut() {
                Some(d) => openai_core::blocking::poll_once(d.chunk()),
                None => Some(Ok(None)),
            });
        let r = match ready {
            Some(r) => r,
            None => crate::runtime::block(py, next_chunk(self.inner.clone()))?,
        };
        Out::Chunk(r).into_pyobject(py)
    }

    /// `read_chunk` as an awaitable.
    fn aread_chunk<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        future_into_py(py, async move { Ok(Out::Chunk(next_chunk(inner).await)) })
    }

    /// Writes the rest of the body to `path` as it arrives (a failed download removes the
    /// file); returns the byte count.
    fn write_to_file(&self, py: Python<'_>, path: PathBuf) -> PyResult<u64> {
        crate::runtime::block(py, write_all(self.inner.clone(), path))?
            .map_err(|e| to_pyerr(py, &e))
    }

    /// `write_to_file` as an awaitable.
    fn awrite_to_file<'py>(&self, py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        future_into_py(
            py,
            async move { Ok(Out::Written(write_all(inner, path).await)) },
        )
    }

    /// Closes the connection; reads then end.
    fn close(&self, py: Python<'_>) {
        let inner = self.inner.clone();
        let taken = py.detach(|| inner.blocking_lock().take());
        drop(taken);
    }
}
