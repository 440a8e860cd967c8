//! Any operation of the spec from C: multipart forms, binary downloads to a file or a callback,
//! page cursors, the response headers of the last call, and the typed file and batch helpers C
//! programmers reach for — all thin layers over the core's endpoint engine.

use std::cell::RefCell;
use std::ffi::{CString, c_char, c_void};

use openai_core::blocking::block_on_cancellable;
use openai_core::endpoints::{self, Call, CallBody, Endpoint};
use openai_core::{HeaderMap, Multipart, RateLimits, RequestOptions};
use serde_json::Value;

use crate::client::{cancel_arg, client_arg, openai_cancel_token, openai_client};
use crate::error::{FfiError, FfiResult, ffi_get, ffi_guard, openai_status};
use crate::stream::OPENAI_ITER_CONTINUE;
use crate::util::{self, as_mut, c_string, free_handle, into_handle, json_arg, str_arg};

// ================================================================================================
// The last response of this thread
// ================================================================================================

struct LastResponse {
    status: u16,
    headers: Vec<(String, CString)>,
    limits: RateLimits,
}

thread_local! {
    static LAST_RESPONSE: RefCell<Option<LastResponse>> = const { RefCell::new(None) };
}

/// Remembers the answer of a successful engine call for `openai_last_response_*`.
pub(crate) fn remember(status: u16, headers: &HeaderMap) {
    let limits = RateLimits::from_headers(headers);
    let headers = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                c_string(&String::from_utf8_lossy(v.as_bytes())),
            )
        })
        .collect();
    LAST_RESPONSE.with(|l| {
        *l.borrow_mut() = Some(LastResponse {
            status,
            headers,
            limits,
        })
    });
}

/// The HTTP status of the last successful non-streamed call on this thread (chat, conversation
/// turns, responses, `openai_client_call*`, downloads, pagers, files, batches); 0 if none yet.
#[unsafe(no_mangle)]
pub extern "C" fn openai_last_response_status() -> u16 {
    LAST_RESPONSE.with(|l| l.borrow().as_ref().map_or(0, |r| r.status))
}

/// A header of that last response (`name` is case-insensitive, e.g. `"x-request-id"`,
/// `"x-ratelimit-remaining-requests"`); NULL if absent. Borrowed: valid until the next such
/// call on this thread. `name` is borrowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_last_response_header(name: *const c_char) -> *const c_char {
    // SAFETY: the C contract: NULL or a NUL-terminated string.
    let Ok(name) = (unsafe { str_arg(name, "name") }) else {
        return std::ptr::null();
    };
    LAST_RESPONSE.with(|l| {
        l.borrow()
            .as_ref()
            .and_then(|r| {
                r.headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_ptr())
            })
            .unwrap_or(std::ptr::null())
    })
}

/// The `x-ratelimit-*` headers of a response, parsed. A count is -1 and a reset -1 ms when its
/// header was absent or unreadable.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct openai_rate_limits {
    /// Requests allowed per window.
    pub limit_requests: i64,
    /// Tokens allowed per window.
    pub limit_tokens: i64,
    /// Requests left in the window.
    pub remaining_requests: i64,
    /// Tokens left in the window.
    pub remaining_tokens: i64,
    /// Milliseconds until the request budget is full again.
    pub reset_requests_ms: i64,
    /// Milliseconds until the token budget is full again.
    pub reset_tokens_ms: i64,
}

