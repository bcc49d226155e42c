//! C API: events.

use std::ffi::{c_char, c_int, c_void};
use std::time::Duration;

use super::{app_arg, guard, guard_value, out_arg, transom_app, transom_result};
use crate::error::{Error, ErrorCode};
use crate::event::{Event, EventKind};

/// One event, owned by the caller: free it with `transom_event_free`. Read it with
/// `transom_event_kind`, `transom_event_window`, `transom_event_webview` and `transom_event_json`
/// (`transom_event_next_json` gives the JSON text with the event).
pub struct transom_event {
    kind: EventKind,
    window: u64,
    webview: u64,
    /// The event's JSON text followed by a NUL byte.
    json: String,
    bytes: Option<Vec<u8>>,
}

impl From<Event> for transom_event {
    fn from(event: Event) -> Self {
        let (kind, window, webview) = (event.kind(), event.window(), event.webview());
        let (mut json, bytes) = event.into_parts();
        json.push('\0');
        transom_event { kind, window, webview, json, bytes }
    }
}

/// What a `transom_set_event_callback` callback gets: an event it owns and must free with
/// `transom_event_free` (possibly later, on another thread), and the `userdata` it was registered
/// with.
pub type transom_event_callback = Option<unsafe extern "C" fn(event: *mut transom_event, userdata: *mut c_void)>;

/// What `transom_set_event_notify` calls when events become pending: the `userdata` it was
/// registered with, nothing else.
pub type transom_event_notify = Option<unsafe extern "C" fn(userdata: *mut c_void)>;

/// Takes the next event of the app.
///
/// `timeout_ms`: -1 waits without limit, 0 only looks, a positive number waits that many
/// milliseconds. On success writes an event the caller owns to `*event_out`; free it with
/// `transom_event_free`.
///
/// Errors: `TRANSOM_ERROR_TIMEOUT` (no event in time), `TRANSOM_ERROR_CLOSED` (the app is shut down
/// and every event was taken), `TRANSOM_ERROR_NULL_ARGUMENT`, `TRANSOM_ERROR_INVALID_ARGUMENT`
/// (`timeout_ms` below -1), `TRANSOM_ERROR_UNSUPPORTED` (called inside the app's event callback
/// or on the GUI thread with a `timeout_ms` other than 0: nothing could arrive while it waits).
///
/// Waits on the calling thread, never on the GUI thread. Not for use while an event callback is set.
///
/// # Safety
/// `app` is NULL or a live app; `event_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn transom_event_next(
    app: *mut transom_app,
    timeout_ms: i32,
    event_out: *mut *mut transom_event,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        out_arg(event_out, "event_out")?;
        let event = next_event(app, timeout_ms)?;
        // SAFETY: checked non-NULL; writable per contract.
        unsafe { *event_out = Box::into_raw(event) };
        Ok(())
    })
}

/// `transom_event_next` and `transom_event_json` in one call, for callers that pay for every call
/// across the C boundary (Python's ctypes, the FFI of script runtimes): takes the next event as
/// `transom_event_next` does, writes it to `*event_out` and its JSON text (UTF-8, NUL-terminated)
/// to `*json_out`. The text belongs to the event: it stays valid until
/// `transom_event_free(*event_out)`, which the caller owes as after `transom_event_next`.
///
/// `timeout_ms`, errors and threads: as `transom_event_next`; also `TRANSOM_ERROR_NULL_ARGUMENT`
/// for a NULL `json_out`. Neither out-parameter is written on failure.
///
/// # Safety
/// `app` is NULL or a live app; `event_out` and `json_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn transom_event_next_json(
    app: *mut transom_app,
    timeout_ms: i32,
    event_out: *mut *mut transom_event,
    json_out: *mut *const c_char,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        out_arg(event_out, "event_out")?;
        out_arg(json_out, "json_out")?;
        let event = Box::into_raw(next_event(app, timeout_ms)?);
        // SAFETY: both checked non-NULL and writable per contract; `event` is live (just made), and
        // its text lives in the box, which does not move until the caller frees it.
        unsafe {
            *json_out = (*event).json.as_ptr().cast();
            *event_out = event;
        }
        Ok(())
    })
}

/// What `transom_event_next` and `transom_event_next_json` share: the timeout's check and the wait.
fn next_event(app: &crate::App, timeout_ms: i32) -> Result<Box<transom_event>, Error> {
    let timeout = match timeout_ms {
        -1 => None,
        t if t >= 0 => Some(Duration::from_millis(t as u64)),
        t => return Err(Error::new(ErrorCode::InvalidArgument, format!("timeout_ms must be -1 or more, got {t}"))),
    };
    Ok(Box::new(transom_event::from(app.next_event(timeout)?)))
}

