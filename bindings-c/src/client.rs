//! Client options, the client handle and cancel tokens.

use std::ffi::c_char;
use std::time::Duration;

use openai_core::blocking::CancellationToken;
use openai_core::{Client, ClientBuilder};

use crate::error::{FfiResult, ffi_guard, openai_status};
use crate::util::{self, as_mut, as_ref, free_handle, into_handle, str_arg};

/// Settings for `openai_client_new`. Anything not set falls back to the environment
/// (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`, proxy variables),
/// then to a `.env` file in the working directory, then to the official defaults.
///
/// Not thread-safe: do not use one options object from two threads at once. It can be freed as
/// soon as the clients built from it exist (they copy what they need).
pub struct openai_client_options {
    builder: ClientBuilder,
}

/// An OpenAI API client: configuration plus one connection pool.
///
/// Thread-safe: one client may be used by any number of threads at once (every call only reads
/// it), and sharing one client is the intended use (it shares connections). Free it once, after
/// every call using it has returned.
pub struct openai_client {
    pub(crate) client: Client,
}

/// A cancellation flag for blocking calls. `openai_cancel_token_cancel` may be called from any
/// thread and makes every call using the token return `OPENAI_STATUS_CANCELLED` promptly,
/// closing its connection. A token stays cancelled: use a new one for the next call.
///
/// Thread-safe, but not async-signal-safe: from a signal handler, wake a thread that cancels.
/// Calls copy what they need, so the token may be freed while a stream still holds it.
pub struct openai_cancel_token {
    pub(crate) token: CancellationToken,
}

/// The token of an optional `openai_cancel_token` argument, cloned so the call does not depend
/// on the handle staying alive.
///
/// # Safety
/// `p` is NULL or a live token.
pub(crate) unsafe fn cancel_arg(p: *const openai_cancel_token) -> Option<CancellationToken> {
    // SAFETY: per the contract above.
    unsafe { p.as_ref() }.map(|t| t.token.clone())
}

// ================================================================================================
// Options
// ================================================================================================

/// Creates an empty options object (everything from the environment).
///
/// On success `*out` is owned by the caller: free it with `openai_client_options_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_new(
    out: *mut *mut openai_client_options,
) -> openai_status {
    ffi_guard(|| {
        let out = util::out(out, "out")?;
        out.write(into_handle(openai_client_options {
            builder: ClientBuilder::new(),
        }));
        Ok(())
    })
}

/// Frees an options object. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_free(options: *mut openai_client_options) {
    // SAFETY: the C contract: NULL or a handle from openai_client_options_new, freed once.
    unsafe { free_handle(options) }
}

/// Applies one setting with a string value.
unsafe fn set_str(
    options: *mut openai_client_options,
    value: *const c_char,
    name: &str,
    apply: impl FnOnce(ClientBuilder, &str) -> ClientBuilder,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract of the exports below.
        let o = unsafe { as_mut(options, "options") }?;
        // SAFETY: as above.
        let v = unsafe { str_arg(value, name) }?;
        o.builder = apply(std::mem::take(&mut o.builder), v);
        Ok(())
    })
}

/// Applies one setting with a number.
unsafe fn set_num(
    options: *mut openai_client_options,
    apply: impl FnOnce(ClientBuilder) -> FfiResult<ClientBuilder>,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract of the exports below.
        let o = unsafe { as_mut(options, "options") }?;
        o.builder = apply(std::mem::take(&mut o.builder))?;
        Ok(())
    })
}

fn millis(ms: u64) -> FfiResult<Duration> {
    if ms == 0 {
        Err(crate::error::FfiError::invalid(
            "a timeout must be greater than 0 ms",
        ))
    } else {
        Ok(Duration::from_millis(ms))
    }
}

/// Sets the API key (else `OPENAI_API_KEY`, else `.env`). `key` is borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_api_key(
    options: *mut openai_client_options,
    key: *const c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_str(options, key, "key", |b, v| b.api_key(v)) }
}

/// Sets the base URL, e.g. `"http://127.0.0.1:8080/v1"` (else `OPENAI_BASE_URL`, else
/// `https://api.openai.com/v1`). Checked by `openai_client_new`. Borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_base_url(
    options: *mut openai_client_options,
    url: *const c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_str(options, url, "url", |b, v| b.base_url(v)) }
}

/// Sets the `OpenAI-Organization` header (else `OPENAI_ORG_ID`). Borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_organization(
    options: *mut openai_client_options,
    organization: *const c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        set_str(options, organization, "organization", |b, v| {
            b.organization(v)
        })
    }
}

