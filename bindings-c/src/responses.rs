//! The Responses API (`openai_client_responses_*`) and the generic call by operation id
//! (`openai_client_call`), over the core's endpoint engine.

use std::ffi::{CString, c_char, c_void};

use openai_core::blocking::{CancellationToken, block_on_cancellable};
use openai_core::responses::{InputItem, ResponseEvent, ResponseInput};
use openai_core::{RequestOptions, ResponseObject, ResponsesRequest, ResponsesStream};
use serde_json::Value;

use crate::client::{cancel_arg, client_arg, openai_cancel_token, openai_client};
use crate::error::{FfiError, FfiResult, ffi_get, ffi_guard, openai_status};
use crate::stream::OPENAI_ITER_CONTINUE;
use crate::util::{
    self, as_mut, as_ref, c_string, free_handle, into_handle, json_arg, opt_ptr, str_arg,
};

// ================================================================================================
// Request
// ================================================================================================

/// A `POST /responses` request being built. Belongs to one thread at a time.
pub struct openai_responses_request {
    request: ResponsesRequest,
}

impl openai_responses_request {
    fn push(&mut self, item: InputItem) {
        let items = match self.request.input.take() {
            None => Vec::new(),
            Some(ResponseInput::Text(t)) => vec![InputItem::user(t)],
            Some(ResponseInput::Items(items)) => items,
        };
        let mut items = items;
        items.push(item);
        self.request.input = Some(ResponseInput::Items(items));
    }
}

/// Runs `f` on a request handle.
///
/// # Safety
/// `request` is NULL or a live request handle used by no other thread.
unsafe fn modify(
    request: *mut openai_responses_request,
    f: impl FnOnce(&mut openai_responses_request) -> FfiResult<()>,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: per the contract above.
        let r = unsafe { as_mut(request, "request") }?;
        f(r)
    })
}

/// Creates a request for `model` with a plain text `input` (or with no input yet when `input`
/// is NULL: add items with `openai_responses_request_add_message` and friends). Both strings are
/// borrowed and copied.
///
/// On success `*out` is owned by the caller: free it with `openai_responses_request_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_request_new(
    model: *const c_char,
    input: *const c_char,
    out: *mut *mut openai_responses_request,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let model = unsafe { str_arg(model, "model") }?;
        let input = match input.is_null() {
            true => None,
            // SAFETY: the C contract.
            false => Some(unsafe { str_arg(input, "input") }?),
        };
        let out = util::out(out, "out")?;
        let mut request = ResponsesRequest::new(model, input.unwrap_or_default());
        if input.is_none() {
            request.input = None;
        }
        out.write(into_handle(openai_responses_request { request }));
        Ok(())
    })
}

/// Creates a request from a complete JSON body as the API documents it (`model`, `input`,
/// `instructions`, `tools`, `text`, ...). A body that is not an object, or has fields of the
/// wrong type, gives `OPENAI_STATUS_INVALID_ARGUMENT`. `"stream"` is refused: the call you make
/// decides. `json` is borrowed.
///
/// On success `*out` is owned by the caller: free it with `openai_responses_request_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_request_from_json(
    json: *const c_char,
    out: *mut *mut openai_responses_request,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let mut value = unsafe { json_arg(json, "json") }?;
        let out = util::out(out, "out")?;
        if let Value::Object(map) = &mut value {
            map.remove("stream");
        }
        let request: ResponsesRequest = serde_json::from_value(value)
            .map_err(|e| FfiError::invalid(format!("invalid responses request: {e}")))?;
        request.validate()?;
        out.write(into_handle(openai_responses_request { request }));
        Ok(())
    })
}

/// Frees a request. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_request_free(request: *mut openai_responses_request) {
    // SAFETY: the C contract: NULL or a handle from openai_responses_request_new/_from_json.
    unsafe { free_handle(request) }
}

