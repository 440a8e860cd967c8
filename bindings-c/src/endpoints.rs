//! Images, embeddings, models and the generic JSON request.

use std::ffi::{CString, c_char};

use openai_core::blocking::block_on_cancellable;
use openai_core::{
    EmbeddingRequest, ImageGenerationRequest, ImagesResponse, Method, RequestOptions, Response,
};

use crate::client::{cancel_arg, client_arg, openai_cancel_token, openai_client};
use crate::error::{FfiError, FfiResult, ffi_get, ffi_guard, openai_status};
use crate::util::{self, c_string, free_handle, into_handle, json_arg, opt_ptr, str_arg};

/// The response of `openai_client_images_generate`: the images (URL or base64 PNG each).
///
/// Immutable; every string it returns is borrowed from it, valid until
/// `openai_images_response_free`.
pub struct openai_images_response {
    urls: Vec<Option<CString>>,
    b64: Vec<Option<CString>>,
    revised: Vec<Option<CString>>,
    raw: CString,
}

impl openai_images_response {
    fn new(r: &Response<ImagesResponse>) -> Self {
        let col = |f: fn(&openai_core::types::Image) -> Option<&String>| {
            r.data
                .data
                .iter()
                .map(|i| f(i).map(|s| c_string(s)))
                .collect()
        };
        openai_images_response {
            urls: col(|i| i.url.as_ref()),
            b64: col(|i| i.b64_json.as_ref()),
            revised: col(|i| i.revised_prompt.as_ref()),
            raw: c_string(&String::from_utf8_lossy(&r.raw)),
        }
    }
}

/// The body of a JSON response for a `char **` out-parameter: the bytes as received, or `null`
/// for an empty body.
pub(crate) fn body_text(raw: &[u8]) -> String {
    if raw.iter().all(u8::is_ascii_whitespace) {
        "null".to_owned()
    } else {
        String::from_utf8_lossy(raw).into_owned()
    }
}

fn parse<T: serde::de::DeserializeOwned>(value: serde_json::Value, what: &str) -> FfiResult<T> {
    serde_json::from_value(value).map_err(|e| FfiError::invalid(format!("invalid {what}: {e}")))
}

/// Generates images. `request_json` is the documented request body, e.g.
/// `{"model": "dall-e-3", "prompt": "a lighthouse at dusk", "size": "1024x1024"}` (add
/// `"response_format": "b64_json"` for inline PNGs). `cancel` may be NULL.
///
/// On success `*out` is owned by the caller: free it with `openai_images_response_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_images_generate(
    client: *const openai_client,
    request_json: *const c_char,
    cancel: *const openai_cancel_token,
    out: *mut *mut openai_images_response,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, body, cancel) = unsafe {
            (
                client_arg(client)?,
                json_arg(request_json, "request_json")?,
                cancel_arg(cancel),
            )
        };
        let out = util::out(out, "out")?;
        let req: ImageGenerationRequest = parse(body, "image generation request")?;
        let opts = RequestOptions::default();
        let resp = block_on_cancellable(client.images_generate(&req, &opts), cancel.as_ref())??;
        out.write(into_handle(openai_images_response::new(&resp)));
        Ok(())
    })
}

/// Frees an images response. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_images_response_free(response: *mut openai_images_response) {
    // SAFETY: the C contract: NULL or a handle from openai_client_images_generate, freed once.
    unsafe { free_handle(response) }
}

/// The number of images; 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_images_response_count(
    response: *const openai_images_response,
) -> usize {
    ffi_get(unsafe { response.as_ref() }, 0, |r| Some(r.urls.len()))
}

/// The URL of image `index` (expires after an hour); NULL if it came as base64 or does not
/// exist. Borrowed from `response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_images_response_url(
    response: *const openai_images_response,
    index: usize,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        r.urls.get(index).map(opt_ptr)
    })
}

/// The base64-encoded PNG of image `index`; NULL if it came as a URL or does not exist.
/// Borrowed from `response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_images_response_b64_json(
    response: *const openai_images_response,
    index: usize,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        r.b64.get(index).map(opt_ptr)
    })
}

/// The prompt the model actually used for image `index` (dall-e-3); NULL if none. Borrowed from
/// `response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_images_response_revised_prompt(
    response: *const openai_images_response,
    index: usize,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        r.revised.get(index).map(opt_ptr)
    })
}

