//! The GUI thread's event loop: the registry of windows and webviews, command execution, window
//! events, and the per-turn delivery of everything queued for each page in one evaluation.

use std::collections::{BinaryHeap, HashMap};
use std::cmp::Reverse;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use tao::event::{Event as TaoEvent, StartCause, WindowEvent};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopWindowTarget};
use tao::platform::run_return::EventLoopExtRunReturn;
use tao::window::{Window, WindowId};

use super::{webview, window, Command, PostTarget, Started};
use crate::app::{next_id, AppShared, EventCallback, PageCall};
use crate::error::{Error, ErrorCode};
use crate::options::check_name;
use crate::event::{Event, EventBuilder, EventKind, EventSender};
use crate::page::{self, PageMessage, Rejected};

struct GuiApp {
    shared: Arc<AppShared>,
    events: EventSender,
    callback: Option<EventCallback>,
}

impl GuiApp {
    fn emit(&mut self, event: Event) {
        match &mut self.callback {
            Some(callback) => callback(event),
            None => self.shared.events.push(&self.events, event),
        }
    }
}

struct GuiWindow {
    app: u64,
    window: Window,
    limits: window::Limits,
    close_guard: bool,
    transparent: bool,
    webview: Option<u64>,
}

/// What waits to be delivered to a page.
enum Outgoing {
    /// A posted message for `window.__transom_receive`; it goes to whichever page is loaded.
    Post(String),
    /// A call or an answer to a call for `window.__transom_receive`; it belongs to the current
    /// page and is dropped if that page goes away first.
    Call(String),
    /// A script from `transom_webview_eval`.
    Script(String),
}

struct GuiWebview {
    app: u64,
    window: u64,
    webview: wry::WebView,
    secret: String,
    /// The page runtime said it is ready (its page's scripts have run); until then deliveries wait.
    ready: bool,
    outbox: Vec<Outgoing>,
    /// Whether this webview is in `Gui::dirty`.
    dirty: bool,
    /// Counts the pages this webview has shown; answers to a page's calls carry the number of the
    /// page that made them.
    page: u64,
}

/// Where a page message came from.
struct PageSource<'a> {
    app: u64,
    window: u64,
    webview: u64,
    page: u64,
    origin: &'a str,
    max: usize,
}

/// A call the program made to a page, waiting for its answer.
struct HostCall {
    app: u64,
    webview: u64,
    timeout: Option<Duration>,
}

struct Gui {
    commands: Receiver<Command>,
    apps: HashMap<u64, GuiApp>,
    windows: HashMap<u64, GuiWindow>,
    tao_windows: HashMap<WindowId, u64>,
    webviews: HashMap<u64, GuiWebview>,
    calls: HashMap<u64, HostCall>,
    /// Deadlines of calls with a timeout, earliest first.
    deadlines: BinaryHeap<Reverse<(Instant, u64)>>,
    timer: Timer,
    /// Webviews with something in their outbox, in the order they got it.
    dirty: Vec<u64>,
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

    fn emit(&mut self, app: u64, event: Event) {
        if let Some(app) = self.apps.get_mut(&app) {
            app.emit(event);
        }
    }

