//! Events: what the GUI thread tells the program, and the queue they wait in.
//!
//! Every event is one JSON object with a `type` field (the [`EventKind`] name) and, where they
//! apply, `window` and `webview` ids; docs/protocol.md lists the fields of each kind. The JSON text
//! is built once, on the GUI thread; payloads are copied into it as the page sent them.

use std::os::raw::c_int;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError};

use crate::error::{Error, ErrorCode, Result};
use crate::json::JsonObject;

/// The kind of an event (C: `transom_event_kind`). Numbers are stable; new kinds get new numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum EventKind {
    /// No event: what `transom_event_kind` returns for NULL.
    None = 0,
    /// A window was created (`window`).
    WindowCreated = 1,
    /// The user or the window manager asked to close a window (`window`).
    CloseRequested = 2,
    /// A window is gone (`window`).
    WindowDestroyed = 3,
    /// A window got keyboard focus (`window`).
    Focus = 4,
    /// A window lost keyboard focus (`window`).
    Blur = 5,
    /// A window's inner size changed (`window`, `width`, `height` in logical pixels).
    Resize = 6,
    /// A window moved (`window`, `x`, `y` in logical pixels).
    Move = 7,
    /// A page started (its document was committed) or finished loading (`window`, `webview`,
    /// `state`: `"started"` or `"finished"`, `url`).
    PageLoad = 8,
    /// A page's document title changed (`window`, `webview`, `title`).
    TitleChanged = 9,
    /// A page sent a message with `host.send` (`window`, `webview`, `channel`, `payload`).
    Message = 10,
    /// A page called `host.invoke`; answer with resolve or reject (`window`, `webview`, `call`,
    /// `name`, `args`).
    Invoke = 11,
    /// A call the program made with invoke ended (`window`, `webview`, `call`, `ok`, and `value`
    /// or `error`; `code` when transom ended it: timeout, page gone, shutdown, too large).
    InvokeResult = 12,
    /// An operation accepted earlier failed (`id`, `code`, `message`).
    Error = 13,
    /// A webview was created (`window`, `webview`).
    WebviewCreated = 14,
    /// A webview is gone (`window`, `webview`).
    WebviewDestroyed = 15,
    /// A page message was dropped to protect the program (`window`, `webview`, `reason`:
    /// `"unsigned-message"` or `"malformed-message: …"`, `origin`: the page's URL).
    Security = 16,
    /// A page opened a channel with `host.channel(name)` (`window`, `webview`, `channel`, `name`).
    ChannelOpen = 17,
    /// A message came through a channel (`window`, `webview`, `channel`, and `payload` or
    /// `bytes`). Taking the event gives the page's window back its credit.
    ChannelMessage = 18,
    /// A channel closed: by the page, or because its page went away (`window`, `webview`,
    /// `channel`, `reason`). Not sent for `transom_channel_close`.
    ChannelClose = 19,
    /// A channel that answered `TRANSOM_ERROR_WOULD_BLOCK` has room again (`window`, `webview`,
    /// `channel`).
    ChannelReady = 20,
    /// A shared state key changed (`key`, `value`, `version`, `source`: `"host"` or `"page"`, and
    /// `window`/`webview` when a page wrote it).
    StateChanged = 21,
    /// A page gave up on a call it made (its `host.invokeWith` timeout ran out); answering it now
    /// gets `TRANSOM_ERROR_NOT_FOUND` (`window`, `webview`, `call`, `reason`).
    InvokeCancelled = 22,
    /// A main-frame navigation was refused by the webview's `navigation` allow-list (`window`,
    /// `webview`, `url`).
    NavigationBlocked = 23,
    /// A page asked for a new window (`window.open`, `target=_blank`); it was not opened in the
    /// webview (`window`, `webview`, `url`, `action`: `"blocked"` or `"opened-in-browser"`).
    NewWindowRequested = 24,
    /// A window's scale factor changed (`window`, `scale`: physical pixels per logical pixel).
    ScaleChanged = 25,
    /// The system theme of a window changed (`window`, `theme`: `"light"` or `"dark"`).
    ThemeChanged = 26,
    /// A window was minimized (`window`).
    Minimized = 27,
    /// A window was maximized (`window`).
    Maximized = 28,
    /// A window left the minimized or maximized state (`window`).
    Restored = 29,
    /// Files are dragged over a webview (`window`, `webview`, `paths`, `x`, `y` in logical pixels).
    FileHover = 30,
    /// Files were dropped on a webview (`window`, `webview`, `paths`, `x`, `y`).
    FileDrop = 31,
    /// Dragged files left the webview without a drop (`window`, `webview`).
    FileDropCancelled = 32,
    /// A page requested `transom://app/…` that the program serves itself (`assets_handler`):
    /// `window`, `webview`, `request` (id for `transom_asset_respond`), `method`, `path` (with
    /// the query), `headers` (object), and the request body as bytes when it has one.
    AssetRequest = 33,
    /// A download the webview allows (`downloads: true`) started: `window`, `webview`, `url`,
    /// `path` (where it is saved).
    DownloadStarted = 34,
    /// A download ended: `window`, `webview`, `url`, `path` (or absent), `ok`.
    DownloadFinished = 35,
    /// A page tried to download a file while downloads are off (the default): `window`,
    /// `webview`, `url`. Nothing was saved.
    DownloadBlocked = 36,
}

