//! The C API (`include/transom.h`): the `extern "C"` boundary and nothing else.
//!
//! Every function here is a thin shell around [`crate::App`]: it checks pointers (NULL) and
//! strings (UTF-8), runs the call inside a panic guard so that no panic crosses into C, records the
//! error message for `transom_last_error_message`, and writes `_out` parameters only on success.
//!
//! ## Thread safety
//! Every function may be called from any thread, concurrently, with the same `transom_app`. None
//! waits for the GUI thread except `transom_app_new` (the first one), `transom_event_next`,
//! `transom_app_shutdown`, `transom_app_free` and `transom_app_run_main`, as documented on each.
//! `transom_app_free` must not run while another thread still uses the same app.

#![allow(non_camel_case_types)]

mod app;
mod channel;
mod event;
mod message;
mod state;
mod webview;
mod window;

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, ErrorCode};

pub use app::*;
pub use channel::*;
pub use event::*;
pub use message::*;
pub use state::*;
pub use webview::*;
pub use window::*;

/// The result of a C API call: `TRANSOM_OK` (0) or one of the `TRANSOM_ERROR_*` codes. The numbers
/// are stable and never reused; `transom_result_name` gives the name and
/// `transom_last_error_message` the detail.
pub type transom_result = u32;

/// Success.
pub const TRANSOM_OK: transom_result = 0;
/// A required pointer argument was NULL.
pub const TRANSOM_ERROR_NULL_ARGUMENT: transom_result = 1;
/// A string argument was not valid UTF-8.
pub const TRANSOM_ERROR_INVALID_UTF8: transom_result = 2;
/// A JSON argument or payload was not valid JSON text (RFC 8259).
pub const TRANSOM_ERROR_INVALID_JSON: transom_result = 3;
/// Well-formed but wrong: unknown option, wrong type, missing field, bad value. The message names it.
pub const TRANSOM_ERROR_INVALID_ARGUMENT: transom_result = 4;
/// Unknown or closed id (window, webview, call, channel), or a state key never set.
pub const TRANSOM_ERROR_NOT_FOUND: transom_result = 5;
/// The app has been shut down.
pub const TRANSOM_ERROR_CLOSED: transom_result = 6;
/// A wait ran out of time (no event pending in `transom_event_next`).
pub const TRANSOM_ERROR_TIMEOUT: transom_result = 7;
/// A payload is larger than the app's `max_message_bytes`.
pub const TRANSOM_ERROR_TOO_LARGE: transom_result = 8;
/// Not supported on this platform or in this version.
pub const TRANSOM_ERROR_UNSUPPORTED: transom_result = 9;
/// The windowing system or webview engine failed (no display, engine error).
pub const TRANSOM_ERROR_PLATFORM: transom_result = 10;
/// A panic was caught inside transom; the call did not complete.
pub const TRANSOM_ERROR_PANIC: transom_result = 11;
/// A channel's receiver is behind: nothing was sent; send again after its `channel-ready` event.
pub const TRANSOM_ERROR_WOULD_BLOCK: transom_result = 12;
/// The call was cancelled by the side that made it (`invoke-result` of `transom_invoke_cancel`).
pub const TRANSOM_ERROR_CANCELLED: transom_result = 13;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(error: &Error) {
    let text = format!("{}: {}", error.code.name(), error.message);
    let text = CString::new(text.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = text);
}

/// Runs `f` so that no panic escapes, turning its outcome into a result code.
pub(crate) fn guard(f: impl FnOnce() -> Result<(), Error>) -> transom_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => TRANSOM_OK,
        Ok(Err(error)) => {
            set_last_error(&error);
            error.code as transom_result
        }
        Err(panic) => {
            let message = crate::gui::panic_message(&panic);
            set_last_error(&Error::new(ErrorCode::Panic, format!("internal error: {message}")));
            TRANSOM_ERROR_PANIC
        }
    }
}

/// Runs `f` without letting a panic escape; a panic gives `fallback`.
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Borrows a NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives the call.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::new(ErrorCode::NullArgument, format!("`{what}` is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|e| Error::new(ErrorCode::InvalidUtf8, format!("`{what}` is not UTF-8: {e}")))
}

/// Like [`str_arg`], NULL giving `None`.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn optional_str_arg<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: as the caller's contract.
        unsafe { str_arg(ptr, what) }.map(Some)
    }
}

/// Checks that an `_out` pointer is not NULL.
pub(crate) fn out_arg<T>(ptr: *mut T, what: &str) -> Result<(), Error> {
    if ptr.is_null() {
        Err(Error::new(ErrorCode::NullArgument, format!("`{what}` is NULL")))
    } else {
        Ok(())
    }
}

/// Borrows the app behind a handle.
///
/// # Safety
/// `app` is NULL or a live handle from `transom_app_new`.
pub(crate) unsafe fn app_arg<'a>(app: *const transom_app) -> Result<&'a crate::App, Error> {
    // SAFETY: per the caller's contract the pointer is NULL or valid.
    match unsafe { app.as_ref() } {
        Some(handle) => Ok(&handle.app),
        None => Err(Error::new(ErrorCode::NullArgument, "`app` is NULL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_constants_match_error_codes() {
        let constants = [
            (TRANSOM_OK, "TRANSOM_OK"),
            (TRANSOM_ERROR_NULL_ARGUMENT, "TRANSOM_ERROR_NULL_ARGUMENT"),
            (TRANSOM_ERROR_INVALID_UTF8, "TRANSOM_ERROR_INVALID_UTF8"),
            (TRANSOM_ERROR_INVALID_JSON, "TRANSOM_ERROR_INVALID_JSON"),
            (TRANSOM_ERROR_INVALID_ARGUMENT, "TRANSOM_ERROR_INVALID_ARGUMENT"),
            (TRANSOM_ERROR_NOT_FOUND, "TRANSOM_ERROR_NOT_FOUND"),
            (TRANSOM_ERROR_CLOSED, "TRANSOM_ERROR_CLOSED"),
            (TRANSOM_ERROR_TIMEOUT, "TRANSOM_ERROR_TIMEOUT"),
            (TRANSOM_ERROR_TOO_LARGE, "TRANSOM_ERROR_TOO_LARGE"),
            (TRANSOM_ERROR_UNSUPPORTED, "TRANSOM_ERROR_UNSUPPORTED"),
            (TRANSOM_ERROR_PLATFORM, "TRANSOM_ERROR_PLATFORM"),
            (TRANSOM_ERROR_PANIC, "TRANSOM_ERROR_PANIC"),
            (TRANSOM_ERROR_WOULD_BLOCK, "TRANSOM_ERROR_WOULD_BLOCK"),
            (TRANSOM_ERROR_CANCELLED, "TRANSOM_ERROR_CANCELLED"),
        ];
        assert_eq!(constants.len(), ErrorCode::ALL.len());
        for (value, name) in constants {
            assert_eq!(ErrorCode::from_u32(value).unwrap().name(), name);
        }
    }

    #[test]
    fn guard_catches_panics() {
        let code = guard(|| panic!("boom"));
        assert_eq!(code, TRANSOM_ERROR_PANIC);
        let message = LAST_ERROR.with(|m| m.borrow().to_str().unwrap().to_owned());
        assert!(message.contains("boom"), "{message}");
    }
}