/// Appends a message to the input: `role` is `"user"`, `"system"`, `"developer"` or
/// `"assistant"`. A plain text input becomes the first user message. Strings are borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_request_add_message(
    request: *mut openai_responses_request,
    role: *const c_char,
    text: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let args = unsafe { (str_arg(role, "role"), str_arg(text, "text")) };
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            let (role, text) = (args.0?, args.1?);
            if !matches!(role, "user" | "system" | "developer" | "assistant") {
                return Err(FfiError::invalid(format!("unknown role {role:?}")));
            }
            r.push(InputItem::message(role, text));
            Ok(())
        })
    }
}

/// Appends the output of a function call (`call_id` from the `function_call` item of the
/// previous response). Strings are borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_request_add_function_call_output(
    request: *mut openai_responses_request,
    call_id: *const c_char,
    output: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let args = unsafe { (str_arg(call_id, "call_id"), str_arg(output, "output")) };
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            r.push(InputItem::function_call_output(args.0?, args.1?));
            Ok(())
        })
    }
}

/// Appends any input item given as a JSON object, e.g. an output item of the previous response
/// (`openai_response_output_item_json`) fed back. `item_json` is borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_request_add_item_json(
    request: *mut openai_responses_request,
    item_json: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let item = unsafe { json_arg(item_json, "item_json") };
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            let item = item?;
            if !item.is_object() {
                return Err(FfiError::invalid("item_json must be a JSON object"));
            }
            r.push(InputItem(item));
            Ok(())
        })
    }
}

/// Sets any top-level field to a JSON value, e.g. `("instructions", "\"Be brief.\"")`,
/// `("previous_response_id", "\"resp_...\"")`, `("tools", "[...]")`, `("text", "{...}")`,
/// `("max_output_tokens", "200")`. A value of the wrong type gives
/// `OPENAI_STATUS_INVALID_ARGUMENT`. Both strings are borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_request_set_field(
    request: *mut openai_responses_request,
    key: *const c_char,
    value_json: *const c_char,
) -> openai_status {
    // SAFETY: the C contract.
    let args = unsafe { (str_arg(key, "key"), json_arg(value_json, "value_json")) };
    // SAFETY: forwarded C contract.
    unsafe {
        modify(request, |r| {
            let (key, value) = (args.0?, args.1?);
            if key == "stream" {
                return Err(FfiError::invalid(
                    "set streaming by calling openai_client_responses_stream",
                ));
            }
            let mut body = serde_json::to_value(&r.request)
                .map_err(|e| FfiError::invalid(format!("request: {e}")))?;
            body[key] = value;
            r.request = serde_json::from_value(body)
                .map_err(|e| FfiError::invalid(format!("invalid value for {key:?}: {e}")))?;
            Ok(())
        })
    }
}

/// The request body as JSON. On success `*json_out` is owned by the caller: free it with
/// `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_request_to_json(
    request: *const openai_responses_request,
    json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let r = unsafe { as_ref(request, "request") }?;
        let out = util::out(json_out, "json_out")?;
        let text = serde_json::to_string(&r.request)
            .map_err(|e| FfiError::invalid(format!("request: {e}")))?;
        out.write(util::owned_string(&text));
        Ok(())
    })
}

// ================================================================================================
// Response
// ================================================================================================

struct Item {
    kind: CString,
    call_id: Option<CString>,
    name: Option<CString>,
    arguments: Option<CString>,
    json: CString,
}

/// A response object (`openai_client_responses_create`, or the assembled reply of a stream).
///
/// Immutable; every string it returns is borrowed from it, valid until `openai_response_free`.
pub struct openai_response {
    data: ResponseObject,
    id: CString,
    status: Option<CString>,
    output_text: CString,
    request_id: Option<CString>,
    raw: CString,
    items: Vec<Item>,
}

impl openai_response {
    fn new(data: ResponseObject, raw: &str, request_id: Option<&str>) -> openai_response {
        let items = data
            .output
            .iter()
            .map(|i| Item {
                kind: c_string(&i.kind),
                call_id: i.call_id.as_deref().map(c_string),
                name: i.name.as_deref().map(c_string),
                arguments: i.arguments.as_deref().map(c_string),
                json: c_string(&serde_json::to_string(i).unwrap_or_default()),
            })
            .collect();
        openai_response {
            id: c_string(&data.id),
            status: data.status.as_deref().map(c_string),
            output_text: c_string(&data.output_text()),
            request_id: request_id.map(c_string),
            raw: c_string(raw),
            items,
            data,
        }
    }

