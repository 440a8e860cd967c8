//! Chat completions over the Responses API, for conversations that choose it: a chat request
//! becomes a responses request, a response becomes a chat completion, and a responses stream
//! reads as chat chunks. The conversation's history, trimming, token counting, usage, cost and
//! budget stay exactly as they are; only the wire format changes.

use serde_json::{Map, Value, json};

use crate::error::{Error, ErrorKind, Result};
use crate::responses::{ResponseEvent, ResponseObject, ResponsesRequest, ResponsesStream};
use crate::types::{ChatCompletion, ChatCompletionChunk, ChatCompletionRequest};

/// Chat parameters the Responses API does not take: left out rather than refused by the server.
const CHAT_ONLY: &[&str] = &[
    "messages",
    "stream",
    "stream_options",
    "n",
    "seed",
    "stop",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "logprobs",
    "modalities",
    "audio",
    "prediction",
    "function_call",
    "functions",
    "max_tokens",
    "max_completion_tokens",
    "response_format",
    "reasoning_effort",
    "tools",
    "tool_choice",
    "web_search_options",
];

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

fn input_parts(content: &Value) -> Value {
    match content {
        Value::Array(parts) => Value::Array(
            parts
                .iter()
                .map(|p| match p.get("type").and_then(Value::as_str) {
                    Some("text") => json!({"type": "input_text", "text": p.get("text")}),
                    Some("image_url") => {
                        let img = p.get("image_url");
                        let url = img.and_then(|i| i.get("url")).or(img);
                        let detail = img
                            .and_then(|i| i.get("detail"))
                            .cloned()
                            .unwrap_or_else(|| json!("auto"));
                        json!({"type": "input_image", "image_url": url, "detail": detail})
                    }
                    _ => p.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The responses request that asks the same as a chat request. The history goes as input items
/// (tool calls as `function_call` items followed by their `function_call_output`s, so pairs stay
/// paired), and `store` is false unless the request says otherwise: the conversation keeps the
/// history itself, so there is nothing for the server to keep.
pub fn chat_to_responses(req: &ChatCompletionRequest) -> Result<ResponsesRequest> {
    let body = crate::client::to_body_value(req)?;
    let Value::Object(chat) = body else {
        return Err(Error::invalid_argument("a chat request must be an object"));
    };
    if chat.get("n").and_then(Value::as_u64).unwrap_or(1) > 1 {
        return Err(Error::invalid_argument(
            "n > 1 has no Responses API equivalent",
        ));
    }
    let mut input = Vec::new();
    for m in chat
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let role = m.get("role").and_then(Value::as_str).unwrap_or("user");
        let content = m.get("content").unwrap_or(&Value::Null);
        match role {
            "tool" => input.push(json!({"type": "function_call_output",
                "call_id": m.get("tool_call_id"), "output": text_of(content)})),
            "assistant" => {
                let text = text_of(content);
                if !text.is_empty() {
                    input.push(json!({"role": "assistant", "content": text}));
                }
                for call in m
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let f = call.get("function").unwrap_or(&Value::Null);
                    input.push(json!({"type": "function_call", "call_id": call.get("id"),
                        "name": f.get("name"), "arguments": f.get("arguments")}));
                }
            }
            _ => input.push(json!({"role": role, "content": input_parts(content)})),
        }
    }
    let mut out = Map::new();
    out.insert("input".into(), Value::Array(input));
    out.insert("store".into(), Value::Bool(false));
    for (k, v) in &chat {
        if !CHAT_ONLY.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    if let Some(n) = chat
        .get("max_completion_tokens")
        .or_else(|| chat.get("max_tokens"))
    {
        out.insert("max_output_tokens".into(), n.clone());
    }
    if let Some(effort) = chat.get("reasoning_effort") {
        out.insert("reasoning".into(), json!({"effort": effort}));
    }
    match chat.get("response_format") {
        Some(f) if f.get("type") == Some(&json!("json_schema")) => {
            let mut format = f.get("json_schema").cloned().unwrap_or_else(|| json!({}));
            format["type"] = json!("json_schema");
            out.insert("text".into(), json!({"format": format}));
        }
        Some(f) if f.get("type").is_some() => {
            out.insert("text".into(), json!({"format": {"type": f["type"]}}));
        }
        _ => {}
    }
    if let Some(tools) = chat.get("tools").and_then(Value::as_array) {
        let tools: Vec<Value> = tools
            .iter()
            .map(|t| match t.get("function") {
                Some(f) => {
                    let mut tool = json!({"type": "function", "name": f.get("name"),
                        "parameters": f.get("parameters").cloned().unwrap_or_else(|| json!({"type": "object"})),
                        "strict": f.get("strict").cloned().unwrap_or(json!(false))});
                    if let Some(d) = f.get("description") {
                        tool["description"] = d.clone();
                    }
                    tool
                }
                None => t.clone(),
            })
            .collect();
        out.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = chat.get("tool_choice") {
        let choice = match choice.get("function").and_then(|f| f.get("name")) {
            Some(name) => json!({"type": "function", "name": name}),
            None => choice.clone(),
        };
        out.insert("tool_choice".into(), choice);
    }
    serde_json::from_value(Value::Object(out))
        .map_err(|e| Error::invalid_argument(format!("cannot express the request: {e}")))
}

fn finish_reason(r: &Value, has_calls: bool) -> &'static str {
    if has_calls {
        return "tool_calls";
    }
    match r
        .get("incomplete_details")
        .and_then(|d| d.get("reason"))
        .and_then(Value::as_str)
    {
        Some("max_output_tokens") => "length",
        Some("content_filter") => "content_filter",
        _ => "stop",
    }
}

fn usage_of(r: &Value) -> Value {
    match r.get("usage") {
        Some(u) if u.is_object() => json!({
            "prompt_tokens": u.get("input_tokens").cloned().unwrap_or(json!(0)),
            "completion_tokens": u.get("output_tokens").cloned().unwrap_or(json!(0)),
            "total_tokens": u.get("total_tokens").cloned().unwrap_or(json!(0)),
            "prompt_tokens_details": {"cached_tokens": u.pointer("/input_tokens_details/cached_tokens").cloned().unwrap_or(json!(0))},
            "completion_tokens_details": {"reasoning_tokens": u.pointer("/output_tokens_details/reasoning_tokens").cloned().unwrap_or(json!(0))},
        }),
        _ => Value::Null,
    }
}

fn failed(r: &Value) -> Option<Error> {
    if r.get("status").and_then(Value::as_str) != Some("failed") {
        return None;
    }
    let e = r.get("error").cloned().unwrap_or(Value::Null);
    let msg = e
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no reason given");
    Some(Error::new(
        ErrorKind::ApiStatus,
        format!("the response failed: {msg}"),
    ))
}

/// The chat completion that a response amounts to: its text, refusal and function calls as one
/// assistant message, the finish reason from the status, and the usage in chat terms. A failed
/// response is an error.
pub fn response_to_chat(r: &ResponseObject) -> Result<ChatCompletion> {
    let v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Some(e) = failed(&v) {
        return Err(e);
    }
    let calls: Vec<Value> = r
        .function_calls()
        .map(|c| {
            json!({"id": c.call_id, "type": "function",
            "function": {"name": c.name, "arguments": c.arguments.clone().unwrap_or_default()}})
        })
        .collect();
    let text = r.output_text();
    let refusal = r.output.iter().find_map(|i| i.refusal());
    let mut message = json!({"role": "assistant",
        "content": if text.is_empty() && (refusal.is_some() || !calls.is_empty()) { Value::Null } else { json!(text) },
        "refusal": refusal});
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls.clone());
    }
    let completion = json!({
        "id": r.id,
        "object": "chat.completion",
        "created": v.get("created_at").and_then(Value::as_f64).unwrap_or(0.0) as i64,
        "model": r.model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason(&v, !calls.is_empty()), "logprobs": null}],
        "usage": usage_of(&v),
    });
    serde_json::from_value(completion).map_err(|e| {
        Error::decode(
            format!("cannot read the response as a chat completion: {e}"),
            "",
        )
    })
}

