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
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde_json::Value;

use crate::aio::future_into_py;
use crate::convert::{Root, json_to_py, kwargs_to_json, py_to_json};
use crate::download::Download;
use crate::endpoints;
use crate::errors::to_pyerr;
use crate::runtime::block;
use crate::stream::{AsyncStream, Source, Stream};

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
    azure: Option<&'a Bound<'py, PyDict>>,
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

/// A `str` or a pickled `Secret`.
fn secret_str(v: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    match v.cast::<Secret>() {
        Ok(secret) => Ok(secret.get().value.clone()),
        Err(_) => v
            .extract::<String>()
            .map_err(|_| PyTypeError::new_err(format!("{name} must be a str"))),
    }
}

fn apply(mut b: ClientBuilder, s: &Settings<'_, '_>) -> PyResult<ClientBuilder> {
    if let Some(k) = s.api_key {
        b = b.api_key(secret_str(k, "api_key")?);
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
    if let Some(az) = s.azure {
        b = azure(b.azure(), az)?;
    }
    Ok(b)
}

/// The `azure={...}` settings of `AzureOpenAI`: endpoint, deployment, api_version, ad_token and
/// token_per_request, each optional.
fn azure(mut b: ClientBuilder, az: &Bound<'_, PyDict>) -> PyResult<ClientBuilder> {
    for (k, v) in az.iter() {
        if v.is_none() {
            continue;
        }
        let key: String = k.extract()?;
        b = match key.as_str() {
            "endpoint" => b.azure_endpoint(v.extract::<String>()?),
            "deployment" => b.azure_deployment(v.extract::<String>()?),
            "api_version" => b.api_version(v.extract::<String>()?),
            "ad_token" => b.azure_ad_token(secret_str(&v, "azure_ad_token")?),
            "token_per_request" if v.is_truthy()? => b.azure_ad_token_per_request(),
            "token_per_request" => b,
            other => {
                return Err(PyTypeError::new_err(format!(
                    "unknown azure setting {other:?}"
                )));
            }
        };
    }
    Ok(b)
}

/// The Azure settings that rebuild `c`, for pickling; the credential is set by the caller.
fn azure_settings<'py>(
    py: Python<'py>,
    c: &openai_core::ClientConfig,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    use openai_core::AuthStyle;
    if !c.is_azure() {
        return Ok(None);
    }
    let d = PyDict::new(py);
    if let Some(dep) = c.azure_deployment() {
        // A fixed deployment only comes with an endpoint, which the base URL extends by /openai.
        d.set_item("endpoint", c.base_url().trim_end_matches("/openai"))?;
        d.set_item("deployment", dep)?;
    }
    if let Some((_, v)) = c.default_query().iter().find(|(k, _)| k == "api-version") {
        d.set_item("api_version", v)?;
    }
    match c.auth_style() {
        AuthStyle::Bearer => {
            let token = Secret {
                value: c.api_key().expose().to_owned(),
            };
            d.set_item("ad_token", Bound::new(py, token)?)?
        }
        AuthStyle::PerRequest => d.set_item("token_per_request", true)?,
        AuthStyle::ApiKeyHeader => {}
    }
    Ok(Some(d))
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
    /// Kept only for a raw reply (`with_raw_response`).
    meta: Option<Meta>,
}

/// What a raw reply adds to the object: status, headers and retries taken.
struct Meta {
    status: u16,
    headers: Vec<(String, String)>,
    retries: u32,
}

/// Response headers as `(name, value)` pairs in arrival order (repeated names kept); values that
/// are not UTF-8 are decoded lossily.
pub(crate) fn header_pairs<'a, K, V>(
    h: impl Iterator<Item = (&'a K, &'a V)>,
) -> Vec<(String, String)>
where
    K: AsRef<str> + 'a,
    V: AsRef<[u8]> + 'a,
{
    h.map(|(k, v)| {
        let v = String::from_utf8_lossy(v.as_ref()).into_owned();
        (k.as_ref().to_owned(), v)
    })
    .collect()
}

impl Reply {
    pub(crate) fn new<T>(r: openai_core::Response<T>, root: Root) -> Self {
        Reply::with_meta(r, root, false)
    }

    /// With `raw`, the Python value is `(status, headers, body bytes, object, retries taken)`.
    pub(crate) fn with_meta<T>(r: openai_core::Response<T>, root: Root, raw: bool) -> Self {
        Reply {
            meta: raw.then(|| Meta {
                status: r.status,
                headers: header_pairs(r.headers.iter()),
                retries: r.retries_taken,
            }),
            raw: r.raw,
            request_id: r.request_id,
            root,
        }
    }