/// The rate limits of the last response on this thread (see `openai_last_response_status`).
/// Returns false and writes nothing when there is no last response or `out` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_last_response_rate_limits(out: *mut openai_rate_limits) -> bool {
    // SAFETY: the C contract: NULL or writable storage for the struct.
    let Some(out) = (unsafe { out.as_mut() }) else {
        return false;
    };
    LAST_RESPONSE.with(|l| {
        let l = l.borrow();
        let Some(r) = l.as_ref() else { return false };
        let n = |v: Option<u64>| v.and_then(|v| i64::try_from(v).ok()).unwrap_or(-1);
        let ms = |d: Option<std::time::Duration>| {
            d.and_then(|d| i64::try_from(d.as_millis()).ok())
                .unwrap_or(-1)
        };
        *out = openai_rate_limits {
            limit_requests: n(r.limits.limit_requests),
            limit_tokens: n(r.limits.limit_tokens),
            remaining_requests: n(r.limits.remaining_requests),
            remaining_tokens: n(r.limits.remaining_tokens),
            reset_requests_ms: ms(r.limits.reset_requests),
            reset_tokens_ms: ms(r.limits.reset_tokens),
        };
        true
    })
}

// ================================================================================================
// Arguments
// ================================================================================================

fn pairs(v: Option<Value>, what: &str) -> FfiResult<Vec<(String, String)>> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Value::Object(map) = v else {
        return Err(FfiError::invalid(format!("{what} must be a JSON object")));
    };
    Ok(map
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

/// # Safety
/// `p` is NULL or a NUL-terminated string.
pub(crate) unsafe fn opt_json(p: *const c_char, name: &str) -> FfiResult<Option<Value>> {
    match p.is_null() {
        true => Ok(None),
        // SAFETY: per the contract above.
        false => unsafe { json_arg(p, name) }.map(Some),
    }
}

/// The row and the call for an operation id, its path and query JSON and a body.
///
/// # Safety
/// The three pointers are NULL or NUL-terminated strings.
pub(crate) unsafe fn operation(
    operation_id: *const c_char,
    path_json: *const c_char,
    query_json: *const c_char,
    body: CallBody,
) -> FfiResult<(&'static Endpoint, Call)> {
    // SAFETY: per the contract above.
    let (op, path, query) = unsafe {
        (
            str_arg(operation_id, "operation_id")?,
            opt_json(path_json, "path_json")?,
            opt_json(query_json, "query_json")?,
        )
    };
    let ep = endpoints::get(op)?;
    let call = Call {
        path: pairs(path, "path_json")?,
        query: pairs(query, "query_json")?,
        body,
    };
    ep.render_path(&call)?;
    Ok((ep, call))
}

/// Runs a JSON-answer call and writes its body to `out`.
fn run_call(
    client: &openai_core::Client,
    ep: &Endpoint,
    call: &Call,
    cancel: Option<openai_core::blocking::CancellationToken>,
) -> FfiResult<String> {
    let opts = RequestOptions::default();
    let r = block_on_cancellable(client.call_raw(ep, call, &opts), cancel.as_ref())??;
    remember(r.status, &r.headers);
    Ok(crate::endpoints::body_text(&r.raw))
}

// ================================================================================================
// Generic JSON call
// ================================================================================================

/// Calls any operation of the API by its operation id in the official spec (`"listModels"`,
/// `"retrieveFile"`, `"cancelBatch"`, ... — every operation is there, typed helper or not).
/// `path_json` holds the path parameters (`{"file_id": "file-abc"}`), `query_json` the query
/// (`{"limit": 2}`), `body_json` the JSON body; each may be NULL. Retries, timeouts and errors
/// work as for the typed calls; an unknown id, a missing path parameter or a body the operation
/// does not take gives `OPENAI_STATUS_INVALID_ARGUMENT`. `cancel` may be NULL. The answer's
/// headers are then available from `openai_last_response_header`.
///
/// On success `*response_json_out` is the answer as received (`"null"` when empty), owned by the
/// caller: free it with `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_call(
    client: *const openai_client,
    operation_id: *const c_char,
    path_json: *const c_char,
    query_json: *const c_char,
    body_json: *const c_char,
    cancel: *const openai_cancel_token,
    response_json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument (the JSON strings may be NULL).
        let (client, body, cancel) = unsafe {
            (
                client_arg(client)?,
                opt_json(body_json, "body_json")?,
                cancel_arg(cancel),
            )
        };
        // SAFETY: as above.
        let (ep, call) = unsafe {
            operation(
                operation_id,
                path_json,
                query_json,
                body.map_or(CallBody::None, CallBody::Json),
            )
        }?;
        let out = util::out(response_json_out, "response_json_out")?;
        let text = run_call(&client, ep, &call, cancel)?;
        out.write(util::owned_string(&text));
        Ok(())
    })
}

