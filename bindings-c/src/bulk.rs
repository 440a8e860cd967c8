//! The core's bulk runner from C: a Batch API input file in, a callback per finished row and a
//! progress callback, both on the calling thread, and a summary.
//!
//! The run is on a thread of its own (`bulk::run_on_own_thread`); it hands rows and progress to
//! the calling thread through a channel, so C callbacks never run on the library's threads and
//! may take their time.

use std::collections::VecDeque;
use std::ffi::{CString, c_char, c_void};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use openai_core::batch_api::{self, BatchApiOptions};
use openai_core::bulk::{self, BulkOptions, BulkProgress, BulkSummary, RowResult};
use openai_core::{Error, ErrorKind};
use serde_json::Value;

use crate::client::{cancel_arg, client_arg, openai_cancel_token, openai_client};
use crate::error::{FfiError, FfiResult, ffi_guard, openai_status};
use crate::stream::OPENAI_ITER_CONTINUE;
use crate::util::{c_string, str_arg};

/// One finished row, as `openai_client_bulk_run` hands it to its result callback. Every pointer
/// is borrowed and valid only during the callback.
#[repr(C)]
pub struct openai_bulk_result {
    /// The row's position in the input file (0-based).
    pub index: u64,
    /// The row's `custom_id`.
    pub custom_id: *const c_char,
    /// `OPENAI_STATUS_OK` when the row was answered, else why not (an HTTP error status, a
    /// transport error, `OPENAI_STATUS_INVALID_ARGUMENT` for a row that could not be sent,
    /// `OPENAI_STATUS_BUDGET_EXCEEDED` for a row left unsent by the cost budget).
    pub status: openai_status,
    /// The HTTP status of the answer, 0 when there was none.
    pub http_status: u16,
    /// The row as a Batch API output line (`{"id", "custom_id", "response", "error"}`).
    pub line_json: *const c_char,
    /// The error message, NULL when the row was answered.
    pub error_message: *const c_char,
    /// Attempts beyond the first (429s included).
    pub retries: u32,
}

/// Where a run is (see `openai_client_bulk_run`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct openai_bulk_progress {
    /// Rows the run will handle (input rows minus those skipped), -1 when not known yet.
    pub total: i64,
    /// Rows finished, answered or failed.
    pub done: u64,
    /// Of those, rows that failed.
    pub failed: u64,
    /// Requests sent and not yet answered.
    pub in_flight: u64,
    /// Rows skipped because the output file already had them.
    pub skipped: u64,
    /// Prompt tokens reported by the answers.
    pub prompt_tokens: u64,
    /// Completion tokens reported by the answers.
    pub completion_tokens: u64,
    /// Cost so far in USD (built-in price table; models without a price count 0).
    pub cost_usd: f64,
    /// Milliseconds since the run started.
    pub elapsed_ms: u64,
    /// Rows finished per second.
    pub rows_per_sec: f64,
    /// Estimated milliseconds to finish, -1 when unknown.
    pub eta_ms: i64,
    /// 429 answers seen.
    pub rate_limited: u64,
    /// Shared pauses taken after 429s.
    pub pauses: u64,
}

/// What a run did.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct openai_bulk_summary {
    /// Rows answered.
    pub ok: u64,
    /// Rows failed (including rows left unsent by the cost budget).
    pub failed: u64,
    /// Rows skipped because the output file already had them.
    pub skipped: u64,
    /// Rows left unsent by the cost budget (not written: a later run resumes them).
    pub not_run: u64,
    /// Prompt tokens reported by the answers.
    pub prompt_tokens: u64,
    /// Completion tokens reported by the answers.
    pub completion_tokens: u64,
    /// Cost in USD.
    pub cost_usd: f64,
    /// Milliseconds the run took.
    pub elapsed_ms: u64,
    /// 429 answers seen.
    pub rate_limited: u64,
    /// Shared pauses taken after 429s.
    pub pauses: u64,
}

/// The result callback of `openai_client_bulk_run`: called once per finished row, in the order
/// rows finish, on the calling thread. Return `OPENAI_ITER_CONTINUE` to go on, anything else to
/// stop the run. It must not unwind (C++ exceptions, `longjmp`) out.
pub type openai_bulk_result_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, result: *const openai_bulk_result) -> i32>;

/// The progress callback of `openai_client_bulk_run`: called on the calling thread with the
/// newest progress, after the result callbacks of the rows it counts (at most once per hand-over
/// of finished rows, a few milliseconds apart) and every half second, and once more before the
/// call returns. Return `OPENAI_ITER_CONTINUE` to go on, anything else to stop the run. It must
/// not unwind out.
pub type openai_bulk_progress_callback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, progress: *const openai_bulk_progress) -> i32,
>;

