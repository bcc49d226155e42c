//! C API: windows.

use std::ffi::c_char;

use super::{app_arg, guard, out_arg, str_arg, transom_app, transom_result};

/// Opens a window.
///
/// `options_json`: a UTF-8 JSON object, every field optional: `title` (string), `width`, `height`
/// (inner size, logical pixels; default 800×600), `x`, `y` (position, logical pixels, both or
/// neither), `min_width`, `min_height`, `max_width`, `max_height` (logical pixels), `resizable`,
/// `decorations`, `visible` (default true), `always_on_top`, `maximized`, `fullscreen`,
/// `transparent` (default false), `close_guard` (default false: a close request closes the window;
/// true: it is only reported as `close-requested` and the program decides).
///
/// Writes the new window's id (never 0) to `*window_out` at once; `window-created` follows, or an
/// `error` event with `id` = this id if the windowing system refuses.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_INVALID_JSON`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT` (unknown option, wrong type, out of range; the message names
/// it), `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `options_json` is NULL or NUL-terminated; `window_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn transom_window_create(
    app: *mut transom_app,
    options_json: *const c_char,
    window_out: *mut u64,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let options = unsafe { str_arg(options_json, "options_json") }?;
        out_arg(window_out, "window_out")?;
        let id = app.create_window(options)?;
        // SAFETY: checked non-NULL; writable per contract.
        unsafe { *window_out = id };
        Ok(())
    })
}

/// Changes window properties. `props_json`: a UTF-8 JSON object with any of the options of
/// `transom_window_create` except `transparent`; only the fields present change.
///
/// Errors: as `transom_window_create`, and `TRANSOM_ERROR_NOT_FOUND` for an unknown or closed window.
///
/// # Safety
/// `app` is NULL or a live app; `props_json` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_window_set(app: *mut transom_app, window: u64, props_json: *const c_char) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let props = unsafe { str_arg(props_json, "props_json") }?;
        app.set_window(window, props)
    })
}

/// Closes a window and its webview. Calls pending in its page are rejected; `webview-destroyed`
/// and `window-destroyed` follow. The id is invalid from the moment this returns.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_NOT_FOUND`, `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app.
#[no_mangle]
pub unsafe extern "C" fn transom_window_close(app: *mut transom_app, window: u64) -> transom_result {
    // SAFETY: per this function's contract.
    guard(|| unsafe { app_arg(app) }?.close_window(window))
}
