//! The Responses API (`/v1/responses`): a typed request builder, a tolerant response type with
//! the SDK-computed `output_text`, the named-event stream and its accumulator, and the calls
//! (create, stream, retrieve, delete, cancel, input items, input token count) — each a thin layer
//! over the endpoint engine.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::client::{Client, RequestOptions, Response, UsageSink, record_usage};
use crate::endpoints::{self, Call, Event, EventHead, EventStream, Pager, lazy_json};
use crate::error::{Error, ErrorKind, Result};
use crate::types::{Extra, Usage};

// ================================================================================================
// Request
// ================================================================================================

/// One item of a list `input`: a message, a function call's output, an earlier output item fed
/// back. Kept as JSON so that any item kind the API grows passes through unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InputItem(pub Value);

/// One content part of an input message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InputPart(pub Value);

impl InputPart {
    /// `{"type": "input_text", "text": ...}`.
    pub fn text(text: impl Into<String>) -> InputPart {
        InputPart(json!({"type": "input_text", "text": text.into()}))
    }

    /// `{"type": "input_image", "image_url": ..., "detail": "auto"}` (a URL or a data URL).
    pub fn image_url(url: impl Into<String>) -> InputPart {
        InputPart(json!({"type": "input_image", "image_url": url.into(), "detail": "auto"}))
    }

    /// An uploaded file as an image.
    pub fn image_file(file_id: impl Into<String>) -> InputPart {
        InputPart(json!({"type": "input_image", "file_id": file_id.into(), "detail": "auto"}))
    }

    /// `{"type": "input_file", "file_id": ...}`.
    pub fn file_id(file_id: impl Into<String>) -> InputPart {
        InputPart(json!({"type": "input_file", "file_id": file_id.into()}))
    }

    /// A file sent inline: `{"type": "input_file", "filename", "file_data": "data:...;base64,..."}`.
    pub fn file_data(filename: impl Into<String>, data_url: impl Into<String>) -> InputPart {
        InputPart(
            json!({"type": "input_file", "filename": filename.into(), "file_data": data_url.into()}),
        )
    }
}

impl InputItem {
    /// A message with plain text content (`role`: user, system, developer or assistant).
    pub fn message(role: &str, text: impl Into<String>) -> InputItem {
        InputItem(json!({"type": "message", "role": role, "content": text.into()}))
    }

    /// A user message with plain text.
    pub fn user(text: impl Into<String>) -> InputItem {
        InputItem::message("user", text)
    }

    /// A message made of parts (text, images, files).
    pub fn message_parts(role: &str, parts: Vec<InputPart>) -> InputItem {
        InputItem(json!({"type": "message", "role": role, "content": parts}))
    }

    /// The result of a function call, for the next turn.
    pub fn function_call_output(
        call_id: impl Into<String>,
        output: impl Into<String>,
    ) -> InputItem {
        InputItem(
            json!({"type": "function_call_output", "call_id": call_id.into(), "output": output.into()}),
        )
    }

    /// An output item of an earlier response, fed back as input (function calls must precede
    /// their outputs when the conversation is kept by the caller).
    pub fn from_output(item: &OutputItem) -> InputItem {
        InputItem(serde_json::to_value(item).unwrap_or(Value::Null))
    }

    /// The item's `type`.
    pub fn kind(&self) -> Option<&str> {
        self.0.get("type").and_then(Value::as_str)
    }
}

/// `input`: a plain string or a list of items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResponseInput {
    /// A single user message.
    Text(String),
    /// Items.
    Items(Vec<InputItem>),
}