struct Row {
    index: u64,
    custom_id: CString,
    status: openai_status,
    http_status: u16,
    line: CString,
    error: Option<CString>,
    retries: u32,
}

enum Msg {
    Row(Row),
    Progress(BulkProgress),
    Done(openai_core::Result<BulkSummary>),
}

/// Messages from the run to the calling thread, handed over in batches: the caller is woken
/// when a batch is full or the run is done, and otherwise looks every few milliseconds. A wake
/// per row (a channel) cost the runtime's worker two context switches per row on a busy CPU;
/// a callback that comes a few milliseconds late costs a bulk run nothing. Progress is not
/// queued: only the newest matters, shown after the rows of the same batch.
#[derive(Default)]
struct Inbox {
    q: Mutex<Batch>,
    ready: Condvar,
}

#[derive(Default)]
struct Batch {
    msgs: VecDeque<Msg>,
    progress: Option<BulkProgress>,
}

/// Rows queued before the caller is woken.
const INBOX_BATCH: usize = 256;
/// How long the caller sleeps between looks when nothing woke it.
const INBOX_LOOK: Duration = Duration::from_millis(5);

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, Batch> {
        self.q.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, m: Msg) {
        let mut b = self.lock();
        let wake = match m {
            Msg::Progress(p) => {
                b.progress = Some(p);
                return;
            }
            Msg::Row(_) => b.msgs.len() + 1 >= INBOX_BATCH,
            Msg::Done(_) => true,
        };
        b.msgs.push_back(m);
        drop(b);
        if wake {
            self.ready.notify_one();
        }
    }

    /// Everything queued (the newest progress last), after waiting up to [`INBOX_LOOK`] when
    /// nothing is.
    fn take(&self) -> VecDeque<Msg> {
        let mut b = self.lock();
        if b.msgs.is_empty() && b.progress.is_none() {
            b = self
                .ready
                .wait_timeout(b, INBOX_LOOK)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let mut out = std::mem::take(&mut b.msgs);
        if let Some(p) = b.progress.take() {
            // Before Done, so the last progress is shown before the run's end.
            let at = out
                .iter()
                .position(|m| matches!(m, Msg::Done(_)))
                .unwrap_or(out.len());
            out.insert(at, Msg::Progress(p));
        }
        out
    }

    fn is_empty(&self) -> bool {
        let b = self.lock();
        b.msgs.is_empty() && b.progress.is_none()
    }
}

fn row_of(r: &RowResult) -> Row {
    let (status, http_status, error) = match &r.outcome {
        Ok(a) => (openai_status::Ok, a.status_code, None),
        Err(e) => (
            openai_status::from_kind(e.kind()),
            e.status().unwrap_or(0),
            Some(c_string(e.message())),
        ),
    };
    Row {
        index: r.index,
        custom_id: c_string(&r.custom_id),
        status,
        http_status,
        line: c_string(&r.to_line()),
        error,
        retries: r.retries,
    }
}

fn progress_of(p: &BulkProgress) -> openai_bulk_progress {
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    openai_bulk_progress {
        total: p.total.map_or(-1, |t| i64::try_from(t).unwrap_or(i64::MAX)),
        done: p.done,
        failed: p.failed,
        in_flight: p.in_flight,
        skipped: p.skipped,
        prompt_tokens: p.prompt_tokens,
        completion_tokens: p.completion_tokens,
        cost_usd: p.cost_usd,
        elapsed_ms: ms(p.elapsed),
        rows_per_sec: p.rows_per_sec,
        eta_ms: p
            .eta
            .map_or(-1, |e| i64::try_from(e.as_millis()).unwrap_or(i64::MAX)),
        rate_limited: p.rate_limited,
        pauses: p.pauses,
    }
}

