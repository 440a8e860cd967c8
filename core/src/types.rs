//! Request and response types.
//!
//! Requests type what the guides use and pass every other field through (`extra`). Responses are
//! tolerant: every field defaults when missing, unknown fields are kept in `extra`, and enum-like
//! values (roles, `finish_reason`) are strings so a value added by the API tomorrow still parses.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Unknown fields, kept in order.
pub type Extra = Map<String, Value>;

/// `null`, a string, or anything else (a number as `code`, say) all become `Option<String>`.
pub(crate) fn de_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

/// A count or index: any JSON integer. The spec types these as unbounded `integer`, so a
/// negative value is schema-valid; it saturates to 0 here (no real server sends one) while
/// `Response::raw` keeps what was sent. `null` counts as 0.
fn de_count<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64> + Default,
{
    let v = match Value::deserialize(d)? {
        Value::Null => return Ok(T::default()),
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_i64().map(|_| 0))
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.max(0.0) as u64)
            })
            .ok_or_else(|| de::Error::custom("expected an integer"))?,
        other => {
            return Err(de::Error::custom(format!(
                "expected an integer, got {other}"
            )));
        }
    };
    T::try_from(v).map_err(|_| de::Error::custom(format!("{v} is out of range")))
}

/// `null` and missing both become the default (the API sends `"choices": null` on rare chunks).
fn de_null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

// ================================================================================================
// Messages
// ================================================================================================

/// The role of a chat message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions (older models).
    System,
    /// Instructions (o-series and newer models).
    Developer,
    /// The person.
    User,
    /// The model.
    Assistant,
    /// The result of a tool call.
    Tool,
    /// The legacy function-calling result role.
    Function,
}

impl Role {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::Developer => "developer",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::Function => "function",
        }
    }

    /// Parses a wire name; an unknown role is an error naming the accepted ones.
    pub fn parse(s: &str) -> Result<Role> {
        Ok(match s {
            "system" => Role::System,
            "developer" => Role::Developer,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" => Role::Tool,
            "function" => Role::Function,
            other => {
                return Err(Error::invalid_argument(format!(
                    "unknown message role {other:?}; expected system, developer, user, assistant or tool"
                )));
            }
        })
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Role::parse(&s).map_err(|e| de::Error::custom(e.message()))
    }
}

/// Message content: a plain string, or a list of parts (text, images, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// Content parts.
    Parts(Vec<ContentPart>),
}

impl Content {
    /// The text of the content: the string, or the text parts joined with a newline.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Content::Text(s) => s.as_str().into(),
            Content::Parts(parts) => {
                let texts: Vec<&str> = parts
                    .iter()
                    .filter_map(|p| match p {
                        ContentPart::Text { text } => Some(text.as_str()),
                        _ => None,
                    })
                    .collect();
                texts.join("\n").into()
            }
        }
    }
}

impl From<&str> for Content {
    fn from(s: &str) -> Self {
        Content::Text(s.to_owned())
    }
}

impl From<String> for Content {
    fn from(s: String) -> Self {
        Content::Text(s)
    }
}

/// One part of a multi-part message.
#[derive(Clone, Debug, PartialEq)]
pub enum ContentPart {
    /// `{"type": "text", "text": ...}`
    Text {
        /// The text.
        text: String,
    },
    /// `{"type": "image_url", "image_url": {"url": ..., "detail": ...}}`
    ImageUrl {
        /// The image.
        image_url: ImageUrl,
    },
    /// Any other part type (`input_audio`, `file`, ...), passed through untouched.
    Other(Extra),
}

impl Serialize for ContentPart {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            ContentPart::Text { text } => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("type", "text")?;
                m.serialize_entry("text", text)?;
                m.end()
            }
            ContentPart::ImageUrl { image_url } => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("type", "image_url")?;
                m.serialize_entry("image_url", image_url)?;
                m.end()
            }
            ContentPart::Other(map) => map.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ContentPart {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut map = Extra::deserialize(d)?;
        let kind = match map.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(_) => return Err(de::Error::custom("content part \"type\" must be a string")),
            None => return Err(de::Error::custom("content part is missing \"type\"")),
        };
        match kind.as_str() {
            "text" => match map.remove("text") {
                Some(Value::String(text)) => Ok(ContentPart::Text { text }),
                _ => Err(de::Error::custom("a text part needs a string \"text\"")),
            },
            "image_url" => {
                let v = map
                    .remove("image_url")
                    .ok_or_else(|| de::Error::custom("an image_url part needs \"image_url\""))?;
                let image_url = ImageUrl::deserialize(v).map_err(de::Error::custom)?;
                Ok(ContentPart::ImageUrl { image_url })
            }
            _ => Ok(ContentPart::Other(map)),
        }
    }
}

