//! The host protocol over real pipes: spawns the `transom-host` binary, writes JSON command lines to
//! its stdin and reads replies and events from its stdout (docs/protocol.md). Real windows and
//! pages: run under `xvfb-run -a`. Every wait is bounded, so a broken host fails the test instead of
//! hanging it.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

/// How long any one wait may take; generous for a loaded 2-core machine.
const PATIENCE: Duration = Duration::from_secs(30);

/// Bytes as the `base64` field of the protocol carries them (RFC 4648, standard alphabet, padded).
fn to_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn from_base64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(text).expect("the base64 field decodes")
}

/// The checksum the byte pages below compute: h = h * 31 + byte, modulo 2^32.
fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(*b)))
}

/// A running `transom-host` and everything it wrote so far.
struct Host {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Raw stdout lines (without the newline), from the reader thread; disconnected at EOF.
    lines: Receiver<Vec<u8>>,
    /// Every stdout line read so far, parsed, in the order the host wrote them.
    log: Vec<Value>,
    /// Whether `log[i]` was already returned by a wait.
    taken: Vec<bool>,
    eof: bool,
    stderr: Arc<Mutex<Vec<u8>>>,
    next_req: u64,
}

impl Host {
    fn spawn() -> Host {
        let mut child = Command::new(env!("CARGO_BIN_EXE_transom-host"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn transom-host");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => return, // EOF: dropping the sender tells the test.
                    Ok(_) => {
                        assert_eq!(line.pop(), Some(b'\n'), "every stdout line ends with a newline");
                        if sender.send(line).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        // WebKit is chatty on stderr; keep it for failure messages instead of printing it.
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut pipe = child.stderr.take().expect("stderr is piped");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    return;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let stdin = child.stdin.take();
        Host { child, stdin, lines, log: Vec::new(), taken: Vec::new(), eof: false, stderr, next_req: 1 }
    }

    /// Fails the test with `what`, the last lines the host wrote and the end of its stderr.
    fn fail(&self, what: &str) -> ! {
        let start = self.log.len().saturating_sub(30);
        let lines: Vec<String> = self.log[start..].iter().map(|v| v.to_string()).collect();
        let stderr = self.stderr.lock().unwrap();
        let tail = String::from_utf8_lossy(&stderr[stderr.len().saturating_sub(3000)..]).into_owned();
        panic!("{what}\n--- last stdout lines:\n{}\n--- stderr tail:\n{tail}", lines.join("\n"));
    }

    /// Writes raw bytes (one or more lines) to the host's stdin.
    fn write_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        if let Err(e) = stdin.write_all(bytes).and_then(|_| stdin.flush()) {
            self.fail(&format!("writing to the host's stdin failed: {e}"));
        }
    }

    /// Writes one command line.
    fn send(&mut self, line: &str) {
        assert!(!line.contains('\n'));
        self.write_raw(format!("{line}\n").as_bytes());
    }

    /// Reads one more stdout line into the log, waiting until `deadline`. False at EOF.
    fn read_one(&mut self, deadline: Instant, what: &str) -> bool {
        if self.eof {
            return false;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(left) {
            Ok(raw) => {
                let text = match String::from_utf8(raw) {
                    Ok(text) => text,
                    Err(e) => self.fail(&format!("a stdout line is not UTF-8: {e}")),
                };
                let value: Value = match serde_json::from_str(&text) {
                    Ok(value) => value,
                    Err(e) => self.fail(&format!("a stdout line is not JSON ({e}): {text}")),
                };
                if !value.is_object() || !value["type"].is_string() {
                    self.fail(&format!("a stdout line is not an object with a `type`: {text}"));
                }
                self.log.push(value);
                self.taken.push(false);
                true
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.eof = true;
                false
            }
            Err(RecvTimeoutError::Timeout) => self.fail(&format!("timed out after {PATIENCE:?} waiting for {what}")),
        }
    }

    /// The first line not yet taken that matches `pred` (whether it was already read or is still
    /// to come), with its position in the output. Fails after [`PATIENCE`] or at EOF.
    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> (usize, Value) {
        let deadline = Instant::now() + PATIENCE;
        let mut i = 0;
        loop {
            while i < self.log.len() {
                if !self.taken[i] && pred(&self.log[i]) {
                    self.taken[i] = true;
                    return (i, self.log[i].clone());
                }
                i += 1;
            }
            if !self.read_one(deadline, what) {
                self.fail(&format!("stdout closed while waiting for {what}"));
            }
        }
    }

    /// Waits for an event of type `kind` whose fields include every field of `fields`.
    fn event(&mut self, kind: &str, fields: Value) -> (usize, Value) {
        let what = format!("{kind} event with {fields}");
        self.wait_for(&what, |v| {
            v["type"] == kind
                && v.get("req").is_none()
                && fields.as_object().unwrap().iter().all(|(k, want)| &v[k] == want)
        })
    }

    /// Every line read so far (taken or not) that is an event of type `kind` with all of `fields`.
    fn seen(&self, kind: &str, fields: Value) -> Vec<Value> {
        self.log
            .iter()
            .filter(|v| {
                v["type"] == kind
                    && v.get("req").is_none()
                    && fields.as_object().unwrap().iter().all(|(k, want)| &v[k] == want)
            })
            .cloned()
            .collect()
    }

    /// Waits for the `message` event on `channel` and returns it.
    fn message(&mut self, channel: &str) -> (usize, Value) {
        self.event("message", json!({ "channel": channel }))
    }

    /// Sends `command` with a fresh `req` and returns the reply line (ok or error) and its
    /// position in the output.
    fn request(&mut self, mut command: Value) -> (usize, Value) {
        let req = self.next_req;
        self.next_req += 1;
        command["req"] = json!(req);
        self.send(&command.to_string());
        self.wait_for(&format!("the reply to {command}"), |v| {
            (v["type"] == "ok" || v["type"] == "error") && v["req"] == req
        })
    }

    /// Sends `command` and checks that it succeeds; returns the `ok` reply and its position.
    fn ok(&mut self, command: Value) -> (usize, Value) {
        let (at, reply) = self.request(command.clone());
        if reply["type"] != "ok" {
            self.fail(&format!("{command} failed: {reply}"));
        }
        (at, reply)
    }

    /// Sends `command` and checks that it fails with `code`; returns the error reply.
    fn refused(&mut self, command: Value, code: &str) -> Value {
        let (_, reply) = self.request(command.clone());
        assert_eq!(reply["type"], "error", "{command} should fail with {code}: {reply}");
        assert_eq!(reply["code"], code, "{command}: {reply}");
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()), "{reply}");
        reply
    }

    /// Sends a raw line that cannot carry a `req` and checks the error reply it gets.
    fn refused_raw(&mut self, line: &[u8], code: &str) -> Value {
        let mut bytes = line.to_vec();
        bytes.push(b'\n');
        self.write_raw(&bytes);
        let what = format!("the error reply to {:?}", String::from_utf8_lossy(line));
        // Error replies have no `id`; `error` events always have one.
        let (_, reply) = self.wait_for(&what, |v| v["type"] == "error" && v.get("id").is_none());
        assert_eq!(reply["code"], code, "{}: {reply}", String::from_utf8_lossy(line));
        assert!(reply.get("req").is_none(), "{reply}");
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()), "{reply}");
        reply
    }

    /// Checks the first line and returns it.
    fn hello(&mut self) -> Value {
        if !self.read_one(Instant::now() + PATIENCE, "the hello line") {
            self.fail("stdout closed before the hello line");
        }
        self.taken[0] = true;
        let hello = self.log[0].clone();
        assert_eq!(hello, json!({"type": "hello", "protocol": 1, "version": env!("CARGO_PKG_VERSION")}));
        hello
    }

    /// Opens a window with a webview showing `html`; returns (window, webview) once both exist.
    fn open_page(&mut self, html: &str) -> (u64, u64) {
        let (_, reply) = self
            .ok(json!({"cmd": "window.create", "options": {"title": "host protocol", "width": 400, "height": 300}}));
        let window = reply["window"].as_u64().expect("window id");
        let (_, reply) = self.ok(json!({"cmd": "webview.create", "window": window, "options": {"html": html}}));
        let webview = reply["webview"].as_u64().expect("webview id");
        self.event("webview-created", json!({"window": window, "webview": webview}));
        (window, webview)
    }

    /// Closes stdin: the host should close its windows and exit.
    fn close_stdin(&mut self) {
        drop(self.stdin.take());
    }

    /// Reads every line up to EOF.
    fn read_to_eof(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        while self.read_one(deadline, "the end of stdout") {}
    }

    /// Waits for the process to exit.
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                Ok(None) => self.fail(&format!("the host did not exit within {PATIENCE:?}")),
                Err(e) => self.fail(&format!("waiting for the host failed: {e}")),
            }
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // A failed test must not leave a host (and its web processes) behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A page that answers, calls and reports over `window.host`.
const PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>protocol page</title></head><body><script>
host.on('ping', (d) => host.send('pong', d));
let batch = null;
host.on('early', (d) => {
  if (batch === null) {
    batch = [];
    queueMicrotask(() => { host.send('early-batch', batch); batch = null; });
  }
  batch.push(d);
});
host.handle('mul', (a, b) => a * b);
host.handle('later', async (x) => { await null; return {x}; });
host.handle('throws', () => { throw new Error('handler broke'); });
host.handle('never', () => new Promise(() => {}));
host.invoke('add', 2, 3).then((v) => host.send('sum', v), (e) => host.send('sum-failed', e.message));
host.invoke('fail').then(
  (v) => host.send('fail-resolved', v),
  (e) => host.send('failed', {message: e.message, isError: e instanceof Error}));
