//! Everything that runs on the GUI thread, and the way in: the process-wide [`Runtime`] that owns
//! the thread, the [`Command`]s it executes, and the coalesced wake-up.
//!
//! There is one GUI thread per process (GTK, AppKit and Win32 UI objects belong to the thread that
//! created them, and GTK can only be initialised once). Every [`crate::App`] of the process shares
//! it. The thread starts on the first `App::new` and runs a tao event loop with
//! `ControlFlow::Wait`: while nothing happens it sleeps in the windowing system's poll.
//!
//! ## Platform-specific
//! - **Linux, Windows:** the library spawns the thread (tao's `with_any_thread(true)`).
//! - **macOS:** AppKit needs the process's main thread: the program must call
//!   `transom_app_run_main` ([`run_main`]) from it; commands wait in the queue until then.

#[cfg(target_os = "linux")]
mod context;
mod event_loop;
mod exchange;
mod webview;
mod window;

pub(crate) use event_loop::{in_callback_of, panic_message};

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use once_cell::sync::OnceCell;
use std::sync::Arc;

use crate::app::{AppShared, EventCallback};
use crate::error::{Error, ErrorCode, Result};
use crate::event::EventSender;
use crate::options::{WebviewOptions, WindowOptions};

/// Where a posted message goes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PostTarget {
    /// One webview.
    Webview(u64),
    /// The webview of a window.
    Window(u64),
    /// Every webview of the app with this key.
    App(u64),
}

/// A payload for a page: JSON text (checked) or bytes.
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    Json(String),
    Bytes(Vec<u8>),
}

impl Payload {
    /// Its size in bytes, as channel windows count it.
    pub(crate) fn len(&self) -> usize {
        match self {
            Payload::Json(text) => text.len(),
            Payload::Bytes(bytes) => bytes.len(),
        }
    }
}

/// A field of a [`Command::WebviewEvent`].
#[derive(Debug, Clone)]
pub(crate) enum Field {
    Text(String),
    Number(f64),
    /// JSON text.
    Json(String),
}