impl EventKind {
    /// The `type` field of the event JSON: `"window-created"`.
    pub const fn name(self) -> &'static str {
        match self {
            EventKind::None => "none",
            EventKind::WindowCreated => "window-created",
            EventKind::CloseRequested => "close-requested",
            EventKind::WindowDestroyed => "window-destroyed",
            EventKind::Focus => "focus",
            EventKind::Blur => "blur",
            EventKind::Resize => "resize",
            EventKind::Move => "move",
            EventKind::PageLoad => "page-load",
            EventKind::TitleChanged => "title-changed",
            EventKind::Message => "message",
            EventKind::Invoke => "invoke",
            EventKind::InvokeResult => "invoke-result",
            EventKind::Error => "error",
            EventKind::WebviewCreated => "webview-created",
            EventKind::WebviewDestroyed => "webview-destroyed",
            EventKind::Security => "security",
            EventKind::ChannelOpen => "channel-open",
            EventKind::ChannelMessage => "channel-message",
            EventKind::ChannelClose => "channel-close",
            EventKind::ChannelReady => "channel-ready",
            EventKind::StateChanged => "state-changed",
            EventKind::InvokeCancelled => "invoke-cancelled",
            EventKind::NavigationBlocked => "navigation-blocked",
            EventKind::NewWindowRequested => "new-window-requested",
            EventKind::ScaleChanged => "scale-changed",
            EventKind::ThemeChanged => "theme-changed",
            EventKind::Minimized => "minimized",
            EventKind::Maximized => "maximized",
            EventKind::Restored => "restored",
            EventKind::FileHover => "file-hover",
            EventKind::FileDrop => "file-drop",
            EventKind::FileDropCancelled => "file-drop-cancelled",
            EventKind::AssetRequest => "asset-request",
            EventKind::DownloadStarted => "download-started",
            EventKind::DownloadFinished => "download-finished",
            EventKind::DownloadBlocked => "download-blocked",
        }
    }
}

/// One event: its kind, the window and webview it concerns (0 where none), its JSON text and,
/// for a binary message, its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    kind: EventKind,
    window: u64,
    webview: u64,
    json: String,
    bytes: Option<Vec<u8>>,
    credit: Option<Credit>,
}

impl Event {
    /// The kind of event.
    pub fn kind(&self) -> EventKind {
        self.kind
    }
    /// The window concerned, or 0.
    pub fn window(&self) -> u64 {
        self.window
    }
    /// The webview concerned, or 0.
    pub fn webview(&self) -> u64 {
        self.webview
    }
    /// The whole event as one JSON object (UTF-8, no newline).
    pub fn json(&self) -> &str {
        &self.json
    }
    /// The bytes of a binary message (`message` or `channel-message` with a `bytes` field).
    pub fn bytes(&self) -> Option<&[u8]> {
        self.bytes.as_deref()
    }
    /// Takes the JSON text and the bytes out of the event.
    pub fn into_parts(self) -> (String, Option<Vec<u8>>) {
        (self.json, self.bytes)
    }
    pub(crate) fn credit(&self) -> Option<Credit> {
        self.credit
    }
}

