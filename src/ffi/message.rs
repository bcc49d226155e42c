//! C API: messages and calls between the program and its pages.

use std::ffi::c_char;

use super::{app_arg, guard, out_arg, str_arg, transom_app, transom_result};

/// Sends `payload_json` (UTF-8 JSON text, at most `max_message_bytes`) on `channel` (UTF-8, 1 to
/// 256 bytes) to the page of `webview`, or to every webview of the app when `webview` is 0. Pages
/// receive it with `host.on(channel, fn)`. Everything sent to one webview in one GUI-loop turn
/// reaches the page in one script evaluation, in order.
///
/// The payload is checked to be JSON (no tree is built): text that is not JSON, such as a script,
/// is refused, so nothing can be injected into the page through it.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_INVALID_JSON`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT` (channel), `TRANSOM_ERROR_TOO_LARGE`, `TRANSOM_ERROR_NOT_FOUND`,
/// `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `channel` and `payload_json` are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_post(
    app: *mut transom_app,
    webview: u64,
    channel: *const c_char,
    payload_json: *const c_char,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let channel = unsafe { str_arg(channel, "channel") }?;
        // SAFETY: per this function's contract.
        let payload = unsafe { str_arg(payload_json, "payload_json") }?;
        app.post(webview, channel, payload)
    })
}

/// Registers `name` (UTF-8, 1 to 256 bytes) as a handler pages may call with
/// `host.invoke(name, …)`. Only registered names reach the program (as `invoke` events); a page
/// call to any other name is refused in the page with "no handler named NAME" without reaching
/// the program. The list belongs to the app and holds for all its webviews. Registering a name
/// again is not an error. Any thread.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT` (empty or longer than 256 bytes), `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `name` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_handle(app: *mut transom_app, name: *const c_char) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let name = unsafe { str_arg(name, "name") }?;
        app.handle(name)
    })
}

/// Removes `name` from the handlers pages may call (see `transom_handle`): later page calls to
/// it are refused in the page. Calls already delivered as `invoke` events still need an answer.
/// Any thread.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT`, `TRANSOM_ERROR_NOT_FOUND` (not registered),
/// `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `name` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_unhandle(app: *mut transom_app, name: *const c_char) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let name = unsafe { str_arg(name, "name") }?;
        app.unhandle(name)
    })
}

/// Calls the page handler `name` (registered in the page with `host.handle(name, fn)`) with
/// `args_json` (a UTF-8 JSON array, spread as the handler's arguments).
///
/// Writes the call id to `*call_out` at once. An `invoke-result` event with that `call` follows:
/// `ok: true` with the handler's `value`, or `ok: false` with `error` (the handler threw, "no
/// handler named X", the page went away, the app shut down) and, for failures transom detected,
/// `code`. `timeout_ms` > 0 ends the call after that many milliseconds with
/// `code: "TRANSOM_ERROR_TIMEOUT"`; 0 waits without limit.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_INVALID_JSON`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT` (not an array, bad name), `TRANSOM_ERROR_TOO_LARGE`,
/// `TRANSOM_ERROR_NOT_FOUND` (webview), `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `name` and `args_json` are NULL or NUL-terminated; `call_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn transom_invoke(
    app: *mut transom_app,
    webview: u64,
    name: *const c_char,
    args_json: *const c_char,
    timeout_ms: u32,
    call_out: *mut u64,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let name = unsafe { str_arg(name, "name") }?;
        // SAFETY: per this function's contract.
        let args = unsafe { str_arg(args_json, "args_json") }?;
        out_arg(call_out, "call_out")?;
        let call = app.invoke(webview, name, args, timeout_ms)?;
        // SAFETY: checked non-NULL; writable per contract.
        unsafe { *call_out = call };
        Ok(())
    })
}

/// Answers a page's call (the `call` of an `invoke` event): the page's Promise resolves with
/// `value_json` (UTF-8 JSON text).
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_INVALID_JSON`,
/// `TRANSOM_ERROR_TOO_LARGE`, `TRANSOM_ERROR_NOT_FOUND` (unknown call, already answered, or its
/// page went away), `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `value_json` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_resolve(app: *mut transom_app, call: u64, value_json: *const c_char) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let value = unsafe { str_arg(value_json, "value_json") }?;
        app.resolve(call, value)
    })
}

/// Answers a page's call with an error: the page's Promise rejects with an `Error` whose message is
/// `message` (UTF-8 text).
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_TOO_LARGE`,
/// `TRANSOM_ERROR_NOT_FOUND`, `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `message` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_reject(app: *mut transom_app, call: u64, message: *const c_char) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let message = unsafe { str_arg(message, "message") }?;
        app.reject(call, message)
    })
}

/// Borrows `len` bytes at `data` (NULL is fine when `len` is 0).
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes for the duration of the call.
pub(super) unsafe fn bytes_arg<'a>(data: *const u8, len: usize) -> Result<&'a [u8], crate::Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(crate::Error::new(crate::ErrorCode::NullArgument, "`data` is NULL"));
    }
    // SAFETY: non-NULL and `len` readable bytes per the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// Sends `payload_json` on `channel` to the page of the webview of `window` (as `transom_post` to
/// that webview).
///
/// Errors: as `transom_post`; `TRANSOM_ERROR_NOT_FOUND` for an unknown or closed window.
///
/// # Safety
/// `app` is NULL or a live app; `channel` and `payload_json` are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_post_window(
    app: *mut transom_app,
    window: u64,
    channel: *const c_char,
    payload_json: *const c_char,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let channel = unsafe { str_arg(channel, "channel") }?;
        // SAFETY: per this function's contract.
        let payload = unsafe { str_arg(payload_json, "payload_json") }?;
        app.post_window(window, channel, payload)
    })
}

/// Sends `len` bytes at `data` on `channel` to the page of `webview` (0: every webview of the app).
/// The page's `host.on(channel, fn)` listeners get a `Uint8Array`. The bytes are copied before the
/// call returns; they reach the page as the body of a response, not as JSON or base64.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT` (`data` NULL with `len` > 0), `TRANSOM_ERROR_TOO_LARGE`,
/// and as `transom_post`.
///
/// # Safety
/// `app` is NULL or a live app; `channel` is NULL or NUL-terminated; `data` points to `len`
/// readable bytes (or is NULL with `len` 0).
#[no_mangle]
pub unsafe extern "C" fn transom_post_bytes(
    app: *mut transom_app,
    webview: u64,
    channel: *const c_char,
    data: *const u8,
    len: usize,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let channel = unsafe { str_arg(channel, "channel") }?;
        // SAFETY: per this function's contract.
        let bytes = unsafe { bytes_arg(data, len) }?;
        app.post_bytes(webview, channel, bytes)
    })
}

/// Cancels a call the program made with `transom_invoke`: its `invoke-result` follows at once with
/// `"ok":false` and `"code":"TRANSOM_ERROR_CANCELLED"`; the page's answer, if it comes, is dropped.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_NOT_FOUND` (no such pending call),
/// `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app.
#[no_mangle]
pub unsafe extern "C" fn transom_invoke_cancel(app: *mut transom_app, call: u64) -> transom_result {
    // SAFETY: per this function's contract.
    guard(|| unsafe { app_arg(app) }?.cancel_invoke(call))
}
