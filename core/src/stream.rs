//! Chat completion streams: SSE events in, typed chunks out, and the accumulator that turns the
//! deltas back into a whole message.

use std::time::Duration;

use futures_util::Stream;

use crate::error::{ApiErrorBody, Error, ErrorKind, Result};
use crate::events::{ByteStream, End, SseSource};
use crate::sse::{SseEvent, is_done};
use crate::types::{
    ChatCompletion, ChatCompletionChunk, Choice, FunctionCall, ResponseMessage, ToolCall, Usage,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Open,
    Done,
    Failed,
}

/// A chat completion stream. Pull chunks with [`ChatStream::next_chunk`]; dropping it closes the
/// connection.
///
/// Every way a stream can end is explicit: `None` after `[DONE]`; an error for an `{"error": ...}`
/// event, a malformed event, an idle timeout, a reset connection, or a clean close before
/// `[DONE]` (never a silent end). After an error the stream yields `None`.
pub struct ChatStream {
    source: SseSource,
    request_id: Option<String>,
    acc: ChatAccumulator,
    state: State,
    events: u64,
    usage_sink: Option<crate::client::UsageSink>,
    redactor: crate::redact::Redactor,
    /// Set when the chunks come from a Responses API stream (a conversation that uses it).
    responses: Option<Box<crate::responses_chat::ChunkAdapter>>,
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatStream")
            .field("request_id", &self.request_id)
            .field("state", &self.state)
            .field("events", &self.events)
            .finish()
    }
}

impl ChatStream {
    pub(crate) fn new(
        resp: reqwest::Response,
        request_id: Option<String>,
        idle: Option<Duration>,
    ) -> ChatStream {
        ChatStream::from_byte_stream(Box::pin(resp.bytes_stream()), request_id, idle)
    }

    pub(crate) fn from_byte_stream(
        body: ByteStream,
        request_id: Option<String>,
        idle: Option<Duration>,
    ) -> ChatStream {
        ChatStream {
            source: SseSource::new(body, idle),
            request_id,
            acc: ChatAccumulator::default(),
            state: State::Open,
            events: 0,
            usage_sink: None,
            redactor: Default::default(),
            responses: None,
        }
    }

    /// A responses stream read as chat chunks (its usage is counted by the responses stream).
    pub(crate) fn from_responses(stream: crate::ResponsesStream) -> ChatStream {
        let request_id = stream.request_id().map(str::to_owned);
        let mut s =
            ChatStream::from_byte_stream(Box::pin(futures_util::stream::empty()), request_id, None);
        s.responses = Some(Box::new(crate::responses_chat::ChunkAdapter::new(stream)));
        s
    }

    /// Where to add the stream's usage once it completes (the client's running totals).
    pub(crate) fn with_usage_sink(mut self, sink: crate::client::UsageSink) -> Self {
        self.usage_sink = Some(sink);
        self
    }