/// An image reference. The guides pass it as a bare string as well as an object; both are
/// accepted, and it is always sent as the object the API requires.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImageUrl {
    /// `https://...` or a `data:image/...;base64,...` URL.
    pub url: String,
    /// `auto`, `low` or `high`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Anything else, passed through.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for ImageUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(url) => Ok(ImageUrl {
                url,
                detail: None,
                extra: Extra::new(),
            }),
            Value::Object(mut map) => {
                let url = match map.remove("url") {
                    Some(Value::String(u)) => u,
                    _ => return Err(de::Error::custom("image_url needs a string \"url\"")),
                };
                let detail = match map.remove("detail") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s),
                    Some(_) => return Err(de::Error::custom("image_url.detail must be a string")),
                };
                Ok(ImageUrl {
                    url,
                    detail,
                    extra: map,
                })
            }
            _ => Err(de::Error::custom(
                "image_url must be a URL string or an object with \"url\"",
            )),
        }
    }
}

/// A chat message in a request, or in the history of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What is said; `None` for an assistant turn that only calls tools.
    #[serde(default)]
    pub content: Option<Content>,
    /// An optional participant name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tool calls made by an assistant turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// For a `tool` message: the call it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// Anything else (`refusal`, `audio`, ...), passed through.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Message {
    /// A message with text content.
    pub fn new(role: Role, content: impl Into<Content>) -> Message {
        Message {
            role,
            content: Some(content.into()),
            name: None,
            tool_calls: None,
            tool_call_id: None,
            extra: Extra::new(),
        }
    }
    /// A system message.
    pub fn system(content: impl Into<Content>) -> Message {
        Message::new(Role::System, content)
    }
    /// A developer message.
    pub fn developer(content: impl Into<Content>) -> Message {
        Message::new(Role::Developer, content)
    }
    /// A user message.
    pub fn user(content: impl Into<Content>) -> Message {
        Message::new(Role::User, content)
    }
    /// An assistant message.
    pub fn assistant(content: impl Into<Content>) -> Message {
        Message::new(Role::Assistant, content)
    }
    /// The result of tool call `tool_call_id`.
    pub fn tool(tool_call_id: impl Into<String>, content: impl Into<Content>) -> Message {
        let mut m = Message::new(Role::Tool, content);
        m.tool_call_id = Some(tool_call_id.into());
        m
    }

    /// Parses one message in the API's JSON shape (a Python dict, a C JSON string) and checks it.
    pub fn from_json(v: Value) -> Result<Message> {
        let m: Message = serde_json::from_value(v)
            .map_err(|e| Error::invalid_argument(format!("invalid message: {e}")))?;
        m.validate(0)?;
        Ok(m)
    }

    /// Parses a JSON array of messages and checks each (errors name the index).
    pub fn list_from_json(v: Value) -> Result<Vec<Message>> {
        let messages: Vec<Message> = serde_json::from_value(v)
            .map_err(|e| Error::invalid_argument(format!("invalid message list: {e}")))?;
        for (i, m) in messages.iter().enumerate() {
            m.validate(i)?;
        }
        Ok(messages)
    }

    /// Checks what the API would reject, so the caller gets a clear error before anything is
    /// sent. `index` names the message in the error.
    pub fn validate(&self, index: usize) -> Result<()> {
        let at = |what: &str| Error::invalid_argument(format!("messages[{index}]: {what}"));
        match self.role {
            Role::System | Role::Developer | Role::User | Role::Function
                if self.content.is_none() =>
            {
                Err(at(&format!(
                    "a {} message needs content",
                    self.role.as_str()
                )))
            }
            Role::Tool if self.tool_call_id.is_none() => {
                Err(at("a tool message needs tool_call_id"))
            }
            Role::Tool if self.content.is_none() => Err(at("a tool message needs content")),
            Role::Assistant if self.content.is_none() && self.tool_calls.is_none() => {
                Err(at("an assistant message needs content or tool_calls"))
            }
            _ => Ok(()),
        }
    }

    /// The text of the content, empty if none.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        self.content.as_ref().map(Content::text).unwrap_or_default()
    }

    /// Appends a content part (an image after the text, say), turning plain text content into a
    /// text part first so nothing already there is lost.
    pub fn push_part(&mut self, part: ContentPart) {
        let mut parts = match self.content.take() {
            None => Vec::new(),
            Some(Content::Text(t)) if t.is_empty() => Vec::new(),
            Some(Content::Text(text)) => vec![ContentPart::Text { text }],
            Some(Content::Parts(p)) => p,
        };
        parts.push(part);
        self.content = Some(Content::Parts(parts));
    }
}

