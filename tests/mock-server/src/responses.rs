//! The Responses API (`/v1/responses`): pure functions from a request to the
//! `Response` object and its stream of named events, and the in-memory store
//! behind `previous_response_id`, retrieve, delete, cancel and input_items.
//!
//! The reply itself comes from [`openai::plan_reply`], the chat route's logic,
//! so both routes answer the same question the same way. What Responses adds
//! is the context a reply sees: instructions and the turns chained by
//! `previous_response_id`. The echo says so: `"You said: hi"` for a single
//! user input, else `"You said: hi [turn 2; 3 items; instructions]"`, each
//! part present only when it differs from that plain case (turn = responses
//! in the chain, this one included; items = earlier inputs and outputs plus
//! this request's input items).
//!
//! Ids are derived from the request, not from a counter, so a streamed and a
//! non-streamed request with the same body (and the same `x-test-id`) end in
//! the same `Response`, id included: see [`response_id`].

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value, json};

use crate::openai::{self, ApiError, Ask, CREATED, JsonShape, Reply};
use crate::tokens;

/// Keeps benchmarks that leave `store` on from growing memory without bound;
/// the oldest responses are forgotten first.
pub const MAX_STORED: usize = 10_000;

/// What a follow-up (`previous_response_id`) inherits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Every item so far, oldest first: earlier inputs and outputs.
    pub items: Vec<Value>,
    /// Responses in the chain.
    pub turns: u64,
}

/// Everything needed to answer one `POST /v1/responses`, streamed or not.
#[derive(Debug, Clone)]
pub struct ResponsePlan {
    pub id: String,
    pub stream: bool,
    pub store: bool,
    pub background: bool,
    pub reply: Reply,
    /// `max_output_tokens` cut the text.
    pub incomplete: bool,
    /// The final object: the non-streamed body and what the terminal event carries.
    pub response: Value,
    /// This request's input items, with ids, for `input_items`.
    pub input_items: Vec<Value>,
    /// What a follow-up sees: the inherited items, these inputs, the outputs.
    pub history: History,
}

fn invalid_type(param: &str, want: &str) -> ApiError {
    ApiError::invalid(
        format!("Invalid type for '{param}': expected {want}."),
        param,
    )
}

/// FNV-1a, fed a JSON value with object keys sorted so that the id does not
/// depend on the order a client serializes its fields in.
struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 = (self.0 ^ x as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.bytes(b"n"),
            Value::Bool(b) => self.bytes(if *b { b"t" } else { b"f" }),
            Value::Number(n) => {
                self.bytes(b"#");
                self.bytes(n.to_string().as_bytes());
            }
            Value::String(s) => {
                self.bytes(b"\"");
                self.bytes(&(s.len() as u64).to_le_bytes());
                self.bytes(s.as_bytes());
            }
            Value::Array(a) => {
                self.bytes(b"[");
                self.bytes(&(a.len() as u64).to_le_bytes());
                a.iter().for_each(|x| self.value(x));
            }
            Value::Object(o) => {
                self.bytes(b"{");
                self.bytes(&(o.len() as u64).to_le_bytes());
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                for k in keys {
                    self.value(&Value::String(k.clone()));
                    self.value(&o[k]);
                }
            }
        }
    }
}

/// `resp_` + 16 hex digits hashed from the body without `stream` and
/// `stream_options`, the `x-test-id` (`scope`) and any `events=N` fault. The
/// same body in the same test therefore names the same response whether it
/// was streamed or not; a different test id gives a different response.
pub fn response_id(body: &Map<String, Value>, scope: &str, events: Option<usize>) -> String {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    let kept: Map<String, Value> = body
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "stream" | "stream_options"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    h.value(&Value::Object(kept));
    h.bytes(b"\0");
    h.bytes(scope.as_bytes());
    h.bytes(&events.map_or(u64::MAX, |n| n as u64).to_le_bytes());
    format!("resp_{:016x}", h.0)
}

/// The input as a list of items without ids: a string is one user message;
/// messages get `type: "message"` and list content (a string becomes one
/// `input_text` part, or `output_text` for the assistant); other items pass
/// through as they are.
pub fn normalize_input(input: Option<&Value>) -> Result<Vec<Value>, ApiError> {
    let text_part = |role: &str, text: &str| {
        if role == "assistant" {
            json!({"type": "output_text", "text": text, "annotations": [], "logprobs": []})
        } else {
            json!({"type": "input_text", "text": text})
        }
    };
    match input {
        None | Some(Value::Null) => Err(openai::missing("input")),
        Some(Value::String(s)) => Ok(vec![json!({
            "type": "message",
            "role": "user",
            "content": [text_part("user", s)],
        })]),
        Some(Value::Array(a)) if a.is_empty() => Err(ApiError::invalid(
            "Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            "input",
        )
        .with_code("empty_array")),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let Some(obj) = item.as_object() else {
                    return Err(invalid_type(&format!("input[{i}]"), "an object"));
                };
                let kind = obj.get("type").and_then(Value::as_str);
                if !matches!(kind, None | Some("message")) {
                    if matches!(kind, Some("function_call_output"))
                        && obj.get("output").is_none()
                    {
                        return Err(openai::missing(&format!("input[{i}].output")));
                    }
                    return Ok(item.clone());
                }
                let role = match obj.get("role") {
                    Some(Value::String(r))
                        if matches!(r.as_str(), "user" | "system" | "developer" | "assistant") =>
                    {
                        r.as_str()
                    }
                    Some(_) => {
                        return Err(ApiError::invalid(
                            format!("Invalid value for 'input[{i}].role': expected one of 'user', 'system', 'developer' or 'assistant'."),
                            &format!("input[{i}].role"),
                        ));
                    }
                    None => return Err(openai::missing(&format!("input[{i}].role"))),
                };
                let mut out = obj.clone();
                out.insert("type".into(), "message".into());
                match obj.get("content") {
                    Some(Value::String(s)) => {
                        out.insert("content".into(), Value::Array(vec![text_part(role, s)]));
                    }
                    Some(Value::Array(_)) => {}
                    Some(_) => {
                        return Err(invalid_type(
                            &format!("input[{i}].content"),
                            "a string or an array of content parts",
                        ));
                    }
                    None => return Err(openai::missing(&format!("input[{i}].content"))),
                }
                Ok(Value::Object(out))
            })
            .collect(),
        Some(_) => Err(invalid_type("input", "a string or an array of input items")),
    }
}

