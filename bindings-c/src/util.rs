//! Argument checking and conversions shared by the exports: NULL checks, borrowed UTF-8 strings,
//! handles, owned strings out.

use std::ffi::{CStr, CString, c_char};

use crate::error::{FfiError, FfiResult, openai_status};

/// A `&T` from a handle pointer, or `NULL_ARGUMENT` naming the parameter.
///
/// # Safety
/// `p` is NULL or points at a live `T` for the duration of the call (the C contract).
pub(crate) unsafe fn as_ref<'a, T>(p: *const T, name: &str) -> FfiResult<&'a T> {
    // SAFETY: per the contract above.
    unsafe { p.as_ref() }.ok_or_else(|| FfiError::null(name))
}

/// A `&mut T` from a handle pointer, or `NULL_ARGUMENT`.
///
/// # Safety
/// `p` is NULL or points at a live `T` that no other thread uses during the call.
pub(crate) unsafe fn as_mut<'a, T>(p: *mut T, name: &str) -> FfiResult<&'a mut T> {
    // SAFETY: per the contract above.
    unsafe { p.as_mut() }.ok_or_else(|| FfiError::null(name))
}

/// Checks an out-parameter up front, so a NULL is refused before any work is done.
pub(crate) fn out<T>(p: *mut T, name: &str) -> FfiResult<OutPtr<T>> {
    if p.is_null() {
        Err(FfiError::null(name))
    } else {
        Ok(OutPtr(p))
    }
}

/// A checked, non-NULL out-parameter. Written once, at the very end of a successful call.
pub(crate) struct OutPtr<T>(*mut T);

impl<T> OutPtr<T> {
    pub(crate) fn write(self, value: T) {
        // SAFETY: checked non-NULL in `out`; the caller provides writable storage (C contract).
        unsafe { self.0.write(value) }
    }
}

/// A borrowed `&str` from a NUL-terminated UTF-8 string: `NULL_ARGUMENT` or `INVALID_UTF8`.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the duration of the call.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> FfiResult<&'a str> {
    if p.is_null() {
        return Err(FfiError::null(name));
    }
    // SAFETY: per the contract above.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        FfiError::Boundary(
            openai_status::InvalidUtf8,
            format!(
                "argument `{name}` is not valid UTF-8 (bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Parses a JSON argument.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn json_arg(p: *const c_char, name: &str) -> FfiResult<serde_json::Value> {
    // SAFETY: per the contract above.
    let text = unsafe { str_arg(p, name) }?;
    serde_json::from_str(text)
        .map_err(|e| FfiError::invalid(format!("argument `{name}` is not valid JSON: {e}")))
}

/// A C string for text that may contain NUL: the text up to the first NUL.
pub(crate) fn c_string(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|e| {
        let pos = e.nul_position();
        let mut bytes = e.into_vec();
        bytes.truncate(pos);
        CString::new(bytes).unwrap_or_default()
    })
}

/// An owned string for a `char **` out-parameter; freed by `openai_string_free`.
pub(crate) fn owned_string(s: &str) -> *mut c_char {
    c_string(s).into_raw()
}

/// Frees a string made by [`owned_string`]; NULL is a no-op.
///
/// # Safety
/// `s` is NULL or came from `owned_string` and was not freed yet.
pub(crate) unsafe fn free_c_string(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: per the contract above.
        drop(unsafe { CString::from_raw(s) });
    }
}

/// The borrowed pointer of an optional C string (NULL when absent).
pub(crate) fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// A boxed handle for a `**out` parameter.
pub(crate) fn into_handle<T>(v: T) -> *mut T {
    Box::into_raw(Box::new(v))
}

/// Frees a handle made by [`into_handle`]; NULL is a no-op. A panic while dropping (a bug) is
/// contained: the free functions return nothing, so it cannot be reported, only stopped.
///
/// # Safety
/// `p` is NULL or came from `into_handle::<T>` and was not freed yet.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: per the contract above.
        let owned = unsafe { Box::from_raw(p) };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(owned)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_string_stops_at_nul() {
        assert_eq!(c_string("ab\0cd").as_bytes(), b"ab");
        assert_eq!(c_string("héllo").as_bytes(), "héllo".as_bytes());
    }

    #[test]
    fn str_arg_checks_null_and_utf8() {
        // SAFETY: static strings.
        unsafe {
            assert!(matches!(
                str_arg(std::ptr::null(), "x"),
                Err(FfiError::Boundary(openai_status::NullArgument, _))
            ));
            for bad in [&b"\xff\xfe\0"[..], b"\xc0\xaf\0", b"\xed\xa0\x80\0"] {
                assert!(matches!(
                    str_arg(bad.as_ptr().cast(), "x"),
                    Err(FfiError::Boundary(openai_status::InvalidUtf8, _))
                ));
            }
            assert_eq!(str_arg(c"ok".as_ptr(), "x").ok(), Some("ok"));
        }
    }

    #[test]
    fn out_ptr_is_written_only_when_asked() {
        let mut slot = 7u32;
        assert!(out(std::ptr::null_mut::<u32>(), "o").is_err());
        let o = out(&mut slot as *mut u32, "o").ok().unwrap();
        assert_eq!(slot, 7);
        o.write(9);
        assert_eq!(slot, 9);
    }
}
