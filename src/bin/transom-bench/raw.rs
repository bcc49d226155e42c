//! The baseline: raw tao + wry, no transom code. The event loop runs on its own thread (tao's
//! `run_return`), pages post JSON through wry's ipc handler and the program answers with
//! `evaluate_script`, all on that thread: no hop to another thread, no batching, nothing in
//! between. A workload runs inside the loop's callback and waits for the next page message by
//! pumping GTK (`gtk::main_iteration_do`), so it reacts at the moment the ipc handler fires.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, Write};
use std::rc::Rc;

use base64::Engine;
use serde::Deserialize;
use serde_json::value::RawValue;
use tao::dpi::LogicalSize;
use tao::event::{Event, StartCause};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopWindowTarget};
use tao::platform::run_return::EventLoopExtRunReturn;
use tao::platform::unix::{EventLoopBuilderExtUnix, WindowExtUnix};
use tao::window::{Window, WindowBuilder};
use wry::http::Response;
use wry::{WebView, WebViewBuilder, WebViewBuilderExtUnix};

use crate::driver::{self, Driver, Ev, Task};
use crate::page;

type Inbox = Rc<RefCell<VecDeque<(u64, String)>>>;

struct State {
    views: HashMap<u64, (WebView, Window)>,
    inbox: Inbox,
    next_id: u64,
    doc: Arc<String>,
    next_call: u64,
    /// Page calls waiting for an answer: call -> webview.
    calls: HashMap<u64, u64>,
}

use std::sync::Arc;

struct Raw<'a> {
    target: &'a EventLoopWindowTarget<Task>,
    s: &'a mut State,
}

#[derive(Deserialize)]
struct IpcBody<'a> {
    k: &'a str,
    c: Option<String>,
    #[serde(borrow)]
    d: Option<&'a RawValue>,
    id: Option<u64>,
    n: Option<String>,
    #[serde(borrow)]
    a: Option<&'a RawValue>,
    #[serde(borrow)]
    v: Option<&'a RawValue>,
    b: Option<&'a str>,
}

impl Raw<'_> {
    fn eval(&self, webview: u64, script: &str) {
        if let Some((wv, _)) = self.s.views.get(&webview) {
            let _ = wv.evaluate_script(script);
        }
    }
}

impl Driver for Raw<'_> {
    fn open(&mut self) -> u64 {
        self.s.next_id += 1;
        let id = self.s.next_id;
        let window = WindowBuilder::new()
            .with_title("bench")
            .with_inner_size(LogicalSize::new(640.0, 480.0))
            .build(self.target)
            .expect("tao window");
        let inbox = self.s.inbox.clone();
        let doc = self.s.doc.clone();
        let builder = WebViewBuilder::new()
            .with_custom_protocol("bench".into(), move |_, _| {
                Response::builder()
                    .header("Content-Type", "text/html")
                    .body(Cow::Owned(doc.as_bytes().to_vec()))
                    .unwrap()
            })
            .with_url("bench://localhost/")
            .with_ipc_handler(move |request| inbox.borrow_mut().push_back((id, request.into_body())));
        let webview = builder.build_gtk(window.default_vbox().expect("vbox")).expect("wry webview");
        self.s.views.insert(id, (webview, window));
        id
    }

    fn close(&mut self, webview: u64) {
        self.s.views.remove(&webview);
    }

    fn post(&mut self, webview: u64, channel: &str, json: &str) {
        self.eval(webview, &format!("__recv({channel:?},{json})"));
    }

    fn post_many(&mut self, webview: u64, channel: &str, n: usize, batched: bool) {
        if !batched {
            for i in 0..n {
                self.post(webview, channel, &format!("{{\"i\":{i}}}"));
            }
            return;
        }
        let mut script = String::with_capacity(n * 12 + 64);
        script.push_str("for (const d of [");
        for i in 0..n {
            if i > 0 {
                script.push(',');
            }
            script.push_str(&format!("{{\"i\":{i}}}"));
        }
        script.push_str(&format!("]) __recv({channel:?}, d);"));
        self.eval(webview, &script);
    }

    fn post_bytes(&mut self, webview: u64, channel: &str, bytes: &[u8]) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        self.eval(webview, &format!("__recv_b64({channel:?},\"{b64}\")"));
    }

    fn invoke(&mut self, webview: u64, name: &str, args: &str) -> u64 {
        self.s.next_call += 1;
        let call = self.s.next_call;
        self.eval(webview, &format!("__call({call},{name:?},{args})"));
        call
    }

    fn resolve(&mut self, call: u64, value: &str) {
        if let Some(webview) = self.s.calls.remove(&call) {
            self.eval(webview, &format!("__resolve({call},{value})"));
        }
    }

    fn next(&mut self) -> Result<Ev, String> {
        loop {
            let item = self.s.inbox.borrow_mut().pop_front();
            let Some((webview, body)) = item else {
                gtk::main_iteration_do(true);
                continue;
            };
            let ev = parse_ipc(webview, &body)?;
            if let Ev::Invoke { call, .. } = &ev {
                self.s.calls.insert(*call, webview);
            }
            return Ok(ev);
        }
    }
}

