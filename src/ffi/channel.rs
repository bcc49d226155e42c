//! C API: channels, ordered streams between the program and one page, with backpressure.

use std::ffi::c_char;

use super::{app_arg, guard, out_arg, str_arg, transom_app, transom_result};

/// Opens a channel `name` (UTF-8, 1 to 256 bytes) to the page of `webview`. The page receives it
/// through `host.onChannel(name, fn)`; a page without such a handler closes it, and a
/// `channel-close` event gives the reason. Writes the channel id to `*channel_out` at once.
/// Messages from the page arrive as `channel-message` events.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`,
/// `TRANSOM_ERROR_INVALID_ARGUMENT` (name), `TRANSOM_ERROR_NOT_FOUND` (webview),
/// `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `name` is NULL or NUL-terminated; `channel_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn transom_channel_open(
    app: *mut transom_app,
    webview: u64,
    name: *const c_char,
    channel_out: *mut u64,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let name = unsafe { str_arg(name, "name") }?;
        out_arg(channel_out, "channel_out")?;
        let channel = app.open_channel(webview, name)?;
        // SAFETY: checked non-NULL; writable per contract.
        unsafe { *channel_out = channel };
        Ok(())
    })
}

/// Sends `payload_json` (UTF-8 JSON text) through a channel; the page's channel listeners get
/// messages in the order they were sent. At most 4 MiB may be in flight (sent and not yet taken by
/// the page): past that nothing is sent, the call returns `TRANSOM_ERROR_WOULD_BLOCK`, and a
/// `channel-ready` event follows once the page has caught up. A message larger than the window
/// goes when nothing is in flight.
///
/// Errors: `TRANSOM_ERROR_WOULD_BLOCK`, `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_UTF8`,
/// `TRANSOM_ERROR_INVALID_JSON`, `TRANSOM_ERROR_TOO_LARGE`, `TRANSOM_ERROR_NOT_FOUND` (unknown or
/// closed channel), `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `payload_json` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn transom_channel_send(app: *mut transom_app, channel: u64, payload_json: *const c_char) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let payload = unsafe { str_arg(payload_json, "payload_json") }?;
        app.send_channel(channel, payload)
    })
}

/// Like `transom_channel_send` with `len` bytes at `data` (copied before the call returns); the
/// page's listeners get a `Uint8Array`.
///
/// Errors: as `transom_channel_send`; `TRANSOM_ERROR_NULL_ARGUMENT` for `data` NULL with `len` > 0.
///
/// # Safety
/// `app` is NULL or a live app; `data` points to `len` readable bytes (or is NULL with `len` 0).
#[no_mangle]
pub unsafe extern "C" fn transom_channel_send_bytes(app: *mut transom_app, channel: u64, data: *const u8, len: usize) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        // SAFETY: per this function's contract.
        let bytes = unsafe { super::message::bytes_arg(data, len) }?;
        app.send_channel_bytes(channel, bytes)
    })
}

/// Closes a channel. The page's side closes ("closed by the program"); no `channel-close` event
/// follows for it. The id is invalid from the moment this returns.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_NOT_FOUND`, `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app.
#[no_mangle]
pub unsafe extern "C" fn transom_channel_close(app: *mut transom_app, channel: u64) -> transom_result {
    // SAFETY: per this function's contract.
    guard(|| unsafe { app_arg(app) }?.close_channel(channel))
}