/// The kind of an event; 0 for NULL.
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn transom_event_kind(event: *const transom_event) -> EventKind {
    // SAFETY: per this function's contract.
    guard_value(EventKind::None, || unsafe { event.as_ref() }.map_or(EventKind::None, |e| e.kind))
}

/// The window an event concerns, or 0 (none, or NULL event).
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn transom_event_window(event: *const transom_event) -> u64 {
    // SAFETY: per this function's contract.
    guard_value(0, || unsafe { event.as_ref() }.map_or(0, |e| e.window))
}

/// The webview an event concerns, or 0 (none, or NULL event).
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn transom_event_webview(event: *const transom_event) -> u64 {
    // SAFETY: per this function's contract.
    guard_value(0, || unsafe { event.as_ref() }.map_or(0, |e| e.webview))
}

/// The whole event as one UTF-8 JSON object with a `type` field (docs/protocol.md lists every
/// kind and field). The string belongs to the event and is valid until `transom_event_free`.
/// `""` for NULL.
///
/// # Safety
/// `event` is NULL or a live event.
#[no_mangle]
pub unsafe extern "C" fn transom_event_json(event: *const transom_event) -> *const c_char {
    guard_value(c"".as_ptr(), || {
        // SAFETY: per this function's contract.
        match unsafe { event.as_ref() } {
            Some(e) => e.json.as_ptr().cast(),
            None => c"".as_ptr(),
        }
    })
}

/// The bytes of a binary message: a `message` or `channel-message` event whose JSON has a `bytes`
/// field (its length) instead of `payload`. Writes the length in bytes to `*len_out` and returns a
/// pointer to the bytes, which belong to the event and stay valid until `transom_event_free`.
/// Returns NULL (and leaves `*len_out` untouched) for an event without bytes, a NULL event or a
/// NULL `len_out`. A zero-length message gives a non-NULL pointer and 0.
///
/// # Safety
/// `event` is NULL or a live event; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn transom_event_bytes(event: *const transom_event, len_out: *mut usize) -> *const u8 {
    guard_value(std::ptr::null(), || {
        // SAFETY: per this function's contract.
        let Some(bytes) = unsafe { event.as_ref() }.and_then(|e| e.bytes.as_deref()) else { return std::ptr::null() };
        if len_out.is_null() {
            return std::ptr::null();
        }
        // SAFETY: checked non-NULL; writable per contract.
        unsafe { *len_out = bytes.len() };
        if bytes.is_empty() {
            std::ptr::NonNull::<u8>::dangling().as_ptr()
        } else {
            bytes.as_ptr()
        }
    })
}

/// Frees an event. NULL is fine.
///
/// # Safety
/// `event` is NULL or an event from transom not yet freed.
#[no_mangle]
pub unsafe extern "C" fn transom_event_free(event: *mut transom_event) {
    if !event.is_null() {
        // SAFETY: allocated with Box in this library, freed once, per contract.
        guard_value((), || drop(unsafe { Box::from_raw(event) }));
    }
}

/// A file descriptor that is readable while the app has events pending: poll it (`poll`, `epoll`,
/// asyncio's `add_reader`), then take events with `transom_event_next(app, 0, …)` until
/// `TRANSOM_ERROR_TIMEOUT`. Never read from it or close it: it belongs to the app and stays valid
/// until `transom_app_free`. After shutdown it stays readable so that a poller wakes and learns
/// `TRANSOM_ERROR_CLOSED`.
///
/// Returns -1 for NULL and where unsupported.
///
/// ## Platform-specific
/// - **Linux:** an eventfd. **Other platforms:** -1 for now; use `transom_event_next` or a callback.
///
/// # Safety
/// `app` is NULL or a live app.
#[no_mangle]
pub unsafe extern "C" fn transom_event_fd(app: *mut transom_app) -> c_int {
    // SAFETY: per this function's contract.
    guard_value(-1, || unsafe { app_arg(app) }.map_or(-1, |a| a.event_fd()))
}

struct ForeignCallback {
    callback: unsafe extern "C" fn(*mut transom_event, *mut c_void),
    userdata: *mut c_void,
}

impl ForeignCallback {
    fn call(&self, event: Event) {
        let event = Box::into_raw(Box::new(transom_event::from(event)));
        // SAFETY: the foreign function accepts an owned event and its userdata, per the contract of
        // `transom_set_event_callback`.
        unsafe { (self.callback)(event, self.userdata) };
    }
}