/// The raw worker: the main thread reads tasks, the GUI thread runs them.
pub fn worker() {
    let (proxy_tx, proxy_rx) = std::sync::mpsc::channel();
    let (reply_tx, reply_rx) = std::sync::mpsc::channel::<String>();
    std::thread::Builder::new()
        .name("raw-gui".into())
        .spawn(move || {
            let mut builder = EventLoopBuilder::<Task>::with_user_event();
            builder.with_any_thread(true);
            let mut event_loop = builder.build();
            proxy_tx.send(event_loop.create_proxy()).unwrap();
            let mut state = State {
                views: HashMap::new(),
                inbox: Rc::new(RefCell::new(VecDeque::new())),
                next_id: 0,
                doc: Arc::new(page::document(&page::raw_adapter())),
                next_call: 0,
                calls: HashMap::new(),
            };
            let mut first = 0;
            event_loop.run_return(move |event, target, control_flow| {
                *control_flow = ControlFlow::Wait;
                match event {
                    Event::NewEvents(StartCause::Init) => {
                        let mut d = Raw { target, s: &mut state };
                        match driver::open_windows(&mut d, 1) {
                            Ok(w) => {
                                first = w[0];
                                let _ = reply_tx.send("@@ {\"ready\":true}".into());
                            }
                            Err(e) => {
                                let _ = reply_tx.send(driver::reply(&Err(e)));
                            }
                        }
                    }
                    Event::UserEvent(task) => {
                        let mut d = Raw { target, s: &mut state };
                        let result = driver::run_task(&mut d, first, &task);
                        let _ = reply_tx.send(driver::reply(&result));
                    }
                    _ => {}
                }
            });
        })
        .expect("spawn the GUI thread");
    let proxy = proxy_rx.recv().expect("event loop");
    let out = std::io::stdout();
    let say = |line: String| {
        let mut o = out.lock();
        let _ = writeln!(o, "{line}");
        let _ = o.flush();
    };
    say(reply_rx.recv().expect("ready"));
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let task: Task = match serde_json::from_str(&line) {
            Ok(t) => t,
            Err(e) => {
                say(driver::reply(&Err(format!("bad task: {e}"))));
                continue;
            }
        };
        if proxy.send_event(task).is_err() {
            break;
        }
        match reply_rx.recv() {
            Ok(reply) => say(reply),
            Err(_) => break,
        }
    }
    std::process::exit(0);
}

// ---- raw wry with the program on another thread -------------------------------------------------
//
// The same raw wry, arranged the way transom is: the event loop on its own thread, the program on
// another. The ipc handler forwards each post to the program through a channel; the program asks
// the loop for evaluate_script through tao's EventLoopProxy. What this costs over `raw` is the
// price of the architecture alone (two thread hand-offs per round trip), with no transom code.

/// What the program asks of the GUI thread.
pub enum GuiCmd {
    Open(u64),
    Close(u64),
    Eval(u64, String),
    /// A page post on its way to the program, re-queued through the event loop first.
    Forward(u64, String),
}

pub struct Threaded {
    proxy: tao::event_loop::EventLoopProxy<GuiCmd>,
    inbox: std::sync::mpsc::Receiver<(u64, String)>,
    next_id: u64,
    next_call: u64,
    calls: HashMap<u64, u64>,
}

impl Driver for Threaded {
    fn open(&mut self) -> u64 {
        self.next_id += 1;
        let _ = self.proxy.send_event(GuiCmd::Open(self.next_id));
        self.next_id
    }
    fn close(&mut self, webview: u64) {
        let _ = self.proxy.send_event(GuiCmd::Close(webview));
    }
    fn post(&mut self, webview: u64, channel: &str, json: &str) {
        let _ = self.proxy.send_event(GuiCmd::Eval(webview, format!("__recv({channel:?},{json})")));
    }
    fn post_bytes(&mut self, webview: u64, channel: &str, bytes: &[u8]) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        let _ = self.proxy.send_event(GuiCmd::Eval(webview, format!("__recv_b64({channel:?},\"{b64}\")")));
    }
    fn invoke(&mut self, webview: u64, name: &str, args: &str) -> u64 {
        self.next_call += 1;
        let call = self.next_call;
        let _ = self.proxy.send_event(GuiCmd::Eval(webview, format!("__call({call},{name:?},{args})")));
        call
    }
    fn resolve(&mut self, call: u64, value: &str) {
        if let Some(webview) = self.calls.remove(&call) {
            let _ = self.proxy.send_event(GuiCmd::Eval(webview, format!("__resolve({call},{value})")));
        }
    }
    fn next(&mut self) -> Result<Ev, String> {
        let (webview, body) = self.inbox.recv_timeout(driver::EVENT_TIMEOUT).map_err(|e| e.to_string())?;
        let ev = parse_ipc(webview, &body)?;
        if let Ev::Invoke { call, .. } = &ev {
            self.calls.insert(*call, webview);
        }
        Ok(ev)
    }
}

