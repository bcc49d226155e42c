//! Random sequences of Rust API calls on random ids (needs a display: run under `xvfb-run`).
//!
//! Two apps take the calls: a shared one, made once, with one window whose page answers
//! `host.invoke`s of the program (`echo`, `never`, `throws`, `slow`) and makes calls of its own
//! when asked; and a fresh one per input, which the sequence may shut down or drop. Operations:
//! create and close windows, set window properties, create webviews (only where that is refused:
//! a real one starts web processes, far too slow here), post (JSON, bytes, to a window, to all),
//! eval, navigate, invoke, cancel, resolve, reject, state, channels, callbacks, host-protocol
//! lines, take events, shut down, drop. Ids are ones the apps gave out or arbitrary numbers.
//!
//! Checked: nothing panics or hangs; every call returns a result; every program call to the page
//! ends with exactly one `invoke-result` (the input ends by cancelling what is still open and
//! waiting for it); a shut-down app answers everything with `Closed` and its queue drains to
//! `Closed`.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use serde_json::value::RawValue;
use libfuzzer_sys::fuzz_target;
use transom::{App, ErrorCode, Event, EventKind};

/// How long an input may wait for its calls to end before that counts as a hang.
const PATIENCE: Duration = Duration::from_secs(20);

const PAGE: &str = "<!doctype html><script>
  host.handle('echo', (...a) => a);
  host.handle('never', () => new Promise(() => {}));
  host.handle('throws', () => { throw new Error('thrown'); });
  host.handle('slow', () => new Promise((r) => setTimeout(() => r(1), 50)));
  host.on('call', (n) => { for (let i = 0; i < (n | 0) % 8; i++) host.invoke('fuzz', i).catch(() => {}); });
  host.on('echo', (v) => host.send('echoed', v));
  host.onChannel('up', (ch) => ch.on('message', (m) => ch.send(m)));
  host.send('loaded', 1);
</script>";

struct Shared {
    app: App,
    window: u64,
    webview: u64,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let app = App::new(None).expect("an app (is there a display? run under xvfb-run)");
        let _ = app.handle("fuzz");
        let window = app.create_window(r#"{"title":"fuzz","width":300,"height":200}"#).unwrap();
        let options = serde_json::json!({ "html": PAGE }).to_string();
        let webview = app.create_webview(window, &options).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let event = app.next_event(Some(deadline - Instant::now())).expect("the fuzz page loads");
            if event.kind() == EventKind::Message && event.json().contains("\"channel\":\"loaded\"") {
                break;
            }
        }
        Shared { app, window, webview }
    })
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Target {
    Shared,
    Fresh,
}

/// An id: one the apps gave out (by index) or any number.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Id {
    Window(u8),
    Webview(u8),
    Call(u8),
    PageCall(u8),
    Channel(u8),
    Zero,
    Raw(u64),
}

#[derive(Arbitrary, Debug)]
enum Op {
    CreateWindow(Target, u8),
    SetWindow(Target, Id, u8),
    CloseWindow(Target, Id),
    CreateWebviewRefused(Target, Id, u8),
    Post(Target, Id, u8, u8),
    PostWindow(Target, Id, u8),
    PostBytes(Target, Id, Vec<u8>),
    Eval(Target, Id, u8),
    Navigate(Target, Id, u8),
    Invoke(Target, Id, u8, u8, u16),
    Cancel(Target, Id),
    Resolve(Target, Id, u8),
    Reject(Target, Id, String),
    SetState(Target, u8, u8),
    GetState(Target, u8),
    OpenChannel(Target, Id, u8),
    SendChannel(Target, Id, u8),
    SendChannelBytes(Target, Id, Vec<u8>),
    CloseChannel(Target, Id),
    AskPageToCall(u8),
    Callback(bool),
    Json(Target, String),
    TakeEvents(Target, u8),
    Shutdown,
    DropFresh,
}

