//! The deterministic OpenAI behaviour: pure functions from request JSON to
//! response bodies, kept apart from the socket code so they are unit-testable.

use std::borrow::Cow;
use std::sync::OnceLock;

use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;

use crate::tokens;

/// Every object claims this creation time so responses are reproducible.
pub const CREATED: u64 = 1_700_000_000;
pub const FINGERPRINT: &str = "fp_mock";

/// An error answered with OpenAI's envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    pub kind: &'static str,
    pub param: Option<String>,
    pub code: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            kind: error_type(status),
            param: None,
            code: default_code(status).map(str::to_owned),
        }
    }

    pub fn invalid(message: impl Into<String>, param: &str) -> ApiError {
        ApiError {
            param: Some(param.to_owned()),
            ..ApiError::new(400, message)
        }
    }

    /// The same error with another status (and that status's type).
    pub fn with_status(mut self, status: u16) -> ApiError {
        self.status = status;
        self.kind = error_type(status);
        self
    }

    pub fn with_code(mut self, code: &str) -> ApiError {
        self.code = Some(code.to_owned());
        self
    }

    pub fn body(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Envelope<'a> {
            error: Inner<'a>,
        }
        #[derive(Serialize)]
        struct Inner<'a> {
            message: &'a str,
            #[serde(rename = "type")]
            kind: &'a str,
            param: Option<&'a str>,
            code: Option<&'a str>,
        }
        serde_json::to_vec(&Envelope {
            error: Inner {
                message: &self.message,
                kind: self.kind,
                param: self.param.as_deref(),
                code: self.code.as_deref(),
            },
        })
        .expect("serializing an error envelope cannot fail")
    }

    /// The error a `status=N` fault produces; `code=X` overrides the code.
    pub fn for_fault(status: u16, code: Option<&str>) -> ApiError {
        let message = match (status, code) {
            (429, Some("insufficient_quota")) => {
                "You exceeded your current quota, please check your plan and billing details."
            }
            (400, _) => "Invalid request (mock fault).",
            (401, _) => {
                "Incorrect API key provided: sk-mock. You can find your API key at https://platform.openai.com/account/api-keys."
            }
            (403, _) => "You are not allowed to access this resource (mock fault).",
            (404, _) => "The requested resource does not exist (mock fault).",
            (409, _) => "The request conflicts with another request (mock fault).",
            (422, _) => "Unprocessable entity (mock fault).",
            (429, _) => "Rate limit reached for requests (mock fault).",
            (500, _) => "The server had an error while processing your request. Sorry about that!",
            (502, _) => "Bad gateway.",
            (503, _) => "The engine is currently overloaded, please try again later.",
            (504, _) => "Gateway timeout.",
            _ => "Mock fault.",
        };
        let mut e = ApiError::new(status, message);
        if let Some(code) = code {
            e.code = Some(code.to_owned());
            if code == "insufficient_quota" {
                e.kind = "insufficient_quota";
            }
        }
        e
    }
}

fn error_type(status: u16) -> &'static str {
    match status {
        403 => "permission_denied_error",
        409 => "conflict",
        429 => "requests",
        500..=599 => "server_error",
        _ => "invalid_request_error",
    }
}

fn default_code(status: u16) -> Option<&'static str> {
    match status {
        401 => Some("invalid_api_key"),
        429 => Some("rate_limit_exceeded"),
        _ => None,
    }
}

pub fn missing_key() -> ApiError {
    ApiError::new(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    )
}

pub fn invalid_json() -> ApiError {
    ApiError::new(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    )
}

pub(crate) fn missing(param: &str) -> ApiError {
    ApiError::invalid(format!("Missing required parameter: '{param}'."), param)
}

pub(crate) fn object(body: &Value) -> Result<&serde_json::Map<String, Value>, ApiError> {
    body.as_object()
        .ok_or_else(|| ApiError::new(400, "The request body must be a JSON object."))
}

/// Reads an optional non-negative integer, rejecting other types.
pub(crate) fn opt_u64(
    obj: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<u64>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            ApiError::invalid(
                format!("Invalid '{key}': expected a non-negative integer."),
                key,
            )
        }),
    }
}

/// The text of a message's `content`: a string, or the parts in order with
/// text parts separated by " " and each image part rendered as " [image]"
/// (each Responses `input_file` part as " [file]").
pub fn content_text(content: Option<&Value>) -> Cow<'_, str> {
    match content {
        Some(Value::String(s)) => Cow::Borrowed(s),
        Some(Value::Array(parts)) => {
            let mut out = String::new();
            for part in parts {
                match part.get("type").and_then(Value::as_str) {
                    // `output_text`: assistant turns echoed back into a Responses input.
                    Some("text" | "input_text" | "output_text") => {
                        if !out.is_empty() {
                            out.push(' ');
                        }
                        out.push_str(part.get("text").and_then(Value::as_str).unwrap_or(""));
                    }
                    Some("image_url" | "input_image") => out.push_str(" [image]"),
                    Some("input_file") => out.push_str(" [file]"),
                    _ => {}
                }
            }
            Cow::Owned(out)
        }
        _ => Cow::Borrowed(""),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Text(String),
    Tool { name: String, arguments: String },
}