    fn emit_error(&mut self, app: u64, id: u64, error: &Error) {
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
                self.apps.insert(app.key, GuiApp { shared: app, events, callback: None });
            }
            Command::AppShutdown { app } => self.shutdown_app(app),
            Command::SetCallback { app, callback } => {
                if let Some(gui_app) = self.apps.get_mut(&app) {
                    gui_app.callback = callback;
                    if let Some(callback) = &mut gui_app.callback {
                        while let Ok(event) = gui_app.shared.events.next(Some(Duration::ZERO)) {
                            callback(event);
                        }
                    }
                }
            }
            Command::WindowCreate { app, id, options } => match window::build(target, &options) {
                Ok((window, limits)) => {
                    self.tao_windows.insert(window.id(), id);
                    let gui_window = GuiWindow {
                        app,
                        window,
                        limits,
                        close_guard: options.close_guard.unwrap_or(false),
                        transparent: options.transparent.unwrap_or(false),
                        webview: None,
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
            Command::Eval { id, script } => self.queue(id, Outgoing::Script(script)),
            Command::Navigate { id, url } => {
                if let Some(w) = self.webviews.get_mut(&id) {
                    let (app, result) = (w.app, w.webview.load_url(&url));
                    self.page_gone(id, "the page navigated away");
                    if let Err(e) = result {
                        self.emit_error(app, id, &Error::new(ErrorCode::Platform, format!("navigation failed: {e}")));
                    }
                }
            }
            Command::Post { target, channel, payload } => {
                let message = page::send_message(&channel, &payload);
                match target {
                    PostTarget::Webview(id) => self.queue(id, Outgoing::Post(message)),
                    PostTarget::App(app) => {
                        let mut ids: Vec<u64> =
                            self.webviews.iter().filter(|(_, w)| w.app == app).map(|(id, _)| *id).collect();
                        ids.sort_unstable();
                        for id in ids {
                            self.queue(id, Outgoing::Post(message.clone()));
                        }
                    }
                }
            }
            Command::Invoke { app, webview, call, name, args, timeout } => {
                self.invoke(app, webview, call, &name, &args, timeout)
            }
            Command::Answer { webview, page, page_call, result } => {
                if self.webviews.get(&webview).is_some_and(|w| w.page == page) {
                    self.queue(webview, Outgoing::Call(page::result_message(page_call, &result)));
                }
            }
            Command::PageIpc { webview, origin, body } => self.page_ipc(webview, &origin, &body),
            Command::PageLoad { webview, finished, url } => self.page_load(webview, finished, &url),
            Command::TitleChanged { webview, title } => {
                if let Some(w) = self.webviews.get(&webview) {
                    let event = EventBuilder::new(EventKind::TitleChanged, w.window, webview).string("title", &title).build();
                    self.emit(w.app, event);
                }
            }
            Command::Expire => {}
        }
    }

    fn create_webview(&mut self, app: u64, window: u64, id: u64, options: &crate::options::WebviewOptions) {
        let Some(w) = self.windows.get_mut(&window) else {
            // The window failed or closed before its webview was made.
            if let Some(a) = self.apps.get(&app) {
                a.shared.registry.write().webviews.remove(&id);
            }
            let error = Error::not_found("window", window);
            return self.emit_error(app, id, &error);
        };
        let secret = page::new_secret();
        match webview::build(&w.window, w.transparent, id, options, &secret) {
            Ok(webview) => {
                w.webview = Some(id);
                self.webviews.insert(
                    id,
                    GuiWebview { app, window, webview, secret, ready: false, outbox: Vec::new(), dirty: false, page: 0 },
                );
                self.emit(app, EventBuilder::new(EventKind::WebviewCreated, window, id).build());
            }
            Err(error) => {
                if let Some(a) = self.apps.get(&app) {
                    let mut registry = a.shared.registry.write();
                    registry.webviews.remove(&id);
                    if let Some(slot) = registry.windows.get_mut(&window) {
                        *slot = None;
                    }
                }
                self.emit_error(app, id, &error);
            }
        }
    }

    /// Queues something for a page; it goes out at the end of this turn if the page is ready.
    fn queue(&mut self, webview: u64, outgoing: Outgoing) {
        if let Some(w) = self.webviews.get_mut(&webview) {
            w.outbox.push(outgoing);
            if !w.dirty {
                w.dirty = true;
                self.dirty.push(webview);
            }
        }
    }

    /// Delivers every ready page's outbox: consecutive messages in one evaluation, scripts in
    /// their own, in the order they were queued.
    fn flush(&mut self) {
        let mut waiting = Vec::new();
        for id in std::mem::take(&mut self.dirty) {
            let Some(w) = self.webviews.get_mut(&id) else { continue };
            if !w.ready {
                waiting.push(id);
                continue;
            }
            w.dirty = false;
            let mut messages = Vec::new();
            for outgoing in std::mem::take(&mut w.outbox) {
                match outgoing {
                    Outgoing::Post(m) | Outgoing::Call(m) => messages.push(m),
                    Outgoing::Script(script) => {
                        if !messages.is_empty() {
                            let _ = w.webview.evaluate_script(&page::delivery_script(&w.secret, &messages));
                            messages.clear();
                        }
                        let _ = w.webview.evaluate_script(&script);
                    }
                }
            }
            if !messages.is_empty() {
                let _ = w.webview.evaluate_script(&page::delivery_script(&w.secret, &messages));
            }
        }
        self.dirty.extend(waiting);
    }

    fn invoke(&mut self, app: u64, webview: u64, call: u64, name: &str, args: &str, timeout: Option<Duration>) {
        self.calls.insert(call, HostCall { app, webview, timeout });
        if !self.webviews.contains_key(&webview) {
            // Closed after the call was accepted: answer at once.
            return self.invoke_failed(call, ErrorCode::NotFound, "the webview was closed");
        }
        if let Some(t) = timeout {
            let deadline = Instant::now() + t;
            self.deadlines.push(Reverse((deadline, call)));
            self.timer.wake_at(deadline);
        }
        self.queue(webview, Outgoing::Call(page::invoke_message(call, name, args)));
    }

    fn invoke_failed(&mut self, call: u64, code: ErrorCode, message: &str) {
        if let Some(c) = self.calls.remove(&call) {
            let window = self.webviews.get(&c.webview).map_or(0, |w| w.window);
            let event = EventBuilder::new(EventKind::InvokeResult, window, c.webview)
                .id("call", call)
                .boolean("ok", false)
                .string("error", message)
                .string("code", code.name())
                .build();
            self.emit(c.app, event);
        }
    }

    /// Answers calls whose time ran out.
    fn expire_calls(&mut self) {
        let now = Instant::now();
        while let Some(Reverse((deadline, call))) = self.deadlines.peek().copied() {
            if deadline > now {
                break;
            }
            self.deadlines.pop();
            if let Some(timeout) = self.calls.get(&call).and_then(|c| c.timeout) {
                let message = format!("the page did not answer within {} ms", timeout.as_millis());
                self.invoke_failed(call, ErrorCode::Timeout, &message);
            }
        }
    }

    /// The page of `webview` went away (navigation, close): its pending calls end both ways, and
    /// calls and answers queued for it are dropped, so that none reaches the page that replaces
    /// it. Posts and scripts stay queued for the next page.
    fn page_gone(&mut self, webview: u64, reason: &str) {
        let mut ended: Vec<u64> = self.calls.iter().filter(|(_, c)| c.webview == webview).map(|(id, _)| *id).collect();
        ended.sort_unstable();
        for call in ended {
            self.invoke_failed(call, ErrorCode::NotFound, reason);
        }
        if let Some(w) = self.webviews.get_mut(&webview) {
            w.ready = false;
            w.page += 1;
            w.outbox.retain(|o| !matches!(o, Outgoing::Call(_)));
            if let Some(app) = self.apps.get(&w.app) {
                app.shared.forget_page_calls(webview);
            }
        }
    }

    fn page_ipc(&mut self, webview: u64, origin: &str, body: &str) {
        let Some(w) = self.webviews.get(&webview) else { return };
        let from = PageSource {
            app: w.app,
            window: w.window,
            webview,
            page: w.page,
            origin,
            max: self.apps.get(&w.app).map_or(usize::MAX, |a| a.shared.options.max_message_bytes),
        };
        match page::decode(&w.secret, body) {
            Ok(messages) => {
                for message in messages {
                    if let Err(reason) = self.page_message(&from, message) {
                        self.security(&from, &format!("malformed-message: {reason}"));
                    }
                }
            }
            Err(Rejected::Unsigned) => self.security(&from, "unsigned-message"),
            Err(Rejected::Malformed(detail)) => self.security(&from, &format!("malformed-message: {detail}")),
        }
    }

    /// Reports a page message that was dropped to protect the program.
    fn security(&mut self, from: &PageSource<'_>, reason: &str) {
        let event = EventBuilder::new(EventKind::Security, from.window, from.webview)
            .string("reason", reason)
            .string("origin", from.origin)
            .build();
        self.emit(from.app, event);
    }

    /// Handles one signed message from a page; an `Err` names what was wrong with it.
    fn page_message(&mut self, from: &PageSource<'_>, m: PageMessage<'_>) -> Result<(), String> {
        let (app, window, webview, max) = (from.app, from.window, from.webview, from.max);
        match m.t {
            "ready" => self.mark_ready(webview),
            "send" => {
                let (Some(channel), Some(payload)) = (m.c, m.d) else { return Err("`send` needs `c` and `d`".into()) };
                check_name("channel", &channel).map_err(|e| e.message)?;
                if payload.get().len() > max {
                    return Err(format!("a message on {channel:?} is larger than max_message_bytes ({max})"));
                }
                let event = EventBuilder::new(EventKind::Message, window, webview)
                    .string("channel", &channel)
                    .raw("payload", payload.get())
                    .build();
                self.emit(app, event);
            }
            "invoke" => {
                let (Some(page_call), Some(name), Some(args)) = (m.id, m.n, m.a) else {
                    return Err("`invoke` needs `id`, `n` and `a`".into());
                };
                let refusal = check_name("handler name", &name)
                    .err()
                    .map(|e| e.message)
                    .or_else(|| (args.get().len() > max).then(|| format!("arguments of {name} are larger than max_message_bytes ({max})")))
                    .or_else(|| (!args.get().starts_with('[')).then(|| "arguments must be a JSON array".to_owned()));
                if let Some(message) = refusal {
                    self.queue(webview, Outgoing::Call(page::result_message(page_call, &Err(message))));
                    return Ok(());
                }
                let call = next_id();
                if let Some(a) = self.apps.get(&app) {
                    a.shared.page_calls.lock().insert(call, PageCall { webview, page: from.page, page_call });
                }
                let event = EventBuilder::new(EventKind::Invoke, window, webview)
                    .id("call", call)
                    .string("name", &name)
                    .raw("args", args.get())
                    .build();
                self.emit(app, event);
            }
            "result" => {
                let (Some(call), Some(ok)) = (m.id, m.ok) else { return Err("`result` needs `id` and `ok`".into()) };
                // Only the webview the call went to may answer it, once.
                if self.calls.get(&call).map(|c| c.webview) != Some(webview) {
                    return Ok(());
                }
                let value = m.v.map_or("null", |v| v.get());
                if ok && value.len() > max {
                    let message = format!("the page's answer is larger than max_message_bytes ({max})");
                    self.invoke_failed(call, ErrorCode::TooLarge, &message);
                    return Ok(());
                }
                let Some(c) = self.calls.remove(&call) else { return Ok(()) };
                let builder = EventBuilder::new(EventKind::InvokeResult, window, webview).id("call", call).boolean("ok", ok);
                let event = if ok {
                    builder.raw("value", value).build()
                } else {
                    builder.string("error", m.e.as_deref().unwrap_or("rejected")).build()
                };
                self.emit(c.app, event);
            }
            other => return Err(format!("unknown message type {other:?}")),
        }
        Ok(())
    }

    /// The page's scripts have run: what waits for it can go.
    fn mark_ready(&mut self, webview: u64) {
        if let Some(w) = self.webviews.get_mut(&webview) {
            w.ready = true;
            if !w.outbox.is_empty() && !w.dirty {
                w.dirty = true;
                self.dirty.push(webview);
            }
        }
    }

    fn page_load(&mut self, webview: u64, finished: bool, url: &str) {
        let Some(w) = self.webviews.get_mut(&webview) else { return };
        let (app, window) = (w.app, w.window);
        if finished {
            // The runtime normally says it is ready at DOMContentLoaded, which comes first; this
            // covers pages where it could not run, so that deliveries never wait forever.
            self.mark_ready(webview);
        } else {
            self.page_gone(webview, "the page navigated away");
        }
        let event = EventBuilder::new(EventKind::PageLoad, window, webview)
            .string("state", if finished { "finished" } else { "started" })
            .string("url", url)
            .build();
        self.emit(app, event);
    }

    fn window_event(&mut self, tao_id: WindowId, event: WindowEvent<'_>) {
        let Some(&id) = self.tao_windows.get(&tao_id) else { return };
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
            _ => return,
        };
        self.emit(app, event);
    }

    /// Closes a window and its webview, ending the webview's calls.
    fn close_window(&mut self, id: u64) {
        let Some(w) = self.windows.remove(&id) else { return };
        self.tao_windows.remove(&w.window.id());
        if let Some(webview) = w.webview {
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
        if let Some(gui_app) = self.apps.remove(&app) {
            let shared = gui_app.shared.clone();
            drop(gui_app); // Closes the event queue: the program reads what is left, then `Closed`.
            shared.finish_shutdown();
        }
    }
}

/// Wakes the event loop when the earliest invoke deadline passes. A thread that sleeps until the
/// next deadline (tao's `WaitUntil` does not wake a sleeping GTK loop); it exists only once a call
/// with a timeout was made, and sleeps without limit while none is pending.
#[derive(Default)]
struct Timer {
    sender: Option<crossbeam_channel::Sender<Instant>>,
}

impl Timer {
    fn wake_at(&mut self, deadline: Instant) {
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
