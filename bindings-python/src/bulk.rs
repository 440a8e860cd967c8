//! `BulkRun`: the core's bulk runner (on a thread of its own) that Python watches.
//!
//! The run never calls into Python: progress is a snapshot Python reads when it wants (a bar
//! redraw every tenth of a second), and the end is a flag it waits on with the GIL released. So
//! sync and asyncio share one object, tokio threads never take the GIL, and Ctrl-C lands in
//! Python code between two short waits, where the wrapper cancels the run.
// Python keyword arguments map one to one onto parameters.
#![allow(clippy::too_many_arguments)]

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use openai_core::batch_api::{self, BatchApiOptions};
use openai_core::bulk::{self, BulkOptions, BulkProgress, BulkRequest, BulkSummary, Order};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMapping, PyString};

use crate::client::{Client, request_options};
use crate::convert::{Root, json_to_py, py_to_json};
use crate::errors::to_pyerr;

type Done = Option<openai_core::Result<BulkSummary>>;

struct Shared {
    progress: Mutex<BulkProgress>,
    done: Mutex<Done>,
    /// Set (under `done`'s lock) once the job's future is gone, finished or cancelled: from
    /// then on nothing of the run writes to the output.
    ended: std::sync::atomic::AtomicBool,
    finished: Condvar,
}

impl Shared {
    /// Waits until `ready` holds (at most `timeout`, if given; the condition variable is
    /// notified when the run ends) and says whether it does.
    fn wait_for(&self, timeout: Option<Duration>, ready: impl Fn(&Shared, &Done) -> bool) -> bool {
        let done = self.done.lock().unwrap_or_else(PoisonError::into_inner);
        let waiting = |d: &mut Done| !ready(self, d);
        let done = match timeout {
            Some(t) => {
                self.finished
                    .wait_timeout_while(done, t, waiting)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => self
                .finished
                .wait_while(done, waiting)
                .unwrap_or_else(PoisonError::into_inner),
        };
        ready(self, &done)
    }
}

/// Marks the run ended when the job's future is dropped, whichever way it ends.
struct Ended(Arc<Shared>);

impl Drop for Ended {
    fn drop(&mut self) {
        let _done = self.0.done.lock().unwrap_or_else(PoisonError::into_inner);
        self.0
            .ended
            .store(true, std::sync::atomic::Ordering::Release);
        self.0.finished.notify_all();
    }
}

/// A row's answer as received, built into its response object on first use
/// (`BulkResult.response`): a run of many rows whose caller reads a few of them, or only the
/// output file, does not pay for building every object.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct Answer {
    raw: bytes::Bytes,
    root: Root,
}

#[pymethods]
impl Answer {
    /// The response object (a new one on every call; `BulkResult` keeps the first).
    fn build<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.raw, self.root)
    }
}

/// A bulk run under way (see `openai_rs.OpenAI.bulk`).
#[pyclass(frozen, module = "openai_rs._native")]
pub struct BulkRun {
    shared: Arc<Shared>,
    abort: tokio::task::AbortHandle,
}

/// A run's rows: a file's read as the run takes them, a list's converted up front.
type Rows = Box<dyn Iterator<Item = openai_core::Result<BulkRequest>> + Send>;

fn rows_of(requests: &Bound<'_, PyAny>) -> PyResult<Rows> {
    if let Ok(path) = requests.cast::<PyString>() {
        let (py, path) = (requests.py(), path.to_str()?.to_owned());
        // The check reads the whole file: other Python threads run meanwhile.
        let lines = py
            .detach(|| bulk::open_requests(path))
            .map_err(|e| to_pyerr(py, &e))?;
        return Ok(Box::new(lines));
    }
    let mut rows = Vec::new();
    for item in requests.try_iter()? {
        let item = item?;
        // Any Mapping is a row (the stubs say so), read as the dict it holds.
        let item = match item.cast::<PyMapping>() {
            Ok(m) if !item.is_instance_of::<PyDict>() => {
                let d = PyDict::new(item.py());
                d.update(m)?;
                d.into_any()
            }
            _ => item,
        };
        if let Ok(d) = item.cast::<PyDict>()
            && let Some(row) = dict_row(d)?
        {
            rows.push(row);
            continue;
        }
        let row: BulkRequest = serde_json::from_value(py_to_json(&item)?).map_err(|e| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "request {} is not a Batch API line ({{\"custom_id\", \"method\", \"url\", \
                 \"body\"}}): {e}",
                rows.len()
            ))
        })?;
        rows.push(row);
    }
    Ok(Box::new(rows.into_iter().map(Ok)))
}