/// Builds an event: its JSON text field by field, and what travels beside it.
pub(crate) struct EventBuilder {
    kind: EventKind,
    window: u64,
    webview: u64,
    json: JsonObject,
    bytes: Option<Vec<u8>>,
    credit: Option<Credit>,
}

impl EventBuilder {
    pub(crate) fn new(kind: EventKind, window: u64, webview: u64) -> EventBuilder {
        let mut json = JsonObject::with_capacity(96).string("type", kind.name());
        if window != 0 {
            json = json.id("window", window);
        }
        if webview != 0 {
            json = json.id("webview", webview);
        }
        EventBuilder { kind, window, webview, json, bytes: None, credit: None }
    }

    pub(crate) fn id(mut self, key: &str, value: u64) -> Self {
        self.json = self.json.id(key, value);
        self
    }

    pub(crate) fn number(mut self, key: &str, value: f64) -> Self {
        self.json = self.json.number(key, value);
        self
    }

    pub(crate) fn boolean(mut self, key: &str, value: bool) -> Self {
        self.json = self.json.boolean(key, value);
        self
    }

    pub(crate) fn string(mut self, key: &str, value: &str) -> Self {
        self.json = self.json.string(key, value);
        self
    }

    /// Copies `json` (already checked to be one JSON value) as the field's value.
    pub(crate) fn raw(mut self, key: &str, json: &str) -> Self {
        self.json = self.json.raw(key, json);
        self
    }

    /// Attaches a binary payload: the JSON gets `"bytes":LENGTH`.
    pub(crate) fn bytes(mut self, bytes: Vec<u8>) -> Self {
        self.json = self.json.id("bytes", bytes.len() as u64);
        self.bytes = Some(bytes);
        self
    }

    /// Marks the event as consuming `credit` of a channel's window (see [`Credit`]).
    pub(crate) fn credit(mut self, credit: Credit) -> Self {
        self.credit = Some(credit);
        self
    }

    pub(crate) fn build(self) -> Event {
        Event {
            kind: self.kind,
            window: self.window,
            webview: self.webview,
            json: self.json.finish(),
            bytes: self.bytes,
            credit: self.credit,
        }
    }
}

/// What a `channel-message` event gives back to the page's window when the program takes it:
/// the channel and the charge the page counted for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Credit {
    pub channel: u64,
    pub charge: u64,
}

/// The queue between the GUI thread (producer) and the program (consumer), with an eventfd that
/// is readable exactly while events are pending.
///
/// The fd is a semaphore-mode eventfd (Linux `eventfd(2)`, `EFD_SEMAPHORE`) holding 1 while the
/// queue is not empty. The producer pushes, then counts up and, on 0 -> 1, writes the fd, all under
/// one lock; the consumer takes an event, then counts down and, on 1 -> 0, reads the fd, under the
/// same lock. So the fd is never readable before its event can be taken, and the count never
/// drops below zero. The lock is held only for the count: waiting for an event happens outside it.
///
/// The notify function ([`crate::App::set_event_notify`]) is called at the same moments the fd
/// becomes readable (0 -> 1, and when the queue closes), after the lock is released.
pub(crate) struct EventQueue {
    receiver: Receiver<Event>,
    pending: Mutex<usize>,
    fd: c_int,
    notify: Mutex<Option<Arc<dyn Fn() + Send + Sync>>>,
}

/// The producing end of an [`EventQueue`], held by the GUI thread. Dropping it closes the queue:
/// the consumer gets what is left, then `TRANSOM_ERROR_CLOSED`.
pub(crate) struct EventSender {
    sender: Sender<Event>,
}

impl EventQueue {
    pub(crate) fn new() -> (EventQueue, EventSender) {
        let (sender, receiver) = crossbeam_channel::unbounded();
        let queue = EventQueue { receiver, pending: Mutex::new(0), fd: new_event_fd(), notify: Mutex::new(None) };
        (queue, EventSender { sender })
    }

