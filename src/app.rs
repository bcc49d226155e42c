//! [`App`]: the handle every caller holds. It checks arguments, allocates ids, enqueues commands
//! for the GUI thread and hands out events. Nothing here waits for the GUI thread except
//! [`App::new`] (once, for the thread to start), [`App::next_event`] and [`App::shutdown`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex, RwLock};

use crate::error::{Error, ErrorCode, Result};
use crate::event::{Event, EventQueue, EventSender};
use crate::gui::{self, Command, Payload, PostTarget};
use crate::page::CHANNEL_WINDOW;
use crate::options::{check_array, check_name, check_payload, AppOptions, WebviewOptions, WindowOptions};

/// Window, webview and call ids come from one process-wide counter: never 0, never reused, unique
/// across every app of the process.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// How long [`App::shutdown`] waits for the GUI thread to close the app's windows.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

/// The ids that are open, kept on the caller's side so that every call can check its ids at once.
/// The GUI thread removes what the user closes.
#[derive(Default)]
pub(crate) struct Registry {
    /// window id -> its webviews, in the order they were made.
    pub windows: HashMap<u64, Vec<u64>>,
    /// webview id -> its window.
    pub webviews: HashMap<u64, u64>,
}

/// A call from a page waiting for the program's answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageCall {
    pub webview: u64,
    /// Which page of the webview made the call (see `GuiWebview::page`).
    pub page: u64,
    /// The page's own id for the call.
    pub page_call: u64,
}

/// The shared state of an app: every key's value (JSON text) and the version it got when it was
/// written. Versions come from one counter per app, taken under this store's lock, so that every
/// write has its place in one order: the highest version wins everywhere.
#[derive(Default)]
pub(crate) struct StateStore {
    pub last_version: u64,
    pub values: BTreeMap<String, (u64, String)>,
}

impl StateStore {
    /// Stores `value` under `key` with the next version, returning that version.
    pub(crate) fn write(&mut self, key: &str, value: String) -> u64 {
        self.last_version += 1;
        self.values.insert(key.to_owned(), (self.last_version, value));
        self.last_version
    }

    /// The whole state as the page runtime starts from it: `{"key":[version,value],…}`.
    pub(crate) fn snapshot(&self) -> String {
        let mut out = String::from("{");
        for (i, (key, (version, value))) in self.values.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            crate::json::push_json_string(&mut out, key);
            out.push_str(&format!(":[{version},{value}]"));
        }
        out.push('}');
        out
    }
}

/// A channel's sending side as the program sees it: how much of the window is in flight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChannelCredit {
    pub webview: u64,
    /// Bytes sent to the page and not yet taken by it.
    pub in_flight: u64,
    /// A send was refused with `WouldBlock`: a `channel-ready` is owed.
    pub blocked: bool,
}

impl ChannelCredit {
    /// Takes `charge` back (the page took that much); true when a `channel-ready` is now due.
    pub(crate) fn release(&mut self, charge: u64) -> bool {
        self.in_flight = self.in_flight.saturating_sub(charge);
        if self.blocked && self.in_flight <= CHANNEL_WINDOW / 2 {
            self.blocked = false;
            return true;
        }
        false
    }
}

/// The state an app shares between its handles and the GUI thread.
pub(crate) struct AppShared {
    pub key: u64,
    pub options: AppOptions,
    pub closed: AtomicBool,
    pub registry: RwLock<Registry>,
    pub page_calls: Mutex<HashMap<u64, PageCall>>,
    /// Calls the program made that are not answered yet.
    pub host_calls: Mutex<HashSet<u64>>,
    pub state: Mutex<StateStore>,
    /// Open channels, by id.
    pub channels: Mutex<HashMap<u64, ChannelCredit>>,
    /// The names pages may invoke (`App::handle`); calls to other names are refused in the page.
    pub handlers: RwLock<HashSet<String>>,
    /// `asset-request`s the program has not answered yet.
    pub asset_requests: Mutex<HashSet<u64>>,
    pub events: EventQueue,
    shutdown_done: Mutex<bool>,
    shutdown_signal: Condvar,
}

