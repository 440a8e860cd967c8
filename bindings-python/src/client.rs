//! `Client`: the native class behind `openai_rs.OpenAI` and `openai_rs.AsyncOpenAI`.
//!
//! Every endpoint method: convert the arguments, call one core function (blocking with the GIL
//! released, or as an asyncio awaitable), and build the response object from the raw body.

// The methods mirror Python signatures: one parameter per keyword argument.
#![allow(clippy::too_many_arguments)]

use std::time::Duration;

use bytes::Bytes;
use openai_core::{
    ChatCompletionRequest, ClientBuilder, EmbeddingRequest, ImageGenerationRequest, Proxy,
    RequestOptions, Timeouts,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use serde_json::Value;

use crate::aio::future_into_py;
use crate::convert::{Root, json_to_py, kwargs_to_json, py_to_json};
use crate::errors::to_pyerr;
use crate::runtime::block;
use crate::stream::{AsyncStream, Stream};

/// An API key in transit (pickling): shown as `[REDACTED]`, stored scrambled in the pickle so a
/// dump of the pickle's opcodes does not show it either.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct Secret {
    value: String,
}

const MASK: &[u8] = b"openai-rs/secret";

fn scramble(s: &[u8]) -> Vec<u8> {
    s.iter()
        .zip(MASK.iter().cycle())
        .map(|(b, m)| b ^ m)
        .collect()
}

#[pymethods]
impl Secret {
    #[new]
    fn new(scrambled: &[u8]) -> PyResult<Self> {
        let value = String::from_utf8(scramble(scrambled))
            .map_err(|_| PyValueError::new_err("corrupt secret"))?;
        Ok(Secret { value })
    }
    fn __repr__(&self) -> &'static str {
        "Secret('[REDACTED]')"
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let bytes = pyo3::types::PyBytes::new(py, &scramble(slf.get().value.as_bytes()));
        (slf.get_type(), (bytes,)).into_pyobject(py)
    }
}

/// Settings accepted by the constructor and `with_options`.
struct Settings<'a, 'py> {
    api_key: Option<&'a Bound<'py, PyAny>>,
    organization: Option<String>,
    project: Option<String>,
    base_url: Option<String>,
    timeout: Option<f64>,
    connect_timeout: Option<f64>,
    stream_idle_timeout: Option<f64>,
    total_timeout: Option<f64>,
    no_timeout: bool,
    max_retries: Option<u32>,
    default_headers: Option<&'a Bound<'py, PyDict>>,
    default_query: Option<&'a Bound<'py, PyDict>>,
    proxy: Option<&'a Bound<'py, PyAny>>,
    ca_file: Option<String>,
}

fn secs(name: &str, v: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(v)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            PyValueError::new_err(format!("{name} must be a positive number of seconds"))
        })
}

fn str_pairs(d: &Bound<'_, PyDict>) -> PyResult<Vec<(String, String)>> {
    d.iter()
        .map(|(k, v)| {
            let v = match v.cast::<PyString>() {
                Ok(s) => s.to_str()?.to_owned(),
                Err(_) => v.str()?.to_str()?.to_owned(),
            };
            Ok((k.extract::<String>()?, v))
        })
        .collect()
}

