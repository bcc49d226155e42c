//! The host-protocol decoder and executor (`transom::protocol::execute_line`, what `transom-host`
//! runs for every line of its stdin and `transom_send_json` for every call): arbitrary lines
//! against a real app (needs a display: run under `xvfb-run`). Every line gets exactly one reply,
//! a JSON object of type `ok` or `error` that repeats the line's `req` when it has one; nothing
//! panics. Windows a line creates are closed again; `webview.create` lines are skipped (each starts
//! web processes: far too slow for fuzzing) and so is `shutdown` (the app is shared by all inputs).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
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
        let parsed: Option<Value> = serde_json::from_str(line).ok();
        let cmd = parsed.as_ref().and_then(|v| v.get("cmd")).and_then(Value::as_str);
        if matches!(cmd, Some("webview.create" | "shutdown")) {
            continue;
        }
        let reply = transom::protocol::execute_line(app, line);
        let reply: Value = serde_json::from_str(&reply).unwrap_or_else(|e| panic!("reply is not JSON ({e}): {reply}"));
        let kind = reply["type"].as_str().expect("reply has a type");
        assert!(kind == "ok" || kind == "error", "{reply}");
        if kind == "error" {
            assert!(reply["code"].as_str().is_some_and(|c| c.starts_with("TRANSOM_ERROR_")), "{reply}");
        }
        if kind == "ok" {
            // A line that succeeded was a JSON object; its `req` comes back.
            let req = parsed.as_ref().and_then(|v| v.get("req")).cloned();
            assert_eq!(reply.get("req").cloned(), req, "{line} -> {reply}");
            if let Some(window) = reply["window"].as_u64() {
                app.close_window(window).expect("a window just created can be closed");
            }
        }
    }
    // Keep the event queue from growing across inputs.
    while app.next_event(Some(std::time::Duration::ZERO)).is_ok() {}
});
