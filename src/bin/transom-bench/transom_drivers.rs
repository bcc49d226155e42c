//! transom through each of its doors: the Rust API (`transom::App`), the C API (the `transom_*`
//! extern functions, called as a C program calls them: JSON strings in, events out through
//! `transom_event_next`), and `transom-host` over pipes (JSON lines).

use std::collections::{HashMap, VecDeque};
use std::ffi::{CStr, CString};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};

use base64::Engine;
use transom::ffi;
use transom::{App, EventKind};

use crate::driver::{transom_event, Driver, Ev, EventJson, EVENT_TIMEOUT};
use crate::page;

/// App options of every transom backend: room for the 100 MiB transfers.
pub const APP_OPTIONS: &str = r#"{"max_message_bytes":268435456}"#;
const WINDOW_OPTIONS: &str = r#"{"title":"bench","width":640,"height":480}"#;

fn webview_options() -> String {
    serde_json::json!({ "html": page::document(page::TRANSOM_ADAPTER) }).to_string()
}

// ---- Rust API ---------------------------------------------------------------------------------

pub struct RustApi {
    app: App,
    windows: HashMap<u64, u64>,
    options: String,
}

/// The handler the bench page calls (`T.invoke("echo", i)` in page.rs): the program registers it,
/// as pages may only call registered names.
const PAGE_CALL: &str = "echo";

impl RustApi {
    pub fn new() -> RustApi {
        let app = App::new(Some(APP_OPTIONS)).expect("transom app");
        app.handle(PAGE_CALL).expect("handle");
        RustApi { app, windows: HashMap::new(), options: webview_options() }
    }
}

impl Driver for RustApi {
    fn open(&mut self) -> u64 {
        let window = self.app.create_window(WINDOW_OPTIONS).expect("window");
        let webview = self.app.create_webview(window, &self.options).expect("webview");
        self.windows.insert(webview, window);
        webview
    }
    fn close(&mut self, webview: u64) {
        if let Some(window) = self.windows.remove(&webview) {
            let _ = self.app.close_window(window);
        }
    }
    fn post(&mut self, webview: u64, channel: &str, json: &str) {
        self.app.post(webview, channel, json).expect("post");
    }
    fn post_bytes(&mut self, webview: u64, channel: &str, bytes: &[u8]) {
        self.app.post_bytes(webview, channel, bytes).expect("post_bytes");
    }
    fn invoke(&mut self, webview: u64, name: &str, args: &str) -> u64 {
        self.app.invoke(webview, name, args, 0).expect("invoke")
    }
    fn resolve(&mut self, call: u64, value: &str) {
        self.app.resolve(call, value).expect("resolve");
    }
    fn next(&mut self) -> Result<Ev, String> {
        loop {
            let event = self.app.next_event(Some(EVENT_TIMEOUT)).map_err(|e| e.to_string())?;
            match event.kind() {
                EventKind::Message | EventKind::Invoke | EventKind::InvokeResult | EventKind::Error => {
                    if let Some(ev) = transom_event(event.json(), event.bytes().map(<[u8]>::len))? {
                        return Ok(ev);
                    }
                }
                _ => {}
            }
        }
    }
}

// ---- C API ------------------------------------------------------------------------------------

pub struct CApi {
    app: *mut ffi::transom_app,
    windows: HashMap<u64, u64>,
    options: CString,
}

fn c(s: &str) -> CString {
    CString::new(s).expect("no NUL")
}

fn check(what: &str, r: ffi::transom_result) {
    if r != ffi::TRANSOM_OK {
        // SAFETY: transom_last_error_message never returns NULL.
        let message = unsafe { CStr::from_ptr(ffi::transom_last_error_message()) }.to_string_lossy();
        panic!("{what}: {message}");
    }
}

impl CApi {
    pub fn new() -> CApi {
        let mut app = std::ptr::null_mut();
        let options = c(APP_OPTIONS);
        // SAFETY: valid C string and out-pointer.
        check("transom_app_new", unsafe { ffi::transom_app_new(options.as_ptr(), &mut app) });
        let name = c(PAGE_CALL);
        // SAFETY: a live app and a valid C string.
        check("transom_handle", unsafe { ffi::transom_handle(app, name.as_ptr()) });
        CApi { app, windows: HashMap::new(), options: c(&webview_options()) }
    }
}