host.send('loaded', {host: typeof window.host});
</script></body></html>"#;

#[test]
fn commands_events_and_calls_between_program_and_page() {
    let mut host = Host::spawn();
    host.hello();

    // Only registered names reach the program; `add` and `fail` are, `unlisted` is not.
    host.ok(json!({"cmd": "handle", "name": "add"}));
    host.ok(json!({"cmd": "handle", "name": "fail"}));
    host.ok(json!({"cmd": "handle", "name": "gone"}));
    host.ok(json!({"cmd": "unhandle", "name": "gone"}));
    host.refused(json!({"cmd": "unhandle", "name": "gone"}), "TRANSOM_ERROR_NOT_FOUND");
    host.refused(json!({"cmd": "handle", "name": ""}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    host.refused(json!({"cmd": "handle"}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    // Asset answers and webview placement check their fields before their ids.
    host.refused(json!({"cmd": "asset.respond", "request": 1, "status": 200}), "TRANSOM_ERROR_NOT_FOUND");
    host.refused(json!({"cmd": "asset.respond", "request": 1, "status": 600}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    host.refused(json!({"cmd": "asset.respond", "request": 1, "status": 200, "headers": [1]}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    host.refused(json!({"cmd": "asset.respond", "request": 1, "status": 200, "base64": "AQI"}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    host.refused(json!({"cmd": "webview.set", "webview": 1, "props": {"x": 1}}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    host.refused(json!({"cmd": "webview.set", "webview": 1, "props": {"visible": true}}), "TRANSOM_ERROR_NOT_FOUND");

    // window.create: the reply comes at once with the id and the req, before window-created.
    host.send(r#"{"req":41,"cmd":"window.create","options":{"title":"host protocol","width":400,"height":300}}"#);
    let (reply_at, reply) = host.wait_for("window.create reply", |v| v["req"] == 41);
    assert_eq!(reply["type"], "ok", "{reply}");
    let window = reply["window"].as_u64().expect("window id in the reply");
    assert!(window > 0);
    assert_eq!(reply, json!({"type": "ok", "req": 41, "window": window}));
    let (created_at, created) = host.event("window-created", json!({"window": window}));
    assert!(reply_at < created_at, "the reply comes before the event it causes");
    assert_eq!(created, json!({"type": "window-created", "window": window}));

    // webview.create with a page that uses window.host; posts made before the page has run wait
    // for it and arrive in one evaluation.
    let (reply_at, reply) = host.ok(json!({"cmd": "webview.create", "window": window, "options": {"html": PAGE}}));
    let webview = reply["webview"].as_u64().expect("webview id in the reply");
    assert_eq!(reply.as_object().unwrap().len(), 3, "{reply}");
    for i in 1..=3 {
        host.ok(json!({"cmd": "post", "webview": webview, "channel": "early", "payload": i}));
    }
    let (created_at, _) = host.event("webview-created", json!({"window": window, "webview": webview}));
    assert!(reply_at < created_at);

    // The page's first task: invoke add, invoke fail, send loaded, in that order, in one post.
    let (add_at, add) = host.event("invoke", json!({"name": "add"}));
    let (fail_at, fail) = host.event("invoke", json!({"name": "fail"}));
    let (loaded_at, loaded) = host.message("loaded");
    assert!(add_at < fail_at && fail_at < loaded_at, "page messages arrive in the order sent");
    assert_eq!(
        loaded,
        json!({"type": "message", "window": window, "webview": webview, "channel": "loaded", "payload": {"host": "object"}})
    );
    assert_eq!(add["window"], window);
    assert_eq!(add["webview"], webview);
    assert_eq!(add["args"], json!([2, 3]));
    assert_eq!(fail["args"], json!([]));
    let add_call = add["call"].as_u64().expect("call id");
    let fail_call = fail["call"].as_u64().expect("call id");
    assert_ne!(add_call, fail_call);

    let (_, batch) = host.message("early-batch");
    assert_eq!(batch["payload"], json!([1, 2, 3]), "held posts arrive together, in order");

    // Answering the page's calls: resolve and reject reach the page, which reports with host.send.
    let (_, reply) = host.ok(json!({"cmd": "resolve", "call": add_call, "value": 5}));
    assert_eq!(reply.as_object().unwrap().len(), 2, "resolve's reply has only type and req: {reply}");
    host.refused(json!({"cmd": "resolve", "call": add_call, "value": 6}), "TRANSOM_ERROR_NOT_FOUND");
    host.ok(json!({"cmd": "reject", "call": fail_call, "message": "nope: \"quoted\""}));
    host.refused(json!({"cmd": "reject", "call": fail_call, "message": "again"}), "TRANSOM_ERROR_NOT_FOUND");
    assert_eq!(host.message("sum").1["payload"], json!(5));
    assert_eq!(host.message("failed").1["payload"], json!({"message": "nope: \"quoted\"", "isError": true}));

    // invoke to the page: ok with a call id at once, invoke-result later.
    let mut calls = Vec::new();
    for (command, expected) in [
        (json!({"cmd": "invoke", "webview": webview, "name": "mul", "args": [6, 7]}), json!({"ok": true, "value": 42})),
        (
            json!({"cmd": "invoke", "webview": webview, "name": "later", "args": ["y"]}),
            json!({"ok": true, "value": {"x": "y"}}),
        ),
        (
            json!({"cmd": "invoke", "webview": webview, "name": "throws"}),
            json!({"ok": false, "error": "handler broke"}),
        ),
        (
            json!({"cmd": "invoke", "webview": webview, "name": "missing", "args": []}),
            json!({"ok": false, "error": "no handler named missing"}),
        ),
        (
            json!({"cmd": "invoke", "webview": webview, "name": "never", "args": [], "timeout_ms": 300}),
            json!({"ok": false, "code": "TRANSOM_ERROR_TIMEOUT"}),
        ),
    ] {
        let (at, reply) = host.ok(command);
        let call = reply["call"].as_u64().expect("call id in the reply");
        assert_eq!(reply.as_object().unwrap().len(), 3, "{reply}");
        calls.push((at, call, expected));
    }
    for (reply_at, call, expected) in calls {
        let (at, result) = host.event("invoke-result", json!({"call": call}));
        assert!(reply_at < at, "the invoke reply comes before its result");
        assert_eq!(result["window"], window);
        assert_eq!(result["webview"], webview);
        for (key, want) in expected.as_object().unwrap() {
            assert_eq!(&result[key], want, "{key} of {result}");
        }
        if result["ok"] == true {
            assert!(result.get("error").is_none(), "{result}");
        } else {
            assert!(result["error"].is_string() && result.get("value").is_none(), "{result}");
        }
    }

    // post: to one webview, to every webview (0), to every webview (no field); order is kept.
    let text = "hé \u{2028} </script> \"";
    host.ok(json!({"cmd": "post", "webview": webview, "channel": "ping", "payload": {"n": 1, "text": text}}));
    host.ok(json!({"cmd": "post", "webview": 0, "channel": "ping", "payload": 2}));
    host.ok(json!({"cmd": "post", "channel": "ping", "payload": [3]}));
    let pongs: Vec<(usize, Value)> = (0..3).map(|_| host.message("pong")).collect();
    assert!(pongs[0].0 < pongs[1].0 && pongs[1].0 < pongs[2].0);
    assert_eq!(pongs[0].1["payload"], json!({"n": 1, "text": text}));
    assert_eq!(pongs[1].1["payload"], json!(2));
    assert_eq!(pongs[2].1["payload"], json!([3]));
    assert_eq!(pongs[1].1["webview"], webview);

    // webview.eval and window.set.
    host.ok(json!({"cmd": "webview.eval", "webview": webview, "script": "host.send('evaled', 1 + 1)"}));
    assert_eq!(host.message("evaled").1["payload"], json!(2));
    let (_, reply) =
        host.ok(json!({"cmd": "window.set", "window": window, "props": {"title": "renamed", "width": 420}}));
    assert_eq!(reply.as_object().unwrap().len(), 2, "{reply}");

    // A pending call ends when its window closes; the window's ids are then unknown.
    let (_, reply) = host.ok(json!({"cmd": "invoke", "webview": webview, "name": "never"}));
    let pending = reply["call"].as_u64().unwrap();
    let (close_at, _) = host.ok(json!({"cmd": "window.close", "window": window}));
    let (result_at, result) = host.event("invoke-result", json!({"call": pending}));
    assert_eq!(result["ok"], false);
    assert_eq!(result["code"], "TRANSOM_ERROR_NOT_FOUND");
    let (webview_gone_at, _) = host.event("webview-destroyed", json!({"window": window, "webview": webview}));
    let (window_gone_at, gone) = host.event("window-destroyed", json!({"window": window}));
    assert_eq!(gone, json!({"type": "window-destroyed", "window": window}));
    assert!(close_at < result_at && result_at < webview_gone_at && webview_gone_at < window_gone_at);
    host.refused(
        json!({"cmd": "post", "webview": webview, "channel": "ping", "payload": 1}),
        "TRANSOM_ERROR_NOT_FOUND",
    );
    host.refused(json!({"cmd": "window.close", "window": window}), "TRANSOM_ERROR_NOT_FOUND");

    host.close_stdin();
    host.read_to_eof();
    assert!(host.wait_exit().success());
}

#[test]
fn malformed_lines_get_error_replies_and_the_host_keeps_going() {
    let mut host = Host::spawn();
    host.hello();
    let (_, reply) = host.ok(json!({"cmd": "window.create", "options": {"width": 300, "height": 200}}));
    let window = reply["window"].as_u64().unwrap();

    // Lines that are not JSON: no req can be read from them.
    host.refused_raw(b"this is not json", "TRANSOM_ERROR_INVALID_JSON");
    host.refused_raw(br#"{"req":1,"cmd":"post","channel":"c","payload": alert(1)}"#, "TRANSOM_ERROR_INVALID_JSON");
    host.refused_raw(
        br#"{"req":2,"cmd":"post","channel":"c","payload":1]); alert(1); (["}"#,
        "TRANSOM_ERROR_INVALID_JSON",
    );
    host.refused_raw(br#"{"req":3,"cmd":"window.create""#, "TRANSOM_ERROR_INVALID_JSON");
    // Not UTF-8.
    let reply = host.refused_raw(
        b"{\"req\":4,\"cmd\":\"post\",\"channel\":\"\xff\xfe\",\"payload\":1}",
        "TRANSOM_ERROR_INVALID_UTF8",
    );
    assert!(reply["message"].as_str().unwrap().contains("UTF-8"), "{reply}");
    // JSON of the wrong shape: a req that is not a number cannot be echoed.
    host.refused_raw(br#"{"req":"five","cmd":"shutdown"}"#, "TRANSOM_ERROR_INVALID_ARGUMENT");
    host.refused_raw(b"42", "TRANSOM_ERROR_INVALID_ARGUMENT");

    // Well-formed lines with a req: the error reply echoes it.
    let message = |v: Value| v["message"].as_str().unwrap().to_owned();
    let m = message(host.refused(json!({"cmd": "fly"}), "TRANSOM_ERROR_INVALID_ARGUMENT"));
    assert!(m.contains("unknown command") && m.contains("window.create"), "{m}");
    let m = message(host.refused(json!({}), "TRANSOM_ERROR_INVALID_ARGUMENT"));
    assert!(m.contains("cmd"), "{m}");
    let m = message(host.refused(json!({"cmd": "window.close"}), "TRANSOM_ERROR_INVALID_ARGUMENT"));
    assert!(m.contains("missing field `window`"), "{m}");
    let m = message(host.refused(json!({"cmd": "post", "channel": "c"}), "TRANSOM_ERROR_INVALID_ARGUMENT"));
    assert!(m.contains("missing field `payload`"), "{m}");
    let m = message(
        host.refused(json!({"cmd": "window.close", "window": window, "url": "x"}), "TRANSOM_ERROR_INVALID_ARGUMENT"),
    );
    assert!(m.contains("unexpected field `url`"), "{m}");
    let m = message(host.refused(json!({"cmd": "window.create", "colour": "red"}), "TRANSOM_ERROR_INVALID_ARGUMENT"));
    assert!(m.contains("colour"), "{m}");
    let m = message(host.refused(json!({"cmd": "window.close", "window": "one"}), "TRANSOM_ERROR_INVALID_ARGUMENT"));
    assert!(m.contains("invalid type"), "{m}");
    let m = message(host.refused(
        json!({"cmd": "invoke", "webview": 1, "name": "f", "args": {"a": 1}}),
        "TRANSOM_ERROR_INVALID_ARGUMENT",
    ));
    assert!(m.contains("array"), "{m}");
    host.refused(json!({"cmd": "invoke", "webview": 1, "name": "f", "args": "[1]"}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    host.refused(json!({"cmd": "invoke", "webview": 1, "name": "", "args": []}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    host.refused(
        json!({"cmd": "invoke", "webview": 1, "name": "f", "timeout_ms": -1}),
        "TRANSOM_ERROR_INVALID_ARGUMENT",
    );
    host.refused(json!({"cmd": "post", "channel": "", "payload": 1}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    host.refused(json!({"cmd": "post", "channel": "x".repeat(257), "payload": 1}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    let m = message(
        host.refused(json!({"cmd": "window.create", "options": {"titel": "x"}}), "TRANSOM_ERROR_INVALID_ARGUMENT"),
    );
    assert!(m.contains("titel"), "{m}");
    host.refused(json!({"cmd": "window.create", "options": {"width": "wide"}}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    host.refused(json!({"cmd": "window.create", "options": {"x": 10}}), "TRANSOM_ERROR_INVALID_ARGUMENT");
    host.refused(
        json!({"cmd": "window.set", "window": window, "props": {"transparent": true}}),
        "TRANSOM_ERROR_INVALID_ARGUMENT",
    );
    host.refused(
        json!({"cmd": "webview.create", "window": window, "options": {"url": "https://a", "html": "x"}}),
        "TRANSOM_ERROR_INVALID_ARGUMENT",
    );
    host.refused(
        json!({"cmd": "webview.create", "window": window, "options": {"background_color": "red"}}),
        "TRANSOM_ERROR_INVALID_ARGUMENT",
    );
    host.refused(
        json!({"cmd": "webview.navigate", "webview": 1, "url": "relative/path"}),
        "TRANSOM_ERROR_INVALID_ARGUMENT",
    );

    // The message-model commands: fields that exclude each other, ids and names of the wrong
    // type, bad base64, bad keys and names.
    let invalid = "TRANSOM_ERROR_INVALID_ARGUMENT";
    let m = message(host.refused(json!({"cmd": "post", "channel": "c", "payload": 1, "base64": "AQI="}), invalid));
    assert!(m.contains("`payload` and `base64` exclude each other"), "{m}");
    let m = message(host.refused(json!({"cmd": "channel.send", "channel": 1, "payload": 1, "base64": "AQI="}), invalid));
    assert!(m.contains("`payload` and `base64` exclude each other"), "{m}");
    let m = message(host.refused(json!({"cmd": "post", "webview": 1, "window": window, "channel": "c", "payload": 1}), invalid));
    assert!(m.contains("`webview` and `window` exclude each other"), "{m}");
    let m = message(host.refused(json!({"cmd": "post", "window": window, "channel": "c", "base64": "AQI="}), invalid));
    assert!(m.contains("base64") && m.contains("window"), "{m}");
    let m = message(host.refused(json!({"cmd": "channel.send", "channel": "5", "payload": 1}), invalid));
    assert!(m.contains("channel id"), "{m}");
    let m = message(host.refused(json!({"cmd": "channel.close", "channel": "5"}), invalid));
    assert!(m.contains("channel id"), "{m}");
    let m = message(host.refused(json!({"cmd": "post", "channel": 5, "payload": 1}), invalid));
    assert!(m.contains("channel name"), "{m}");
    host.refused(json!({"cmd": "channel.send", "channel": -1, "payload": 1}), invalid);
    host.refused(json!({"cmd": "channel.send", "channel": true, "payload": 1}), invalid);
    let m = message(host.refused(json!({"cmd": "channel.send", "channel": 5}), invalid));
    assert!(m.contains("missing field `payload` (or `base64`)"), "{m}");
    let m = message(host.refused(json!({"cmd": "post", "channel": "c", "base64": "not base64!"}), invalid));
    assert!(m.contains("`base64` is not base64"), "{m}");
    host.refused(json!({"cmd": "post", "channel": "c", "base64": "AQI"}), invalid); // padding is required
    host.refused(json!({"cmd": "post", "channel": "c", "base64": 12}), invalid);
    let m = message(host.refused(json!({"cmd": "channel.send", "channel": 5, "base64": "%%%%"}), invalid));
    assert!(m.contains("`base64` is not base64"), "{m}");
    host.refused(json!({"cmd": "invoke.cancel"}), invalid);
    host.refused(json!({"cmd": "invoke.cancel", "call": "1"}), invalid);
    host.refused(json!({"cmd": "state.set", "key": "k"}), invalid);
    host.refused(json!({"cmd": "state.set", "value": 1}), invalid);
    host.refused(json!({"cmd": "state.set", "key": "", "value": 1}), invalid);
    host.refused(json!({"cmd": "state.set", "key": "k".repeat(257), "value": 1}), invalid);
    host.refused(json!({"cmd": "state.set", "key": 1, "value": 1}), invalid);
    host.refused(json!({"cmd": "state.get", "key": "k", "value": 1}), invalid);
    host.refused(json!({"cmd": "channel.open", "webview": 1}), invalid);
    host.refused(json!({"cmd": "channel.open", "webview": 1, "name": ""}), invalid);
    host.refused(json!({"cmd": "channel.open", "webview": 1, "name": "c", "channel": 2}), invalid);
    host.refused(json!({"cmd": "channel.close", "channel": 5, "payload": 1}), invalid);
    host.refused(json!({"cmd": "invoke.cancel", "call": 1, "webview": 1}), invalid);
    // A window without a webview: a post to it is accepted and reaches nobody.
    let (_, reply) = host.ok(json!({"cmd": "post", "window": window, "channel": "c", "payload": {"to": "nobody"}}));
    assert_eq!(reply.as_object().unwrap().len(), 2, "{reply}");
    // State that was never set.
    let m = message(host.refused(json!({"cmd": "state.get", "key": "never-set"}), "TRANSOM_ERROR_NOT_FOUND"));
    assert!(m.contains("never-set"), "{m}");
    host.refused(json!({"cmd": "state.get", "key": ""}), "TRANSOM_ERROR_NOT_FOUND");

    // Unknown ids.
    let unknown = 987_654_321u64;
    for command in [
        json!({"cmd": "window.set", "window": unknown, "props": {"title": "x"}}),
        json!({"cmd": "window.close", "window": unknown}),
        json!({"cmd": "webview.create", "window": unknown}),
        json!({"cmd": "webview.eval", "webview": unknown, "script": "1"}),
        json!({"cmd": "webview.navigate", "webview": unknown, "url": "about:blank"}),
        json!({"cmd": "post", "webview": unknown, "channel": "c", "payload": 1}),
        json!({"cmd": "post", "webview": unknown, "channel": "c", "base64": "AQI="}),
        json!({"cmd": "post", "window": unknown, "channel": "c", "payload": 1}),
        json!({"cmd": "invoke", "webview": unknown, "name": "f"}),
        json!({"cmd": "invoke.cancel", "call": unknown}),
        json!({"cmd": "resolve", "call": unknown, "value": 1}),
        json!({"cmd": "resolve", "call": unknown}),
        json!({"cmd": "reject", "call": unknown, "message": "no"}),
        json!({"cmd": "channel.open", "webview": unknown, "name": "c"}),
        json!({"cmd": "channel.send", "channel": unknown, "payload": 1}),
        json!({"cmd": "channel.send", "channel": unknown, "base64": "AQI="}),
        json!({"cmd": "channel.close", "channel": unknown}),
        json!({"cmd": "window.close", "window": 0}),
        json!({"cmd": "post", "window": 0, "channel": "c", "payload": 1}),
    ] {
        let m = message(host.refused(command.clone(), "TRANSOM_ERROR_NOT_FOUND"));
        assert!(m.contains(&unknown.to_string()) || command["window"] == 0, "{command}: {m}");
    }

    // A command without req gets a reply without req.
    host.send(r#"{"cmd":"window.close","window":987654321}"#);
    let (_, reply) = host.wait_for("the reply without req", |v| v["type"] == "error" && v.get("id").is_none());
    assert!(reply.get("req").is_none(), "{reply}");
    assert_eq!(reply["code"], "TRANSOM_ERROR_NOT_FOUND");
    // Blank lines get no reply at all: the next reply is for the next command.
    host.write_raw(b"\n   \n\r\n");

    // After all that, the host still works.
    let (reply_at, reply) = host.ok(json!({"cmd": "window.create"}));
    let second = reply["window"].as_u64().unwrap();
    assert!(second > window, "ids are not reused");
    let (created_at, _) = host.event("window-created", json!({"window": second}));
    assert!(reply_at < created_at);
    host.ok(json!({"cmd": "window.set", "window": second, "props": {"title": "still here"}}));

    // Every line got exactly one reply: nothing is left unread.
    host.close_stdin();
    host.read_to_eof();
    let unread: Vec<&Value> = (0..host.log.len())
        .filter(|&i| !host.taken[i])
        .map(|i| &host.log[i])
        .filter(|v| v["type"] == "ok" || (v["type"] == "error" && v.get("id").is_none()))
        .collect();
    assert!(unread.is_empty(), "replies nobody asked for: {unread:?}");
    assert!(host.wait_exit().success());
}

#[test]
fn closing_stdin_closes_the_windows_and_exits() {
    let mut host = Host::spawn();
    host.hello();
    let (window, webview) = host.open_page("<!doctype html><script>host.send('loaded', 1)</script>");
    host.message("loaded");
    let (_, reply) = host.ok(json!({"cmd": "window.create", "options": {"visible": false}}));
    let hidden = reply["window"].as_u64().unwrap();
    host.event("window-created", json!({"window": hidden}));

    let closed = Instant::now();
    host.close_stdin();
    let (webview_gone, _) = host.event("webview-destroyed", json!({"window": window, "webview": webview}));
    let (window_gone, _) = host.event("window-destroyed", json!({"window": window}));
    assert!(webview_gone < window_gone);
    host.event("window-destroyed", json!({"window": hidden}));
    host.read_to_eof();
    let status = host.wait_exit();
    assert!(status.success(), "exit status {status}");
    assert!(closed.elapsed() < PATIENCE);
}

#[test]
fn shutdown_replies_ends_calls_closes_windows_and_exits() {
    let mut host = Host::spawn();
    host.hello();
    let (window, webview) = host.open_page(
        "<!doctype html><script>host.handle('never', () => new Promise(() => {})); host.send('loaded', 1)</script>",
    );
    host.message("loaded");
    let (_, reply) = host.ok(json!({"cmd": "invoke", "webview": webview, "name": "never", "args": []}));
    let call = reply["call"].as_u64().unwrap();

    let (reply_at, reply) = host.ok(json!({"cmd": "shutdown"}));
    assert_eq!(reply.as_object().unwrap().len(), 2, "{reply}");
    let (result_at, result) = host.event("invoke-result", json!({"call": call}));
    assert_eq!(result["ok"], false);
    assert_eq!(result["code"], "TRANSOM_ERROR_CLOSED");
    let (gone_at, _) = host.event("window-destroyed", json!({"window": window}));
    assert!(reply_at < result_at && result_at < gone_at);
    host.read_to_eof();
    let status = host.wait_exit();
    assert!(status.success(), "exit status {status}");
}

/// A page for posts to a window and for shared state: it reports the state it started from,
/// every change it sees, and writes the state when told to.
const STATE_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"></head><body><script>
host.on('w', (x) => host.send('heard', x));
host.watchState('theme', (v, old) => host.send('watched', [v, old === undefined ? null : old]));
host.on('write', (v) => { host.state.theme = v; });
host.send('initial', host.state.theme === undefined ? null : host.state.theme);
</script></body></html>"#;

#[test]
fn post_to_a_window_and_shared_state() {
    let mut host = Host::spawn();
    host.hello();

    // state.set: the reply has the version, then state-changed with source "host" and no ids.
    host.refused(json!({"cmd": "state.get", "key": "theme"}), "TRANSOM_ERROR_NOT_FOUND");
    let (set_at, reply) = host.ok(json!({"cmd": "state.set", "key": "theme", "value": "dark"}));
    let v1 = reply["version"].as_u64().expect("version in the reply");
    assert!(v1 >= 1);
    assert_eq!(reply.as_object().unwrap().len(), 3, "{reply}");
    let (changed_at, changed) = host.event("state-changed", json!({"version": v1}));
    assert!(set_at < changed_at, "the reply comes before the event it causes");
    assert_eq!(
        changed,
        json!({"type": "state-changed", "key": "theme", "value": "dark", "version": v1, "source": "host"})
    );
    let (_, reply) = host.ok(json!({"cmd": "state.get", "key": "theme"}));
    assert_eq!(reply.as_object().unwrap().len(), 3, "{reply}");
    assert_eq!(reply["value"], "dark");

    // Pages loaded after the write start from it.
    let (window_a, a) = host.open_page(STATE_PAGE);
    let (window_b, b) = host.open_page(STATE_PAGE);
    assert_eq!(host.event("message", json!({"channel": "initial", "webview": a})).1["payload"], "dark");
    assert_eq!(host.event("message", json!({"channel": "initial", "webview": b})).1["payload"], "dark");

    // post with `window`: only that window's page; then a post to every webview.
    let (_, reply) = host.ok(json!({"cmd": "post", "window": window_a, "channel": "w", "payload": "only a"}));
    assert_eq!(reply.as_object().unwrap().len(), 2, "{reply}");
    host.ok(json!({"cmd": "post", "channel": "w", "payload": "everyone"}));
    let (a1_at, a1) = host.event("message", json!({"channel": "heard", "webview": a}));
    let (a2_at, a2) = host.event("message", json!({"channel": "heard", "webview": a}));
    assert_eq!((a1["payload"].as_str(), a2["payload"].as_str()), (Some("only a"), Some("everyone")));
    assert!(a1_at < a2_at);
    assert_eq!(a1["window"], window_a);
    let (_, b1) = host.event("message", json!({"channel": "heard", "webview": b}));
    assert_eq!(b1["payload"], "everyone");
    assert_eq!(b1["window"], window_b);
    // What was posted to window A before the broadcast would have reached B before it: it did not.
    assert!(host.seen("message", json!({"channel": "heard", "webview": b, "payload": "only a"})).is_empty());

    // The program writes: both pages see the change, with the old value.
    let (_, reply) = host.ok(json!({"cmd": "state.set", "key": "theme", "value": {"mode": "light"}}));
    let v2 = reply["version"].as_u64().unwrap();
    assert!(v2 > v1, "versions grow: {v1} then {v2}");
    let (_, changed) = host.event("state-changed", json!({"version": v2}));
    assert_eq!(changed["source"], "host");
    assert_eq!(changed["value"], json!({"mode": "light"}));
    for webview in [a, b] {
        let (_, watched) = host.event("message", json!({"channel": "watched", "webview": webview}));
        assert_eq!(watched["payload"], json!([{"mode": "light"}, "dark"]));
    }

    // A page writes: state-changed with source "page" and the writer's ids; the other page and
    // the program follow.
    host.ok(json!({"cmd": "post", "webview": a, "channel": "write", "payload": "solarized"}));
    let (_, changed) = host.event("state-changed", json!({"source": "page"}));
    let v3 = changed["version"].as_u64().expect("version");
    assert!(v3 > v2);
    assert_eq!(
        changed,
        json!({"type": "state-changed", "window": window_a, "webview": a, "key": "theme", "value": "solarized",
               "version": v3, "source": "page"})
    );
    for webview in [a, b] {
        let (_, watched) = host.event("message", json!({"channel": "watched", "webview": webview}));
        assert_eq!(watched["payload"], json!(["solarized", {"mode": "light"}]));
    }
    assert_eq!(host.ok(json!({"cmd": "state.get", "key": "theme"})).1["value"], "solarized");
    let (_, reply) = host.ok(json!({"cmd": "state.set", "key": "other", "value": null}));
    assert!(reply["version"].as_u64().unwrap() > v3);
    assert_eq!(host.ok(json!({"cmd": "state.get", "key": "other"})).1["value"], Value::Null);

    // A page loaded now starts from the page's write.
    let (_, c) = host.open_page(STATE_PAGE);
    assert_eq!(host.event("message", json!({"channel": "initial", "webview": c})).1["payload"], "solarized");

    host.close_stdin();
    host.read_to_eof();
    assert!(host.wait_exit().success());
}

/// A page that opens two channels itself (`logs`, which it closes when told, and `idle`) and
/// takes the `bulk` channel the program opens, without listening to it until told.
const CHANNEL_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"></head><body><script>
const logs = host.channel('logs');
logs.on('message', (m) => host.send('logs-got', m));
logs.send({line: 1});
logs.send({line: 2});
host.on('close-logs', () => logs.close());
const idle = host.channel('idle');
let bulk = null, count = 0, chars = 0;
host.onChannel('bulk', (c) => {
  bulk = c;
  c.on('close', (reason) => host.send('bulk-closed', reason));
  host.send('bulk-opened', c.id);
});
host.on('listen', () => bulk.on('message', (m) => { count++; chars += m.length; }));
host.on('report', () => host.send('report', {count, chars}));
</script></body></html>"#;

#[test]
fn channels_opened_by_either_side_with_backpressure() {
    let mut host = Host::spawn();
    host.hello();
    let (window, webview) = host.open_page(CHANNEL_PAGE);

    // Channels the page opens: channel-open, then its messages in order.
    let (_, open) = host.event("channel-open", json!({"name": "logs"}));
    let logs = open["channel"].as_u64().expect("channel id");
    assert_eq!(open, json!({"type": "channel-open", "window": window, "webview": webview, "channel": logs, "name": "logs"}));
    let (_, open) = host.event("channel-open", json!({"name": "idle"}));
    let idle = open["channel"].as_u64().expect("channel id");
    assert_ne!(logs, idle);
    let (first_at, first) = host.event("channel-message", json!({"channel": logs}));
    let (second_at, second) = host.event("channel-message", json!({"channel": logs}));
    assert!(first_at < second_at);
    assert_eq!(
        first,
        json!({"type": "channel-message", "window": window, "webview": webview, "channel": logs, "payload": {"line": 1}})
    );
    assert_eq!(second["payload"], json!({"line": 2}));

    // channel.send on it reaches the page's listener.
    let (_, reply) = host.ok(json!({"cmd": "channel.send", "channel": logs, "payload": "hi"}));
    assert_eq!(reply.as_object().unwrap().len(), 2, "{reply}");
    assert_eq!(host.message("logs-got").1["payload"], "hi");

    // The page closes it: channel-close with its reason; the id is unknown from then on.
    host.ok(json!({"cmd": "post", "webview": webview, "channel": "close-logs", "payload": null}));
    let (_, close) = host.event("channel-close", json!({"channel": logs}));
    assert_eq!(
        close,
        json!({"type": "channel-close", "window": window, "webview": webview, "channel": logs, "reason": "closed by the page"})
    );
    host.refused(json!({"cmd": "channel.send", "channel": logs, "payload": 1}), "TRANSOM_ERROR_NOT_FOUND");
    host.refused(json!({"cmd": "channel.close", "channel": logs}), "TRANSOM_ERROR_NOT_FOUND");

    // A channel the program opens: the page takes it with onChannel but does not listen yet, so
    // nothing is acknowledged. Four messages of 1 MiB fill the 4 MiB window; the fifth is refused.
    let (_, reply) = host.ok(json!({"cmd": "channel.open", "webview": webview, "name": "bulk"}));
    assert_eq!(reply.as_object().unwrap().len(), 3, "{reply}");
    let bulk = reply["channel"].as_u64().expect("channel id in the reply");
    assert_eq!(host.message("bulk-opened").1["payload"], bulk, "the page knows the channel by the same id");
    let text = "x".repeat(1024 * 1024 - 2);
    let chunk = json!({"cmd": "channel.send", "channel": bulk, "payload": text});
    assert_eq!(chunk["payload"].to_string().len(), 1024 * 1024, "each payload is 1 MiB of JSON text");
    let mut sent = 0;
    let blocked_at = loop {
        let (at, reply) = host.request(chunk.clone());
        if reply["type"] == "ok" {
            sent += 1;
            assert!(sent < 16, "never blocked");
            continue;
        }
        assert_eq!(reply["code"], "TRANSOM_ERROR_WOULD_BLOCK", "{reply}");
        assert!(reply["message"].as_str().is_some_and(|m| m.contains("channel-ready")), "{reply}");
        break at;
    };
    assert_eq!(sent, 4, "the window is 4 MiB");
    // Still blocked while the page takes nothing.
    host.refused(chunk.clone(), "TRANSOM_ERROR_WOULD_BLOCK");

    // The page listens: it takes what waited, acknowledges it, and channel-ready follows.
    let (listen_at, _) = host.ok(json!({"cmd": "post", "webview": webview, "channel": "listen", "payload": null}));
    let (ready_at, ready) = host.event("channel-ready", json!({"channel": bulk}));
    assert!(blocked_at < listen_at && listen_at < ready_at);
    assert_eq!(ready, json!({"type": "channel-ready", "window": window, "webview": webview, "channel": bulk}));
    host.ok(chunk.clone());
    host.ok(json!({"cmd": "post", "webview": webview, "channel": "report", "payload": null}));
    assert_eq!(host.message("report").1["payload"], json!({"count": 5, "chars": 5 * text.len()}));

    // The program closes it: the page's side closes; no channel-close event for it.
    host.ok(json!({"cmd": "channel.close", "channel": bulk}));
    assert_eq!(host.message("bulk-closed").1["payload"], "closed by the program");
    host.refused(json!({"cmd": "channel.close", "channel": bulk}), "TRANSOM_ERROR_NOT_FOUND");
    host.refused(json!({"cmd": "channel.send", "channel": bulk, "payload": 1}), "TRANSOM_ERROR_NOT_FOUND");

    // A channel the page has no handler for is closed by the page, with the reason.
    let (_, reply) = host.ok(json!({"cmd": "channel.open", "webview": webview, "name": "nobody"}));
    let nobody = reply["channel"].as_u64().unwrap();
    let (_, close) = host.event("channel-close", json!({"channel": nobody}));
    assert_eq!(
        close,
        json!({"type": "channel-close", "window": window, "webview": webview, "channel": nobody,
               "reason": "no channel handler named nobody"})
    );

    // Closing stdin closes the window: the channel still open closes with it, before the webview.
    host.close_stdin();
    let (close_at, close) = host.event("channel-close", json!({"channel": idle}));
    assert_eq!(close["reason"], "the webview was closed");
    let (gone_at, _) = host.event("webview-destroyed", json!({"webview": webview}));
    assert!(close_at < gone_at);
    host.read_to_eof();
    assert!(host.seen("channel-close", json!({"channel": bulk})).is_empty(), "channel.close sends no channel-close");
    assert!(host.seen("channel-ready", json!({})).len() == 1, "one channel-ready per refused send streak");
    assert!(host.wait_exit().success());
}

/// A page for bytes and call cancellation.
const BYTES_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"></head><body><script>
const checksum = (b) => b.reduce((h, x) => (h * 31 + x) >>> 0, 0);
host.on('blob', (b) => host.send('blob-info', {isBytes: b instanceof Uint8Array, len: b.length, sum: checksum(b)}));
host.on('make', (n) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) & 255;
  host.send('bytes-up', b);
  host.send('after-bytes', n);
});
host.onChannel('echo', (c) => c.on('message', (m) => c.send(m)));
host.handle('slow', () => new Promise((resolve) => setTimeout(() => resolve('late'), 300)));
host.on('give-up', () => host.invokeWith({timeout: 100}, 'never-answered')
  .catch((e) => host.send('gave-up', e.message)));
host.send('loaded', 1);
</script></body></html>"#;

#[test]
fn bytes_in_base64_and_call_cancellation() {
    let mut host = Host::spawn();
    host.hello();
    host.ok(json!({"cmd": "handle", "name": "never-answered"}));
    let (window, webview) = host.open_page(BYTES_PAGE);
    host.message("loaded");

    // post with base64: the page's listener gets a Uint8Array with exactly those bytes.
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 13 + 5) as u8).collect();
    let (_, reply) = host.ok(json!({"cmd": "post", "webview": webview, "channel": "blob", "base64": to_base64(&data)}));
    assert_eq!(reply.as_object().unwrap().len(), 2, "{reply}");
    assert_eq!(
        host.message("blob-info").1["payload"],
        json!({"isBytes": true, "len": data.len(), "sum": checksum(&data)})
    );
    // Zero bytes, to every webview.
    host.ok(json!({"cmd": "post", "channel": "blob", "base64": ""}));
    assert_eq!(host.message("blob-info").1["payload"], json!({"isBytes": true, "len": 0, "sum": 0}));

    // The page sends a Uint8Array: the event has `bytes` (the length) and `base64`, no payload;
    // what the page sent next comes after it.
    host.ok(json!({"cmd": "post", "webview": webview, "channel": "make", "payload": 300_000}));
    let (bytes_at, event) = host.message("bytes-up");
    let expected: Vec<u8> = (0..300_000u32).map(|i| ((i * 7 + 3) & 255) as u8).collect();
    assert_eq!(event["bytes"], 300_000);
    assert!(event.get("payload").is_none(), "a binary message has no payload");
    assert_eq!(event["window"], window);
    assert_eq!(event.as_object().unwrap().len(), 6, "type, window, webview, channel, bytes, base64");
    let got = from_base64(event["base64"].as_str().expect("base64 field"));
    assert!(got == expected, "the bytes differ (got {} bytes)", got.len());
    let (after_at, after) = host.message("after-bytes");
    assert_eq!(after["payload"], 300_000);
    assert!(bytes_at < after_at, "order is kept around the bytes");

    // Bytes through a channel both ways: the page echoes what it gets.
    let (_, reply) = host.ok(json!({"cmd": "channel.open", "webview": webview, "name": "echo"}));
    let echo = reply["channel"].as_u64().unwrap();
    let small = [0u8, 1, 2, 254, 255, b'\n', b'"'];
    let (_, reply) = host.ok(json!({"cmd": "channel.send", "channel": echo, "base64": to_base64(&small)}));
    assert_eq!(reply.as_object().unwrap().len(), 2, "{reply}");
    host.ok(json!({"cmd": "channel.send", "channel": echo, "payload": {"json": true}}));
    let (bin_at, bin) = host.event("channel-message", json!({"channel": echo}));
    assert_eq!(
        bin,
        json!({"type": "channel-message", "window": window, "webview": webview, "channel": echo, "bytes": small.len(),
               "base64": to_base64(&small)})
    );
    let (json_at, text) = host.event("channel-message", json!({"channel": echo}));
    assert_eq!(text["payload"], json!({"json": true}));
    assert!(text.get("bytes").is_none() && text.get("base64").is_none(), "{text}");
    assert!(bin_at < json_at);

    // invoke.cancel: the result comes at once with TRANSOM_ERROR_CANCELLED; the page's late
    // answer is dropped.
    let (_, reply) = host.ok(json!({"cmd": "invoke", "webview": webview, "name": "slow"}));
    let slow = reply["call"].as_u64().unwrap();
    let (cancel_at, reply) = host.ok(json!({"cmd": "invoke.cancel", "call": slow}));
    assert_eq!(reply.as_object().unwrap().len(), 2, "{reply}");
    let (result_at, result) = host.event("invoke-result", json!({"call": slow}));
    assert!(cancel_at < result_at);
    assert_eq!(
        result,
        json!({"type": "invoke-result", "window": window, "webview": webview, "call": slow, "ok": false,
               "error": "cancelled by the program", "code": "TRANSOM_ERROR_CANCELLED"})
    );
    host.refused(json!({"cmd": "invoke.cancel", "call": slow}), "TRANSOM_ERROR_NOT_FOUND");

    // The page gives up on its own call: invoke-cancelled, then its Promise rejects; answering
    // the call now is refused.
    host.ok(json!({"cmd": "post", "webview": webview, "channel": "give-up", "payload": null}));
    let (_, invoke) = host.event("invoke", json!({"name": "never-answered"}));
    let call = invoke["call"].as_u64().unwrap();
    let (cancelled_at, cancelled) = host.event("invoke-cancelled", json!({"call": call}));
    assert_eq!(
        cancelled,
        json!({"type": "invoke-cancelled", "window": window, "webview": webview, "call": call,
               "reason": "the page's timeout ran out"})
    );
    let (gave_up_at, gave_up) = host.message("gave-up");
    assert_eq!(gave_up["payload"], "invoke never-answered timed out after 100 ms");
    assert!(cancelled_at < gave_up_at, "the program hears of it before the page's Promise rejects");
    host.refused(json!({"cmd": "resolve", "call": call, "value": 1}), "TRANSOM_ERROR_NOT_FOUND");

    // Give the cancelled call's handler time to answer; its answer must not produce a result.
    std::thread::sleep(Duration::from_millis(500));
    host.ok(json!({"cmd": "post", "webview": webview, "channel": "blob", "base64": "AA=="}));
    assert_eq!(host.message("blob-info").1["payload"]["len"], 1);
    host.close_stdin();
    host.read_to_eof();
    assert_eq!(host.seen("invoke-result", json!({"call": slow})).len(), 1, "one invoke-result per call");
    assert!(host.wait_exit().success());
}
