//! `Conversation`, its streams and `count_tokens`: the core's conversation behind
//! `openai_rs.Conversation` / `AsyncConversation` (`openai_rs/_conversation.py`).
//!
//! The core conversation sits behind a `Mutex` that is held only for in-memory steps, never while
//! a request is in flight: a call is prepared under the lock, sent with the lock (and, for sync
//! calls, the GIL) released, then committed under the lock. A commit onto a history that changed
//! meanwhile is refused by the core rather than interleaving two turns. Nothing that holds this
//! lock ever waits for the GIL, so taking it with the GIL held cannot deadlock.

// The methods mirror Python signatures: one parameter per keyword argument.
#![allow(clippy::too_many_arguments)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::FutureExt;
use openai_core::blocking::poll_once;
use openai_core::conversation::PreparedTurn;
use openai_core::tokens::{Encoding, TokenCounter};
use openai_core::{Content, ContentPart, Error, ErrorKind, Message, SharedTurnStream};
use pyo3::exceptions::{PyRuntimeError, PyStopAsyncIteration};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde::Serialize;

use crate::aio::future_into_py;
use crate::client::{Client, request_options};
use crate::convert::{Root, json_to_py, kwargs_to_json, py_to_json};
use crate::errors::to_pyerr;
use crate::runtime::{ReadyAwaitable, now_or_wait, wait_detached, with_async_lock};

type Core = openai_core::Conversation;
type Shared = openai_core::SharedConversation;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The Python exception for a core error (the core scrubbed the key from it).
fn err(py: Python<'_>, e: Error) -> PyErr {
    to_pyerr(py, &e)
}

fn encode<T: Serialize + ?Sized>(v: &T) -> openai_core::Result<Vec<u8>> {
    serde_json::to_vec(v)
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot encode: {e}")))
}

fn to_py<'py, T: Serialize>(py: Python<'py>, v: &T, root: Root) -> PyResult<Bound<'py, PyAny>> {
    json_to_py(py, &encode(v).map_err(|e| err(py, e))?, root)
}

/// Message content: a `str`, or a list of content parts (text, images, ...).
fn content(obj: &Bound<'_, PyAny>) -> PyResult<Content> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Content::Text(s.to_str()?.to_owned()));
    }
    serde_json::from_value::<Vec<ContentPart>>(py_to_json(obj)?)
        .map(Content::Parts)
        .map_err(|e| {
            let msg = format!("content must be a str or a list of content parts: {e}");
            err(obj.py(), Error::new(ErrorKind::InvalidArgument, msg))
        })
}

/// What a turn adds before the reply: a user message, or nothing (`None`: ask again from the
/// history as it is, e.g. after pushing tool results).
fn input(content_or_none: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Message>> {
    match content_or_none.filter(|c| !c.is_none()) {
        Some(c) => Ok(vec![Message::user(content(c)?)]),
        None => Ok(Vec::new()),
    }
}

/// The native conversation. See `openai_rs.Conversation` for the documented surface.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct Conversation {
    inner: Shared,
}

impl Conversation {
    fn wrap(c: Core) -> Self {
        Conversation {
            inner: Arc::new(Mutex::new(c)),
        }
    }

    /// Part of the conversation as Python objects: encoded under the lock, turned into objects
    /// after it (building objects can run Python code, which may switch threads).
    fn view<'py, T: Serialize + ?Sized>(
        &self,
        py: Python<'py>,
        part: impl FnOnce(&Core) -> &T,
        root: Root,
    ) -> PyResult<Bound<'py, PyAny>> {
        let raw = encode(part(&lock(&self.inner))).map_err(|e| err(py, e))?;
        json_to_py(py, &raw, root)
    }

    /// Validates the turn, fits the history into the window and checks the budget (under the
    /// lock, briefly); nothing is sent or changed yet.
    fn prepare_in(
        &self,
        py: Python<'_>,
        content: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PreparedTurn> {
        let input = input(content)?;
        let turn = lock(&self.inner).prepare(input);
        turn.map_err(|e| err(py, e))
    }
}