    fn item(&self, index: usize) -> Option<&Item> {
        self.items.get(index)
    }
}

/// Creates a response (`POST /responses`) and waits for it. `request` is borrowed; `cancel` may
/// be NULL.
///
/// On success `*out` is owned by the caller: free it with `openai_response_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_responses_create(
    client: *const openai_client,
    request: *const openai_responses_request,
    cancel: *const openai_cancel_token,
    out: *mut *mut openai_response,
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
        let r = block_on_cancellable(
            client.responses_create(&request.request, &opts),
            cancel.as_ref(),
        )??;
        crate::generic::remember(r.status, &r.headers);
        let raw = String::from_utf8_lossy(&r.raw);
        let resp = openai_response::new(r.data, &raw, r.request_id.as_deref());
        out.write(into_handle(resp));
        Ok(())
    })
}

/// Frees a response. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_free(response: *mut openai_response) {
    // SAFETY: the C contract: NULL or a handle from this library, freed once.
    unsafe { free_handle(response) }
}

/// Every `output_text` part of every message item, concatenated (what the official SDKs call
/// `output_text`); `""` when there is none, NULL for a NULL handle. Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_output_text(
    response: *const openai_response,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        Some(r.output_text.as_ptr())
    })
}

/// The response id (`resp_...`). Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_id(response: *const openai_response) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        Some(r.id.as_ptr())
    })
}

/// `completed`, `incomplete`, `failed`, `in_progress`, `queued` or `cancelled`; NULL if absent.
/// Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_status(response: *const openai_response) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        Some(opt_ptr(&r.status))
    })
}

/// The `x-request-id` of the answer; NULL if none (or for a stream's assembled reply, see
/// `openai_responses_stream_request_id`). Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_request_id(
    response: *const openai_response,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        Some(opt_ptr(&r.request_id))
    })
}

/// The response as JSON (the body as received, or the assembled object of a stream). Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_raw_json(
    response: *const openai_response,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        Some(r.raw.as_ptr())
    })
}

/// Token usage: `input`, `output` and `total` tokens; each out-pointer may be NULL. Returns
/// false (and writes nothing) when the response has no usage or the handle is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_usage(
    response: *const openai_response,
    input_tokens: *mut u64,
    output_tokens: *mut u64,
    total_tokens: *mut u64,
) -> bool {
    ffi_get(unsafe { response.as_ref() }, false, |r| {
        let u = r.data.usage.as_ref()?;
        for (p, v) in [
            (input_tokens, u.input_tokens),
            (output_tokens, u.output_tokens),
            (total_tokens, u.total_tokens),
        ] {
            // SAFETY: the C contract: NULL or writable storage for a uint64_t.
            if let Some(p) = unsafe { p.as_mut() } {
                *p = v;
            }
        }
        Some(true)
    })
}

/// The number of output items; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_output_count(response: *const openai_response) -> usize {
    ffi_get(unsafe { response.as_ref() }, 0, |r| Some(r.items.len()))
}

/// The `type` of output item `index` (`message`, `function_call`, `reasoning`, ...); NULL past
/// the end. Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_output_item_type(
    response: *const openai_response,
    index: usize,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        r.item(index).map(|i| i.kind.as_ptr())
    })
}

/// The `call_id` of a `function_call` item (pass it to
/// `openai_responses_request_add_function_call_output`); NULL for other items. Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_output_item_call_id(
    response: *const openai_response,
    index: usize,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        r.item(index).map(|i| opt_ptr(&i.call_id))
    })
}

/// The function `name` of a `function_call` item; NULL for other items. Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_output_item_name(
    response: *const openai_response,
    index: usize,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        r.item(index).map(|i| opt_ptr(&i.name))
    })
}

/// The `arguments` (JSON text) of a `function_call` item; NULL for other items. Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_output_item_arguments(
    response: *const openai_response,
    index: usize,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        r.item(index).map(|i| opt_ptr(&i.arguments))
    })
}