/// Everything needed to answer a chat completion, streaming or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatPlan {
    pub model: String,
    pub n: usize,
    pub stream: bool,
    pub include_usage: bool,
    pub reply: Reply,
    pub finish_reason: &'static str,
    pub prompt_tokens: u64,
    /// Per choice; usage reports `n` times this.
    pub completion_tokens: u64,
}

/// `events=N` replies: exactly N tokens, cheap to generate and to check.
pub fn event_words(n: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(n * 7);
    for i in 0..n {
        let sep = if i > 0 { " " } else { "" };
        let _ = write!(s, "{sep}w{i}");
    }
    s
}

/// The tokens a message adds to the prompt: 3 of framing, its role, its text.
pub fn message_tokens(role: &str, text: &str) -> u64 {
    3 + (tokens::count(role) + tokens::count(text)) as u64
}

/// The tokens every prompt starts with (the reply's priming).
pub const PROMPT_BASE: u64 = 3;

/// Whether a reply calls a tool and which: with at least one tool and a
/// `tool_choice` other than `"none"`, the function `tool_choice` names, else
/// the first tool. Chat tools (`{"function": {"name"}}`) and Responses tools
/// (`{"name"}`) are both understood, and so are both `tool_choice` forms.
pub fn tool_to_call<'v>(
    mut tools: impl Iterator<Item = &'v Value>,
    tool_choice: Option<&Value>,
) -> Option<String> {
    let first = tools.next()?;
    if tool_choice.and_then(Value::as_str) == Some("none") {
        return None;
    }
    let fn_name = |v: &Value| {
        v.get("function")
            .and_then(|f| f.get("name"))
            .or_else(|| v.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Some(
        tool_choice
            .filter(|c| c.is_object())
            .and_then(fn_name)
            .or_else(|| fn_name(first))
            .unwrap_or_else(|| "tool".to_owned()),
    )
}

/// The parameters schema of the function `name` among `tools` when that
/// function is `strict` (chat's `{"function": {...}}` or the Responses API's
/// flat form): strict calls must match their schema, so the mock fills it
/// instead of answering `{"input": ...}`.
pub fn strict_parameters<'v>(
    tools: impl Iterator<Item = &'v Value>,
    name: Option<&str>,
) -> Option<&'v Value> {
    let name = name?;
    tools
        .map(|t| t.get("function").unwrap_or(t))
        .find(|f| f.get("name").and_then(Value::as_str) == Some(name))
        .filter(|f| f.get("strict") == Some(&Value::Bool(true)))
        .and_then(|f| f.get("parameters"))
}

/// How a JSON-mode reply wraps the echo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonShape<'a> {
    /// Plain text.
    None,
    /// `{"reply": "<text>"}`.
    Reply,
    /// A value that follows this JSON schema (see [`fill_schema`]).
    Schema(&'a Value),
}

/// What a reply depends on, whichever API asked: both the chat and the
/// Responses routes boil their request down to this so they answer alike.
#[derive(Debug, Clone)]
pub struct Ask<'a> {
    pub last_user: Cow<'a, str>,
    /// The output the last input hands back from a tool call, if it does.
    pub tool_result: Option<Cow<'a, str>>,
    /// The function to call, from [`tool_to_call`].
    pub tool: Option<String>,
    /// Its parameters when it is strict, from [`strict_parameters`].
    pub tool_schema: Option<&'a Value>,
    pub json: JsonShape<'a>,
    /// Appended to the echo `"You said: <last_user>"`.
    pub note: &'a str,
    pub max_tokens: Option<u64>,
    /// `events=N`: exactly N tokens, whatever was asked.
    pub events: Option<usize>,
}

/// The reply for `ask` and its finish reason (`stop`, `length` or `tool_calls`).
pub fn plan_reply(ask: &Ask) -> (Reply, &'static str) {
    if let Some(k) = ask.events {
        return (Reply::Text(event_words(k)), "stop");
    }
    if let Some(result) = &ask.tool_result {
        return cut(format!("Tool result: {result}"), ask.max_tokens);
    }
    if let Some(name) = &ask.tool {
        let arguments = match ask.tool_schema {
            Some(schema) if schema.get("properties").is_some() => {
                fill_schema(schema, &ask.last_user).to_string()
            }
            _ => format!(
                "{{\"input\": {}}}",
                Value::String(ask.last_user.clone().into_owned())
            ),
        };
        return (
            Reply::Tool {
                name: name.clone(),
                arguments,
            },
            "tool_calls",
        );
    }
    let text = format!("You said: {}{}", ask.last_user, ask.note);
    let text = match ask.json {
        JsonShape::None => text,
        JsonShape::Reply => format!("{{\"reply\": {}}}", Value::String(text)),
        JsonShape::Schema(schema) => fill_schema(schema, &text).to_string(),
    };
    cut(text, ask.max_tokens)
}

/// Cuts `text` to `max_tokens` tokens (`length`) if it is longer.
fn cut(text: String, max_tokens: Option<u64>) -> (Reply, &'static str) {
    match max_tokens.and_then(|limit| tokens::truncate(&text, limit as usize)) {
        Some(short) => (Reply::Text(short.to_owned()), "length"),
        None => (Reply::Text(text), "stop"),
    }
}