#[pymethods]
impl Conversation {
    #[new]
    fn new(model: &str) -> Self {
        Conversation::wrap(Core::new(model))
    }

    /// Merges request parameters (temperature, max_tokens, tools, ...); `None` removes one.
    fn set_params(&self, py: Python<'_>, params: &Bound<'_, PyDict>) -> PyResult<()> {
        let params = kwargs_to_json(params)?;
        lock(&self.inner)
            .set_params_json(params)
            .map_err(|e| err(py, e))
    }

    /// The request parameters sent with every call (the model included, not the history).
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut v = serde_json::to_value(lock(&self.inner).request())
            .map_err(|e| err(py, Error::new(ErrorKind::Internal, e.to_string())))?;
        if let Some(m) = v.as_object_mut() {
            m.remove("messages");
        }
        to_py(py, &v, Root::Any)
    }

    /// The settings as saved (overrides only).
    #[getter]
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.view(py, Core::settings, Root::Any)
    }

    #[getter]
    fn model(&self) -> String {
        lock(&self.inner).model().to_owned()
    }
    #[setter]
    fn set_model(&self, model: &str) {
        lock(&self.inner).set_model(model);
    }

    /// The context window used for trimming (the override, else the model's; `None` unknown).
    #[getter]
    fn context_window(&self) -> Option<u64> {
        lock(&self.inner).context_window()
    }
    #[setter]
    fn set_context_window(&self, tokens: Option<u64>) {
        lock(&self.inner).settings_mut().context_window = tokens;
    }

    /// Tokens kept free for the reply.
    #[getter]
    fn reserve_output_tokens(&self) -> u64 {
        lock(&self.inner).reserved_output_tokens()
    }
    #[setter]
    fn set_reserve_output_tokens(&self, tokens: Option<u64>) {
        lock(&self.inner).settings_mut().reserve_output_tokens = tokens;
    }

    #[getter]
    fn budget_usd(&self) -> Option<f64> {
        lock(&self.inner).settings().budget_usd
    }
    #[setter]
    fn set_budget_usd(&self, usd: Option<f64>) {
        lock(&self.inner).settings_mut().budget_usd = usd;
    }

    /// `"chat.completions"` (the default) or `"responses"`: the API the turns go over.
    #[getter]
    fn api(&self) -> &'static str {
        match lock(&self.inner).settings().use_responses_api {
            true => "responses",
            false => "chat.completions",
        }
    }
    #[setter]
    fn set_api(&self, api: &str) -> PyResult<()> {
        let responses = match api {
            "responses" => true,
            "chat.completions" | "chat" => false,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "api must be \"chat.completions\" or \"responses\", not {other:?}"
                )));
            }
        };
        lock(&self.inner).settings_mut().use_responses_api = responses;
        Ok(())
    }

    /// The tokenizer in use (`o200k_base` or `cl100k_base`).
    #[getter]
    fn encoding(&self) -> &'static str {
        lock(&self.inner).token_counter().encoding().name()
    }
    #[setter]
    fn set_encoding(&self, py: Python<'_>, name: Option<&str>) -> PyResult<()> {
        let e = name
            .map(Encoding::from_name)
            .transpose()
            .map_err(|e| err(py, e))?;
        lock(&self.inner).settings_mut().encoding = e;
        Ok(())
    }

    /// Adds prices from a JSON file over the built-in table.
    fn load_prices(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        lock(&self.inner).load_prices(path).map_err(|e| err(py, e))
    }

    #[getter]
    fn messages<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.view(py, Core::messages, Root::Any)
    }

    #[getter]
    fn usage<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.view(py, Core::usage, Root::ConversationUsage)
    }

    #[getter]
    fn last_call<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let report = lock(&self.inner).last_call().cloned();
        report.map(|r| to_py(py, &r, Root::CallReport)).transpose()
    }

    /// The prompt tokens of the whole history (and tools) as it would be sent untrimmed.
    fn count_tokens(&self) -> u64 {
        lock(&self.inner).count_tokens()
    }

    /// Appends a message of any role.
    fn push(&self, py: Python<'_>, message: &Bound<'_, PyAny>) -> PyResult<()> {
        let m = Message::from_json(py_to_json(message)?).map_err(|e| err(py, e))?;
        lock(&self.inner).push(m).map_err(|e| err(py, e))
    }

    fn set_system(&self, text: &Bound<'_, PyAny>) -> PyResult<()> {
        let c = content(text)?;
        lock(&self.inner).set_system(c);
        Ok(())
    }

    /// Removes the last turn; returns the removed messages.
    fn undo<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let removed = lock(&self.inner).undo();
        to_py(py, &removed, Root::Any)
    }

    fn clear(&self) {
        lock(&self.inner).clear();
    }

    /// An independent branch.
    fn copy(&self) -> Self {
        Conversation::wrap(lock(&self.inner).clone())
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        lock(&self.inner).to_json().map_err(|e| err(py, e))
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        Core::from_json(json)
            .map(Conversation::wrap)
            .map_err(|e| err(py, e))
    }

    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let snapshot = lock(&self.inner).clone();
        py.detach(|| snapshot.save(path)).map_err(|e| err(py, e))
    }

    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        py.detach(|| Core::load(path))
            .map(Conversation::wrap)
            .map_err(|e| err(py, e))
    }

    /// Sends a turn and commits it with its reply (the GIL and the lock released meanwhile).
    #[pyo3(signature = (client, content=None, extra_headers=None, extra_query=None, extra_body=None, timeout=None))]
    fn send<'py>(
        &self,
        py: Python<'py>,
        client: &Bound<'py, Client>,
        content: Option<&Bound<'py, PyAny>>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = client.get();
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, None)?;
        let turn = self.prepare_in(py, content)?;
        let done = c.run(py, turn.send(&c.inner, &opts))?;
        let result = lock(&self.inner).commit(done).map_err(|e| c.err(py, &e))?;
        to_py(py, &result, Root::ConversationReply)
    }

    /// Starts a streamed turn (the request is sent now); see `ConversationStream`.
    #[pyo3(signature = (client, content=None, extra_headers=None, extra_query=None, extra_body=None, timeout=None))]
    fn stream<'py>(
        &self,
        py: Python<'py>,
        client: &Bound<'py, Client>,
        content: Option<&Bound<'py, PyAny>>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
    ) -> PyResult<ConversationStream> {
        let c = client.get();
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, None)?;
        let turn = self.prepare_in(py, content)?;
        let mut driver = SharedTurnStream::new(turn, opts, self.inner.clone(), c.inner.clone());
        c.run(py, driver.start())?;
        Ok(ConversationStream {
            request_id: driver
                .chat_stream()
                .and_then(|s| s.request_id())
                .map(str::to_owned),
            driver: Mutex::new(driver),
        })
    }

    /// `send` as an asyncio awaitable; the commit happens when the reply arrives.
    #[pyo3(signature = (client, content=None, extra_headers=None, extra_query=None, extra_body=None, timeout=None))]
    fn asend<'py>(
        &self,
        py: Python<'py>,
        client: &Bound<'py, Client>,
        content: Option<&Bound<'py, PyAny>>,
        extra_headers: Option<&Bound<'py, PyDict>>,
        extra_query: Option<&Bound<'py, PyDict>>,
        extra_body: Option<&Bound<'py, PyDict>>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, None)?;
        let turn = self.prepare_in(py, content)?;
        let (conv, c) = (self.inner.clone(), client.get().inner.clone());
        crate::logbridge::refresh(py)?;
        future_into_py(py, async move {
            let result = match turn.send(&c, &opts).await {
                Ok(done) => lock(&conv).commit(done),
                Err(e) => Err(e),
            };
            Ok(Ready::from(result.and_then(|r| encode(&r)).map(Some)))
        })
    }

    /// A streamed turn for `async for`; the request is sent at the first `__anext__`.
    #[pyo3(signature = (client, content=None, extra_headers=None, extra_query=None, extra_body=None, timeout=None))]
    fn astream(
        &self,
        py: Python<'_>,
        client: &Bound<'_, Client>,
        content: Option<&Bound<'_, PyAny>>,
        extra_headers: Option<&Bound<'_, PyDict>>,
        extra_query: Option<&Bound<'_, PyDict>>,
        extra_body: Option<&Bound<'_, PyDict>>,
        timeout: Option<f64>,
    ) -> PyResult<AsyncConversationStream> {
        let c = client.get();
        let opts = request_options(extra_headers, extra_query, extra_body, timeout, None)?;
        let turn = self.prepare_in(py, content)?;
        let driver = SharedTurnStream::new(turn, opts, self.inner.clone(), c.inner.clone());
        Ok(AsyncConversationStream {
            driver: Arc::new(tokio::sync::Mutex::new(driver)),
        })
    }
}

