//! The Batch API end to end: the bulk runner's rows in, every row's result out, in input order
//! and in the same [`BulkSummary`] the direct runner gives.
//!
//! The rows are grouped by endpoint (a batch serves one) and cut into JSONL files of at most
//! 50,000 lines and 200 MB; each file is uploaded (`purpose=batch`) and a batch created for it.
//! The batches are polled until each ends, then their output and error files are downloaded and
//! joined back by `custom_id` (the API writes lines in any order). A state file keeps the
//! batch ids as they are created, so a run that was stopped, or a second run after the batches
//! finished, picks its batches up again instead of paying for the work twice.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::bulk::{BulkProgress, BulkRequest, BulkSummary, RowResult, answer_of};
use crate::endpoints::{self, Call};
use crate::error::{Error, ErrorKind, Result};
use crate::models::PriceTable;
use crate::multipart::Multipart;
use crate::{Client, RequestOptions};

/// Lines per input file, at most (the API's limit).
pub const MAX_LINES: usize = 50_000;
/// Bytes per input file, at most (the API's limit).
pub const MAX_BYTES: u64 = 200 * 1024 * 1024;
/// What the Batch API charges, as a share of the price of the same calls made directly.
pub const BATCH_PRICE_FACTOR: f64 = 0.5;

/// How to run rows through the Batch API.
#[derive(Clone, Debug)]
pub struct BatchApiOptions {
    /// Where the batch ids are kept (JSON); a run with the same file and rows resumes them.
    pub state_file: Option<PathBuf>,
    /// Time between two looks at the batches.
    pub poll_interval: Duration,
    /// `completion_window` of every batch (the API takes `24h`).
    pub completion_window: String,
    /// Lines per input file, at most ([`MAX_LINES`]).
    pub max_lines: usize,
    /// Bytes per input file, at most ([`MAX_BYTES`]).
    pub max_bytes: u64,
    /// Headers, query and timeout of every call the flow makes.
    pub request_options: RequestOptions,
    /// Prices for the cost column (halved: batch pricing); the built-in table when `None`.
    pub prices: Option<PriceTable>,
}

impl Default for BatchApiOptions {
    fn default() -> Self {
        BatchApiOptions {
            state_file: None,
            poll_interval: Duration::from_secs(30),
            completion_window: "24h".to_owned(),
            max_lines: MAX_LINES,
            max_bytes: MAX_BYTES,
            request_options: RequestOptions::default(),
            prices: None,
        }
    }
}

/// One input file and its batch, as the state file keeps them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Part {
    url: String,
    first_custom_id: String,
    rows: usize,
    input_file_id: String,
    batch_id: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    version: u32,
    batches: Vec<Part>,
}

/// Rows of one endpoint that go into one file.
#[derive(Debug)]
struct Chunk {
    url: String,
    rows: Vec<usize>,
    jsonl: Vec<u8>,
}

fn chunks(rows: &[BulkRequest], max_lines: usize, max_bytes: u64) -> Result<Vec<Chunk>> {
    let mut seen = HashSet::new();
    for r in rows {
        if !seen.insert(r.custom_id.as_str()) {
            return Err(Error::invalid_argument(format!(
                "custom_id {:?} appears twice: the Batch API answers by custom_id",
                r.custom_id
            )));
        }
    }
    // One endpoint per batch, endpoints in order of first appearance.
    let mut urls: Vec<&str> = Vec::new();
    for r in rows {
        if !urls.contains(&r.url.as_str()) {
            urls.push(&r.url);
        }
    }
    let mut out: Vec<Chunk> = Vec::new();
    for url in urls {
        let mut cur = Chunk {
            url: url.to_owned(),
            rows: Vec::new(),
            jsonl: Vec::new(),
        };
        for (i, r) in rows.iter().enumerate().filter(|(_, r)| r.url == url) {
            r.operation()?;
            let mut line = serde_json::to_vec(r)
                .map_err(|e| Error::invalid_argument(format!("row {i}: {e}")))?;
            line.push(b'\n');
            if line.len() as u64 > max_bytes {
                return Err(Error::invalid_argument(format!(
                    "row {:?} is {} bytes, more than a batch input file may hold ({max_bytes})",
                    r.custom_id,
                    line.len()
                )));
            }
            let full =
                cur.rows.len() >= max_lines || (cur.jsonl.len() + line.len()) as u64 > max_bytes;
            if full && !cur.rows.is_empty() {
                let next = Chunk {
                    url: url.to_owned(),
                    rows: Vec::new(),
                    jsonl: Vec::new(),
                };
                out.push(std::mem::replace(&mut cur, next));
            }
            cur.rows.push(i);
            cur.jsonl.extend_from_slice(&line);
        }
        if !cur.rows.is_empty() {
            out.push(cur);
        }
    }
    Ok(out)
}