/// The role and text an item contributes to the context (for tokens and the
/// echo): messages their content, a call its arguments, a call's output its
/// output as the `tool` role, anything else its type and no text.
fn role_and_text(item: &Value) -> (&str, Cow<'_, str>) {
    match item
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("message")
    {
        "message" => (
            item.get("role").and_then(Value::as_str).unwrap_or("user"),
            openai::content_text(item.get("content")),
        ),
        "function_call" => (
            "assistant",
            Cow::Borrowed(item.get("arguments").and_then(Value::as_str).unwrap_or("")),
        ),
        "function_call_output" => ("tool", openai::content_text(item.get("output"))),
        other => (other, Cow::Borrowed("")),
    }
}

/// Input tokens: the chat formula over the context, instructions first as a
/// `developer` message. Tools and `text.format` are not counted.
pub fn input_tokens(instructions: Option<&str>, items: &[Value]) -> u64 {
    openai::PROMPT_BASE
        + instructions.map_or(0, |i| openai::message_tokens("developer", i))
        + items
            .iter()
            .map(|it| {
                let (role, text) = role_and_text(it);
                openai::message_tokens(role, &text)
            })
            .sum::<u64>()
}

fn id_prefix(item: &Value) -> &'static str {
    match item.get("type").and_then(Value::as_str) {
        Some("message") => "msg",
        Some("function_call") => "fc",
        Some("function_call_output") => "fco",
        _ => "item",
    }
}

/// Gives every item an id, keeping a client's own unless this list already
/// used it (ids must be unique for `after=` pagination to be exact).
fn assign_ids(items: &mut [Value], hash: &str) {
    let mut seen = std::collections::HashSet::new();
    for (i, item) in items.iter_mut().enumerate() {
        let own = item
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty() && !seen.contains(*id))
            .map(str::to_owned);
        let id = own.unwrap_or_else(|| format!("{}_{hash}_{i}", id_prefix(item)));
        seen.insert(id.clone());
        if let Some(obj) = item.as_object_mut() {
            // Ids go first, as the API lists them.
            let mut with_id = Map::with_capacity(obj.len() + 1);
            with_id.insert("id".into(), Value::String(id));
            with_id.extend(std::mem::take(obj).into_iter().filter(|(k, _)| k != "id"));
            *obj = with_id;
        }
    }
}

/// The context a reply saw, for the echo; empty for a plain single input.
fn note(turn: u64, items: usize, instructions: bool) -> String {
    let mut parts = Vec::new();
    if turn > 1 {
        parts.push(format!("turn {turn}"));
    }
    if items > 1 {
        parts.push(format!("{items} items"));
    }
    if instructions {
        parts.push("instructions".to_owned());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" [{}]", parts.join("; "))
    }
}

