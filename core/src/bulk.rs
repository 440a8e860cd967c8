//! The bulk runner: many chat, responses or embeddings requests under a rate limit, each row
//! answered or failed on its own, written to a resumable JSONL file as rows finish.
//!
//! Rows use the Batch API's line format (`{"custom_id", "method", "url", "body"}`) and the output
//! its output format (`{"id", "custom_id", "response": {"status_code", "request_id", "body"},
//! "error"}`), so one input file serves both this runner and a Batch job, and a tool that reads
//! Batch output reads ours.
//!
//! Pacing: the configured `rpm` / `tpm` are token buckets holding a second's worth (a smooth rate,
//! not a minute's burst). What the server says in `x-ratelimit-*` is a second pair of buckets:
//! each answer resets them to the remaining requests and tokens minus what is still in flight,
//! refilling at the server's per-minute limit. A 429 pauses every worker together until its
//! `retry-after` (one shared pause, not a retry each); the row goes back through the gate.
//!
//! ```no_run
//! use openai_core::bulk::{self, BulkOptions, BulkRequest};
//! # async fn demo(client: openai_core::Client) -> openai_core::Result<()> {
//! let rows = (0..3).map(|i| BulkRequest::chat(format!("row-{i}"), serde_json::json!({
//!     "model": "gpt-4o-mini", "messages": [{"role": "user", "content": format!("hi {i}")}],
//! })));
//! let opts = BulkOptions { rpm: Some(500), output: Some("out.jsonl".into()), ..Default::default() };
//! let summary = bulk::run(&client, rows, &opts, |_| {}, |_| {}).await?;
//! println!("{} ok, {} failed", summary.ok, summary.failed);
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::io::{BufRead, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::client::{Client, RequestOptions};
use crate::endpoints::Call;
use crate::error::{Error, ErrorKind, Result};
use crate::models::{ModelPrice, PriceTable};
use crate::ratelimit::RateLimits;
use crate::retry::{self, RetryAfter};
use crate::tokens::TokenCounter;
use crate::types::{Message, Usage};

/// The urls the runner serves, with their operation ids.
const ROUTES: &[(&str, &str)] = &[
    ("/v1/chat/completions", "createChatCompletion"),
    ("/v1/responses", "createResponse"),
    ("/v1/embeddings", "createEmbedding"),
];

/// How often the progress callback hears from a run that has nothing finishing (a pause).
const PROGRESS_TICK: Duration = Duration::from_millis(500);

/// Retries of one row after 429s, beyond which the row fails: a limit that never lets a row
/// through is a configuration problem, and the run must end.
const MAX_RATE_LIMIT_RETRIES: u32 = 30;

/// The longest shared pause a 429 can ask for (a larger `retry-after` is clamped).
const MAX_PAUSE: Duration = Duration::from_secs(600);

/// One row of input: a line of a Batch API input file.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BulkRequest {
    /// The caller's id for the row, unique within a run; results and output lines carry it.
    pub custom_id: String,
    /// `POST` (the only method the routes take).
    #[serde(default = "post")]
    pub method: String,
    /// `/v1/chat/completions`, `/v1/responses` or `/v1/embeddings`.
    pub url: String,
    /// The request body, as for a single call.
    pub body: Value,
}

fn post() -> String {
    "POST".into()
}

impl BulkRequest {
    /// A row for `/v1/chat/completions`.
    pub fn chat(custom_id: impl Into<String>, body: Value) -> BulkRequest {
        BulkRequest::new(custom_id, "/v1/chat/completions", body)
    }

    /// A row for any url.
    pub fn new(custom_id: impl Into<String>, url: impl Into<String>, body: Value) -> BulkRequest {
        BulkRequest {
            custom_id: custom_id.into(),
            method: post(),
            url: url.into(),
            body,
        }
    }

    /// Parses one input line.
    pub fn from_line(line: &str) -> Result<BulkRequest> {
        // A well-formed line decodes straight into the row (the outer object is not built as a
        // map first); anything else takes the path below, which says what is wrong.
        #[derive(serde::Deserialize)]
        struct Line {
            custom_id: String,
            #[serde(default = "post")]
            method: String,
            url: String,
            body: Value,
        }
        if let Ok(l) = serde_json::from_str::<Line>(line)
            && !l.custom_id.is_empty()
            && l.body.is_object()
        {
            let row = BulkRequest {
                custom_id: l.custom_id,
                method: l.method,
                url: l.url,
                body: l.body,
            };
            row.operation()?;
            return Ok(row);
        }
        let mut v: Value = serde_json::from_str(line)
            .map_err(|e| Error::invalid_argument(format!("not valid JSON: {e}")))?;
        let custom_id = match v.get("custom_id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(Error::invalid_argument("missing or empty \"custom_id\"")),
        };
        let url = v
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::invalid_argument(format!("{custom_id}: missing \"url\"")))?;
        let (url, method) = (
            url.to_owned(),
            v.get("method")
                .and_then(Value::as_str)
                .unwrap_or("POST")
                .to_owned(),
        );
        // Taken out of the line's tree, not copied: a large body would otherwise be built twice.
        let body = match v.get_mut("body") {
            Some(b) if b.is_object() => b.take(),
            _ => {
                return Err(Error::invalid_argument(format!(
                    "{custom_id}: \"body\" must be an object"
                )));
            }
        };
        let row = BulkRequest {
            custom_id,
            method,
            url,
            body,
        };
        row.operation()?;
        Ok(row)
    }

    /// The operation id of the row's url; an error for a url or method the runner does not serve.
    pub fn operation(&self) -> Result<&'static str> {
        if !self.method.eq_ignore_ascii_case("POST") {
            return Err(Error::invalid_argument(format!(
                "{}: method {:?} is not supported (POST only)",
                self.custom_id, self.method
            )));
        }
        let url = self.url.trim_end_matches('/');
        ROUTES
            .iter()
            .find(|(u, _)| *u == url || u.strip_prefix("/v1") == Some(url))
            .map(|(_, id)| *id)
            .ok_or_else(|| {
                Error::invalid_argument(format!(
                    "{}: url {:?} is not supported (one of /v1/chat/completions, \
                     /v1/responses, /v1/embeddings)",
                    self.custom_id, self.url
                ))
            })
    }

    fn model(&self) -> &str {
        self.body.get("model").and_then(Value::as_str).unwrap_or("")
    }

    /// The tokens the row is expected to cost against a tokens-per-minute limit: its prompt by
    /// the core's counter plus the output it may produce (`max_tokens`,
    /// `max_completion_tokens`, `max_output_tokens`; times `n` for chat).
    pub fn estimate_tokens(&self) -> TokenEstimate {
        self.estimate(Some(&TokenCounter::for_model(self.model())))
    }

    /// [`estimate_tokens`](Self::estimate_tokens) without the tokenizer: a token per 4 bytes of
    /// text. What the runner charges against the limits a server announces when the caller set
    /// no `tpm` and no cost budget, so a run that does not need exact counts neither loads the
    /// tokenizer (a fifth of a second) nor tokenizes every row.
    pub fn estimate_tokens_roughly(&self) -> TokenEstimate {
        self.estimate(None)
    }

    fn estimate(&self, counter: Option<&TokenCounter>) -> TokenEstimate {
        let b = &self.body;
        let count = |s: &str| match counter {
            Some(c) => c.count_text(s),
            None => (s.len() as u64).div_ceil(4),
        };
        let text_of = |v: &Value| match (v, counter) {
            (Value::String(s), _) => count(s),
            (Value::Null, _) => 0,
            (other, Some(c)) => c.count_text(&other.to_string()),
            (other, None) => rough_tokens(other),
        };
        let uint = |k: &str| b.get(k).and_then(Value::as_u64);
        match self.operation().unwrap_or("") {
            "createChatCompletion" => {
                let tools = b.get("tools").and_then(Value::as_array);
                let prompt = match (b.get("messages"), counter) {
                    (None, _) => 0,
                    (Some(m), Some(c)) => {
                        match <Vec<Message> as serde::Deserialize>::deserialize(m) {
                            Ok(msgs) => c.count_messages(&msgs),
                            Err(_) => text_of(m),
                        }
                    }
                    (Some(m), None) => rough_tokens(m) + 3,
                } + match (tools, counter) {
                    (None, _) => 0,
                    (Some(t), Some(c)) => c.count_tools(t),
                    (Some(t), None) => t.iter().map(rough_tokens).sum(),
                };
                let max_out = uint("max_completion_tokens").or(uint("max_tokens"));
                let n = uint("n").unwrap_or(1).max(1);
                TokenEstimate {
                    prompt,
                    max_output: max_out.unwrap_or(0).saturating_mul(n),
                }
            }
            "createResponse" => {
                let input = match b.get("input") {
                    Some(Value::String(s)) => count(s) + 7,
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|item| match item.get("content") {
                            Some(c) => 4 + text_of(c),
                            None => 4 + text_of(item),
                        })
                        .sum::<u64>(),
                    Some(other) => text_of(other),
                    None => 0,
                };
                TokenEstimate {
                    prompt: input + b.get("instructions").map_or(0, text_of),
                    max_output: uint("max_output_tokens").unwrap_or(0),
                }
            }
            "createEmbedding" => {
                let prompt = match b.get("input") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|i| match i {
                            Value::Array(toks) => toks.len() as u64,
                            Value::Number(_) => 1,
                            other => text_of(other),
                        })
                        .sum(),
                    Some(other) => text_of(other),
                    None => 0,
                };
                TokenEstimate {
                    prompt,
                    max_output: 0,
                }
            }
            _ => TokenEstimate::default(),
        }
    }
}