const PAYLOADS: &[&str] = &[
    "1", "null", "\"text\"", "{\"a\":[1,2,{\"b\":null}]}", "[]", "1]);alert(1);//", "", "{", "'x'", "undefined",
    "\"\\u2028</script>\"", "1e400", "-0", "[1,]", "{\"a\":1}x", "\"\u{0}\"",
];
const NAMES: &[&str] = &["echo", "never", "throws", "slow", "missing", "", "c", "fuzz", "\u{e9}\u{0}</script>"];
const WINDOW_OPTIONS: &[&str] = &[
    "{}", "{\"title\":\"t\"}", "{\"width\":10,\"height\":10}", "{\"visible\":false}", "{\"width\":-1}", "{\"x\":1}", "[]",
    "not json", "{\"titel\":1}", "{\"resizable\":false,\"decorations\":false}", "{\"transparent\":true}",
];
const URLS: &[&str] = &["about:blank", "relative", "", "data:text/html,<p>x</p>", "javascript:alert(1)", "https://\u{0}"];
const SCRIPTS: &[&str] = &["1", "host.send('x', 1)", "throw new Error('e')", "location.reload()", "while(false){}", ""];

/// Ids the apps gave out during one input.
#[derive(Default)]
struct Known {
    windows: Vec<u64>,
    webviews: Vec<u64>,
    calls: Vec<u64>,
    page_calls: Vec<u64>,
    channels: Vec<u64>,
}

impl Known {
    fn resolve(&self, id: Id) -> u64 {
        let pick = |list: &[u64], i: u8| if list.is_empty() { u64::MAX - i as u64 } else { list[i as usize % list.len()] };
        match id {
            Id::Window(i) => pick(&self.windows, i),
            Id::Webview(i) => pick(&self.webviews, i),
            Id::Call(i) => pick(&self.calls, i),
            Id::PageCall(i) => pick(&self.page_calls, i),
            Id::Channel(i) => pick(&self.channels, i),
            Id::Zero => 0,
            Id::Raw(n) => n,
        }
    }
}

/// What one app's events said so far.
#[derive(Default)]
struct Seen {
    /// call id -> how many invoke-results it got.
    results: HashMap<u64, u32>,
    page_calls: Vec<u64>,
    channels: Vec<u64>,
}

impl Seen {
    fn note(&mut self, event: &Event) {
        let fields = fields(event.json());
        assert_eq!(text_field(&fields, "type").as_deref(), Some(event.kind().name()));
        match event.kind() {
            EventKind::InvokeResult => *self.results.entry(id_field(&fields, "call").unwrap()).or_default() += 1,
            EventKind::Invoke => self.page_calls.push(id_field(&fields, "call").unwrap()),
            EventKind::ChannelOpen => self.channels.push(id_field(&fields, "channel").unwrap()),
            _ => {}
        }
    }
}

/// The fields of an event or reply, values as raw JSON: payloads are the text that was sent, and
/// may be numbers that do not fit an f64 (`1e400`), which `serde_json::Value` refuses.
fn fields(json: &str) -> HashMap<String, &RawValue> {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("not a JSON object ({e}): {json}"))
}

fn id_field(fields: &HashMap<String, &RawValue>, name: &str) -> Option<u64> {
    fields.get(name).and_then(|v| serde_json::from_str(v.get()).ok())
}

fn text_field(fields: &HashMap<String, &RawValue>, name: &str) -> Option<String> {
    fields.get(name).and_then(|v| serde_json::from_str(v.get()).ok())
}

impl Seen {
}

fn check<T>(result: transom::Result<T>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            assert!(!e.message.is_empty(), "{:?} without a message", e.code);
            assert_ne!(e.code, ErrorCode::Panic, "{e}");
            None
        }
    }
}

