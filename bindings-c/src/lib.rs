//! `libopenai`: the C ABI of openai-rs. The header `include/openai.h` is generated from this
//! crate by cbindgen (see `build.rs`); the doc comments here are the API documentation.
//!
//! # API conventions (also in `bindings-c/README.md`)
//!
//! 1. Everything is prefixed `openai_` / `OPENAI_`. Objects are opaque handles created by
//!    `openai_<noun>_new(..., openai_<noun> **out)` (or a call that returns one) and destroyed by
//!    `openai_<noun>_free`; `_free(NULL)` is a no-op. Free each handle exactly once.
//! 2. Every fallible function returns an `openai_status`; `OPENAI_STATUS_OK` (0) is success.
//!    Details of a failure (message, HTTP status, API error type/code/param, request id, body)
//!    are kept per thread and read with `openai_last_error_*`; they stay valid until the next
//!    fallible call on the same thread, which clears them first.
//! 3. Out-parameters are written only on success; on failure they are left untouched.
//! 4. Strings passed in are NUL-terminated UTF-8, borrowed for the duration of the call (the
//!    library copies what it keeps). NULL where not documented as allowed gives
//!    `OPENAI_STATUS_NULL_ARGUMENT`; invalid UTF-8 gives `OPENAI_STATUS_INVALID_UTF8`.
//! 5. `const char *` results of accessors are borrowed from their handle and valid until it is
//!    freed (stream deltas: until the next `openai_chat_stream_next`). `char **` results are owned
//!    by the caller and freed with `openai_string_free`, never `free()`.
//! 6. Enumerations are passed in as `uint32_t` and validated (`OPENAI_STATUS_INVALID_ARGUMENT`).
//! 7. Threads: `openai_client`, `openai_cancel_token`, `openai_conversation` and `openai_queue`
//!    may be shared by any number of threads; every other handle belongs to one thread at a time.
//!    Every call blocks the calling thread (work happens on a small shared I/O runtime, started on
//!    first use and re-created in a forked child), except the `openai_queue_*` calls: they submit
//!    and collect without blocking, for event loops (only `openai_queue_wait` waits).
//! 8. Callbacks run on the calling thread, get `user_data` first, and must not unwind (C++
//!    exceptions, `longjmp`) through the library.
//! 9. No panic crosses the boundary: it becomes `OPENAI_STATUS_PANIC` and the process goes on.
//!
//! # Safety
//!
//! Every export is `unsafe extern "C"` with one contract, stated once here instead of on each
//! function: each pointer argument is NULL or valid for its type as described above (a live
//! handle from this library, a NUL-terminated string, writable storage for an out-parameter),
//! and a handle that is not thread-safe is not used by two threads at once.
#![warn(missing_docs)]
#![allow(non_camel_case_types, clippy::missing_safety_doc)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

// Declaration order is the order of the header; keep the groups separated.
mod error;

mod client;

mod chat;

mod stream;

mod conversation;

mod endpoints;

mod responses;

mod generic;

mod bulk;

mod queue;

#[cfg(feature = "ffi-test-hooks")]
mod test_hooks;
mod util;

use std::ffi::c_char;

pub use bulk::*;
pub use chat::*;
pub use client::*;
pub use conversation::*;
pub use endpoints::*;
pub use error::*;
pub use generic::*;
pub use queue::*;
pub use responses::*;
pub use stream::*;
#[cfg(feature = "ffi-test-hooks")]
pub use test_hooks::*;

/// The library version, e.g. `"0.1.0"` (the same as `OPENAI_VERSION_STRING` of the header it was
/// built with). Static; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn openai_version() -> *const c_char {
    const V: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
    ) {
        Ok(v) => v,
        Err(_) => c"",
    };
    V.as_ptr()
}

/// Frees a string returned through a `char **` out-parameter. NULL is a no-op. Never pass a
/// borrowed `const char *` (from an accessor) or a string not made by this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn openai_string_free(s: *mut c_char) {
    // SAFETY: the C contract: `s` is NULL or came from CString::into_raw here, freed once.
    unsafe { util::free_c_string(s) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_matches_the_crate_and_the_header() {
        // SAFETY: static string.
        let v = unsafe { std::ffi::CStr::from_ptr(openai_version()) };
        assert_eq!(v.to_str().unwrap(), openai_core::VERSION);
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        let header = include_str!("../include/openai.h");
        for (name, value) in [
            ("OPENAI_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
            ("OPENAI_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
            ("OPENAI_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
        ] {
            assert!(
                header.contains(&format!("#define {name} {value}\n")),
                "{name} in include/openai.h is not {value}: regenerate the header"
            );
        }
    }

    #[test]
    fn string_free_accepts_null() {
        // SAFETY: NULL is documented as a no-op.
        unsafe { openai_string_free(std::ptr::null_mut()) };
        let s = util::owned_string("x");
        // SAFETY: made by owned_string.
        unsafe { openai_string_free(s) };
    }
}