/// A tool call made by the model.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ToolCall {
    /// The call id, echoed back in the tool result.
    #[serde(default)]
    pub id: String,
    /// `function`.
    #[serde(default = "function_type", rename = "type")]
    pub call_type: String,
    /// The function and its JSON-encoded arguments.
    #[serde(default)]
    pub function: FunctionCall,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

fn function_type() -> String {
    "function".to_owned()
}

/// A function name and its arguments (a JSON string, as the model wrote it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    /// The function name.
    #[serde(default)]
    pub name: String,
    /// JSON-encoded arguments; may be invalid JSON if the model erred.
    #[serde(default)]
    pub arguments: String,
}

// ================================================================================================
// Chat completions: request
// ================================================================================================

/// `POST /chat/completions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletionRequest {
    /// Model id.
    pub model: String,
    /// The conversation.
    pub messages: Vec<Message>,
    /// Legacy output cap (still what the guides use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// Output cap including reasoning tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u64>,
    /// Sampling temperature, 0..=2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Number of choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Stop sequence(s): a string or a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Value>,
    /// `{"type": "json_object"}`, `{"type": "json_schema", "json_schema": {...}}`, `{"type": "text"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    /// Tool definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// `"none"`, `"auto"`, `"required"` or `{"type": "function", "function": {"name": ...}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    /// Set by the client for streaming calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// `{"include_usage": true}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<Value>,
    /// Best-effort determinism.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// End-user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Every other field, sent untouched.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ChatCompletionRequest {
    /// A request for `model` with `messages`.
    pub fn new(model: impl Into<String>, messages: Vec<Message>) -> Self {
        ChatCompletionRequest {
            model: model.into(),
            messages,
            ..Default::default()
        }
    }

    /// Parses a request from JSON (a Python kwargs dict, a C raw body), with errors that name the
    /// field at fault.
    pub fn from_json(v: Value) -> Result<Self> {
        let req: ChatCompletionRequest = serde_json::from_value(v).map_err(|e| {
            Error::invalid_argument(format!("invalid chat completion request: {e}"))
        })?;
        req.validate()?;
        Ok(req)
    }

    /// Sets one top-level parameter from JSON: a typed field lands in its typed slot (and is
    /// type-checked), anything else goes to `extra`; `null` unsets it. `model`, `messages` and
    /// `stream` are refused: they have their own setters and calls.
    pub fn set_field(&mut self, key: &str, value: Value) -> Result<()> {
        if matches!(key, "model" | "messages" | "stream") {
            return Err(Error::invalid_argument(format!(
                "`{key}` cannot be set as a field; it has its own setter or call"
            )));
        }
        let mut body = serde_json::to_value(&*self)
            .map_err(|e| Error::invalid_argument(format!("request not serialisable: {e}")))?;
        if let Value::Object(map) = &mut body {
            if value.is_null() {
                map.remove(key);
            } else {
                map.insert(key.to_owned(), value);
            }
        }
        *self = serde_json::from_value(body)
            .map_err(|e| Error::invalid_argument(format!("invalid value for `{key}`: {e}")))?;
        Ok(())
    }

    /// Refuses what the API would refuse, before anything is sent.
    pub fn validate(&self) -> Result<()> {
        if self.model.trim().is_empty() {
            return Err(Error::invalid_argument("model must not be empty"));
        }
        if self.messages.is_empty() {
            return Err(Error::invalid_argument("messages must not be empty"));
        }
        for (i, m) in self.messages.iter().enumerate() {
            m.validate(i)?;
        }
        if let Some(t) = self.temperature
            && !(0.0..=2.0).contains(&t)
        {
            return Err(Error::invalid_argument(format!(
                "temperature must be between 0 and 2, got {t}"
            )));
        }
        if let Some(p) = self.top_p
            && !(0.0..=1.0).contains(&p)
        {
            return Err(Error::invalid_argument(format!(
                "top_p must be between 0 and 1, got {p}"
            )));
        }
        if self.n == Some(0) {
            return Err(Error::invalid_argument("n must be at least 1"));
        }
        if let Some(rf) = &self.response_format {
            match rf.get("type").and_then(Value::as_str) {
                Some("text" | "json_object") => {}
                Some("json_schema") if rf.get("json_schema").is_some() => {}
                Some("json_schema") => {
                    return Err(Error::invalid_argument(
                        "response_format json_schema needs a \"json_schema\" object",
                    ));
                }
                _ => {
                    return Err(Error::invalid_argument(
                        "response_format must be {\"type\": \"text\" | \"json_object\" | \"json_schema\"}",
                    ));
                }
            }
        }
        Ok(())
    }
}