// ================================================================================================
// Multipart forms
// ================================================================================================

/// A `multipart/form-data` body being built (file uploads, audio, image edits). Files are read
/// from disk when the request is sent — in chunks, never whole — and again on a retry.
/// Belongs to one thread at a time.
pub struct openai_form {
    form: Multipart,
}

/// Creates an empty form. On success `*out` is owned by the caller: free it with
/// `openai_form_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_form_new(out: *mut *mut openai_form) -> openai_status {
    ffi_guard(|| {
        let out = util::out(out, "out")?;
        out.write(into_handle(openai_form {
            form: Multipart::new(),
        }));
        Ok(())
    })
}

/// Frees a form. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_form_free(form: *mut openai_form) {
    // SAFETY: the C contract: NULL or a handle from openai_form_new, freed once.
    unsafe { free_handle(form) }
}

/// Adds a text field (`"purpose"`, `"model"`, ...). Strings are borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_form_add_text(
    form: *mut openai_form,
    name: *const c_char,
    value: *const c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let (f, name, value) = unsafe {
            (
                as_mut(form, "form")?,
                str_arg(name, "name")?,
                str_arg(value, "value")?,
            )
        };
        f.form = std::mem::take(&mut f.form).text(name, value);
        Ok(())
    })
}

/// Adds a file part read from `path` when the request is sent. `filename` (NULL: the path's last
/// component) and `content_type` (NULL: guessed from the file name) may be NULL. A file that
/// cannot be read now gives `OPENAI_STATUS_INVALID_ARGUMENT`. Strings are borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_form_add_file(
    form: *mut openai_form,
    name: *const c_char,
    path: *const c_char,
    filename: *const c_char,
    content_type: *const c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract; `filename` and `content_type` may be NULL.
        let (f, name, path, filename, ctype) = unsafe {
            (
                as_mut(form, "form")?,
                str_arg(name, "name")?,
                str_arg(path, "path")?,
                opt_str(filename, "filename")?,
                opt_str(content_type, "content_type")?,
            )
        };
        // On a file that cannot be read the form keeps what it had.
        f.form = f.form.clone().file(name, path, filename, ctype)?;
        Ok(())
    })
}

/// Adds a file part from memory: `len` bytes at `data` (copied). `content_type` may be NULL
/// (guessed from `filename`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_form_add_bytes(
    form: *mut openai_form,
    name: *const c_char,
    data: *const u8,
    len: usize,
    filename: *const c_char,
    content_type: *const c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract; `content_type` may be NULL.
        let (f, name, filename, ctype) = unsafe {
            (
                as_mut(form, "form")?,
                str_arg(name, "name")?,
                str_arg(filename, "filename")?,
                opt_str(content_type, "content_type")?,
            )
        };
        if data.is_null() && len > 0 {
            return Err(FfiError::null("data"));
        }
        let bytes = match len {
            0 => Vec::new(),
            // SAFETY: the C contract: `data` points at `len` readable bytes.
            _ => unsafe { std::slice::from_raw_parts(data, len) }.to_vec(),
        };
        f.form = std::mem::take(&mut f.form).bytes(name, bytes, filename, ctype);
        Ok(())
    })
}

/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn opt_str<'a>(p: *const c_char, name: &str) -> FfiResult<Option<&'a str>> {
    match p.is_null() {
        true => Ok(None),
        // SAFETY: per the contract above.
        false => unsafe { str_arg(p, name) }.map(Some),
    }
}

