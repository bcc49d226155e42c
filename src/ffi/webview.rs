//! C API: webviews.

use std::ffi::c_char;

use super::message::bytes_arg;
use super::{app_arg, guard, optional_str_arg, out_arg, str_arg, transom_app, transom_result};

/// Creates a webview in a window. Without bounds it fills the window; with `x`, `y`, `width`,
/// `height` it sits in that rectangle. A window may hold several webviews (later ones are drawn
/// above earlier ones).
///
/// `options_json`: a UTF-8 JSON object, every field optional: `url` (absolute URL) or `html` (a
/// document), not both; `init_script` (JavaScript run before the page's scripts in every page,
/// main frame only); `devtools` (bool, default false); `user_agent` (string); `background_color`
/// (`"#rrggbb"` or `"#rrggbbaa"`); `assets`, `csp`, `assets_handler`, `bridge`, `navigation`,
/// `new_windows`, `allowed_origins`, `downloads`, `download_folder`; `x`, `y`, `width`, `height`
/// (logical pixels) or `fill`. docs/protocol.md, "Webview options", gives each. Pages of allowed
/// origins get `window.host` (see src/page/host.d.ts).
///
/// Writes the webview's id (never 0) to `*webview_out` at once; `webview-created` follows, or an
/// `error` event with `id` = this id.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_INVALID_JSON`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT`, `TRANSOM_ERROR_NOT_FOUND` (window), `TRANSOM_ERROR_CLOSED`.
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

/// Moves, resizes, shows or hides a webview. `props_json`: a UTF-8 JSON object with `x`, `y`,
/// `width`, `height` (all four; logical pixels relative to the window's content area; `x`, `y`
/// 0 to 100000, sizes above 0 up to 100000) or `fill: true` (the whole window, following its
/// size), and `visible` (bool). Only the fields present change. Any thread; the change happens on
/// the GUI thread.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_INVALID_JSON`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT` (unknown field, wrong type, incomplete or out-of-range
/// bounds), `TRANSOM_ERROR_NOT_FOUND` (webview), `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `props_json` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_webview_set(app: *mut transom_app, webview: u64, props_json: *const c_char) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let props = unsafe { str_arg(props_json, "props_json") }?;
        app.set_webview(webview, props)
    })
}

/// Answers an `asset-request` event of a webview created with `"assets_handler": true`: the
/// page's request for `transom://app/…` (the `request` of the event) gets HTTP status `status`
/// (100 to 599), the headers in `headers_json` (a UTF-8 JSON object of header name to string
/// value, e.g. `{"content-type":"application/json","cache-control":"no-store"}`; NULL for none)
/// and the `body_len` bytes at `body` (copied before the call returns; NULL with 0 for an empty
/// body). Without a `Content-Type` the type is guessed from the requested path's extension
/// (mime_guess); the webview's Content-Security-Policy (`csp` option) is added unless the
/// headers have one. Requests are answered in any order, from any thread; one that is never
/// answered keeps the page's request waiting, until the webview closes (then it gets 503).
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT` (app, or `body` NULL with `body_len` > 0),
/// `TRANSOM_ERROR_INVALID_UTF8`, `TRANSOM_ERROR_INVALID_JSON` (headers), `TRANSOM_ERROR_INVALID_ARGUMENT`
/// (status out of range, headers not an object of strings, a bad header name or value),
/// `TRANSOM_ERROR_NOT_FOUND` (no such request waiting: never made, answered already, or its
/// webview closed), `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `headers_json` is NULL or NUL-terminated; `body` points to
/// `body_len` readable bytes (or is NULL with `body_len` 0).
#[no_mangle]
pub unsafe extern "C" fn transom_asset_respond(
    app: *mut transom_app,
    request: u64,
    status: u16,
    headers_json: *const c_char,
    body: *const u8,
    body_len: usize,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let headers = unsafe { optional_str_arg(headers_json, "headers_json") }?;
        // SAFETY: per this function's contract.
        let body = unsafe { bytes_arg(body, body_len) }?;
        app.respond_asset(request, status, headers, body)
    })
}