// ================================================================================================
// Chat completions: response
// ================================================================================================

/// Token usage of a call.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Prompt tokens.
    #[serde(default, deserialize_with = "de_count")]
    pub prompt_tokens: u64,
    /// Completion tokens (including reasoning).
    #[serde(default, deserialize_with = "de_count")]
    pub completion_tokens: u64,
    /// Sum.
    #[serde(default, deserialize_with = "de_count")]
    pub total_tokens: u64,
    /// `{"cached_tokens": N, ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens_details: Option<Value>,
    /// `{"reasoning_tokens": N, ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens_details: Option<Value>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Usage {
    /// Prompt tokens served from the cache.
    pub fn cached_tokens(&self) -> u64 {
        detail(&self.prompt_tokens_details, "cached_tokens")
    }
    /// Completion tokens spent on reasoning.
    pub fn reasoning_tokens(&self) -> u64 {
        detail(&self.completion_tokens_details, "reasoning_tokens")
    }
}

fn detail(v: &Option<Value>, key: &str) -> u64 {
    v.as_ref()
        .and_then(|d| d.get(key))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// The assistant message of a choice.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ResponseMessage {
    /// Normally `assistant`; a string so a new role still parses.
    #[serde(default = "assistant_role")]
    pub role: String,
    /// The text, `None` when the model only called tools.
    #[serde(default)]
    pub content: Option<String>,
    /// A refusal message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Tool calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// Anything else (`annotations`, `audio`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

fn assistant_role() -> String {
    "assistant".to_owned()
}

impl ResponseMessage {
    /// This reply as a history message, ready to be sent back in the next request.
    pub fn to_message(&self) -> Message {
        let role = Role::parse(&self.role).unwrap_or(Role::Assistant);
        let mut extra = Extra::new();
        if let Some(r) = &self.refusal {
            extra.insert("refusal".into(), Value::String(r.clone()));
        }
        Message {
            role,
            content: self.content.clone().map(Content::Text),
            name: None,
            tool_calls: self.tool_calls.clone(),
            tool_call_id: None,
            extra,
        }
    }
}

/// One choice of a completion.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Choice {
    /// Position in `choices`.
    #[serde(default, deserialize_with = "de_count")]
    pub index: u32,
    /// The reply.
    #[serde(default)]
    pub message: ResponseMessage,
    /// `stop`, `length`, `tool_calls`, `content_filter`, ... or `None`. A string, so a new value
    /// parses instead of failing the whole response.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// Log probabilities, when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Value>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The response of `POST /chat/completions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChatCompletion {
    /// `chatcmpl-...`.
    #[serde(default)]
    pub id: String,
    /// `chat.completion`.
    #[serde(default)]
    pub object: String,
    /// Unix seconds.
    #[serde(default)]
    pub created: i64,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// The choices.
    #[serde(default, deserialize_with = "de_null_default")]
    pub choices: Vec<Choice>,
    /// Token usage.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Backend fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
    /// `default`, `flex`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ChatCompletion {
    /// The text of the first choice, the most common thing a caller wants.
    pub fn content(&self) -> Option<&str> {
        self.choices
            .first()
            .and_then(|c| c.message.content.as_deref())
    }
}

// ================================================================================================
// Chat completions: stream chunks
// ================================================================================================

/// A tool call fragment in a stream delta.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCallDelta {
    /// Which tool call this fragment belongs to.
    #[serde(default, deserialize_with = "de_count")]
    pub index: u32,
    /// Sent in the first fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Sent in the first fragment.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub call_type: Option<String>,
    /// Name (first fragment) and a piece of the arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionCallDelta>,
}

/// A function name and an arguments fragment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallDelta {
    /// The name, in the first fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A piece of the JSON arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
}

