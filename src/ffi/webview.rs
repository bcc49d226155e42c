//! C API: webviews.

use std::ffi::c_char;

use super::{app_arg, guard, out_arg, str_arg, transom_app, transom_result};

/// Creates the webview of a window (one per window); it fills the window.
///
/// `options_json`: a UTF-8 JSON object, every field optional: `url` (absolute URL) or `html` (a
/// document), not both; `init_script` (JavaScript run before the page's scripts in every page,
/// main frame only); `devtools` (bool, default false); `user_agent` (string); `background_color`
/// (`"#rrggbb"` or `"#rrggbbaa"`). Every page gets `window.host` (see src/page/host.d.ts).
///
/// Writes the webview's id (never 0) to `*webview_out` at once; `webview-created` follows, or an
/// `error` event with `id` = this id.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_INVALID_JSON`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT`, `TRANSOM_ERROR_NOT_FOUND` (window), `TRANSOM_ERROR_UNSUPPORTED`
/// (the window has a webview already), `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `options_json` is NULL or NUL-terminated; `webview_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn transom_webview_create(
    app: *mut transom_app,
    window: u64,
    options_json: *const c_char,
    webview_out: *mut u64,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let options = unsafe { str_arg(options_json, "options_json") }?;
        out_arg(webview_out, "webview_out")?;
        let id = app.create_webview(window, options)?;
        // SAFETY: checked non-NULL; writable per contract.
        unsafe { *webview_out = id };
        Ok(())
    })
}

/// Runs `script` (UTF-8 JavaScript) in the main frame of the webview's page. Scripts and messages
/// reach a page in the order they were sent, once its own scripts have run (`DOMContentLoaded`).
/// The script's value and exceptions are not reported; use `transom_invoke` to get a result.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_NOT_FOUND`,
/// `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `script` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_webview_eval(app: *mut transom_app, webview: u64, script: *const c_char) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let script = unsafe { str_arg(script, "script") }?;
        app.eval(webview, script)
    })
}

/// Loads `url` (UTF-8, absolute) in the webview. Calls pending in the current page are rejected;
/// `page-load` events follow.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT` (not an absolute URL), `TRANSOM_ERROR_NOT_FOUND`,
/// `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `url` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_webview_navigate(app: *mut transom_app, webview: u64, url: *const c_char) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let url = unsafe { str_arg(url, "url") }?;
        app.navigate(webview, url)
    })
}