fn take_events(app: &App, seen: &Mutex<Seen>, max: usize) {
    for _ in 0..max {
        match app.next_event(Some(Duration::ZERO)) {
            Ok(event) => seen.lock().unwrap().note(&event),
            Err(e) => {
                assert!(matches!(e.code, ErrorCode::Timeout | ErrorCode::Closed), "{e}");
                break;
            }
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let shared = shared();
    let mut fresh = Some(App::new(None).expect("an app"));
    let mut known = [Known::default(), Known::default()];
    known[0].windows.push(shared.window);
    known[0].webviews.push(shared.webview);
    let seen = [Arc::new(Mutex::new(Seen::default())), Arc::new(Mutex::new(Seen::default()))];
    let mut fresh_closed = false;
    // The shared app's calls made by this input.
    let mut my_calls: HashSet<u64> = HashSet::new();

    for op in ops.iter().take(64) {
        let (target, which) = match op {
            Op::CreateWindow(t, _)
            | Op::SetWindow(t, ..)
            | Op::CloseWindow(t, _)
            | Op::CreateWebviewRefused(t, ..)
            | Op::Post(t, ..)
            | Op::PostWindow(t, ..)
            | Op::PostBytes(t, ..)
            | Op::Eval(t, ..)
            | Op::Navigate(t, ..)
            | Op::Invoke(t, ..)
            | Op::Cancel(t, _)
            | Op::Resolve(t, ..)
            | Op::Reject(t, ..)
            | Op::SetState(t, ..)
            | Op::GetState(t, _)
            | Op::OpenChannel(t, ..)
            | Op::SendChannel(t, ..)
            | Op::SendChannelBytes(t, ..)
            | Op::CloseChannel(t, _)
            | Op::Json(t, _)
            | Op::TakeEvents(t, _) => (*t, matches!(t, Target::Fresh) as usize),
            _ => (Target::Shared, 0),
        };
        let app = match target {
            Target::Shared => &shared.app,
            Target::Fresh => match &fresh {
                Some(app) => app,
                None => continue,
            },
        };
        let k = &mut known[which];
        {
            let s = seen[which].lock().unwrap();
            k.page_calls.clone_from(&s.page_calls);
            for c in &s.channels {
                if !k.channels.contains(c) {
                    k.channels.push(*c);
                }
            }
        }
        match op {
            Op::CreateWindow(_, o) => {
                if let Some(w) = check(app.create_window(WINDOW_OPTIONS[*o as usize % WINDOW_OPTIONS.len()])) {
                    k.windows.push(w);
                }
            }
            Op::SetWindow(_, id, o) => {
                let _ = check(app.set_window(k.resolve(*id), WINDOW_OPTIONS[*o as usize % WINDOW_OPTIONS.len()]));
            }
            Op::CloseWindow(_, id) => {
                let window = k.resolve(*id);
                // The shared window stays for the next inputs.
                if window != shared.window {
                    let _ = check(app.close_window(window));
                }
            }
            Op::CreateWebviewRefused(_, id, o) => {
                // Only calls that must be refused: an id never given out, or options that do not parse.
                let bad = ["not json", "{\"url\":\"relative\"}", "{\"html\":1}", "{\"url\":\"https://a\",\"html\":\"x\"}"];
                let (window, options) = match id {
                    Id::Raw(n) => (u64::MAX - (*n % 1024), "{}"),
                    other => (k.resolve(*other), bad[*o as usize % bad.len()]),
                };
                assert!(app.create_webview(window, options).is_err());
            }
            Op::Post(_, id, c, p) => {
                let _ = check(app.post(k.resolve(*id), NAMES[*c as usize % NAMES.len()], PAYLOADS[*p as usize % PAYLOADS.len()]));
            }
            Op::PostWindow(_, id, p) => {
                let _ = check(app.post_window(k.resolve(*id), "echo", PAYLOADS[*p as usize % PAYLOADS.len()]));
            }
            Op::PostBytes(_, id, bytes) => {
                let _ = check(app.post_bytes(k.resolve(*id), "bytes", bytes));
            }
            Op::Eval(_, id, s) => {
                let _ = check(app.eval(k.resolve(*id), SCRIPTS[*s as usize % SCRIPTS.len()]));
            }
            Op::Navigate(_, id, u) => {
                let webview = k.resolve(*id);
                let url = URLS[*u as usize % URLS.len()];
                // Navigating the shared page away would leave later inputs without handlers.
                if webview != shared.webview || url == "relative" || url.is_empty() {
                    let _ = check(app.navigate(webview, url));
                }
            }
            Op::Invoke(_, id, n, a, timeout) => {
                let args = ["[]", "[1,\"x\"]", "{}", "[", "1]);alert(1);//"][*a as usize % 5];
                if let Some(call) = check(app.invoke(k.resolve(*id), NAMES[*n as usize % NAMES.len()], args, u32::from(*timeout % 500))) {
                    k.calls.push(call);
                    if which == 0 {
                        my_calls.insert(call);
                    }
                }
            }
            Op::Cancel(_, id) => {
                let _ = check(app.cancel_invoke(k.resolve(*id)));
            }
            Op::Resolve(_, id, p) => {
                let _ = check(app.resolve(k.resolve(*id), PAYLOADS[*p as usize % PAYLOADS.len()]));
            }
            Op::Reject(_, id, message) => {
                let _ = check(app.reject(k.resolve(*id), message));
            }
            Op::SetState(_, key, p) => {
                let _ = check(app.set_state(NAMES[*key as usize % NAMES.len()], PAYLOADS[*p as usize % PAYLOADS.len()]));
            }
            Op::GetState(_, key) => {
                let _ = check(app.state(NAMES[*key as usize % NAMES.len()]));
            }
            Op::OpenChannel(_, id, n) => {
                let name = if *n % 2 == 0 { "up" } else { NAMES[*n as usize % NAMES.len()] };
                if let Some(channel) = check(app.open_channel(k.resolve(*id), name)) {
                    k.channels.push(channel);
                }
            }
            Op::SendChannel(_, id, p) => {
                let _ = check(app.send_channel(k.resolve(*id), PAYLOADS[*p as usize % PAYLOADS.len()]));
            }
            Op::SendChannelBytes(_, id, bytes) => {
                let _ = check(app.send_channel_bytes(k.resolve(*id), bytes));
            }
            Op::CloseChannel(_, id) => {
                let _ = check(app.close_channel(k.resolve(*id)));
            }
            Op::AskPageToCall(n) => {
                let _ = check(shared.app.post(shared.webview, "call", &n.to_string()));
            }
            Op::Callback(on) => {
                // Only the fresh app takes a callback: the shared one is drained at the end.
                if let Some(app) = &fresh {
                    let callback: Option<transom::EventCallback> = on.then(|| {
                        let seen = seen[1].clone();
                        Box::new(move |event: Event| seen.lock().unwrap().note(&event)) as transom::EventCallback
                    });
                    let _ = check(app.set_event_callback(callback));
                }
            }
            Op::Json(_, line) => {
                // Not `webview.create` (too slow) and not `shutdown` on the shared app.
                let cmd = serde_json::from_str::<HashMap<String, &RawValue>>(line).ok().and_then(|f| text_field(&f, "cmd"));
                let shuts = cmd.as_deref() == Some("shutdown");
                if cmd.as_deref() != Some("webview.create") && !(shuts && which == 0) {
                    let reply = transom::protocol::execute_line(app, line);
                    let reply = fields(&reply);
                    if shuts {
                        fresh_closed = true;
                    }
                    if let Some(w) = id_field(&reply, "window") {
                        k.windows.push(w);
                    }
                }
            }
            Op::TakeEvents(_, n) => take_events(app, &seen[which], *n as usize),
            Op::Shutdown => {
                if let Some(app) = &fresh {
                    let _ = check(app.shutdown());
                    fresh_closed = true;
                    assert!(app.is_closed());
                    assert_eq!(app.post(0, "c", "1").unwrap_err().code, ErrorCode::Closed);
                }
            }
            Op::DropFresh => fresh = None,
        }
    }

    // The fresh app: shut down, then its queue drains to `Closed`.
    if let Some(app) = fresh.take() {
        check(app.shutdown()).expect("shutdown finishes");
        let deadline = Instant::now() + PATIENCE;
        loop {
            match app.next_event(Some(Duration::from_secs(1))) {
                Ok(event) => seen[1].lock().unwrap().note(&event),
                Err(e) if e.code == ErrorCode::Closed => break,
                Err(e) => assert!(e.code == ErrorCode::Timeout && Instant::now() < deadline, "queue never closed: {e}"),
            }
        }
        let _ = fresh_closed;
    }

    // The shared app: close what this input opened, cancel its calls still open, refuse the page's
    // calls, then wait until every call of this input has its one result.
    let app = &shared.app;
    for &window in &known[0].windows {
        if window != shared.window {
            let _ = app.close_window(window);
        }
    }
    for &channel in &known[0].channels {
        let _ = app.close_channel(channel);
    }
    for &call in &my_calls {
        let _ = app.cancel_invoke(call);
    }
    let deadline = Instant::now() + PATIENCE;
    loop {
        take_events(app, &seen[0], usize::MAX);
        let page_calls = std::mem::take(&mut seen[0].lock().unwrap().page_calls);
        for call in page_calls {
            let _ = app.reject(call, "fuzz");
        }
        let s = seen[0].lock().unwrap();
        if let Some((call, n)) = s.results.iter().find(|(_, n)| **n > 1) {
            panic!("call {call} got {n} invoke-results");
        }
        let open: Vec<&u64> = my_calls.iter().filter(|c| !s.results.contains_key(c)).collect();
        if open.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "calls never ended: {open:?}");
        drop(s);
        std::thread::sleep(Duration::from_millis(1));
    }
});