    /// The client's secrets, scrubbed from every error the stream returns.
    pub(crate) fn with_redactor(mut self, redactor: crate::redact::Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// `x-request-id` of the stream's response.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// True once `[DONE]` was seen or an error ended the stream.
    pub fn is_finished(&self) -> bool {
        self.state != State::Open
    }

    /// True once the stream ended normally with `[DONE]`.
    pub fn is_complete(&self) -> bool {
        self.state == State::Done
    }

    /// What has been received so far, assembled.
    pub fn accumulator(&self) -> &ChatAccumulator {
        &self.acc
    }

    /// The assembled completion (complete if the stream reached `[DONE]`).
    pub fn completion(&self) -> ChatCompletion {
        self.acc.completion()
    }

    /// The next chunk, `None` at the end.
    pub async fn next_chunk(&mut self) -> Option<Result<ChatCompletionChunk>> {
        self.next_with_raw()
            .await
            .map(|r| r.map(|(chunk, _)| chunk))
    }

    /// The next chunk with the raw `data:` text it was parsed from.
    pub async fn next_with_raw(&mut self) -> Option<Result<(ChatCompletionChunk, String)>> {
        if let Some(adapter) = self.responses.as_mut() {
            if self.state != State::Open {
                return None;
            }
            return match adapter.next_chunk().await {
                None => {
                    self.state = State::Done;
                    None
                }
                Some(Ok(chunk)) => {
                    self.events += 1;
                    self.acc.push(&chunk);
                    let raw = serde_json::to_string(&chunk).unwrap_or_default();
                    Some(Ok((chunk, raw)))
                }
                Some(Err(e)) => {
                    self.state = State::Failed;
                    Some(Err(e))
                }
            };
        }
        loop {
            if self.state != State::Open {
                return None;
            }
            let failed = match self.source.next_event().await {
                Ok(Ok(ev)) => match self.handle_event(ev) {
                    Some(Err(e)) => return Some(Err(self.redactor.scrub(e))),
                    Some(item) => return Some(item),
                    None => continue,
                },
                Ok(Err(End::Closed { mid_event })) => Error::new(
                    ErrorKind::StreamTruncated,
                    format!(
                        "stream closed after {} events without [DONE]{}",
                        self.events,
                        if mid_event { " (mid-event)" } else { "" }
                    ),
                ),
                Err(e) => e,
            };
            self.state = State::Failed;
            let e = failed.with_request_id(self.request_id.clone());
            return Some(Err(self.redactor.scrub(e)));
        }
    }

    /// Reads until the stream ends and returns the assembled completion.
    pub async fn collect_completion(mut self) -> Result<ChatCompletion> {
        while let Some(item) = self.next_chunk().await {
            item?;
        }
        Ok(self.acc.completion())
    }

    /// Adapts the stream to `futures::Stream`.
    pub fn into_stream(self) -> impl Stream<Item = Result<ChatCompletionChunk>> + Send {
        futures_util::stream::unfold(self, |mut s| async move {
            s.next_chunk().await.map(|item| (item, s))
        })
    }

    fn handle_event(&mut self, ev: SseEvent) -> Option<Result<(ChatCompletionChunk, String)>> {
        if is_done(&ev.data) {
            self.state = State::Done;
            if let (Some(sink), Some(usage)) = (self.usage_sink.take(), self.acc.usage()) {
                crate::client::record_usage(&sink, &self.acc.model, usage);
            }
            // Drop the pending events and let the body go: nothing after [DONE] is parsed.
            self.source.discard_pending();
            return None;
        }
        self.events += 1;
        let is_error_event = ev.event.as_deref() == Some("error");
        // Cheap pre-check so normal chunks are parsed once, straight into the typed struct.
        if is_error_event || ev.data.starts_with("{\"error\"") || ev.data.contains("\"error\":") {
            if let Some(err) = self.error_event(&ev, is_error_event) {
                self.state = State::Failed;
                return Some(Err(err));
            }
        }
        match serde_json::from_str::<ChatCompletionChunk>(&ev.data) {
            Ok(chunk) => {
                self.acc.push(&chunk);
                Some(Ok((chunk, ev.data)))
            }
            Err(e) => {
                self.state = State::Failed;
                Some(Err(Error::decode(
                    format!("stream event {} is not a valid chunk: {e}", self.events),
                    ev.data,
                )
                .with_request_id(self.request_id.clone())))
            }
        }
    }

    fn error_event(&self, ev: &SseEvent, is_error_event: bool) -> Option<Error> {
        let v: serde_json::Value = serde_json::from_str(&ev.data).ok()?;
        let err_v = match v.get("error") {
            Some(e) if e.is_object() => e.clone(),
            _ if is_error_event => v.clone(),
            _ => return None,
        };
        let api: ApiErrorBody = serde_json::from_value(err_v).unwrap_or_default();
        let msg = if api.message.is_empty() {
            "the server sent an error event".to_owned()
        } else {
            api.message.clone()
        };
        Some(
            Error::new(ErrorKind::StreamEvent, format!("error in stream: {msg}"))
                .with_api(api)
                .with_body(ev.data.clone())
                .with_request_id(self.request_id.clone()),
        )
    }
}

/// Builds the final message of each choice from stream deltas: content and refusal concatenated,
/// tool calls assembled by index, the finish reason, and the usage of the last chunk.
#[derive(Clone, Debug, Default)]
pub struct ChatAccumulator {
    id: String,
    created: i64,
    model: String,
    system_fingerprint: Option<String>,
    choices: Vec<AccChoice>,
    usage: Option<Usage>,
}

#[derive(Clone, Debug, Default)]
struct AccChoice {
    index: u32,
    role: Option<String>,
    content: Option<String>,
    refusal: Option<String>,
    tool_calls: Vec<(u32, ToolCall)>,
    finish_reason: Option<String>,
}

impl ChatAccumulator {
    /// Adds one chunk.
    pub fn push(&mut self, chunk: &ChatCompletionChunk) {
        if self.id.is_empty() {
            self.id.clone_from(&chunk.id);
            self.created = chunk.created;
            self.model.clone_from(&chunk.model);
        }
        if chunk.system_fingerprint.is_some() {
            self.system_fingerprint
                .clone_from(&chunk.system_fingerprint);
        }
        if chunk.usage.is_some() {
            self.usage.clone_from(&chunk.usage);
        }
        for c in &chunk.choices {
            let slot = match self.choices.iter().position(|a| a.index == c.index) {
                Some(i) => &mut self.choices[i],
                None => {
                    self.choices.push(AccChoice {
                        index: c.index,
                        ..Default::default()
                    });
                    self.choices.sort_by_key(|a| a.index);
                    let i = self
                        .choices
                        .iter()
                        .position(|a| a.index == c.index)
                        .unwrap_or(0);
                    &mut self.choices[i]
                }
            };
            let d = &c.delta;
            if d.role.is_some() {
                slot.role.clone_from(&d.role);
            }
            if let Some(text) = &d.content {
                slot.content.get_or_insert_with(String::new).push_str(text);
            }
            if let Some(text) = &d.refusal {
                slot.refusal.get_or_insert_with(String::new).push_str(text);
            }
            for tc in d.tool_calls.iter().flatten() {
                let pos = match slot.tool_calls.iter().position(|(i, _)| *i == tc.index) {
                    Some(p) => p,
                    None => {
                        slot.tool_calls.push((tc.index, ToolCall::default()));
                        slot.tool_calls.sort_by_key(|(i, _)| *i);
                        slot.tool_calls
                            .iter()
                            .position(|(i, _)| *i == tc.index)
                            .unwrap_or(0)
                    }
                };
                let call = &mut slot.tool_calls[pos].1;
                if let Some(id) = &tc.id {
                    call.id.clone_from(id);
                }
                if let Some(t) = &tc.call_type {
                    call.call_type.clone_from(t);
                }
                if let Some(f) = &tc.function {
                    if let Some(name) = &f.name {
                        call.function.name.push_str(name);
                    }
                    if let Some(args) = &f.arguments {
                        call.function.arguments.push_str(args);
                    }
                }
            }
            if c.finish_reason.is_some() {
                slot.finish_reason.clone_from(&c.finish_reason);
            }
        }
    }