/// What a chunk adds to a choice.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Delta {
    /// In the first chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// A piece of text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// A piece of a refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Tool call fragments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One choice of a stream chunk.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChunkChoice {
    /// Position in `choices`.
    #[serde(default, deserialize_with = "de_count")]
    pub index: u32,
    /// The increment.
    #[serde(default)]
    pub delta: Delta,
    /// Set in the last chunk of the choice.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// Log probabilities, when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Value>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One `data:` event of a chat completion stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChatCompletionChunk {
    /// Same for every chunk of a stream.
    #[serde(default)]
    pub id: String,
    /// `chat.completion.chunk`.
    #[serde(default)]
    pub object: String,
    /// Unix seconds.
    #[serde(default)]
    pub created: i64,
    /// The model.
    #[serde(default)]
    pub model: String,
    /// Increments; empty in the final usage chunk.
    #[serde(default, deserialize_with = "de_null_default")]
    pub choices: Vec<ChunkChoice>,
    /// Only in the final chunk, with `stream_options.include_usage`.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Backend fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

// ================================================================================================
// Images, embeddings, models
// ================================================================================================

/// `POST /images/generations`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageGenerationRequest {
    /// What to draw.
    pub prompt: String,
    /// `dall-e-3`, `gpt-image-1`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Number of images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// `1024x1024`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// `standard`, `hd`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<String>,
    /// `vivid`, `natural`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// `url` or `b64_json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<String>,
    /// End-user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Every other field, sent untouched.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One generated image.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// Where to download it (expires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The PNG, base64-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b64_json: Option<String>,
    /// The prompt the model actually used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revised_prompt: Option<String>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The response of `POST /images/generations`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImagesResponse {
    /// Unix seconds.
    #[serde(default)]
    pub created: i64,
    /// The images.
    #[serde(default, deserialize_with = "de_null_default")]
    pub data: Vec<Image>,
    /// Token usage (gpt-image models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Value>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `POST /embeddings`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingRequest {
    /// A string, a list of strings, a list of token ids, or a list of token-id lists.
    pub input: Value,
    /// `text-embedding-3-small`, ...
    pub model: String,
    /// `float` or `base64`; unset, the vectors travel as base64 and are handed back as floats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_format: Option<String>,
    /// Output dimensions (text-embedding-3 models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    /// End-user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Every other field, sent untouched.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An embedding vector: floats, or the base64 of little-endian f32s when asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingVector {
    /// `encoding_format: float`. A value beyond the f32 range saturates to the largest finite
    /// f32 of its sign: an infinity could not be written back out as JSON (the fuzzer found
    /// that), and refusing the answer would lose it over one value that a spec-faithful
    /// server may well send (Prism sends -2^128, the spec's `format: float` bound).
    Float(#[serde(deserialize_with = "de_saturating_f32s")] Vec<f32>),
    /// `encoding_format: base64`.
    Base64(String),
}

fn de_saturating_f32s<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<f32>, D::Error> {
    // serde_json refuses numbers beyond f64, so every x here is finite.
    Ok(Vec::<f64>::deserialize(d)?
        .into_iter()
        .map(|x| x.clamp(f32::MIN as f64, f32::MAX as f64) as f32)
        .collect())
}

impl Default for EmbeddingVector {
    fn default() -> Self {
        EmbeddingVector::Float(Vec::new())
    }
}

impl EmbeddingVector {
    /// The floats, decoding base64 if needed.
    pub fn to_f32(&self) -> Result<Vec<f32>> {
        match self {
            EmbeddingVector::Float(v) => Ok(v.clone()),
            EmbeddingVector::Base64(s) => {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|e| {
                        Error::decode(format!("embedding is not valid base64: {e}"), s.clone())
                    })?;
                if bytes.len() % 4 != 0 {
                    return Err(Error::decode(
                        "embedding bytes are not a whole number of f32",
                        s.clone(),
                    ));
                }
                Ok(bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect())
            }
        }
    }
}

/// One embedding.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Embedding {
    /// Position of the input.
    #[serde(default, deserialize_with = "de_count")]
    pub index: u32,
    /// `embedding`.
    #[serde(default)]
    pub object: String,
    /// The vector.
    #[serde(default)]
    pub embedding: EmbeddingVector,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The response of `POST /embeddings`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingsResponse {
    /// `list`.
    #[serde(default)]
    pub object: String,
    /// One per input.
    #[serde(default, deserialize_with = "de_null_default")]
    pub data: Vec<Embedding>,
    /// The model.
    #[serde(default)]
    pub model: String,
    /// Token usage.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A model.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// `gpt-4o`, ...
    #[serde(default)]
    pub id: String,
    /// `model`.
    #[serde(default)]
    pub object: String,
    /// Unix seconds.
    #[serde(default)]
    pub created: i64,
    /// `openai`, `system`, an organization.
    #[serde(default)]
    pub owned_by: String,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The response of `GET /models`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelList {
    /// `list`.
    #[serde(default)]
    pub object: String,
    /// The models.
    #[serde(default, deserialize_with = "de_null_default")]
    pub data: Vec<Model>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

// ================================================================================================
// One-pass decoding of objects with an `extra` catch-all
// ================================================================================================

/// A map key, borrowed from the input when it has no escapes.
pub(crate) struct Key<'de>(pub(crate) std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                v: &'de str,
            ) -> std::result::Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A field read with [`de_count`].
pub(crate) struct Count<T>(pub(crate) T);

impl<'de, T: TryFrom<u64> + Default> Deserialize<'de> for Count<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        de_count(d).map(Count)
    }
}

