//! The Node-API addon of the npm package `transom` (bindings/js): libtransom for Node, linked in
//! as the `transom` crate. The TypeScript core (bindings/js/src/backends/node.ts) drives it.
//!
//! Commands go through [`NativeApp::send_json`] (the host protocol, docs/protocol.md); the
//! frequent ones (post, resolve, reject, channel sends, bytes) also have direct methods that skip
//! the command and reply JSON. Events stay in the app's queue; the app's notify function
//! ([`transom::App::set_event_notify`], called on the GUI thread when the queue goes from empty to
//! not empty) schedules one call of a ThreadsafeFunction (unless one is on its way already), and
//! when Node runs that call it takes every event waiting and gives them to the JavaScript function
//! as its argument (plain strings for the events without bytes). So a burst of events costs one wake-up of Node's loop, straight
//! from the GUI thread; the library never waits for JavaScript, and nothing polls.
//!
//! Deno loads this addon too. There a wake call is sometimes left unrun for seconds (see
//! [`rescue`]): `listen`'s `rescueMs` has a thread of the addon make it again when JavaScript has
//! not run it in time.
//!
//! The ThreadsafeFunction keeps Node alive only while the JavaScript side says so
//! ([`NativeApp::keep_alive`]): it does while windows are open, so a program ends when its last
//! window has closed and nothing else is pending.
//!
//! Errors are thrown as `Error("TRANSOM_ERROR_NAME: message")`; the TypeScript side turns them
//! into `TransomError` with `code`.

mod rescue;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use rescue::{Rescue, Watch};

/// Events as JavaScript gets them: the JSON text alone, or with the bytes of a binary message.
type Events = Vec<Either<String, NativeEvent>>;
/// Called on Node's thread with the events waiting in the app's queue as its argument.
type Wake = ThreadsafeFunction<(), Unknown<'static>, Events, Status, false, false, 0>;

/// Takes every event waiting in the app's queue, in order, as JavaScript gets them. The
/// `scheduled` flag is cleared first: an event that comes from now on schedules another call.
fn take(app: &transom::App, watch: &Watch) -> Events {
    watch.scheduled.store(false, Ordering::SeqCst);
    watch.taken.fetch_add(1, Ordering::SeqCst);
    let mut events = Vec::new();
    // Until the queue is empty (Timeout) or closed and drained (Closed).
    while let Ok(event) = app.next_event(Some(Duration::ZERO)) {
        let (json, bytes) = event.into_parts();
        events.push(match bytes {
            None => Either::A(json),
            Some(bytes) => Either::B(NativeEvent { json, bytes: Some(Buffer::from(bytes)) }),
        });
    }
    events
}

/// A binary message for JavaScript: its JSON text and its bytes.
#[napi(object)]
pub struct NativeEvent {
    pub json: String,
    pub bytes: Option<Buffer>,
}

fn to_napi(error: transom::Error) -> Error {
    Error::new(Status::GenericFailure, error.to_string())
}

/// The id arguments: JavaScript numbers holding integers below 2^53.
fn id(value: f64) -> Result<u64> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_991.0 {
        Ok(value as u64)
    } else {
        Err(Error::new(
            Status::InvalidArg,
            format!("TRANSOM_ERROR_INVALID_ARGUMENT: {value} is not an id (an integer from 0 to 2^53 - 1)"),
        ))
    }
}

#[napi]
pub struct NativeApp {
    app: transom::App,
    wake: Option<Arc<Wake>>,
    /// Whether a call of the wake function is on its way (and for the rescue: whether takes
    /// have begun since).
    watch: Arc<Watch>,
    /// Repeats a wake call that was not run in time (see [`rescue`]); Deno only.
    rescue: Option<Rescue>,
    referenced: bool,
}

