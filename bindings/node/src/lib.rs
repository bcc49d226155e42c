//! The Node-API addon of the npm package `transom` (bindings/js): libtransom for Node, linked in
//! as the `transom` crate. The TypeScript core (bindings/js/src/backends/node.ts) drives it.
//!
//! Commands go through [`NativeApp::send_json`] (the host protocol, docs/protocol.md); the
//! frequent ones (post, resolve, reject, channel sends, bytes) also have direct methods that skip
//! the command and reply JSON. Events: the library hands each event to a callback that appends
//! it to an inbox and, when the inbox was empty, schedules one call of a ThreadsafeFunction; when
//! Node runs that call it takes the whole inbox and gives it to the JavaScript function as its
//! argument (plain strings for the events without bytes). So a burst of events costs one wake-up
//! of Node's loop, the library never waits for JavaScript, and nothing polls.
//!
//! The ThreadsafeFunction keeps Node alive only while the JavaScript side says so
//! ([`NativeApp::keep_alive`]): it does while windows are open, so a program ends when its last
//! window has closed and nothing else is pending.
//!
//! Errors are thrown as `Error("TRANSOM_ERROR_NAME: message")`; the TypeScript side turns them
//! into `TransomError` with `code`.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

/// Events as JavaScript gets them: the JSON text alone, or with the bytes of a binary message.
type Events = Vec<Either<String, NativeEvent>>;
/// Called on Node's thread with the events of the inbox as its argument.
type Wake = ThreadsafeFunction<(), Unknown<'static>, Events, Status, false, false, 0>;

/// Events taken by the library's callback and not yet by JavaScript.
#[derive(Default)]
struct Inbox {
    events: Vec<transom::Event>,
    /// A call of the wake function is on its way (or running): no need for another.
    scheduled: bool,
}

/// Takes every event waiting in the inbox, in order, as JavaScript gets them.
fn take(inbox: &Mutex<Inbox>) -> Events {
    let events = {
        let mut inbox = inbox.lock().unwrap_or_else(|e| e.into_inner());
        inbox.scheduled = false;
        std::mem::take(&mut inbox.events)
    };
    events
        .into_iter()
        .map(|event| {
            let (json, bytes) = event.into_parts();
            match bytes {
                None => Either::A(json),
                Some(bytes) => Either::B(NativeEvent { json, bytes: Some(Buffer::from(bytes)) }),
            }
        })
        .collect()
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
    inbox: Arc<Mutex<Inbox>>,
    wake: Option<Arc<Wake>>,
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
            let _ = app.set_event_callback(None);
            let _ = app.shutdown();
        })?;
        Ok(NativeApp { app, inbox: Arc::new(Mutex::new(Inbox::default())), wake: None, referenced: false })
    }

    /// Starts delivering events: `wake` is called when events are waiting, with all of them (an
    /// array, in order: the JSON text of each event, or `{json, bytes}` for a binary message).
    /// The wake function starts unreferenced.
    #[napi(ts_args_type = "wake: (events: Array<string | NativeEvent>) => void")]
    pub fn listen(&mut self, env: Env, wake: Function<(), Unknown<'static>>) -> Result<()> {
        if self.wake.is_some() {
            return Err(Error::new(Status::GenericFailure, "TRANSOM_ERROR_INVALID_ARGUMENT: already listening"));
        }
        let inbox = self.inbox.clone();
        // The events are taken when Node runs the call: all that came until then, in one go.
        let tsfn: Arc<Wake> = Arc::new(wake.build_threadsafe_function::<()>().build_callback(move |_| Ok(take(&inbox)))?);
        // Unreferenced until keepAlive(true): an app without windows does not hold Node open.
        check(unsafe { napi::sys::napi_unref_threadsafe_function(env.raw(), tsfn.raw()) })?;
        self.referenced = false;
        let (inbox, call) = (self.inbox.clone(), tsfn.clone());
        self.app
            .set_event_callback(Some(Box::new(move |event| {
                let mut inbox = inbox.lock().unwrap_or_else(|e| e.into_inner());
                inbox.events.push(event);
                if !inbox.scheduled {
                    inbox.scheduled = true;
                    drop(inbox);
                    // Never blocks: the queue is unbounded. Fails only once Node is going away.
                    let _ = call.call((), ThreadsafeFunctionCallMode::NonBlocking);
                }
            })))
            .map_err(to_napi)?;
        self.wake = Some(tsfn);
        Ok(())
    }

    /// Takes every event waiting in the inbox, in order (as `listen`'s function gets them).
    #[napi(ts_return_type = "Array<string | NativeEvent>")]
    pub fn take_events(&self) -> Events {
        take(&self.inbox)
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
    /// with it (its last events are in the inbox by then).
    #[napi]
    pub fn shutdown(&self) -> AsyncTask<Shutdown> {
        AsyncTask::new(Shutdown(self.app.clone()))
    }

    /// Stops event delivery for good and lets Node exit (after `shutdown`). The wake function is
    /// released when the GUI thread drops the callback.
    #[napi]
    pub fn close(&mut self, env: Env) -> Result<()> {
        self.keep_alive(env, false)?;
        let _ = self.app.set_event_callback(None);
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