// SAFETY: the caller of `transom_set_event_callback` promises that the callback may run on another
// thread (the app's `transom-events` thread) with this userdata.
unsafe impl Send for ForeignCallback {}

/// Delivers every event of the app to `cb` instead of queueing it; NULL goes back to queueing.
/// Events already queued are handed to `cb` first, in order. `cb` gets an owned event (free it
/// with `transom_event_free`, now or later, on any thread) and `userdata`.
///
/// `cb` runs on a thread the app starts for it (`transom-events`), one event at a time, in order;
/// not on the GUI thread, so a callback that blocks delays only this app's events while windows
/// repaint and pages keep receiving messages. It may call any transom function:
/// `transom_app_shutdown` does not wait there, `transom_event_next` (with a timeout) and
/// `transom_app_run_main` return `TRANSOM_ERROR_UNSUPPORTED` there. When `transom_app_shutdown`
/// returns, every event handed to `cb` has been delivered and `cb` is not called again. A callback
/// that is replaced may still be running its last events while the new one starts.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT` (app), `TRANSOM_ERROR_CLOSED`.
///
/// # Safety
/// `app` is NULL or a live app; `cb` is NULL or a function that may be called from another thread
/// with `userdata` until the app is freed or another callback is set.
#[no_mangle]
pub unsafe extern "C" fn transom_set_event_callback(
    app: *mut transom_app,
    cb: transom_event_callback,
    userdata: *mut c_void,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        let callback = cb.map(|callback| {
            let foreign = ForeignCallback { callback, userdata };
            Box::new(move |event: Event| foreign.call(event)) as crate::EventCallback
        });
        app.set_event_callback(callback)
    })
}

struct ForeignNotify {
    notify: unsafe extern "C" fn(*mut c_void),
    userdata: *mut c_void,
}

impl ForeignNotify {
    fn call(&self) {
        // SAFETY: the foreign function accepts its userdata, per the contract of
        // `transom_set_event_notify`.
        unsafe { (self.notify)(self.userdata) };
    }
}

// SAFETY: the caller of `transom_set_event_notify` promises that `notify` may run on another
// thread (the GUI thread) with this userdata, at the same time as the program uses the app.
unsafe impl Send for ForeignNotify {}
unsafe impl Sync for ForeignNotify {}

/// Calls `notify(userdata)` each time the app's event queue goes from empty to not empty, and once
/// when the app has shut down; NULL stops the calls. Then take the events with
/// `transom_event_next(app, 0, …)` until `TRANSOM_ERROR_TIMEOUT` (or `TRANSOM_ERROR_CLOSED`): an
/// event that comes after that calls `notify` again, so none is missed; a call may find nothing
/// (it raced with a take). If events are pending when it is set, `notify` is called once at once,
/// on the calling thread. This is `transom_event_fd` as a function, for event loops that can be
/// woken from another thread but cannot watch a file descriptor (a Node-API thread-safe function,
/// Bun's thread-safe `JSCallback`): one wake-up per burst of events, with no thread in between.
///
/// `notify` runs on the library's GUI thread (at shutdown, when an event callback is set too, on
/// the app's `transom-events` thread; when set with events pending, on the calling thread) and
/// must return at once: it must not wait (for a lock, for another
/// thread, for JavaScript) nor call a transom function that waits, or windows stop repainting
/// meanwhile. It is not called for events that go to a `transom_set_event_callback` callback.
/// A `notify` that is replaced may still be running once after this returns.
///
/// Errors: `TRANSOM_ERROR_NULL_ARGUMENT` (app), `TRANSOM_ERROR_CLOSED` (setting a function after
/// shutdown; NULL is always accepted).
///
/// # Safety
/// `app` is NULL or a live app; `notify` is NULL or a function that may be called from another
/// thread with `userdata` until the app is freed or another `notify` is set.
#[no_mangle]
pub unsafe extern "C" fn transom_set_event_notify(
    app: *mut transom_app,
    notify: transom_event_notify,
    userdata: *mut c_void,
) -> transom_result {
    guard(|| {
        // SAFETY: per this function's contract.
        let app = unsafe { app_arg(app) }?;
        let notify = notify.map(|notify| {
            let foreign = ForeignNotify { notify, userdata };
            Box::new(move || foreign.call()) as crate::EventNotify
        });
        app.set_event_notify(notify)
    })
}