// ================================================================================================
// Streams
// ================================================================================================

/// Reads a shared turn to its end: the committed reply as JSON, `None` if it was closed first.
async fn finish(d: &mut SharedTurnStream) -> openai_core::Result<Option<Vec<u8>>> {
    d.finish().await?.map(encode).transpose()
}

/// A synchronous streamed turn: iterating yields the reply's text deltas (`str`); when the
/// stream completes, the user message and the reply are appended to the conversation, once.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct ConversationStream {
    driver: Mutex<SharedTurnStream>,
    request_id: Option<String>,
}

impl ConversationStream {
    fn err(&self, py: Python<'_>, e: Error) -> PyErr {
        err(py, e)
    }

    /// Runs a step on the turn (see `now_or_wait`).
    fn step<T: Send + 'static>(
        &self,
        py: Python<'_>,
        f: impl for<'a> Fn(
            &'a mut SharedTurnStream,
        ) -> futures_util::future::BoxFuture<'a, openai_core::Result<T>>
        + Send
        + Sync,
    ) -> PyResult<T> {
        now_or_wait(
            py,
            &self.driver,
            // Never a start: one begun and abandoned might have reached the server.
            |d| d.is_started().then(|| poll_once(f(d))).flatten().map(Ok),
            |d| wait_detached(f(d)).map(|r| r.and_then(|inner| inner)),
        )?
        .map_err(|e| self.err(py, e))
    }
}