/// A `POST /responses` request. Unknown or new fields go in `extra`, which is merged into the
/// body (it wins over typed fields).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponsesRequest {
    /// Model id.
    pub model: String,
    /// The input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<ResponseInput>,
    /// System-level instructions for this response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Continue from a stored response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_response_id: Option<String>,
    /// A conversation id or object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Value>,
    /// Tools (`{"type": "function", "name", "parameters", "strict"}`, built-in tools, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// `"auto"`, `"none"`, `"required"` or a specific tool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    /// Whether tool calls may run in parallel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// `{"format": {"type": "text" | "json_object" | "json_schema", ...}, "verbosity": ...}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Value>,
    /// `{"effort": ..., "summary": ...}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<Value>,
    /// Upper bound on output tokens, reasoning included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u64>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// `"auto"` or `"disabled"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncation: Option<String>,
    /// Extra output to include (`"reasoning.encrypted_content"`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<String>>,
    /// Store the response for later retrieval (the API's default is true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<bool>,
    /// Run in the background.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
    /// Up to 16 string pairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Prompt cache key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_cache_key: Option<String>,
    /// Service tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Stream options (`{"include_obfuscation": false}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<Value>,
    /// End-user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Any other field.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ResponsesRequest {
    /// A request for `model` with a plain text input.
    pub fn new(model: impl Into<String>, input: impl Into<String>) -> ResponsesRequest {
        ResponsesRequest {
            model: model.into(),
            input: Some(ResponseInput::Text(input.into())),
            ..Default::default()
        }
    }

    /// A request for `model` with a list of input items.
    pub fn with_items(model: impl Into<String>, items: Vec<InputItem>) -> ResponsesRequest {
        ResponsesRequest {
            model: model.into(),
            input: Some(ResponseInput::Items(items)),
            ..Default::default()
        }
    }

    /// Sets `instructions`.
    pub fn instructions(mut self, text: impl Into<String>) -> Self {
        self.instructions = Some(text.into());
        self
    }

    /// Sets `previous_response_id`.
    pub fn previous_response_id(mut self, id: impl Into<String>) -> Self {
        self.previous_response_id = Some(id.into());
        self
    }

    /// Adds a function tool.
    pub fn function_tool(
        mut self,
        name: impl Into<String>,
        description: Option<&str>,
        parameters: Value,
        strict: bool,
    ) -> Self {
        let mut tool = json!({"type": "function", "name": name.into(), "parameters": parameters, "strict": strict});
        if let Some(d) = description {
            tool["description"] = Value::String(d.to_owned());
        }
        self.tools.get_or_insert_with(Vec::new).push(tool);
        self
    }

    /// Adds any tool.
    pub fn tool(mut self, tool: Value) -> Self {
        self.tools.get_or_insert_with(Vec::new).push(tool);
        self
    }

    /// Asks for JSON matching `schema` (`text.format` of type `json_schema`).
    pub fn json_schema(mut self, name: impl Into<String>, schema: Value, strict: bool) -> Self {
        self.text = Some(
            json!({"format": {"type": "json_schema", "name": name.into(), "schema": schema, "strict": strict}}),
        );
        self
    }

    /// Sets `max_output_tokens`.
    pub fn max_output_tokens(mut self, n: u64) -> Self {
        self.max_output_tokens = Some(n);
        self
    }

    /// Sets `temperature`.
    pub fn temperature(mut self, t: f64) -> Self {
        self.temperature = Some(t);
        self
    }

    /// Sets `reasoning.effort`.
    pub fn reasoning_effort(mut self, effort: impl Into<String>) -> Self {
        self.reasoning = Some(json!({"effort": effort.into()}));
        self
    }

    /// Sets `store`.
    pub fn store(mut self, store: bool) -> Self {
        self.store = Some(store);
        self
    }

    /// Sets any other field.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// Refuses what the API would refuse anyway, before sending.
    pub fn validate(&self) -> Result<()> {
        if self.model.is_empty() && !self.extra.contains_key("prompt") {
            return Err(Error::invalid_argument("model must not be empty"));
        }
        if self.extra.get("stream").is_some() {
            return Err(Error::invalid_argument(
                "set streaming by choosing the streaming call, not with a `stream` field",
            ));
        }
        match &self.input {
            Some(ResponseInput::Items(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if !item.0.is_object() {
                        return Err(Error::invalid_argument(format!(
                            "input[{i}] must be an object"
                        )));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn body(&self) -> Result<Value> {
        self.validate()?;
        crate::client::to_body_value(self)
    }
}

// ================================================================================================
// Response
// ================================================================================================

/// A content part of an output message: `output_text` (with annotations) or `refusal`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OutputContent {
    /// `output_text`, `refusal`, ...
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The text of an `output_text` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The text of a `refusal` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Citations and file references of an `output_text` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<Value>>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An item of `output`: a `message`, a `function_call`, `reasoning`, a built-in tool call, or a
/// kind this library does not know (kept whole in `extra`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OutputItem {
    /// `message`, `function_call`, `reasoning`, `web_search_call`, ...
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `in_progress`, `completed`, `incomplete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A message's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// A message's content parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Vec<OutputContent>>,
    /// A function call's id, to pair with its `function_call_output`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// A function call's function name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A function call's arguments (JSON text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    /// Anything else (reasoning summaries, tool-specific fields).
    #[serde(flatten)]
    pub extra: Extra,
}

impl OutputItem {
    /// The concatenated `output_text` parts of a message item.
    pub fn text(&self) -> Option<String> {
        if self.kind != "message" {
            return None;
        }
        let parts = self.content.as_ref()?;
        let mut out = String::new();
        let mut any = false;
        for p in parts.iter().filter(|p| p.kind == "output_text") {
            any = true;
            out.push_str(p.text.as_deref().unwrap_or(""));
        }
        any.then_some(out)
    }

    /// The refusal text of a message item.
    pub fn refusal(&self) -> Option<&str> {
        self.content
            .as_ref()?
            .iter()
            .find(|p| p.kind == "refusal")
            .and_then(|p| p.refusal.as_deref())
    }
}

/// `usage` of a response.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ResponseUsage {
    /// Input tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens (reasoning included).
    #[serde(default)]
    pub output_tokens: u64,
    /// Sum.
    #[serde(default)]
    pub total_tokens: u64,
    /// `{"cached_tokens": N}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens_details: Option<Value>,
    /// `{"reasoning_tokens": N}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens_details: Option<Value>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ResponseUsage {
    /// The same counts in chat terms, for the client's usage totals and the price table.
    pub fn to_usage(&self) -> Usage {
        Usage {
            prompt_tokens: self.input_tokens,
            completion_tokens: self.output_tokens,
            total_tokens: self.total_tokens,
            prompt_tokens_details: self.input_tokens_details.clone(),
            completion_tokens_details: self.output_tokens_details.clone(),
            extra: Extra::new(),
        }
    }
}

/// A response object (`"object": "response"`). Tolerant: unknown fields stay in `extra`, unknown
/// output item kinds stay whole.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ResponseObject {
    /// `resp_...`.
    #[serde(default)]
    pub id: String,
    /// `"response"`.
    #[serde(default)]
    pub object: String,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Value>,
    /// `completed`, `incomplete`, `failed`, `in_progress`, `queued`, `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `{"code", "message"}` of a failed response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// `{"reason": "max_output_tokens" | "content_filter"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete_details: Option<Value>,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// Output items.
    #[serde(default)]
    pub output: Vec<OutputItem>,
    /// Token usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ResponseUsage>,
    /// Every other field (instructions, tools, text, reasoning, metadata, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

impl ResponseObject {
    /// What the official SDK computes as `output_text`: every `output_text` part of every
    /// `message` item, concatenated (empty when there is none).
    pub fn output_text(&self) -> String {
        self.output.iter().filter_map(OutputItem::text).collect()
    }

    /// The function calls of the output, in order.
    pub fn function_calls(&self) -> impl Iterator<Item = &OutputItem> {
        self.output.iter().filter(|i| i.kind == "function_call")
    }

    /// `incomplete_details.reason`.
    pub fn incomplete_reason(&self) -> Option<&str> {
        self.incomplete_details
            .as_ref()?
            .get("reason")
            .and_then(Value::as_str)
    }
}

/// `output_text` over raw JSON, for bindings that keep the answer as JSON.
pub fn output_text_of(response: &Value) -> String {
    let mut out = String::new();
    for item in response
        .get("output")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if item.get("type").and_then(Value::as_str) != Some("message") {
            continue;
        }
        for part in item
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if part.get("type").and_then(Value::as_str) == Some("output_text") {
                out.push_str(part.get("text").and_then(Value::as_str).unwrap_or(""));
            }
        }
    }
    out
}

// ================================================================================================
// Stream
// ================================================================================================

/// One event of a responses stream.
#[derive(Clone, Debug)]
pub struct ResponseEvent {
    /// `response.output_text.delta`, `response.completed`, ... (unknown types pass through).
    pub kind: String,
    /// The event's `sequence_number`, when the server sent one.
    pub sequence_number: Option<u64>,
    /// The `data:` text as received (always valid JSON).
    pub raw: String,
    head: EventHead,
    data: OnceLock<Value>,
}

impl PartialEq for ResponseEvent {
    fn eq(&self, other: &ResponseEvent) -> bool {
        // `head` and `data` are functions of `raw`.
        self.kind == other.kind && self.raw == other.raw
    }
}

impl ResponseEvent {
    fn from_event(e: Event) -> ResponseEvent {
        ResponseEvent {
            kind: e.name.unwrap_or_default(),
            sequence_number: e.head.sequence_number,
            raw: e.raw,
            head: e.head,
            data: e.data,
        }
    }

    /// An event of type `kind` from its JSON text (as a server would send it).
    pub fn parse(kind: &str, raw: impl Into<String>) -> Result<ResponseEvent> {
        Event::parse(Some(kind.to_owned()), raw.into())
            .map(ResponseEvent::from_event)
            .map_err(|(e, raw)| Error::decode(format!("the event is not valid JSON: {e}"), raw))
    }

    /// The whole event as JSON (parsed from [`ResponseEvent::raw`] on first use: the text
    /// deltas that make up most of a stream are applied without it).
    pub fn data(&self) -> &Value {
        lazy_json(&self.data, &self.raw)
    }

    /// The text of a `response.output_text.delta` (or refusal / arguments delta) event.
    pub fn delta(&self) -> Option<&str> {
        self.head.delta.as_deref()
    }

    pub(crate) fn head(&self) -> &EventHead {
        &self.head
    }

    fn output_index(&self) -> Option<usize> {
        self.head.output_index.and_then(|n| usize::try_from(n).ok())
    }

    fn content_index(&self) -> Option<usize> {
        self.head
            .content_index
            .and_then(|n| usize::try_from(n).ok())
    }

    /// True for a `response.output_text.delta` event.
    pub fn is_text_delta(&self) -> bool {
        self.kind == "response.output_text.delta"
    }

    /// True for `response.completed`, `response.incomplete` and `response.failed`.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "response.completed" | "response.incomplete" | "response.failed"
        )
    }
}

