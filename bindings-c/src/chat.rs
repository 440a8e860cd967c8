//! Chat completions: the request builder, the one-shot call and the response accessors.

use std::ffi::{CString, c_char};

use openai_core::blocking::block_on_cancellable;
use openai_core::{
    ChatCompletion, ChatCompletionRequest, ContentPart, ImageUrl, Message, RequestOptions, Role,
};

use crate::client::{cancel_arg, client_arg, openai_cancel_token, openai_client};
use crate::error::{FfiError, FfiResult, ffi_get, ffi_getter, ffi_guard, openai_status};
use crate::util::{
    self, as_mut, as_ref, c_string, free_handle, into_handle, json_arg, opt_ptr, str_arg,
};

/// The role of a chat message. Passed as `uint32_t`; other values give
/// `OPENAI_STATUS_INVALID_ARGUMENT`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum openai_role {
    /// Instructions (older models).
    System = 0,
    /// Instructions (o-series and newer models).
    Developer = 1,
    /// The person.
    User = 2,
    /// The model (for history).
    Assistant = 3,
    /// A tool result: use `openai_chat_request_add_tool_result`, which also takes the call id.
    Tool = 4,
}

/// The detail level of an image part. Passed as `uint32_t`; other values give
/// `OPENAI_STATUS_INVALID_ARGUMENT`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum openai_image_detail {
    /// Do not send `detail` (the API default, `auto`).
    Default = 0,
    /// `"auto"`.
    Auto = 1,
    /// `"low"`: 512 px, cheapest.
    Low = 2,
    /// `"high"`: full detail.
    High = 3,
}

pub(crate) fn role_from_u32(role: u32) -> FfiResult<Role> {
    Ok(match role {
        0 => Role::System,
        1 => Role::Developer,
        2 => Role::User,
        3 => Role::Assistant,
        4 => {
            return Err(FfiError::invalid(
                "OPENAI_ROLE_TOOL needs a tool call id: use openai_chat_request_add_tool_result",
            ));
        }
        other => return Err(FfiError::invalid(format!("{other} is not an openai_role"))),
    })
}

fn detail_from_u32(detail: u32) -> FfiResult<Option<String>> {
    Ok(match detail {
        0 => None,
        1 => Some("auto".into()),
        2 => Some("low".into()),
        3 => Some("high".into()),
        other => {
            return Err(FfiError::invalid(format!(
                "{other} is not an openai_image_detail"
            )));
        }
    })
}

/// A chat completion request under construction: model, messages and parameters.
///
/// Build it with `openai_chat_request_new` (or `_from_json`) and the `openai_chat_request_*`
/// setters, then send it with `openai_client_chat` or a streaming call; it can be sent any number
/// of times. Not thread-safe while being modified; several threads may send the same request at
/// once if none modifies it.
pub struct openai_chat_request {
    pub(crate) request: ChatCompletionRequest,
}

/// The response of a chat completion: choices, usage, request id and the raw JSON.
///
/// Immutable, so it may be read from several threads. Every string it returns is borrowed from
/// it: valid until `openai_chat_response_free`.
pub struct openai_chat_response {
    completion: ChatCompletion,
    contents: Vec<Option<CString>>,
    finish_reasons: Vec<Option<CString>>,
    id: CString,
    model: CString,
    request_id: Option<CString>,
    /// The body as received; its C string is made on first use (most callers never ask).
    raw_body: bytes::Bytes,
    raw: std::sync::OnceLock<CString>,
    retries_taken: u32,
}

impl openai_chat_response {
    /// The handle for a completed call: the completion plus its request id, raw body and retries.
    pub(crate) fn from_response(resp: openai_core::Response<ChatCompletion>) -> Self {
        crate::generic::remember(resp.status, &resp.headers);
        Self::new(
            resp.data,
            resp.request_id.as_deref(),
            resp.raw,
            resp.retries_taken,
        )
    }

    /// The body as a C string, made on first use.
    pub(crate) fn raw_json(&self) -> *const c_char {
        self.raw
            .get_or_init(|| c_string(&String::from_utf8_lossy(&self.raw_body)))
            .as_ptr()
    }

