//! C API: shared state.

use std::ffi::{c_char, CString};

use super::{app_arg, guard, out_arg, str_arg, transom_app, transom_result};

/// Sets the shared state `key` (UTF-8, 1 to 256 bytes) to `value_json` (UTF-8 JSON text). Every
/// webview of the app sees it (`host.state[key]`, `host.watchState(key, fn)`), pages loaded later
/// see it before their scripts run, and a `state-changed` event follows. Concurrent writes from
/// the program and pages are ordered by a version the library gives each write: every webview ends
/// on the value of the highest version.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_INVALID_JSON`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT` (key), `TRANSOM_ERROR_TOO_LARGE`, `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `key` and `value_json` are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_state_set(app: *mut transom_app, key: *const c_char, value_json: *const c_char) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let key = unsafe { str_arg(key, "key") }?;
        // SAFETY: per this function's contract.
        let value = unsafe { str_arg(value_json, "value_json") }?;
        app.set_state(key, value).map(|_| ())
    })
}

/// Reads the shared state `key`. On success writes its value (UTF-8 JSON text) to
/// `*value_json_out`; the caller owns it and frees it with `transom_string_free`.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_NOT_FOUND`
/// (never set), `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `key` is NULL or NUL-terminated; `value_json_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn transom_state_get(
    app: *mut transom_app,
    key: *const c_char,
    value_json_out: *mut *mut c_char,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let key = unsafe { str_arg(key, "key") }?;
        out_arg(value_json_out, "value_json_out")?;
        let value = CString::new(app.state(key)?).unwrap_or_default();
        // SAFETY: checked non-NULL; writable per contract.
        unsafe { *value_json_out = value.into_raw() };
        Ok(())
    })
}