/// A field read with [`de_null_default`].
pub(crate) struct NullDefault<T>(pub(crate) T);

impl<'de, T: Default + Deserialize<'de>> Deserialize<'de> for NullDefault<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        de_null_default(d).map(NullDefault)
    }
}

/// `Deserialize` for a struct whose unknown fields go to its `extra` map, in one pass over the
/// input. `#[serde(flatten)]` (still used for serialising) would buffer every object into serde's
/// `Content` and parse it a second time: that was a visible share of decoding every reply and
/// every stream chunk. Each field names how it is read: `plain` (its own `Deserialize`),
/// `count` ([`de_count`]) or `null_default` ([`de_null_default`]); missing fields keep the
/// value of `$init`.
macro_rules! deserialize_with_extra {
    ($ty:ident, $init:expr, { $($key:literal => $field:ident: $how:ident $t:ty),* $(,)? }) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct V;
                impl<'de> ::serde::de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($ty), " object"))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut m: A,
                    ) -> ::std::result::Result<$ty, A::Error> {
                        let mut out: $ty = $init;
                        while let Some($crate::types::Key(k)) =
                            m.next_key::<$crate::types::Key<'de>>()?
                        {
                            match k.as_ref() {
                                $($key => out.$field = $crate::types::deserialize_with_extra!(@read m, $how, $t),)*
                                _ => {
                                    let v: ::serde_json::Value = m.next_value()?;
                                    out.extra.insert(k.into_owned(), v);
                                }
                            }
                        }
                        Ok(out)
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
    (@read $m:ident, plain, $t:ty) => { $m.next_value::<$t>()? };
    (@read $m:ident, count, $t:ty) => { $m.next_value::<$crate::types::Count<$t>>()?.0 };
    (@read $m:ident, null_default, $t:ty) => {
        $m.next_value::<$crate::types::NullDefault<$t>>()?.0
    };
}
pub(crate) use deserialize_with_extra;

deserialize_with_extra!(ToolCall, ToolCall { call_type: function_type(), ..ToolCall::default() }, {
    "id" => id: plain String,
    "type" => call_type: plain String,
    "function" => function: plain FunctionCall,
});

deserialize_with_extra!(Usage, Usage::default(), {
    "prompt_tokens" => prompt_tokens: count u64,
    "completion_tokens" => completion_tokens: count u64,
    "total_tokens" => total_tokens: count u64,
    "prompt_tokens_details" => prompt_tokens_details: plain Option<Value>,
    "completion_tokens_details" => completion_tokens_details: plain Option<Value>,
});

deserialize_with_extra!(ResponseMessage, ResponseMessage { role: assistant_role(), ..ResponseMessage::default() }, {
    "role" => role: plain String,
    "content" => content: plain Option<String>,
    "refusal" => refusal: plain Option<String>,
    "tool_calls" => tool_calls: plain Option<Vec<ToolCall>>,
});

deserialize_with_extra!(Choice, Choice::default(), {
    "index" => index: count u32,
    "message" => message: plain ResponseMessage,
    "finish_reason" => finish_reason: plain Option<String>,
    "logprobs" => logprobs: plain Option<Value>,
});

deserialize_with_extra!(ChatCompletion, ChatCompletion::default(), {
    "id" => id: plain String,
    "object" => object: plain String,
    "created" => created: plain i64,
    "model" => model: plain String,
    "choices" => choices: null_default Vec<Choice>,
    "usage" => usage: plain Option<Usage>,
    "system_fingerprint" => system_fingerprint: plain Option<String>,
    "service_tier" => service_tier: plain Option<String>,
});

deserialize_with_extra!(Delta, Delta::default(), {
    "role" => role: plain Option<String>,
    "content" => content: plain Option<String>,
    "refusal" => refusal: plain Option<String>,
    "tool_calls" => tool_calls: plain Option<Vec<ToolCallDelta>>,
});