/// Rebuilds the response from stream events: the snapshot of `response.created`, output items
/// and content parts as they are added, text and argument deltas appended, items replaced by
/// their `done` form, and finally the terminal event's response.
#[derive(Clone, Debug, Default)]
pub struct ResponseAccumulator {
    snapshot: Value,
    terminal: bool,
}

/// Appends `delta` to the string field `field` in place (a copy of the text so far per delta
/// made a long answer quadratic), starting it when missing or not a string.
fn append(obj: &mut Map<String, Value>, field: &str, delta: &str) {
    match obj.get_mut(field) {
        Some(Value::String(s)) => s.push_str(delta),
        _ => {
            obj.insert(field.to_owned(), Value::String(delta.to_owned()));
        }
    }
}

impl ResponseAccumulator {
    /// Applies one event. Unknown events change nothing.
    pub fn push(&mut self, ev: &ResponseEvent) {
        match ev.kind.as_str() {
            // The hot ones first: they read only the event's head, never its full JSON.
            "response.output_text.delta" => self.append_part(ev, "text"),
            "response.refusal.delta" => self.append_part(ev, "refusal"),
            "response.function_call_arguments.delta" => {
                let delta = ev.delta().unwrap_or("");
                if let Some(item) = self.item_mut(ev).and_then(Value::as_object_mut) {
                    append(item, "arguments", delta);
                }
            }
            "response.created"
            | "response.in_progress"
            | "response.queued"
            | "response.completed"
            | "response.incomplete"
            | "response.failed" => {
                if let Some(r) = ev.data().get("response") {
                    self.snapshot = r.clone();
                }
                self.terminal |= ev.is_terminal();
            }
            "response.output_item.added" => {
                if let (Some(i), Some(item)) = (ev.output_index(), ev.data().get("item")) {
                    let out = self.output_mut();
                    if out.len() <= i {
                        out.resize(i + 1, Value::Null);
                    }
                    out[i] = item.clone();
                }
            }
            "response.output_item.done" => {
                if let (Some(i), Some(item)) = (ev.output_index(), ev.data().get("item")) {
                    if let Some(slot) = self.output_mut().get_mut(i) {
                        *slot = item.clone();
                    }
                }
            }
            "response.content_part.added" | "response.content_part.done" => {
                if let (Some(part), Some(content)) = (ev.data().get("part"), self.content_mut(ev)) {
                    let c = ev.content_index().unwrap_or(content.len());
                    if content.len() <= c {
                        content.resize(c + 1, Value::Null);
                    }
                    content[c] = part.clone();
                }
            }
            "response.output_text.done" => self.set_part(ev, "text", "text"),
            "response.refusal.done" => self.set_part(ev, "refusal", "refusal"),
            "response.function_call_arguments.done" => {
                let args = ev.data().get("arguments").cloned();
                if let (Some(item), Some(args)) = (self.item_mut(ev), args) {
                    item["arguments"] = args;
                }
            }
            _ => {}
        }
    }