/// Output item `index` as JSON (every field, kinds this library does not know included); NULL
/// past the end. Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_output_item_json(
    response: *const openai_response,
    index: usize,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        r.item(index).map(|i| i.json.as_ptr())
    })
}

// ================================================================================================
// Stream
// ================================================================================================

/// One event of a responses stream. Borrowed from its stream: valid until the next
/// `openai_responses_stream_next` or `openai_responses_stream_free` (for callbacks: until the
/// callback returns). Never free it.
pub struct openai_response_event {
    kind: CString,
    sequence_number: i64,
    delta: Option<CString>,
    raw: CString,
}

impl openai_response_event {
    fn new(e: &ResponseEvent) -> openai_response_event {
        openai_response_event {
            kind: c_string(&e.kind),
            sequence_number: e
                .sequence_number
                .and_then(|n| i64::try_from(n).ok())
                .unwrap_or(-1),
            delta: e.delta().map(c_string),
            raw: c_string(&e.raw),
        }
    }
}

/// A responses stream. Pull events with `openai_responses_stream_next` until it reports the
/// end (the terminal `response.completed` / `response.incomplete` / `response.failed` event has
/// been handed out). Belongs to one thread at a time. Freeing it early closes the connection.
pub struct openai_responses_stream {
    stream: ResponsesStream,
    cancel: Option<CancellationToken>,
    event: Option<openai_response_event>,
    progress: crate::stream::Progress,
    request_id: Option<CString>,
}

impl openai_responses_stream {
    fn open(
        client: &openai_core::Client,
        request: &openai_responses_request,
        cancel: Option<CancellationToken>,
    ) -> FfiResult<openai_responses_stream> {
        let opts = RequestOptions::default();
        let stream = block_on_cancellable(
            client.responses_stream(&request.request, &opts),
            cancel.as_ref(),
        )??;
        Ok(openai_responses_stream {
            request_id: stream.request_id().map(c_string),
            stream,
            cancel,
            event: None,
            progress: Default::default(),
        })
    }

    fn advance(&mut self) -> FfiResult<Option<&openai_response_event>> {
        self.event = None;
        let ev = self
            .progress
            .step(&mut self.stream, self.cancel.as_ref(), |s| {
                Box::pin(s.next_event())
            })?;
        Ok(ev.map(|ev| &*self.event.insert(openai_response_event::new(&ev))))
    }

    fn response(&self) -> openai_response {
        let snapshot = self.stream.accumulator().snapshot();
        openai_response::new(
            self.stream.accumulator().response(),
            &snapshot.to_string(),
            self.stream.request_id(),
        )
    }
}

/// Starts a responses stream and waits for the answer's headers (retries apply until then,
/// never after the first byte). `request` is borrowed; `cancel` may be NULL and is kept by the
/// stream, so cancelling it later also stops a waiting `openai_responses_stream_next`.
///
/// On success `*out` is owned by the caller: free it with `openai_responses_stream_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_responses_stream(
    client: *const openai_client,
    request: *const openai_responses_request,
    cancel: *const openai_cancel_token,
    out: *mut *mut openai_responses_stream,
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
        let s = openai_responses_stream::open(&client, request, cancel)?;
        out.write(into_handle(s));
        Ok(())
    })
}

/// Waits for the next event. On `OPENAI_STATUS_OK`, `*event_out` is the event (borrowed, valid
/// until the next call on the stream), or NULL once the terminal event was handed out. Every
/// other ending is an error: `OPENAI_STATUS_STREAM_TRUNCATED` (closed or reset before a terminal
/// event), `OPENAI_STATUS_STREAM_EVENT` (an `error` event; its code is in
/// `openai_last_error_api_code`), `OPENAI_STATUS_TIMEOUT`, `OPENAI_STATUS_CANCELLED`; after an
/// error every later call returns the same status again. Event types this library does not know
/// are handed out like the others.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_stream_next(
    stream: *mut openai_responses_stream,
    event_out: *mut *const openai_response_event,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let s = unsafe { as_mut(stream, "stream") }?;
        let out = util::out(event_out, "event_out")?;
        let ev = s.advance()?;
        out.write(ev.map_or(std::ptr::null(), |e| e as *const openai_response_event));
        Ok(())
    })
}