    /// The usage reported by the stream (needs `stream_options.include_usage`).
    pub fn usage(&self) -> Option<&Usage> {
        self.usage.as_ref()
    }

    /// The text so far of choice 0.
    pub fn content(&self) -> Option<&str> {
        self.choices.first().and_then(|c| c.content.as_deref())
    }

    /// The finish reason of choice 0, once known.
    pub fn finish_reason(&self) -> Option<&str> {
        self.choices
            .first()
            .and_then(|c| c.finish_reason.as_deref())
    }

    /// Everything so far as a `chat.completion`.
    pub fn completion(&self) -> ChatCompletion {
        ChatCompletion {
            id: self.id.clone(),
            object: "chat.completion".to_owned(),
            created: self.created,
            model: self.model.clone(),
            choices: self
                .choices
                .iter()
                .map(|c| Choice {
                    index: c.index,
                    message: ResponseMessage {
                        role: c.role.clone().unwrap_or_else(|| "assistant".to_owned()),
                        content: c.content.clone(),
                        refusal: c.refusal.clone(),
                        tool_calls: if c.tool_calls.is_empty() {
                            None
                        } else {
                            Some(
                                c.tool_calls
                                    .iter()
                                    .map(|(_, t)| {
                                        let mut t = t.clone();
                                        if t.call_type.is_empty() {
                                            t.call_type = "function".to_owned();
                                        }
                                        t
                                    })
                                    .collect(),
                            )
                        },
                        extra: Default::default(),
                    },
                    finish_reason: c.finish_reason.clone(),
                    logprobs: None,
                    extra: Default::default(),
                })
                .collect(),
            usage: self.usage.clone(),
            system_fingerprint: self.system_fingerprint.clone(),
            service_tier: None,
            extra: Default::default(),
        }
    }
}

#[allow(dead_code)]
fn _assert_send() {
    fn is_send<T: Send>() {}
    is_send::<ChatStream>();
    is_send::<FunctionCall>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use serde_json::json;

    fn chunk(v: serde_json::Value) -> ChatCompletionChunk {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn accumulates_content_tools_finish_and_usage() {
        let mut acc = ChatAccumulator::default();
        acc.push(&chunk(json!({"id": "c1", "model": "m", "created": 5,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})));
        acc.push(&chunk(
            json!({"choices": [{"index": 0, "delta": {"content": "Hel"}}]}),
        ));
        acc.push(&chunk(
            json!({"choices": [{"index": 0, "delta": {"content": "lo"}}]}),
        ));
        acc.push(&chunk(json!({"choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 1, "id": "call_b", "type": "function", "function": {"name": "b", "arguments": ""}},
            {"index": 0, "id": "call_a", "type": "function", "function": {"name": "a", "arguments": "{\"x\""}}
        ]}}]})));
        acc.push(&chunk(
            json!({"choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "function": {"arguments": ": 1}"}},
                {"index": 1, "function": {"arguments": "{}"}}
            ]}}]}),
        ));
        acc.push(&chunk(
            json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
        ));
        acc.push(&chunk(json!({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})));
        let c = acc.completion();
        assert_eq!(c.id, "c1");
        assert_eq!(c.content(), Some("Hello"));
        assert_eq!(c.choices[0].finish_reason.as_deref(), Some("tool_calls"));
        let calls = c.choices[0].message.tool_calls.as_ref().unwrap();
        assert_eq!(calls[0].id, "call_a");
        assert_eq!(calls[0].function.arguments, "{\"x\": 1}");
        assert_eq!(calls[1].function.name, "b");
        assert_eq!(c.usage.unwrap().total_tokens, 5);
    }

    #[test]
    fn multiple_choices_are_kept_apart() {
        let mut acc = ChatAccumulator::default();
        acc.push(&chunk(json!({"choices": [{"index": 1, "delta": {"content": "B"}}, {"index": 0, "delta": {"content": "A"}}]})));
        acc.push(&chunk(
            json!({"choices": [{"index": 0, "delta": {"content": "a"}}]}),
        ));
        let c = acc.completion();
        assert_eq!(c.choices[0].message.content.as_deref(), Some("Aa"));
        assert_eq!(c.choices[1].message.content.as_deref(), Some("B"));
    }

    fn stream_of(parts: Vec<reqwest::Result<Bytes>>) -> ChatStream {
        ChatStream::from_byte_stream(Box::pin(futures_util::stream::iter(parts)), None, None)
    }

    #[tokio::test]
    async fn done_ends_and_trailing_bytes_are_ignored() {
        let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\ndata: {not json}\n\n";
        let mut s = stream_of(vec![Ok(Bytes::from(body))]);
        let c = s.next_chunk().await.unwrap().unwrap();
        assert_eq!(c.choices[0].delta.content.as_deref(), Some("hi"));
        assert!(s.next_chunk().await.is_none());
        assert!(s.is_complete());
    }

    #[tokio::test]
    async fn clean_close_before_done_is_truncation() {
        let body = "data: {\"choices\":[]}\n\n";
        let mut s = stream_of(vec![Ok(Bytes::from(body))]);
        assert!(s.next_chunk().await.unwrap().is_ok());
        let e = s.next_chunk().await.unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::StreamTruncated);
        assert!(s.next_chunk().await.is_none());
    }

    #[tokio::test]
    async fn error_event_is_typed() {
        let body =
            "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"code\":\"x\"}}\n\n";
        let mut s = stream_of(vec![Ok(Bytes::from(body))]);
        let e = s.next_chunk().await.unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::StreamEvent);
        assert_eq!(e.code(), Some("x"));
        assert!(e.to_string().contains("boom"));
    }

    #[tokio::test]
    async fn malformed_event_is_decode_error_with_raw() {
        let mut s = stream_of(vec![Ok(Bytes::from("data: {not json}\n\n"))]);
        let e = s.next_chunk().await.unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.body(), Some("{not json}"));
    }

    #[tokio::test]
    async fn content_mentioning_error_is_not_an_error() {
        let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\\"error\\\": none\"}}]}\n\ndata: [DONE]\n\n";
        let mut s = stream_of(vec![Ok(Bytes::from(body))]);
        assert!(s.next_chunk().await.unwrap().is_ok());
        assert!(s.next_chunk().await.is_none());
    }
}