#[napi]
impl NativeApp {
    /// Creates an app (`options_json`: the app options of docs/protocol.md, or null). The first
    /// app of the process starts the GUI thread.
    #[napi(constructor)]
    pub fn new(env: Env, options_json: Option<String>) -> Result<Self> {
        let app = transom::App::new(options_json.as_deref()).map_err(to_napi)?;
        // When Node's environment goes away (the process exits) with the app still open, shut it
        // down first so that no window outlives the program and the GUI thread stops cleanly.
        let at_exit = app.clone();
        env.add_env_cleanup_hook(at_exit, |app| {
            let _ = app.set_event_notify(None);
            let _ = app.shutdown();
        })?;
        Ok(NativeApp { app, wake: None, watch: Watch::new(), rescue: None, referenced: false })
    }

    /// Starts delivering events: `wake` is called when events are waiting, with all of them (an
    /// array, in order: the JSON text of each event, or `{json, bytes}` for a binary message).
    /// The wake function starts unreferenced.
    ///
    /// `rescue_ms` (milliseconds, 1 to 10,000; for Deno): a wake call that JavaScript has not run
    /// that long after it was made is made again, then after twice as long, and so on up to 1 s
    /// (see the `rescue` module: Deno sometimes leaves such a call for ~30 s). Omitted or null: no
    /// rescue (Node never loses a call).
    #[napi(ts_args_type = "wake: (events: Array<string | NativeEvent>) => void, rescueMs?: number | null")]
    pub fn listen(&mut self, env: Env, wake: Function<(), Unknown<'static>>, rescue_ms: Option<f64>) -> Result<()> {
        if self.wake.is_some() {
            return Err(Error::new(Status::GenericFailure, "TRANSOM_ERROR_INVALID_ARGUMENT: already listening"));
        }
        let rescue_interval = match rescue_ms {
            None => None,
            Some(ms) if ms.is_finite() && (1.0..=10_000.0).contains(&ms) => Some(Duration::from_secs_f64(ms / 1000.0)),
            Some(ms) => {
                return Err(Error::new(
                    Status::InvalidArg,
                    format!("TRANSOM_ERROR_INVALID_ARGUMENT: rescueMs must be from 1 to 10000 (milliseconds), not {ms}"),
                ))
            }
        };
        let (app, watch) = (self.app.clone(), self.watch.clone());
        // The events are taken when Node runs the call: all that came until then, in one go.
        let tsfn: Arc<Wake> =
            Arc::new(wake.build_threadsafe_function::<()>().build_callback(move |_| Ok(take(&app, &watch)))?);
        // Unreferenced until keepAlive(true): an app without windows does not hold Node open.
        check(unsafe { napi::sys::napi_unref_threadsafe_function(env.raw(), tsfn.raw()) })?;
        self.referenced = false;
        // Weak: the function holds a clone of the app, so a strong reference here would keep both
        // alive for ever; this object owns it.
        let call = Arc::downgrade(&tsfn);
        // Never blocks: the queue of calls is unbounded. Fails only once Node is going away.
        let wake_up = move || {
            if let Some(call) = call.upgrade() {
                let _ = call.call((), ThreadsafeFunctionCallMode::NonBlocking);
            }
        };
        let rescue = match rescue_interval {
            Some(interval) => Some(
                Rescue::start(self.watch.clone(), interval, wake_up.clone())
                    .map_err(|e| Error::new(Status::GenericFailure, format!("TRANSOM_ERROR_PLATFORM: cannot start a thread: {e}")))?,
            ),
            None => None,
        };
        let (watch, armed) = (self.watch.clone(), rescue.is_some());
        self.app
            .set_event_notify(Some(Box::new(move || {
                // At most one call on its way: events that come while JavaScript is taking them
                // would otherwise queue a call each (Deno runs such a backlog slowly).
                if watch.scheduled.swap(true, Ordering::SeqCst) {
                    return;
                }
                wake_up();
                if armed {
                    watch.arm();
                }
            })))
            .map_err(to_napi)?;
        self.rescue = rescue;
        self.wake = Some(tsfn);
        Ok(())
    }

    /// Takes every event waiting in the app's queue, in order (as `listen`'s function gets them).
    #[napi(ts_return_type = "Array<string | NativeEvent>")]
    pub fn take_events(&self) -> Events {
        take(&self.app, &self.watch)
    }