fn apply(mut b: ClientBuilder, s: &Settings<'_, '_>) -> PyResult<ClientBuilder> {
    if let Some(k) = s.api_key {
        b = match k.cast::<Secret>() {
            Ok(secret) => b.api_key(secret.get().value.clone()),
            Err(_) => b.api_key(
                k.extract::<String>()
                    .map_err(|_| PyTypeError::new_err("api_key must be a str"))?,
            ),
        };
    }
    if let Some(v) = &s.organization {
        b = b.organization(v);
    }
    if let Some(v) = &s.project {
        b = b.project(v);
    }
    if let Some(v) = &s.base_url {
        b = b.base_url(v);
    }
    if s.no_timeout {
        b = b.timeouts(Timeouts::no_timeout());
    }
    if let Some(v) = s.timeout {
        b = b.request_timeout(secs("timeout", v)?);
    }
    if let Some(v) = s.connect_timeout {
        b = b.connect_timeout(secs("connect_timeout", v)?);
    }
    if let Some(v) = s.stream_idle_timeout {
        b = b.stream_idle_timeout(secs("stream_idle_timeout", v)?);
    }
    if let Some(v) = s.total_timeout {
        b = b.total_timeout(secs("total_timeout", v)?);
    }
    if let Some(v) = s.max_retries {
        b = b.max_retries(v);
    }
    for (k, v) in s
        .default_headers
        .map(str_pairs)
        .transpose()?
        .unwrap_or_default()
    {
        b = b.default_header(k, v);
    }
    for (k, v) in s
        .default_query
        .map(str_pairs)
        .transpose()?
        .unwrap_or_default()
    {
        b = b.default_query(k, v);
    }
    if let Some(p) = s.proxy.filter(|p| !p.is_none()) {
        b = match p.cast::<PyDict>() {
            Ok(d) => {
                let get = |keys: [&str; 2]| -> PyResult<Option<String>> {
                    for k in keys {
                        if let Some(v) = d.get_item(k)?.filter(|v| !v.is_none()) {
                            return Ok(Some(v.extract()?));
                        }
                    }
                    Ok(None)
                };
                b.proxy_per_scheme(get(["http", "http://"])?, get(["https", "https://"])?)
            }
            Err(_) => b.proxy(p.extract::<String>().map_err(|_| {
                PyTypeError::new_err(
                    "proxy must be a URL string or a {'http': ..., 'https': ...} dict",
                )
            })?),
        };
    }
    if let Some(v) = &s.ca_file {
        b = b.ca_file(v);
    }
    Ok(b)
}

/// Per-request options (`extra_headers`, `extra_query`, `extra_body`, `timeout`,
/// `max_retries`). A header value of `None` (or `omit`) removes that header.
pub(crate) fn request_options(
    extra_headers: Option<&Bound<'_, PyDict>>,
    extra_query: Option<&Bound<'_, PyDict>>,
    extra_body: Option<&Bound<'_, PyDict>>,
    timeout: Option<f64>,
    max_retries: Option<u32>,
) -> PyResult<RequestOptions> {
    let mut o = RequestOptions {
        timeout: timeout.map(|t| secs("timeout", t)).transpose()?,
        max_retries,
        ..RequestOptions::default()
    };
    if let Some(h) = extra_headers {
        for (k, v) in h.iter() {
            let value = match v.cast::<PyString>() {
                Ok(s) => Some(s.to_str()?.to_owned()),
                Err(_) => None,
            };
            o.extra_headers.push((k.extract()?, value));
        }
    }
    if let Some(q) = extra_query {
        o.extra_query = str_pairs(q)?;
    }
    if let Some(b) = extra_body {
        if let Value::Object(map) = kwargs_to_json(b)? {
            o.extra_body = Some(map);
        }
    }
    Ok(o)
}

/// A successful buffered response, turned into its Python object once the GIL is held.
pub(crate) struct Reply {
    raw: Bytes,
    request_id: Option<String>,
    root: Root,
}

impl Reply {
    fn new<T>(r: openai_core::Response<T>, root: Root) -> Self {
        Reply {
            raw: r.raw,
            request_id: r.request_id,
            root,
        }
    }

    pub(crate) fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let obj = json_to_py(py, &self.raw, self.root)?;
        if let Some(id) = &self.request_id {
            let name = pyo3::intern!(py, "_request_id");
            let value = PyString::new(py, id);
            // SAFETY: all three pointers are valid, owned references for the duration of the
            // call; GenericSetAttr stores into the `_request_id` slot of OpenAIObject (bypassing
            // the Python-level `__setattr__`, which maps attributes to items).
            let rc = unsafe {
                pyo3::ffi::PyObject_GenericSetAttr(obj.as_ptr(), name.as_ptr(), value.as_ptr())
            };
            if rc != 0 {
                return Err(PyErr::fetch(py));
            }
        }
        Ok(obj)
    }
}

/// The result of an async call, converted (or raised) on the event loop's thread.
pub(crate) enum Outcome {
    Reply(Reply),
    Stream(AsyncStream),
    Err(openai_core::Error, openai_core::Client),
}

impl<'py> IntoPyObject<'py> for Outcome {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Outcome::Reply(r) => r.to_py(py),
            Outcome::Stream(s) => Ok(Bound::new(py, s)?.into_any()),
            Outcome::Err(e, c) => Err(to_pyerr(py, &e, c.config().api_key().expose())),
        }
    }
}

/// The native client: one connection pool, shared by every thread and task that uses it.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct Client {
    pub(crate) inner: openai_core::Client,
}