/// Calls an operation that takes a multipart body (`"createFile"`, `"createTranscription"`,
/// `"createImageEdit"`, `"addUploadPart"`, ...) with `form` (borrowed; it can be sent again).
/// Otherwise as `openai_client_call`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_call_form(
    client: *const openai_client,
    operation_id: *const c_char,
    path_json: *const c_char,
    query_json: *const c_char,
    form: *const openai_form,
    cancel: *const openai_cancel_token,
    response_json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, form, cancel) = unsafe {
            (
                client_arg(client)?,
                util::as_ref(form, "form")?,
                cancel_arg(cancel),
            )
        };
        // SAFETY: as above.
        let (ep, call) = unsafe {
            operation(
                operation_id,
                path_json,
                query_json,
                CallBody::Multipart(form.form.clone()),
            )
        }?;
        let out = util::out(response_json_out, "response_json_out")?;
        let text = run_call(&client, ep, &call, cancel)?;
        out.write(util::owned_string(&text));
        Ok(())
    })
}

// ================================================================================================
// Binary downloads
// ================================================================================================

/// The callback of `openai_client_download_each`: called for every piece of the body, in order,
/// on the calling thread. `data` is valid only during the call. Return `OPENAI_ITER_CONTINUE` to
/// go on, anything else to stop. It must not unwind (C++ exceptions, `longjmp`) out.
pub type openai_bytes_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, data: *const u8, len: usize) -> i32>;

fn open_download(
    client: &openai_core::Client,
    ep: &Endpoint,
    call: &Call,
    cancel: Option<&openai_core::blocking::CancellationToken>,
) -> FfiResult<openai_core::Download> {
    let opts = RequestOptions::default();
    let d = block_on_cancellable(client.download(ep, call, &opts), cancel)??;
    remember(d.status, &d.headers);
    Ok(d)
}

/// Runs an operation whose answer is bytes (`"downloadFile"`, `"createSpeech"`, ...) and writes
/// the body to `dest_path` as it arrives (never held whole in memory). The file is created or
/// truncated; on any error it is removed, so a partial download never passes for a whole one.
/// `path_json`, `query_json`, `body_json`, `cancel` and `bytes_out` may be NULL; on success
/// `*bytes_out` is the number of bytes written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_download_to_file(
    client: *const openai_client,
    operation_id: *const c_char,
    path_json: *const c_char,
    query_json: *const c_char,
    body_json: *const c_char,
    dest_path: *const c_char,
    cancel: *const openai_cancel_token,
    bytes_out: *mut u64,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, body, dest, cancel) = unsafe {
            (
                client_arg(client)?,
                opt_json(body_json, "body_json")?,
                str_arg(dest_path, "dest_path")?,
                cancel_arg(cancel),
            )
        };
        // SAFETY: as above.
        let (ep, call) = unsafe {
            operation(
                operation_id,
                path_json,
                query_json,
                body.map_or(CallBody::None, CallBody::Json),
            )
        }?;
        let d = open_download(&client, ep, &call, cancel.as_ref())?;
        let n = block_on_cancellable(d.write_to_file(dest), cancel.as_ref())??;
        // SAFETY: the C contract: NULL or writable storage for a uint64_t.
        if let Some(out) = unsafe { bytes_out.as_mut() } {
            *out = n;
        }
        Ok(())
    })
}