    /// Sets (or with `None` removes) the function called when events become pending. If events
    /// are pending already it is called once now, on the calling thread.
    pub(crate) fn set_notify(&self, notify: Option<Arc<dyn Fn() + Send + Sync>>) {
        let call = notify.clone();
        *self.notify.lock() = notify;
        if *self.pending.lock() > 0 {
            if let Some(notify) = call {
                call_notify(&*notify);
            }
        }
    }

    fn notify(&self) {
        let notify = self.notify.lock().clone();
        if let Some(notify) = notify {
            call_notify(&*notify);
        }
    }

    /// The fd to poll for readability, or -1 where the platform has none.
    pub(crate) fn fd(&self) -> c_int {
        self.fd
    }

    pub(crate) fn push(&self, sender: &EventSender, event: Event) {
        let mut pending = self.pending.lock();
        if sender.sender.send(event).is_ok() {
            *pending += 1;
            if *pending == 1 {
                fd_add(self.fd, 1);
                drop(pending);
                self.notify();
            }
        }
    }

    fn took_one(&self) {
        let mut pending = self.pending.lock();
        *pending -= 1;
        if *pending == 0 {
            fd_take(self.fd);
        }
    }

    /// Waits for the next event: `None` waits without limit, `Some(ZERO)` only looks.
    pub(crate) fn next(&self, timeout: Option<Duration>) -> Result<Event> {
        let got = match timeout {
            Some(t) if t.is_zero() => self.receiver.try_recv().map_err(|e| match e {
                TryRecvError::Empty => RecvTimeoutError::Timeout,
                TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
            }),
            Some(t) => self.receiver.recv_timeout(t),
            None => self.receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match got {
            Ok(event) => {
                self.took_one();
                Ok(event)
            }
            Err(RecvTimeoutError::Timeout) => Err(Error::new(ErrorCode::Timeout, "no event arrived in time")),
            Err(RecvTimeoutError::Disconnected) => Err(Error::closed()),
        }
    }

    /// Makes the fd readable for good, so that a program polling it wakes and learns (from
    /// `next`) that the app is closed.
    pub(crate) fn mark_closed(&self) {
        fd_add(self.fd, 1 << 32);
        self.notify();
    }
}

impl Drop for EventQueue {
    fn drop(&mut self) {
        if self.fd >= 0 {
            // SAFETY: the fd was opened by `new_event_fd` and is closed once, here.
            unsafe { libc::close(self.fd) };
        }
    }
}

/// Calls a notify function; a panic in it is reported and stops there (it runs on the GUI thread,
/// which must go on).
fn call_notify(notify: &(dyn Fn() + Send + Sync)) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(notify)).is_err() {
        eprintln!("transom: an event notify function panicked");
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn new_event_fd() -> c_int {
    // SAFETY: plain system call with constant flags.
    unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK | libc::EFD_SEMAPHORE) }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn new_event_fd() -> c_int {
    -1
}

fn fd_add(fd: c_int, n: u64) {
    if fd >= 0 {
        let bytes = n.to_ne_bytes();
        // SAFETY: writes 8 bytes from a live buffer to our own eventfd.
        unsafe { libc::write(fd, bytes.as_ptr().cast(), 8) };
    }
}