/// Sets the `OpenAI-Project` header (else `OPENAI_PROJECT_ID`). Borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_project(
    options: *mut openai_client_options,
    project: *const c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_str(options, project, "project", |b, v| b.project(v)) }
}

/// Sends every request through this proxy (`http://`, `https://`, `socks5://`, `socks5h://`,
/// credentials allowed in the URL); else `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY`.
/// Borrowed and copied; checked by `openai_client_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_proxy(
    options: *mut openai_client_options,
    proxy_url: *const c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_str(options, proxy_url, "proxy_url", |b, v| b.proxy(v)) }
}

/// Trusts the CA certificates of a PEM file in addition to the system store. Borrowed and
/// copied; the file is read by `openai_client_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_ca_file(
    options: *mut openai_client_options,
    pem_path: *const c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_str(options, pem_path, "pem_path", |b, v| b.ca_file(v)) }
}

/// Adds a header sent with every request (e.g. for a gateway). Both strings are borrowed and
/// copied; they are checked by `openai_client_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_add_header(
    options: *mut openai_client_options,
    name: *const c_char,
    value: *const c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        let o = unsafe { as_mut(options, "options") }?;
        // SAFETY: as above.
        let (n, v) = unsafe { (str_arg(name, "name")?, str_arg(value, "value")?) };
        o.builder = std::mem::take(&mut o.builder).default_header(n, v);
        Ok(())
    })
}

/// Sets the connect timeout in milliseconds (default 5000). 0 is refused with
/// `OPENAI_STATUS_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_connect_timeout_ms(
    options: *mut openai_client_options,
    ms: u64,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_num(options, |b| Ok(b.connect_timeout(millis(ms)?))) }
}

/// Sets the per-attempt timeout in milliseconds: until the whole response of a normal call, or
/// until the headers of a stream (default 600000). 0 is refused.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_request_timeout_ms(
    options: *mut openai_client_options,
    ms: u64,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_num(options, |b| Ok(b.request_timeout(millis(ms)?))) }
}

/// Sets the longest silence allowed between two bytes of a stream, in milliseconds (default
/// 600000). 0 is refused.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_stream_idle_timeout_ms(
    options: *mut openai_client_options,
    ms: u64,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_num(options, |b| Ok(b.stream_idle_timeout(millis(ms)?))) }
}

/// Sets a deadline over all attempts and backoff of a call, in milliseconds (default: none).
/// 0 is refused.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_total_timeout_ms(
    options: *mut openai_client_options,
    ms: u64,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_num(options, |b| Ok(b.total_timeout(millis(ms)?))) }
}

/// Sets how many times a failed request is retried (default 2; 0 disables retries). Retries
/// apply to connection errors, timeouts, 408, 409, 429 and 5xx, with exponential backoff and
/// `Retry-After`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_max_retries(
    options: *mut openai_client_options,
    max_retries: u32,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_num(options, |b| Ok(b.max_retries(max_retries))) }
}

/// Makes this an Azure OpenAI client for the resource at `url`, e.g.
/// `"https://example.openai.azure.com"` (else `AZURE_OPENAI_ENDPOINT`). An Azure client takes its
/// key from `AZURE_OPENAI_API_KEY` and sends it as `api-key`, adds `api-version` to every
/// request, and sends the deployment endpoints (chat, completions, embeddings, audio, images)
/// to `/openai/deployments/{deployment or the body's model}/...`. Excludes a base URL.
/// Borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_azure_endpoint(
    options: *mut openai_client_options,
    url: *const c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_str(options, url, "url", |b, v| b.azure_endpoint(v)) }
}

/// Sends the deployment endpoints to this Azure deployment instead of the body's model.
/// Borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_azure_deployment(
    options: *mut openai_client_options,
    deployment: *const c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe {
        set_str(options, deployment, "deployment", |b, v| {
            b.azure_deployment(v)
        })
    }
}

/// Sets Azure's `api-version` (else `OPENAI_API_VERSION`; an Azure client without one fails
/// with `OPENAI_STATUS_CONFIG`). Borrowed and copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_azure_api_version(
    options: *mut openai_client_options,
    api_version: *const c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_str(options, api_version, "api_version", |b, v| b.api_version(v)) }
}