/// A value for simple JSON schemas: an object gets every property (strings
/// are `text`, numbers 0, booleans true, arrays empty, enums their first
/// value, `$ref`s into `$defs` followed, `anyOf` its first non-null branch,
/// anything else null); a schema that is not an object schema gets
/// `{"reply": text}` so the reply is still valid JSON.
pub fn fill_schema(schema: &Value, text: &str) -> Value {
    fn fill(root: &Value, schema: &Value, text: &str, depth: usize) -> Value {
        if depth >= 16 {
            return Value::Null;
        }
        if let Some(target) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| root.pointer(pointer))
        {
            return fill(root, target, text, depth + 1);
        }
        if let Some(branch) = schema.get("anyOf").and_then(Value::as_array).and_then(|b| {
            b.iter()
                .find(|s| s.get("type").and_then(Value::as_str) != Some("null"))
        }) {
            return fill(root, branch, text, depth + 1);
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        if let Some(c) = schema.get("const") {
            return c.clone();
        }
        // `"type": ["string", "null"]` takes its first non-null type.
        let ty = match schema.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null"),
            _ => "",
        };
        match ty {
            "string" => Value::String(text.to_owned()),
            "integer" | "number" => Value::from(0),
            "boolean" => Value::Bool(true),
            "array" => Value::Array(Vec::new()),
            "object" => Value::Object(
                schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), fill(root, v, text, depth + 1)))
                    .collect(),
            ),
            _ => Value::Null,
        }
    }
    match schema.get("properties") {
        Some(Value::Object(_)) => fill(schema, schema, text, 0),
        _ => serde_json::json!({ "reply": text }),
    }
}

pub fn plan_chat(body: &Value, events: Option<usize>) -> Result<ChatPlan, ApiError> {
    let obj = object(body)?;
    let model = match obj.get("model") {
        Some(Value::String(m)) if !m.is_empty() => m.clone(),
        _ => return Err(missing_model()),
    };
    let messages = match obj.get("messages") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) => {
            return Err(ApiError::invalid(
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                "messages",
            )
            .with_code("empty_array"));
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "Invalid type for 'messages': expected an array of objects.",
                "messages",
            ));
        }
        None => return Err(missing("messages")),
    };
    let mut prompt_tokens = PROMPT_BASE;
    for (i, m) in messages.iter().enumerate() {
        let Some(role) = m.get("role").and_then(Value::as_str) else {
            return Err(missing(&format!("messages[{i}].role")));
        };
        prompt_tokens += message_tokens(role, &content_text(m.get("content")));
    }
    let n = match opt_u64(obj, "n")? {
        None => 1,
        Some(n @ 1..=128) => n as usize,
        Some(_) => {
            return Err(ApiError::invalid(
                "Invalid 'n': must be between 1 and 128.",
                "n",
            ));
        }
    };
    let stream = obj.get("stream").and_then(Value::as_bool) == Some(true);
    let include_usage = stream
        && obj
            .get("stream_options")
            .and_then(|o| o.get("include_usage"))
            .and_then(Value::as_bool)
            == Some(true);
    let max_tokens = match opt_u64(obj, "max_completion_tokens")? {
        Some(n) => Some(n),
        None => opt_u64(obj, "max_tokens")?,
    };

    let last = messages.last().expect("messages is non-empty");
    let last_user = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(|m| content_text(m.get("content")))
        .unwrap_or_default();
    let tools = obj.get("tools").and_then(Value::as_array);
    let format = obj.get("response_format");
    let json = match format.and_then(|r| r.get("type")).and_then(Value::as_str) {
        Some("json_schema") => format
            .and_then(|r| r.get("json_schema"))
            .and_then(|j| j.get("schema"))
            .map_or(JsonShape::Reply, JsonShape::Schema),
        Some("json_object") => JsonShape::Reply,
        _ => JsonShape::None,
    };
    let tool = tools.and_then(|t| tool_to_call(t.iter(), obj.get("tool_choice")));
    let (reply, finish_reason) = plan_reply(&Ask {
        last_user,
        tool_result: (last.get("role").and_then(Value::as_str) == Some("tool"))
            .then(|| content_text(last.get("content"))),
        tool: tool.clone(),
        tool_schema: tools.and_then(|t| strict_parameters(t.iter(), tool.as_deref())),
        json,
        note: "",
        max_tokens,
        events,
    });
    let completion_tokens = match &reply {
        Reply::Text(t) => tokens::count(t),
        Reply::Tool { arguments, .. } => tokens::count(arguments),
    } as u64;
    Ok(ChatPlan {
        model,
        n,
        stream,
        include_usage,
        reply,
        finish_reason,
        prompt_tokens,
        completion_tokens,
    })
}

/// The `verbatim` and `finish-reason=R` knobs of `x-mock-fault`, applied to a planned chat
/// answer: with `verbatim` the reply text (or the tool call's arguments) is the last user
/// text exactly, so a test chooses the content a client has to parse; `finish-reason` replaces
/// the finish reason (the content stays).
pub fn steer_chat(plan: &mut ChatPlan, body: &Value, verbatim: bool, finish: Option<&'static str>) {
    // A cut reply (`length`) stays cut: the cut is what that test asked for.
    if verbatim && plan.finish_reason != "length" {
        let last_user = body
            .get("messages")
            .and_then(Value::as_array)
            .and_then(|m| {
                m.iter()
                    .rev()
                    .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            })
            .map(|m| content_text(m.get("content")).into_owned())
            .unwrap_or_default();
        plan.completion_tokens = tokens::count(&last_user) as u64;
        match &mut plan.reply {
            Reply::Text(t) => *t = last_user,
            Reply::Tool { arguments, .. } => *arguments = last_user,
        }
    }
    if let Some(f) = finish {
        plan.finish_reason = f;
    }
}