#[pymethods]
impl ConversationStream {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.step(py, |d| d.next_text().boxed())
    }

    /// Closes the connection; nothing is appended unless the reply had completed.
    fn close(&self, py: Python<'_>) {
        py.detach(|| lock(&self.driver).close());
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

    /// The committed reply once the stream completed, else `None`.
    #[getter]
    fn reply<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let reply = py.detach(|| lock(&self.driver).result().cloned());
        reply
            .map(|r| to_py(py, &r, Root::ConversationReply))
            .transpose()
    }

    /// Reads the rest of the stream and returns the committed reply.
    fn get_final_reply<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.step(py, |d| finish(d).boxed())? {
            Some(raw) => json_to_py(py, &raw, Root::ConversationReply),
            None => Err(closed()),
        }
    }
}

fn closed() -> PyErr {
    PyRuntimeError::new_err(
        "the stream was closed before the reply completed; nothing was added to the conversation",
    )
}

/// An async result, turned into Python on the event loop's thread.
enum Ready {
    Text(String),
    /// The end of iteration.
    End,
    /// A committed reply (JSON), or `None`: the stream was closed before it completed.
    Reply(Option<Vec<u8>>),
    Err(Error),
}

impl Ready {
    fn step(r: openai_core::Result<Option<String>>) -> Self {
        match r {
            Ok(Some(t)) => Ready::Text(t),
            Ok(None) => Ready::End,
            Err(e) => Ready::Err(e),
        }
    }