/// Authenticates an Azure client with a Microsoft Entra (AD) token, sent as
/// `Authorization: Bearer` (else `AZURE_OPENAI_AD_TOKEN`). Excludes an API key. Borrowed and
/// copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_azure_ad_token(
    options: *mut openai_client_options,
    token: *const c_char,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_str(options, token, "token", |b, v| b.azure_ad_token(v)) }
}

/// Makes an Azure client that gets its Entra token from `openai_client_set_credential`, called
/// before the first request and again whenever the token is renewed (the C form of the
/// official `azure_ad_token_provider`). A request made before the first token fails with
/// `OPENAI_STATUS_CONFIG`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_options_set_azure_ad_token_per_request(
    options: *mut openai_client_options,
) -> openai_status {
    // SAFETY: forwarded C contract.
    unsafe { set_num(options, |b| Ok(b.azure_ad_token_per_request())) }
}

// ================================================================================================
// Client
// ================================================================================================

/// Creates a client. `options` may be NULL (everything from the environment and `.env`); it is
/// only read, and may be freed right after. No network I/O happens here.
///
/// Fails with `OPENAI_STATUS_CONFIG` when no API key is found or a URL, proxy or CA file is
/// invalid. On success `*out` is owned by the caller: free it with `openai_client_free`.
///
/// Threads and signals: the first call that does I/O starts the library's threads (named
/// `openai-rs`); they start with `SIGPIPE` blocked, so a server closing a connection during an
/// upload yields a status, never a signal, and the library installs no signal handler.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_new(
    options: *const openai_client_options,
    out: *mut *mut openai_client,
) -> openai_status {
    ffi_guard(|| {
        let out = util::out(out, "out")?;
        // SAFETY: the C contract: NULL or a live options object.
        let builder =
            unsafe { options.as_ref() }.map_or_else(ClientBuilder::new, |o| o.builder.clone());
        let client = builder.build()?;
        out.write(into_handle(openai_client { client }));
        Ok(())
    })
}

/// Frees a client; in-flight calls on other threads must have returned. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_free(client: *mut openai_client) {
    // SAFETY: the C contract: NULL or a handle from openai_client_new, freed once.
    unsafe { free_handle(client) }
}

/// Replaces the credential `client` sends from now on: a renewed Entra token for an Azure
/// client made with `openai_client_options_set_azure_ad_token_per_request`, or a rotated key
/// for any client. Safe to call from any thread while other threads make calls; a call already
/// sent keeps the credential it was sent with. `token` is borrowed and copied; errors are
/// scrubbed of it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_client_set_credential(
    client: *const openai_client,
    token: *const c_char,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract: a live client and a NUL-terminated string.
        let (c, t) = unsafe { (as_ref(client, "client")?, str_arg(token, "token")?) };
        c.client.set_credential(t)?;
        Ok(())
    })
}

/// The client of a `const openai_client *` argument, cloned (a reference count) so that the
/// call keeps working even if a callback frees the handle.
///
/// # Safety
/// `p` is NULL or a live client.
pub(crate) unsafe fn client_arg(p: *const openai_client) -> FfiResult<Client> {
    // SAFETY: per the contract above.
    unsafe { as_ref(p, "client") }.map(|c| c.client.clone())
}

// ================================================================================================
// Cancel token
// ================================================================================================

/// Creates a cancel token. On success `*out` is owned by the caller: free it with
/// `openai_cancel_token_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_cancel_token_new(
    out: *mut *mut openai_cancel_token,
) -> openai_status {
    ffi_guard(|| {
        let out = util::out(out, "out")?;
        out.write(into_handle(openai_cancel_token {
            token: CancellationToken::new(),
        }));
        Ok(())
    })
}

/// Cancels every call using this token, now and later. Safe to call from any thread, any number
/// of times (not from a signal handler).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_cancel_token_cancel(
    token: *const openai_cancel_token,
) -> openai_status {
    ffi_guard(|| {
        // SAFETY: the C contract.
        unsafe { as_ref(token, "token") }?.token.cancel();
        Ok(())
    })
}

/// Whether the token was cancelled; false for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_cancel_token_is_cancelled(
    token: *const openai_cancel_token,
) -> bool {
    // SAFETY: the C contract: NULL or a live token.
    let token = unsafe { token.as_ref() };
    crate::error::ffi_getter(false, || token.map(|t| t.token.is_cancelled()))
}

/// Frees a cancel token (calls still running with it keep their own reference). NULL is a
/// no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_cancel_token_free(token: *mut openai_cancel_token) {
    // SAFETY: the C contract: NULL or a handle from openai_cancel_token_new, freed once.
    unsafe { free_handle(token) }
}