/// Frees a stream, closing the connection if it is still open. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_stream_free(stream: *mut openai_responses_stream) {
    // SAFETY: the C contract: NULL or a handle from openai_client_responses_stream, freed once.
    unsafe { free_handle(stream) }
}

/// True once the terminal event was handed out; false before, after an error, or for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_stream_is_complete(
    stream: *const openai_responses_stream,
) -> bool {
    ffi_get(unsafe { stream.as_ref() }, false, |s| Some(s.progress.done))
}

/// The `x-request-id` of the stream's answer; NULL if none. Borrowed from `stream`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_stream_request_id(
    stream: *const openai_responses_stream,
) -> *const c_char {
    ffi_get(unsafe { stream.as_ref() }, std::ptr::null(), |s| {
        Some(opt_ptr(&s.request_id))
    })
}

/// The response assembled from the events so far (complete once the stream ended). On success
/// `*out` is owned by the caller: free it with `openai_response_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_responses_stream_response(
    stream: *const openai_responses_stream,
    out: *mut *mut openai_response,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let s = unsafe { as_ref(stream, "stream") }?;
        let out = util::out(out, "out")?;
        out.write(into_handle(s.response()));
        Ok(())
    })
}

/// The event's type (`response.output_text.delta`, `response.completed`, ...). Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_event_type(
    event: *const openai_response_event,
) -> *const c_char {
    ffi_get(unsafe { event.as_ref() }, std::ptr::null(), |e| {
        Some(e.kind.as_ptr())
    })
}

/// The event's `sequence_number`; -1 when the server sent none (or for NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_event_sequence_number(
    event: *const openai_response_event,
) -> i64 {
    ffi_get(unsafe { event.as_ref() }, -1, |e| Some(e.sequence_number))
}

/// The `delta` of a delta event (text, refusal or function arguments); NULL for other events.
/// Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_event_delta(
    event: *const openai_response_event,
) -> *const c_char {
    ffi_get(unsafe { event.as_ref() }, std::ptr::null(), |e| {
        Some(opt_ptr(&e.delta))
    })
}

/// The whole event as JSON. Borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_response_event_raw_json(
    event: *const openai_response_event,
) -> *const c_char {
    ffi_get(unsafe { event.as_ref() }, std::ptr::null(), |e| {
        Some(e.raw.as_ptr())
    })
}

/// The callback of `openai_client_responses_stream_each`: called once per event, on the
/// calling thread. Return `OPENAI_ITER_CONTINUE` to go on, anything else to stop. The event is
/// valid only during the call. The callback must not unwind (C++ exceptions, `longjmp`) out.
pub type openai_response_event_callback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, event: *const openai_response_event) -> i32,
>;

/// Streams a response, calling `callback` for every event, and returns at the end. `cancel` may
/// be NULL; `user_data` is passed through untouched.
///
/// Returns `OPENAI_STATUS_OK` when the stream reached its terminal event: then, if `out` is not
/// NULL, `*out` is the assembled response, owned by the caller (free it with
/// `openai_response_free`). Returns `OPENAI_STATUS_ABORTED_BY_CALLBACK` if the callback stopped
/// it (the connection is closed), or the stream's error (see `openai_responses_stream_next`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_responses_stream_each(
    client: *const openai_client,
    request: *const openai_responses_request,
    cancel: *const openai_cancel_token,
    callback: openai_response_event_callback,
    user_data: *mut c_void,
    out: *mut *mut openai_response,
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
        let callback = callback.ok_or_else(|| FfiError::null("callback"))?;
        let mut s = openai_responses_stream::open(&client, request, cancel)?;
        while let Some(ev) = s.advance()? {
            // SAFETY: a C function pointer supplied by the caller, called with its own data.
            if unsafe { callback(user_data, ev) } != OPENAI_ITER_CONTINUE {
                return Err(FfiError::Boundary(
                    openai_status::AbortedByCallback,
                    "the callback stopped the stream".into(),
                ));
            }
        }
        if !out.is_null() {
            util::out(out, "out")?.write(into_handle(s.response()));
        }
        Ok(())
    })
}