/// A request field echoed into the `Response`, and the API's default for it.
type Echoed = (&'static str, fn() -> Value);

/// Fields echoed from the request into the `Response`, in the API's order.
const ECHOED: &[Echoed] = &[
    ("instructions", || Value::Null),
    ("max_output_tokens", || Value::Null),
    ("max_tool_calls", || Value::Null),
];
const ECHOED_AFTER_MODEL: &[Echoed] = &[
    ("parallel_tool_calls", || Value::Bool(true)),
    ("previous_response_id", || Value::Null),
    ("prompt_cache_key", || Value::Null),
    ("reasoning", || json!({"effort": null, "summary": null})),
    ("safety_identifier", || Value::Null),
    ("service_tier", || json!("default")),
    ("store", || Value::Bool(true)),
    ("temperature", || json!(1.0)),
    ("text", || json!({"format": {"type": "text"}})),
    ("tool_choice", || json!("auto")),
    ("tools", || json!([])),
    ("top_logprobs", || json!(0)),
    ("top_p", || json!(1.0)),
    ("truncation", || json!("disabled")),
];

/// Plans a `POST /v1/responses`. `scope` is the `x-test-id` (see
/// [`response_id`]); `previous` looks up a stored response's history.
pub fn plan_response(
    body: &Value,
    events: Option<usize>,
    scope: &str,
    previous: impl FnOnce(&str) -> Option<History>,
) -> Result<ResponsePlan, ApiError> {
    let obj = openai::object(body)?;
    let model = match obj.get("model") {
        Some(Value::String(m)) if !m.is_empty() => m.clone(),
        _ => return Err(openai::missing_model()),
    };
    let mut input_items = normalize_input(obj.get("input"))?;
    let (instructions, history) = context_of(obj, previous)?;
    let max_output_tokens = openai::opt_u64(obj, "max_output_tokens")?;
    let flag = |key: &str, default: bool| match obj.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid_type(key, "a boolean")),
    };
    let stream = flag("stream", false)?;
    let store = flag("store", true)?;
    let background = flag("background", false)?;
    if background && !store {
        return Err(ApiError::invalid(
            "Background mode requires 'store' to be true.",
            "background",
        ));
    }
    let json = json_shape(obj)?;

    let id = response_id(obj, scope, events);
    let hash = &id["resp_".len()..];
    assign_ids(&mut input_items, hash);
    let turn = history.turns + 1;
    let mut context = history.items;
    context.extend(input_items.iter().cloned());

    let last_user = context
        .iter()
        .rev()
        .find(|it| {
            it.get("type").and_then(Value::as_str) == Some("message")
                && it.get("role").and_then(Value::as_str) == Some("user")
        })
        .map(|it| openai::content_text(it.get("content")))
        .unwrap_or_default();
    let last = context.last().expect("input is non-empty");
    let tool_result = (last.get("type").and_then(Value::as_str) == Some("function_call_output"))
        .then(|| openai::content_text(last.get("output")));
    let function_tools = obj
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| t.get("type").and_then(Value::as_str) == Some("function"));
    let note = note(turn, context.len(), instructions.is_some());
    let tool = openai::tool_to_call(function_tools.clone(), obj.get("tool_choice"));
    let (reply, finish) = openai::plan_reply(&Ask {
        last_user,
        tool_result,
        tool_schema: openai::strict_parameters(function_tools.clone(), tool.as_deref()),
        tool,
        json,
        note: &note,
        max_tokens: max_output_tokens,
        events,
    });
    let incomplete = finish == "length";
    let in_tokens = input_tokens(instructions, &context);

    let out_index = input_items.len();
    let (item, out_tokens) = match &reply {
        Reply::Text(text) => (
            json!({
                "id": format!("msg_{hash}_{out_index}"),
                "type": "message",
                "status": if incomplete { "incomplete" } else { "completed" },
                "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
            }),
            tokens::count(text),
        ),
        Reply::Tool { name, arguments } => (
            json!({
                "id": format!("fc_{hash}_{out_index}"),
                "type": "function_call",
                "status": "completed",
                "arguments": arguments,
                "call_id": format!("call_{hash}_{out_index}"),
                "name": name,
            }),
            tokens::count(arguments),
        ),
    };
    let mut r = Map::new();
    r.insert("id".into(), Value::String(id.clone()));
    r.insert("object".into(), json!("response"));
    r.insert("created_at".into(), json!(CREATED));
    r.insert(
        "status".into(),
        json!(if incomplete {
            "incomplete"
        } else {
            "completed"
        }),
    );
    r.insert("background".into(), Value::Bool(background));
    r.insert(
        "completed_at".into(),
        if incomplete {
            Value::Null
        } else {
            json!(CREATED)
        },
    );
    r.insert("error".into(), Value::Null);
    r.insert(
        "incomplete_details".into(),
        if incomplete {
            json!({"reason": "max_output_tokens"})
        } else {
            Value::Null
        },
    );
    let echo = |r: &mut Map<String, Value>, fields: &[Echoed]| {
        for (key, default) in fields {
            let v = obj
                .get(*key)
                .filter(|v| !v.is_null())
                .cloned()
                .unwrap_or_else(default);
            r.insert((*key).into(), v);
        }
    };
    echo(&mut r, ECHOED);
    r.insert("model".into(), Value::String(model));
    r.insert("output".into(), Value::Array(vec![item.clone()]));
    echo(&mut r, ECHOED_AFTER_MODEL);
    r.insert(
        "usage".into(),
        json!({
            "input_tokens": in_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": out_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": in_tokens + out_tokens as u64,
        }),
    );
    r.insert(
        "user".into(),
        obj.get("user").cloned().unwrap_or(Value::Null),
    );
    r.insert(
        "metadata".into(),
        obj.get("metadata")
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    context.push(item);
    Ok(ResponsePlan {
        id,
        stream,
        store,
        background,
        reply,
        incomplete,
        response: Value::Object(r),
        input_items,
        history: History {
            items: context,
            turns: turn,
        },
    })
}

/// `instructions` and the history `previous_response_id` names (a 404 if it
/// names no stored response).
fn context_of(
    obj: &Map<String, Value>,
    previous: impl FnOnce(&str) -> Option<History>,
) -> Result<(Option<&str>, History), ApiError> {
    let instructions = match obj.get("instructions") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(invalid_type("instructions", "a string")),
    };
    let history = match obj.get("previous_response_id") {
        None | Some(Value::Null) => History::default(),
        Some(Value::String(prev)) => previous(prev).ok_or_else(|| {
            ApiError {
                param: Some("previous_response_id".into()),
                ..ApiError::new(
                    404,
                    format!("Previous response with id '{prev}' not found."),
                )
            }
            .with_code("previous_response_not_found")
        })?,
        Some(_) => return Err(invalid_type("previous_response_id", "a string")),
    };
    Ok((instructions, history))
}

fn json_shape(obj: &Map<String, Value>) -> Result<JsonShape<'_>, ApiError> {
    let Some(format) = obj.get("text").and_then(|t| t.get("format")) else {
        return Ok(JsonShape::None);
    };
    match format.get("type").and_then(Value::as_str) {
        Some("text") => Ok(JsonShape::None),
        Some("json_object") => Ok(JsonShape::Reply),
        Some("json_schema") => {
            if !matches!(format.get("name"), Some(Value::String(_))) {
                return Err(openai::missing("text.format.name"));
            }
            Ok(format
                .get("schema")
                .map_or(JsonShape::Reply, JsonShape::Schema))
        }
        _ => Err(ApiError::invalid(
            "Invalid value for 'text.format.type': expected one of 'text', 'json_object' or 'json_schema'.",
            "text.format.type",
        )),
    }
}