    fn output_mut(&mut self) -> &mut Vec<Value> {
        if !self.snapshot.is_object() {
            self.snapshot = json!({"object": "response", "output": []});
        }
        let out = &mut self.snapshot["output"];
        if !out.is_array() {
            *out = Value::Array(Vec::new());
        }
        match out {
            Value::Array(a) => a,
            _ => unreachable!("made an array above"),
        }
    }

    fn item_mut(&mut self, ev: &ResponseEvent) -> Option<&mut Value> {
        let i = ev.output_index()?;
        let item = self.output_mut().get_mut(i)?;
        item.is_object().then_some(item)
    }

    fn content_mut(&mut self, ev: &ResponseEvent) -> Option<&mut Vec<Value>> {
        let item = self.item_mut(ev)?;
        let content = &mut item["content"];
        if !content.is_array() {
            *content = Value::Array(Vec::new());
        }
        content.as_array_mut()
    }

    fn part_mut(&mut self, ev: &ResponseEvent) -> Option<&mut Map<String, Value>> {
        let c = ev.content_index()?;
        self.content_mut(ev)?.get_mut(c)?.as_object_mut()
    }

    fn append_part(&mut self, ev: &ResponseEvent, field: &str) {
        let delta = ev.delta().unwrap_or("");
        if let Some(part) = self.part_mut(ev) {
            append(part, field, delta);
        }
    }

