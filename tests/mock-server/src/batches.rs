//! The Batch API: a batch validates its JSONL input on creation, answers
//! every line with the body the live route would give, and then walks its
//! states one `GET` at a time, so clients can test their polling.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Value, json};

use crate::files::{self, Content, FileStore};
use crate::legacy;
use crate::multipart::{Blob, Fnv};
use crate::openai::{self, ApiError, CREATED, missing, object};
use crate::responses;

pub const ENDPOINTS: &[&str] = &[
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/responses",
    "/v1/completions",
    "/v1/moderations",
];

/// `GET`s until a batch is `completed` unless `batch-polls=N` says otherwise.
pub const DEFAULT_POLLS: u32 = 3;

/// The answer a live route gives `body`; `id` names the object (the
/// Responses route derives its own id from it).
pub fn live_answer(endpoint: &str, body: &Value, id: &str) -> Result<Value, ApiError> {
    let parse = |v: Vec<u8>| serde_json::from_slice(&v).expect("the mock's own JSON parses");
    match endpoint {
        "/v1/chat/completions" => {
            let plan = openai::plan_chat(body, None)?;
            let calls: Vec<String> = (0..plan.n).map(|i| format!("call_{id}_{i}")).collect();
            Ok(parse(openai::completion_body(
                &plan,
                &format!("chatcmpl-{id}"),
                &calls,
            )))
        }
        "/v1/embeddings" => openai::embeddings_body(body).map(parse),
        "/v1/responses" => responses::plan_response(body, None, id, |_| None).map(|p| p.response),
        "/v1/completions" => {
            legacy::plan_completion(body, None).map(|p| p.body(&format!("cmpl-{id}")))
        }
        "/v1/moderations" => legacy::moderations_body(body, &format!("modr-{id}")),
        _ => Err(ApiError::invalid(
            format!("Unsupported endpoint '{endpoint}'."),
            "endpoint",
        )),
    }
}

fn batch_error(code: &str, message: String, line: Option<usize>, param: Option<&str>) -> Value {
    json!({"code": code, "message": message, "param": param, "line": line})
}

/// The lines of a batch input, `(custom_id, body)`, or the validation errors
/// that fail the batch (line numbers 1-based).
pub fn validate(input: &[u8], endpoint: &str) -> Result<Vec<(String, Value)>, Vec<Value>> {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let text = String::from_utf8_lossy(input);
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let Ok(Value::Object(line)) = serde_json::from_str::<Value>(raw) else {
            errors.push(batch_error(
                "invalid_json_line",
                format!("This line is not parseable as valid JSON (line {n})."),
                Some(n),
                None,
            ));
            continue;
        };
        let Some(custom_id) = line.get("custom_id").and_then(Value::as_str) else {
            errors.push(batch_error(
                "missing_required_parameter",
                "Missing required parameter: 'custom_id'.".into(),
                Some(n),
                Some("custom_id"),
            ));
            continue;
        };
        if !seen.insert(custom_id.to_owned()) {
            errors.push(batch_error(
                "duplicate_custom_id",
                format!("The custom_id '{custom_id}' is used by more than one request."),
                Some(n),
                Some("custom_id"),
            ));
            continue;
        }
        if line.get("method").and_then(Value::as_str) != Some("POST") {
            errors.push(batch_error(
                "invalid_method",
                "Only 'POST' is supported as the method.".into(),
                Some(n),
                Some("method"),
            ));
            continue;
        }
        if line.get("url").and_then(Value::as_str) != Some(endpoint) {
            errors.push(batch_error(
                "mismatched_endpoint",
                format!("The url of every request must be the batch's endpoint '{endpoint}'."),
                Some(n),
                Some("url"),
            ));
            continue;
        }
        let Some(body) = line.get("body").filter(|b| b.is_object()) else {
            errors.push(batch_error(
                "missing_required_parameter",
                "Missing required parameter: 'body'.".into(),
                Some(n),
                Some("body"),
            ));
            continue;
        };
        lines.push((custom_id.to_owned(), body.clone()));
    }
    if lines.is_empty() && errors.is_empty() {
        errors.push(batch_error(
            "empty_file",
            "The input file has no requests.".into(),
            None,
            None,
        ));
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

fn fnv(s: &str) -> u64 {
    let mut h = Fnv::default();
    h.update(s.as_bytes());
    h.0
}

/// The order output lines come in: by a hash of `custom_id`, and never the
/// input order when there are two lines or more (reversed if the hash
/// happens to keep it), so clients must join on `custom_id`.
pub fn output_order(custom_ids: &[&str]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..custom_ids.len()).collect();
    order.sort_by_key(|&i| (fnv(custom_ids[i]), i));
    if order.windows(2).all(|w| w[0] < w[1]) {
        order.reverse();
    }
    order
}