impl AppShared {
    /// Called by the GUI thread when the app's windows are closed and its calls rejected.
    pub(crate) fn finish_shutdown(&self) {
        self.registry.write().windows.clear();
        self.registry.write().webviews.clear();
        self.page_calls.lock().clear();
        self.host_calls.lock().clear();
        self.channels.lock().clear();
        self.asset_requests.lock().clear();
        self.events.mark_closed();
        *self.shutdown_done.lock() = true;
        self.shutdown_signal.notify_all();
    }

    /// Forgets a window and its webviews (the GUI thread calls this when the window is gone).
    pub(crate) fn forget_window(&self, window: u64) {
        let mut registry = self.registry.write();
        for webview in registry.windows.remove(&window).unwrap_or_default() {
            registry.webviews.remove(&webview);
        }
    }

    /// Forgets one webview (its creation failed).
    pub(crate) fn forget_webview(&self, webview: u64) {
        let mut registry = self.registry.write();
        if let Some(window) = registry.webviews.remove(&webview) {
            if let Some(list) = registry.windows.get_mut(&window) {
                list.retain(|id| *id != webview);
            }
        }
    }

    /// Forgets every page call of `webview` (its page went away), returning how many.
    pub(crate) fn forget_page_calls(&self, webview: u64) -> usize {
        let mut calls = self.page_calls.lock();
        let before = calls.len();
        calls.retain(|_, call| call.webview != webview);
        before - calls.len()
    }
}

/// A function that receives every event of an app on the GUI thread (see
/// [`App::set_event_callback`]). It owns the event.
pub type EventCallback = Box<dyn FnMut(Event) + Send + 'static>;

/// A function called when an app's events become pending (see [`App::set_event_notify`]).
pub type EventNotify = Box<dyn Fn() + Send + Sync + 'static>;

/// An app: a set of windows and webviews with one event stream. Cheap to clone; every clone is
/// the same app. `Send + Sync`: every method may be called from any thread.
///
/// The app shuts down when [`App::shutdown`] is called or the last clone is dropped.
#[derive(Clone)]
pub struct App {
    handle: Arc<Handle>,
}

struct Handle {
    shared: Arc<AppShared>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("key", &self.shared().key).field("closed", &self.is_closed()).finish()
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = shutdown(&self.shared);
    }
}

impl App {
    /// Creates an app. `options` is a JSON object ([`AppOptions`]) or `None` for the defaults.
    ///
    /// Starts the process's GUI thread on first use and waits for it to be ready.
    ///
    /// # Errors
    /// `InvalidJson` / `InvalidArgument` for bad options; `Platform` when the windowing system
    /// cannot start (no display, no GTK).
    pub fn new(options: Option<&str>) -> Result<App> {
        let options = AppOptions::parse(options)?;
        let runtime = gui::runtime()?;
        let (events, sender): (EventQueue, EventSender) = EventQueue::new();
        let shared = Arc::new(AppShared {
            key: next_id(),
            options,
            closed: AtomicBool::new(false),
            registry: RwLock::new(Registry::default()),
            page_calls: Mutex::new(HashMap::new()),
            host_calls: Mutex::new(HashSet::new()),
            state: Mutex::new(StateStore::default()),
            channels: Mutex::new(HashMap::new()),
            handlers: RwLock::new(HashSet::new()),
            asset_requests: Mutex::new(HashSet::new()),
            events,
            shutdown_done: Mutex::new(false),
            shutdown_signal: Condvar::new(),
        });
        runtime.send(Command::AppOpen { app: shared.clone(), events: sender });
        Ok(App { handle: Arc::new(Handle { shared }) })
    }

    fn shared(&self) -> &AppShared {
        &self.handle.shared
    }

    fn check_open(&self) -> Result<()> {
        if self.shared().closed.load(Ordering::Acquire) {
            Err(Error::closed())
        } else {
            Ok(())
        }
    }

    fn send(&self, command: Command) -> Result<()> {
        gui::runtime()?.send(command);
        Ok(())
    }

    fn check_window(&self, window: u64) -> Result<()> {
        if self.shared().registry.read().windows.contains_key(&window) {
            Ok(())
        } else {
            Err(Error::not_found("window", window))
        }
    }

    fn check_webview(&self, webview: u64) -> Result<()> {
        if self.shared().registry.read().webviews.contains_key(&webview) {
            Ok(())
        } else {
            Err(Error::not_found("webview", webview))
        }
    }