    pub(crate) fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let obj = self.object(py)?;
        match &self.meta {
            None => Ok(obj),
            Some(m) => {
                let body = pyo3::types::PyBytes::new(py, &self.raw);
                (m.status, m.headers.clone(), body, obj, m.retries)
                    .into_pyobject(py)
                    .map(Bound::into_any)
            }
        }
    }

    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if self.raw.iter().all(u8::is_ascii_whitespace) {
            // An empty answer (204, or an operation that answers nothing).
            return Ok(py.None().into_bound(py));
        }
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
    Download(Download),
    Err(openai_core::Error),
}

impl<'py> IntoPyObject<'py> for Outcome {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Outcome::Reply(r) => r.to_py(py),
            Outcome::Stream(s) => Ok(Bound::new(py, s)?.into_any()),
            Outcome::Download(d) => Ok(Bound::new(py, d)?.into_any()),
            Outcome::Err(e) => Err(to_pyerr(py, &e)),
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
        to_pyerr(py, e)
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
        future_into_py(py, async move {
            Ok(match fut.await {
                Ok(v) => done(v),
                Err(e) => Outcome::Err(e),
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
        ca_file=None, azure=None))]
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
        azure: Option<&Bound<'_, PyDict>>,
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
            azure,
        };
        let inner = apply(ClientBuilder::new(), &s)?
            .build()
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(Client { inner })
    }

    /// A new client with this one's settings, some of them replaced.
    #[pyo3(signature = (*, api_key=None, organization=None, project=None, base_url=None,
        timeout=None, connect_timeout=None, stream_idle_timeout=None, total_timeout=None,
        no_timeout=false, max_retries=None, default_headers=None, default_query=None, proxy=None,
        ca_file=None, azure=None))]
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
        azure: Option<&Bound<'_, PyDict>>,
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
            azure,
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
        let az = azure_settings(py, c)?;
        if c.auth_style() == openai_core::AuthStyle::ApiKeyHeader || !c.is_azure() {
            let secret = Secret {
                value: c.api_key().expose().to_owned(),
            };
            kwargs.set_item("api_key", Bound::new(py, secret)?)?;
        }
        kwargs.set_item("organization", c.organization())?;
        kwargs.set_item("project", c.project())?;
        if c.azure_deployment().is_none() {
            kwargs.set_item("base_url", c.base_url())?;
        }
        kwargs.set_item("azure", az)?;
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

    /// Replaces the credential sent from now on (a fresh Entra token, a rotated key).
    fn set_credential(&self, py: Python<'_>, token: &str) -> PyResult<()> {
        self.inner
            .set_credential(token)
            .map_err(|e| self.err(py, &e))
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
        Ok(Stream::new(s))
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

    /// `request` as an awaitable.
    #[pyo3(signature = (method, path, body=None, extra_headers=None, extra_query=None, timeout=None, max_retries=None))]
    fn arequest<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        path: String,
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
        let c = self.inner.clone();
        let fut = async move { c.request_json(method, &path, body, &opts).await };
        self.spawn(py, fut, |r| Outcome::Reply(Reply::new(r, Root::Any)))
    }

    // ------------------------------------------------------------------ any operation, by its id

    /// Any operation of the endpoint table by operation id: `path` and `query` as dicts, a JSON
    /// `body` (or its multipart fields when `files` is given: `(field, filename, bytes | path,
    /// content_type)` tuples); the answer built as `openai_rs.types.<cls>`.
    #[pyo3(signature = (op, path=None, query=None, body=None, files=None, cls=None, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None, raw=false))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        path: Option<&Bound<'py, PyDict>>,
        query: Option<&Bound<'py, PyDict>>,
        body: Option<&Bound<'py, PyAny>>,
        files: Option<&Bound<'py, PyList>>,
        cls: Option<&str>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
        raw: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (ep, call) = endpoints::prepare(op, path, query, body, files)?;
        let root = endpoints::root(cls)?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let r = self.run(py, self.inner.call_raw(ep, &call, &opts))?;
        Reply::with_meta(r, root, raw).to_py(py)
    }

    /// The method and URL of `call` with these arguments, sent nowhere (`http_request` of a raw
    /// answer).
    #[pyo3(signature = (op, path=None, query=None, body=None, files=None, extra_query=None))]
    fn request_line<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        path: Option<&Bound<'py, PyDict>>,
        query: Option<&Bound<'py, PyDict>>,
        body: Option<&Bound<'py, PyAny>>,
        files: Option<&Bound<'py, PyList>>,
        extra_query: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<(String, String)> {
        let (ep, call) = endpoints::prepare(op, path, query, body, files)?;
        let opts = request_options(None, extra_query, None, None, None)?;
        let (method, url) = self
            .inner
            .request_line(ep, &call, &opts)
            .map_err(|e| self.err(py, &e))?;
        Ok((method.to_string(), url.to_string()))
    }

    /// `call` as an awaitable.
    #[pyo3(signature = (op, path=None, query=None, body=None, files=None, cls=None, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None, raw=false))]
    fn acall<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        path: Option<&Bound<'py, PyDict>>,
        query: Option<&Bound<'py, PyDict>>,
        body: Option<&Bound<'py, PyAny>>,
        files: Option<&Bound<'py, PyList>>,
        cls: Option<&str>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
        raw: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (ep, call) = endpoints::prepare(op, path, query, body, files)?;
        let root = endpoints::root(cls)?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let c = self.inner.clone();
        let fut = async move { c.call_raw(ep, &call, &opts).await };
        self.spawn(py, fut, move |r| {
            Outcome::Reply(Reply::with_meta(r, root, raw))
        })
    }

    /// An operation that answers bytes (`downloadFile`, `createSpeech`): the live answer, read
    /// in chunks (arguments as for `call`).
    #[pyo3(signature = (op, path=None, query=None, body=None, files=None, aio=false, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None))]
    fn download<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        path: Option<&Bound<'py, PyDict>>,
        query: Option<&Bound<'py, PyDict>>,
        body: Option<&Bound<'py, PyAny>>,
        files: Option<&Bound<'py, PyList>>,
        aio: bool,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (ep, call) = endpoints::prepare(op, path, query, body, files)?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let c = self.inner.clone();
        let fut = async move { c.download(ep, &call, &opts).await };
        if aio {
            return self.spawn(py, fut, |d| Outcome::Download(Download::new(d)));
        }
        let d = self.run(py, fut)?;
        Ok(Bound::new(py, Download::new(d))?.into_any())
    }

    /// Any operation as an event stream (`stream=True`), each event built as `cls` (arguments
    /// as for `call`): a `Stream`, or with `aio` an awaitable of an `AsyncStream`.
    #[pyo3(signature = (op, path=None, query=None, body=None, files=None, cls=None, aio=false, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None))]
    fn call_stream<'py>(
        &self,
        py: Python<'py>,
        op: &str,
        path: Option<&Bound<'py, PyDict>>,
        query: Option<&Bound<'py, PyDict>>,
        body: Option<&Bound<'py, PyAny>>,
        files: Option<&Bound<'py, PyList>>,
        cls: Option<&str>,
        aio: bool,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (ep, call) = endpoints::prepare(op, path, query, body, files)?;
        let root = endpoints::root(cls)?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let c = self.inner.clone();
        let fut = async move { c.call_events(ep, &call, &opts).await };
        if aio {
            return self.spawn(py, fut, move |s| {
                Outcome::Stream(AsyncStream::new(Source::Events(s, root)))
            });
        }
        let s = self.run(py, fut)?;
        Ok(Bound::new(py, Stream::new(Source::Events(s, root)))?.into_any())
    }

    /// A responses stream (`responses.create(stream=True)`), events as `ResponseStreamEvent`.
    #[pyo3(signature = (body, aio=false, extra_headers=None, extra_query=None, extra_body=None, timeout=None, max_retries=None))]
    fn responses_stream<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyDict>,
        aio: bool,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req: openai_core::ResponsesRequest = self.typed(py, body, "responses")?;
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, max_retries)?;
        let c = self.inner.clone();
        if aio {
            let fut = async move { c.responses_stream(&req, &opts).await };
            return self.spawn(py, fut, |s| Outcome::Stream(AsyncStream::new(s)));
        }
        let s = self.run(py, c.responses_stream(&req, &opts))?;
        Ok(Bound::new(py, Stream::new(s))?.into_any())
    }

    /// Every page of a list operation (see `call` for the arguments).
    #[pyo3(signature = (op, path=None, query=None, cls=None, extra_headers=None, extra_query=None, timeout=None, max_retries=None))]
    fn pages(
        &self,
        op: &str,
        path: Option<&Bound<'_, PyDict>>,
        query: Option<&Bound<'_, PyDict>>,
        cls: Option<&str>,
        extra_headers: Option<&Bound<'_, PyDict>>,
        extra_query: Option<&Bound<'_, PyDict>>,
        timeout: Option<f64>,
        max_retries: Option<u32>,
    ) -> PyResult<endpoints::Pager> {
        let (ep, call) = endpoints::prepare(op, path, query, None, None)?;
        ep.render_path(&call)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.message().to_owned()))?;
        let opts = request_options(extra_headers, extra_query, None, timeout, max_retries)?;
        let pager = self.inner.pages(ep, call, &opts);
        Ok(endpoints::Pager::new(pager, endpoints::root(cls)?))
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
        let fut = async move { c.chat_completion_stream(&req, &opts).await };
        self.spawn(py, fut, |s| Outcome::Stream(AsyncStream::new(s)))
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
