//! The GUI thread's event loop: the registry of windows and webviews, command execution, window
//! events, and the per-turn delivery of everything queued for each page in one evaluation. What
//! travels between the program and its pages (calls, channels, state, bytes) is in `exchange.rs`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use parking_lot::Mutex;
use tao::event::{Event as TaoEvent, StartCause, WindowEvent};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopWindowTarget};
use tao::platform::run_return::EventLoopExtRunReturn;
use tao::window::{Window, WindowId};

use super::{webview, window, Command, Payload, PostTarget, Started};
use crate::app::{AppShared, EventCallback};
use crate::error::{Error, ErrorCode};
use crate::event::{Event, EventBuilder, EventKind, EventSender};
use crate::options::WebviewOptions;
use crate::page::{self, Blobs};

pub(super) struct GuiApp {
    pub shared: Arc<AppShared>,
    events: EventSender,
    /// The thread that runs the app's event callback, when one is set.
    callback: Option<CallbackThread>,
    /// The web context the app's webviews share, made with the first one.
    #[cfg(target_os = "linux")]
    context: Option<super::context::SharedContext>,
}

impl GuiApp {
    /// Hands an event to the program: to its callback's thread, or into its queue.
    fn emit(&mut self, event: Event) {
        match &self.callback {
            Some(thread) => thread.deliver(event),
            None => self.shared.events.push(&self.events, event),
        }
    }
}

/// What a callback thread is handed.
enum Delivery {
    Event(Event),
    /// The app has shut down: every event before this was delivered; finish the shutdown.
    Finish,
}