/// The response body as received. Borrowed from `response`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_images_response_raw_json(
    response: *const openai_images_response,
) -> *const c_char {
    ffi_get(unsafe { response.as_ref() }, std::ptr::null(), |r| {
        Some(r.raw.as_ptr())
    })
}

/// Creates embeddings. `request_json` is the documented body, e.g.
/// `{"model": "text-embedding-3-small", "input": "hello"}` (`input` may also be a list).
/// `cancel` may be NULL.
///
/// On success `*response_json_out` is the response body (`data[i].embedding` are the vectors),
/// owned by the caller: free it with `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_embeddings(
    client: *const openai_client,
    request_json: *const c_char,
    cancel: *const openai_cancel_token,
    response_json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, body, cancel) = unsafe {
            (
                client_arg(client)?,
                json_arg(request_json, "request_json")?,
                cancel_arg(cancel),
            )
        };
        let out = util::out(response_json_out, "response_json_out")?;
        let req: EmbeddingRequest = parse(body, "embedding request")?;
        let opts = RequestOptions::default();
        let resp = block_on_cancellable(client.embeddings(&req, &opts), cancel.as_ref())??;
        out.write(util::owned_string(&body_text(&resp.raw)));
        Ok(())
    })
}

/// Lists the models available to the key (`GET /models`). `cancel` may be NULL.
///
/// On success `*response_json_out` is the response body (`{"object": "list", "data": [...]}`),
/// owned by the caller: free it with `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_models_list(
    client: *const openai_client,
    cancel: *const openai_cancel_token,
    response_json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, cancel) = unsafe { (client_arg(client)?, cancel_arg(cancel)) };
        let out = util::out(response_json_out, "response_json_out")?;
        let opts = RequestOptions::default();
        let resp = block_on_cancellable(client.models_list(&opts), cancel.as_ref())??;
        out.write(util::owned_string(&body_text(&resp.raw)));
        Ok(())
    })
}

/// Retrieves one model (`GET /models/{model_id}`); an unknown id gives
/// `OPENAI_STATUS_NOT_FOUND`. `model_id` is borrowed; `cancel` may be NULL.
///
/// On success `*response_json_out` is the response body, owned by the caller: free it with
/// `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_models_retrieve(
    client: *const openai_client,
    model_id: *const c_char,
    cancel: *const openai_cancel_token,
    response_json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, id, cancel) = unsafe {
            (
                client_arg(client)?,
                str_arg(model_id, "model_id")?,
                cancel_arg(cancel),
            )
        };
        let out = util::out(response_json_out, "response_json_out")?;
        let opts = RequestOptions::default();
        let resp = block_on_cancellable(client.models_retrieve(id, &opts), cancel.as_ref())??;
        out.write(util::owned_string(&body_text(&resp.raw)));
        Ok(())
    })
}

/// Calls any endpoint: `method` (`"GET"`, `"POST"`, `"DELETE"`, ...) on `path`, relative to the
/// base URL (e.g. `"chat/completions"`, `"models"`), with an optional JSON body (`body_json` may
/// be NULL). Retries, timeouts, headers and errors work as for the typed calls. `cancel` may be
/// NULL.
///
/// On success `*response_json_out` is the response body as received (`"null"` for an empty
/// body), owned by the caller: free it with `openai_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_request_json(
    client: *const openai_client,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    cancel: *const openai_cancel_token,
    response_json_out: *mut *mut c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract for every pointer argument.
        let (client, method, path, cancel) = unsafe {
            (
                client_arg(client)?,
                str_arg(method, "method")?,
                str_arg(path, "path")?,
                cancel_arg(cancel),
            )
        };
        let body = if body_json.is_null() {
            None
        } else {
            // SAFETY: as above.
            Some(unsafe { json_arg(body_json, "body_json") }?)
        };
        let out = util::out(response_json_out, "response_json_out")?;
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| FfiError::invalid(format!("invalid HTTP method {method:?}")))?;
        let opts = RequestOptions::default();
        let resp = block_on_cancellable(
            client.request_json(method, path, body, &opts),
            cancel.as_ref(),
        )??;
        out.write(util::owned_string(&body_text(&resp.raw)));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_json_is_invalid_argument_before_any_io() {
        let mut out = 0x55usize as *mut c_char;
        // SAFETY: a NULL client is checked first; the strings are valid.
        let st = unsafe {
            openai_client_embeddings(std::ptr::null(), c"{}".as_ptr(), std::ptr::null(), &mut out)
        };
        assert_eq!(st, openai_status::NullArgument);
        assert_eq!(out as usize, 0x55);
    }
}