    /// Caches the C strings of a completion.
    pub(crate) fn new(
        completion: ChatCompletion,
        request_id: Option<&str>,
        raw: bytes::Bytes,
        retries_taken: u32,
    ) -> Self {
        let contents = completion
            .choices
            .iter()
            .map(|c| c.message.content.as_deref().map(c_string))
            .collect();
        let finish_reasons = completion
            .choices
            .iter()
            .map(|c| c.finish_reason.as_deref().map(c_string))
            .collect();
        openai_chat_response {
            id: c_string(&completion.id),
            model: c_string(&completion.model),
            contents,
            finish_reasons,
            request_id: request_id.map(c_string),
            raw_body: raw,
            raw: std::sync::OnceLock::new(),
            retries_taken,
            completion,
        }
    }
}

// ================================================================================================
// Request builder
// ================================================================================================

/// Creates an empty request for `model` (e.g. `"gpt-4o-mini"`). `model` is borrowed and copied.
///
/// On success `*out` is owned by the caller: free it with `openai_chat_request_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_new(
    model: *const c_char,
    out: *mut *mut openai_chat_request,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let model = unsafe { str_arg(model, "model") }?;
        let out = util::out(out, "out")?;
        out.write(into_handle(openai_chat_request {
            request: ChatCompletionRequest::new(model, Vec::new()),
        }));
        Ok(())
    })
}

/// Creates a request from a complete JSON body, exactly as the API documents it (`model`,
/// `messages` and any other field). It is validated now: a malformed body gives
/// `OPENAI_STATUS_INVALID_ARGUMENT` naming the field. `"stream"` is ignored: the call you make
/// decides. `json` is borrowed.
///
/// On success `*out` is owned by the caller: free it with `openai_chat_request_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_from_json(
    json: *const c_char,
    out: *mut *mut openai_chat_request,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let value = unsafe { json_arg(json, "json") }?;
        let out = util::out(out, "out")?;
        let mut request = ChatCompletionRequest::from_json(value)?;
        request.stream = None;
        out.write(into_handle(openai_chat_request { request }));
        Ok(())
    })
}

/// Frees a request. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_free(request: *mut openai_chat_request) {
    // SAFETY: the C contract: NULL or a handle from openai_chat_request_new/_from_json.
    unsafe { free_handle(request) }
}

/// Runs a modification of a request.
unsafe fn modify(
    request: *mut openai_chat_request,
    f: impl FnOnce(&mut ChatCompletionRequest) -> FfiResult<()>,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract of the exports below.
        let r = unsafe { as_mut(request, "request") }?;
        f(&mut r.request)
    })
}

/// Appends a text message. `role` is an `openai_role` (`OPENAI_ROLE_SYSTEM`, `_DEVELOPER`,
/// `_USER`, `_ASSISTANT`); `text` is borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_add_message(
    request: *mut openai_chat_request,
    role: u32,
    text: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let text = unsafe { str_arg(text, "text") };
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            let text = text?;
            r.messages.push(Message::new(role_from_u32(role)?, text));
            Ok(())
        })
    }
}

/// Appends a tool result message answering the tool call `tool_call_id` (from the `tool_calls`
/// of the previous assistant reply; see `openai_chat_response_raw_json`). Both strings are
/// borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_add_tool_result(
    request: *mut openai_chat_request,
    tool_call_id: *const c_char,
    text: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let args = unsafe { (str_arg(tool_call_id, "tool_call_id"), str_arg(text, "text")) };
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            r.messages.push(Message::tool(args.0?, args.1?));
            Ok(())
        })
    }
}

/// The last message, to which parts are added.
fn last_message(r: &mut ChatCompletionRequest) -> FfiResult<&mut Message> {
    r.messages.last_mut().ok_or_else(|| {
        FfiError::invalid("add a message with openai_chat_request_add_message before adding parts")
    })
}

/// Appends an image to the last message (typically a user message), turning its content into
/// parts: `url` is an `https://` URL or a `data:image/png;base64,...` URL; `detail` is an
/// `openai_image_detail`. Fails with `OPENAI_STATUS_INVALID_ARGUMENT` if there is no message yet.
/// `url` is borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_add_image_url(
    request: *mut openai_chat_request,
    url: *const c_char,
    detail: u32,
) -> openai_status {
    // SAFETY: the C contract.
    let url = unsafe { str_arg(url, "url") };
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            let image_url = ImageUrl {
                url: url?.to_owned(),
                detail: detail_from_u32(detail)?,
                extra: Default::default(),
            };
            last_message(r)?.push_part(ContentPart::ImageUrl { image_url });
            Ok(())
        })
    }
}