impl Driver for CApi {
    fn open(&mut self) -> u64 {
        let (mut window, mut webview) = (0u64, 0u64);
        let options = c(WINDOW_OPTIONS);
        // SAFETY (every call below): a live app, NUL-terminated strings, writable out-pointers.
        check("transom_window_create", unsafe { ffi::transom_window_create(self.app, options.as_ptr(), &mut window) });
        check("transom_webview_create", unsafe {
            ffi::transom_webview_create(self.app, window, self.options.as_ptr(), &mut webview)
        });
        self.windows.insert(webview, window);
        webview
    }
    fn close(&mut self, webview: u64) {
        if let Some(window) = self.windows.remove(&webview) {
            unsafe { ffi::transom_window_close(self.app, window) };
        }
    }
    fn post(&mut self, webview: u64, channel: &str, json: &str) {
        let (channel, json) = (c(channel), c(json));
        check("transom_post", unsafe { ffi::transom_post(self.app, webview, channel.as_ptr(), json.as_ptr()) });
    }
    fn post_bytes(&mut self, webview: u64, channel: &str, bytes: &[u8]) {
        let channel = c(channel);
        check("transom_post_bytes", unsafe {
            ffi::transom_post_bytes(self.app, webview, channel.as_ptr(), bytes.as_ptr(), bytes.len())
        });
    }
    fn invoke(&mut self, webview: u64, name: &str, args: &str) -> u64 {
        let (name, args) = (c(name), c(args));
        let mut call = 0;
        check("transom_invoke", unsafe { ffi::transom_invoke(self.app, webview, name.as_ptr(), args.as_ptr(), 0, &mut call) });
        call
    }
    fn resolve(&mut self, call: u64, value: &str) {
        let value = c(value);
        check("transom_resolve", unsafe { ffi::transom_resolve(self.app, call, value.as_ptr()) });
    }
    fn next(&mut self) -> Result<Ev, String> {
        loop {
            let mut event = std::ptr::null_mut();
            let r = unsafe { ffi::transom_event_next(self.app, EVENT_TIMEOUT.as_millis() as i32, &mut event) };
            if r != ffi::TRANSOM_OK {
                let message = unsafe { CStr::from_ptr(ffi::transom_last_error_message()) }.to_string_lossy().into_owned();
                return Err(message);
            }
            let kind = unsafe { ffi::transom_event_kind(event) };
            let result = match kind {
                EventKind::Message | EventKind::Invoke | EventKind::InvokeResult | EventKind::Error => {
                    let json = unsafe { CStr::from_ptr(ffi::transom_event_json(event)) };
                    let mut len = 0usize;
                    let bytes = unsafe { ffi::transom_event_bytes(event, &mut len) };
                    let len = (!bytes.is_null()).then_some(len);
                    transom_event(json.to_str().map_err(|e| e.to_string())?, len)
                }
                _ => Ok(None),
            };
            unsafe { ffi::transom_event_free(event) };
            if let Some(ev) = result? {
                return Ok(ev);
            }
        }
    }
}

// ---- transom-host over pipes ------------------------------------------------------------------

pub struct Pipe {
    _child: Child,
    stdin: BufWriter<ChildStdin>,
    lines: Receiver<String>,
    pending: VecDeque<String>,
    req: u64,
    windows: HashMap<u64, u64>,
    options: String,
}

impl Pipe {
    pub fn new() -> Pipe {
        let host = std::env::current_exe().expect("exe").with_file_name("transom-host");
        let mut child = Command::new(&host)
            .args(["--options", APP_OPTIONS])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", host.display()));
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::with_capacity(1 << 20, stdout);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                        if tx.send(text).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let stdin = BufWriter::with_capacity(1 << 16, child.stdin.take().unwrap());
        let mut pipe =
            Pipe { _child: child, stdin, lines, pending: VecDeque::new(), req: 0, windows: HashMap::new(), options: String::new() };
        let hello = pipe.line().expect("hello line");
        assert!(hello.contains("\"hello\""), "transom-host said {hello}");
        pipe.call(&format!("\"cmd\":\"handle\",\"name\":{PAGE_CALL:?}")).expect("handle");
        pipe.options = webview_options();
        pipe
    }

