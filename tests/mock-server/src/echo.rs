//! `x-mock-fault: echo-key`: a server that quotes the caller's `Authorization` header back in its
//! error, the way a misconfigured proxy or a compatible server may ("Incorrect API key provided:
//! Bearer sk-…"). Tests use it to prove the client scrubs its key from every error field.
//!
//! * non-streaming requests: an error status (401, or `status=N`) whose envelope carries the
//!   header in `message`, `type`, `param` and `code`, plus an `echo` field in the body and an
//!   `x-echo-authorization` response header;
//! * streaming requests (`"stream": true`): 200 `text/event-stream`, one normal chunk, then the
//!   same envelope as an SSE error event — `data: {"error": ...}` for `echo-key`, a named
//!   `event: error` for `echo-key=event` — and the end of the body.

use serde_json::json;

/// Which SSE error form a streaming echo uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Echo {
    /// `data: {"error": {...}}`.
    DataEvent,
    /// `event: error` + `data: {...}`.
    NamedEvent,
}

impl Echo {
    pub fn parse(value: Option<&str>) -> Result<Echo, String> {
        match value {
            None | Some("data") => Ok(Echo::DataEvent),
            Some("event") => Ok(Echo::NamedEvent),
            Some(v) => Err(format!(
                "x-mock-fault: echo-key wants data|event, got '{v}'"
            )),
        }
    }
}

fn envelope(auth: &str) -> serde_json::Value {
    json!({
        "error": {
            "message": format!("Incorrect API key provided: {auth}"),
            "type": format!("invalid_request_error ({auth})"),
            "param": auth,
            "code": format!("invalid_api_key:{auth}"),
        },
        "echo": auth,
    })
}

/// The whole response (head and body) and its status. The connection is closed after it.
pub fn response(auth: &str, stream: bool, status: Option<u16>, how: Echo) -> (u16, Vec<u8>) {
    // The header value is visible ASCII (the client checked it); strip CR/LF anyway so the echo
    // can never split the response head.
    let header_safe: String = auth.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let (status, content_type, body) = if stream {
        let first = json!({
            "id": "chatcmpl-echo", "object": "chat.completion.chunk", "created": 0,
            "model": "echo", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}}],
        });
        let error = envelope(auth);
        let event = match how {
            Echo::DataEvent => format!("data: {error}\n\n"),
            Echo::NamedEvent => format!("event: error\ndata: {}\n\n", error["error"]),
        };
        (
            200,
            "text/event-stream",
            format!("data: {first}\n\n{event}"),
        )
    } else {
        (
            status.unwrap_or(401),
            "application/json",
            envelope(auth).to_string(),
        )
    };
    let head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nx-request-id: req_echo\r\nx-echo-authorization: {header_safe}\r\nconnection: close\r\n\r\n",
        crate::http::reason(status),
        body.len()
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(body.as_bytes());
    (status, out)
}