/// Appends a text part to the last message (for messages mixing text and images). Fails with
/// `OPENAI_STATUS_INVALID_ARGUMENT` if there is no message yet. `text` is borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_add_text_part(
    request: *mut openai_chat_request,
    text: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let text = unsafe { str_arg(text, "text") };
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            let text = text?.to_owned();
            last_message(r)?.push_part(ContentPart::Text { text });
            Ok(())
        })
    }
}

/// Sets `max_tokens`, the cap on generated tokens.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_set_max_tokens(
    request: *mut openai_chat_request,
    max_tokens: u64,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            r.max_tokens = Some(max_tokens);
            Ok(())
        })
    }
}

/// Sets `temperature` (0 to 2); anything else (or NaN) gives `OPENAI_STATUS_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_set_temperature(
    request: *mut openai_chat_request,
    temperature: f64,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            if !(0.0..=2.0).contains(&temperature) {
                return Err(FfiError::invalid(format!(
                    "temperature must be between 0 and 2, got {temperature}"
                )));
            }
            r.temperature = Some(temperature);
            Ok(())
        })
    }
}

/// JSON mode: `true` sets `response_format` to `{"type": "json_object"}` (the model then answers
/// with a JSON object; say "JSON" in a message, as the API requires); `false` removes it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_set_json_mode(
    request: *mut openai_chat_request,
    enabled: bool,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            r.response_format = enabled.then(|| serde_json::json!({"type": "json_object"}));
            Ok(())
        })
    }
}

/// Sets any top-level field of the request body to a JSON value, e.g.
/// `("seed", "42")`, `("stop", "[\"\\n\"]")`, `("response_format", "{...json_schema...}")`,
/// `("tools", "[...]")`. Typed fields (`max_tokens`, `temperature`, ...) are replaced too; a value
/// of the wrong type gives `OPENAI_STATUS_INVALID_ARGUMENT`. Both strings are borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_set_field(
    request: *mut openai_chat_request,
    key: *const c_char,
    value_json: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let args = unsafe { (str_arg(key, "key"), json_arg(value_json, "value_json")) };
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            let (key, value) = (args.0?, args.1?);
            r.set_field(key, value)?;
            Ok(())
        })
    }
}

/// The number of messages in the request (its conversation history so far); 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_message_count(
    request: *const openai_chat_request,
) -> usize {
    // SAFETY: the C contract: NULL or a live request.
    ffi_getter(0, || {
        unsafe { request.as_ref() }.map(|r| r.request.messages.len())
    })
}

/// The request body as JSON (what would be sent, without `"stream"`). On success `*json_out` is
/// owned by the caller: free it with `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_request_to_json(
    request: *const openai_chat_request,
    json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let r = unsafe { as_ref(request, "request") }?;
        let out = util::out(json_out, "json_out")?;
        let text = serde_json::to_string(&r.request).map_err(|e| {
            FfiError::Boundary(openai_status::Internal, format!("serialising: {e}"))
        })?;
        out.write(util::owned_string(&text));
        Ok(())
    })
}

// ================================================================================================
// The call
// ================================================================================================

/// Sends a chat completion request and waits for the reply, on the calling thread. Retries and
/// timeouts follow the client's options. `cancel` may be NULL; cancelling it from another thread
/// makes the call return `OPENAI_STATUS_CANCELLED`.
///
/// On success `*out` is owned by the caller: free it with `openai_chat_response_free`. On failure
/// `*out` is untouched and `openai_last_error_*` describe the error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_chat(
    client: *const openai_client,
    request: *const openai_chat_request,
    cancel: *const openai_cancel_token,
    out: *mut *mut openai_chat_response,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, request, cancel) = unsafe {
            (
                client_arg(client)?,
                as_ref(request, "request")?,
                cancel_arg(cancel),
            )
        };
        let out = util::out(out, "out")?;
        let opts = RequestOptions::default();
        let resp = block_on_cancellable(
            client.chat_completion(&request.request, &opts),
            cancel.as_ref(),
        )??;
        out.write(into_handle(openai_chat_response::from_response(resp)));
        Ok(())
    })
}

// ================================================================================================
// Response accessors (infallible: NULL or 0 for a NULL response or an index out of range)
// ================================================================================================