    /// Opens a window. `options` is a JSON object ([`WindowOptions`]). Returns the new window's
    /// id at once; `window-created` follows, or an `error` event naming the id if the
    /// windowing system refuses.
    pub fn create_window(&self, options: &str) -> Result<u64> {
        self.check_open()?;
        let options = WindowOptions::parse("window options", options)?;
        let id = next_id();
        self.shared().registry.write().windows.insert(id, Vec::new());
        self.send(Command::WindowCreate { app: self.shared().key, id, options })?;
        Ok(id)
    }

    /// Changes properties of a window. `props` is a JSON object with the fields of
    /// [`WindowOptions`]; only the fields present change (`transparent` cannot change).
    pub fn set_window(&self, window: u64, props: &str) -> Result<()> {
        self.check_open()?;
        let props = WindowOptions::parse("window properties", props)?;
        if props.transparent.is_some() {
            return Err(Error::invalid_argument("window properties: `transparent` can only be set at creation"));
        }
        self.check_window(window)?;
        self.send(Command::WindowSet { id: window, props })
    }

    /// Closes a window and its webview. Pending calls to its webview are rejected;
    /// `webview-destroyed` and `window-destroyed` follow.
    pub fn close_window(&self, window: u64) -> Result<()> {
        self.check_open()?;
        self.check_window(window)?;
        self.shared().forget_window(window);
        self.send(Command::WindowClose { id: window })
    }

    /// Creates a webview in a window. `options` is a JSON object ([`WebviewOptions`]): without
    /// bounds the webview fills the window; with `x`, `y`, `width`, `height` (logical pixels) it
    /// sits in that rectangle. A window may hold several webviews; later ones are drawn above
    /// earlier ones. Returns the webview's id at once; `webview-created` follows, or an `error`
    /// event naming the id.
    pub fn create_webview(&self, window: u64, options: &str) -> Result<u64> {
        self.check_open()?;
        let options = WebviewOptions::parse(options)?;
        let id = next_id();
        {
            let mut registry = self.shared().registry.write();
            let Some(list) = registry.windows.get_mut(&window) else { return Err(Error::not_found("window", window)) };
            list.push(id);
            registry.webviews.insert(id, window);
        }
        self.send(Command::WebviewCreate { app: self.shared().key, window, id, options })?;
        Ok(id)
    }

    /// Moves, resizes, shows or hides a webview. `props` is a JSON object
    /// ([`crate::options::WebviewProps`]): `x`, `y`, `width`, `height` together (logical pixels,
    /// relative to the window's content area), or `fill: true`; `visible`. Only the fields
    /// present change.
    pub fn set_webview(&self, webview: u64, props: &str) -> Result<()> {
        self.check_open()?;
        let props = crate::options::WebviewProps::parse(props)?;
        self.check_webview(webview)?;
        self.send(Command::WebviewSet { id: webview, props })
    }

    /// Runs `script` (JavaScript source) in the main frame of the webview's page. Scripts and
    /// messages sent to a webview reach its page in the order they were sent, once the page's own
    /// scripts have run (at `DOMContentLoaded`).
    pub fn eval(&self, webview: u64, script: &str) -> Result<()> {
        self.check_open()?;
        self.check_webview(webview)?;
        self.send(Command::Eval { id: webview, script: script.to_owned() })
    }

    /// Loads `url` (absolute) in the webview. Calls pending in the old page are rejected.
    pub fn navigate(&self, webview: u64, url: &str) -> Result<()> {
        self.check_open()?;
        crate::options::check_url(url).map_err(|m| Error::invalid_argument(format!("url {m}")))?;
        self.check_webview(webview)?;
        self.send(Command::Navigate { id: webview, url: url.to_owned() })
    }

    fn webview_target(&self, webview: u64) -> Result<PostTarget> {
        if webview == 0 {
            Ok(PostTarget::App(self.shared().key))
        } else {
            self.check_webview(webview)?;
            Ok(PostTarget::Webview(webview))
        }
    }

    fn check_bytes(&self, what: &str, bytes: &[u8]) -> Result<()> {
        let max = self.shared().options.max_message_bytes;
        if bytes.len() > max {
            return Err(Error::new(
                ErrorCode::TooLarge,
                format!("{what} is {} bytes, more than max_message_bytes ({max})", bytes.len()),
            ));
        }
        Ok(())
    }