/// Work for the GUI thread: from [`crate::App`] (checked already) and from webview callbacks.
pub(crate) enum Command {
    AppOpen { app: Arc<AppShared>, events: EventSender },
    AppShutdown { app: u64 },
    SetCallback { app: u64, callback: Option<EventCallback> },
    WindowCreate { app: u64, id: u64, options: WindowOptions },
    WindowSet { id: u64, props: WindowOptions },
    WindowClose { id: u64 },
    WebviewCreate { app: u64, window: u64, id: u64, options: WebviewOptions },
    WebviewSet { id: u64, props: crate::options::WebviewProps },
    Eval { id: u64, script: String },
    Navigate { id: u64, url: String },
    Post { target: PostTarget, channel: String, payload: Payload },
    Invoke { app: u64, webview: u64, call: u64, name: String, args: String, timeout: Option<Duration> },
    CancelInvoke { call: u64 },
    StateSet { app: u64, key: String, value: String, version: u64 },
    ChannelOpen { app: u64, webview: u64, channel: u64, name: String },
    ChannelSend { channel: u64, webview: u64, payload: Payload, charge: u64 },
    ChannelClose { channel: u64, webview: u64 },
    /// The program took a channel message out of the event queue.
    ChannelTaken { credit: crate::event::Credit },
    /// The program's answer to a page's call.
    Answer { webview: u64, page: u64, page_call: u64, result: std::result::Result<String, String> },
    /// A page posted through `window.ipc` (from wry's ipc handler).
    PageIpc { webview: u64, origin: String, body: String },
    /// A page started or finished loading (from wry's page-load handler).
    PageLoad { webview: u64, finished: bool, url: String },
    /// A page's title changed.
    TitleChanged { webview: u64, title: String },
    /// An invoke deadline passed (from the timer thread).
    Expire,
    /// A page requested `transom://app/…` for the program to answer (`assets_handler`).
    AssetRequest { webview: u64, request: AssetRequest },
    /// The program's answer to an `asset-request`.
    AssetRespond { request: u64, status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Something happened in a webview that the program hears of as an event as it is (navigation
    /// blocked, new window requested, files dragged).
    WebviewEvent { webview: u64, kind: crate::event::EventKind, fields: Vec<(&'static str, Field)> },
    /// The process is exiting: stop for good between two commands (see [`exit`]).
    HoldForExit,
}

/// A request for the program to answer, with what answers it.
pub(crate) struct AssetRequest {
    pub method: String,
    /// The path with the query, as requested.
    pub path: String,
    /// The request headers as a JSON object (lowercase names).
    pub headers: String,
    pub body: Vec<u8>,
    /// The webview's Content-Security-Policy, added to the answer unless the program sets one.
    pub csp: Option<String>,
    pub responder: wry::RequestAsyncResponder,
}

/// The process's GUI thread, seen from other threads.
pub(crate) struct Runtime {
    commands: Sender<Command>,
    /// True while a wake-up is on its way to the event loop: a burst of commands costs one.
    wake_pending: AtomicBool,
    proxy: OnceCell<tao::event_loop::EventLoopProxy<()>>,
    gui_thread: OnceCell<ThreadId>,
    #[cfg_attr(not(target_os = "macos"), allow(dead_code))]
    receiver: parking_lot::Mutex<Option<Receiver<Command>>>,
}

static RUNTIME: OnceCell<std::result::Result<Runtime, Error>> = OnceCell::new();

/// The process's runtime, starting the GUI thread on first use.
pub(crate) fn runtime() -> Result<&'static Runtime> {
    RUNTIME.get_or_init(start).as_ref().map_err(Clone::clone)
}

impl Runtime {
    /// Enqueues a command and wakes the event loop unless a wake-up is already pending.
    pub(crate) fn send(&self, command: Command) {
        if self.commands.send(command).is_err() {
            return; // The GUI thread is gone; the app is closed and its handle says so.
        }
        if let Some(proxy) = self.proxy.get() {
            if !self.wake_pending.swap(true, Ordering::SeqCst) {
                let _ = proxy.send_event(());
            }
        }
    }

    /// Whether the calling thread is the GUI thread.
    pub(crate) fn is_gui_thread(&self) -> bool {
        self.gui_thread.get() == Some(&std::thread::current().id())
    }
}

#[cfg(not(target_os = "macos"))]
fn start() -> std::result::Result<Runtime, Error> {
    let (commands, receiver) = crossbeam_channel::unbounded();
    let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("transom-gui".into())
        .spawn(move || {
            event_loop::run(
                receiver,
                Box::new(move |started: Started| {
                    let _ = ready_tx.send(started);
                }),
                false,
            )
        })
        .map_err(|e| Error::new(ErrorCode::Platform, format!("cannot start the GUI thread: {e}")))?;
    let started = ready_rx
        .recv()
        .map_err(|_| Error::new(ErrorCode::Platform, "the GUI thread stopped while starting"))?;
    let (proxy, thread) = started?;
    let runtime = Runtime {
        commands,
        wake_pending: AtomicBool::new(false),
        proxy: OnceCell::new(),
        gui_thread: OnceCell::new(),
        receiver: parking_lot::Mutex::new(None),
    };
    let _ = runtime.proxy.set(proxy);
    let _ = runtime.gui_thread.set(thread);
    exit::hold_gui_thread_at_exit();
    Ok(runtime)
}

#[cfg(target_os = "macos")]
fn start() -> std::result::Result<Runtime, Error> {
    let (commands, receiver) = crossbeam_channel::unbounded();
    Ok(Runtime {
        commands,
        wake_pending: AtomicBool::new(false),
        proxy: OnceCell::new(),
        gui_thread: OnceCell::new(),
        receiver: parking_lot::Mutex::new(Some(receiver)),
    })
}

/// What the GUI thread reports once its event loop exists: the proxy that wakes it and its id.
pub(crate) type Started = std::result::Result<(tao::event_loop::EventLoopProxy<()>, ThreadId), Error>;

/// Gives the calling thread to the event loop (macOS: it must be the process's main thread).
/// Returns when the last app of the process has shut down.
#[cfg(target_os = "macos")]
pub(crate) fn run_main() -> Result<()> {
    let runtime = runtime()?;
    let receiver = runtime.receiver.lock().take().ok_or_else(|| {
        Error::new(ErrorCode::InvalidArgument, "the event loop already runs on another thread")
    })?;
    let mut failure = None;
    event_loop::run(
        receiver,
        Box::new(|started: Started| match started {
            Ok((proxy, thread)) => {
                let _ = runtime.proxy.set(proxy);
                let _ = runtime.gui_thread.set(thread);
            }
            Err(e) => failure = Some(e),
        }),
        true,
    );
    failure.map_or(Ok(()), Err)
}

/// Called by the event loop after it drained the command queue: the next command must wake it.
pub(crate) fn clear_wake_pending() {
    if let Some(Ok(runtime)) = RUNTIME.get() {
        runtime.wake_pending.store(false, Ordering::SeqCst);
    }
}

/// Process exit while the GUI thread runs.
///
/// `exit()` (also a return from `main`) runs the exit handlers and then the libraries'
/// destructors on the exiting thread while the GUI thread goes on; a GUI thread inside GTK then
/// can touch what a destructor has torn down. Seen under Xvfb: SIGSEGV in `XSetErrorHandler`
/// (libX11's lock already gone) on the GUI thread while the main thread was in `_dl_fini`, in 2
/// and 4 of 40 exits while the window was being resized (tests/exit.rs).
///
/// So when the GUI thread has started, an `atexit` handler is registered: glibc runs exit
/// handlers in the reverse order of their registration, so it runs before the destructors of the
/// libraries loaded before it (libX11, GTK, WebKit; `_dl_fini` itself was registered before
/// `main`). It asks the GUI thread to stop between two commands ([`Command::HoldForExit`]: the
/// thread parks for good and never returns to GTK) and waits for that at most 1 s, so that a
/// stuck GUI thread cannot hold up the exit. Called on the GUI thread (`exit` from an event
/// callback on the GUI thread) it does nothing.
///
/// ## Platform-specific
///
/// - **Linux and the BSDs** (glibc / any libc with `atexit`): as above.
/// - **Windows**: not needed (`ExitProcess` ends the other threads before the DLLs' detach);
///   not registered. **macOS**: the GUI runs on the main thread; not registered.
mod exit {
    use std::time::{Duration, Instant};

    use parking_lot::{Condvar, Mutex};

    use super::{Command, RUNTIME};

    /// Set by the GUI thread once it has stopped for the exit.
    static HELD: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());
    /// How long the exiting thread waits for the GUI thread.
    const PATIENCE: Duration = Duration::from_secs(1);

    /// Registers the exit handler (once: the GUI thread starts once per process).
    #[cfg_attr(target_os = "macos", allow(dead_code))]
    pub(super) fn hold_gui_thread_at_exit() {
        #[cfg(all(unix, not(target_os = "macos")))]
        // SAFETY: `on_exit` is an `extern "C" fn()` that never unwinds (it catches panics).
        unsafe {
            libc::atexit(on_exit);
        }
    }

    #[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
    extern "C" fn on_exit() {
        let _ = std::panic::catch_unwind(|| {
            let Some(Ok(runtime)) = RUNTIME.get() else { return };
            if runtime.is_gui_thread() || runtime.commands.send(Command::HoldForExit).is_err() {
                return; // On the GUI thread, or the GUI thread is gone.
            }
            if let Some(proxy) = runtime.proxy.get() {
                let _ = proxy.send_event(());
            }
            let deadline = Instant::now() + PATIENCE;
            let mut held = HELD.0.lock();
            while !*held {
                if HELD.1.wait_until(&mut held, deadline).timed_out() {
                    return;
                }
            }
        });
    }

    /// On the GUI thread, for [`Command::HoldForExit`]: says so and never returns.
    pub(super) fn hold() -> ! {
        *HELD.0.lock() = true;
        HELD.1.notify_all();
        loop {
            std::thread::park();
        }
    }
}


/// Sends a command from a webview callback on the GUI thread.
pub(crate) fn send_internal(command: Command) {
    if let Some(Ok(runtime)) = RUNTIME.get() {
        runtime.send(command);
    }
}