fn parse_ipc(webview: u64, body: &str) -> Result<Ev, String> {
    let m: IpcBody<'_> = serde_json::from_str(body).map_err(|e| format!("bad ipc body: {e}"))?;
    Ok(match m.k {
        "m" => Ev::Msg { webview, channel: m.c.unwrap_or_default(), payload: m.d.map_or("null".into(), |d| d.get().to_owned()) },
        "b" => {
            let bytes = base64::engine::general_purpose::STANDARD.decode(m.b.unwrap_or("")).map_err(|e| format!("bad base64: {e}"))?;
            Ev::Bytes { webview, channel: m.c.unwrap_or_default(), len: bytes.len() }
        }
        "i" => Ev::Invoke { call: m.id.unwrap_or(0), name: m.n.unwrap_or_default(), args: m.a.map_or("[]".into(), |a| a.get().to_owned()) },
        "r" => Ev::Result { call: m.id.unwrap_or(0), value: m.v.map_or("null".into(), |v| v.get().to_owned()) },
        other => return Err(format!("unknown ipc kind {other}")),
    })
}

/// The threaded raw worker: the GUI thread only opens windows and evaluates scripts; the program
/// (the workloads) runs on the main thread. With `requeue`, the ipc handler does not hand a post
/// to the program itself but sends it through the event loop's proxy first (as transom does with
/// its PageIpc command), so that it reaches the program one event-loop pass later: the
/// attribution experiment of docs/benchmarks.md.
pub fn threaded_worker(requeue: bool) -> Threaded {
    let (proxy_tx, proxy_rx) = std::sync::mpsc::channel();
    let (ipc_tx, inbox) = std::sync::mpsc::channel::<(u64, String)>();
    std::thread::Builder::new()
        .name("raw-gui".into())
        .spawn(move || {
            let mut builder = EventLoopBuilder::<GuiCmd>::with_user_event();
            builder.with_any_thread(true);
            let mut event_loop = builder.build();
            proxy_tx.send(event_loop.create_proxy()).unwrap();
            let own_proxy = event_loop.create_proxy();
            let doc = Arc::new(page::document(&page::raw_adapter()));
            let mut views: HashMap<u64, (WebView, Window)> = HashMap::new();
            event_loop.run_return(move |event, target, control_flow| {
                *control_flow = ControlFlow::Wait;
                let Event::UserEvent(cmd) = event else { return };
                match cmd {
                    GuiCmd::Open(id) => {
                        let window = WindowBuilder::new()
                            .with_title("bench")
                            .with_inner_size(LogicalSize::new(640.0, 480.0))
                            .build(target)
                            .expect("tao window");
                        let (doc, tx, proxy) = (doc.clone(), ipc_tx.clone(), own_proxy.clone());
                        let webview = WebViewBuilder::new()
                            .with_custom_protocol("bench".into(), move |_, _| {
                                Response::builder()
                                    .header("Content-Type", "text/html")
                                    .body(Cow::Owned(doc.as_bytes().to_vec()))
                                    .unwrap()
                            })
                            .with_url("bench://localhost/")
                            .with_ipc_handler(move |request| {
                                if requeue {
                                    let _ = proxy.send_event(GuiCmd::Forward(id, request.into_body()));
                                } else {
                                    let _ = tx.send((id, request.into_body()));
                                }
                            })
                            .build_gtk(window.default_vbox().expect("vbox"))
                            .expect("wry webview");
                        views.insert(id, (webview, window));
                    }
                    GuiCmd::Close(id) => {
                        views.remove(&id);
                    }
                    GuiCmd::Eval(id, script) => {
                        if let Some((webview, _)) = views.get(&id) {
                            let _ = webview.evaluate_script(&script);
                        }
                    }
                    GuiCmd::Forward(id, body) => {
                        let _ = ipc_tx.send((id, body));
                    }
                }
            });
        })
        .expect("spawn the GUI thread");
    let proxy = proxy_rx.recv().expect("event loop");
    Threaded { proxy, inbox, next_id: 0, next_call: 0, calls: HashMap::new() }
}
