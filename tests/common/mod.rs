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