/// What running a batch's lines produced.
#[derive(Debug, Clone, Default)]
pub struct Results {
    pub output: Vec<u8>,
    pub errors: Vec<u8>,
    pub completed: u64,
    pub failed: u64,
    pub usage: Value,
}

/// Answers each line as its live route would, writing success lines to the
/// output file and failures (400 and the error envelope) to the error file.
pub fn run(batch_id: &str, endpoint: &str, lines: &[(String, Value)]) -> Results {
    let ids: Vec<&str> = lines.iter().map(|(c, _)| c.as_str()).collect();
    let mut r = Results::default();
    let (mut input_tokens, mut output_tokens) = (0u64, 0u64);
    for i in output_order(&ids) {
        let (custom_id, body) = &lines[i];
        let id = format!("{batch_id}-{i}");
        let h = fnv(&id);
        let (status, body) = match live_answer(endpoint, body, &id) {
            Ok(v) => {
                let u = &v["usage"];
                let num = |k: &str| u[k].as_u64().unwrap_or(0);
                input_tokens += num("prompt_tokens") + num("input_tokens");
                output_tokens += num("completion_tokens") + num("output_tokens");
                r.completed += 1;
                (200, v)
            }
            Err(e) => {
                r.failed += 1;
                (
                    e.status,
                    serde_json::from_slice(&e.body()).expect("an envelope parses"),
                )
            }
        };
        let line = json!({
            "id": format!("batch_req_{h:016x}"),
            "custom_id": custom_id,
            "response": {
                "status_code": status,
                "request_id": format!("req_{:016x}", h.rotate_left(17)),
                "body": body,
            },
            "error": null,
        });
        let out = if status == 200 {
            &mut r.output
        } else {
            &mut r.errors
        };
        serde_json::to_writer(&mut *out, &line).expect("writing to a Vec cannot fail");
        out.push(b'\n');
    }
    r.usage = json!({
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    });
    r
}

enum Outcome {
    Ran(Results),
    Invalid(Vec<Value>),
}

struct Batch {
    object: Value,
    /// `GET`s it takes to finish.
    polls: u32,
    seen: u32,
    outcome: Option<Outcome>,
}

#[derive(Default)]
pub struct BatchStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Oldest first.
    order: Vec<String>,
    map: HashMap<String, Batch>,
    next: u64,
}

fn not_found(id: &str) -> ApiError {
    ApiError::invalid(format!("No batch found with id '{id}'."), "batch_id").with_status(404)
}

