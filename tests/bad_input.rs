//! Rows of the bad-input matrix (docs/reliability.md) that the other tests do not cover: ids of
//! things that were closed, oversize input through every entry point, script-injection text in
//! names, keys and titles, and calls made from the GUI thread (inside an event callback).

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::{open_page, page, wait_for, wait_message, PATIENCE};
use serde_json::json;
use transom::{App, ErrorCode, EventKind};

fn code<T: std::fmt::Debug>(r: transom::Result<T>) -> ErrorCode {
    r.unwrap_err().code
}

/// Every call that names a window, webview, channel or call that existed and is gone gets
/// `NotFound`, at once.
#[test]
fn closed_ids_are_not_found() {
    let app = App::new(None).unwrap();
    app.handle("wait").unwrap();
    let (window, webview) = open_page(
        &app,
        &page("host.handle('never', () => new Promise(() => {})); host.invoke('wait'); host.channel('up');"),
    );
    let (_, v) = wait_for(&app, "page call", |e, _| e.kind() == EventKind::Invoke);
    let page_call = v["call"].as_u64().unwrap();
    let (_, v) = wait_for(&app, "page channel", |e, _| e.kind() == EventKind::ChannelOpen);
    let page_channel = v["channel"].as_u64().unwrap();
    let channel = app.open_channel(webview, "c").unwrap();
    let call = app.invoke(webview, "never", "[]", 0).unwrap();
    app.close_window(window).unwrap();

    assert_eq!(code(app.close_window(window)), ErrorCode::NotFound);
    assert_eq!(code(app.set_window(window, r#"{"title":"x"}"#)), ErrorCode::NotFound);
    assert_eq!(code(app.create_webview(window, "{}")), ErrorCode::NotFound);
    assert_eq!(code(app.post_window(window, "c", "1")), ErrorCode::NotFound);
    assert_eq!(code(app.post(webview, "c", "1")), ErrorCode::NotFound);
    assert_eq!(code(app.post_bytes(webview, "c", &[1, 2])), ErrorCode::NotFound);
    assert_eq!(code(app.eval(webview, "1")), ErrorCode::NotFound);
    assert_eq!(code(app.navigate(webview, "about:blank")), ErrorCode::NotFound);
    assert_eq!(code(app.invoke(webview, "never", "[]", 0)), ErrorCode::NotFound);
    assert_eq!(code(app.open_channel(webview, "c")), ErrorCode::NotFound);
    // Calls and channels end with their page: the program's call gets its result first.
    let (_, v) = wait_for(&app, "the call ends", |e, v| e.kind() == EventKind::InvokeResult && v["call"] == call);
    assert_eq!(v["ok"], false);
    wait_for(&app, "window-destroyed", |e, _| e.kind() == EventKind::WindowDestroyed && e.window() == window);
    assert_eq!(code(app.cancel_invoke(call)), ErrorCode::NotFound);
    assert_eq!(code(app.resolve(page_call, "1")), ErrorCode::NotFound);
    assert_eq!(code(app.reject(page_call, "no")), ErrorCode::NotFound);
    for ch in [channel, page_channel] {
        assert_eq!(code(app.send_channel(ch, "1")), ErrorCode::NotFound);
        assert_eq!(code(app.send_channel_bytes(ch, &[1])), ErrorCode::NotFound);
        assert_eq!(code(app.close_channel(ch)), ErrorCode::NotFound);
    }
    // The host protocol says the same.
    assert_eq!(code(app.send_json(&format!(r#"{{"cmd":"post","webview":{webview},"channel":"c","payload":1}}"#))), ErrorCode::NotFound);
    assert_eq!(code(app.send_json(&format!(r#"{{"cmd":"resolve","call":{page_call},"value":1}}"#))), ErrorCode::NotFound);
}

/// Input over `max_message_bytes` is refused with `TooLarge` by every entry point that takes a
/// payload, before any id is looked at.
#[test]
fn oversize_input_through_every_entry_point() {
    let app = App::new(Some(r#"{"max_message_bytes":32}"#)).unwrap();
    let big = format!("\"{}\"", "x".repeat(40));
    let big_array = format!("[{big}]");
    let unknown = 987_654_321;
    assert_eq!(code(app.post(0, "c", &big)), ErrorCode::TooLarge);
    assert_eq!(code(app.post(unknown, "c", &big)), ErrorCode::TooLarge);
    assert_eq!(code(app.post_window(unknown, "c", &big)), ErrorCode::TooLarge);
    assert_eq!(code(app.post_bytes(0, "c", &[0; 33])), ErrorCode::TooLarge);
    assert_eq!(code(app.invoke(unknown, "f", &big_array, 0)), ErrorCode::TooLarge);
    assert_eq!(code(app.resolve(unknown, &big)), ErrorCode::TooLarge);
    assert_eq!(code(app.reject(unknown, &"x".repeat(33))), ErrorCode::TooLarge);
    assert_eq!(code(app.set_state("k", &big)), ErrorCode::TooLarge);
    assert_eq!(code(app.send_channel(unknown, &big)), ErrorCode::TooLarge);
    assert_eq!(code(app.send_channel_bytes(unknown, &[0; 33])), ErrorCode::TooLarge);
    // Through the host protocol: the payload inside the command line is what counts.
    let line = format!(r#"{{"cmd":"post","webview":0,"channel":"c","payload":{big}}}"#);
    assert_eq!(code(app.send_json(&line)), ErrorCode::TooLarge);
    let line = format!(r#"{{"cmd":"post","webview":0,"channel":"c","base64":"{}"}}"#, "AAAA".repeat(11));
    assert_eq!(code(app.send_json(&line)), ErrorCode::TooLarge);
    // At the limit it goes.
    app.post(0, "c", &format!("\"{}\"", "x".repeat(30))).unwrap();
    // Names and keys have their own limit, 256 bytes, whatever max_message_bytes is.
    let app = App::new(None).unwrap();
    let long = "n".repeat(257);
    assert_eq!(code(app.post(0, &long, "1")), ErrorCode::InvalidArgument);
    assert_eq!(code(app.set_state(&long, "1")), ErrorCode::InvalidArgument);
    assert_eq!(code(app.handle(&long)), ErrorCode::InvalidArgument);
    assert_eq!(code(app.invoke(unknown, &long, "[]", 0)), ErrorCode::InvalidArgument);
}

/// Script-injection text as a channel name, handler name, state key, reject message and window
/// title travels as data: the page gets the exact text, and nothing runs.
#[test]
fn script_injection_text_in_names_keys_and_titles() {
    let nasty = [
        r#"x"]);window.injected=1;//"#,
        "</script><script>window.injected=1</script>",
        "'\u{2028}\u{2029};window.injected=1;'",
        r#"\"});window.injected=1;({\""#,
        "${window.injected=1}`",
    ];
    let app = App::new(None).unwrap();
    // The page's own script holds the names: `</` is escaped so that they do not end it.
    let names = serde_json::to_string(&nasty).unwrap().replace("</", "<\\/");
    let script = format!(
        "const names = {names};
         for (const n of names) {{
           host.on(n, (v) => host.send('got', [n, v]));
           host.handle(n, (v) => [n, v]);
           host.watchState(n, (v) => host.send('state', [n, v]));
         }}
         host.on('report', () => host.send('report', {{injected: window.injected === undefined ? null : window.injected, title: document.title}}));"
    );
    let (window, webview) = open_page(&app, &page(&script));
    wait_message(&app, "loaded");
    for (i, name) in nasty.iter().enumerate() {
        app.post(webview, name, &i.to_string()).unwrap();
        assert_eq!(wait_message(&app, "got"), json!([name, i]));
        let call = app.invoke(webview, name, &format!("[{i}]"), 0).unwrap();
        let (_, v) = wait_for(&app, "result", |e, v| e.kind() == EventKind::InvokeResult && v["call"] == call);
        assert_eq!(v["value"], json!([name, i]), "{v}");
        app.set_state(name, &i.to_string()).unwrap();
        assert_eq!(wait_message(&app, "state"), json!([name, i]));
        app.set_window(window, &json!({ "title": name }).to_string()).unwrap();
    }
    app.post(webview, "report", "null").unwrap();
    assert_eq!(wait_message(&app, "report")["injected"], json!(null));
}

/// Calls made on the GUI thread, from inside an event callback: posting, invoking, answering and
/// shutting down work there (shutdown does not wait for the GUI thread it is running on).
#[test]
fn calls_from_inside_an_event_callback() {
    let app = App::new(None).unwrap();
    app.handle("ask").unwrap();
    let (_, webview) = open_page(
        &app,
        &page("host.on('ping', (n) => host.send('pong', n)); host.on('ask', () => host.invoke('ask').then((v) => host.send('answered', v)));"),
    );
    wait_message(&app, "loaded");
    let (tx, rx) = mpsc::channel();
    let inner = app.clone();
    app.set_event_callback(Some(Box::new(move |event| {
        let v: serde_json::Value = serde_json::from_str(event.json()).unwrap();
        match (event.kind(), v["channel"].as_str()) {
            (EventKind::Message, Some("pong")) => {
                inner.post(webview, "ask", "null").unwrap();
            }
            (EventKind::Invoke, _) => {
                inner.resolve(v["call"].as_u64().unwrap(), "\"from the GUI thread\"").unwrap();
            }
            (EventKind::Message, Some("answered")) => {
                inner.set_state("k", "1").unwrap();
                let _ = tx.send(inner.shutdown());
            }
            _ => {}
        }
    })))
    .unwrap();
    app.post(webview, "ping", "1").unwrap();
    let shutdown = rx.recv_timeout(PATIENCE).expect("the callback shut the app down");
    assert!(shutdown.is_ok(), "{shutdown:?}");
    assert!(app.is_closed());
    // Events go to the callback while it is set; after shutdown the queue says Closed.
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        match app.next_event(Some(Duration::from_secs(1))) {
            Err(e) if e.code == ErrorCode::Closed => break,
            _ => assert!(std::time::Instant::now() < deadline, "the queue never closed"),
        }
    }
}

/// `next_event` inside an event callback (the GUI thread) cannot get anything (events go to the
/// callback) and waits there: it should refuse at once instead of stopping every window.
#[test]
fn next_event_inside_a_callback_does_not_wait() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(&app, &page("host.on('ping', (n) => host.send('pong', n));"));
    wait_message(&app, "loaded");
    let (tx, rx) = mpsc::channel();
    let inner = app.clone();
    app.set_event_callback(Some(Box::new(move |event| {
        if event.kind() == EventKind::Message && event.json().contains("\"pong\"") {
            let start = std::time::Instant::now();
            let result = inner.next_event(Some(Duration::from_secs(3)));
            let _ = tx.send((result.map(|e| e.kind()), start.elapsed()));
        }
    })))
    .unwrap();
    app.post(webview, "ping", "1").unwrap();
    let (result, waited) = rx.recv_timeout(PATIENCE).unwrap();
    assert!(result.is_err());
    assert!(waited < Duration::from_secs(1), "next_event waited {waited:?} on the GUI thread");
}

/// What a page hands `window.host` that cannot travel is refused in the page, with a JavaScript
/// error, and never reaches the program: names that are empty, too long or not strings, values
/// JSON cannot hold. The page keeps working.
#[test]
fn bad_input_from_a_page_is_refused_in_the_page() {
    let app = App::new(None).unwrap();
    app.handle("f").unwrap();
    let (_, _webview) = open_page(
        &app,
        &page(
            "const circular = {}; circular.self = circular;
             const tries = {
               emptyName: () => host.send('', 1),
               longName: () => host.send('n'.repeat(257), 1),
               numberName: () => host.send(5, 1),
               bigint: () => host.send('c', 10n),
               circular: () => host.send('c', circular),
               invokeEmpty: () => host.invoke('', 1),
               stateKey: () => { host.state[''] = 1; },
             };
             const out = {};
             const run = async () => {
               for (const [k, fn] of Object.entries(tries)) {
                 try { await fn(); out[k] = 'accepted'; } catch (e) { out[k] = e.name; }
               }
               host.send('report', out);
             };
             run();",
        ),
    );
    let (_, v) = wait_for(&app, "report", |e, v| {
        assert!(!(e.kind() == EventKind::Message && v["channel"] == "c"), "a bad value reached the program: {v}");
        assert_ne!(e.kind(), EventKind::Invoke, "a bad call reached the program: {v}");
        e.kind() == EventKind::Message && v["channel"] == "report"
    });
    let report = &v["payload"];
    for (k, error) in report.as_object().unwrap() {
        assert!(error == "TypeError" || error == "RangeError", "{k}: {error} ({report})");
    }
    assert_eq!(report.as_object().unwrap().len(), 7, "{report}");
}