/// `POST /v1/responses/input_tokens`: what `usage.input_tokens` of a create
/// with the same body would be. Every field is optional, as in the spec.
pub fn input_tokens_body(
    body: &Value,
    previous: impl FnOnce(&str) -> Option<History>,
) -> Result<Value, ApiError> {
    let obj = openai::object(body)?;
    let (instructions, mut history) = context_of(obj, previous)?;
    if !matches!(obj.get("input"), None | Some(Value::Null)) {
        history.items.extend(normalize_input(obj.get("input"))?);
    }
    Ok(json!({
        "object": "response.input_tokens",
        "input_tokens": input_tokens(instructions, &history.items),
    }))
}

/// A copy of `r` as it looks before it has output: `status`, no output, no
/// usage.
pub fn snapshot(r: &Value, status: &str) -> Value {
    let mut s = r.clone();
    s["status"] = json!(status);
    s["output"] = json!([]);
    s["usage"] = Value::Null;
    s["completed_at"] = Value::Null;
    s["incomplete_details"] = Value::Null;
    s
}

// ------------------------------------------------------------------ streaming

/// One event of a streamed response. Each step is exactly one event, so a
/// step's index in [`Stream::steps`] is its `sequence_number`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Created,
    InProgress,
    ItemAdded,
    PartAdded,
    /// The i-th piece of the text.
    TextDelta(usize),
    TextDone,
    PartDone,
    /// The i-th piece of the arguments.
    ArgsDelta(usize),
    ArgsDone,
    ItemDone,
    /// `response.mock_unknown`, from the `unknown-event-after` fault.
    Unknown,
    /// `response.completed` or `response.incomplete`.
    Terminal,
}

impl Step {
    /// Deltas are the "content events" stream faults count.
    pub fn is_delta(self) -> bool {
        matches!(self, Step::TextDelta(_) | Step::ArgsDelta(_))
    }
}

/// The events of a streamed response, built on demand so that `events=N`
/// with a large N costs a few bytes per event until it is written.
pub struct Stream<'a> {
    plan: &'a ResponsePlan,
    pieces: Vec<&'a str>,
    steps: Vec<Step>,
    sequence_numbers: bool,
}

pub const ERROR_CODE: &str = "stream_error";
pub const ERROR_MESSAGE: &str = "mock stream error";

impl<'a> Stream<'a> {
    /// `unknown_after`: a `response.mock_unknown` event before the delta
    /// after that many deltas (before the terminal event if there are fewer).
    pub fn new(
        plan: &'a ResponsePlan,
        unknown_after: Option<usize>,
        sequence_numbers: bool,
    ) -> Stream<'a> {
        let (text, is_call) = match &plan.reply {
            Reply::Text(t) => (t.as_str(), false),
            Reply::Tool { arguments, .. } => (arguments.as_str(), true),
        };
        let pieces = tokens::pieces(text);
        let mut steps = Vec::with_capacity(pieces.len() + 12);
        steps.extend([Step::Created, Step::InProgress, Step::ItemAdded]);
        if !is_call {
            steps.push(Step::PartAdded);
        }
        for i in 0..pieces.len() {
            if unknown_after == Some(i) {
                steps.push(Step::Unknown);
            }
            steps.push(if is_call {
                Step::ArgsDelta(i)
            } else {
                Step::TextDelta(i)
            });
        }
        if is_call {
            steps.push(Step::ArgsDone);
        } else {
            steps.extend([Step::TextDone, Step::PartDone]);
        }
        steps.push(Step::ItemDone);
        if unknown_after.is_some_and(|n| n >= pieces.len()) {
            steps.push(Step::Unknown);
        }
        steps.push(Step::Terminal);
        Stream {
            plan,
            pieces,
            steps,
            sequence_numbers,
        }
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    fn item(&self) -> &Value {
        &self.plan.response["output"][0]
    }

    /// The event name and its JSON for step `i`.
    pub fn event(&self, i: usize) -> (&'static str, Vec<u8>) {
        let r = &self.plan.response;
        let item = self.item();
        let item_id = &item["id"];
        let text_fields = |extra: Value| {
            let mut m = json!({"item_id": item_id, "output_index": 0, "content_index": 0});
            if let (Some(m), Value::Object(extra)) = (m.as_object_mut(), extra) {
                m.extend(extra);
            }
            m
        };
        let (name, fields) = match self.steps[i] {
            Step::Created => (
                "response.created",
                json!({"response": snapshot(r, "in_progress")}),
            ),
            Step::InProgress => (
                "response.in_progress",
                json!({"response": snapshot(r, "in_progress")}),
            ),
            Step::ItemAdded => {
                let mut started = item.clone();
                started["status"] = json!("in_progress");
                if started.get("content").is_some() {
                    started["content"] = json!([]);
                } else {
                    started["arguments"] = json!("");
                }
                (
                    "response.output_item.added",
                    json!({"output_index": 0, "item": started}),
                )
            }
            Step::PartAdded => (
                "response.content_part.added",
                text_fields(json!({
                    "part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []},
                })),
            ),
            Step::TextDelta(k) => (
                "response.output_text.delta",
                text_fields(json!({"delta": self.pieces[k], "logprobs": []})),
            ),
            Step::TextDone => (
                "response.output_text.done",
                text_fields(json!({"text": item["content"][0]["text"], "logprobs": []})),
            ),
            Step::PartDone => (
                "response.content_part.done",
                text_fields(json!({"part": item["content"][0]})),
            ),
            Step::ArgsDelta(k) => (
                "response.function_call_arguments.delta",
                json!({"item_id": item_id, "output_index": 0, "delta": self.pieces[k]}),
            ),
            Step::ArgsDone => (
                "response.function_call_arguments.done",
                json!({"item_id": item_id, "output_index": 0, "name": item["name"],
                    "arguments": item["arguments"]}),
            ),
            Step::ItemDone => (
                "response.output_item.done",
                json!({"output_index": 0, "item": item}),
            ),
            Step::Unknown => (
                "response.mock_unknown",
                json!({"item_id": item_id, "output_index": 0,
                    "mock": {"note": "an event type no client knows; skip it"}}),
            ),
            Step::Terminal if self.plan.incomplete => {
                ("response.incomplete", json!({"response": r}))
            }
            Step::Terminal => ("response.completed", json!({"response": r})),
        };
        (name, self.encode(name, fields, i))
    }