impl BatchStore {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `POST /v1/batches`. `polls` is `batch-polls=N` (default
    /// [`DEFAULT_POLLS`]); 0 answers the create already finished.
    pub fn create(&self, body: &Value, files: &FileStore, polls: u32) -> Result<Value, ApiError> {
        let obj = object(body)?;
        let input_file_id = match obj.get("input_file_id") {
            Some(Value::String(s)) if !s.is_empty() => s.as_str(),
            _ => return Err(missing("input_file_id")),
        };
        let endpoint = match obj.get("endpoint") {
            Some(Value::String(e)) if ENDPOINTS.contains(&e.as_str()) => e.as_str(),
            None | Some(Value::Null) => return Err(missing("endpoint")),
            Some(e) => {
                return Err(ApiError::invalid(
                    format!(
                        "Invalid value for 'endpoint': {e} is not one of {}.",
                        ENDPOINTS.join(", ")
                    ),
                    "endpoint",
                ));
            }
        };
        match obj.get("completion_window") {
            Some(Value::String(w)) if w == "24h" => {}
            None | Some(Value::Null) => return Err(missing("completion_window")),
            Some(_) => {
                return Err(ApiError::invalid(
                    "Invalid value for 'completion_window': only '24h' is supported.",
                    "completion_window",
                ));
            }
        }
        let metadata = files::metadata(obj)?;
        let (file, content) = files.get(input_file_id).map_err(|_| {
            ApiError::invalid(
                format!("Input file '{input_file_id}' not found."),
                "input_file_id",
            )
            .with_status(404)
        })?;
        if file["purpose"] != "batch" {
            return Err(ApiError::invalid(
                format!("The input file '{input_file_id}' must have purpose 'batch'."),
                "input_file_id",
            ));
        }
        let input = content
            .read_all()
            .map_err(|e| ApiError::new(500, format!("Could not read the input file: {e}")))?;
        let mut inner = self.lock();
        inner.next += 1;
        let n = inner.next;
        let id = format!("batch_mock{n}");
        let created = CREATED + n * 10;
        let (outcome, model, total) = match validate(&input, endpoint) {
            Ok(lines) => {
                let model = lines
                    .iter()
                    .find_map(|(_, b)| b.get("model").and_then(Value::as_str))
                    .map(str::to_owned);
                let total = lines.len();
                (Outcome::Ran(run(&id, endpoint, &lines)), model, total)
            }
            Err(errors) => (Outcome::Invalid(errors), None, 0),
        };
        let mut object = json!({
            "id": id,
            "object": "batch",
            "endpoint": endpoint,
            "errors": null,
            "input_file_id": input_file_id,
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": null,
            "error_file_id": null,
            "created_at": created,
            "in_progress_at": null,
            "expires_at": created + 86_400,
            "finalizing_at": null,
            "completed_at": null,
            "failed_at": null,
            "expired_at": null,
            "cancelling_at": null,
            "cancelled_at": null,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": metadata,
        });
        if let Some(m) = model {
            object["model"] = json!(m);
        }
        let mut batch = Batch {
            object,
            polls,
            seen: 0,
            outcome: Some(outcome),
        };
        batch.object["request_counts"]["total"] = json!(total);
        if polls == 0 {
            advance(&mut batch, &id, files, true);
        }
        let answer = batch.object.clone();
        inner.order.push(id.clone());
        inner.map.insert(id, batch);
        Ok(answer)
    }

    /// `GET /v1/batches/{id}`: each call moves the batch one step on.
    pub fn retrieve(&self, id: &str, files: &FileStore) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let b = inner.map.get_mut(id).ok_or_else(|| not_found(id))?;
        b.seen += 1;
        let done = b.seen >= b.polls;
        advance(b, id, files, done);
        Ok(b.object.clone())
    }

    pub fn cancel(&self, id: &str) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let b = inner.map.get_mut(id).ok_or_else(|| not_found(id))?;
        let status = b.object["status"].as_str().unwrap_or("").to_owned();
        match status.as_str() {
            "validating" | "in_progress" | "finalizing" => {
                let at = b.object["created_at"].as_u64().unwrap_or(CREATED) + 5;
                b.object["status"] = json!("cancelling");
                b.object["cancelling_at"] = json!(at);
                b.outcome = None;
                Ok(b.object.clone())
            }
            "cancelling" => Ok(b.object.clone()),
            s => Err(ApiError::new(
                409,
                format!("Cannot cancel a batch with status '{s}'."),
            )),
        }
    }

    /// `GET /v1/batches?after&limit`, newest first.
    pub fn list(&self, query: &str) -> Result<Value, ApiError> {
        let inner = self.lock();
        let items: Vec<Value> = inner
            .order
            .iter()
            .filter_map(|id| inner.map.get(id).map(|b| b.object.clone()))
            .collect();
        files::page(&items, query, 20, 100, true)
    }
}