    /// Sends `payload` (JSON text) on `channel` to the page of `webview`, or of every webview of
    /// the app when `webview` is 0. The page receives it with `host.on(channel, fn)`.
    pub fn post(&self, webview: u64, channel: &str, payload: &str) -> Result<()> {
        self.check_open()?;
        check_name("channel", channel)?;
        check_payload("payload", payload, self.shared().options.max_message_bytes)?;
        let target = self.webview_target(webview)?;
        self.send(Command::Post { target, channel: channel.to_owned(), payload: Payload::Json(payload.to_owned()) })
    }

    /// Sends `payload` (JSON text) on `channel` to the page of the webview of `window`.
    pub fn post_window(&self, window: u64, channel: &str, payload: &str) -> Result<()> {
        self.check_open()?;
        check_name("channel", channel)?;
        check_payload("payload", payload, self.shared().options.max_message_bytes)?;
        self.check_window(window)?;
        let target = PostTarget::Window(window);
        self.send(Command::Post { target, channel: channel.to_owned(), payload: Payload::Json(payload.to_owned()) })
    }

    /// Sends `bytes` on `channel` to the page of `webview` (0: every webview of the app). The page's
    /// listeners get a `Uint8Array`. The bytes travel as the body of a response to the page, not
    /// as JSON or base64.
    pub fn post_bytes(&self, webview: u64, channel: &str, bytes: &[u8]) -> Result<()> {
        self.check_open()?;
        check_name("channel", channel)?;
        self.check_bytes("bytes", bytes)?;
        let target = self.webview_target(webview)?;
        self.send(Command::Post { target, channel: channel.to_owned(), payload: Payload::Bytes(bytes.to_vec()) })
    }

    /// Calls the page handler `name` (registered with `host.handle`) with `args` (a JSON array).
    /// Returns the call id at once; `invoke-result` with that id follows: the handler's value,
    /// its error, "no handler named X", a timeout after `timeout_ms` milliseconds (0: none), or
    /// the page going away.
    pub fn invoke(&self, webview: u64, name: &str, args: &str, timeout_ms: u32) -> Result<u64> {
        self.check_open()?;
        check_name("handler name", name)?;
        check_array("args", args, self.shared().options.max_message_bytes)?;
        self.check_webview(webview)?;
        let call = next_id();
        self.shared().host_calls.lock().insert(call);
        let timeout = (timeout_ms > 0).then(|| Duration::from_millis(timeout_ms.into()));
        self.send(Command::Invoke { app: self.shared().key, webview, call, name: name.to_owned(), args: args.to_owned(), timeout })?;
        Ok(call)
    }

    /// Cancels a call the program made with [`App::invoke`]: its `invoke-result` comes at once with
    /// `code` `TRANSOM_ERROR_CANCELLED`, and the page's eventual answer is dropped.
    pub fn cancel_invoke(&self, call: u64) -> Result<()> {
        self.check_open()?;
        if !self.shared().host_calls.lock().contains(&call) {
            return Err(Error::new(ErrorCode::NotFound, format!("no pending call with id {call}")));
        }
        self.send(Command::CancelInvoke { call })
    }

    /// Sets the shared state `key` (1 to 256 bytes) to `value` (JSON text). Every webview of the
    /// app sees it (`host.state[key]`, `host.watchState`), pages loaded later too, and a
    /// `state-changed` event follows. Returns the write's version: the highest version wins.
    pub fn set_state(&self, key: &str, value: &str) -> Result<u64> {
        self.check_open()?;
        check_name("state key", key)?;
        check_payload("state value", value, self.shared().options.max_message_bytes)?;
        let version = self.shared().state.lock().write(key, value.to_owned());
        self.send(Command::StateSet { app: self.shared().key, key: key.to_owned(), value: value.to_owned(), version })?;
        Ok(version)
    }

