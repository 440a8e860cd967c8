//! Test-only exports (feature `ffi-test-hooks`) that inject panics, so the C tests can check
//! that no panic crosses the boundary. Left out of `openai.h`; the tests declare them.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{ffi_guard, openai_status};

static CALLBACK_PANIC: AtomicBool = AtomicBool::new(false);

pub(crate) fn callback_panic() -> bool {
    CALLBACK_PANIC.load(Ordering::Relaxed)
}

/// Panics inside the guard; must return `OPENAI_STATUS_PANIC`.
#[unsafe(no_mangle)]
pub extern "C" fn openai__test_panic() -> openai_status {
    ffi_guard(|| panic!("test hook: deliberate panic"))
}

/// While enabled, the callback trampoline of `openai_client_chat_stream_each` panics before
/// calling the callback.
#[unsafe(no_mangle)]
pub extern "C" fn openai__test_set_callback_panic(enabled: bool) {
    CALLBACK_PANIC.store(enabled, Ordering::Relaxed);
}