/// Reads a responses stream as chat chunks: text and refusal deltas, function calls as tool-call
/// deltas (indexed in the order they start), and a last chunk with the finish reason and usage.
pub(crate) struct ChunkAdapter {
    pub(crate) stream: ResponsesStream,
    id: String,
    model: String,
    created: i64,
    /// `output_index` of each function call, in order: its position is the tool call index.
    calls: Vec<u64>,
    ended: bool,
}

impl ChunkAdapter {
    pub(crate) fn new(stream: ResponsesStream) -> ChunkAdapter {
        ChunkAdapter {
            stream,
            id: String::new(),
            model: String::new(),
            created: 0,
            calls: Vec::new(),
            ended: false,
        }
    }

    fn chunk(&self, delta: Value, finish: Option<&str>, usage: Value) -> ChatCompletionChunk {
        let v = json!({"id": self.id, "object": "chat.completion.chunk", "created": self.created,
            "model": self.model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            "usage": usage});
        serde_json::from_value(v).unwrap_or_default()
    }

    /// The next chunk; `None` after the terminal event (the stream then ends as with `[DONE]`).
    pub(crate) async fn next_chunk(&mut self) -> Option<Result<ChatCompletionChunk>> {
        loop {
            if self.ended {
                return None;
            }
            let ev: ResponseEvent = match self.stream.next_event().await {
                None => {
                    self.ended = true;
                    return None;
                }
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok(ev)) => ev,
            };
            // The full JSON only for the events that need more than their head.
            let d = || ev.data();
            match ev.kind.as_str() {
                "response.created" => {
                    let r = d().get("response").unwrap_or(&Value::Null);
                    self.id = r.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
                    self.model = r
                        .get("model")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned();
                    self.created =
                        r.get("created_at").and_then(Value::as_f64).unwrap_or(0.0) as i64;
                    return Some(Ok(self.chunk(
                        json!({"role": "assistant", "content": ""}),
                        None,
                        Value::Null,
                    )));
                }
                "response.output_text.delta" => {
                    return Some(Ok(self.chunk(
                        json!({"content": ev.delta()}),
                        None,
                        Value::Null,
                    )));
                }
                "response.refusal.delta" => {
                    return Some(Ok(self.chunk(
                        json!({"refusal": ev.delta()}),
                        None,
                        Value::Null,
                    )));
                }
                "response.output_item.added"
                    if d().pointer("/item/type") == Some(&json!("function_call")) =>
                {
                    let item = &d()["item"];
                    self.calls.push(ev.head().output_index.unwrap_or(0));
                    let call = json!([{"index": self.calls.len() - 1, "id": item.get("call_id"), "type": "function",
                        "function": {"name": item.get("name"), "arguments": ""}}]);
                    return Some(Ok(self.chunk(
                        json!({"tool_calls": call}),
                        None,
                        Value::Null,
                    )));
                }
                "response.function_call_arguments.delta" => {
                    let at = ev.head().output_index.unwrap_or(0);
                    if let Some(index) = self.calls.iter().position(|o| *o == at) {
                        let call = json!([{"index": index, "function": {"arguments": ev.delta()}}]);
                        return Some(Ok(self.chunk(
                            json!({"tool_calls": call}),
                            None,
                            Value::Null,
                        )));
                    }
                }
                "response.completed" | "response.incomplete" | "response.failed" => {
                    self.ended = true;
                    let r = d().get("response").unwrap_or(&Value::Null);
                    if let Some(e) = failed(r) {
                        return Some(Err(e));
                    }
                    let finish = finish_reason(r, !self.calls.is_empty());
                    return Some(Ok(self.chunk(json!({}), Some(finish), usage_of(r))));
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Message;

    #[test]
    fn a_chat_request_with_tools_and_history_becomes_items() {
        let req = ChatCompletionRequest::from_json(json!({
            "model": "gpt-4o-mini", "max_tokens": 50, "temperature": 0.2, "seed": 1,
            "response_format": {"type": "json_schema", "json_schema": {"name": "w", "schema": {"type": "object"}, "strict": true}},
            "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}
            ]
        }))
        .unwrap();
        let r = serde_json::to_value(chat_to_responses(&req).unwrap()).unwrap();
        assert_eq!(
            r["input"][0],
            json!({"role": "system", "content": "Be brief."})
        );
        assert_eq!(r["input"][1]["content"][1]["type"], "input_image");
        assert_eq!(r["input"][1]["content"][1]["image_url"], "https://x/y.png");
        assert_eq!(r["input"][2]["type"], "function_call");
        assert_eq!(
            r["input"][3],
            json!({"type": "function_call_output", "call_id": "call_1", "output": "sunny"})
        );
        assert_eq!(r["max_output_tokens"], 50);
        assert_eq!(r["store"], false);
        assert_eq!(r["text"]["format"]["type"], "json_schema");
        assert_eq!(r["text"]["format"]["name"], "w");
        assert_eq!(r["tools"][0]["name"], "get_weather");
        assert_eq!(r["tools"][0]["strict"], false);
        assert_eq!(
            r["tool_choice"],
            json!({"type": "function", "name": "get_weather"})
        );
        assert!(r.get("seed").is_none() && r.get("messages").is_none());
        let mut two = ChatCompletionRequest::new("m", vec![Message::user("x")]);
        two.extra.insert("n".into(), json!(2));
        assert!(chat_to_responses(&two).is_err());
    }

    #[test]
    fn a_response_becomes_a_chat_completion() {
        let r: ResponseObject = serde_json::from_value(json!({
            "id": "resp_1", "object": "response", "created_at": 5, "model": "m", "status": "completed",
            "output": [{"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}],
            "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
        }))
        .unwrap();
        let c = response_to_chat(&r).unwrap();
        assert_eq!(c.choices[0].finish_reason.as_deref(), Some("tool_calls"));
        assert_eq!(
            c.choices[0].message.tool_calls.as_ref().unwrap()[0].id,
            "c1"
        );
        assert_eq!(c.usage.as_ref().unwrap().total_tokens, 5);
        let r: ResponseObject = serde_json::from_value(json!({
            "id": "resp_2", "status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"},
            "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hi"}]}]
        }))
        .unwrap();
        let c = response_to_chat(&r).unwrap();
        assert_eq!(c.content(), Some("Hi"));
        assert_eq!(c.choices[0].finish_reason.as_deref(), Some("length"));
        let r: ResponseObject = serde_json::from_value(json!({"id": "r", "status": "failed",
            "error": {"code": "server_error", "message": "boom"}}))
        .unwrap();
        assert!(
            response_to_chat(&r)
                .unwrap_err()
                .to_string()
                .contains("boom")
        );
    }
}