/// Runs an operation whose answer is bytes and hands every piece of the body to `callback` as it
/// arrives. Returns `OPENAI_STATUS_ABORTED_BY_CALLBACK` if the callback stopped it (the
/// connection is closed). `path_json`, `query_json`, `body_json`, `cancel`, `user_data` and
/// `bytes_out` may be NULL; on success `*bytes_out` is the byte count.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_download_each(
    client: *const openai_client,
    operation_id: *const c_char,
    path_json: *const c_char,
    query_json: *const c_char,
    body_json: *const c_char,
    cancel: *const openai_cancel_token,
    callback: openai_bytes_callback,
    user_data: *mut c_void,
    bytes_out: *mut u64,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, body, cancel) = unsafe {
            (
                client_arg(client)?,
                opt_json(body_json, "body_json")?,
                cancel_arg(cancel),
            )
        };
        let callback = callback.ok_or_else(|| FfiError::null("callback"))?;
        // SAFETY: as above.
        let (ep, call) = unsafe {
            operation(
                operation_id,
                path_json,
                query_json,
                body.map_or(CallBody::None, CallBody::Json),
            )
        }?;
        let mut d = open_download(&client, ep, &call, cancel.as_ref())?;
        loop {
            let Some(chunk) = block_on_cancellable(d.chunk(), cancel.as_ref())?? else {
                break;
            };
            // SAFETY: a C function pointer supplied by the caller, called with its own data.
            if unsafe { callback(user_data, chunk.as_ptr(), chunk.len()) } != OPENAI_ITER_CONTINUE {
                return Err(FfiError::Boundary(
                    openai_status::AbortedByCallback,
                    "the callback stopped the download".into(),
                ));
            }
        }
        // SAFETY: the C contract: NULL or writable storage for a uint64_t.
        if let Some(out) = unsafe { bytes_out.as_mut() } {
            *out = d.received();
        }
        Ok(())
    })
}

// ================================================================================================
// Pages
// ================================================================================================

/// A cursor over every page of a list operation (`"listFiles"`, `"listBatches"`,
/// `"listInputItems"`, ...): one request per page, on demand, following `after`/`has_more`.
/// Belongs to one thread at a time.
pub struct openai_pager {
    pager: openai_core::Pager,
}

/// Creates a cursor for a list operation; nothing is sent yet. `path_json` and `query_json`
/// (`{"limit": 100}`) may be NULL.
///
/// On success `*out` is owned by the caller: free it with `openai_pager_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_pages(
    client: *const openai_client,
    operation_id: *const c_char,
    path_json: *const c_char,
    query_json: *const c_char,
    out: *mut *mut openai_pager,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: as above.
        let (ep, call) = unsafe { operation(operation_id, path_json, query_json, CallBody::None) }?;
        let out = util::out(out, "out")?;
        let pager = client.pages(ep, call, &RequestOptions::default());
        out.write(into_handle(openai_pager { pager }));
        Ok(())
    })
}

/// Fetches the next page. On `OPENAI_STATUS_OK`, `*page_json_out` is the page as received
/// (`{"data": [...], "has_more": ...}`), owned by the caller (free it with
/// `openai_string_free`), or NULL after the last page. `cancel` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_pager_next(
    pager: *mut openai_pager,
    cancel: *const openai_cancel_token,
    page_json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let (p, cancel) = unsafe { (as_mut(pager, "pager")?, cancel_arg(cancel)) };
        let out = util::out(page_json_out, "page_json_out")?;
        match block_on_cancellable(p.pager.next_page(), cancel.as_ref())? {
            None => out.write(std::ptr::null_mut()),
            Some(r) => {
                let r = r?;
                remember(r.status, &r.headers);
                out.write(util::owned_string(&crate::endpoints::body_text(&r.raw)));
            }
        }
        Ok(())
    })
}

/// True before the first page and while more pages remain; false for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_pager_has_next(pager: *const openai_pager) -> bool {
    ffi_get(unsafe { pager.as_ref() }, false, |p| {
        Some(p.pager.has_next_page())
    })
}

/// Frees a cursor. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_pager_free(pager: *mut openai_pager) {
    // SAFETY: the C contract: NULL or a handle from openai_client_pages, freed once.
    unsafe { free_handle(pager) }
}

// ================================================================================================
// Typed helpers: files and batches
// ================================================================================================