    fn set_part(&mut self, ev: &ResponseEvent, from: &str, field: &str) {
        if let Some(text) = ev.data().get(from).cloned() {
            if let Some(part) = self.part_mut(ev) {
                part.insert(field.to_owned(), text);
            }
        }
    }

    /// True once a terminal event was applied.
    pub fn is_complete(&self) -> bool {
        self.terminal
    }

    /// The response as assembled so far, as JSON.
    pub fn snapshot(&self) -> &Value {
        &self.snapshot
    }

    /// The response as assembled so far.
    pub fn response(&self) -> ResponseObject {
        serde_json::from_value(self.snapshot.clone()).unwrap_or_default()
    }

    /// `output_text` of the snapshot.
    pub fn output_text(&self) -> String {
        output_text_of(&self.snapshot)
    }
}

/// A responses stream: typed events in order, the running snapshot, and the final response.
pub struct ResponsesStream {
    inner: EventStream,
    acc: ResponseAccumulator,
    usage_sink: Option<UsageSink>,
}

impl std::fmt::Debug for ResponsesStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponsesStream")
            .field("inner", &self.inner)
            .finish()
    }
}

impl ResponsesStream {
    /// The next event, `None` after the terminal event. A close before it is
    /// [`ErrorKind::StreamTruncated`]; an `error` event is [`ErrorKind::StreamEvent`].
    pub async fn next_event(&mut self) -> Option<Result<ResponseEvent>> {
        let ev = match self.inner.next_event().await? {
            Ok(e) => ResponseEvent::from_event(e),
            Err(e) => return Some(Err(e)),
        };
        self.acc.push(&ev);
        if ev.is_terminal() {
            if let Some(sink) = self.usage_sink.take() {
                let r = self.acc.response();
                if let Some(u) = &r.usage {
                    record_usage(&sink, &r.model, &u.to_usage());
                }
            }
        }
        Some(Ok(ev))
    }