fn fd_take(fd: c_int) {
    if fd >= 0 {
        let mut bytes = [0u8; 8];
        // SAFETY: reads 8 bytes into a live buffer from our own eventfd; in semaphore mode this
        // takes 1 from its count.
        unsafe { libc::read(fd, bytes.as_mut_ptr().cast(), 8) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readable(fd: c_int) -> bool {
        let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut pfd, 1, 0) == 1 }
    }

    #[test]
    fn fd_is_readable_while_events_are_pending() {
        let (queue, sender) = EventQueue::new();
        assert!(!readable(queue.fd()));
        let event = EventBuilder::new(EventKind::Focus, 1, 0).build();
        queue.push(&sender, event.clone());
        queue.push(&sender, event.clone());
        assert!(readable(queue.fd()));
        assert_eq!(queue.next(Some(Duration::ZERO)).unwrap(), event);
        assert!(readable(queue.fd()));
        queue.next(None).unwrap();
        assert!(!readable(queue.fd()));
        assert_eq!(queue.next(Some(Duration::from_millis(5))).unwrap_err().code, ErrorCode::Timeout);
        drop(sender);
        queue.mark_closed();
        assert!(readable(queue.fd()));
        assert_eq!(queue.next(None).unwrap_err().code, ErrorCode::Closed);
    }

    #[test]
    fn notify_is_called_when_events_become_pending() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (queue, sender) = EventQueue::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let event = EventBuilder::new(EventKind::Focus, 1, 0).build();
        queue.push(&sender, event.clone());
        let counter = calls.clone();
        // An event is pending already: called once at once.
        queue.set_notify(Some(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Not again while events stay pending.
        queue.push(&sender, event.clone());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        queue.next(Some(Duration::ZERO)).unwrap();
        queue.next(Some(Duration::ZERO)).unwrap();
        // Empty -> pending: once per transition.
        queue.push(&sender, event.clone());
        queue.push(&sender, event.clone());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        queue.next(Some(Duration::ZERO)).unwrap();
        queue.next(Some(Duration::ZERO)).unwrap();
        // Closing calls it so that the program learns TRANSOM_ERROR_CLOSED.
        drop(sender);
        queue.mark_closed();
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(queue.next(Some(Duration::ZERO)).unwrap_err().code, ErrorCode::Closed);
        // Removed: no more calls.
        queue.set_notify(None);
        queue.mark_closed();
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_panicking_notify_does_not_stop_the_producer() {
        let (queue, sender) = EventQueue::new();
        queue.set_notify(Some(Arc::new(|| panic!("notify broke"))));
        let event = EventBuilder::new(EventKind::Focus, 1, 0).build();
        queue.push(&sender, event.clone());
        assert_eq!(queue.next(Some(Duration::ZERO)).unwrap(), event);
        queue.push(&sender, event.clone());
        assert_eq!(queue.next(Some(Duration::ZERO)).unwrap(), event);
    }

    #[test]
    fn fd_follows_concurrent_producers() {
        let (queue, sender) = EventQueue::new();
        let queue = std::sync::Arc::new(queue);
        let sender = std::sync::Arc::new(sender);
        let producers: Vec<_> = (0..4)
            .map(|_| {
                let (q, s) = (queue.clone(), sender.clone());
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        q.push(&s, EventBuilder::new(EventKind::Blur, 1, 0).build());
                    }
                })
            })
            .collect();
        let mut got = 0;
        while got < 40_000 {
            queue.next(Some(Duration::from_secs(5))).unwrap();
            got += 1;
        }
        for p in producers {
            p.join().unwrap();
        }
        assert!(!readable(queue.fd()));
    }

    #[test]
    fn a_readable_fd_always_has_an_event_ready() {
        let (queue, sender) = EventQueue::new();
        let queue = std::sync::Arc::new(queue);
        let producer = {
            let q = queue.clone();
            std::thread::spawn(move || {
                for _ in 0..20_000 {
                    q.push(&sender, EventBuilder::new(EventKind::Blur, 1, 0).build());
                }
            })
        };
        let mut got = 0;
        while got < 20_000 {
            let mut pfd = libc::pollfd { fd: queue.fd(), events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd.
            assert_eq!(unsafe { libc::poll(&mut pfd, 1, 5_000) }, 1);
            // Readable: the event must be there to take without waiting.
            queue.next(Some(Duration::ZERO)).expect("the fd was readable but no event was ready");
            got += 1;
        }
        producer.join().unwrap();
    }

    #[test]
    fn builder_escapes_strings() {
        let e = EventBuilder::new(EventKind::TitleChanged, 2, 3).string("title", "a\"b\n</script>").build();
        let v: serde_json::Value = serde_json::from_str(e.json()).unwrap();
        assert_eq!(v["type"], "title-changed");
        assert_eq!(v["window"], 2);
        assert_eq!(v["webview"], 3);
        assert_eq!(v["title"], "a\"b\n</script>");
    }
}