/// A token per 4 bytes of every string in `v`, 3 per array item (the framing a message costs)
/// and 1 per other scalar; keys are not counted.
fn rough_tokens(v: &Value) -> u64 {
    match v {
        Value::String(s) => (s.len() as u64).div_ceil(4),
        Value::Array(items) => items.iter().map(|i| 3 + rough_tokens(i)).sum(),
        Value::Object(m) => m.values().map(rough_tokens).sum(),
        Value::Null | Value::Bool(_) | Value::Number(_) => 1,
    }
}

/// A row's expected token cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenEstimate {
    /// Prompt (input) tokens.
    pub prompt: u64,
    /// The most output tokens the request allows (0 when it sets no cap).
    pub max_output: u64,
}

impl TokenEstimate {
    /// What the rate limiter charges: prompt plus output cap, as the API counts it.
    pub fn total(&self) -> u64 {
        self.prompt.saturating_add(self.max_output)
    }
}

/// Reads a Batch API input file whole, checking every line first (valid JSON, a unique
/// `custom_id`, a served url and method, an object body) so a bad file fails before anything is
/// sent. Blank lines are skipped. Errors name the 1-based line.
///
/// For a run, [`open_requests`] makes the same checks and then reads the rows as the run takes
/// them, so memory does not grow with the file.
pub fn read_requests(path: impl AsRef<Path>) -> Result<Vec<BulkRequest>> {
    let mut rows = Vec::new();
    each_request(path.as_ref(), |row| rows.push(row))?;
    Ok(rows)
}

/// Checks a Batch API input file whole, as [`read_requests`] does, then hands its rows out one
/// at a time: a run of a million-line file holds the rows in flight, not the file.
///
/// A line that no longer parses when it is read the second time (the file changed under the run)
/// is that row's error, naming the line; the rows around it run.
pub fn open_requests(path: impl AsRef<Path>) -> Result<RequestLines> {
    let path = path.as_ref();
    let mut left = 0usize;
    each_request(path, |_| left += 1)?;
    let file = std::fs::File::open(path).map_err(read_error(path))?;
    Ok(RequestLines {
        path: path.to_owned(),
        lines: Some(std::io::BufReader::new(file).lines()),
        line: 0,
        left,
    })
}

fn read_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::invalid_argument(format!("cannot read {}: {e}", path.display()))
}

fn line_error(path: &Path, line: usize, e: &Error) -> Error {
    Error::invalid_argument(format!("{} line {}: {}", path.display(), line, e.message()))
}

/// Every row of the file, checked, to `each`; the first bad line is the error.
fn each_request(path: &Path, mut each: impl FnMut(BulkRequest)) -> Result<()> {
    let file = std::fs::File::open(path).map_err(read_error(path))?;
    let mut seen = IdSet::default();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(read_error(path))?;
        if line.trim().is_empty() {
            continue;
        }
        let row = BulkRequest::from_line(&line).map_err(|e| line_error(path, i + 1, &e))?;
        if !seen.insert(&row.custom_id) {
            let e = Error::invalid_argument(format!("duplicate custom_id {:?}", row.custom_id));
            return Err(line_error(path, i + 1, &e));
        }
        each(row);
    }
    Ok(())
}

/// The rows of a checked input file, read as they are taken (see [`open_requests`]).
pub struct RequestLines {
    path: PathBuf,
    /// `None` after a read error: the rest of the file is lost to the run, said once.
    lines: Option<std::io::Lines<std::io::BufReader<std::fs::File>>>,
    line: usize,
    left: usize,
}

impl Iterator for RequestLines {
    type Item = Result<BulkRequest>;

    fn next(&mut self) -> Option<Result<BulkRequest>> {
        loop {
            let line = match self.lines.as_mut()?.next()? {
                Ok(l) => l,
                Err(e) => {
                    self.lines = None;
                    return Some(Err(read_error(&self.path)(e)));
                }
            };
            self.line += 1;
            if line.trim().is_empty() {
                continue;
            }
            self.left = self.left.saturating_sub(1);
            return Some(BulkRequest::from_line(&line).map_err(|e| {
                let e = Error::invalid_argument(format!(
                    "{} (the file changed after it was checked)",
                    e.message()
                ));
                line_error(&self.path, self.line, &e)
            }));
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

/// In which order [`BulkSummary::results`] lists the rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// As they finished (the output file is always in this order).
    #[default]
    Completed,
    /// As they came in.
    Input,
}

/// How to run a bulk job. `Default` is 16 at a time with no rate limit of our own (the server's
/// `x-ratelimit-*` headers and 429s are still followed).
#[derive(Clone, Debug)]
pub struct BulkOptions {
    /// Requests in flight at most (at least 1).
    pub max_concurrency: usize,
    /// Requests per minute to stay under.
    pub rpm: Option<u64>,
    /// Tokens per minute to stay under (estimated before sending, see
    /// [`BulkRequest::estimate_tokens`]).
    pub tpm: Option<u64>,
    /// Stop sending once the cost in USD (spent plus the estimate of what is in flight and of the
    /// next row) would pass this. Rows not sent then fail with [`ErrorKind::BudgetExceeded`] and
    /// are not written to the output, so a later run with a bigger budget resumes them.
    pub max_cost_usd: Option<f64>,
    /// Retries per row after an error other than a 429 (connection, timeout, 408/409/5xx);
    /// `None` uses the client's `max_retries`.
    pub max_retries: Option<u32>,
    /// Append each finished row here; rows whose `custom_id` the file already holds are skipped.
    pub output: Option<PathBuf>,
    /// Order of the returned results.
    pub order: Order,
    /// Keep every row's result in [`BulkSummary::results`] (off for runs too large for memory:
    /// the output file and the per-result callback still see every row).
    pub collect: bool,
    /// Headers, query and timeout applied to every row (`max_retries` here is ignored: the
    /// runner retries itself so that a 429 pauses everyone).
    pub request_options: RequestOptions,
    /// Prices for the cost column; the built-in table when `None`.
    pub prices: Option<PriceTable>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            max_concurrency: 16,
            rpm: None,
            tpm: None,
            max_cost_usd: None,
            max_retries: None,
            output: None,
            order: Order::Completed,
            collect: true,
            request_options: RequestOptions::default(),
            prices: None,
        }
    }
}