    /// `{"type": name, ...fields, "sequence_number": seq}`.
    fn encode(&self, name: &str, fields: Value, seq: usize) -> Vec<u8> {
        let mut m = Map::new();
        m.insert("type".into(), json!(name));
        if let Value::Object(f) = fields {
            m.extend(f);
        }
        if self.sequence_numbers {
            m.insert("sequence_number".into(), json!(seq));
        }
        serde_json::to_vec(&m).expect("serializing an event cannot fail")
    }

    /// The `error` event sent in place of step `i` (`code`: the fault's
    /// `code=X`, else `stream_error`).
    pub fn error_event(&self, i: usize, code: Option<&str>) -> Vec<u8> {
        self.encode(
            "error",
            json!({"code": code.unwrap_or(ERROR_CODE), "message": ERROR_MESSAGE, "param": null}),
            i,
        )
    }
}

// ---------------------------------------------------------------------- store

struct Stored {
    /// What retrieve returns now.
    response: Value,
    /// A background response's final object: it is "queued" until first
    /// retrieved, then this (unless cancelled first).
    pending: Option<Value>,
    background: bool,
    input_items: Vec<Value>,
    history: History,
}

/// The responses created with `store` on (the default), by id.
#[derive(Default)]
pub struct Store {
    inner: Mutex<StoreInner>,
}

#[derive(Default)]
struct StoreInner {
    map: HashMap<String, Stored>,
    /// Insertion order, for evicting the oldest beyond [`MAX_STORED`].
    order: VecDeque<String>,
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(404, format!("Response with id '{id}' not found."))
}

impl Store {
    fn lock(&self) -> MutexGuard<'_, StoreInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn history(&self, id: &str) -> Option<History> {
        self.lock().map.get(id).map(|s| s.history.clone())
    }

    /// Stores `plan` if it asked to be stored and returns the object the
    /// create call answers with: the final one, or for a non-streamed
    /// background request a "queued" snapshot.
    pub fn create(&self, plan: &ResponsePlan) -> Value {
        let queued = plan.background && !plan.stream;
        let answer = if queued {
            snapshot(&plan.response, "queued")
        } else {
            plan.response.clone()
        };
        if plan.store {
            let mut inner = self.lock();
            let stored = Stored {
                response: answer.clone(),
                pending: queued.then(|| plan.response.clone()),
                background: plan.background,
                input_items: plan.input_items.clone(),
                history: plan.history.clone(),
            };
            // The same request again (same id) replaces its earlier copy.
            if inner.map.insert(plan.id.clone(), stored).is_none() {
                inner.order.push_back(plan.id.clone());
            }
            while inner.order.len() > MAX_STORED {
                let old = inner.order.pop_front().expect("order is non-empty");
                inner.map.remove(&old);
            }
        }
        answer
    }

    /// `GET /v1/responses/{id}`: a queued background response completes
    /// when it is first retrieved, so a polling client sees one "queued".
    pub fn retrieve(&self, id: &str) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let s = inner.map.get_mut(id).ok_or_else(|| not_found(id))?;
        if let Some(done) = s.pending.take() {
            s.response = done;
        }
        Ok(s.response.clone())
    }

    pub fn delete(&self, id: &str) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        inner.map.remove(id).ok_or_else(|| not_found(id))?;
        inner.order.retain(|k| k != id);
        Ok(json!({"id": id, "object": "response.deleted", "deleted": true}))
    }

    /// Only a background response that has not finished can be cancelled;
    /// cancelling it again answers the same cancelled object.
    pub fn cancel(&self, id: &str) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let s = inner.map.get_mut(id).ok_or_else(|| not_found(id))?;
        if !s.background {
            return Err(ApiError::new(400, "Cannot cancel a synchronous response."));
        }
        if s.pending.take().is_some() {
            s.response = snapshot(&s.response, "cancelled");
        }
        match s.response["status"].as_str() {
            Some("cancelled") => Ok(s.response.clone()),
            _ => Err(ApiError::new(
                400,
                "Cannot cancel a response that has already completed.",
            )),
        }
    }

    /// `GET /v1/responses/{id}/input_items?limit&after&order`.
    pub fn input_items(&self, id: &str, query: &str) -> Result<Value, ApiError> {
        let inner = self.lock();
        let s = inner.map.get(id).ok_or_else(|| not_found(id))?;
        page(&s.input_items, query)
    }
}