pub fn missing_model() -> ApiError {
    ApiError::invalid("you must provide a model parameter", "model")
}

#[derive(Serialize, Debug, Clone, Copy)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    pub prompt_tokens_details: PromptDetails,
    pub completion_tokens_details: CompletionDetails,
}

#[derive(Serialize, Debug, Clone, Copy)]
pub struct PromptDetails {
    pub cached_tokens: u64,
}

#[derive(Serialize, Debug, Clone, Copy)]
pub struct CompletionDetails {
    pub reasoning_tokens: u64,
}

impl ChatPlan {
    pub fn usage(&self) -> Usage {
        let completion = self.completion_tokens * self.n as u64;
        Usage {
            prompt_tokens: self.prompt_tokens,
            completion_tokens: completion,
            total_tokens: self.prompt_tokens + completion,
            prompt_tokens_details: PromptDetails { cached_tokens: 0 },
            completion_tokens_details: CompletionDetails {
                reasoning_tokens: 0,
            },
        }
    }
}

#[derive(Serialize)]
struct Completion<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    system_fingerprint: &'static str,
    choices: Vec<Choice<'a>>,
    usage: Usage,
}

#[derive(Serialize)]
struct Choice<'a> {
    index: usize,
    message: Message<'a>,
    logprobs: Option<()>,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    content: Option<&'a str>,
    refusal: Option<()>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<[ToolCall<'a>; 1]>,
}

#[derive(Serialize)]
struct ToolCall<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: Function<'a>,
}

#[derive(Serialize)]
struct Function<'a> {
    name: &'a str,
    arguments: &'a str,
}

/// `call_ids` holds one id per choice (only used for tool replies).
pub fn completion_body(plan: &ChatPlan, id: &str, call_ids: &[String]) -> Vec<u8> {
    let choices = (0..plan.n)
        .map(|index| Choice {
            index,
            message: match &plan.reply {
                Reply::Text(t) => Message {
                    role: "assistant",
                    content: Some(t),
                    refusal: None,
                    tool_calls: None,
                },
                Reply::Tool { name, arguments } => Message {
                    role: "assistant",
                    content: None,
                    refusal: None,
                    tool_calls: Some([ToolCall {
                        id: &call_ids[index],
                        kind: "function",
                        function: Function { name, arguments },
                    }]),
                },
            },
            logprobs: None,
            finish_reason: plan.finish_reason,
        })
        .collect();
    serde_json::to_vec(&Completion {
        id,
        object: "chat.completion",
        created: CREATED,
        model: &plan.model,
        system_fingerprint: FINGERPRINT,
        choices,
        usage: plan.usage(),
    })
    .expect("serializing a completion cannot fail")
}

/// One `chat.completion.chunk`. `usage` is `None` to omit the field,
/// `Some(None)` for `"usage": null`.
#[derive(Serialize)]
pub struct Chunk<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created: u64,
    pub model: &'a str,
    pub system_fingerprint: &'static str,
    pub choices: &'a [ChunkChoice<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Option<Usage>>,
}

#[derive(Serialize)]
pub struct ChunkChoice<'a> {
    pub index: usize,
    pub delta: Delta<'a>,
    pub logprobs: Option<()>,
    pub finish_reason: Option<&'static str>,
}

#[derive(Serialize, Default)]
pub struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Option<()>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<[ToolCallDelta<'a>; 1]>,
}

#[derive(Serialize)]
pub struct ToolCallDelta<'a> {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    pub function: FunctionDelta<'a>,
}

#[derive(Serialize)]
pub struct FunctionDelta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub arguments: &'a str,
}

pub const STREAM_ERROR: &str = r#"{"error":{"message":"mock stream error","type":"server_error","param":null,"code":"stream_error"}}"#;

// ---------------------------------------------------------------- embeddings

enum EmbeddingInput<'a> {
    Text(&'a str),
    Tokens(Vec<u64>),
}

fn bad_input() -> ApiError {
    ApiError::invalid(
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        "input",
    )
}

fn token_array(v: &Value) -> Option<Vec<u64>> {
    let a = v.as_array().filter(|a| !a.is_empty())?;
    a.iter().map(Value::as_u64).collect()
}

fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A unit vector seeded by `seed`; computed in f64 so the f32 output is the
/// same on every platform.
pub fn unit_vector(seed: u64, dims: usize) -> Vec<f32> {
    let mut state = seed;
    let mut next = || {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let raw: Vec<f64> = (0..dims)
        .map(|_| (next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
        .collect();
    let norm = raw.iter().map(|x| x * x).sum::<f64>().sqrt();
    let norm = if norm > 0.0 { norm } else { 1.0 };
    raw.iter().map(|x| (x / norm) as f32).collect()
}

pub fn embeddings_body(body: &Value) -> Result<Vec<u8>, ApiError> {
    let obj = object(body)?;
    let model = match obj.get("model") {
        Some(Value::String(m)) if !m.is_empty() => m.as_str(),
        _ => {
            return Err(ApiError::invalid(
                "you must provide a model parameter",
                "model",
            ));
        }
    };
    let inputs: Vec<EmbeddingInput> = match obj.get("input") {
        None | Some(Value::Null) => return Err(missing("input")),
        Some(Value::String(s)) if !s.is_empty() => vec![EmbeddingInput::Text(s)],
        Some(Value::Array(a)) if !a.is_empty() => {
            if a.iter().all(Value::is_string) {
                a.iter()
                    .map(|v| match v.as_str() {
                        Some(s) if !s.is_empty() => Ok(EmbeddingInput::Text(s)),
                        _ => Err(bad_input()),
                    })
                    .collect::<Result<_, _>>()?
            } else if a.iter().all(Value::is_u64) {
                vec![EmbeddingInput::Tokens(
                    token_array(&obj["input"]).ok_or_else(bad_input)?,
                )]
            } else {
                a.iter()
                    .map(|v| {
                        token_array(v)
                            .map(EmbeddingInput::Tokens)
                            .ok_or_else(bad_input)
                    })
                    .collect::<Result<_, _>>()?
            }
        }
        Some(_) => return Err(bad_input()),
    };
    let dims = match opt_u64(obj, "dimensions")? {
        None => 8,
        Some(d @ 1..=8192) => d as usize,
        Some(_) => {
            return Err(ApiError::invalid(
                "Invalid 'dimensions': must be between 1 and 8192.",
                "dimensions",
            ));
        }
    };
    let base64 = match obj.get("encoding_format") {
        None | Some(Value::Null) => false,
        Some(Value::String(f)) if f == "float" => false,
        Some(Value::String(f)) if f == "base64" => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "Invalid 'encoding_format': expected 'float' or 'base64'.",
                "encoding_format",
            ));
        }
    };

    #[derive(Serialize)]
    #[serde(untagged)]
    enum Vector {
        Float(Vec<f32>),
        Base64(String),
    }
    #[derive(Serialize)]
    struct Item {
        object: &'static str,
        index: usize,
        embedding: Vector,
    }
    #[derive(Serialize)]
    struct TokenUsage {
        prompt_tokens: u64,
        total_tokens: u64,
    }
    #[derive(Serialize)]
    struct List<'a> {
        object: &'static str,
        data: Vec<Item>,
        model: &'a str,
        usage: TokenUsage,
    }
    let mut prompt_tokens = 0u64;
    let data = inputs
        .iter()
        .enumerate()
        .map(|(index, input)| {
            let seed = match input {
                EmbeddingInput::Text(s) => {
                    prompt_tokens += tokens::count(s) as u64;
                    fnv1a(s.bytes())
                }
                EmbeddingInput::Tokens(t) => {
                    prompt_tokens += t.len() as u64;
                    fnv1a(t.iter().flat_map(|x| x.to_le_bytes()))
                }
            };
            let v = unit_vector(seed, dims);
            let embedding = if base64 {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                Vector::Base64(base64::engine::general_purpose::STANDARD.encode(bytes))
            } else {
                Vector::Float(v)
            };
            Item {
                object: "embedding",
                index,
                embedding,
            }
        })
        .collect();
    Ok(serde_json::to_vec(&List {
        object: "list",
        data,
        model,
        usage: TokenUsage {
            prompt_tokens,
            total_tokens: prompt_tokens,
        },
    })
    .expect("serializing embeddings cannot fail"))
}

// -------------------------------------------------------------------- images

/// A 1x1 PNG, so `b64_json` decodes to a real image.
pub const TINY_PNG_B64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

/// `next_image` hands out the numbers used in image URLs.
pub fn images_body(body: &Value, next_image: impl FnMut() -> u64) -> Result<Vec<u8>, ApiError> {
    let obj = object(body)?;
    let prompt = match obj.get("prompt") {
        Some(Value::String(p)) if !p.is_empty() => p.as_str(),
        _ => return Err(missing("prompt")),
    };
    images_answer(obj, prompt, next_image)
}

/// The images answer for already-checked `prompt` (an edit's, or `""` for
/// a variation), reading `n` and `response_format` from `obj`.
pub fn images_answer(
    obj: &serde_json::Map<String, Value>,
    prompt: &str,
    mut next_image: impl FnMut() -> u64,
) -> Result<Vec<u8>, ApiError> {
    let n = match opt_u64(obj, "n")? {
        None => 1,
        Some(n @ 1..=10) => n,
        Some(_) => {
            return Err(ApiError::invalid(
                "Invalid 'n': must be between 1 and 10.",
                "n",
            ));
        }
    };
    let b64 = match obj.get("response_format") {
        None | Some(Value::Null) => false,
        Some(Value::String(f)) if f == "url" => false,
        Some(Value::String(f)) if f == "b64_json" => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "Invalid 'response_format': expected 'url' or 'b64_json'.",
                "response_format",
            ));
        }
    };
    #[derive(Serialize)]
    struct Image<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        b64_json: Option<&'static str>,
        revised_prompt: &'a str,
    }
    #[derive(Serialize)]
    struct Images<'a> {
        created: u64,
        data: Vec<Image<'a>>,
    }
    let data = (0..n)
        .map(|_| Image {
            url: (!b64).then(|| format!("https://mock.openai.local/images/{}.png", next_image())),
            b64_json: b64.then_some(TINY_PNG_B64),
            revised_prompt: prompt,
        })
        .collect();
    Ok(serde_json::to_vec(&Images {
        created: CREATED,
        data,
    })
    .expect("serializing images cannot fail"))
}