/// Frees a response and every string borrowed from it. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_free(response: *mut openai_chat_response) {
    // SAFETY: the C contract: NULL or a handle from this library, freed once.
    unsafe { free_handle(response) }
}

/// The number of choices (1 unless the request set `n`); 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_choice_count(
    response: *const openai_chat_response,
) -> usize {
    ffi_get(unsafe { response.as_ref() }, 0, |r| Some(r.contents.len()))
}

/// The text of choice `index` (0 for the usual single choice); NULL if the choice has no text
/// (e.g. only tool calls) or does not exist. Text up to the first NUL if it contained U+0000.
/// Borrowed from `response`: valid until `openai_chat_response_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_content(
    response: *const openai_chat_response,
    index: usize,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        r.contents.get(index).map(opt_ptr)
    })
}

/// The `finish_reason` of choice `index` (`"stop"`, `"length"`, `"tool_calls"`,
/// `"content_filter"`, ...); NULL if absent. Borrowed from `response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_finish_reason(
    response: *const openai_chat_response,
    index: usize,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        r.finish_reasons.get(index).map(opt_ptr)
    })
}

/// Prompt tokens from `usage`; 0 when the response has no usage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_prompt_tokens(
    response: *const openai_chat_response,
) -> u64 {
    ffi_get(unsafe { response.as_ref() }, 0, |r| {
        r.completion.usage.as_ref().map(|u| u.prompt_tokens)
    })
}

/// Completion tokens from `usage`; 0 when the response has no usage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_completion_tokens(
    response: *const openai_chat_response,
) -> u64 {
    ffi_get(unsafe { response.as_ref() }, 0, |r| {
        r.completion.usage.as_ref().map(|u| u.completion_tokens)
    })
}

/// Total tokens from `usage`; 0 when the response has no usage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_total_tokens(
    response: *const openai_chat_response,
) -> u64 {
    ffi_get(unsafe { response.as_ref() }, 0, |r| {
        r.completion.usage.as_ref().map(|u| u.total_tokens)
    })
}

/// The completion id (`"chatcmpl-..."`); `""` if the server sent none. Borrowed from `response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_id(
    response: *const openai_chat_response,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        Some(r.id.as_ptr())
    })
}

/// The model that answered. Borrowed from `response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_model(
    response: *const openai_chat_response,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        Some(r.model.as_ptr())
    })
}

/// The `x-request-id` of the HTTP response; NULL if the server sent none. Borrowed from
/// `response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_request_id(
    response: *const openai_chat_response,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        Some(opt_ptr(&r.request_id))
    })
}

/// The response body as JSON, exactly as received (for a streamed reply: the assembled
/// completion). Use it for anything without an accessor (tool calls, logprobs, ...). Borrowed
/// from `response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_raw_json(
    response: *const openai_chat_response,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        Some(r.raw_json())
    })
}