/// `{"concurrency", "rpm", "tpm", "max_cost_usd", "max_retries", "headers": {...},
/// "batch_api": {...}}`, each optional; anything else is refused so a typo does not silently run
/// unlimited. `batch_api` (`{"state_file", "poll_interval_ms", "completion_window"}`, each
/// optional) sends the rows through the Batch API instead.
fn options_of(
    json: Option<Value>,
    output: Option<&str>,
) -> FfiResult<(BulkOptions, Option<BatchApiOptions>)> {
    let mut o = BulkOptions {
        output: output.map(Into::into),
        collect: false,
        ..Default::default()
    };
    let mut batch = None;
    let Some(v) = json else { return Ok((o, batch)) };
    let Value::Object(map) = v else {
        return Err(FfiError::invalid("options_json must be a JSON object"));
    };
    let uint = |k: &str, v: &Value| {
        v.as_u64()
            .ok_or_else(|| FfiError::invalid(format!("options_json: {k} must be a whole number")))
    };
    for (k, v) in &map {
        match k.as_str() {
            "concurrency" => o.max_concurrency = usize::try_from(uint(k, v)?).unwrap_or(usize::MAX),
            "rpm" => o.rpm = Some(uint(k, v)?),
            "tpm" => o.tpm = Some(uint(k, v)?),
            "max_retries" => o.max_retries = Some(u32::try_from(uint(k, v)?).unwrap_or(u32::MAX)),
            "max_cost_usd" => {
                o.max_cost_usd = Some(v.as_f64().ok_or_else(|| {
                    FfiError::invalid("options_json: max_cost_usd must be a number")
                })?)
            }
            "headers" => {
                let h = v.as_object().ok_or_else(|| {
                    FfiError::invalid("options_json: headers must be an object of strings")
                })?;
                for (name, value) in h {
                    let value = value.as_str().ok_or_else(|| {
                        FfiError::invalid(format!("options_json: header {name} must be a string"))
                    })?;
                    o.request_options
                        .extra_headers
                        .push((name.clone(), Some(value.to_owned())));
                }
            }
            "batch_api" => batch = Some(batch_options_of(v)?),
            other => {
                return Err(FfiError::invalid(format!(
                    "options_json: unknown option {other:?} (concurrency, rpm, tpm, \
                     max_cost_usd, max_retries, headers, batch_api)"
                )));
            }
        }
    }
    if let Some(b) = &mut batch {
        if output.is_some() {
            return Err(FfiError::invalid(
                "output_path must be NULL with batch_api: its state_file makes the run resumable",
            ));
        }
        b.request_options = o.request_options.clone();
    }
    Ok((o, batch))
}

fn batch_options_of(v: &Value) -> FfiResult<BatchApiOptions> {
    let Value::Object(map) = v else {
        return Err(FfiError::invalid(
            "options_json: batch_api must be an object",
        ));
    };
    let mut b = BatchApiOptions::default();
    for (k, v) in map {
        let bad = || FfiError::invalid(format!("options_json: batch_api.{k} has the wrong type"));
        match k.as_str() {
            "state_file" => b.state_file = Some(v.as_str().ok_or_else(bad)?.into()),
            "poll_interval_ms" => {
                b.poll_interval = Duration::from_millis(v.as_u64().ok_or_else(bad)?)
            }
            "completion_window" => b.completion_window = v.as_str().ok_or_else(bad)?.to_owned(),
            other => {
                return Err(FfiError::invalid(format!(
                    "options_json: unknown batch_api option {other:?} (state_file, \
                     poll_interval_ms, completion_window)"
                )));
            }
        }
    }
    Ok(b)
}

