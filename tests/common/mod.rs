//! Helpers shared by the integration tests: real windows and pages (run under `xvfb-run -a`).

#![allow(dead_code)]

use std::time::{Duration, Instant};

use serde_json::Value;
use transom::{App, Event, EventKind};

/// How long a test waits for something the GUI should do; generous for a loaded 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Waits for the first event matching `pred`, failing the test after [`PATIENCE`].
pub fn wait_for(app: &App, what: &str, mut pred: impl FnMut(&Event, &Value) -> bool) -> (Event, Value) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = app
            .next_event(Some(left))
            .unwrap_or_else(|e| panic!("waiting for {what}: {e}"));
        let value: Value = serde_json::from_str(event.json()).expect("event JSON parses");
        assert_eq!(value["type"], event.kind().name(), "type field matches kind");
        if pred(&event, &value) {
            return (event, value);
        }
    }
}

/// Waits for a `message` event on `channel` and returns its payload.
pub fn wait_message(app: &App, channel: &str) -> Value {
    let (_, v) = wait_for(app, &format!("message on {channel}"), |e, v| {
        e.kind() == EventKind::Message && v["channel"] == channel
    });
    v["payload"].clone()
}

/// Opens a hidden-by-nothing window with a webview showing `html`; waits until the page is ready
/// (it sends `ready` on channel "ready" from its own script). Returns (window, webview).
pub fn open_page(app: &App, html: &str) -> (u64, u64) {
    let window = app.create_window(r#"{"title":"transom test","width":400,"height":300}"#).unwrap();
    let options = serde_json::json!({ "html": html }).to_string();
    let webview = app.create_webview(window, &options).unwrap();
    (window, webview)
}

/// A page whose script tells the host it runs, then does `body`.
pub fn page(body: &str) -> String {
    format!("<!doctype html><html><body><script>{body}\nhost.send('loaded', location.href);</script></body></html>")
}

/// A minimal HTTP/1.1 server on 127.0.0.1 for pages of real http origins: `GET /NAME` answers
/// the page registered under NAME (text/html), anything else 404. One thread, connections closed
/// after each answer. Reach it as `http://127.0.0.1:PORT/` and, for a second origin,
/// `http://localhost:PORT/`.
pub struct HttpServer {
    pub port: u16,
}

impl HttpServer {
    pub fn start(pages: Vec<(&'static str, String)>) -> HttpServer {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                // Skip the headers.
                let mut line = String::new();
                while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                    line.clear();
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_owned();
                let path = path.split('?').next().unwrap_or("").to_owned();
                let (status, body) = match pages.iter().find(|(name, _)| *name == path) {
                    Some((_, body)) => ("200 OK", body.clone()),
                    None => ("404 Not Found", String::new()),
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        HttpServer { port }
    }
}