/// One page of `items` (oldest first): `order` asc or desc (default desc),
/// `limit` 1..=100 (default 20), `after` the id of the last item of the
/// previous page, as every cursor list of the mock pages (`files::page`).
pub fn page(items: &[Value], query: &str) -> Result<Value, ApiError> {
    crate::files::page(items, query, 20, 100, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(body: Value) -> ResponsePlan {
        plan_response(&body, None, "", |_| None).unwrap()
    }

    fn text(p: &ResponsePlan) -> &str {
        p.response["output"][0]["content"][0]["text"]
            .as_str()
            .unwrap()
    }

    #[test]
    fn echoes_with_usage_and_every_required_field() {
        let p = plan(json!({"model": "gpt-4o", "input": "hello", "metadata": {"k": "v"}}));
        assert_eq!(p.reply, Reply::Text("You said: hello".into()));
        let r = &p.response;
        for key in [
            "id",
            "object",
            "created_at",
            "error",
            "incomplete_details",
            "instructions",
            "model",
            "tools",
            "output",
            "parallel_tool_calls",
            "metadata",
            "tool_choice",
            "temperature",
            "top_p",
        ] {
            assert!(r.get(key).is_some(), "{key}");
        }
        assert_eq!(r["object"], "response");
        assert_eq!(r["status"], "completed");
        assert_eq!(r["metadata"], json!({"k": "v"}));
        assert_eq!(r["text"], json!({"format": {"type": "text"}}));
        // 3 + (3 + "user" + "hello"), as chat counts the same message.
        assert_eq!(r["usage"]["input_tokens"], 8);
        assert_eq!(r["usage"]["output_tokens"], 4);
        assert_eq!(r["usage"]["total_tokens"], 12);
        let item = &r["output"][0];
        assert_eq!(item["type"], "message");
        assert_eq!(item["role"], "assistant");
        assert!(item["id"].as_str().unwrap().starts_with("msg_"));
        assert_eq!(item["content"][0]["annotations"], json!([]));
        assert_eq!(p.input_items[0]["content"][0]["type"], "input_text");
    }

    #[test]
    fn instructions_and_history_show_in_the_echo() {
        let first = plan(json!({"model": "m", "input": "hi", "instructions": "Be brief."}));
        assert_eq!(text(&first), "You said: hi [instructions]");
        // Instructions count as a developer message: 3 + "developer" + "Be brief."
        assert_eq!(first.response["usage"]["input_tokens"], 8 + 3 + 1 + 3);
        assert_eq!(first.history.items.len(), 2);
        let history = first.history.clone();
        let second = plan_response(
            &json!({"model": "m", "input": "again", "previous_response_id": first.id}),
            None,
            "",
            |id| (id == first.id).then(|| history.clone()),
        )
        .unwrap();
        assert_eq!(text(&second), "You said: again [turn 2; 3 items]");
        assert_eq!(second.response["previous_response_id"], json!(first.id));
        assert_eq!(second.response["instructions"], Value::Null);
        assert_eq!(second.history.turns, 2);
        // The input items list only what this request sent.
        assert_eq!(second.input_items.len(), 1);

        let e = plan_response(
            &json!({"model": "m", "input": "x", "previous_response_id": "resp_nope"}),
            None,
            "",
            |_| None,
        )
        .unwrap_err();
        assert_eq!(e.status, 404);
        assert_eq!(e.param.as_deref(), Some("previous_response_id"));
        assert_eq!(e.code.as_deref(), Some("previous_response_not_found"));
    }

    #[test]
    fn validation_names_the_param() {
        let err = |b: Value| plan_response(&b, None, "", |_| None).unwrap_err();
        assert_eq!(err(json!({"input": "x"})).param.as_deref(), Some("model"));
        assert_eq!(err(json!({"model": "m"})).param.as_deref(), Some("input"));
        assert_eq!(
            err(json!({"model": "m", "input": []})).code.as_deref(),
            Some("empty_array")
        );
        assert_eq!(
            err(json!({"model": "m", "input": 3})).param.as_deref(),
            Some("input")
        );
        assert_eq!(
            err(json!({"model": "m", "input": [{"content": "x"}]}))
                .param
                .as_deref(),
            Some("input[0].role")
        );
        assert_eq!(
            err(json!({"model": "m", "input": [{"role": "robot", "content": "x"}]}))
                .param
                .as_deref(),
            Some("input[0].role")
        );
        assert_eq!(
            err(json!({"model": "m", "input": "x", "text": {"format": {"type": "json_schema"}}}))
                .param
                .as_deref(),
            Some("text.format.name")
        );
        assert_eq!(
            err(json!({"model": "m", "input": "x", "background": true, "store": false}))
                .param
                .as_deref(),
            Some("background")
        );
        // Unknown fields are accepted.
        plan(json!({"model": "m", "input": "x", "some_future_field": {"a": 1}}));
    }

    #[test]
    fn content_parts_and_item_kinds() {
        let p = plan(json!({"model": "m", "input": [
            {"role": "developer", "content": "rules"},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "look"},
                {"type": "input_image", "image_url": "data:"},
                {"type": "input_file", "file_id": "file_1"},
            ]},
        ]}));
        assert_eq!(text(&p), "You said: look [image] [file] [2 items]");
        assert_eq!(p.input_items[0]["type"], "message");
        assert_eq!(p.input_items[0]["content"][0]["text"], "rules");
        let ids: Vec<&str> = p
            .input_items
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_ne!(ids[0], ids[1]);
    }

    #[test]
    fn function_calls_and_their_outputs() {
        let tools = json!([
            {"type": "web_search"},
            {"type": "function", "name": "lookup", "parameters": {}},
            {"type": "function", "name": "other", "parameters": {}},
        ]);
        let p = plan(json!({"model": "m", "tools": tools, "input": "x \"y\""}));
        let item = &p.response["output"][0];
        assert_eq!(item["type"], "function_call");
        assert_eq!(item["name"], "lookup");
        assert_eq!(item["arguments"], r#"{"input": "x \"y\""}"#);
        assert!(item["call_id"].as_str().unwrap().starts_with("call_"));
        assert!(item["id"].as_str().unwrap().starts_with("fc_"));
        assert_eq!(item["status"], "completed");
        assert_eq!(p.response["usage"]["output_tokens"], 14);

        let p = plan(json!({"model": "m", "tools": tools, "input": "x",
            "tool_choice": {"type": "function", "name": "other"}}));
        assert_eq!(p.response["output"][0]["name"], "other");
        let p = plan(json!({"model": "m", "tools": tools, "input": "x", "tool_choice": "none"}));
        assert_eq!(text(&p), "You said: x");
        let p = plan(json!({"model": "m", "tools": [{"type": "web_search"}], "input": "x"}));
        assert_eq!(p.response["output"][0]["type"], "message");

        let p = plan(json!({"model": "m", "tools": tools, "input": [
            {"role": "user", "content": "x"},
            {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "lookup", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "42"},
        ]}));
        assert_eq!(text(&p), "Tool result: 42");
        // A client's own item id is kept.
        assert_eq!(p.input_items[1]["id"], "fc_1");
        assert!(p.input_items[2]["id"].as_str().unwrap().starts_with("fco_"));
    }

    #[test]
    fn max_output_tokens_makes_it_incomplete() {
        let p = plan(json!({"model": "m", "input": "a b c", "max_output_tokens": 2}));
        assert!(p.incomplete);
        assert_eq!(text(&p), "You said");
        let r = &p.response;
        assert_eq!(r["status"], "incomplete");
        assert_eq!(
            r["incomplete_details"],
            json!({"reason": "max_output_tokens"})
        );
        assert_eq!(r["output"][0]["status"], "incomplete");
        assert_eq!(r["usage"]["output_tokens"], 2);
        assert_eq!(r["max_output_tokens"], 2);
        let p = plan(json!({"model": "m", "input": "a", "max_output_tokens": 4}));
        assert_eq!(p.response["status"], "completed");
    }

    #[test]
    fn json_formats_give_valid_json() {
        let p = plan(json!({"model": "m", "input": "say \"hi\"",
            "text": {"format": {"type": "json_object"}}}));
        let v: Value = serde_json::from_str(text(&p)).unwrap();
        assert_eq!(v["reply"], "You said: say \"hi\"");
        let schema = json!({"type": "object", "properties": {
            "answer": {"type": "string"}, "n": {"type": "integer"}, "ok": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "mood": {"type": "string", "enum": ["calm", "busy"]},
            "inner": {"type": "object", "properties": {"x": {"type": ["number", "null"]}}},
        }, "required": ["answer", "n", "ok", "tags", "mood", "inner"], "additionalProperties": false});
        let p = plan(json!({"model": "m", "input": "hi", "text": {"format":
            {"type": "json_schema", "name": "out", "schema": schema, "strict": true}}}));
        let v: Value = serde_json::from_str(text(&p)).unwrap();
        assert_eq!(
            v,
            json!({"answer": "You said: hi", "n": 0, "ok": true, "tags": [], "mood": "calm", "inner": {"x": 0}})
        );
    }

    #[test]
    fn ids_depend_on_the_request_not_on_streaming() {
        let a = plan(json!({"model": "m", "input": "x", "store": true}));
        let b = plan(
            json!({"store": true, "input": "x", "model": "m", "stream": true,
            "stream_options": {"include_obfuscation": false}}),
        );
        assert_eq!(a.id, b.id);
        assert_eq!(a.response, b.response);
        assert!(a.id.starts_with("resp_") && a.id.len() == 21);
        let other_test = plan_response(
            &json!({"model": "m", "input": "x", "store": true}),
            None,
            "t",
            |_| None,
        )
        .unwrap();
        assert_ne!(a.id, other_test.id);
        let other_body = plan(json!({"model": "m", "input": "y", "store": true}));
        assert_ne!(a.id, other_body.id);
    }

    fn events(s: &Stream) -> Vec<(&'static str, Value)> {
        (0..s.steps().len())
            .map(|i| {
                let (name, json) = s.event(i);
                (name, serde_json::from_slice(&json).unwrap())
            })
            .collect()
    }

    #[test]
    fn text_stream_events() {
        let p = plan(json!({"model": "m", "input": "hello", "stream": true}));
        let s = Stream::new(&p, None, true);
        let ev = events(&s);
        let names: Vec<&str> = ev.iter().map(|e| e.0).collect();
        assert_eq!(
            names,
            [
                "response.created",
                "response.in_progress",
                "response.output_item.added",
                "response.content_part.added",
                "response.output_text.delta",
                "response.output_text.delta",
                "response.output_text.delta",
                "response.output_text.delta",
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
                "response.completed",
            ]
        );
        for (i, (name, v)) in ev.iter().enumerate() {
            assert_eq!(v["type"], *name);
            assert_eq!(v["sequence_number"], i);
        }
        assert_eq!(ev[0].1["response"]["status"], "in_progress");
        assert_eq!(ev[0].1["response"]["output"], json!([]));
        assert_eq!(ev[2].1["item"]["content"], json!([]));
        assert_eq!(ev[2].1["item"]["status"], "in_progress");
        let deltas: String = ev[4..8]
            .iter()
            .map(|e| e.1["delta"].as_str().unwrap())
            .collect();
        assert_eq!(deltas, "You said: hello");
        assert_eq!(ev[4].1["logprobs"], json!([]));
        assert_eq!(ev[8].1["text"], "You said: hello");
        assert_eq!(ev[10].1["item"], p.response["output"][0]);
        assert_eq!(ev[11].1["response"], p.response);
    }

    #[test]
    fn call_stream_unknown_events_and_no_sequence_numbers() {
        let p = plan(json!({"model": "m", "input": "hi", "stream": true,
            "tools": [{"type": "function", "name": "f", "parameters": {}}]}));
        let s = Stream::new(&p, Some(2), false);
        let ev = events(&s);
        let names: Vec<&str> = ev.iter().map(|e| e.0).collect();
        assert_eq!(names[2], "response.output_item.added");
        assert_eq!(ev[2].1["item"]["arguments"], "");
        assert_eq!(names[5], "response.mock_unknown");
        assert_eq!(
            &names[names.len() - 3..],
            [
                "response.function_call_arguments.done",
                "response.output_item.done",
                "response.completed"
            ]
        );
        let args: String = ev
            .iter()
            .filter(|e| e.0 == "response.function_call_arguments.delta")
            .map(|e| e.1["delta"].as_str().unwrap())
            .collect();
        assert_eq!(args, r#"{"input": "hi"}"#);
        assert_eq!(ev[names.len() - 3].1["name"], "f");
        assert!(ev.iter().all(|e| e.1.get("sequence_number").is_none()));

        // Past the last delta, the unknown event comes just before the end.
        let s = Stream::new(&p, Some(99), true);
        let steps = s.steps();
        assert_eq!(steps[steps.len() - 2], Step::Unknown);

        let p =
            plan(json!({"model": "m", "input": "a b c", "max_output_tokens": 1, "stream": true}));
        let s = Stream::new(&p, None, true);
        let last = events(&s).pop().unwrap();
        assert_eq!(last.0, "response.incomplete");
        let err: Value = serde_json::from_slice(&s.error_event(3, None)).unwrap();
        assert_eq!(
            err,
            json!({"type": "error", "code": "stream_error", "message": "mock stream error",
                "param": null, "sequence_number": 3})
        );
    }

    #[test]
    fn store_retrieve_delete_cancel() {
        let store = Store::default();
        let sync = plan(json!({"model": "m", "input": "x"}));
        assert_eq!(store.create(&sync), sync.response);
        assert_eq!(store.retrieve(&sync.id).unwrap(), sync.response);
        assert_eq!(store.history(&sync.id).unwrap().turns, 1);
        let e = store.cancel(&sync.id).unwrap_err();
        assert_eq!(
            (e.status, e.message.as_str()),
            (400, "Cannot cancel a synchronous response.")
        );
        assert_eq!(
            store.delete(&sync.id).unwrap(),
            json!({"id": sync.id, "object": "response.deleted", "deleted": true})
        );
        assert_eq!(store.retrieve(&sync.id).unwrap_err().status, 404);
        assert_eq!(store.delete(&sync.id).unwrap_err().status, 404);

        let bg = plan(json!({"model": "m", "input": "x", "background": true}));
        let queued = store.create(&bg);
        assert_eq!(queued["status"], "queued");
        assert_eq!(queued["usage"], Value::Null);
        let cancelled = store.cancel(&bg.id).unwrap();
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(store.cancel(&bg.id).unwrap(), cancelled);
        assert_eq!(store.retrieve(&bg.id).unwrap(), cancelled);

        let bg = plan(json!({"model": "m", "input": "y", "background": true}));
        store.create(&bg);
        assert_eq!(store.retrieve(&bg.id).unwrap(), bg.response);
        assert_eq!(store.cancel(&bg.id).unwrap_err().status, 400);

        let unstored = plan(json!({"model": "m", "input": "z", "store": false}));
        store.create(&unstored);
        assert!(store.history(&unstored.id).is_none());
    }

    #[test]
    fn pages_visit_every_item_once() {
        let items: Vec<Value> = (0..7).map(|i| json!({"id": format!("it{i}")})).collect();
        for (order, want) in [
            ("asc", (0..7).collect::<Vec<_>>()),
            ("desc", (0..7).rev().collect()),
        ] {
            for limit in 1..=8 {
                let mut seen = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let mut q = format!("limit={limit}&order={order}");
                    if let Some(a) = &after {
                        q.push_str(&format!("&after={a}"));
                    }
                    let page = page(&items, &q).unwrap();
                    let data = page["data"].as_array().unwrap();
                    assert!(data.len() <= limit);
                    assert_eq!(page["first_id"], data[0]["id"]);
                    assert_eq!(page["last_id"], data[data.len() - 1]["id"]);
                    seen.extend(data.iter().map(|d| d["id"].as_str().unwrap().to_owned()));
                    if page["has_more"] == false {
                        break;
                    }
                    after = page["last_id"].as_str().map(str::to_owned);
                }
                let want: Vec<String> = want.iter().map(|i| format!("it{i}")).collect();
                assert_eq!(seen, want, "{order} limit={limit}");
            }
        }
        let default = page(&items, "").unwrap();
        assert_eq!(default["data"][0]["id"], "it6");
        let last = page(&items, "order=asc&after=it6").unwrap();
        assert_eq!(last["data"], json!([]));
        assert_eq!(last["first_id"], Value::Null);
        assert_eq!(last["has_more"], false);
        assert_eq!(
            page(&items, "limit=0").unwrap_err().param.as_deref(),
            Some("limit")
        );
        assert_eq!(
            page(&items, "limit=101").unwrap_err().param.as_deref(),
            Some("limit")
        );
        assert_eq!(
            page(&items, "order=up").unwrap_err().param.as_deref(),
            Some("order")
        );
        assert_eq!(
            page(&items, "after=nope").unwrap_err().param.as_deref(),
            Some("after")
        );
    }

    #[test]
    fn input_tokens_match_a_create() {
        let body = json!({"model": "m", "input": "hello", "instructions": "Be brief."});
        let p = plan(body.clone());
        let v = input_tokens_body(&body, |_| None).unwrap();
        assert_eq!(v["object"], "response.input_tokens");
        assert_eq!(v["input_tokens"], p.response["usage"]["input_tokens"]);
        assert_eq!(
            input_tokens_body(&json!({}), |_| None).unwrap()["input_tokens"],
            3
        );
        assert_eq!(
            input_tokens_body(&json!({"previous_response_id": "resp_x"}), |_| None)
                .unwrap_err()
                .status,
            404
        );
    }
}