/// Runs every row of the Batch API input file `input_path` (`{"custom_id", "method", "url",
/// "body"}` per line; chat completions, responses, embeddings) under the limits of
/// `options_json` (see above; NULL: 16 at a time, no limit of our own; the server's
/// `x-ratelimit-*` headers and 429s are always followed). A bad input line fails the call before
/// anything is sent; then the file is read a line at a time as rows go out, so memory does not
/// grow with it (a line changed since the check is that row's error). Each finished row is
/// appended to `output_path` (NULL: none) as a Batch API output line; rows it already holds are
/// skipped, so running again after a crash or a cancel resumes. One failed row never stops the
/// run: it reaches `on_result` with its status.
///
/// Returns `OPENAI_STATUS_CANCELLED` when `cancel` fires and `OPENAI_STATUS_ABORTED_BY_CALLBACK`
/// when a callback stops the run (finished rows are in the output either way). `output_path`,
/// `options_json`, `cancel`, both callbacks, `user_data` and `summary_out` may be NULL; every
/// argument is borrowed; `*summary_out` is written on success.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_bulk_run(
    client: *const openai_client,
    input_path: *const c_char,
    output_path: *const c_char,
    options_json: *const c_char,
    cancel: *const openai_cancel_token,
    on_result: openai_bulk_result_callback,
    on_progress: openai_bulk_progress_callback,
    user_data: *mut c_void,
    summary_out: *mut openai_bulk_summary,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, input, output, options, cancel) = unsafe {
            (
                client_arg(client)?,
                str_arg(input_path, "input_path")?,
                if output_path.is_null() {
                    None
                } else {
                    Some(str_arg(output_path, "output_path")?)
                },
                if options_json.is_null() {
                    None
                } else {
                    Some(crate::util::json_arg(options_json, "options_json")?)
                },
                cancel_arg(cancel),
            )
        };
        let (opts, batch) = options_of(options, output)?;
        let rows = bulk::open_requests(input)?;
        let rt = openai_core::blocking::runtime()?;
        let inbox = Arc::new(Inbox::default());
        let tx = inbox.clone();
        let (want_rows, want_progress) = (on_result.is_some(), on_progress.is_some());
        let task = rt.spawn(async move {
            let progress_tx = tx.clone();
            let progress = move |p: &BulkProgress| {
                if want_progress {
                    progress_tx.push(Msg::Progress(p.clone()));
                }
            };
            let out = match batch {
                None => {
                    let row_tx = tx.clone();
                    let row = move |r: &RowResult| {
                        if want_rows {
                            row_tx.push(Msg::Row(row_of(r)));
                        }
                    };
                    // Its own thread; dropping it (the guard below aborts this task) waits
                    // until the run has stopped.
                    match bulk::run_on_own_thread(&client, rows, &opts, row, progress) {
                        Ok(run) => run.await,
                        Err(e) => Err(e),
                    }
                }
                // The Batch API answers all rows at the end, in input order.
                Some(b) => batch_api::run(&client, rows, &b, progress)
                    .await
                    .map(|mut s| {
                        for r in s.results.drain(..) {
                            if want_rows {
                                tx.push(Msg::Row(row_of(&r)));
                            }
                        }
                        s
                    }),
            };
            tx.push(Msg::Done(out));
        });
        // Stops the run when this call returns early (a callback, a cancel, a panic), and waits
        // until it has stopped, so no row is written after the call returns.
        struct StopOnDrop<F: FnOnce()>(Option<F>);
        impl<F: FnOnce()> Drop for StopOnDrop<F> {
            fn drop(&mut self) {
                if let Some(stop) = self.0.take() {
                    stop();
                }
            }
        }
        let _guard = StopOnDrop(Some(move || {
            task.abort();
            let _ = openai_core::blocking::block_on(task);
        }));
        let stopped = || {
            FfiError::Boundary(
                openai_status::AbortedByCallback,
                "a callback stopped the bulk run".into(),
            )
        };
        // The run's task holds the other reference to the inbox until it ends; it pushes Done
        // before it lets go, so an empty inbox it no longer holds means it died without one.
        let task_gone = || Arc::strong_count(&inbox) == 1 && inbox.is_empty();
        let summary = 'run: loop {
            if cancel.as_ref().is_some_and(|t| t.is_cancelled()) {
                return Err(Error::new(ErrorKind::Cancelled, "the bulk run was cancelled").into());
            }
            for msg in inbox.take() {
                match msg {
                    Msg::Row(r) => {
                        let Some(cb) = on_result else { continue };
                        let view = openai_bulk_result {
                            index: r.index,
                            custom_id: r.custom_id.as_ptr(),
                            status: r.status,
                            http_status: r.http_status,
                            line_json: r.line.as_ptr(),
                            error_message: r
                                .error
                                .as_ref()
                                .map_or(std::ptr::null(), |e| e.as_ptr()),
                            retries: r.retries,
                        };
                        // SAFETY: a C function pointer supplied by the caller, with its own
                        // data and a struct that lives across the call.
                        if unsafe { cb(user_data, &view) } != OPENAI_ITER_CONTINUE {
                            return Err(stopped());
                        }
                    }
                    Msg::Progress(p) => {
                        let Some(cb) = on_progress else { continue };
                        let view = progress_of(&p);
                        // SAFETY: as above.
                        if unsafe { cb(user_data, &view) } != OPENAI_ITER_CONTINUE {
                            return Err(stopped());
                        }
                    }
                    Msg::Done(r) => break 'run r?,
                }
            }
            if task_gone() {
                return Err(
                    Error::new(ErrorKind::Internal, "the bulk run ended without a result").into(),
                );
            }
        };
        // SAFETY: the C contract: NULL or writable storage for the struct.
        if let Some(out) = unsafe { summary_out.as_mut() } {
            *out = openai_bulk_summary {
                ok: summary.ok,
                failed: summary.failed,
                skipped: summary.skipped,
                not_run: summary.not_run,
                prompt_tokens: summary.prompt_tokens,
                completion_tokens: summary.completion_tokens,
                cost_usd: summary.cost_usd,
                elapsed_ms: u64::try_from(summary.elapsed.as_millis()).unwrap_or(u64::MAX),
                rate_limited: summary.rate_limited,
                pauses: summary.pauses,
            };
        }
        Ok(())
    })
}