thread_local! {
    /// The app whose event callback runs on this thread (0: none).
    static CALLBACK_APP: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Whether the calling thread is running `app`'s event callback (it must not wait for the app).
pub(crate) fn in_callback_of(app: u64) -> bool {
    CALLBACK_APP.with(|c| c.get()) == app
}

/// A thread of its own that runs an app's event callback, one event at a time, in order.
///
/// Not on the GUI thread: a callback that blocks (a foreign runtime waiting for its own loop, a
/// slow handler) delays only its app's events, while windows repaint and pages keep receiving
/// messages. A channel message's credit goes back once the callback has returned.
struct CallbackThread {
    sender: crossbeam_channel::Sender<Delivery>,
}

impl CallbackThread {
    fn start(shared: Arc<AppShared>, mut callback: EventCallback) -> Option<CallbackThread> {
        let (sender, receiver) = crossbeam_channel::unbounded::<Delivery>();
        let app = shared.key;
        let spawned = std::thread::Builder::new().name("transom-events".into()).spawn(move || {
            CALLBACK_APP.with(|c| c.set(app));
            while let Ok(delivery) = receiver.recv() {
                match delivery {
                    Delivery::Event(event) => {
                        let credit = event.credit();
                        if catch_unwind(AssertUnwindSafe(|| callback(event))).is_err() {
                            eprintln!("transom: an event callback panicked; the event is dropped");
                        }
                        if let Some(credit) = credit {
                            super::send_internal(super::Command::ChannelTaken { credit });
                        }
                    }
                    Delivery::Finish => {
                        shared.finish_shutdown();
                        break;
                    }
                }
            }
            CALLBACK_APP.with(|c| c.set(0));
            drop(callback); // May drop the last App handle: its shutdown does not wait here.
        });
        spawned.ok().map(|_| CallbackThread { sender })
    }

    fn deliver(&self, event: Event) {
        let _ = self.sender.send(Delivery::Event(event));
    }
}

pub(super) struct GuiWindow {
    pub app: u64,
    window: Window,
    limits: window::Limits,
    close_guard: bool,
    transparent: bool,
    /// Its webviews, in the order they were made.
    pub webviews: Vec<u64>,
    /// `Minimized`, `Maximized` or `Restored`: the last state reported.
    state: EventKind,
}

/// What waits to be delivered to a page.
pub(super) enum Outgoing {
    /// A posted message for `window.__transom_receive`; it goes to whichever page is loaded.
    Post(String),
    /// A message that belongs to the current page (a call, an answer, channel traffic); it is
    /// dropped if that page goes away first.
    ThisPage(String),
    /// A message with bytes: the bytes are put up for the page to fetch when the message goes
    /// out, and the message gets their download id (`"b"`). `this_page` as for `ThisPage`.
    Bytes { message: String, bytes: Vec<u8>, this_page: bool },
    /// A script from `transom_webview_eval`.
    Script(String),
}

impl Outgoing {
    /// Whether it belongs to the page that is loaded now (and goes away with it).
    pub(super) fn is_for_this_page(&self) -> bool {
        matches!(self, Outgoing::ThisPage(_) | Outgoing::Bytes { this_page: true, .. })
    }

    /// Bytes it takes in a delivery batch (a comma and the message; room for a download id).
    fn batch_len(&self) -> usize {
        match self {
            Outgoing::Post(m) | Outgoing::ThisPage(m) => m.len() + 1,
            Outgoing::Bytes { message, .. } => message.len() + 28,
            Outgoing::Script(_) => 0,
        }
    }
}

pub(super) struct GuiWebview {
    pub app: u64,
    pub window: u64,
    pub webview: wry::WebView,
    pub secret: String,
    /// The program's `init_script`, run after the runtime in every page.
    pub init_script: Option<String>,
    /// Whether pages get `window.host` (the `bridge` option).
    pub bridge: bool,
    /// The origins allowed to use the bridge (normalised patterns, `WebviewOptions::origins`).
    pub origins: Vec<String>,
    /// Whether the page loaded now has an allowed origin. Updated when a load starts; while it is
    /// false nothing is delivered to the page and calls to it fail at once.
    pub origin_ok: bool,
    /// Which navigations the `navigation` option allows.
    navigation: webview::NavigationPolicy,
    pub blobs: Arc<Mutex<Blobs>>,
    /// The page runtime said it is ready (its page's scripts have run); until then deliveries wait.
    pub ready: bool,
    pub outbox: Vec<Outgoing>,
    /// Whether this webview is in `Gui::dirty`.
    pub dirty: bool,
    /// Counts the pages this webview has shown; answers to a page's calls carry the number of the
    /// page that made them.
    pub page: u64,
    /// A load the program asked for (creation, `navigate`) has not committed yet: its commit
    /// starts the page that what is queued now is meant for, so it ends nothing. Any other commit
    /// (a link, a reload, a script setting `location`) replaces the current page.
    pub awaiting_commit: bool,
}

/// A call the program made to a page, waiting for its answer.
pub(super) struct HostCall {
    pub app: u64,
    pub webview: u64,
    pub timeout: Option<Duration>,
}

/// An `asset-request` waiting for the program's `transom_asset_respond`.
pub(super) struct PendingAsset {
    app: u64,
    webview: u64,
    /// The requested path, for a Content-Type when the program gives none.
    path: String,
    csp: Option<String>,
    responder: wry::RequestAsyncResponder,
}

/// An open channel, seen from the GUI thread.
pub(super) struct GuiChannel {
    pub app: u64,
    pub webview: u64,
}

pub(super) struct Gui {
    commands: Receiver<Command>,
    pub apps: HashMap<u64, GuiApp>,
    pub windows: HashMap<u64, GuiWindow>,
    tao_windows: HashMap<WindowId, u64>,
    pub webviews: HashMap<u64, GuiWebview>,
    pub calls: HashMap<u64, HostCall>,
    /// Deadlines of calls with a timeout, earliest first.
    pub deadlines: BinaryHeap<Reverse<(Instant, u64)>>,
    pub timer: Timer,
    /// Webviews with something in their outbox, in the order they got it.
    dirty: Vec<u64>,
    pub channels: HashMap<u64, GuiChannel>,
    /// Charge of page channel messages the program took this turn, by channel: acknowledged to
    /// the pages in one message per channel when the turn's deliveries go out.
    pub taken: HashMap<u64, u64>,
    /// Apps whose shared state changed this turn: their webviews' start-up scripts are renewed.
    pub stale_scripts: HashSet<u64>,
    /// Asset requests the program has not answered yet, by request id.
    assets: HashMap<u64, PendingAsset>,
}

/// Runs the event loop on the calling thread. `on_started` learns whether the windowing system
/// started. With `exit_when_no_apps` the loop returns once no app is left (macOS main thread);
/// otherwise it runs for the life of the process, asleep while nothing happens.
pub(super) fn run(commands: Receiver<Command>, on_started: Box<dyn FnOnce(Started) + '_>, exit_when_no_apps: bool) {
    let mut event_loop = match catch_unwind(build_event_loop) {
        Ok(Ok(event_loop)) => event_loop,
        Ok(Err(error)) => return on_started(Err(error)),
        Err(panic) => {
            return on_started(Err(Error::new(
                ErrorCode::Platform,
                format!("the windowing system failed to start: {}", panic_message(&panic)),
            )))
        }
    };
    on_started(Ok((event_loop.create_proxy(), std::thread::current().id())));
    let mut gui = Gui {
        commands,
        apps: HashMap::new(),
        windows: HashMap::new(),
        tao_windows: HashMap::new(),
        webviews: HashMap::new(),
        calls: HashMap::new(),
        deadlines: BinaryHeap::new(),
        timer: Timer::default(),
        dirty: Vec::new(),
        channels: HashMap::new(),
        taken: HashMap::new(),
        stale_scripts: HashSet::new(),
        assets: HashMap::new(),
    };
    event_loop.run_return(move |event, target, control_flow| {
        let outcome = catch_unwind(AssertUnwindSafe(|| gui.handle(event, target)));
        if let Err(panic) = outcome {
            eprintln!("transom: internal error on the GUI thread (recovered): {}", panic_message(&panic));
        }
        *control_flow = if exit_when_no_apps && gui.apps.is_empty() { ControlFlow::Exit } else { ControlFlow::Wait };
    });
}

fn build_event_loop() -> Result<tao::event_loop::EventLoop<()>, Error> {
    #[cfg(target_os = "linux")]
    gtk::init().map_err(|e| {
        Error::new(ErrorCode::Platform, format!("cannot open the display (is DISPLAY or WAYLAND_DISPLAY set?): {e}"))
    })?;
    let mut builder = EventLoopBuilder::<()>::with_user_event();
    #[cfg(any(target_os = "linux", target_os = "dragonfly", target_os = "freebsd", target_os = "netbsd", target_os = "openbsd"))]
    tao::platform::unix::EventLoopBuilderExtUnix::with_any_thread(&mut builder, true);
    #[cfg(target_os = "windows")]
    tao::platform::windows::EventLoopBuilderExtWindows::with_any_thread(&mut builder, true);
    Ok(builder.build())
}

pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

impl Gui {
    fn handle(&mut self, event: TaoEvent<'_, ()>, target: &EventLoopWindowTarget<()>) {
        match event {
            TaoEvent::NewEvents(StartCause::Init) => self.drain(target),
            TaoEvent::UserEvent(()) => {
                super::clear_wake_pending();
                self.drain(target);
            }
            TaoEvent::WindowEvent { window_id, event, .. } => self.window_event(window_id, event),
            TaoEvent::MainEventsCleared => self.flush(),
            _ => {}
        }
    }

    /// Executes every queued command, then delivers what they queued for pages.
    fn drain(&mut self, target: &EventLoopWindowTarget<()>) {
        while let Ok(command) = self.commands.try_recv() {
            self.execute(command, target);
        }
        self.expire_calls();
        self.flush();
    }

    pub(super) fn emit(&mut self, app: u64, event: Event) {
        if let Some(a) = self.apps.get_mut(&app) {
            a.emit(event);
        }
    }

    pub(super) fn emit_error(&mut self, app: u64, id: u64, error: &Error) {
        let event = EventBuilder::new(EventKind::Error, 0, 0)
            .id("id", id)
            .string("code", error.code.name())
            .string("message", &error.message)
            .build();
        self.emit(app, event);
    }

    fn execute(&mut self, command: Command, target: &EventLoopWindowTarget<()>) {
        match command {
            Command::AppOpen { app, events } => {
                self.apps.insert(
                    app.key,
                    GuiApp {
                        shared: app,
                        events,
                        callback: None,
                        #[cfg(target_os = "linux")]
                        context: None,
                    },
                );
            }
            Command::AppShutdown { app } => self.shutdown_app(app),
            Command::SetCallback { app, callback } => self.set_callback(app, callback),
            Command::WindowCreate { app, id, options } => match window::build(target, &options) {
                Ok((window, limits)) => {
                    self.tao_windows.insert(window.id(), id);
                    let gui_window = GuiWindow {
                        app,
                        window,
                        limits,
                        close_guard: options.close_guard.unwrap_or(false),
                        transparent: options.transparent.unwrap_or(false),
                        webviews: Vec::new(),
                        state: EventKind::Restored,
                    };
                    self.windows.insert(id, gui_window);
                    self.emit(app, EventBuilder::new(EventKind::WindowCreated, id, 0).build());
                }
                Err(error) => {
                    if let Some(a) = self.apps.get(&app) {
                        a.shared.forget_window(id);
                    }
                    self.emit_error(app, id, &error);
                }
            },
            Command::WindowSet { id, props } => {
                if let Some(w) = self.windows.get_mut(&id) {
                    window::apply(&w.window, &mut w.limits, &props);
                    if let Some(guard) = props.close_guard {
                        w.close_guard = guard;
                    }
                }
            }
            Command::WindowClose { id } => self.close_window(id),
            Command::WebviewCreate { app, window, id, options } => self.create_webview(app, window, id, &options),
            Command::WebviewSet { id, props } => {
                if let Some(w) = self.webviews.get(&id) {
                    webview::set_layout(&w.webview, props.bounds().ok().flatten(), props.visible);
                }
            }
            Command::Eval { id, script } => self.queue(id, Outgoing::Script(script)),
            Command::Navigate { id, url } => {
                if let Some(w) = self.webviews.get(&id) {
                    if !(w.navigation)(&url) {
                        // Refused before the current page is touched: it stays, with its calls.
                        let event = EventBuilder::new(EventKind::NavigationBlocked, w.window, id).string("url", &url);
                        return self.emit(w.app, event.build());
                    }
                    let (app, result) = (w.app, w.webview.load_url(&url));
                    self.page_gone(id, "the page navigated away");
                    if let Some(w) = self.webviews.get_mut(&id) {
                        w.awaiting_commit = result.is_ok();
                    }
                    if let Err(e) = result {
                        self.emit_error(app, id, &Error::new(ErrorCode::Platform, format!("navigation failed: {e}")));
                    }
                }
            }
            Command::Post { target, channel, payload } => {
                let ids: Vec<u64> = match target {
                    PostTarget::Webview(id) => vec![id],
                    PostTarget::Window(window) => self.windows.get(&window).map(|w| w.webviews.clone()).unwrap_or_default(),
                    PostTarget::App(app) => self.webviews_of(app),
                };
                for id in ids {
                    let outgoing = match &payload {
                        Payload::Json(json) => Outgoing::Post(page::send_message(&channel, json)),
                        Payload::Bytes(bytes) => {
                            let message = page::message("send", channel.len()).string("c", &channel).finish();
                            Outgoing::Bytes { message, bytes: bytes.clone(), this_page: false }
                        }
                    };
                    self.queue(id, outgoing);
                }
            }
            Command::Invoke { app, webview, call, name, args, timeout } => {
                self.invoke(app, webview, call, &name, &args, timeout)
            }
            Command::CancelInvoke { call } => self.cancel_invoke(call),
            Command::Answer { webview, page, page_call, result } => {
                if self.webviews.get(&webview).is_some_and(|w| w.page == page) {
                    self.queue(webview, Outgoing::ThisPage(page::result_message(page_call, &result)));
                }
            }
            Command::StateSet { app, key, value, version } => self.state_changed(app, &key, &value, version, None),
            Command::ChannelOpen { app, webview, channel, name } => self.host_opens_channel(app, webview, channel, &name),
            Command::ChannelSend { channel, webview, payload, charge } => {
                self.host_sends_on_channel(channel, webview, payload, charge)
            }
            Command::ChannelClose { channel, webview } => {
                if self.channels.remove(&channel).is_some() {
                    self.queue(webview, Outgoing::ThisPage(page::message("chclose", 0).id("ch", channel).finish()));
                }
            }
            Command::ChannelTaken { credit } => self.channel_taken(credit),
            Command::PageIpc { webview, origin, body } => self.page_ipc(webview, &origin, &body),
            Command::PageLoad { webview, finished, url } => self.page_load(webview, finished, &url),
            Command::TitleChanged { webview, title } => {
                if let Some(w) = self.webviews.get(&webview) {
                    let event = EventBuilder::new(EventKind::TitleChanged, w.window, webview).string("title", &title).build();
                    self.emit(w.app, event);
                }
            }
            Command::Expire => {}
            Command::HoldForExit => super::exit::hold(),
            Command::AssetRequest { webview, request } => self.asset_request(webview, request),
            Command::AssetRespond { request, status, headers, body } => self.asset_respond(request, status, headers, body),
            Command::WebviewEvent { webview, kind, fields } => {
                if let Some(w) = self.webviews.get(&webview) {
                    let mut event = EventBuilder::new(kind, w.window, webview);
                    for (key, field) in fields {
                        event = match field {
                            super::Field::Text(text) => event.string(key, &text),
                            super::Field::Number(n) => event.number(key, n),
                            super::Field::Json(json) => event.raw(key, &json),
                        };
                    }
                    self.emit(w.app, event.build());
                }
            }
        }
    }

    /// Sets or removes the app's event callback. The thread of a callback that is replaced ends
    /// after the events it was handed; what waits in the queue goes to a new callback first.
    fn set_callback(&mut self, app: u64, callback: Option<EventCallback>) {
        let Some(gui_app) = self.apps.get_mut(&app) else { return };
        gui_app.callback = callback.and_then(|callback| CallbackThread::start(gui_app.shared.clone(), callback));
        if let Some(thread) = &gui_app.callback {
            while let Ok(event) = gui_app.shared.events.next(Some(Duration::ZERO)) {
                thread.deliver(event);
            }
        }
    }

    /// The webviews of an app, in id order.
    pub(super) fn webviews_of(&self, app: u64) -> Vec<u64> {
        let mut ids: Vec<u64> = self.webviews.iter().filter(|(_, w)| w.app == app).map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids
    }

    /// The page runtime for a webview of `app`, with the app's current shared state.
    fn runtime_for(&self, app: u64, secret: &str, origins: &[String]) -> String {
        let shared = self.apps.get(&app).map(|a| a.shared.clone());
        let (state, max) = shared.map_or(("{}".to_owned(), usize::MAX), |s| (s.state.lock().snapshot(), s.options.max_message_bytes));
        page::runtime_script(secret, &state, max, origins)
    }

    fn create_webview(&mut self, app: u64, window: u64, id: u64, options: &WebviewOptions) {
        let forget = |gui: &Self| {
            if let Some(a) = gui.apps.get(&app) {
                a.shared.forget_webview(id);
            }
        };
        let Some(transparent) = self.windows.get(&window).map(|w| w.transparent) else {
            // The window failed or closed before its webview was made.
            forget(self);
            return self.emit_error(app, id, &Error::not_found("window", window));
        };
        let secret = page::new_secret();
        let blobs = Arc::new(Mutex::new(Blobs::default()));
        let bridge = options.bridge.unwrap_or(true);
        let origins = options.origins();
        let runtime = bridge.then(|| self.runtime_for(app, &secret, &origins));
        let Some(w) = self.windows.get_mut(&window) else { return };
        #[cfg(target_os = "linux")]
        let Some(context) = self.apps.get_mut(&app).map(|a| a.context.get_or_insert_with(super::context::SharedContext::new)) else {
            return;
        };
        let setup = webview::Setup {
            id,
            options,
            runtime,
            secret: secret.clone(),
            blobs: blobs.clone(),
            #[cfg(target_os = "linux")]
            context,
        };
        match webview::build(&w.window, transparent, setup) {
            Ok((webview, navigation)) => {
                w.webviews.push(id);
                let gui_webview = GuiWebview {
                    app,
                    window,
                    webview,
                    secret,
                    init_script: options.init_script.clone(),
                    bridge,
                    origins,
                    origin_ok: true,
                    navigation,
                    blobs,
                    ready: false,
                    outbox: Vec::new(),
                    dirty: false,
                    page: 0,
                    awaiting_commit: true,
                };
                self.webviews.insert(id, gui_webview);
                self.emit(app, EventBuilder::new(EventKind::WebviewCreated, window, id).build());
            }
            Err(error) => {
                forget(self);
                #[cfg(target_os = "linux")]
                if let Some(context) = self.apps.get_mut(&app).and_then(|a| a.context.as_mut()) {
                    context.forget(id);
                }
                self.emit_error(app, id, &error);
            }
        }
    }

    /// Queues something for a page; it goes out at the end of this turn if the page is ready.
    pub(super) fn queue(&mut self, webview: u64, outgoing: Outgoing) {
        if let Some(w) = self.webviews.get_mut(&webview) {
            w.outbox.push(outgoing);
            if !w.dirty {
                w.dirty = true;
                self.dirty.push(webview);
            }
        }
    }

    /// The page's scripts have run: what waits for it can go.
    pub(super) fn mark_ready(&mut self, webview: u64) {
        #[cfg(not(target_os = "linux"))]
        self.send_whole_state(webview);
        if let Some(w) = self.webviews.get_mut(&webview) {
            if !w.origin_ok {
                return; // No runtime in this page: what is queued waits for the next allowed page.
            }
            w.ready = true;
            if !w.outbox.is_empty() && !w.dirty {
                w.dirty = true;
                self.dirty.push(webview);
            }
        }
    }

    /// Ends the turn: renews start-up scripts whose state is stale, acknowledges what the program
    /// took from channels, and delivers every ready page's outbox: consecutive messages in one
    /// evaluation, scripts in their own, in the order they were queued.
    fn flush(&mut self) {
        for app in std::mem::take(&mut self.stale_scripts) {
            for id in self.webviews_of(app) {
                let w = &self.webviews[&id];
                if w.bridge {
                    let runtime = self.runtime_for(app, &w.secret, &w.origins);
                    webview::install_scripts(&w.webview, Some(&runtime), w.init_script.as_deref());
                }
            }
        }
        for (channel, charge) in std::mem::take(&mut self.taken) {
            if let Some(webview) = self.channels.get(&channel).map(|c| c.webview) {
                let ack = page::message("ack", 0).id("ch", channel).id("z", charge).finish();
                self.queue(webview, Outgoing::ThisPage(ack));
            }
        }
        let mut waiting = Vec::new();
        for id in std::mem::take(&mut self.dirty) {
            let Some(w) = self.webviews.get_mut(&id) else { continue };
            if !w.ready {
                waiting.push(id);
                continue;
            }
            w.dirty = false;
            let outbox = std::mem::take(&mut w.outbox);
            let capacity = outbox.iter().map(Outgoing::batch_len).sum();
            let mut batch = page::Delivery::new(&w.secret, capacity);
            for outgoing in outbox {
                match outgoing {
                    Outgoing::Post(m) | Outgoing::ThisPage(m) => batch.push(&m),
                    Outgoing::Bytes { message, bytes, .. } => {
                        let mut blobs = w.blobs.lock();
                        blobs.last_download += 1;
                        let download = blobs.last_download;
                        blobs.downloads.insert(download, bytes);
                        batch.push(&page::with_download(message, download));
                    }
                    Outgoing::Script(script) => {
                        if !batch.is_empty() {
                            let _ = w.webview.evaluate_script(&batch.take());
                        }
                        let _ = w.webview.evaluate_script(&script);
                    }
                }
            }
            if !batch.is_empty() {
                let _ = w.webview.evaluate_script(&batch.take());
            }
        }
        self.dirty.extend(waiting);
    }

    fn page_load(&mut self, webview: u64, finished: bool, url: &str) {
        let Some(w) = self.webviews.get(&webview) else { return };
        let (app, window) = (w.app, w.window);
        if finished {
            // The runtime normally says it is ready at DOMContentLoaded, which comes first; this
            // covers pages where it could not run, so that deliveries never wait forever.
            self.mark_ready(webview);
        } else {
            let w = self.webviews.get_mut(&webview).expect("checked above");
            w.origin_ok = crate::security::origin_allowed(&crate::security::origin_of(url), &w.origins);
            if !std::mem::replace(&mut w.awaiting_commit, false) {
                self.page_gone(webview, "the page navigated away");
            }
        }
        let event = EventBuilder::new(EventKind::PageLoad, window, webview)
            .string("state", if finished { "finished" } else { "started" })
            .string("url", url)
            .build();
        self.emit(app, event);
    }

    fn window_event(&mut self, tao_id: WindowId, event: WindowEvent<'_>) {
        let Some(&id) = self.tao_windows.get(&tao_id) else {
            // tao reports a change of the process-wide theme (a window's `theme`, the desktop's
            // colour scheme) for no window in particular: every window hears of it.
            if let WindowEvent::ThemeChanged(theme) = event {
                let name = if theme == tao::window::Theme::Dark { "dark" } else { "light" };
                let mut windows: Vec<(u64, u64)> = self.windows.iter().map(|(id, w)| (*id, w.app)).collect();
                windows.sort_unstable();
                for (id, app) in windows {
                    self.emit(app, EventBuilder::new(EventKind::ThemeChanged, id, 0).string("theme", name).build());
                }
            }
            return;
        };
        let Some(w) = self.windows.get(&id) else { return };
        let app = w.app;
        let scale = w.window.scale_factor();
        let event = match event {
            WindowEvent::CloseRequested => {
                let guarded = w.close_guard;
                self.emit(app, EventBuilder::new(EventKind::CloseRequested, id, 0).build());
                if !guarded {
                    self.close_window(id);
                }
                return;
            }
            WindowEvent::Destroyed => return self.close_window(id),
            WindowEvent::Focused(true) => EventBuilder::new(EventKind::Focus, id, 0).build(),
            WindowEvent::Focused(false) => EventBuilder::new(EventKind::Blur, id, 0).build(),
            WindowEvent::Resized(size) => {
                let size = size.to_logical::<f64>(scale);
                EventBuilder::new(EventKind::Resize, id, 0).number("width", size.width).number("height", size.height).build()
            }
            WindowEvent::Moved(position) => {
                let position = position.to_logical::<f64>(scale);
                EventBuilder::new(EventKind::Move, id, 0).number("x", position.x).number("y", position.y).build()
            }
            WindowEvent::ScaleFactorChanged { scale_factor, .. } => {
                EventBuilder::new(EventKind::ScaleChanged, id, 0).number("scale", scale_factor).build()
            }
            WindowEvent::ThemeChanged(theme) => {
                let name = if theme == tao::window::Theme::Dark { "dark" } else { "light" };
                EventBuilder::new(EventKind::ThemeChanged, id, 0).string("theme", name).build()
            }
            _ => return,
        };
        self.emit(app, event);
        self.check_window_state(id);
    }

    /// Reports a change between normal, minimized and maximized. tao has no event for it, so the
    /// state is looked at after each window event (GTK sends a configure or focus change with it).
    fn check_window_state(&mut self, id: u64) {
        let Some(w) = self.windows.get_mut(&id) else { return };
        let now = if w.window.is_minimized() {
            EventKind::Minimized
        } else if w.window.is_maximized() {
            EventKind::Maximized
        } else {
            EventKind::Restored
        };
        if std::mem::replace(&mut w.state, now) != now {
            let app = w.app;
            self.emit(app, EventBuilder::new(now, id, 0).build());
        }
    }

    /// Hands a request for `transom://app/…` to the program as `asset-request`.
    fn asset_request(&mut self, webview: u64, request: super::AssetRequest) {
        let super::AssetRequest { method, path, headers, body, csp, responder } = request;
        let Some((app, window)) = self.webviews.get(&webview).map(|w| (w.app, w.window)) else {
            return unavailable(responder);
        };
        let id = crate::app::next_id();
        if let Some(a) = self.apps.get(&app) {
            a.shared.asset_requests.lock().insert(id);
        }
        let mut event = EventBuilder::new(EventKind::AssetRequest, window, webview)
            .id("request", id)
            .string("method", &method)
            .string("path", &path)
            .raw("headers", &headers);
        if !body.is_empty() {
            event = event.bytes(body);
        }
        self.assets.insert(id, PendingAsset { app, webview, path, csp, responder });
        self.emit(app, event.build());
    }

    /// Answers an `asset-request` with what the program gave. A `Content-Type` is guessed from
    /// the path when the program gave none; the webview's CSP is added unless it set one.
    fn asset_respond(&mut self, request: u64, status: u16, headers: Vec<(String, String)>, body: Vec<u8>) {
        let Some(pending) = self.assets.remove(&request) else { return };
        let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        let mut response = wry::http::Response::builder().status(status);
        if !has("content-type") {
            let path = pending.path.split(['?', '#']).next().unwrap_or("");
            let mime = mime_guess::from_path(path).first_raw().unwrap_or("application/octet-stream");
            response = response.header("content-type", mime);
        }
        if let (Some(csp), false) = (&pending.csp, has("content-security-policy")) {
            response = response.header("content-security-policy", csp.as_str());
        }
        for (name, value) in &headers {
            response = response.header(name.as_str(), value.as_str());
        }
        match response.body(std::borrow::Cow::<'static, [u8]>::Owned(body)) {
            Ok(response) => pending.responder.respond(response),
            Err(_) => unavailable(pending.responder),
        }
    }

    /// Ends the asset requests of a webview that is going away (503), so no fetch hangs.
    fn drop_asset_requests(&mut self, webview: u64) {
        let ids: Vec<u64> = self.assets.iter().filter(|(_, p)| p.webview == webview).map(|(id, _)| *id).collect();
        for id in ids {
            if let Some(pending) = self.assets.remove(&id) {
                if let Some(a) = self.apps.get(&pending.app) {
                    a.shared.asset_requests.lock().remove(&id);
                }
                unavailable(pending.responder);
            }
        }
    }

    /// Closes a window and its webview, ending the webview's calls and channels.
    fn close_window(&mut self, id: u64) {
        let Some(w) = self.windows.remove(&id) else { return };
        self.tao_windows.remove(&w.window.id());
        for &webview in &w.webviews {
            #[cfg(target_os = "linux")]
            if let Some(context) = self.apps.get_mut(&w.app).and_then(|a| a.context.as_mut()) {
                context.forget(webview);
            }
            self.drop_asset_requests(webview);
            self.page_gone(webview, "the webview was closed");
            if self.webviews.remove(&webview).is_some() {
                self.emit(w.app, EventBuilder::new(EventKind::WebviewDestroyed, id, webview).build());
            }
        }
        if let Some(app) = self.apps.get(&w.app) {
            app.shared.forget_window(id);
        }
        let app = w.app;
        drop(w);
        self.emit(app, EventBuilder::new(EventKind::WindowDestroyed, id, 0).build());
    }

    fn shutdown_app(&mut self, app: u64) {
        let mut calls: Vec<u64> = self.calls.iter().filter(|(_, c)| c.app == app).map(|(id, _)| *id).collect();
        calls.sort_unstable();
        for call in calls {
            self.invoke_failed(call, ErrorCode::Closed, "the app was shut down");
        }
        let mut windows: Vec<u64> = self.windows.iter().filter(|(_, w)| w.app == app).map(|(id, _)| *id).collect();
        windows.sort_unstable();
        for window in windows {
            self.close_window(window);
        }
        self.stale_scripts.remove(&app);
        if let Some(gui_app) = self.apps.remove(&app) {
            let shared = gui_app.shared.clone();
            // The queue closes: the program reads what is left, then `Closed`. A callback thread
            // finishes the shutdown after the events it still has, so that none runs after
            // `shutdown` returns.
            let finished_by_callback = gui_app.callback.as_ref().is_some_and(|t| t.sender.send(Delivery::Finish).is_ok());
            drop(gui_app);
            if !finished_by_callback {
                shared.finish_shutdown();
            }
        }
    }
}

/// Answers an asset request that nobody will answer: 503 Service Unavailable.
fn unavailable(responder: wry::RequestAsyncResponder) {
    let response = wry::http::Response::builder()
        .status(503)
        .body(std::borrow::Cow::<'static, [u8]>::Borrowed(&[][..]))
        .unwrap_or_default();
    responder.respond(response);
}

/// Wakes the event loop when the earliest invoke deadline passes. A thread that sleeps until the
/// next deadline (tao's `WaitUntil` does not wake a sleeping GTK loop); it exists only once a call
/// with a timeout was made, and sleeps without limit while none is pending.
#[derive(Default)]
pub(super) struct Timer {
    sender: Option<crossbeam_channel::Sender<Instant>>,
}

impl Timer {
    pub(super) fn wake_at(&mut self, deadline: Instant) {
        let sender = self.sender.get_or_insert_with(|| {
            let (sender, receiver) = crossbeam_channel::unbounded::<Instant>();
            let _ = std::thread::Builder::new().name("transom-timer".into()).spawn(move || {
                let mut pending: BinaryHeap<Reverse<Instant>> = BinaryHeap::new();
                loop {
                    let next = match pending.peek() {
                        None => receiver.recv().ok(),
                        Some(Reverse(at)) => match receiver.recv_deadline(*at) {
                            Ok(deadline) => Some(deadline),
                            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                                let now = Instant::now();
                                while pending.peek().is_some_and(|Reverse(at)| *at <= now) {
                                    pending.pop();
                                }
                                super::send_internal(Command::Expire);
                                continue;
                            }
                            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => None,
                        },
                    };
                    match next {
                        Some(deadline) => pending.push(Reverse(deadline)),
                        None => return,
                    }
                }
            });
            sender
        });
        let _ = sender.send(deadline);
    }
}