    /// `x-request-id`.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id()
    }

    /// The accumulator (snapshot so far).
    pub fn accumulator(&self) -> &ResponseAccumulator {
        &self.acc
    }

    /// True once the terminal event arrived.
    pub fn is_complete(&self) -> bool {
        self.acc.is_complete()
    }

    /// Reads to the end and returns the final response.
    pub async fn final_response(mut self) -> Result<ResponseObject> {
        while let Some(ev) = self.next_event().await {
            ev?;
        }
        if !self.acc.is_complete() {
            return Err(Error::new(
                ErrorKind::StreamTruncated,
                "the stream ended without a terminal event",
            ));
        }
        Ok(self.acc.response())
    }
}

// ================================================================================================
// Calls
// ================================================================================================

fn id_call(name: &str, id: &str) -> Call {
    Call::new().path_param(name, id)
}

impl Client {
    /// `POST /responses`.
    pub async fn responses_create(
        &self,
        request: &ResponsesRequest,
        opts: &RequestOptions,
    ) -> Result<Response<ResponseObject>> {
        let ep = endpoints::get("createResponse")?;
        let resp: Response<ResponseObject> = self
            .call_typed(ep, &Call::new().json(request.body()?), opts)
            .await?;
        if let Some(u) = &resp.data.usage {
            record_usage(self.usage_sink(), &resp.data.model, &u.to_usage());
        }
        Ok(resp)
    }

    /// `POST /responses` with `stream: true`.
    pub async fn responses_stream(
        &self,
        request: &ResponsesRequest,
        opts: &RequestOptions,
    ) -> Result<ResponsesStream> {
        let ep = endpoints::get("createResponse")?;
        let inner = self
            .call_events(ep, &Call::new().json(request.body()?), opts)
            .await?;
        Ok(ResponsesStream {
            inner,
            acc: ResponseAccumulator::default(),
            usage_sink: Some(self.usage_sink().clone()),
        })
    }

    /// `GET /responses/{id}`.
    pub async fn responses_retrieve(
        &self,
        id: &str,
        opts: &RequestOptions,
    ) -> Result<Response<ResponseObject>> {
        let ep = endpoints::get("getResponse")?;
        self.call_typed(ep, &id_call("response_id", id), opts).await
    }

    /// `DELETE /responses/{id}`.
    pub async fn responses_delete(
        &self,
        id: &str,
        opts: &RequestOptions,
    ) -> Result<Response<Value>> {
        let ep = endpoints::get("deleteResponse")?;
        self.call(ep, &id_call("response_id", id), opts).await
    }