    fn line(&mut self) -> Result<String, String> {
        self.lines.recv_timeout(EVENT_TIMEOUT).map_err(|e| match e {
            RecvTimeoutError::Timeout => "transom-host: no line in time".to_owned(),
            RecvTimeoutError::Disconnected => "transom-host closed its stdout".to_owned(),
        })
    }

    /// Writes a command without waiting for its reply (a client pipelines what needs no answer).
    fn send(&mut self, body: &str) -> u64 {
        self.req += 1;
        let req = self.req;
        let _ = write!(self.stdin, "{{\"req\":{req},{body}}}\n");
        let _ = self.stdin.flush();
        req
    }

    /// Writes a command and waits for its reply, keeping the events that come first.
    fn call(&mut self, body: &str) -> Result<EventOwned, String> {
        let req = self.send(body);
        loop {
            let line = self.line()?;
            let e: EventJson<'_> = serde_json::from_str(&line).map_err(|e| format!("bad line: {e}"))?;
            match (e.kind, e.req) {
                ("ok", Some(r)) if r == req => return Ok(EventOwned::from(&e)),
                ("error", Some(r)) if r == req => return Err(e.message.unwrap_or_default()),
                ("ok", _) => {}
                _ => self.pending.push_back(line),
            }
        }
    }
}

/// The ids a reply carries.
struct EventOwned {
    window: u64,
    webview: u64,
    call: u64,
}

impl From<&EventJson<'_>> for EventOwned {
    fn from(e: &EventJson<'_>) -> Self {
        EventOwned { window: e.window, webview: e.webview, call: e.call.unwrap_or(0) }
    }
}

impl Driver for Pipe {
    fn open(&mut self) -> u64 {
        let window = self.call(&format!("\"cmd\":\"window.create\",\"options\":{WINDOW_OPTIONS}")).expect("window").window;
        let body = format!("\"cmd\":\"webview.create\",\"window\":{window},\"options\":{}", self.options);
        let webview = self.call(&body).expect("webview").webview;
        self.windows.insert(webview, window);
        webview
    }
    fn close(&mut self, webview: u64) {
        if let Some(window) = self.windows.remove(&webview) {
            self.send(&format!("\"cmd\":\"window.close\",\"window\":{window}"));
        }
    }
    fn post(&mut self, webview: u64, channel: &str, json: &str) {
        self.send(&format!("\"cmd\":\"post\",\"webview\":{webview},\"channel\":{channel:?},\"payload\":{json}"));
    }
    fn post_bytes(&mut self, webview: u64, channel: &str, bytes: &[u8]) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        self.send(&format!("\"cmd\":\"post\",\"webview\":{webview},\"channel\":{channel:?},\"base64\":\"{b64}\""));
    }
    fn invoke(&mut self, webview: u64, name: &str, args: &str) -> u64 {
        self.call(&format!("\"cmd\":\"invoke\",\"webview\":{webview},\"name\":{name:?},\"args\":{args}")).expect("invoke").call
    }
    fn resolve(&mut self, call: u64, value: &str) {
        self.send(&format!("\"cmd\":\"resolve\",\"call\":{call},\"value\":{value}"));
    }
    fn next(&mut self) -> Result<Ev, String> {
        loop {
            let line = match self.pending.pop_front() {
                Some(line) => line,
                None => self.line()?,
            };
            if line.starts_with("{\"type\":\"ok\"") {
                continue;
            }
            if line.starts_with("{\"type\":\"error\"") && !line.contains("\"id\":") {
                return Err(format!("transom-host refused a command: {line:.300}"));
            }
            // A binary message carries its bytes as base64: decode them as a client must.
            let mut len = None;
            if line.contains("\"base64\":") {
                let e: EventJson<'_> = serde_json::from_str(&line).map_err(|e| e.to_string())?;
                if let Some(b64) = e.base64 {
                    len = Some(base64::engine::general_purpose::STANDARD.decode(b64).map_err(|e| e.to_string())?.len());
                }
            }
            if let Some(ev) = transom_event(&line, len)? {
                return Ok(ev);
            }
        }
    }
}