impl BulkOptions {
    fn check(&self) -> Result<()> {
        if self.max_concurrency == 0 {
            return Err(Error::invalid_argument(
                "max_concurrency must be at least 1",
            ));
        }
        if self.rpm == Some(0) || self.tpm == Some(0) {
            return Err(Error::invalid_argument(
                "rpm and tpm must be at least 1 (leave them unset for no limit)",
            ));
        }
        if self.max_cost_usd.is_some_and(|c| !c.is_finite() || c < 0.0) {
            return Err(Error::invalid_argument(
                "max_cost_usd must be a finite, non-negative amount",
            ));
        }
        Ok(())
    }
}

/// A successful HTTP answer of one row.
#[derive(Clone, Debug, PartialEq)]
pub struct RowAnswer {
    /// HTTP status (200).
    pub status_code: u16,
    /// `x-request-id`.
    pub request_id: Option<String>,
    /// The answer's JSON body as received (a JSON document, `null` for an empty body), kept as
    /// bytes: most runs only write it out, and building a tree per row would cost more than the
    /// request.
    pub raw: bytes::Bytes,
    /// The usage the answer reported, in chat terms.
    pub usage: Option<Usage>,
    /// Its cost by the price table, when the model has a price.
    pub cost_usd: Option<f64>,
}

impl RowAnswer {
    /// The body as JSON.
    pub fn json(&self) -> Result<Value> {
        serde_json::from_slice(&self.raw)
            .map_err(|e| Error::decode(format!("the answer is not valid JSON: {e}"), ""))
    }
}

/// The outcome of one row.
#[derive(Debug)]
pub struct RowResult {
    /// The row's position in the input (0-based, counting rows skipped by a resume).
    pub index: u64,
    /// The row's `custom_id`.
    pub custom_id: String,
    /// The row's url (which tells what kind of answer the body is).
    pub url: String,
    /// The answer, or why there is none. An HTTP error keeps its status, body and request id.
    pub outcome: std::result::Result<RowAnswer, Error>,
    /// Attempts beyond the first (429s included).
    pub retries: u32,
}

impl RowResult {
    /// True when the row was answered with a success status.
    pub fn is_ok(&self) -> bool {
        self.outcome.is_ok()
    }

    /// The row as a Batch API output line: an answer or an HTTP error in `response` (with
    /// `error` null), any other failure in `error` (`{"code", "message"}`, with `response`
    /// null). One line of text, without the newline.
    pub fn to_line(&self) -> String {
        let id = format!("bulk_req_{:016x}", line_id(&self.custom_id));
        let line = match &self.outcome {
            Ok(a) => {
                // The body goes in as received unless it spans lines (a pretty-printing server).
                let body = match std::str::from_utf8(&a.raw) {
                    Ok(t) if !t.contains(['\n', '\r']) => t.trim(),
                    _ => "",
                };
                if !body.is_empty() {
                    let head = json!({"id": id, "custom_id": self.custom_id});
                    let head = head.to_string();
                    return format!(
                        "{},\"response\":{{\"status_code\":{},\"request_id\":{},\"body\":{body}}},\"error\":null}}",
                        &head[..head.len() - 1],
                        a.status_code,
                        json!(a.request_id),
                    );
                }
                json!({
                    "id": id,
                    "custom_id": self.custom_id,
                    "response": {"status_code": a.status_code, "request_id": a.request_id,
                                 "body": a.json().unwrap_or(Value::Null)},
                    "error": null,
                })
            }
            Err(e) => match e.status() {
                Some(status) => {
                    let body = e
                        .body()
                        .and_then(|b| serde_json::from_str::<Value>(b).ok())
                        .unwrap_or_else(|| json!(e.body().unwrap_or_default()));
                    json!({
                        "id": id,
                        "custom_id": self.custom_id,
                        "response": {"status_code": status, "request_id": e.request_id(), "body": body},
                        "error": null,
                    })
                }
                None => json!({
                    "id": id,
                    "custom_id": self.custom_id,
                    "response": null,
                    "error": {"code": e.code().unwrap_or(e.kind().name()), "message": e.message()},
                }),
            },
        };
        line.to_string()
    }
}