/// Uploads the file at `path` (streamed from disk) with `purpose` (`"batch"`, `"assistants"`,
/// `"fine-tune"`, `"user_data"`, ...). `cancel` may be NULL.
///
/// On success `*file_json_out` is the file object (`{"id": "file-...", "bytes": ..., ...}`),
/// owned by the caller: free it with `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_files_upload(
    client: *const openai_client,
    path: *const c_char,
    purpose: *const c_char,
    cancel: *const openai_cancel_token,
    file_json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, path, purpose, cancel) = unsafe {
            (
                client_arg(client)?,
                str_arg(path, "path")?,
                str_arg(purpose, "purpose")?,
                cancel_arg(cancel),
            )
        };
        let out = util::out(file_json_out, "file_json_out")?;
        let form = Multipart::new()
            .text("purpose", purpose)
            .file("file", path, None, None)?;
        let call = Call::new().multipart(form);
        let text = run_call(&client, endpoints::get("createFile")?, &call, cancel)?;
        out.write(util::owned_string(&text));
        Ok(())
    })
}

/// Downloads the content of file `file_id` to `dest_path` (see
/// `openai_client_download_to_file`). `cancel` and `bytes_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_files_download(
    client: *const openai_client,
    file_id: *const c_char,
    dest_path: *const c_char,
    cancel: *const openai_cancel_token,
    bytes_out: *mut u64,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, id, dest, cancel) = unsafe {
            (
                client_arg(client)?,
                str_arg(file_id, "file_id")?,
                str_arg(dest_path, "dest_path")?,
                cancel_arg(cancel),
            )
        };
        let call = Call::new().path_param("file_id", id);
        let d = open_download(
            &client,
            endpoints::get("downloadFile")?,
            &call,
            cancel.as_ref(),
        )?;
        let n = block_on_cancellable(d.write_to_file(dest), cancel.as_ref())??;
        // SAFETY: the C contract: NULL or writable storage for a uint64_t.
        if let Some(out) = unsafe { bytes_out.as_mut() } {
            *out = n;
        }
        Ok(())
    })
}

/// Creates a batch over an uploaded JSONL file: `endpoint` is `"/v1/chat/completions"`,
/// `"/v1/responses"`, `"/v1/embeddings"` or `"/v1/completions"`; the completion window is 24 h.
/// `cancel` may be NULL.
///
/// On success `*batch_json_out` is the batch object, owned by the caller: free it with
/// `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_batches_create(
    client: *const openai_client,
    input_file_id: *const c_char,
    endpoint: *const c_char,
    cancel: *const openai_cancel_token,
    batch_json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, file_id, endpoint, cancel) = unsafe {
            (
                client_arg(client)?,
                str_arg(input_file_id, "input_file_id")?,
                str_arg(endpoint, "endpoint")?,
                cancel_arg(cancel),
            )
        };
        let out = util::out(batch_json_out, "batch_json_out")?;
        let body = serde_json::json!({"input_file_id": file_id, "endpoint": endpoint,
            "completion_window": "24h"});
        let call = Call::new().json(body);
        let text = run_call(&client, endpoints::get("createBatch")?, &call, cancel)?;
        out.write(util::owned_string(&text));
        Ok(())
    })
}

/// Retrieves a batch (poll it until `status` is `completed`, `failed`, `expired` or
/// `cancelled`). `cancel` may be NULL. On success `*batch_json_out` is the batch object, owned
/// by the caller: free it with `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_batches_retrieve(
    client: *const openai_client,
    batch_id: *const c_char,
    cancel: *const openai_cancel_token,
    batch_json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, id, cancel) = unsafe {
            (
                client_arg(client)?,
                str_arg(batch_id, "batch_id")?,
                cancel_arg(cancel),
            )
        };
        let out = util::out(batch_json_out, "batch_json_out")?;
        let call = Call::new().path_param("batch_id", id);
        let text = run_call(&client, endpoints::get("retrieveBatch")?, &call, cancel)?;
        out.write(util::owned_string(&text));
        Ok(())
    })
}