fn load_state(path: &Path) -> Result<State> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| {
            Error::invalid_argument(format!("{} is not a batch state file: {e}", path.display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(e) => Err(Error::config(format!("reading {}: {e}", path.display()))),
    }
}

/// Writes the state next to its place, then renames: a crash leaves the old state or the new.
fn save_state(path: &Path, state: &State) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let text = serde_json::to_vec_pretty(state).unwrap_or_default();
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| Error::config(format!("writing {}: {e}", path.display())))
}

const TERMINAL: &[&str] = &["completed", "failed", "expired", "cancelled"];

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Runs `rows` through the Batch API and hands back every row's result in input order.
///
/// Fails as a whole for bad rows (a duplicate `custom_id`, an endpoint the Batch API does not
/// serve), a state file written for other rows, or an error uploading, creating or polling;
/// the state file then already holds the batches created, so running again resumes them.
/// A row the batches did not answer (a batch that failed, expired or was cancelled) is that
/// row's error. Dropping the future stops polling; the batches go on at the API.
pub async fn run<I>(
    client: &Client,
    rows: I,
    opts: &BatchApiOptions,
    mut on_progress: impl FnMut(&BulkProgress) + Send,
) -> Result<BulkSummary>
where
    I: IntoIterator,
    I::Item: crate::bulk::IntoRequest,
{
    if opts.max_lines == 0 || opts.max_bytes == 0 {
        return Err(Error::invalid_argument(
            "max_lines and max_bytes must be at least 1",
        ));
    }
    // The batches are cut from the whole input, and their answers joined back to it.
    let rows = rows
        .into_iter()
        .map(crate::bulk::IntoRequest::into_request)
        .collect::<Result<Vec<BulkRequest>>>()?;
    let started = Instant::now();
    let chunks = chunks(&rows, opts.max_lines, opts.max_bytes)?;
    let mut state = match &opts.state_file {
        Some(p) => load_state(p)?,
        None => State::default(),
    };
    state.version = 1;
    if state.batches.len() > chunks.len() {
        return Err(stale_state(opts));
    }
    for (part, chunk) in state.batches.iter().zip(&chunks) {
        if part.url != chunk.url
            || part.rows != chunk.rows.len()
            || part.first_custom_id != rows[chunk.rows[0]].custom_id
        {
            return Err(stale_state(opts));
        }
    }
    let ro = &opts.request_options;
    for chunk in &chunks[state.batches.len()..] {
        let name = format!("batch-{}.jsonl", state.batches.len());
        let form = Multipart::new().text("purpose", "batch").bytes(
            "file",
            chunk.jsonl.clone(),
            name,
            Some("application/jsonl"),
        );
        let file = client
            .call(
                endpoints::get("createFile")?,
                &Call::new().multipart(form),
                ro,
            )
            .await?
            .data;
        let input_file_id = str_of(&file, "id").unwrap_or_default().to_owned();
        let body = json!({
            "input_file_id": input_file_id,
            "endpoint": chunk.url,
            "completion_window": opts.completion_window,
        });
        let batch = client
            .call(endpoints::get("createBatch")?, &Call::new().json(body), ro)
            .await?
            .data;
        state.batches.push(Part {
            url: chunk.url.clone(),
            first_custom_id: rows[chunk.rows[0]].custom_id.clone(),
            rows: chunk.rows.len(),
            input_file_id,
            batch_id: str_of(&batch, "id").unwrap_or_default().to_owned(),
        });
        if let Some(p) = &opts.state_file {
            save_state(p, &state)?;
        }
    }

    // Poll until every batch has ended.
    let total = rows.len() as u64;
    let mut last: Vec<Value> = vec![Value::Null; state.batches.len()];
    loop {
        for (part, seen) in state.batches.iter().zip(last.iter_mut()) {
            if str_of(seen, "status").is_some_and(|s| TERMINAL.contains(&s)) {
                continue;
            }
            let call = Call::new().path_param("batch_id", &part.batch_id);
            *seen = client
                .call(endpoints::get("retrieveBatch")?, &call, ro)
                .await?
                .data;
        }
        let count = |key: &str| -> u64 {
            last.iter()
                .filter_map(|b| b.get("request_counts")?.get(key)?.as_u64())
                .sum()
        };
        let done = count("completed") + count("failed");
        let elapsed = started.elapsed();
        let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
        on_progress(&BulkProgress {
            total: Some(total),
            done,
            failed: count("failed"),
            in_flight: total.saturating_sub(done),
            elapsed,
            rows_per_sec: rate,
            eta: (done > 0)
                .then(|| Duration::from_secs_f64((total - done.min(total)) as f64 / rate)),
            ..BulkProgress::default()
        });
        if last
            .iter()
            .all(|b| str_of(b, "status").is_some_and(|s| TERMINAL.contains(&s)))
        {
            break;
        }
        tokio::time::sleep(opts.poll_interval).await;
    }

    // Download what each batch wrote and join by custom_id.
    let mut lines: HashMap<String, Value> = HashMap::new();
    for b in &last {
        for key in ["output_file_id", "error_file_id"] {
            let Some(id) = str_of(b, key) else { continue };
            let call = Call::new().path_param("file_id", id);
            let bytes = client
                .download(endpoints::get("downloadFile")?, &call, ro)
                .await?
                .bytes()
                .await?;
            for line in bytes.split(|b| *b == b'\n') {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let v: Value = serde_json::from_slice(line).map_err(|e| {
                    Error::decode(
                        format!("a line of batch file {id} is not JSON: {e}"),
                        String::from_utf8_lossy(line),
                    )
                })?;
                if let Some(cid) = str_of(&v, "custom_id") {
                    lines.insert(cid.to_owned(), v);
                }
            }
        }
    }
    let prices = opts.prices.as_ref().unwrap_or(PriceTable::builtin());
    let mut batch_of = vec![0usize; rows.len()];
    for (k, chunk) in chunks.iter().enumerate() {
        for &i in &chunk.rows {
            batch_of[i] = k;
        }
    }
    let mut summary = BulkSummary::default();
    for (i, req) in rows.iter().enumerate() {
        let batch = &last[batch_of[i]];
        let outcome = match lines.remove(&req.custom_id) {
            Some(line) => outcome_of(&line, req, prices),
            None => Err(unanswered(batch)),
        };
        match &outcome {
            Ok(a) => {
                summary.ok += 1;
                if let Some(u) = &a.usage {
                    summary.prompt_tokens += u.prompt_tokens;
                    summary.completion_tokens += u.completion_tokens;
                }
                summary.cost_usd += a.cost_usd.unwrap_or(0.0);
            }
            Err(_) => summary.failed += 1,
        }
        summary.results.push(RowResult {
            index: i as u64,
            custom_id: req.custom_id.clone(),
            url: req.url.clone(),
            outcome,
            retries: 0,
        });
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn stale_state(opts: &BatchApiOptions) -> Error {
    let path = opts.state_file.as_deref().unwrap_or(Path::new("?"));
    Error::invalid_argument(format!(
        "{} holds batches of other rows; pass the rows it was written for, or another state file",
        path.display()
    ))
}

/// A row's result from its output or error line; the cost at batch prices.
fn outcome_of(
    line: &Value,
    req: &BulkRequest,
    prices: &PriceTable,
) -> std::result::Result<crate::bulk::RowAnswer, Error> {
    if let Some(resp) = line.get("response").filter(|r| r.is_object()) {
        let status = resp.get("status_code").and_then(Value::as_u64).unwrap_or(0) as u16;
        let request_id = str_of(resp, "request_id").map(str::to_owned);
        let body = serde_json::to_vec(resp.get("body").unwrap_or(&Value::Null)).unwrap_or_default();
        if (200..300).contains(&status) {
            let model = req.body.get("model").and_then(Value::as_str).unwrap_or("");
            let mut a = answer_of(body.into(), status, request_id, model, prices)?;
            a.cost_usd = a.cost_usd.map(|c| c * BATCH_PRICE_FACTOR);
            return Ok(a);
        }
        return Err(Error::from_status(status, &body, Vec::new(), request_id));
    }
    let err = line.get("error").cloned().unwrap_or(Value::Null);
    let message = str_of(&err, "message").unwrap_or("the batch line has no response");
    let mut e = Error::new(ErrorKind::ApiStatus, format!("batch line error: {message}"));
    if let Ok(api) = serde_json::from_value::<crate::error::ApiErrorBody>(err) {
        e = e.with_api(api);
    }
    Err(e)
}

/// Why a row has no line: its batch ended without answering it.
fn unanswered(batch: &Value) -> Error {
    let id = str_of(batch, "id").unwrap_or("?");
    let status = str_of(batch, "status").unwrap_or("?");
    let why = batch
        .get("errors")
        .and_then(|e| e.get("data"))
        .and_then(Value::as_array)
        .and_then(|d| d.first())
        .and_then(|e| str_of(e, "message"))
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    Error::new(
        ErrorKind::ApiStatus,
        format!("batch {id} ended {status} without an answer for this row{why}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, url: &str, text: &str) -> BulkRequest {
        BulkRequest::new(id, url, json!({"model": "m", "input": text}))
    }

    #[test]
    fn chunks_split_by_endpoint_lines_and_bytes() {
        let rows: Vec<_> = (0..7)
            .map(|i| {
                let url = if i % 2 == 0 {
                    "/v1/embeddings"
                } else {
                    "/v1/responses"
                };
                row(&format!("r{i}"), url, "x")
            })
            .collect();
        let c = chunks(&rows, 3, MAX_BYTES).unwrap();
        let got: Vec<(&str, Vec<usize>)> =
            c.iter().map(|c| (c.url.as_str(), c.rows.clone())).collect();
        assert_eq!(
            got,
            [
                ("/v1/embeddings", vec![0, 2, 4]),
                ("/v1/embeddings", vec![6]),
                ("/v1/responses", vec![1, 3, 5]),
            ]
        );
        // Every line of a file is one row, newline-terminated, parseable back.
        let text = std::str::from_utf8(&c[0].jsonl).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert_eq!(
            BulkRequest::from_line(text.lines().next().unwrap()).unwrap(),
            rows[0]
        );
        // By bytes: each line is ~80 bytes, so 200 bytes hold two.
        let one = serde_json::to_vec(&rows[0]).unwrap().len() as u64 + 1;
        let c = chunks(&rows[..4], 100, 2 * one + 1).unwrap();
        assert!(c.iter().all(|c| c.jsonl.len() as u64 <= 2 * one + 1));
        assert_eq!(c.iter().map(|c| c.rows.len()).sum::<usize>(), 4);
        assert!(
            chunks(&rows, 100, one - 1).is_err(),
            "a row larger than a file"
        );
    }

    #[test]
    fn duplicate_ids_and_unknown_endpoints_are_refused() {
        let dup = vec![
            row("a", "/v1/embeddings", "x"),
            row("a", "/v1/embeddings", "y"),
        ];
        assert!(
            chunks(&dup, 10, MAX_BYTES)
                .unwrap_err()
                .message()
                .contains("twice")
        );
        let bad = vec![row("a", "/v1/images/generations", "x")];
        assert!(chunks(&bad, 10, MAX_BYTES).is_err());
    }
}