// -------------------------------------------------------------------- models

const MODELS: &[(&str, u64, &str)] = &[
    ("gpt-4o", 1_715_367_049, "system"),
    ("gpt-4o-mini", 1_721_172_741, "system"),
    ("gpt-4.1", 1_744_316_542, "system"),
    ("gpt-4.1-mini", 1_744_318_173, "system"),
    ("gpt-4", 1_687_882_411, "openai"),
    ("gpt-4-turbo", 1_712_361_441, "system"),
    ("gpt-3.5-turbo", 1_677_610_602, "openai"),
    ("gpt-3.5-turbo-16k", 1_683_758_102, "openai-internal"),
    ("o3-mini", 1_737_146_383, "system"),
    ("dall-e-3", 1_698_785_189, "system"),
    ("dall-e-2", 1_698_798_177, "system"),
    ("text-embedding-3-small", 1_705_948_997, "system"),
    ("text-embedding-3-large", 1_705_953_180, "system"),
    ("text-embedding-ada-002", 1_671_217_299, "openai-internal"),
];

#[derive(Serialize)]
struct Model {
    id: &'static str,
    object: &'static str,
    created: u64,
    owned_by: &'static str,
}

fn model(&(id, created, _): &(&'static str, u64, &str)) -> Model {
    // The spec'd mock answers "openai" for every model; real owners vary.
    Model {
        id,
        object: "model",
        created,
        owned_by: "openai",
    }
}

pub fn models_body() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        #[derive(Serialize)]
        struct List {
            object: &'static str,
            data: Vec<Model>,
        }
        serde_json::to_vec(&List {
            object: "list",
            data: MODELS.iter().map(model).collect(),
        })
        .expect("serializing models cannot fail")
    })
}

pub fn model_body(id: &str) -> Result<Vec<u8>, ApiError> {
    match MODELS.iter().find(|m| m.0 == id) {
        Some(m) => Ok(serde_json::to_vec(&model(m)).expect("serializing a model cannot fail")),
        None => Err(ApiError::new(
            404,
            format!("The model '{id}' does not exist or you do not have access to it."),
        )
        .with_code("model_not_found")),
    }
}