fn line_id(custom_id: &str) -> u64 {
    // FNV-1a over the id and the time: unique enough per line, no dependency.
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ nanos;
    for b in custom_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Where a run is, for a progress display.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BulkProgress {
    /// Rows this run will handle (input rows minus those skipped), when known.
    pub total: Option<u64>,
    /// Rows finished this run, answered or failed.
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
    /// Cost so far in USD (models without a price count 0).
    pub cost_usd: f64,
    /// Since the run started.
    pub elapsed: Duration,
    /// Rows finished per second, over the run.
    pub rows_per_sec: f64,
    /// Estimated time to finish, when the total is known and a row has finished.
    pub eta: Option<Duration>,
    /// 429 answers seen.
    pub rate_limited: u64,
    /// Shared pauses taken after 429s.
    pub pauses: u64,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct BulkSummary {
    /// Every row's result (when [`BulkOptions::collect`]), in the requested order.
    pub results: Vec<RowResult>,
    /// Rows answered.
    pub ok: u64,
    /// Rows failed (including rows not sent for the budget).
    pub failed: u64,
    /// Rows skipped because the output file already had them.
    pub skipped: u64,
    /// Rows not sent because the budget ran out.
    pub not_run: u64,
    /// Prompt tokens reported by the answers.
    pub prompt_tokens: u64,
    /// Completion tokens reported by the answers.
    pub completion_tokens: u64,
    /// Cost in USD.
    pub cost_usd: f64,
    /// How long the run took.
    pub elapsed: Duration,
    /// 429 answers seen.
    pub rate_limited: u64,
    /// Shared pauses taken after 429s.
    pub pauses: u64,
}

// ================================================================================================
// Pacing
// ================================================================================================

/// A token bucket: `level` units, refilled at `rate` per second up to `cap`. The level may go
/// below zero when the server says more is in use than we counted.
#[derive(Clone, Debug)]
struct Bucket {
    rate: f64,
    cap: f64,
    level: f64,
    at: Instant,
}

impl Bucket {
    /// A bucket for `per_minute` holding a second's worth (at least one unit), starting with a
    /// tenth of a second's worth (at least one unit). Starting full would spend at once the whole
    /// burst the server allows, leaving it no slack: a request that then reached it a little
    /// early (network jitter) found its bucket empty and got a 429. Starting low leaves the
    /// server's bucket nearly full for the whole run.
    fn per_minute(per_minute: u64, now: Instant) -> Bucket {
        let rate = per_minute as f64 / 60.0;
        Bucket {
            rate,
            cap: rate.max(1.0),
            level: (rate * 0.1).max(1.0),
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = self.at.max(now);
        self.level = (self.level + dt * self.rate).min(self.cap);
    }

    /// How long until `cost` (capped at the bucket's size, so a big row can still pass when it
    /// is full) is available.
    fn wait(&self, cost: f64) -> Duration {
        let need = cost.min(self.cap);
        if self.level >= need {
            Duration::ZERO
        } else if self.rate <= 0.0 {
            Duration::from_secs(1)
        } else {
            Duration::from_secs_f64(((need - self.level) / self.rate).min(3600.0))
        }
    }

    fn take(&mut self, cost: f64) {
        self.level -= cost.min(self.cap);
    }
}

#[derive(Debug)]
struct Gate {
    own_requests: Option<Bucket>,
    own_tokens: Option<Bucket>,
    server_requests: Option<Bucket>,
    server_tokens: Option<Bucket>,
    paused_until: Option<Instant>,
    in_flight: u64,
    in_flight_tokens: u64,
    pauses: u64,
    rate_limited: u64,
}

impl Gate {
    fn new(opts: &BulkOptions, now: Instant) -> Gate {
        Gate {
            own_requests: opts.rpm.map(|r| Bucket::per_minute(r, now)),
            own_tokens: opts.tpm.map(|t| Bucket::per_minute(t, now)),
            server_requests: None,
            server_tokens: None,
            paused_until: None,
            in_flight: 0,
            in_flight_tokens: 0,
            pauses: 0,
            rate_limited: 0,
        }
    }

    /// Takes capacity for one request of `tokens` if all buckets and the pause allow it now;
    /// else how long to wait before asking again.
    fn try_take(&mut self, tokens: u64, now: Instant) -> Duration {
        let mut wait = self
            .paused_until
            .map_or(Duration::ZERO, |t| t.saturating_duration_since(now));
        let t = tokens as f64;
        for (b, cost) in [
            (&mut self.own_requests, 1.0),
            (&mut self.own_tokens, t),
            (&mut self.server_requests, 1.0),
            (&mut self.server_tokens, t),
        ] {
            if let Some(b) = b {
                b.refill(now);
                wait = wait.max(b.wait(cost));
            }
        }
        if !wait.is_zero() {
            return wait;
        }
        for (b, cost) in [
            (&mut self.own_requests, 1.0),
            (&mut self.own_tokens, t),
            (&mut self.server_requests, 1.0),
            (&mut self.server_tokens, t),
        ] {
            if let Some(b) = b {
                b.take(cost);
            }
        }
        self.in_flight += 1;
        self.in_flight_tokens += tokens;
        Duration::ZERO
    }

    /// Books an answer (or a failure without one): the request is no longer in flight, and the
    /// server's view of the limits, when it sent one, replaces ours.
    fn answered(&mut self, tokens: u64, limits: Option<&RateLimits>, now: Instant) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.in_flight_tokens = self.in_flight_tokens.saturating_sub(tokens);
        let Some(l) = limits else { return };
        let server =
            |limit: Option<u64>, remaining: Option<u64>, reset: Option<Duration>, out: u64| {
                let (limit, remaining) = (limit?, remaining?);
                if limit == 0 {
                    return None;
                }
                let rate = limit as f64 / 60.0;
                // The bucket's size: what remains plus what refills until it is full again.
                let cap = match reset {
                    Some(r) => remaining as f64 + r.as_secs_f64() * rate,
                    None => limit as f64,
                }
                .clamp(1.0, limit as f64);
                Some(Bucket {
                    rate,
                    cap,
                    level: remaining as f64 - out as f64,
                    at: now,
                })
            };
        let out = self.in_flight;
        if let Some(b) = server(
            l.limit_requests,
            l.remaining_requests,
            l.reset_requests,
            out,
        ) {
            self.server_requests = Some(b);
        }
        let out = self.in_flight_tokens;
        if let Some(b) = server(l.limit_tokens, l.remaining_tokens, l.reset_tokens, out) {
            self.server_tokens = Some(b);
        }
    }

    /// A 429: everyone waits `wait` from now (extending a pause under way, which then does not
    /// count as another).
    fn pause(&mut self, wait: Duration, now: Instant) {
        self.rate_limited += 1;
        let until = now + wait.min(MAX_PAUSE);
        match self.paused_until {
            Some(t) if t > now => self.paused_until = Some(t.max(until)),
            _ => {
                self.pauses += 1;
                self.paused_until = Some(until);
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn acquire(gate: &Mutex<Gate>, tokens: u64) {
    loop {
        let wait = lock(gate).try_take(tokens, Instant::now());
        if wait.is_zero() {
            return;
        }
        tokio::time::sleep(wait).await;
    }
}

// ================================================================================================
// Output
// ================================================================================================

/// A set of `custom_id`s, kept as 128-bit hashes of them: a run's ids (a million rows, read
/// from its input and from the output it resumes) take 16 bytes each, not a string each. Two
/// different ids of a million share a hash with odds of about 1 in 10^26.
#[derive(Debug, Default)]
pub struct IdSet(HashSet<u128, std::hash::BuildHasherDefault<SpreadHash>>);

impl IdSet {
    fn key(id: &str) -> u128 {
        use std::hash::{Hash, Hasher};
        let half = |salt: u8| {
            let mut h = std::hash::DefaultHasher::new();
            salt.hash(&mut h);
            id.hash(&mut h);
            h.finish()
        };
        (u128::from(half(1)) << 64) | u128::from(half(2))
    }

    /// Adds `id`; false if it was there already.
    pub fn insert(&mut self, id: &str) -> bool {
        self.0.insert(IdSet::key(id))
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: &str) -> bool {
        self.0.contains(&IdSet::key(id))
    }

    /// How many ids it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The table's hash of a key that is a hash already: its low half.
#[derive(Default)]
struct SpreadHash(u64);

impl std::hash::Hasher for SpreadHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

/// An output line's `custom_id`, if the line is a JSON object with one.
fn output_id(line: &str) -> Option<std::borrow::Cow<'_, str>> {
    // Only the id is decoded (borrowed when it has no escapes), the rest skipped: resuming a
    // million-row run reads a million lines. A line this refuses (a repeated key, say) gets the
    // general reading, where the last `custom_id` counts.
    #[derive(serde::Deserialize)]
    struct Line<'a> {
        #[serde(borrow)]
        custom_id: Option<std::borrow::Cow<'a, str>>,
    }
    if !line.trim_start().starts_with('{') {
        // A struct also decodes from an array; an array is not an output line.
        return None;
    }
    match serde_json::from_str::<Line<'_>>(line) {
        Ok(l) => l.custom_id,
        Err(_) => serde_json::from_str::<Value>(line)
            .ok()?
            .get("custom_id")?
            .as_str()
            .map(|s| s.to_owned().into()),
    }
}

/// The `custom_id`s an output file already holds. A last line cut short by a crash (no newline,
/// or not JSON) is cut off the file, so appending starts on a clean line; a bad line elsewhere
/// means the file is not one of ours, and is an error.
pub fn done_ids(path: impl AsRef<Path>) -> Result<IdSet> {
    let path = path.as_ref();
    let io =
        |e: std::io::Error| Error::invalid_argument(format!("cannot read {}: {e}", path.display()));
    let mut ids = IdSet::default();
    let mut file = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ids),
        Err(e) => return Err(io(e)),
    };
    let mut reader = std::io::BufReader::new(&mut file);
    let mut good_len = 0u64;
    let mut buf = Vec::new();
    let mut line_no = 0;
    let mut torn = None;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if let Some(bad) = torn {
            return Err(Error::invalid_argument(format!(
                "{} line {bad} is not an output line (and is not the last line)",
                path.display()
            )));
        }
        let complete = buf.ends_with(b"\n");
        let text = String::from_utf8_lossy(&buf);
        if text.trim().is_empty() {
            if complete {
                good_len += n as u64;
            }
            continue;
        }
        match output_id(&text) {
            Some(id) if complete => {
                ids.insert(&id);
                good_len += n as u64;
            }
            _ => torn = Some(line_no),
        }
    }
    drop(reader);
    if torn.is_some() {
        log::warn!(
            "bulk: {} ends with a torn line (an interrupted run); it is dropped",
            path.display()
        );
        file.set_len(good_len).map_err(io)?;
        file.seek(std::io::SeekFrom::End(0)).map_err(io)?;
    }
    Ok(ids)
}

struct Sink {
    file: std::fs::File,
    path: PathBuf,
}

impl Sink {
    fn open(path: &Path) -> Result<Sink> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::invalid_argument(format!("cannot open {}: {e}", path.display())))?;
        Ok(Sink {
            file,
            path: path.to_owned(),
        })
    }

    /// One whole line per write, so a crash leaves at most one torn line, at the end.
    fn write(&mut self, line: String) -> Result<()> {
        let mut text = line.into_bytes();
        text.push(b'\n');
        self.file.write_all(&text).map_err(|e| {
            Error::invalid_argument(format!("cannot write {}: {e}", self.path.display()))
        })
    }
}