    /// The current value (JSON text) of the shared state `key`.
    ///
    /// # Errors
    /// `NotFound` when the key was never set.
    pub fn state(&self, key: &str) -> Result<String> {
        self.check_open()?;
        self.shared()
            .state
            .lock()
            .values
            .get(key)
            .map(|(_, value)| value.clone())
            .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("no state key {key:?}")))
    }

    /// Opens a channel `name` to the page of `webview`; the page gets it through
    /// `host.onChannel(name, fn)` (without such a handler the page closes it and a
    /// `channel-close` event says why). Returns the channel id at once.
    pub fn open_channel(&self, webview: u64, name: &str) -> Result<u64> {
        self.check_open()?;
        check_name("channel name", name)?;
        self.check_webview(webview)?;
        let channel = next_id();
        self.shared().channels.lock().insert(channel, ChannelCredit { webview, in_flight: 0, blocked: false });
        self.send(Command::ChannelOpen { app: self.shared().key, webview, channel, name: name.to_owned() })?;
        Ok(channel)
    }

    fn channel_send(&self, channel: u64, payload: Payload) -> Result<()> {
        let charge = payload.len() as u64;
        let webview = {
            let mut channels = self.shared().channels.lock();
            let credit = channels.get_mut(&channel).ok_or_else(|| Error::not_found("channel", channel))?;
            if credit.in_flight > 0 && credit.in_flight + charge > CHANNEL_WINDOW {
                credit.blocked = true;
                return Err(Error::new(
                    ErrorCode::WouldBlock,
                    format!("channel {channel}: the page has not taken {} bytes yet; wait for channel-ready", credit.in_flight),
                ));
            }
            credit.in_flight += charge;
            credit.webview
        };
        self.send(Command::ChannelSend { channel, webview, payload, charge })
    }

    /// Sends `payload` (JSON text) through a channel, in order. At most 4 MiB may be in flight (sent
    /// and not yet taken by the page); past that nothing is sent, the call returns `WouldBlock`
    /// and a `channel-ready` event follows when the page has caught up.
    pub fn send_channel(&self, channel: u64, payload: &str) -> Result<()> {
        self.check_open()?;
        check_payload("payload", payload, self.shared().options.max_message_bytes)?;
        self.channel_send(channel, Payload::Json(payload.to_owned()))
    }

    /// Like [`App::send_channel`] with bytes: the page's listeners get a `Uint8Array`.
    pub fn send_channel_bytes(&self, channel: u64, bytes: &[u8]) -> Result<()> {
        self.check_open()?;
        self.check_bytes("bytes", bytes)?;
        self.channel_send(channel, Payload::Bytes(bytes.to_vec()))
    }

    /// Closes a channel; the page's side sees it close ("closed by the program").
    pub fn close_channel(&self, channel: u64) -> Result<()> {
        self.check_open()?;
        let credit = self.shared().channels.lock().remove(&channel).ok_or_else(|| Error::not_found("channel", channel))?;
        self.send(Command::ChannelClose { channel, webview: credit.webview })
    }

    fn answer(&self, call: u64, result: std::result::Result<String, String>) -> Result<()> {
        let page_call = self.shared().page_calls.lock().remove(&call).ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                format!("no pending call with id {call} (never made, already answered, or its page went away)"),
            )
        })?;
        self.send(Command::Answer { webview: page_call.webview, page: page_call.page, page_call: page_call.page_call, result })
    }

    /// Answers an `asset-request` event (a webview with `assets_handler`): the page's request for
    /// `transom://app/…` gets HTTP status `status` (100 to 599), the headers in `headers` (a JSON
    /// object of header name to string value, or `None`) and `body`. Without a `Content-Type`
    /// the type is guessed from the path; the webview's Content-Security-Policy is added unless
    /// `headers` has one. `NotFound` when no such request is waiting (never made, answered
    /// already, or its webview closed, which answers it with 503).
    pub fn respond_asset(&self, request: u64, status: u16, headers: Option<&str>, body: &[u8]) -> Result<()> {
        self.check_open()?;
        if !(100..=599).contains(&status) {
            return Err(Error::invalid_argument(format!("status must be an HTTP status from 100 to 599, got {status}")));
        }
        let headers = match headers {
            None => Vec::new(),
            Some(text) => parse_headers(text)?,
        };
        if !self.shared().asset_requests.lock().remove(&request) {
            return Err(Error::new(ErrorCode::NotFound, format!("no asset request with id {request} is waiting for an answer")));
        }
        self.send(Command::AssetRespond { request, status, headers, body: body.to_vec() })
    }

    /// Lets pages call `name` (UTF-8, 1 to 256 bytes) with `host.invoke(name, …)`: from now on
    /// such calls reach the program as `invoke` events. Calls to names that were never
    /// registered (or were unregistered) are refused in the page with "no handler named NAME"
    /// and never reach the program: the handler allow-list of the app, shared by all its
    /// webviews. Registering a name twice is allowed (it stays registered once).
    pub fn handle(&self, name: &str) -> Result<()> {
        self.check_open()?;
        check_name("handler name", name)?;
        self.shared().handlers.write().insert(name.to_owned());
        Ok(())
    }

    /// Takes `name` off the handler allow-list ([`App::handle`]): later page calls to it are
    /// refused in the page. Calls already delivered as `invoke` events still await their answer.
    /// `NotFound` when the name was not registered.
    pub fn unhandle(&self, name: &str) -> Result<()> {
        self.check_open()?;
        check_name("handler name", name)?;
        if self.shared().handlers.write().remove(name) {
            Ok(())
        } else {
            Err(Error::new(ErrorCode::NotFound, format!("no handler named {name} is registered")))
        }
    }

    /// Answers a page's call (an `invoke` event) with `value` (JSON text): its Promise resolves.
    pub fn resolve(&self, call: u64, value: &str) -> Result<()> {
        self.check_open()?;
        check_payload("value", value, self.shared().options.max_message_bytes)?;
        self.answer(call, Ok(value.to_owned()))
    }

    /// Answers a page's call with an error: its Promise rejects with an `Error` whose message is
    /// `message`.
    pub fn reject(&self, call: u64, message: &str) -> Result<()> {
        self.check_open()?;
        if message.len() > self.shared().options.max_message_bytes {
            return Err(Error::new(ErrorCode::TooLarge, "rejection message is larger than max_message_bytes"));
        }
        self.answer(call, Err(message.to_owned()))
    }

    /// Takes the next event: waits without limit when `timeout` is `None`, only looks when it is
    /// zero. After shutdown it returns the events left, then `Closed`.
    ///
    /// # Errors
    /// `Timeout` when no event came in time; `Closed` when the app is shut down and drained.
    pub fn next_event(&self, timeout: Option<Duration>) -> Result<Event> {
        if timeout != Some(Duration::ZERO) {
            refuse_to_wait(self.shared().key, "next_event")?;
        }
        let event = self.shared().events.next(timeout)?;
        if let Some(credit) = event.credit() {
            // The program took a channel message: the page may send that much more.
            let _ = self.send(Command::ChannelTaken { credit });
        }
        Ok(event)
    }

    /// A file descriptor that is readable while events are pending (Linux: an eventfd), for
    /// `poll`, asyncio's `add_reader` and the like; -1 where unsupported. It stays valid until the
    /// app is dropped; read events with [`App::next_event`], never from the fd.
    pub fn event_fd(&self) -> i32 {
        self.shared().events.fd()
    }

    /// Delivers every event to `callback` instead of queueing it; `None` goes back to queueing.
    /// Events already queued are handed to the new callback first, in order.
    ///
    /// The callback runs on a thread of the app's own (`transom-events`), one event at a time, in
    /// order; not on the GUI thread, so a callback that takes long delays only this app's events
    /// (windows repaint, pages receive messages meanwhile). It may call any method; [`App::shutdown`]
    /// called there does not wait, [`App::next_event`] and [`App::run_main`] are refused there
    /// (`Unsupported`). Every event handed to a callback has been delivered when `shutdown`
    /// returns; a callback that is replaced may still be running its last events while the new
    /// one starts.
    pub fn set_event_callback(&self, callback: Option<EventCallback>) -> Result<()> {
        self.check_open()?;
        self.send(Command::SetCallback { app: self.shared().key, callback })
    }

    /// Calls `notify` each time the app's event queue goes from empty to not empty, and once when
    /// the app has shut down (so that the program learns `Closed` from [`App::next_event`]); `None`
    /// stops the calls. The program then takes the events with `next_event(Some(Duration::ZERO))`
    /// until `Timeout`: an event that comes after that calls `notify` again, so none is missed.
    /// If events are pending when it is set, `notify` is called once at once, on the calling
    /// thread. It is the queue's [`App::event_fd`] as a function, for event loops that can be
    /// woken from another thread (a Node-API thread-safe function, Bun's thread-safe `JSCallback`)
    /// but cannot watch a file descriptor: one wake-up of the program per burst of events, with no
    /// thread in between.
    ///
    /// `notify` runs on the GUI thread (at shutdown, when an event callback is set too, on the
    /// app's `transom-events` thread; when set with events pending, on the calling thread). It
    /// must return at once: it must not wait for anything, nor call a method that waits (windows
    /// would stop repainting meanwhile). A panic in it is caught and reported on stderr. It is not
    /// called for events that go to an event callback ([`App::set_event_callback`]). A `notify`
    /// that is replaced may still be running once while the new one is set.
    ///
    /// # Errors
    /// `Closed` when a function is set after the app has shut down (removing one is always fine).
    pub fn set_event_notify(&self, notify: Option<EventNotify>) -> Result<()> {
        if notify.is_some() {
            self.check_open()?;
        }
        self.shared().events.set_notify(notify.map(Arc::from));
        Ok(())
    }

    /// Runs a host-protocol command (docs/protocol.md), returning the reply line's JSON.
    pub fn send_json(&self, command: &str) -> Result<String> {
        crate::protocol::execute(self, command)
    }

    /// Closes every window of the app, rejects its pending calls and waits (up to 10 s) for the
    /// GUI thread to finish. Idempotent. Called from the GUI thread (an event callback), it does
    /// not wait.
    pub fn shutdown(&self) -> Result<()> {
        shutdown(self.shared())
    }

    /// Gives the calling thread to the app until it shuts down.
    ///
    /// ## Platform-specific
    /// - **macOS:** runs the event loop on the calling thread, which must be the main thread;
    ///   returns when the last app of the process has shut down.
    /// - **Linux, Windows:** the event loop has its own thread; this waits for the shutdown.
    pub fn run_main(&self) -> Result<()> {
        #[cfg(target_os = "macos")]
        return gui::run_main();
        #[cfg(not(target_os = "macos"))]
        {
            refuse_to_wait(self.shared().key, "run_main")?;
            let shared = self.shared();
            let mut done = shared.shutdown_done.lock();
            while !*done {
                shared.shutdown_signal.wait(&mut done);
            }
            Ok(())
        }
    }

    /// Whether the app has been shut down.
    pub fn is_closed(&self) -> bool {
        self.shared().closed.load(Ordering::Acquire)
    }
}