deserialize_with_extra!(ChunkChoice, ChunkChoice::default(), {
    "index" => index: count u32,
    "delta" => delta: plain Delta,
    "finish_reason" => finish_reason: plain Option<String>,
    "logprobs" => logprobs: plain Option<Value>,
});

deserialize_with_extra!(ChatCompletionChunk, ChatCompletionChunk::default(), {
    "id" => id: plain String,
    "object" => object: plain String,
    "created" => created: plain i64,
    "model" => model: plain String,
    "choices" => choices: null_default Vec<ChunkChoice>,
    "usage" => usage: plain Option<Usage>,
    "system_fingerprint" => system_fingerprint: plain Option<String>,
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_url_as_string_is_sent_as_object() {
        let m: Message = serde_json::from_value(json!({
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe this image."},
                {"type": "image_url", "image_url": "https://example.com/a.png"},
                {"type": "image_url", "image_url": {"url": "https://example.com/b.png", "detail": "low"}},
                {"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}}
            ]
        }))
        .unwrap();
        let back = serde_json::to_value(&m).unwrap();
        assert_eq!(
            back["content"][1],
            json!({"type": "image_url", "image_url": {"url": "https://example.com/a.png"}})
        );
        assert_eq!(back["content"][2]["image_url"]["detail"], "low");
        assert_eq!(back["content"][3]["type"], "input_audio");
        assert_eq!(m.text(), "Describe this image.");
    }

    #[test]
    fn set_field_and_push_part() {
        let mut req = ChatCompletionRequest::new("m", vec![Message::user("look")]);
        req.set_field("max_tokens", json!(7)).unwrap();
        req.set_field("logit_bias", json!({"1": 2})).unwrap();
        assert_eq!(req.max_tokens, Some(7));
        assert_eq!(req.extra["logit_bias"]["1"], 2);
        assert!(req.set_field("max_tokens", json!("seven")).is_err());
        assert_eq!(req.max_tokens, Some(7), "a failed set changes nothing");
        req.set_field("max_tokens", Value::Null).unwrap();
        assert_eq!(req.max_tokens, None);
        assert!(req.set_field("stream", json!(true)).is_err());
        req.messages[0].push_part(ContentPart::ImageUrl {
            image_url: ImageUrl {
                url: "https://x/a.png".into(),
                detail: None,
                extra: Extra::new(),
            },
        });
        let parts = serde_json::to_value(&req.messages[0].content).unwrap();
        assert_eq!(parts[0], json!({"type": "text", "text": "look"}));
        assert_eq!(parts[1]["image_url"]["url"], "https://x/a.png");
    }

    #[test]
    fn unknown_request_fields_pass_through() {
        let req = ChatCompletionRequest::from_json(json!({
            "model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 5, "logit_bias": {"50256": -100}, "parallel_tool_calls": false
        }))
        .unwrap();
        let v = serde_json::to_value(&req).unwrap();
        assert_eq!(v["logit_bias"]["50256"], -100);
        assert_eq!(v["parallel_tool_calls"], false);
        assert_eq!(v["max_tokens"], 5);
        assert!(v.get("temperature").is_none(), "unset fields are not sent");
    }

    #[test]
    fn request_validation_names_the_fault() {
        let cases = [
            (json!({"model": "m", "messages": []}), "messages"),
            (
                json!({"model": "", "messages": [{"role": "user", "content": "x"}]}),
                "model",
            ),
            (
                json!({"model": "m", "messages": [{"role": "wizard", "content": "x"}]}),
                "role",
            ),
            (
                json!({"model": "m", "messages": [{"role": "tool", "content": "x"}]}),
                "tool_call_id",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user"}]}),
                "content",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 3}),
                "temperature",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "xml"}}),
                "response_format",
            ),
            (
                json!({"messages": [{"role": "user", "content": "x"}]}),
                "model",
            ),
        ];
        for (body, needle) in cases {
            let e = ChatCompletionRequest::from_json(body.clone()).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
            assert!(e.to_string().contains(needle), "{body} -> {e}");
        }
    }

    #[test]
    fn tolerant_response() {
        let c: ChatCompletion = serde_json::from_value(json!({
            "id": "x", "choices": [{"index": 0, "message": {"content": "hi", "annotations": []},
                                    "finish_reason": "brand_new_reason"}],
            "new_top_level": {"a": 1}
        }))
        .unwrap();
        assert_eq!(c.content(), Some("hi"));
        assert_eq!(
            c.choices[0].finish_reason.as_deref(),
            Some("brand_new_reason")
        );
        assert_eq!(c.extra["new_top_level"]["a"], 1);
        assert!(c.choices[0].message.extra.contains_key("annotations"));
        assert!(c.usage.is_none());
        let chunk: ChatCompletionChunk = serde_json::from_value(json!({"choices": null})).unwrap();
        assert!(chunk.choices.is_empty());
        // Schema-valid negative counts parse (saturated), nulls count as zero.
        let e: EmbeddingsResponse = serde_json::from_value(json!({
            "data": [{"index": -1, "embedding": [0.5]}],
            "usage": {"prompt_tokens": -3, "total_tokens": null}
        }))
        .unwrap();
        assert_eq!(e.data[0].index, 0);
        assert_eq!(e.usage.unwrap().prompt_tokens, 0);
        assert!(chunk.choices.is_empty());
    }

    #[test]
    fn embedding_values_beyond_f32_saturate() {
        let v: EmbeddingVector =
            serde_json::from_str("[1.0, -1e39, -3.402823669209385e+38, 1e300]").unwrap();
        assert_eq!(v.to_f32().unwrap(), [1.0, f32::MIN, f32::MIN, f32::MAX]);
        assert!(
            serde_json::to_string(&v)
                .unwrap()
                .parse::<serde_json::Value>()
                .is_ok()
        );
        let v: EmbeddingVector = serde_json::from_str("[1.0, -0.5]").unwrap();
        assert_eq!(v.to_f32().unwrap(), [1.0, -0.5]);
    }

    #[test]
    fn base64_embedding_decodes() {
        use base64::Engine as _;
        let floats = [1.0f32, -0.5, 0.25];
        let bytes: Vec<u8> = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
        let v = EmbeddingVector::Base64(base64::engine::general_purpose::STANDARD.encode(bytes));
        assert_eq!(v.to_f32().unwrap(), floats);
        assert_eq!(
            EmbeddingVector::Base64("!!".into())
                .to_f32()
                .unwrap_err()
                .kind(),
            crate::ErrorKind::Decode
        );
    }

    #[test]
    fn one_pass_decoding_keeps_every_field_once() {
        // From bytes (borrowed keys), with an escaped key (owned), unknown fields at every
        // level, defaults for missing fields, and a count that saturates.
        let text = r#"{"id":"c1","object":"chat.completion","created":5,"model":"m",
            "choices":[{"index":-2,"message":{"content":"hi","tool_calls":[{"id":"t",
            "function":{"name":"f","arguments":"{}"},"z":1}],"annotations":[]},
            "finish_reason":"stop","logprobs":null,"k\u0065y":true}],
            "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"x":[1]},
            "service_tier":"default","brand_new":{"a":1}}"#;
        let c: ChatCompletion = serde_json::from_str(text).unwrap();
        assert_eq!(c.choices[0].index, 0);
        assert_eq!(c.choices[0].message.role, "assistant");
        let call = &c.choices[0].message.tool_calls.as_ref().unwrap()[0];
        assert_eq!(
            (call.call_type.as_str(), call.extra["z"].as_i64()),
            ("function", Some(1))
        );
        assert_eq!(c.choices[0].extra["key"], true);
        assert_eq!(c.usage.as_ref().unwrap().extra["x"], json!([1]));
        assert_eq!(c.service_tier.as_deref(), Some("default"));
        // Written back, every field appears once, where it was.
        let back = serde_json::to_value(&c).unwrap();
        let mut want: Value = serde_json::from_str(text).unwrap();
        want["choices"][0]["index"] = json!(0);
        want["choices"][0]["message"]["role"] = json!("assistant");
        want["choices"][0]["message"]["tool_calls"][0]["type"] = json!("function");
        assert_eq!(back["choices"][0]["message"], want["choices"][0]["message"]);
        assert_eq!(back["brand_new"], want["brand_new"]);
        assert_eq!(back["usage"], want["usage"]);
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(text.matches("\"service_tier\"").count(), 1);
        // Wrong types still fail, naming what was expected.
        let e = serde_json::from_str::<ChatCompletionChunk>(r#"{"id": 5}"#).unwrap_err();
        assert!(e.to_string().contains("expected a string"), "{e}");
        let e = serde_json::from_str::<ChatCompletionChunk>("[1]").unwrap_err();
        assert!(e.to_string().contains("ChatCompletionChunk"), "{e}");
        let d: ChatCompletionChunk = serde_json::from_str(
            r#"{"choices":[{"delta":{"content":"a","audio":{}},"finish_reason":null}]}"#,
        )
        .unwrap();
        assert_eq!(d.choices[0].delta.content.as_deref(), Some("a"));
        assert!(d.choices[0].delta.extra.contains_key("audio"));
    }
}
