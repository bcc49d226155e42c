//! The host-protocol decoder and executor (`transom::protocol::execute_line`, what `transom-host`
//! runs for every line of its stdin and `transom_send_json` for every call): arbitrary lines
//! against a real app (needs a display: run under `xvfb-run`). Every line gets exactly one reply,
//! a JSON object of type `ok` or `error` that repeats the line's `req` when it has one; nothing
//! panics. Windows a line creates are closed again; `webview.create` lines are skipped (each starts
//! web processes: far too slow for fuzzing) and so is `shutdown` (the app is shared by all inputs).
#![no_main]

use std::collections::HashMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;
use serde_json::Value;
use transom::App;

fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| App::new(None).expect("an app (is there a display? run under xvfb-run)"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let app = app();
    for line in text.lines().take(16) {
        // Fields as raw JSON text: a line may hold numbers `serde_json::Value` refuses (`1e400`).
        let parsed: Option<HashMap<String, &RawValue>> = serde_json::from_str(line).ok();
        let line_field = |name: &str| parsed.as_ref().and_then(|f| f.get(name)).and_then(|v| serde_json::from_str::<Value>(v.get()).ok());
        let cmd = line_field("cmd");
        let cmd = cmd.as_ref().and_then(Value::as_str);
        if matches!(cmd, Some("webview.create" | "shutdown")) {
            continue;
        }
        let text = transom::protocol::execute_line(app, line);
        // Values stay raw: a `state.get` reply holds the value as it was set (`1e400` included,
        // which `serde_json::Value` refuses).
        let reply: HashMap<String, &RawValue> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("reply is not a JSON object ({e}): {text}"));
        let field = |name: &str| reply.get(name).and_then(|v| serde_json::from_str::<Value>(v.get()).ok());
        let kind = field("type").and_then(|v| v.as_str().map(str::to_owned)).expect("reply has a type");
        assert!(kind == "ok" || kind == "error", "{text}");
        if kind == "error" {
            assert!(field("code").is_some_and(|c| c.as_str().is_some_and(|c| c.starts_with("TRANSOM_ERROR_"))), "{text}");
        }
        if kind == "ok" {
            // A line that succeeded was a JSON object; its `req` comes back.
            let req = line_field("req");
            assert_eq!(field("req"), req, "{line} -> {text}");
            if let Some(window) = field("window").and_then(|w| w.as_u64()) {
                app.close_window(window).expect("a window just created can be closed");
            }
        }
    }
    // Keep the event queue from growing across inputs.
    while app.next_event(Some(std::time::Duration::ZERO)).is_ok() {}
});