/// `DELETE /v1/models/{id}`: fine-tuned models (`ft:...`) can be deleted
/// once; base models are the organization's to use, not to delete.
pub fn delete_model(id: &str, already_deleted: bool) -> Result<Vec<u8>, ApiError> {
    if id.starts_with("ft:") && !already_deleted {
        return Ok(serde_json::to_vec(
            &serde_json::json!({"id": id, "object": "model", "deleted": true}),
        )
        .expect("serializing cannot fail"));
    }
    if MODELS.iter().any(|m| m.0 == id) {
        return Err(ApiError::new(
            403,
            "You have insufficient permissions for this operation.",
        ));
    }
    model_body(id)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn plan(body: Value) -> ChatPlan {
        plan_chat(&body, None).unwrap()
    }

    #[test]
    fn verbatim_and_finish_reason_knobs() {
        let body = json!({"model": "m", "messages": [{"role": "user", "content": "{\"a\": [1]}"}],
            "response_format": {"type": "json_object"}});
        let mut p = plan(body.clone());
        steer_chat(&mut p, &body, true, Some("content_filter"));
        assert_eq!(p.reply, Reply::Text("{\"a\": [1]}".into()));
        assert_eq!(p.finish_reason, "content_filter");
        assert_eq!(p.completion_tokens, tokens::count("{\"a\": [1]}") as u64);

        let body = json!({"model": "m", "messages": [{"role": "user", "content": "{}"}],
            "tools": [{"type": "function", "function": {"name": "f"}}]});
        let mut p = plan(body.clone());
        steer_chat(&mut p, &body, true, None);
        assert_eq!(
            p.reply,
            Reply::Tool {
                name: "f".into(),
                arguments: "{}".into()
            }
        );
        assert_eq!(p.finish_reason, "tool_calls");

        let body = json!({"model": "m", "max_tokens": 1,
            "messages": [{"role": "user", "content": "one two three"}]});
        let mut p = plan(body.clone());
        steer_chat(&mut p, &body, true, None);
        assert_eq!(p.reply, Reply::Text("You".into()));
        assert_eq!(p.finish_reason, "length");
    }

    #[test]
    fn echoes_last_user_message_with_usage() {
        let p = plan(json!({"model": "gpt-4o", "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hello there"},
        ]}));
        assert_eq!(p.reply, Reply::Text("You said: hello there".into()));
        assert_eq!(p.finish_reason, "stop");
        // 3 + (3 + 1 + 3) + (3 + 1 + 2)
        assert_eq!(p.prompt_tokens, 16);
        assert_eq!(p.completion_tokens, 5);
        let u = p.usage();
        assert_eq!(
            (u.prompt_tokens, u.completion_tokens, u.total_tokens),
            (16, 5, 21)
        );
    }

    #[test]
    fn content_parts_and_images() {
        let content = json!([
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": {"url": "data:"}},
            {"type": "text", "text": "here"},
        ]);
        assert_eq!(content_text(Some(&content)), "look [image] here");
        let p = plan(json!({"model": "m", "messages": [{"role": "user", "content": content}]}));
        assert_eq!(p.reply, Reply::Text("You said: look [image] here".into()));
        assert_eq!(content_text(None), "");
        assert_eq!(content_text(Some(&json!(null))), "");
    }

    #[test]
    fn validation_names_the_param() {
        let err = |b: Value| plan_chat(&b, None).unwrap_err();
        assert_eq!(
            err(json!({"messages": [{"role": "user", "content": "x"}]}))
                .param
                .as_deref(),
            Some("model")
        );
        assert_eq!(
            err(json!({"model": "m"})).param.as_deref(),
            Some("messages")
        );
        assert_eq!(
            err(json!({"model": "m", "messages": []})).param.as_deref(),
            Some("messages")
        );
        assert_eq!(
            err(json!({"model": "m", "messages": "hi"}))
                .param
                .as_deref(),
            Some("messages")
        );
        assert_eq!(err(json!([1])).status, 400);
        let e = err(json!({"model": "m", "messages": [{"content": "x"}]}));
        assert_eq!(e.param.as_deref(), Some("messages[0].role"));
    }

    #[test]
    fn max_tokens_cuts_with_length() {
        let p = plan(
            json!({"model": "m", "max_tokens": 2, "messages": [{"role": "user", "content": "a b c"}]}),
        );
        assert_eq!(p.reply, Reply::Text("You said".into()));
        assert_eq!((p.finish_reason, p.completion_tokens), ("length", 2));
        let p = plan(
            json!({"model": "m", "max_completion_tokens": 6, "messages": [{"role": "user", "content": "a b c"}]}),
        );
        assert_eq!(p.finish_reason, "stop");
    }

    #[test]
    fn json_mode_is_valid_json() {
        let p = plan(
            json!({"model": "m", "response_format": {"type": "json_object"},
            "messages": [{"role": "user", "content": "say \"hi\""}]}),
        );
        let Reply::Text(t) = p.reply else { panic!() };
        let v: Value = serde_json::from_str(&t).unwrap();
        assert_eq!(v["reply"], "You said: say \"hi\"");
    }

    #[test]
    fn json_schema_replies_fill_the_schema() {
        // A pydantic-style strict schema: nested model through $defs, an optional field
        // (anyOf with null), an enum and a list.
        let schema = json!({
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "when": {"$ref": "#/$defs/When"},
                "note": {"anyOf": [{"type": "null"}, {"type": "string"}]},
                "kind": {"enum": ["a", "b"]},
                "tags": {"type": "array", "items": {"type": "string"}}
            },
            "$defs": {"When": {"type": "object", "properties": {"day": {"type": "integer"}}}}
        });
        let p = plan(
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}],
            "response_format": {"type": "json_schema",
                "json_schema": {"name": "event", "schema": schema, "strict": true}}}),
        );
        let Reply::Text(t) = p.reply else { panic!() };
        let v: Value = serde_json::from_str(&t).unwrap();
        assert_eq!(
            v,
            json!({"name": "You said: x", "when": {"day": 0}, "note": "You said: x",
                   "kind": "a", "tags": []})
        );
        // Without properties the reply stays {"reply": ...}.
        let p = plan(
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "any"}}}),
        );
        let Reply::Text(t) = p.reply else { panic!() };
        assert_eq!(
            serde_json::from_str::<Value>(&t).unwrap(),
            json!({"reply": "You said: x"})
        );
    }

    #[test]
    fn strict_tools_get_arguments_that_match_their_parameters() {
        let params = json!({"type": "object", "properties": {"city": {"type": "string"}},
            "required": ["city"], "additionalProperties": false});
        let tools = |strict: bool| {
            json!([{"type": "function",
            "function": {"name": "weather", "parameters": params, "strict": strict}}])
        };
        let p = plan(json!({"model": "m", "tools": tools(true),
            "messages": [{"role": "user", "content": "Paris"}]}));
        let Reply::Tool { arguments, .. } = &p.reply else {
            panic!()
        };
        assert_eq!(
            serde_json::from_str::<Value>(arguments).unwrap(),
            json!({"city": "Paris"})
        );
        let p = plan(json!({"model": "m", "tools": tools(false),
            "messages": [{"role": "user", "content": "Paris"}]}));
        let Reply::Tool { arguments, .. } = &p.reply else {
            panic!()
        };
        assert_eq!(arguments, r#"{"input": "Paris"}"#);
    }

    #[test]
    fn tool_calls_and_tool_results() {
        let tools = json!([
            {"type": "function", "function": {"name": "first"}},
            {"type": "function", "function": {"name": "second"}},
        ]);
        let p = plan(
            json!({"model": "m", "tools": tools, "messages": [{"role": "user", "content": "x \"y\""}]}),
        );
        assert_eq!(p.finish_reason, "tool_calls");
        let Reply::Tool { name, arguments } = &p.reply else {
            panic!()
        };
        assert_eq!(name, "first");
        assert_eq!(arguments, r#"{"input": "x \"y\""}"#);

        let p = plan(json!({"model": "m", "tools": tools,
            "tool_choice": {"type": "function", "function": {"name": "second"}},
            "messages": [{"role": "user", "content": "x"}]}));
        assert!(matches!(p.reply, Reply::Tool { ref name, .. } if name == "second"));

        let p = plan(json!({"model": "m", "tools": tools, "tool_choice": "none",
            "messages": [{"role": "user", "content": "x"}]}));
        assert_eq!(p.reply, Reply::Text("You said: x".into()));

        let p = plan(json!({"model": "m", "tools": tools, "messages": [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": null, "tool_calls": []},
            {"role": "tool", "tool_call_id": "call_1", "content": "42"},
        ]}));
        assert_eq!(p.reply, Reply::Text("Tool result: 42".into()));
    }

    #[test]
    fn n_choices_and_events() {
        let p = plan(json!({"model": "m", "n": 3, "messages": [{"role": "user", "content": "x"}]}));
        assert_eq!(p.n, 3);
        assert_eq!(p.usage().completion_tokens, 12);
        let body: Value =
            serde_json::from_slice(&completion_body(&p, "chatcmpl-mock1", &[])).unwrap();
        assert_eq!(body["choices"][2]["index"], 2);
        assert_eq!(body["choices"][0]["message"]["refusal"], Value::Null);

        let p = plan_chat(
            &json!({"model": "m", "messages": [{"role": "user", "content": "x"}]}),
            Some(3),
        )
        .unwrap();
        assert_eq!(p.reply, Reply::Text("w0 w1 w2".into()));
        assert_eq!(p.completion_tokens, 3);
    }

    #[test]
    fn embeddings_are_deterministic_unit_vectors() {
        let a: Value = serde_json::from_slice(
            &embeddings_body(&json!({"model": "e", "input": ["hi", "there"], "dimensions": 16}))
                .unwrap(),
        )
        .unwrap();
        let v: Vec<f64> = serde_json::from_value(a["data"][0]["embedding"].clone()).unwrap();
        assert_eq!(v.len(), 16);
        assert!((v.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-5);
        assert_eq!(a["data"][1]["index"], 1);
        assert_eq!(a["usage"]["prompt_tokens"], 2);
        let again: Value = serde_json::from_slice(
            &embeddings_body(&json!({"model": "e", "input": "hi", "dimensions": 16})).unwrap(),
        )
        .unwrap();
        assert_eq!(again["data"][0]["embedding"], a["data"][0]["embedding"]);

        let b64: Value = serde_json::from_slice(
            &embeddings_body(
                &json!({"model": "e", "input": [[1, 2], [3]], "encoding_format": "base64"}),
            )
            .unwrap(),
        )
        .unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64["data"][1]["embedding"].as_str().unwrap())
            .unwrap();
        assert_eq!(bytes.len(), 8 * 4);
        assert_eq!(b64["usage"]["total_tokens"], 3);

        assert!(embeddings_body(&json!({"input": "x"})).is_err());
        assert!(embeddings_body(&json!({"model": "e", "input": [1, "x"]})).is_err());
        assert!(embeddings_body(&json!({"model": "e", "input": ""})).is_err());
    }

    #[test]
    fn images_and_models() {
        let mut n = 0;
        let v: Value = serde_json::from_slice(
            &images_body(&json!({"prompt": "cat", "n": 2}), || {
                n += 1;
                n
            })
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            v["data"][1]["url"],
            "https://mock.openai.local/images/2.png"
        );
        assert_eq!(v["data"][0]["revised_prompt"], "cat");
        let v: Value = serde_json::from_slice(
            &images_body(
                &json!({"prompt": "cat", "response_format": "b64_json"}),
                || 0,
            )
            .unwrap(),
        )
        .unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(v["data"][0]["b64_json"].as_str().unwrap())
            .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(
            images_body(&json!({"n": 1}), || 0)
                .unwrap_err()
                .param
                .as_deref(),
            Some("prompt")
        );

        let list: Value = serde_json::from_slice(models_body()).unwrap();
        let ids: Vec<&str> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        for want in [
            "gpt-4o",
            "gpt-4o-mini",
            "gpt-4.1",
            "gpt-3.5-turbo",
            "gpt-3.5-turbo-16k",
            "gpt-4",
            "dall-e-3",
            "text-embedding-3-small",
        ] {
            assert!(ids.contains(&want), "{want}");
        }
        assert!(model_body("gpt-4o").is_ok());
        assert_eq!(
            model_body("nope").unwrap_err().code.as_deref(),
            Some("model_not_found")
        );
    }

    #[test]
    fn fault_envelopes() {
        let e = ApiError::for_fault(429, Some("insufficient_quota"));
        assert_eq!(
            (e.kind, e.code.as_deref()),
            ("insufficient_quota", Some("insufficient_quota"))
        );
        let e = ApiError::for_fault(429, None);
        assert_eq!(
            (e.kind, e.code.as_deref()),
            ("requests", Some("rate_limit_exceeded"))
        );
        assert_eq!(ApiError::for_fault(503, None).kind, "server_error");
        let v: Value = serde_json::from_slice(&ApiError::invalid("m", "model").body()).unwrap();
        assert_eq!(
            v,
            json!({"error": {"message": "m", "type": "invalid_request_error", "param": "model", "code": null}})
        );
    }
}