/// A dict row read field by field, without converting the whole dict first; `None` (a field
/// missing or of the wrong type) leaves it to the general path, which says what is wrong.
fn dict_row(d: &Bound<'_, PyDict>) -> PyResult<Option<BulkRequest>> {
    let text = |key: &str| -> PyResult<Option<Option<String>>> {
        Ok(match d.get_item(key)? {
            None => None,
            Some(v) => Some(match v.cast::<PyString>() {
                Ok(s) => Some(s.to_str()?.to_owned()),
                Err(_) => None,
            }),
        })
    };
    let (Some(Some(custom_id)), Some(Some(url)), Some(body)) =
        (text("custom_id")?, text("url")?, d.get_item("body")?)
    else {
        return Ok(None);
    };
    let method = match text("method")? {
        None => "POST".to_owned(),
        Some(Some(m)) => m,
        Some(None) => return Ok(None),
    };
    Ok(Some(BulkRequest {
        custom_id,
        method,
        url,
        body: py_to_json(&body)?,
    }))
}

fn progress_dict<'py>(py: Python<'py>, p: &BulkProgress) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("total", p.total)?;
    d.set_item("done", p.done)?;
    d.set_item("failed", p.failed)?;
    d.set_item("in_flight", p.in_flight)?;
    d.set_item("skipped", p.skipped)?;
    d.set_item("prompt_tokens", p.prompt_tokens)?;
    d.set_item("completion_tokens", p.completion_tokens)?;
    d.set_item("cost_usd", p.cost_usd)?;
    d.set_item("elapsed", p.elapsed.as_secs_f64())?;
    d.set_item("rows_per_sec", p.rows_per_sec)?;
    d.set_item("eta", p.eta.map(|e| e.as_secs_f64()))?;
    d.set_item("rate_limited", p.rate_limited)?;
    d.set_item("pauses", p.pauses)?;
    Ok(d)
}

fn root_for(url: &str) -> Root {
    let named = if url.ends_with("/responses") {
        "Response"
    } else if url.ends_with("/embeddings") {
        "CreateEmbeddingResponse"
    } else {
        "ChatCompletion"
    };
    Root::named(named).unwrap_or(Root::Any)
}

/// Where a running job leaves its progress for Python to read.
struct Sink(Arc<Shared>);

impl Sink {
    fn set(&self, p: &BulkProgress) {
        *self
            .0
            .progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = p.clone();
    }
}

