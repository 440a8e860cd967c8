//! The C library's JSON entry points on arbitrary bytes, as a C caller would pass them
//! (NUL-terminated, any encoding): `openai_chat_request_from_json` and
//! `openai_conversation_from_json` return a status and never crash (run under ASan by cargo
//! fuzz); what they accept writes back out with `_to_json` and reads in again.
#![no_main]

use std::ffi::{CString, c_char, c_void};

use libfuzzer_sys::fuzz_target;
// Linked for its exported symbols, declared below as a C program sees them.
use openai as _;

type Status = u32;
const OK: Status = 0;

unsafe extern "C" {
    fn openai_chat_request_from_json(json: *const c_char, out: *mut *mut c_void) -> Status;
    fn openai_chat_request_to_json(request: *const c_void, out: *mut *mut c_char) -> Status;
    fn openai_chat_request_free(request: *mut c_void);
    fn openai_conversation_from_json(json: *const c_char, out: *mut *mut c_void) -> Status;
    fn openai_conversation_to_json(conversation: *const c_void, out: *mut *mut c_char) -> Status;
    fn openai_conversation_free(conversation: *mut c_void);
    fn openai_string_free(s: *mut c_char);
}

type FromJson = unsafe extern "C" fn(*const c_char, *mut *mut c_void) -> Status;
type ToJson = unsafe extern "C" fn(*const c_void, *mut *mut c_char) -> Status;
type Free = unsafe extern "C" fn(*mut c_void);

/// from_json; if accepted, to_json and from_json again must succeed.
fn check(input: &CString, from: FromJson, to: ToJson, free: Free) {
    let mut obj = std::ptr::null_mut();
    // SAFETY: a valid NUL-terminated string and a valid out-pointer.
    if unsafe { from(input.as_ptr(), &mut obj) } != OK {
        assert!(obj.is_null(), "out-param written on failure");
        return;
    }
    let mut json = std::ptr::null_mut();
    // SAFETY: `obj` came from `from` and is freed once below.
    let st = unsafe { to(obj, &mut json) };
    assert_eq!(st, OK, "an accepted object writes out");
    let mut again = std::ptr::null_mut();
    // SAFETY: `json` is the library's NUL-terminated string.
    assert_eq!(
        unsafe { from(json, &mut again) },
        OK,
        "what was written reads in"
    );
    // SAFETY: each pointer is owned here and freed once.
    unsafe {
        free(again);
        openai_string_free(json);
        free(obj);
    }
}

fuzz_target!(|data: &[u8]| {
    let bytes: Vec<u8> = data.iter().copied().filter(|b| *b != 0).collect();
    let input = CString::new(bytes).expect("NULs removed");
    check(
        &input,
        openai_chat_request_from_json,
        openai_chat_request_to_json,
        openai_chat_request_free,
    );
    check(
        &input,
        openai_conversation_from_json,
        openai_conversation_to_json,
        openai_conversation_free,
    );
});