    fn from(r: openai_core::Result<Option<Vec<u8>>>) -> Self {
        match r {
            Ok(raw) => Ready::Reply(raw),
            Err(e) => Ready::Err(e),
        }
    }
}

impl<'py> IntoPyObject<'py> for Ready {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Ready::Text(t) => Ok(PyString::new(py, &t).into_any()),
            Ready::End => Err(PyStopAsyncIteration::new_err(())),
            Ready::Reply(Some(raw)) => json_to_py(py, &raw, Root::ConversationReply),
            Ready::Reply(None) => Err(closed()),
            Ready::Err(e) => Err(to_pyerr(py, &e)),
        }
    }
}

type AsyncDriver = Arc<tokio::sync::Mutex<SharedTurnStream>>;

/// An asynchronous streamed turn: `async for` yields the reply's text deltas; the request is sent
/// at the first step. Committed once, when the stream completes.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct AsyncConversationStream {
    driver: AsyncDriver,
}

impl AsyncConversationStream {
    /// The next step if it is ready without waiting (the next delta is often already buffered):
    /// no trip through the event loop then. Only once the request is under way, so a start is
    /// never begun and abandoned.
    fn poll_now(&self) -> Option<Ready> {
        let mut d = self.driver.try_lock().ok()?;
        if !d.is_started() {
            return None;
        }
        let rt = openai_core::blocking::runtime().ok()?;
        let _guard = rt.enter();
        let step = d.next_text().now_or_never()?;
        Some(Ready::step(step))
    }
}

#[pymethods]
impl AsyncConversationStream {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(ready) = self.poll_now() {
            let obj = ready.into_pyobject(py)?.unbind();
            return ReadyAwaitable::ready(py, obj);
        }
        let driver = self.driver.clone();
        future_into_py(py, async move {
            let step = driver.lock().await.next_text().await;
            Ok(Ready::step(step))
        })
    }

    /// Closes the connection (awaitable); nothing is appended unless the reply had completed.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        with_async_lock(py, &self.driver, SharedTurnStream::close)
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

    /// The committed reply once the stream completed, else `None` (also while a step runs).
    #[getter]
    fn reply<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let reply = self
            .driver
            .try_lock()
            .ok()
            .and_then(|d| d.result().cloned());
        reply
            .map(|r| to_py(py, &r, Root::ConversationReply))
            .transpose()
    }

    /// Reads the rest of the stream; the awaitable yields the committed reply.
    fn get_final_reply<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let driver = self.driver.clone();
        future_into_py(py, async move {
            Ok(Ready::from(finish(&mut *driver.lock().await).await))
        })
    }
}

// ================================================================================================
// Token counting
// ================================================================================================

/// Tokens of a `str` (no message overhead), or of a list of message dicts as the chat API bills
/// them (3 per message, the role, the content, 3 to prime the reply).
#[pyfunction]
#[pyo3(signature = (text_or_messages, model="gpt-4o-mini", encoding=None))]
pub(crate) fn count_tokens(
    py: Python<'_>,
    text_or_messages: &Bound<'_, PyAny>,
    model: &str,
    encoding: Option<&str>,
) -> PyResult<u64> {
    let mut counter = TokenCounter::for_model(model);
    if let Some(name) = encoding {
        counter = counter.with_encoding(Encoding::from_name(name).map_err(|e| err(py, e))?);
    }
    if let Ok(s) = text_or_messages.cast::<PyString>() {
        return Ok(counter.count_text(s.to_str()?));
    }
    let messages =
        Message::list_from_json(py_to_json(text_or_messages)?).map_err(|e| err(py, e))?;
    Ok(counter.count_messages(&messages))
}
