//! C API: the app object, result names, last error, version, the JSON entry point, strings.

use std::ffi::{c_char, CString};

use super::{app_arg, guard, guard_value, optional_str_arg, out_arg, str_arg, transom_result};
use crate::error::ErrorCode;
use crate::App;

/// An app: windows, webviews and one event stream. Created by `transom_app_new`, freed by
/// `transom_app_free`. Every function taking it may be called from any thread.
pub struct transom_app {
    pub(crate) app: App,
}

/// Creates an app.
///
/// `options_json`: NULL, or a UTF-8 JSON object; fields: `max_message_bytes` (largest payload in
/// bytes, default 67108864 = 64 MiB). On success writes the new app to `*app_out`; the caller owns
/// it and frees it with `transom_app_free`.
///
/// The first call in a process starts the GUI thread and waits until its event loop runs.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT` (`app_out`), `TRANSOM_ERROR_INVALID_UTF8`,
/// `TRANSOM_ERROR_INVALID_JSON`, `TRANSOM_ERROR_INVALID_ARGUMENT` (unknown option, wrong type),
/// `TRANSOM_ERROR_PLATFORM` (no display, GTK or WebKitGTK missing).
///
/// # Safety
/// `options_json` is NULL or a NUL-terminated string; `app_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn transom_app_new(options_json: *const c_char, app_out: *mut *mut transom_app) -> transom_result {
    guard(|| {
        out_arg(app_out, "app_out")?;
        // SAFETY: per this function's contract.
        let options = unsafe { optional_str_arg(options_json, "options_json") }?;
        let app = App::new(options)?;
        let handle = Box::into_raw(Box::new(transom_app { app }));
        // SAFETY: checked non-NULL above; writable per contract.
        unsafe { *app_out = handle };
        Ok(())
    })
}

/// Shuts the app down: closes its windows (emitting `webview-destroyed` and `window-destroyed`),
/// rejects every pending call (host calls get `invoke-result` with `TRANSOM_ERROR_CLOSED`), and
/// waits up to 10 seconds for the GUI thread to finish. Idempotent. Afterwards every call on the
/// app returns `TRANSOM_ERROR_CLOSED`, and `transom_event_next` returns the events left, then
/// `TRANSOM_ERROR_CLOSED`.
///
/// Called inside the app's event callback it does not wait (the shutdown finishes after the
/// callback returns).
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_TIMEOUT` (the shutdown did not finish
/// within 10 s, for example because the app's event callback does not return).
///
/// # Safety
/// `app` is NULL or a live app.
#[no_mangle]
pub unsafe extern "C" fn transom_app_shutdown(app: *mut transom_app) -> transom_result {
    // SAFETY: per this function's contract.
    guard(|| unsafe { app_arg(app) }?.shutdown())
}

/// Shuts the app down if needed (see `transom_app_shutdown`) and frees it. NULL is fine. No other
/// thread may use the app during or after this call.
///
/// # Safety
/// `app` is NULL or a live app from `transom_app_new`, freed only once.
#[no_mangle]
pub unsafe extern "C" fn transom_app_free(app: *mut transom_app) {
    if app.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: a live app from `transom_app_new`, freed once, per contract.
        let handle = unsafe { Box::from_raw(app) };
        let _ = handle.app.shutdown();
        drop(handle);
    })
}

/// Gives the calling thread to the app until the app shuts down.
///
/// ## Platform-specific
/// - **macOS:** AppKit needs the process's main thread: call this from `main` after
///   `transom_app_new`; it runs the event loop and returns when the last app has shut down.
/// - **Linux, Windows:** the event loop runs on the library's own thread; this only waits until the
///   app shuts down (another thread or an event callback calls `transom_app_shutdown`).
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_ARGUMENT` (macOS: the loop runs
/// already), `TRANSOM_ERROR_UNSUPPORTED` (elsewhere: called on the GUI thread, from an event
/// callback, where it would wait for itself).
///
/// # Safety
/// `app` is NULL or a live app.
#[no_mangle]
pub unsafe extern "C" fn transom_app_run_main(app: *mut transom_app) -> transom_result {
    // SAFETY: per this function's contract.
    guard(|| unsafe { app_arg(app) }?.run_main())
}

/// The name of a result code: `"TRANSOM_ERROR_INVALID_JSON"`, or `"TRANSOM_ERROR_UNKNOWN"` for a
/// number that is no code. The string is static: never free it.
#[no_mangle]
pub extern "C" fn transom_result_name(r: transom_result) -> *const c_char {
    let name = ErrorCode::from_u32(r).map_or("TRANSOM_ERROR_UNKNOWN\0", ErrorCode::name_with_nul);
    name.as_ptr().cast()
}

/// The detail of the last failed call on the calling thread (`"TRANSOM_ERROR_NOT_FOUND: no open
/// window with id 7"`), or `""` if none failed yet. The string belongs to transom and stays valid
/// until the next failing call on this thread: copy it to keep it. Never NULL.
#[no_mangle]
pub extern "C" fn transom_last_error_message() -> *const c_char {
    guard_value(c"".as_ptr(), || super::LAST_ERROR.with(|slot| slot.borrow().as_ptr()))
}

/// The library version, `"MAJOR.MINOR.PATCH"`. Static: never free it.
#[no_mangle]
pub extern "C" fn transom_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Runs one host-protocol command (docs/protocol.md) in-process: `command_json` is one UTF-8 JSON
/// object such as `{"cmd":"post","webview":0,"channel":"tick","payload":1}`. On success writes the
/// reply (`{"type":"ok",…}`, with `window`/`webview`/`call` where the command makes one) to
/// `*reply_json_out`; the caller owns it and frees it with `transom_string_free`. Events are not
/// returned here: read them with `transom_event_next`.
///
/// Errors: the command's own result code (`TRANSOM_ERROR_INVALID_JSON`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT` for an unknown command or field, `TRANSOM_ERROR_NOT_FOUND`, …)
/// with the detail in `transom_last_error_message`; `*reply_json_out` is then left untouched.
///
/// # Safety
/// `app` is NULL or a live app; `command_json` is NULL or NUL-terminated; `reply_json_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn transom_send_json(
    app: *mut transom_app,
    command_json: *const c_char,
    reply_json_out: *mut *mut c_char,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let command = unsafe { str_arg(command_json, "command_json") }?;
        out_arg(reply_json_out, "reply_json_out")?;
        let reply = app.send_json(command)?;
        let reply = CString::new(reply).unwrap_or_default();
        // SAFETY: checked non-NULL; writable per contract.
        unsafe { *reply_json_out = reply.into_raw() };
        Ok(())
    })
}

/// Frees a string that transom returned (`transom_send_json`). NULL is fine.
///
/// # Safety
/// `s` is NULL or a string from transom not yet freed.
#[no_mangle]
pub unsafe extern "C" fn transom_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: allocated by `CString::into_raw` in this library, freed once, per contract.
        guard_value((), || drop(unsafe { CString::from_raw(s) }));
    }
}