impl Client {
    pub(crate) fn err(&self, py: Python<'_>, e: &openai_core::Error) -> PyErr {
        to_pyerr(py, e, self.inner.config().api_key().expose())
    }

    /// Runs a blocking core call and maps its error.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        py: Python<'_>,
        fut: impl std::future::Future<Output = openai_core::Result<T>> + Send,
    ) -> PyResult<T> {
        crate::logbridge::refresh(py)?;
        block(py, fut)?.map_err(|e| self.err(py, &e))
    }

    /// Spawns an async core call; the awaitable yields `Outcome`.
    fn spawn<'py, T, F>(
        &self,
        py: Python<'py>,
        fut: F,
        done: impl FnOnce(T) -> Outcome + Send + 'static,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        F: std::future::Future<Output = openai_core::Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        crate::logbridge::refresh(py)?;
        let client = self.inner.clone();
        future_into_py(py, async move {
            Ok(match fut.await {
                Ok(v) => done(v),
                Err(e) => Outcome::Err(e, client),
            })
        })
    }

    fn chat_request(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyDict>,
    ) -> PyResult<ChatCompletionRequest> {
        ChatCompletionRequest::from_json(kwargs_to_json(params)?).map_err(|e| self.err(py, &e))
    }

    fn typed<T: serde::de::DeserializeOwned>(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyDict>,
        what: &str,
    ) -> PyResult<T> {
        serde_json::from_value(kwargs_to_json(params)?).map_err(|e| {
            let err = openai_core::Error::new(
                openai_core::ErrorKind::InvalidArgument,
                format!("invalid {what} request: {e}"),
            );
            self.err(py, &err)
        })
    }
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (*, api_key=None, organization=None, project=None, base_url=None,
        timeout=None, connect_timeout=None, stream_idle_timeout=None, total_timeout=None,
        no_timeout=false, max_retries=None, default_headers=None, default_query=None, proxy=None,
        ca_file=None))]
    fn new(
        py: Python<'_>,
        api_key: Option<&Bound<'_, PyAny>>,
        organization: Option<String>,
        project: Option<String>,
        base_url: Option<String>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        stream_idle_timeout: Option<f64>,
        total_timeout: Option<f64>,
        no_timeout: bool,
        max_retries: Option<u32>,
        default_headers: Option<&Bound<'_, PyDict>>,
        default_query: Option<&Bound<'_, PyDict>>,
        proxy: Option<&Bound<'_, PyAny>>,
        ca_file: Option<String>,
    ) -> PyResult<Self> {
        let s = Settings {
            api_key: api_key.filter(|k| !k.is_none()),
            organization,
            project,
            base_url,
            timeout,
            connect_timeout,
            stream_idle_timeout,
            total_timeout,
            no_timeout,
            max_retries,
            default_headers,
            default_query,
            proxy,
            ca_file,
        };
        let inner = apply(ClientBuilder::new(), &s)?
            .build()
            .map_err(|e| to_pyerr(py, &e, ""))?;
        Ok(Client { inner })
    }

    /// A new client with this one's settings, some of them replaced.
    #[pyo3(signature = (*, api_key=None, organization=None, project=None, base_url=None,
        timeout=None, connect_timeout=None, stream_idle_timeout=None, total_timeout=None,
        no_timeout=false, max_retries=None, default_headers=None, default_query=None, proxy=None,
        ca_file=None))]
    fn with_options(
        &self,
        py: Python<'_>,
        api_key: Option<&Bound<'_, PyAny>>,
        organization: Option<String>,
        project: Option<String>,
        base_url: Option<String>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        stream_idle_timeout: Option<f64>,
        total_timeout: Option<f64>,
        no_timeout: bool,
        max_retries: Option<u32>,
        default_headers: Option<&Bound<'_, PyDict>>,
        default_query: Option<&Bound<'_, PyDict>>,
        proxy: Option<&Bound<'_, PyAny>>,
        ca_file: Option<String>,
    ) -> PyResult<Self> {
        let s = Settings {
            api_key: api_key.filter(|k| !k.is_none()),
            organization,
            project,
            base_url,
            timeout,
            connect_timeout,
            stream_idle_timeout,
            total_timeout,
            no_timeout,
            max_retries,
            default_headers,
            default_query,
            proxy,
            ca_file,
        };
        let inner = apply(self.inner.config().to_builder(), &s)?
            .build()
            .map_err(|e| self.err(py, &e))?;
        Ok(Client { inner })
    }

    /// Pickles as its full configuration; the key travels as a `Secret`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let c = slf.get().inner.config();
        let t = c.timeouts();
        let secs = |d: Option<Duration>| d.map(|d| d.as_secs_f64());
        let proxy: Option<Bound<'py, PyAny>> = match c.proxy() {
            None => None,
            Some(Proxy::All(u)) => Some(PyString::new(py, u).into_any()),
            Some(Proxy::PerScheme { http, https }) => {
                let d = PyDict::new(py);
                d.set_item("http", http)?;
                d.set_item("https", https)?;
                Some(d.into_any())
            }
        };
        let kwargs = PyDict::new(py);
        let secret = Secret {
            value: c.api_key().expose().to_owned(),
        };
        kwargs.set_item("api_key", Bound::new(py, secret)?)?;
        kwargs.set_item("organization", c.organization())?;
        kwargs.set_item("project", c.project())?;
        kwargs.set_item("base_url", c.base_url())?;
        kwargs.set_item("no_timeout", true)?;
        kwargs.set_item("timeout", secs(t.request))?;
        kwargs.set_item("connect_timeout", secs(t.connect))?;
        kwargs.set_item("stream_idle_timeout", secs(t.stream_idle))?;
        kwargs.set_item("total_timeout", secs(t.total))?;
        kwargs.set_item("max_retries", c.max_retries())?;
        kwargs.set_item(
            "default_headers",
            PyDict::from_sequence(&c.default_headers().into_pyobject(py)?)?,
        )?;
        kwargs.set_item(
            "default_query",
            PyDict::from_sequence(&c.default_query().into_pyobject(py)?)?,
        )?;
        kwargs.set_item("proxy", proxy)?;
        kwargs.set_item(
            "ca_file",
            c.ca_file().map(|p| p.to_string_lossy().into_owned()),
        )?;
        let restore = py.import("openai_rs._client")?.getattr("_restore_native")?;
        (restore, (kwargs,)).into_pyobject(py)
    }

    fn __repr__(&self) -> String {
        let c = self.inner.config();
        format!(
            "Client(base_url={:?}, organization={:?}, project={:?}, max_retries={}, api_key='[REDACTED]')",
            c.base_url(),
            c.organization(),
            c.project(),
            c.max_retries()
        )
    }

    /// The API key, for the rare caller that must hand it to something else.
    fn expose_api_key(&self) -> String {
        self.inner.config().api_key().expose().to_owned()
    }

    /// The base URL, with a trailing slash (as the official client's `base_url`).
    #[getter]
    fn base_url(&self) -> String {
        format!("{}/", self.inner.config().base_url())
    }
    #[getter]
    fn organization(&self) -> Option<String> {
        self.inner.config().organization().map(str::to_owned)
    }
    #[getter]
    fn project(&self) -> Option<String> {
        self.inner.config().project().map(str::to_owned)
    }
    #[getter]
    fn max_retries(&self) -> u32 {
        self.inner.config().max_retries()
    }
    /// `(connect, request, stream_idle, total)` in seconds; `None` where a deadline is off.
    #[getter]
    fn timeouts(&self) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
        let t = self.inner.config().timeouts();
        let s = |d: Option<Duration>| d.map(|d| d.as_secs_f64());
        (s(t.connect), s(t.request), s(t.stream_idle), s(t.total))
    }

    // ---------------------------------------------------------------------------- sync endpoints

    #[pyo3(signature = (params, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None))]
    fn chat_completion<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyDict>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = self.chat_request(py, params)?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let r = self.run(py, self.inner.chat_completion_raw(&req, &opts))?;
        Reply::new(r, Root::ChatCompletion).to_py(py)
    }

    #[pyo3(signature = (params, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None))]
    fn chat_completion_stream(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyDict>,
        extra_headers: Option<&Bound<'_, PyDict>>,
        extra_query: Option<&Bound<'_, PyDict>>,
        extra_body: Option<&Bound<'_, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Stream> {
        let req = self.chat_request(py, params)?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let s = self.run(py, self.inner.chat_completion_stream(&req, &opts))?;
        Ok(Stream::new(s, self.inner.clone()))
    }

    #[pyo3(signature = (params, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None))]
    fn images_generate<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyDict>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: ImageGenerationRequest = self.typed(py, params, "image generation")?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let r = self.run(py, self.inner.images_generate(&req, &opts))?;
        Reply::new(r, Root::ImagesResponse).to_py(py)
    }

    #[pyo3(signature = (params, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None))]
    fn embeddings<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyDict>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: EmbeddingRequest = self.typed(py, params, "embeddings")?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let r = self.run(py, self.inner.embeddings_raw(&req, &opts))?;
        Reply::new(r, Root::CreateEmbeddingResponse).to_py(py)
    }

    #[pyo3(signature = (extra_headers=None, extra_query=None, timeout=None, max_retries=None))]
    fn models_list<'py>(
        &self,
        py: Python<'py>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = request_options(extra_headers, extra_query, None, timeout, max_retries)?;
        let r = self.run(py, self.inner.models_list(&opts))?;
        Reply::new(r, Root::ModelsPage).to_py(py)
    }

    #[pyo3(signature = (model, extra_headers=None, extra_query=None, timeout=None, max_retries=None))]
    fn models_retrieve<'py>(
        &self,
        py: Python<'py>,
        model: &str,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = request_options(extra_headers, extra_query, None, timeout, max_retries)?;
        let r = self.run(py, self.inner.models_retrieve(model, &opts))?;
        Reply::new(r, Root::Model).to_py(py)
    }

    /// Any endpoint: `method` `path` (relative to the base URL), JSON body in, response object out.
    #[pyo3(signature = (method, path, body=None, extra_headers=None, extra_query=None, timeout=None, max_retries=None))]
    fn request<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        path: &str,
        body: Option<&Bound<'py, PyAny>>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let method = openai_core::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| PyValueError::new_err(format!("invalid HTTP method {method:?}")))?;
        let body = body.filter(|b| !b.is_none()).map(py_to_json).transpose()?;
        let opts = request_options(extra_headers, extra_query, None, timeout, max_retries)?;
        let r = self.run(py, self.inner.request_json(method, path, body, &opts))?;
        Reply::new(r, Root::Any).to_py(py)
    }

    // --------------------------------------------------------------------------- async endpoints

    #[pyo3(signature = (params, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None))]
    fn achat_completion<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyDict>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = self.chat_request(py, params)?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let c = self.inner.clone();
        let fut = async move { c.chat_completion_raw(&req, &opts).await };
        self.spawn(py, fut, |r| {
            Outcome::Reply(Reply::new(r, Root::ChatCompletion))
        })
    }

    #[pyo3(signature = (params, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None))]
    fn achat_completion_stream<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyDict>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = self.chat_request(py, params)?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let c = self.inner.clone();
        let c2 = self.inner.clone();
        let fut = async move { c.chat_completion_stream(&req, &opts).await };
        self.spawn(py, fut, move |s| Outcome::Stream(AsyncStream::new(s, c2)))
    }

    #[pyo3(signature = (params, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None))]
    fn aimages_generate<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyDict>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: ImageGenerationRequest = self.typed(py, params, "image generation")?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let c = self.inner.clone();
        let fut = async move { c.images_generate(&req, &opts).await };
        self.spawn(py, fut, |r| {
            Outcome::Reply(Reply::new(r, Root::ImagesResponse))
        })
    }

    #[pyo3(signature = (params, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None))]
    fn aembeddings<'py>(
        &self,
        py: Python<'py>,
        params: &Bound<'py, PyDict>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: EmbeddingRequest = self.typed(py, params, "embeddings")?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let c = self.inner.clone();
        let fut = async move { c.embeddings_raw(&req, &opts).await };
        self.spawn(py, fut, |r| {
            Outcome::Reply(Reply::new(r, Root::CreateEmbeddingResponse))
        })
    }

    #[pyo3(signature = (extra_headers=None, extra_query=None, timeout=None, max_retries=None))]
    fn amodels_list<'py>(
        &self,
        py: Python<'py>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = request_options(extra_headers, extra_query, None, timeout, max_retries)?;
        let c = self.inner.clone();
        let fut = async move { c.models_list(&opts).await };
        self.spawn(py, fut, |r| Outcome::Reply(Reply::new(r, Root::ModelsPage)))
    }

    #[pyo3(signature = (model, extra_headers=None, extra_query=None, timeout=None, max_retries=None))]
    fn amodels_retrieve<'py>(
        &self,
        py: Python<'py>,
        model: String,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = request_options(extra_headers, extra_query, None, timeout, max_retries)?;
        let c = self.inner.clone();
        let fut = async move { c.models_retrieve(&model, &opts).await };
        self.spawn(py, fut, |r| Outcome::Reply(Reply::new(r, Root::Model)))
    }
}