// ================================================================================================
// The run
// ================================================================================================

struct Row {
    index: u64,
    req: BulkRequest,
    tokens: TokenEstimate,
}

/// Runs `rows` through `client`: at most `max_concurrency` at a time, within the rate limits,
/// each row retried on its own, every finished row handed to `on_result` (and appended to the
/// output file) as it finishes, `on_progress` called after each row and every half second.
///
/// Fails as a whole only for bad options, an unreadable or unwritable output file, or an output
/// file that is not one of ours; every per-row problem (a bad url, an HTTP error, a broken
/// connection) is that row's result. Dropping the future stops the run: finished rows are in the
/// file, and running again with the same file carries on.
pub async fn run<I>(
    client: &Client,
    rows: I,
    opts: &BulkOptions,
    mut on_result: impl FnMut(&RowResult) + Send,
    mut on_progress: impl FnMut(&BulkProgress) + Send,
) -> Result<BulkSummary>
where
    I: IntoIterator,
    I::Item: IntoRequest,
    I::IntoIter: Send,
{
    opts.check()?;
    let started = Instant::now();
    let prices = Arc::new(Prices::new(match &opts.prices {
        Some(p) => Arc::new(p.clone()),
        None => builtin_prices(),
    }));
    let max_retries = opts.max_retries.unwrap_or(client.config().max_retries);
    let (done_before, mut sink) = match &opts.output {
        Some(p) => (done_ids(p)?, Some(Sink::open(p)?)),
        None => (IdSet::default(), None),
    };
    let mut row_opts = opts.request_options.clone();
    row_opts.max_retries = Some(0);
    let row_opts = Arc::new(row_opts);
    let gate = Arc::new(Mutex::new(Gate::new(opts, started)));

    let mut rows = rows.into_iter();
    let total_hint = match rows.size_hint() {
        (lo, Some(hi)) if lo == hi => Some(lo as u64),
        _ => None,
    };
    let mut summary = BulkSummary::default();
    let mut progress = BulkProgress::default();
    let mut seen = IdSet::default();
    let mut results: Vec<RowResult> = Vec::new();
    // Each row is a task of its own: with every row polled inside this one task, the runtime's
    // other worker had nothing to run, parked, and was woken (a context switch) for every
    // connection task it could steal. A JoinSet also aborts the rows if the run is dropped.
    let mut in_flight: JoinSet<(RowResult, f64)> = JoinSet::new();
    let mut next_index = 0u64;
    let mut exhausted = false;
    let mut budget_out = false;
    let mut reserved_cost = 0.0f64;
    let mut ticker = tokio::time::interval(PROGRESS_TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    // Everything that finishes a row goes through here: file, callback, counters.
    let mut finish = |r: RowResult,
                      write: bool,
                      summary: &mut BulkSummary,
                      progress: &mut BulkProgress,
                      results: &mut Vec<RowResult>|
     -> Result<()> {
        if write && let Some(s) = sink.as_mut() {
            s.write(r.to_line())?;
        }
        match &r.outcome {
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
        progress.done += 1;
        progress.failed = summary.failed;
        on_result(&r);
        if opts.collect {
            results.push(r);
        }
        Ok(())
    };

    loop {
        // Fill the free slots, in input order.
        while !exhausted && !budget_out && in_flight.len() < opts.max_concurrency {
            let Some(item) = rows.next() else {
                exhausted = true;
                break;
            };
            let index = next_index;
            next_index += 1;
            let req = match item.into_request() {
                Ok(req) => req,
                Err(e) => {
                    // No custom_id to write it under: the row is in the results and the count.
                    let r = unreadable_row(index, e);
                    finish(r, false, &mut summary, &mut progress, &mut results)?;
                    continue;
                }
            };
            if done_before.contains(&req.custom_id) {
                summary.skipped += 1;
                continue;
            }
            let invalid = if !seen.insert(&req.custom_id) {
                Some(Error::invalid_argument(format!(
                    "duplicate custom_id {:?} (the first row with it runs)",
                    req.custom_id
                )))
            } else if req.custom_id.is_empty() {
                Some(Error::invalid_argument("empty custom_id"))
            } else {
                req.operation().err()
            };
            if let Some(e) = invalid {
                // A duplicate is not written: its line would shadow the first row's on resume.
                let write = !e.message().starts_with("duplicate");
                let r = RowResult {
                    index,
                    custom_id: req.custom_id,
                    url: req.url,
                    outcome: Err(e),
                    retries: 0,
                };
                finish(r, write, &mut summary, &mut progress, &mut results)?;
                continue;
            }
            // Exact counts only where they decide something the caller asked for.
            let tokens = if opts.tpm.is_some() || opts.max_cost_usd.is_some() {
                req.estimate_tokens()
            } else {
                req.estimate_tokens_roughly()
            };
            let est_cost = prices
                .get(req.model())
                .map_or(0.0, |p| p.cost_of(tokens.prompt, 0, tokens.max_output));
            if let Some(budget) = opts.max_cost_usd
                && summary.cost_usd + reserved_cost + est_cost > budget
            {
                budget_out = true;
                let r = budget_row(index, req, budget);
                finish(r, false, &mut summary, &mut progress, &mut results)?;
                summary.not_run += 1;
                break;
            }
            reserved_cost += est_cost;
            let row = Row { index, req, tokens };
            in_flight.spawn(run_row(
                client.clone(),
                gate.clone(),
                row,
                row_opts.clone(),
                max_retries,
                prices.clone(),
                est_cost,
            ));
        }
        if budget_out && !exhausted {
            // Every row left is reported, so the results cover the input; none is written.
            let budget = opts.max_cost_usd.unwrap_or(0.0);
            for item in rows.by_ref() {
                let index = next_index;
                next_index += 1;
                let r = match item.into_request() {
                    Ok(req) if done_before.contains(&req.custom_id) => {
                        summary.skipped += 1;
                        continue;
                    }
                    Ok(req) => {
                        summary.not_run += 1;
                        budget_row(index, req, budget)
                    }
                    Err(e) => unreadable_row(index, e),
                };
                finish(r, false, &mut summary, &mut progress, &mut results)?;
            }
            exhausted = true;
        }
        if in_flight.is_empty() && exhausted {
            break;
        }
        let finished = tokio::select! {
            r = in_flight.join_next() => match r {
                Some(Ok(done)) => Some(done),
                Some(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                _ => None,
            },
            _ = ticker.tick() => None,
        };
        if let Some((r, est_cost)) = finished {
            reserved_cost = (reserved_cost - est_cost).max(0.0);
            finish(r, true, &mut summary, &mut progress, &mut results)?;
        }
        {
            let g = lock(&gate);
            progress.in_flight = g.in_flight;
            progress.rate_limited = g.rate_limited;
            progress.pauses = g.pauses;
        }
        progress.skipped = summary.skipped;
        progress.prompt_tokens = summary.prompt_tokens;
        progress.completion_tokens = summary.completion_tokens;
        progress.cost_usd = summary.cost_usd;
        progress.elapsed = started.elapsed();
        progress.total = total_hint.map(|t| t.saturating_sub(summary.skipped));
        let secs = progress.elapsed.as_secs_f64();
        progress.rows_per_sec = if secs > 0.0 {
            progress.done as f64 / secs
        } else {
            0.0
        };
        progress.eta = match progress.total {
            Some(t) if progress.rows_per_sec > 0.0 => Some(Duration::from_secs_f64(
                t.saturating_sub(progress.done) as f64 / progress.rows_per_sec,
            )),
            _ => None,
        };
        on_progress(&progress);
    }
    if let Some(s) = &sink {
        // Per-row writes already reached the OS (safe from a crash of this process); at the end
        // they are also made durable against a crash of the machine.
        let _ = s.file.sync_data();
    }
    {
        let g = lock(&gate);
        summary.rate_limited = g.rate_limited;
        summary.pauses = g.pauses;
    }
    summary.elapsed = started.elapsed();
    if opts.order == Order::Input {
        results.sort_by_key(|r| r.index);
    }
    summary.results = results;
    Ok(summary)
}

/// [`run`] on a thread of its own with a current-thread runtime (see
/// [`crate::blocking::on_own_thread`]), for callers that hand a whole run over and wait: the
/// bindings. Every row's request, connection and timer is polled on that one thread. The
/// callbacks run there too. Dropping the returned future stops the run and returns once it has
/// stopped: finished rows are in the output file, and no row is written after.
pub fn run_on_own_thread<I>(
    client: &Client,
    rows: I,
    opts: &BulkOptions,
    on_result: impl FnMut(&RowResult) + Send + 'static,
    on_progress: impl FnMut(&BulkProgress) + Send + 'static,
) -> Result<crate::blocking::OwnThread<Result<BulkSummary>>>
where
    I: IntoIterator + Send + 'static,
    I::Item: IntoRequest,
    I::IntoIter: Send,
{
    let (client, opts) = (client.clone(), opts.clone());
    crate::blocking::on_own_thread("openai-rs-bulk", async move {
        run(&client, rows, &opts, on_result, on_progress).await
    })
}

/// A run's price table, with its last lookup remembered: a run's rows nearly always name one
/// model, and a lookup scans the table (2.4 % of a row's CPU in a profile of 20,000 rows).
struct Prices {
    table: Arc<PriceTable>,
    last: Mutex<Option<(String, Option<ModelPrice>)>>,
}

impl Prices {
    fn new(table: Arc<PriceTable>) -> Prices {
        Prices {
            table,
            last: Mutex::new(None),
        }
    }

    fn get(&self, model: &str) -> Option<ModelPrice> {
        let mut last = lock(&self.last);
        match &*last {
            Some((m, p)) if m == model => *p,
            _ => {
                let p = self.table.get(model).copied();
                *last = Some((model.to_owned(), p));
                p
            }
        }
    }
}

/// The built-in price table, shared by every run without one of its own.
fn builtin_prices() -> Arc<PriceTable> {
    static BUILTIN: OnceLock<Arc<PriceTable>> = OnceLock::new();
    BUILTIN
        .get_or_init(|| Arc::new(PriceTable::builtin().clone()))
        .clone()
}

fn budget_row(index: u64, req: BulkRequest, budget: f64) -> RowResult {
    RowResult {
        index,
        custom_id: req.custom_id,
        url: req.url,
        outcome: Err(Error::new(
            ErrorKind::BudgetExceeded,
            format!("not sent: the run's cost budget of ${budget} would be exceeded"),
        )),
        retries: 0,
    }
}

/// What a run takes as a row: a request, or (from [`RequestLines`]) a line that could not be
/// read, which becomes that row's error.
pub trait IntoRequest {
    /// The request, or why there is none.
    fn into_request(self) -> Result<BulkRequest>;
}

impl IntoRequest for BulkRequest {
    fn into_request(self) -> Result<BulkRequest> {
        Ok(self)
    }
}

impl IntoRequest for Result<BulkRequest> {
    fn into_request(self) -> Result<BulkRequest> {
        self
    }
}

fn unreadable_row(index: u64, e: Error) -> RowResult {
    RowResult {
        index,
        custom_id: String::new(),
        url: String::new(),
        outcome: Err(e),
        retries: 0,
    }
}

/// One row from first attempt to final outcome; hands back the cost it reserved.
async fn run_row(
    client: Client,
    gate: Arc<Mutex<Gate>>,
    row: Row,
    opts: Arc<RequestOptions>,
    max_retries: u32,
    prices: Arc<Prices>,
    est_cost: f64,
) -> (RowResult, f64) {
    let (gate, opts, prices) = (&*gate, &*opts, &*prices);
    let Row { index, req, tokens } = row;
    let charge = tokens.total();
    let ep = crate::endpoints::find(req.operation().unwrap_or_default())
        .expect("ROUTES names operations of the table");
    let model = req.model().to_owned();
    let call = Call::new().json(req.body);
    let mut retries = 0u32;
    let mut limited = 0u32;
    let outcome = loop {
        acquire(gate, charge).await;
        let res = client.call_raw_counted(ep, &call, opts).await;
        let now = Instant::now();
        match res {
            Ok((resp, counted)) => {
                lock(gate).answered(charge, Some(&resp.rate_limits()), now);
                break Ok(counted_answer(
                    resp.raw,
                    resp.status,
                    resp.request_id,
                    counted,
                    &model,
                    prices,
                ));
            }
            Err(e) => {
                let limits = (!e.headers().is_empty()).then(|| error_limits(&e));
                lock(gate).answered(charge, limits.as_ref(), now);
                let header = |name: &str| {
                    e.headers()
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.as_str())
                };
                let hint = retry::parse_retry_after(
                    header("retry-after-ms"),
                    header("retry-after"),
                    SystemTime::now(),
                );
                let should = retry::should_retry_header(header("x-should-retry"));
                let quota = e.code() == Some("insufficient_quota")
                    || e.error_type() == Some("insufficient_quota");
                if e.status() == Some(429) && !quota && should != Some(false) {
                    let wait = match hint {
                        RetryAfter::Delay(d) | RetryAfter::TooLong(d) => d,
                        RetryAfter::Unspecified => retry::backoff_delay(limited, retry::jitter()),
                    };
                    lock(gate).pause(wait, now);
                    if limited >= MAX_RATE_LIMIT_RETRIES {
                        break Err(e);
                    }
                    limited += 1;
                    retries += 1;
                    continue;
                }
                let retryable = match e.status() {
                    Some(s) => should.unwrap_or(retry::status_is_retryable(s) && !quota),
                    None => matches!(e.kind(), ErrorKind::Connection | ErrorKind::Timeout),
                };
                if !retryable || retries - limited >= max_retries {
                    break Err(e);
                }
                let wait = match hint {
                    RetryAfter::Delay(d) => d,
                    _ => retry::backoff_delay(retries - limited, retry::jitter()),
                };
                tokio::time::sleep(wait).await;
                retries += 1;
            }
        }
    };
    let result = RowResult {
        index,
        custom_id: req.custom_id,
        url: req.url,
        outcome,
        retries,
    };
    (result, est_cost)
}

fn error_limits(e: &Error) -> RateLimits {
    let mut h = reqwest::header::HeaderMap::new();
    for (k, v) in e.headers() {
        if k.starts_with("x-ratelimit-")
            && let (Ok(k), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(k.as_bytes()),
                reqwest::header::HeaderValue::from_str(v),
            )
        {
            h.insert(k, v);
        }
    }
    RateLimits::from_headers(&h)
}

/// [`answer_of`] for an answer whose model and usage [`Client::call_raw_counted`] already read
/// (and whose body it checked to be JSON).
fn counted_answer(
    raw: bytes::Bytes,
    status: u16,
    request_id: Option<String>,
    counted: Option<crate::endpoints::Counted>,
    request_model: &str,
    prices: &Prices,
) -> RowAnswer {
    let (model, usage) = match counted {
        Some(c) => (Some(c.model).filter(|m| !m.is_empty()), c.usage),
        None => (None, None),
    };
    let price = prices.get(model.as_deref().unwrap_or(request_model));
    row_answer(owned_body(&raw), status, request_id, usage, price)
}

/// A row's answer, its cost priced by `price` (the answer's model's, else the request's).
fn row_answer(
    raw: bytes::Bytes,
    status: u16,
    request_id: Option<String>,
    usage: Option<Usage>,
    price: Option<ModelPrice>,
) -> RowAnswer {
    RowAnswer {
        status_code: status,
        request_id,
        raw,
        cost_usd: match (&usage, price) {
            (Some(u), Some(p)) => Some(p.cost(u)),
            _ => None,
        },
        usage,
    }
}

/// The body to keep: `null` for an empty one, else a copy of exactly the body (the transport's
/// `Bytes` can share a much larger read buffer, and a run keeps every row's answer: 20,000 small
/// answers held 200 MB).
fn owned_body(raw: &[u8]) -> bytes::Bytes {
    if raw.iter().all(u8::is_ascii_whitespace) {
        bytes::Bytes::from_static(b"null")
    } else {
        bytes::Bytes::copy_from_slice(raw)
    }
}

pub(crate) fn answer_of(
    raw: bytes::Bytes,
    status: u16,
    request_id: Option<String>,
    request_model: &str,
    prices: &PriceTable,
) -> std::result::Result<RowAnswer, Error> {
    // Only what the counters need is read; the rest of the body is skipped, not built.
    #[derive(serde::Deserialize)]
    struct Lite {
        #[serde(default)]
        model: Option<String>,
        #[serde(default)]
        usage: Option<Value>,
    }
    let raw = owned_body(&raw);
    let lite: Option<Lite> = serde_json::from_slice(&raw).map_err(|e| {
        Error::decode(
            format!("the answer is not valid JSON: {e}"),
            String::from_utf8_lossy(&raw),
        )
        .with_status(status)
        .with_request_id(request_id.clone())
    })?;
    let (model, usage) = match lite {
        Some(l) => (
            l.model,
            l.usage.as_ref().and_then(crate::endpoints::usage_of),
        ),
        None => (None, None),
    };
    let price = prices
        .get(model.as_deref().unwrap_or(request_model))
        .copied();
    Ok(row_answer(raw, status, request_id, usage, price))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The remembered lookup answers as the table does, also when the model changes.
    #[test]
    fn prices_remember_the_last_model_only_as_a_shortcut() {
        let table = builtin_prices();
        let p = Prices::new(table.clone());
        for m in [
            "gpt-4o-mini",
            "gpt-4o-mini",
            "gpt-4o",
            "no-such-model",
            "gpt-4o-mini",
            "gpt-4o",
        ] {
            assert_eq!(p.get(m), table.get(m).copied(), "{m}");
        }
        assert_ne!(p.get("gpt-4o"), p.get("gpt-4o-mini"));
    }

    #[test]
    fn output_ids_are_read_as_a_json_reader_would() {
        let id = |l: &str| output_id(l).map(|c| c.into_owned());
        assert_eq!(
            id(r#"{"id":"x","custom_id":"a","response":{"body":{"custom_id":"no"}}}"#).as_deref(),
            Some("a")
        );
        assert_eq!(id(r#"{"custom_id":"a\"b"}"#).as_deref(), Some("a\"b"));
        assert_eq!(
            id(r#"{"custom_id":"a","custom_id":"b"}"#).as_deref(),
            Some("b")
        );
        for not_one in [
            r#"["a"]"#,
            r#"{"custom_id":7}"#,
            r#"{"custom_id":null}"#,
            "{",
            "x",
        ] {
            assert_eq!(id(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn id_sets_tell_ids_apart() {
        let mut s = IdSet::default();
        for i in 0..100_000 {
            assert!(s.insert(&format!("row-{i}")));
        }
        assert!(!s.insert("row-7") && s.contains("row-99999") && !s.contains("row-100000"));
        assert!(s.insert("") && !s.insert("") && s.insert("\0"));
        assert_eq!(s.len(), 100_002);
    }

    #[test]
    fn lines_parse_and_bad_ones_say_why() {
        let r = BulkRequest::from_line(
            r#"{"custom_id":"a","method":"POST","url":"/v1/embeddings","body":{"model":"m","input":"x"}}"#,
        )
        .unwrap();
        assert_eq!(r.operation().unwrap(), "createEmbedding");
        for (line, want) in [
            (r#"{"url":"/v1/embeddings","body":{}}"#, "custom_id"),
            (r#"{"custom_id":"a","body":{}}"#, "url"),
            (r#"{"custom_id":"a","url":"/v1/embeddings"}"#, "body"),
            (
                r#"{"custom_id":"a","url":"/v1/images/generations","body":{}}"#,
                "not supported",
            ),
            (
                r#"{"custom_id":"a","method":"GET","url":"/v1/embeddings","body":{}}"#,
                "POST only",
            ),
            ("{nope", "JSON"),
            (
                r#"{"custom_id":"","url":"/v1/embeddings","body":{}}"#,
                "custom_id",
            ),
            (
                r#"{"custom_id":"a","url":"/v1/embeddings","body":[]}"#,
                "object",
            ),
        ] {
            let e = BulkRequest::from_line(line).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.message().contains(want), "{line}: {e}");
        }
        // Lines the direct decoding refuses but the general path takes, read as before: a null
        // method is POST, and of repeated keys the last one counts.
        let r = BulkRequest::from_line(
            r#"{"custom_id":"a","custom_id":"b","method":null,"url":"/v1/embeddings","body":{}}"#,
        )
        .unwrap();
        assert_eq!((r.custom_id.as_str(), r.method.as_str()), ("b", "POST"));
    }

    #[test]
    fn token_estimates_add_the_output_cap() {
        let chat = BulkRequest::chat(
            "c",
            json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello there"}],
                   "max_tokens": 50, "n": 2}),
        );
        let e = chat.estimate_tokens();
        assert!(e.prompt > 2 && e.prompt < 20, "{e:?}");
        assert_eq!(e.max_output, 100);
        let resp = BulkRequest::new(
            "r",
            "/v1/responses",
            json!({"model": "gpt-4o", "input": "Hello there", "max_output_tokens": 7}),
        );
        assert_eq!(resp.estimate_tokens().max_output, 7);
        assert!(resp.estimate_tokens().prompt >= 2);
        let emb = BulkRequest::new(
            "e",
            "/v1/embeddings",
            json!({"model": "text-embedding-3-small", "input": [[1, 2, 3], "four five"]}),
        );
        assert_eq!(emb.estimate_tokens().prompt, 3 + 2);
    }

    #[test]
    fn rough_estimates_stay_near_the_exact_ones() {
        let text = "The quick brown fox jumps over the lazy dog. ".repeat(20);
        let chat = BulkRequest::chat(
            "c",
            json!({"model": "gpt-4o-mini", "max_tokens": 50,
                   "messages": [{"role": "system", "content": "Be brief."},
                                {"role": "user", "content": text}]}),
        );
        let (exact, rough) = (chat.estimate_tokens(), chat.estimate_tokens_roughly());
        assert_eq!(rough.max_output, 50);
        let ratio = rough.prompt as f64 / exact.prompt as f64;
        assert!((0.7..1.6).contains(&ratio), "{exact:?} {rough:?}");
        let resp = BulkRequest::new(
            "r",
            "/v1/responses",
            json!({"model": "gpt-4o", "input": text, "max_output_tokens": 7}),
        );
        let (exact, rough) = (resp.estimate_tokens(), resp.estimate_tokens_roughly());
        assert_eq!(rough.max_output, 7);
        let ratio = rough.prompt as f64 / exact.prompt as f64;
        assert!((0.7..1.6).contains(&ratio), "{exact:?} {rough:?}");
    }

    #[test]
    fn bucket_paces_and_the_server_view_takes_over() {
        let t0 = Instant::now();
        let opts = BulkOptions {
            rpm: Some(120),
            ..Default::default()
        };
        let mut g = Gate::new(&opts, t0);
        // 2 per second, starting with one: the first goes at once, the second waits half a
        // second, and after a quiet second two go at once (the bucket holds a second's worth).
        assert!(g.try_take(10, t0).is_zero());
        let w = g.try_take(10, t0);
        assert!((w.as_secs_f64() - 0.5).abs() < 1e-6, "{w:?}");
        assert!(g.try_take(10, t0 + Duration::from_millis(500)).is_zero());
        let t = t0 + Duration::from_millis(1500);
        assert!(g.try_take(10, t).is_zero());
        assert!(g.try_take(10, t).is_zero());
        assert!(!g.try_take(10, t).is_zero());
        assert_eq!(g.in_flight, 4);
        // The server says nothing remains (limit 60/min) while three more are out: the next
        // request waits for four refills of one per second.
        let limits = RateLimits {
            limit_requests: Some(60),
            remaining_requests: Some(0),
            reset_requests: Some(Duration::from_secs(5)),
            ..Default::default()
        };
        let t1 = t0 + Duration::from_secs(10);
        g.answered(10, Some(&limits), t1);
        let w = g.try_take(10, t1);
        assert!((w.as_secs_f64() - 4.0).abs() < 1e-6, "{w:?}");
    }

    #[test]
    fn a_burst_of_429s_is_one_pause() {
        let t0 = Instant::now();
        let mut g = Gate::new(&BulkOptions::default(), t0);
        for i in 0..5 {
            g.pause(Duration::from_secs(2), t0 + Duration::from_millis(i * 10));
        }
        assert_eq!((g.pauses, g.rate_limited), (1, 5));
        let w = g.try_take(1, t0 + Duration::from_secs(1));
        assert!((w.as_secs_f64() - 1.04).abs() < 1e-6, "{w:?}");
        // After the pause, a new 429 is a new pause.
        g.pause(Duration::from_secs(1), t0 + Duration::from_secs(3));
        assert_eq!(g.pauses, 2);
    }

    #[test]
    fn output_lines_follow_the_batch_format() {
        let ok = RowResult {
            index: 0,
            custom_id: "a".into(),
            url: "/v1/chat/completions".into(),
            outcome: Ok(RowAnswer {
                status_code: 200,
                request_id: Some("req_1".into()),
                raw: bytes::Bytes::from_static(br#"{"x": 1}"#),
                usage: None,
                cost_usd: None,
            }),
            retries: 0,
        };
        let parse = |t: String| serde_json::from_str::<Value>(&t).unwrap();
        let l = parse(ok.to_line());
        assert_eq!(l["custom_id"], "a");
        assert_eq!(l["response"]["status_code"], 200);
        assert_eq!(l["response"]["body"]["x"], 1);
        assert!(l["error"].is_null());
        assert!(l["id"].as_str().unwrap().starts_with("bulk_req_"));
        let http = Error::from_status(
            400,
            br#"{"error":{"message":"bad","type":"invalid_request_error"}}"#,
            vec![],
            Some("req_2".into()),
        );
        // A body that spans lines is re-encoded on one.
        let pretty = RowResult {
            outcome: Ok(RowAnswer {
                status_code: 200,
                request_id: None,
                raw: bytes::Bytes::from_static(b"{\n  \"x\": [1,\n 2]\n}\n"),
                usage: None,
                cost_usd: None,
            }),
            index: 2,
            custom_id: "p\"q".into(),
            url: "/v1/embeddings".into(),
            retries: 0,
        };
        let text = pretty.to_line();
        assert!(!text.contains('\n'), "{text}");
        let l = parse(text);
        assert_eq!(l["response"]["body"]["x"][1], 2);
        assert_eq!(l["custom_id"], "p\"q");
        assert!(l["response"]["request_id"].is_null());
        let l = parse(
            RowResult {
                outcome: Err(http),
                ..ok
            }
            .to_line(),
        );
        assert_eq!(l["response"]["status_code"], 400);
        assert_eq!(l["response"]["body"]["error"]["message"], "bad");
        assert!(l["error"].is_null());
        let conn = RowResult {
            index: 1,
            custom_id: "b".into(),
            url: "/v1/embeddings".into(),
            outcome: Err(Error::new(ErrorKind::Connection, "refused")),
            retries: 2,
        };
        let l = parse(conn.to_line());
        assert!(l["response"].is_null());
        assert_eq!(l["error"]["code"], "connection");
    }

    #[test]
    fn resume_reads_ids_and_cuts_a_torn_last_line() {
        let dir = std::env::temp_dir().join(format!("bulk-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("out.jsonl");
        std::fs::write(
            &p,
            "{\"custom_id\":\"a\"}\n\n{\"custom_id\":\"b\"}\n{\"custom_id\":\"c\",\"resp",
        )
        .unwrap();
        let ids = done_ids(&p).unwrap();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains("a") && ids.contains("b"));
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.ends_with("{\"custom_id\":\"b\"}\n"), "{text:?}");
        // A complete last line without its newline is torn too (the newline is the commit).
        std::fs::write(&p, "{\"custom_id\":\"a\"}\n{\"custom_id\":\"b\"}").unwrap();
        assert_eq!(done_ids(&p).unwrap().len(), 1);
        // A bad line in the middle is not ours to cut.
        std::fs::write(
            &p,
            "{\"custom_id\":\"a\"}\ngarbage\n{\"custom_id\":\"b\"}\n",
        )
        .unwrap();
        assert!(done_ids(&p).unwrap_err().message().contains("line 2"));
        assert!(done_ids(dir.join("missing.jsonl")).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn files_are_checked_before_anything_runs() {
        let dir = std::env::temp_dir().join(format!("bulk-unit-in-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("in.jsonl");
        let line = |id: &str| {
            format!(
                "{{\"custom_id\":\"{id}\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{{\"input\":\"x\"}}}}\n"
            )
        };
        std::fs::write(&p, format!("{}\n{}", line("a"), line("b"))).unwrap();
        assert_eq!(read_requests(&p).unwrap().len(), 2);
        std::fs::write(&p, format!("{}{}", line("a"), line("a"))).unwrap();
        let e = read_requests(&p).unwrap_err();
        assert!(
            e.message().contains("line 2") && e.message().contains("duplicate"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