/// One step: validating → in_progress → (finalizing) → completed, or
/// failed for an invalid input, or cancelling → cancelled. `finish` jumps
/// to the end.
fn advance(b: &mut Batch, id: &str, files: &FileStore, finish: bool) {
    let created = b.object["created_at"].as_u64().unwrap_or(CREATED);
    let status = b.object["status"].as_str().unwrap_or("").to_owned();
    let o = &mut b.object;
    match status.as_str() {
        "cancelling" => {
            o["status"] = json!("cancelled");
            o["cancelled_at"] = json!(created + 6);
        }
        "validating" | "in_progress" | "finalizing" => match &b.outcome {
            Some(Outcome::Invalid(errors)) => {
                o["status"] = json!("failed");
                o["failed_at"] = json!(created + 1);
                o["errors"] = json!({"object": "list", "data": errors});
            }
            Some(Outcome::Ran(r)) if finish => {
                let total = r.completed + r.failed;
                o["in_progress_at"] = json!(created + 1);
                o["finalizing_at"] = json!(created + 2);
                o["completed_at"] = json!(created + 3);
                o["status"] = json!("completed");
                o["request_counts"] =
                    json!({"total": total, "completed": r.completed, "failed": r.failed});
                o["usage"] = r.usage.clone();
                let name = format!("{id}_output.jsonl");
                let out = files.add(
                    &name,
                    "batch_output",
                    Content::one(Blob::Mem(std::sync::Arc::new(r.output.clone()))),
                );
                o["output_file_id"] = out["id"].clone();
                if r.failed > 0 {
                    let err = files.add(
                        &format!("{id}_error.jsonl"),
                        "batch_output",
                        Content::one(Blob::Mem(std::sync::Arc::new(r.errors.clone()))),
                    );
                    o["error_file_id"] = err["id"].clone();
                }
                b.outcome = None;
            }
            Some(Outcome::Ran(r)) => {
                // The last step before completion is finalizing, when there
                // is room for both it and in_progress.
                let last = b.seen + 1 >= b.polls && b.polls >= 3;
                o["in_progress_at"] = json!(created + 1);
                if last {
                    o["status"] = json!("finalizing");
                    o["finalizing_at"] = json!(created + 2);
                    o["request_counts"] = json!({"total": r.completed + r.failed,
                        "completed": r.completed, "failed": r.failed});
                } else {
                    o["status"] = json!("in_progress");
                }
            }
            None => {}
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn chat_line(id: &str, text: &str) -> String {
        json!({"custom_id": id, "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}})
        .to_string()
    }

    fn input_file(files: &FileStore, text: &str) -> String {
        let f = files.add(
            "in.jsonl",
            "batch",
            Content::one(Blob::Mem(Arc::new(text.as_bytes().to_vec()))),
        );
        f["id"].as_str().unwrap().to_owned()
    }

    #[test]
    fn every_endpoint_answers_like_its_route() {
        let cases = [
            (
                "/v1/embeddings",
                json!({"model": "e", "input": "hi"}),
                "list",
            ),
            (
                "/v1/responses",
                json!({"model": "m", "input": "hi"}),
                "response",
            ),
            (
                "/v1/completions",
                json!({"model": "m", "prompt": "hi"}),
                "text_completion",
            ),
            (
                "/v1/chat/completions",
                json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]}),
                "chat.completion",
            ),
        ];
        for (endpoint, body, object) in cases {
            let v = live_answer(endpoint, &body, "batch_x-0").unwrap();
            assert_eq!(v["object"], object, "{endpoint}");
        }
        let m = live_answer("/v1/moderations", &json!({"input": "kill"}), "b-0").unwrap();
        assert_eq!(m["results"][0]["flagged"], true);
        assert_eq!(
            live_answer("/v1/embeddings", &json!({"model": "e"}), "b-1")
                .unwrap_err()
                .param
                .as_deref(),
            Some("input")
        );
        let lines = vec![(
            "a".to_owned(),
            json!({"model": "e", "input": "hello world"}),
        )];
        let r = run("batch_x", "/v1/embeddings", &lines);
        assert_eq!(r.usage["input_tokens"], 2);
        assert_eq!((r.completed, r.failed), (1, 0));
        assert!(r.errors.is_empty());
    }

    #[test]
    fn order_is_never_the_input_order() {
        for n in 2..40 {
            let ids: Vec<String> = (0..n).map(|i| format!("req-{i}")).collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let order = output_order(&refs);
            assert_ne!(order, (0..n).collect::<Vec<_>>());
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn validation_errors_fail_the_batch() {
        let good = chat_line("a", "x");
        assert_eq!(
            validate(good.as_bytes(), "/v1/chat/completions")
                .unwrap()
                .len(),
            1
        );
        let errs = validate(
            format!("{good}\n{{oops\n{good}\n").as_bytes(),
            "/v1/chat/completions",
        )
        .unwrap_err();
        assert_eq!(errs[0]["code"], "invalid_json_line");
        assert_eq!(errs[0]["line"], 2);
        assert_eq!(errs[1]["code"], "duplicate_custom_id");
        assert_eq!(
            validate(good.as_bytes(), "/v1/embeddings").unwrap_err()[0]["code"],
            "mismatched_endpoint"
        );
        assert_eq!(
            validate(b"\n\n", "/v1/embeddings").unwrap_err()[0]["code"],
            "empty_file"
        );
    }

    #[test]
    fn batch_progresses_and_answers_by_custom_id() {
        let files = FileStore::default();
        let bad = json!({"custom_id": "bad", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o"}})
        .to_string();
        let input = format!(
            "{}\n{}\n{bad}\n",
            chat_line("one", "hello"),
            chat_line("two", "bye")
        );
        let fid = input_file(&files, &input);
        let store = BatchStore::default();
        let b = store
            .create(
                &json!({"input_file_id": fid, "endpoint": "/v1/chat/completions", "completion_window": "24h", "metadata": {"k": "v"}}),
                &files,
                DEFAULT_POLLS,
            )
            .unwrap();
        assert_eq!(b["status"], "validating");
        assert_eq!(b["metadata"]["k"], "v");
        let id = b["id"].as_str().unwrap();
        let states: Vec<Value> = (0..4)
            .map(|_| store.retrieve(id, &files).unwrap())
            .collect();
        let names: Vec<&str> = states
            .iter()
            .map(|s| s["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["in_progress", "finalizing", "completed", "completed"]
        );
        let done = &states[2];
        assert_eq!(
            done["request_counts"],
            json!({"total": 3, "completed": 2, "failed": 1})
        );
        let (_, out) = files.get(done["output_file_id"].as_str().unwrap()).unwrap();
        let out = String::from_utf8(out.read_all().unwrap()).unwrap();
        let lines: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        for l in &lines {
            let want = if l["custom_id"] == "one" {
                "You said: hello"
            } else {
                "You said: bye"
            };
            assert_eq!(l["response"]["status_code"], 200);
            assert_eq!(
                l["response"]["body"]["choices"][0]["message"]["content"],
                want
            );
            assert!(l["id"].as_str().unwrap().starts_with("batch_req_"));
        }
        let (_, errs) = files.get(done["error_file_id"].as_str().unwrap()).unwrap();
        let err: Value = serde_json::from_slice(&errs.read_all().unwrap()).unwrap();
        assert_eq!(err["custom_id"], "bad");
        assert_eq!(err["response"]["status_code"], 400);
        assert_eq!(err["response"]["body"]["error"]["param"], "messages");
        assert_eq!(store.cancel(id).unwrap_err().status, 409);
    }

    #[test]
    fn knobs_failures_and_cancel() {
        let files = FileStore::default();
        let store = BatchStore::default();
        let fid = input_file(&files, &chat_line("a", "x"));
        let req = json!({"input_file_id": fid, "endpoint": "/v1/chat/completions", "completion_window": "24h"});
        let b = store.create(&req, &files, 0).unwrap();
        assert_eq!(b["status"], "completed");
        assert!(b["error_file_id"].is_null());
        let b = store.create(&req, &files, 1).unwrap();
        let id = b["id"].as_str().unwrap();
        assert_eq!(store.retrieve(id, &files).unwrap()["status"], "completed");

        let b = store.create(&req, &files, 5).unwrap();
        let id = b["id"].as_str().unwrap().to_owned();
        assert_eq!(
            store.retrieve(&id, &files).unwrap()["status"],
            "in_progress"
        );
        assert_eq!(store.cancel(&id).unwrap()["status"], "cancelling");
        assert_eq!(store.retrieve(&id, &files).unwrap()["status"], "cancelled");

        let bad = input_file(&files, "{nope\n");
        let b = store
            .create(&json!({"input_file_id": bad, "endpoint": "/v1/chat/completions", "completion_window": "24h"}), &files, 3)
            .unwrap();
        let f = store.retrieve(b["id"].as_str().unwrap(), &files).unwrap();
        assert_eq!(f["status"], "failed");
        assert_eq!(f["errors"]["data"][0]["line"], 1);

        let other = files.add("x", "vision", Content::default());
        let e = store
            .create(&json!({"input_file_id": other["id"], "endpoint": "/v1/chat/completions", "completion_window": "24h"}), &files, 3)
            .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("input_file_id"));
        let e = store
            .create(
                &json!({"input_file_id": fid, "endpoint": "/v1/nope", "completion_window": "24h"}),
                &files,
                3,
            )
            .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("endpoint"));
        let list = store.list("limit=2").unwrap();
        assert_eq!(list["has_more"], true);
        assert_eq!(list["first_id"], "batch_mock4");
    }
}