    /// `POST /responses/{id}/cancel` (background responses).
    pub async fn responses_cancel(
        &self,
        id: &str,
        opts: &RequestOptions,
    ) -> Result<Response<ResponseObject>> {
        let ep = endpoints::get("cancelResponse")?;
        self.call_typed(ep, &id_call("response_id", id), opts).await
    }

    /// `GET /responses/{id}/input_items`, every page (`query`: `limit`, `order`, `after`,
    /// `include`).
    pub fn responses_input_items(
        &self,
        id: &str,
        query: Vec<(String, String)>,
        opts: &RequestOptions,
    ) -> Result<Pager> {
        let ep = endpoints::get("listInputItems")?;
        let mut call = id_call("response_id", id);
        call.query = query;
        ep.render_path(&call)?;
        Ok(self.pages(ep, call, opts))
    }

    /// `POST /responses/input_tokens`: the input token count of a request, counted by the API.
    pub async fn responses_input_tokens(
        &self,
        request: &ResponsesRequest,
        opts: &RequestOptions,
    ) -> Result<Response<Value>> {
        let ep = endpoints::get("Getinputtokencounts")?;
        self.call(ep, &Call::new().json(request.body()?), opts)
            .await
    }
}

// One-pass decoding (see `types::deserialize_with_extra`).
crate::types::deserialize_with_extra!(OutputContent, OutputContent::default(), {
    "type" => kind: plain String,
    "text" => text: plain Option<String>,
    "refusal" => refusal: plain Option<String>,
    "annotations" => annotations: plain Option<Vec<Value>>,
});

crate::types::deserialize_with_extra!(OutputItem, OutputItem::default(), {
    "type" => kind: plain String,
    "id" => id: plain Option<String>,
    "status" => status: plain Option<String>,
    "role" => role: plain Option<String>,
    "content" => content: plain Option<Vec<OutputContent>>,
    "call_id" => call_id: plain Option<String>,
    "name" => name: plain Option<String>,
    "arguments" => arguments: plain Option<String>,
});

crate::types::deserialize_with_extra!(ResponseUsage, ResponseUsage::default(), {
    "input_tokens" => input_tokens: plain u64,
    "output_tokens" => output_tokens: plain u64,
    "total_tokens" => total_tokens: plain u64,
    "input_tokens_details" => input_tokens_details: plain Option<Value>,
    "output_tokens_details" => output_tokens_details: plain Option<Value>,
});