impl BulkRun {
    /// Runs the job `start` makes (given where to leave progress) on the shared runtime.
    fn spawn<F>(py: Python<'_>, start: impl FnOnce(Sink) -> F) -> PyResult<BulkRun>
    where
        F: std::future::Future<Output = openai_core::Result<BulkSummary>> + Send + 'static,
    {
        let shared = Arc::new(Shared {
            progress: Mutex::new(BulkProgress::default()),
            done: Mutex::new(None),
            ended: std::sync::atomic::AtomicBool::new(false),
            finished: Condvar::new(),
        });
        let rt = openai_core::blocking::runtime().map_err(|e| to_pyerr(py, &e))?;
        let job = start(Sink(shared.clone()));
        let s = shared.clone();
        // Made here and moved in, so it is dropped with the future even if the task is aborted
        // before its first poll (a future never polled never runs its body).
        let ended = Ended(shared.clone());
        let task = rt.spawn(async move {
            // Bound first, so dropped after the job when the task is aborted mid-run.
            let _ended = ended;
            let out = job.await;
            *s.done.lock().unwrap_or_else(PoisonError::into_inner) = Some(out);
        });
        Ok(BulkRun {
            shared,
            abort: task.abort_handle(),
        })
    }
}

#[pymethods]
impl BulkRun {
    /// Starts a run: `requests` a list of Batch API lines (dicts) or the path of a JSONL file.
    #[new]
    #[pyo3(signature = (client, requests, output=None, *, concurrency=16, rpm=None, tpm=None,
        max_cost=None, max_retries=None, input_order=false, collect=true, extra_headers=None,
        extra_query=None, timeout=None))]
    fn new(
        py: Python<'_>,
        client: &Bound<'_, Client>,
        requests: &Bound<'_, PyAny>,
        output: Option<std::path::PathBuf>,
        concurrency: usize,
        rpm: Option<u64>,
        tpm: Option<u64>,
        max_cost: Option<f64>,
        max_retries: Option<u32>,
        input_order: bool,
        collect: bool,
        extra_headers: Option<&Bound<'_, PyDict>>,
        extra_query: Option<&Bound<'_, PyDict>>,
        timeout: Option<f64>,
    ) -> PyResult<BulkRun> {
        let rows = rows_of(requests)?;
        let opts = BulkOptions {
            max_concurrency: concurrency,
            rpm,
            tpm,
            max_cost_usd: max_cost,
            max_retries,
            output,
            order: if input_order {
                Order::Input
            } else {
                Order::Completed
            },
            collect,
            request_options: request_options(extra_headers, extra_query, None, timeout, None)?,
            prices: None,
        };
        let c = client.get().inner.clone();
        BulkRun::spawn(py, move |sink| async move {
            bulk::run_on_own_thread(&c, rows, &opts, |_| {}, move |p| sink.set(p))?.await
        })
    }

    /// Starts a run through the Batch API (files uploaded, batches created and polled, answers
    /// joined back in input order); `state_file` keeps the batch ids so a later run resumes them.
    #[staticmethod]
    #[pyo3(signature = (client, requests, *, state_file=None, poll_interval=30.0,
        completion_window=None, max_lines=50_000,
        max_bytes=209_715_200, extra_headers=None, extra_query=None, timeout=None))]
    fn batch_api(
        py: Python<'_>,
        client: &Bound<'_, Client>,
        requests: &Bound<'_, PyAny>,
        state_file: Option<std::path::PathBuf>,
        poll_interval: f64,
        completion_window: Option<String>,
        max_lines: usize,
        max_bytes: u64,
        extra_headers: Option<&Bound<'_, PyDict>>,
        extra_query: Option<&Bound<'_, PyDict>>,
        timeout: Option<f64>,
    ) -> PyResult<BulkRun> {
        let rows = rows_of(requests)?;
        let poll_interval = Duration::try_from_secs_f64(poll_interval).map_err(|_| {
            pyo3::exceptions::PyValueError::new_err(
                "poll_interval must be a number of seconds >= 0",
            )
        })?;
        let opts = BatchApiOptions {
            state_file,
            poll_interval,
            completion_window: completion_window.unwrap_or_else(|| "24h".to_owned()),
            max_lines,
            max_bytes,
            request_options: request_options(extra_headers, extra_query, None, timeout, None)?,
            prices: None,
        };
        let c = client.get().inner.clone();
        BulkRun::spawn(py, move |sink| async move {
            batch_api::run(&c, rows, &opts, |p| sink.set(p)).await
        })
    }

    /// Waits up to `timeout` seconds (GIL released); True once the run has ended.
    fn wait(&self, py: Python<'_>, timeout: f64) -> bool {
        let t = Duration::from_secs_f64(timeout.clamp(0.0, 3600.0));
        py.detach(|| self.shared.wait_for(Some(t), |_, done| done.is_some()))
    }

    /// True once the run has ended (or was cancelled).
    #[getter]
    fn done(&self) -> bool {
        self.abort.is_finished() || self.shared.done.lock().is_ok_and(|d| d.is_some())
    }

    /// Where the run is: a dict of counters (see `BulkProgress` in the core).
    fn progress<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = self
            .shared
            .progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        progress_dict(py, &p)
    }

    /// Stops the run and returns once it has stopped (GIL released): requests in flight are
    /// dropped, finished rows are already in the output, and nothing more is written to it.
    fn cancel(&self, py: Python<'_>) {
        self.abort.abort();
        py.detach(|| {
            self.shared.wait_for(None, |s, _| {
                s.ended.load(std::sync::atomic::Ordering::Acquire)
            })
        });
    }

    /// The outcome, once: `(rows, summary)`, each row `(index, custom_id, answer, error,
    /// status_code, request_id, retries)` with `answer` an `Answer` (or None for a failed row). Raises the run's error if it failed as a whole.
    fn result<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyDict>)> {
        let taken = self
            .shared
            .done
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let summary = match taken {
            None => {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(
                    "the bulk run has not finished (or its result was already taken)",
                ));
            }
            Some(r) => r.map_err(|e| to_pyerr(py, &e))?,
        };
        let rows = PyList::empty(py);
        for r in &summary.results {
            let row = match &r.outcome {
                Ok(a) => {
                    let answer = Answer {
                        raw: a.raw.clone(),
                        root: root_for(&r.url),
                    };
                    let obj = Bound::new(py, answer)?.into_any();
                    (
                        r.index,
                        &r.custom_id,
                        obj,
                        py.None().into_bound(py),
                        a.status_code,
                        a.request_id.clone(),
                        r.retries,
                    )
                }
                Err(e) => (
                    r.index,
                    &r.custom_id,
                    py.None().into_bound(py),
                    to_pyerr(py, e).into_value(py).into_bound(py).into_any(),
                    e.status().unwrap_or(0),
                    e.request_id().map(str::to_owned),
                    r.retries,
                ),
            };
            rows.append(row)?;
        }
        let d = progress_dict(
            py,
            &self
                .shared
                .progress
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )?;
        d.set_item("ok", summary.ok)?;
        d.set_item("failed", summary.failed)?;
        d.set_item("skipped", summary.skipped)?;
        d.set_item("not_run", summary.not_run)?;
        d.set_item("prompt_tokens", summary.prompt_tokens)?;
        d.set_item("completion_tokens", summary.completion_tokens)?;
        d.set_item("cost_usd", summary.cost_usd)?;
        d.set_item("elapsed", summary.elapsed.as_secs_f64())?;
        d.set_item("rate_limited", summary.rate_limited)?;
        d.set_item("pauses", summary.pauses)?;
        Ok((rows, d))
    }
}

impl Drop for BulkRun {
    fn drop(&mut self) {
        // A run nobody can watch any more is stopped (its finished rows are in the output).
        self.abort.abort();
    }
}