/// How many retries happened before the attempt that succeeded (0 for a streamed reply).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_chat_response_retries_taken(
    response: *const openai_chat_response,
) -> u32 {
    ffi_get(unsafe { response.as_ref() }, 0, |r| Some(r.retries_taken))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr;

    fn new_request(model: &std::ffi::CStr) -> *mut openai_chat_request {
        let mut r = ptr::null_mut();
        // SAFETY: valid arguments.
        assert_eq!(
            unsafe { openai_chat_request_new(model.as_ptr(), &mut r) },
            openai_status::Ok
        );
        r
    }

    fn to_json(r: *const openai_chat_request) -> serde_json::Value {
        let mut s = ptr::null_mut();
        // SAFETY: valid arguments; the string is freed below.
        unsafe {
            assert_eq!(openai_chat_request_to_json(r, &mut s), openai_status::Ok);
            let v = serde_json::from_str(std::ffi::CStr::from_ptr(s).to_str().unwrap()).unwrap();
            crate::openai_string_free(s);
            v
        }
    }

    #[test]
    fn builder_produces_the_documented_body() {
        let r = new_request(c"gpt-4o-mini");
        // SAFETY: valid arguments throughout; freed at the end.
        unsafe {
            assert_eq!(
                openai_chat_request_add_message(r, 0, c"be brief".as_ptr()),
                openai_status::Ok
            );
            assert_eq!(
                openai_chat_request_add_message(r, 2, c"what is this?".as_ptr()),
                openai_status::Ok
            );
            assert_eq!(
                openai_chat_request_add_image_url(r, c"https://x/cat.png".as_ptr(), 3),
                openai_status::Ok
            );
            assert_eq!(openai_chat_request_set_max_tokens(r, 5), openai_status::Ok);
            assert_eq!(
                openai_chat_request_set_json_mode(r, true),
                openai_status::Ok
            );
            assert_eq!(
                openai_chat_request_set_field(r, c"seed".as_ptr(), c"42".as_ptr()),
                openai_status::Ok
            );
            assert_eq!(
                openai_chat_request_set_field(r, c"metadata".as_ptr(), c"{\"a\":1}".as_ptr()),
                openai_status::Ok
            );
            assert_eq!(
                openai_chat_request_set_field(r, c"temperature".as_ptr(), c"\"hot\"".as_ptr()),
                openai_status::InvalidArgument
            );
            assert_eq!(
                openai_chat_request_add_message(r, 9, c"x".as_ptr()),
                openai_status::InvalidArgument
            );
            assert_eq!(
                openai_chat_request_add_image_url(r, c"u".as_ptr(), 4),
                openai_status::InvalidArgument
            );
            assert_eq!(
                openai_chat_request_set_temperature(r, f64::NAN),
                openai_status::InvalidArgument
            );
            let v = to_json(r);
            assert_eq!(v["model"], "gpt-4o-mini");
            assert_eq!(
                v["messages"][0],
                serde_json::json!({"role": "system", "content": "be brief"})
            );
            assert_eq!(
                v["messages"][1]["content"],
                serde_json::json!([
                    {"type": "text", "text": "what is this?"},
                    {"type": "image_url", "image_url": {"url": "https://x/cat.png", "detail": "high"}}
                ])
            );
            assert_eq!(v["max_tokens"], 5);
            assert_eq!(v["seed"], 42);
            assert_eq!(v["metadata"]["a"], 1);
            assert_eq!(v["response_format"]["type"], "json_object");
            openai_chat_request_free(r);
        }
    }

    #[test]
    fn parts_need_a_message_and_from_json_validates() {
        let r = new_request(c"m");
        let sentinel = 0x1234usize as *mut openai_chat_request;
        let mut other = sentinel;
        // SAFETY: valid arguments; freed at the end.
        unsafe {
            assert_eq!(
                openai_chat_request_add_text_part(r, c"x".as_ptr()),
                openai_status::InvalidArgument
            );
            assert_eq!(
                openai_chat_request_from_json(
                    c"{\"model\":\"m\",\"messages\":[]}".as_ptr(),
                    &mut other
                ),
                openai_status::InvalidArgument
            );
            assert_eq!(other, sentinel, "out-param untouched on failure");
            assert_eq!(
                openai_chat_request_from_json(c"{\"model\":".as_ptr(), &mut other),
                openai_status::InvalidArgument
            );
            assert_eq!(
                openai_chat_request_from_json(
                    c"{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".as_ptr(),
                    &mut other
                ),
                openai_status::Ok
            );
            assert!(to_json(other).get("stream").is_none());
            openai_chat_request_free(other);
            openai_chat_request_free(r);
        }
    }

    #[test]
    fn response_accessors_are_null_safe() {
        let c: ChatCompletion = serde_json::from_str(
            r#"{"id":"c1","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
        )
        .unwrap();
        let r = into_handle(openai_chat_response::new(
            c,
            Some("req_1"),
            bytes::Bytes::from_static(b"{}"),
            0,
        ));
        // SAFETY: r is live; NULL is allowed.
        unsafe {
            assert_eq!(openai_chat_response_choice_count(r), 1);
            assert_eq!(openai_chat_response_total_tokens(r), 3);
            assert!(openai_chat_response_content(r, 1).is_null());
            assert!(openai_chat_response_content(ptr::null(), 0).is_null());
            assert_eq!(openai_chat_response_prompt_tokens(ptr::null()), 0);
        }
        // SAFETY: valid, NUL-terminated strings borrowed from r.
        unsafe {
            assert_eq!(
                std::ffi::CStr::from_ptr(openai_chat_response_content(r, 0)),
                c"hi"
            );
            assert_eq!(
                std::ffi::CStr::from_ptr(openai_chat_response_request_id(r)),
                c"req_1"
            );
            openai_chat_response_free(r);
            openai_chat_response_free(ptr::null_mut());
        }
    }
}