    /// Whether pending events keep Node's event loop alive (true while windows are open).
    #[napi]
    pub fn keep_alive(&mut self, env: Env, on: bool) -> Result<()> {
        let Some(wake) = &self.wake else { return Ok(()) };
        if on != self.referenced {
            let status = unsafe {
                if on {
                    napi::sys::napi_ref_threadsafe_function(env.raw(), wake.raw())
                } else {
                    napi::sys::napi_unref_threadsafe_function(env.raw(), wake.raw())
                }
            };
            check(status)?;
            self.referenced = on;
        }
        Ok(())
    }

    /// Runs one host-protocol command and returns the reply's JSON text.
    #[napi]
    pub fn send_json(&self, command: String) -> Result<String> {
        self.app.send_json(&command).map_err(to_napi)
    }

    /// Sends `payload` (JSON text) on `channel` to the page of `webview` (0: every webview).
    #[napi]
    pub fn post(&self, webview: f64, channel: String, payload: String) -> Result<()> {
        self.app.post(id(webview)?, &channel, &payload).map_err(to_napi)
    }

    /// Sends `payload` (JSON text) on `channel` to the page of `window`'s webview.
    #[napi]
    pub fn post_window(&self, window: f64, channel: String, payload: String) -> Result<()> {
        self.app.post_window(id(window)?, &channel, &payload).map_err(to_napi)
    }

    /// Answers a page's call with `value` (JSON text).
    #[napi]
    pub fn resolve(&self, call: f64, value: String) -> Result<()> {
        self.app.resolve(id(call)?, &value).map_err(to_napi)
    }

    /// Answers a page's call with an error `message`.
    #[napi]
    pub fn reject(&self, call: f64, message: String) -> Result<()> {
        self.app.reject(id(call)?, &message).map_err(to_napi)
    }

    /// Sends `payload` (JSON text) through a channel (`TRANSOM_ERROR_WOULD_BLOCK` while the page
    /// is behind).
    #[napi]
    pub fn channel_send(&self, channel: f64, payload: String) -> Result<()> {
        self.app.send_channel(id(channel)?, &payload).map_err(to_napi)
    }

    /// Sends bytes on `channel` to the page of `webview` (0: every webview).
    #[napi]
    pub fn post_bytes(&self, webview: f64, channel: String, data: Uint8Array) -> Result<()> {
        self.app.post_bytes(id(webview)?, &channel, &data).map_err(to_napi)
    }

    /// Sends bytes through a channel (`TRANSOM_ERROR_WOULD_BLOCK` while the page is behind).
    #[napi]
    pub fn channel_send_bytes(&self, channel: f64, data: Uint8Array) -> Result<()> {
        self.app.send_channel_bytes(id(channel)?, &data).map_err(to_napi)
    }

    /// Shuts the app down on a worker thread; the Promise settles when the GUI thread is done
    /// with it (its last events are in the queue by then).
    #[napi]
    pub fn shutdown(&self) -> AsyncTask<Shutdown> {
        AsyncTask::new(Shutdown(self.app.clone()))
    }

    /// Stops event delivery for good and lets Node exit (after `shutdown`): the app lets go of
    /// the wake function.
    #[napi]
    pub fn close(&mut self, env: Env) -> Result<()> {
        self.keep_alive(env, false)?;
        let _ = self.app.set_event_notify(None);
        self.rescue = None;
        self.wake = None;
        Ok(())
    }

    /// The library version, `MAJOR.MINOR.PATCH`.
    #[napi]
    pub fn version() -> String {
        transom::VERSION.to_string()
    }
}

fn check(status: napi::sys::napi_status) -> Result<()> {
    if status == napi::sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(Status::from(status), "a threadsafe function call failed"))
    }
}

pub struct Shutdown(transom::App);

impl Task for Shutdown {
    type Output = ();
    type JsValue = ();
    fn compute(&mut self) -> Result<()> {
        self.0.shutdown().map_err(to_napi)
    }
    fn resolve(&mut self, _env: Env, _output: ()) -> Result<()> {
        Ok(())
    }
}