fn shutdown(shared: &AppShared) -> Result<()> {
    let runtime = gui::runtime()?;
    if !shared.closed.swap(true, Ordering::AcqRel) {
        runtime.send(Command::AppShutdown { app: shared.key });
    }
    if runtime.is_gui_thread() || gui::in_callback_of(shared.key) {
        return Ok(()); // The shutdown goes on once this returns; waiting here would stop it.
    }
    let mut done = shared.shutdown_done.lock();
    let deadline = std::time::Instant::now() + SHUTDOWN_WAIT;
    while !*done {
        if shared.shutdown_signal.wait_until(&mut done, deadline).timed_out() {
            return Err(Error::new(
                ErrorCode::Timeout,
                "the app did not finish shutting down within 10 s (is its event callback blocking?)",
            ));
        }
    }
    Ok(())
}

/// Parses response headers: a JSON object of header name to string value, each a valid HTTP
/// header name and value (RFC 9110 section 5: tokens, no control characters).
fn parse_headers(text: &str) -> Result<Vec<(String, String)>> {
    check_payload("headers", text, usize::MAX)?;
    let map: std::collections::BTreeMap<String, String> = serde_json::from_str(text)
        .map_err(|e| Error::invalid_argument(format!("headers must be a JSON object of strings: {e}")))?;
    map.into_iter()
        .map(|(name, value)| {
            if wry::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(Error::invalid_argument(format!("headers: {name:?} is not a header name")));
            }
            if wry::http::HeaderValue::from_str(&value).is_err() {
                return Err(Error::invalid_argument(format!("headers: the value of {name:?} is not a valid header value")));
            }
            Ok((name, value))
        })
        .collect()
}

/// Refuses a call that would wait for the app when it is made where the app cannot make progress
/// meanwhile: on the GUI thread, or inside the app's own event callback (whose thread the events
/// and the shutdown go through).
fn refuse_to_wait(app: u64, what: &str) -> Result<()> {
    if gui::runtime().is_ok_and(|r| r.is_gui_thread()) || gui::in_callback_of(app) {
        return Err(Error::new(
            ErrorCode::Unsupported,
            format!("{what} cannot wait inside an event callback or on the GUI thread: take events on another thread, or with a zero timeout"),
        ));
    }
    Ok(())
}