crate::types::deserialize_with_extra!(ResponseObject, ResponseObject::default(), {
    "id" => id: plain String,
    "object" => object: plain String,
    "created_at" => created_at: plain Option<Value>,
    "status" => status: plain Option<String>,
    "error" => error: plain Option<Value>,
    "incomplete_details" => incomplete_details: plain Option<Value>,
    "model" => model: plain String,
    "output" => output: plain Vec<OutputItem>,
    "usage" => usage: plain Option<ResponseUsage>,
});

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &str, data: Value) -> ResponseEvent {
        let mut data = data;
        data["type"] = Value::String(kind.into());
        ResponseEvent::parse(kind, data.to_string()).unwrap()
    }

    #[test]
    fn request_serialises_typed_fields_and_extra() {
        let r = ResponsesRequest::with_items(
            "gpt-4o",
            vec![
                InputItem::user("hi"),
                InputItem::message_parts(
                    "user",
                    vec![
                        InputPart::text("look"),
                        InputPart::image_url("https://x/y.png"),
                    ],
                ),
                InputItem::function_call_output("call_1", "42"),
            ],
        )
        .instructions("be brief")
        .previous_response_id("resp_1")
        .json_schema("answer", json!({"type": "object"}), true)
        .extra("custom_field", json!({"k": "v"}));
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v["input"][0],
            json!({"type": "message", "role": "user", "content": "hi"})
        );
        assert_eq!(v["input"][1]["content"][1]["type"], "input_image");
        assert_eq!(v["input"][2]["type"], "function_call_output");
        assert_eq!(v["previous_response_id"], "resp_1");
        assert_eq!(v["text"]["format"]["type"], "json_schema");
        assert_eq!(v["custom_field"]["k"], "v");
        assert!(v.get("temperature").is_none());
        let back: ResponsesRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
        assert_eq!(
            serde_json::to_value(ResponsesRequest::new("m", "hello")).unwrap(),
            json!({"model": "m", "input": "hello"})
        );
    }

    #[test]
    fn validation() {
        assert!(ResponsesRequest::new("", "x").validate().is_err());
        let r = ResponsesRequest::new("m", "x").extra("stream", json!(true));
        assert!(r.validate().is_err());
        let r = ResponsesRequest::with_items("m", vec![InputItem(json!("text"))]);
        assert!(r.validate().is_err());
    }

    #[test]
    fn output_text_and_unknown_items_survive() {
        let v = json!({
            "id": "resp_1", "object": "response", "created_at": 1, "status": "completed",
            "model": "m", "future_field": {"a": 1},
            "output": [
                {"type": "reasoning", "id": "rs_1", "summary": []},
                {"type": "message", "id": "m1", "role": "assistant", "status": "completed",
                 "content": [{"type": "output_text", "text": "Hel", "annotations": []},
                             {"type": "refusal", "refusal": "no"},
                             {"type": "output_text", "text": "lo", "annotations": []}]},
                {"type": "function_call", "id": "fc", "call_id": "c1", "name": "f", "arguments": "{}"},
                {"type": "brand_new_tool_call", "id": "x", "payload": [1, 2]},
                {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "!"}]}
            ],
            "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5,
                      "input_tokens_details": {"cached_tokens": 1}}
        });
        let r: ResponseObject = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(r.output_text(), "Hello!");
        assert_eq!(output_text_of(&v), "Hello!");
        assert_eq!(r.output[1].refusal(), Some("no"));
        assert_eq!(r.function_calls().count(), 1);
        assert_eq!(serde_json::to_value(&r).unwrap(), v);
        let u = r.usage.as_ref().unwrap().to_usage();
        assert_eq!(
            (u.prompt_tokens, u.completion_tokens, u.cached_tokens()),
            (3, 2, 1)
        );
    }

    #[test]
    fn accumulator_rebuilds_text_and_calls() {
        let mut acc = ResponseAccumulator::default();
        acc.push(&ev("response.created", json!({"response": {"id": "r", "object": "response", "status": "in_progress", "output": []}})));
        acc.push(&ev("response.output_item.added", json!({"output_index": 0, "item": {"type": "message", "id": "m", "role": "assistant", "content": []}})));
        acc.push(&ev("response.content_part.added", json!({"output_index": 0, "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}})));
        acc.push(&ev(
            "response.output_text.delta",
            json!({"output_index": 0, "content_index": 0, "delta": "Hi "}),
        ));
        acc.push(&ev("response.mystery", json!({"x": 1})));
        acc.push(&ev(
            "response.output_text.delta",
            json!({"output_index": 0, "content_index": 0, "delta": "there"}),
        ));
        acc.push(&ev("response.output_item.added", json!({"output_index": 1, "item": {"type": "function_call", "id": "fc", "call_id": "c", "name": "f", "arguments": ""}})));
        acc.push(&ev(
            "response.function_call_arguments.delta",
            json!({"output_index": 1, "delta": "{\"a\""}),
        ));
        acc.push(&ev(
            "response.function_call_arguments.delta",
            json!({"output_index": 1, "delta": ":1}"}),
        ));
        assert_eq!(acc.output_text(), "Hi there");
        let r = acc.response();
        assert_eq!(r.output[1].arguments.as_deref(), Some("{\"a\":1}"));
        assert!(!acc.is_complete());
        acc.push(&ev("response.completed", json!({"response": {"id": "r", "object": "response", "status": "completed", "output": []}})));
        assert!(acc.is_complete());
    }
}
