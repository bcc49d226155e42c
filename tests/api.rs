//! Argument checking of the Rust API: every bad input gets its code at once, never a crash.

mod common;

use common::{open_page, page, wait_for, wait_message};
use transom::{App, ErrorCode, EventKind};

fn code<T: std::fmt::Debug>(r: transom::Result<T>) -> ErrorCode {
    r.unwrap_err().code
}

#[test]
fn bad_app_options() {
    assert_eq!(code(App::new(Some("{"))), ErrorCode::InvalidJson);
    assert_eq!(code(App::new(Some(r#"{"max_message_byte":1}"#))), ErrorCode::InvalidArgument);
    assert_eq!(code(App::new(Some(r#"{"max_message_bytes":"big"}"#))), ErrorCode::InvalidArgument);
    assert_eq!(code(App::new(Some(r#"{"max_message_bytes":0}"#))), ErrorCode::InvalidArgument);
}

#[test]
fn bad_window_and_webview_arguments() {
    let app = App::new(None).unwrap();
    assert_eq!(code(app.create_window("not json")), ErrorCode::InvalidJson);
    let err = app.create_window(r#"{"widht":10}"#).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(err.message.contains("widht"), "{}", err.message);
    assert_eq!(code(app.create_window(r#"{"width":-5}"#)), ErrorCode::InvalidArgument);
    assert_eq!(code(app.create_window(r#"[]"#)), ErrorCode::InvalidArgument);

    let window = app.create_window("{}").unwrap();
    assert_eq!(code(app.set_window(window, r#"{"transparent":true}"#)), ErrorCode::InvalidArgument);
    assert_eq!(code(app.set_window(window, r#"{"title":5}"#)), ErrorCode::InvalidArgument);
    assert_eq!(code(app.set_window(999_999_999, r#"{"title":"x"}"#)), ErrorCode::NotFound);
    assert_eq!(code(app.close_window(999_999_999)), ErrorCode::NotFound);

    assert_eq!(code(app.create_webview(999_999_999, "{}")), ErrorCode::NotFound);
    assert_eq!(code(app.create_webview(window, r#"{"url":"https://a.test","html":"x"}"#)), ErrorCode::InvalidArgument);
    assert_eq!(code(app.create_webview(window, r#"{"url":"no-scheme"}"#)), ErrorCode::InvalidArgument);
    let webview = app.create_webview(window, r#"{"html":"<p>x</p>"}"#).unwrap();
    assert_eq!(code(app.create_webview(window, r#"{"x":1,"y":1}"#)), ErrorCode::InvalidArgument);
    assert_eq!(code(app.create_webview(window, r#"{"fill":false}"#)), ErrorCode::InvalidArgument);
    assert_eq!(code(app.create_webview(window, r#"{"allowed_origins":["https://a.test/path"]}"#)), ErrorCode::InvalidArgument);
    assert_eq!(code(app.create_webview(window, r#"{"download_folder":"/tmp"}"#)), ErrorCode::InvalidArgument);
    assert_ne!(webview, window);
    assert_ne!(webview, 0);

    assert_eq!(code(app.navigate(webview, "relative/path")), ErrorCode::InvalidArgument);
    assert_eq!(code(app.navigate(999_999_999, "https://a.test")), ErrorCode::NotFound);
    assert_eq!(code(app.eval(999_999_999, "1")), ErrorCode::NotFound);
}

#[test]
fn bad_payloads_are_refused_before_reaching_a_page() {
    let app = App::new(Some(r#"{"max_message_bytes":64}"#)).unwrap();
    let window = app.create_window("{}").unwrap();
    let webview = app.create_webview(window, "{}").unwrap();
    for payload in ["alert(1)", "1]); alert(1); ([", "{\"a\":1", "", "undefined", "'single'", "[1,]"] {
        assert_eq!(code(app.post(webview, "c", payload)), ErrorCode::InvalidJson, "payload {payload:?}");
    }
    assert_eq!(code(app.post(webview, "", "1")), ErrorCode::InvalidArgument);
    assert_eq!(code(app.post(webview, &"c".repeat(300), "1")), ErrorCode::InvalidArgument);
    assert_eq!(code(app.post(webview, "c", &format!("\"{}\"", "x".repeat(100)))), ErrorCode::TooLarge);
    assert_eq!(code(app.post(999_999_999, "c", "1")), ErrorCode::NotFound);
    assert_eq!(code(app.invoke(webview, "f", "{}", 0)), ErrorCode::InvalidArgument);
    assert_eq!(code(app.invoke(webview, "f", "[1", 0)), ErrorCode::InvalidJson);
    assert_eq!(code(app.invoke(webview, "", "[]", 0)), ErrorCode::InvalidArgument);
    assert_eq!(code(app.invoke(999_999_999, "f", "[]", 0)), ErrorCode::NotFound);
    assert_eq!(code(app.resolve(999_999_999, "1")), ErrorCode::NotFound);
    assert_eq!(code(app.resolve(999_999_999, "not json")), ErrorCode::InvalidJson);
    assert_eq!(code(app.reject(999_999_999, "why")), ErrorCode::NotFound);
    // The host protocol refuses the same things.
    assert_eq!(code(app.send_json(r#"{"cmd":"post","channel":"c","payload":alert(1)}"#)), ErrorCode::InvalidJson);
    assert_eq!(code(app.send_json(r#"{"cmd":"post","channel":"c"}"#)), ErrorCode::InvalidArgument);
    assert!(app.send_json(&format!(r#"{{"cmd":"post","webview":{webview},"channel":"c","payload":[1]}}"#)).is_ok());
}

#[test]
fn everything_after_shutdown_is_closed() {
    let app = App::new(None).unwrap();
    let window = app.create_window(r#"{"title":"short-lived"}"#).unwrap();
    let webview = app.create_webview(window, "{}").unwrap();
    app.shutdown().unwrap();
    app.shutdown().unwrap(); // idempotent
    assert!(app.is_closed());
    assert_eq!(code(app.create_window("{}")), ErrorCode::Closed);
    assert_eq!(code(app.set_window(window, "{}")), ErrorCode::Closed);
    assert_eq!(code(app.close_window(window)), ErrorCode::Closed);
    assert_eq!(code(app.create_webview(window, "{}")), ErrorCode::Closed);
    assert_eq!(code(app.post(webview, "c", "1")), ErrorCode::Closed);
    assert_eq!(code(app.post(0, "c", "1")), ErrorCode::Closed);
    assert_eq!(code(app.eval(webview, "1")), ErrorCode::Closed);
    assert_eq!(code(app.navigate(webview, "https://a.test")), ErrorCode::Closed);
    assert_eq!(code(app.invoke(webview, "f", "[]", 0)), ErrorCode::Closed);
    assert_eq!(code(app.resolve(1, "1")), ErrorCode::Closed);
    assert_eq!(code(app.reject(1, "x")), ErrorCode::Closed);
    assert_eq!(code(app.set_event_callback(None)), ErrorCode::Closed);
    assert_eq!(code(app.send_json(r#"{"cmd":"window.create"}"#)), ErrorCode::Closed);
    // The events of the shutdown itself are still there, then the queue says Closed.
    let mut kinds = Vec::new();
    loop {
        match app.next_event(Some(std::time::Duration::from_secs(5))) {
            Ok(event) => kinds.push(event.kind()),
            Err(e) => {
                assert_eq!(e.code, ErrorCode::Closed);
                break;
            }
        }
    }
    assert!(kinds.contains(&EventKind::WindowDestroyed), "{kinds:?}");
}

#[test]
fn ids_are_unique_and_never_zero() {
    let a = App::new(None).unwrap();
    let b = App::new(None).unwrap();
    let mut ids = std::collections::HashSet::new();
    for app in [&a, &b] {
        for _ in 0..3 {
            let w = app.create_window(r#"{"visible":false}"#).unwrap();
            let v = app.create_webview(w, "{}").unwrap();
            assert!(w != 0 && v != 0);
            assert!(ids.insert(w) && ids.insert(v));
        }
    }
    // One app cannot touch the other's windows.
    let other = *ids.iter().next().unwrap();
    let owned_by_a = a.close_window(other).is_ok() || a.eval(other, "1").is_ok();
    let owned_by_b = b.close_window(other).is_ok() || b.eval(other, "1").is_ok();
    assert!(owned_by_a != owned_by_b);
}

#[test]
fn unsigned_ipc_is_dropped_and_reported() {
    let app = App::new(None).unwrap();
    // A page script and a sub-frame reach the raw ipc handler without the page's secret.
    let (_, webview) = open_page(
        &app,
        &page(
            r#"window.webkit.messageHandlers.transom.postMessage('[{"t":"send","c":"forged","d":1}]');
             const inner = "window.webkit.messageHandlers.transom.postMessage('[{\"t\":\"send\",\"c\":\"forged\",\"d\":2}]');"
               + "parent.postMessage(typeof window.host, '*');";
             const f = document.createElement('iframe');
             f.srcdoc = '<script>' + inner + '<' + '/script>';
             window.addEventListener('message', (e) => host.send('frame-host', e.data));
             document.body.appendChild(f);"#,
        ),
    );
    let mut security = 0;
    let mut frame_host = None;
    while security < 2 || frame_host.is_none() {
        let (event, v) = wait_for(&app, "security events", |e, v| {
            e.kind() == EventKind::Security || (e.kind() == EventKind::Message && v["channel"] != "loaded")
        });
        match event.kind() {
            EventKind::Security => {
                assert_eq!(v["reason"], "unsigned-message");
                assert_eq!(event.webview(), webview);
                security += 1;
            }
            _ => {
                assert_ne!(v["channel"], "forged", "a forged message reached the program");
                frame_host = Some(v["payload"].clone());
            }
        }
    }
    // The bridge is not defined in sub-frames.
    assert_eq!(frame_host.unwrap(), "undefined");
}

#[test]
fn page_load_and_title_events() {
    let app = App::new(None).unwrap();
    let (window, webview) = open_page(&app, &page("document.title = 'Hello title';"));
    let (_, v) = wait_for(&app, "page-load started", |e, v| e.kind() == EventKind::PageLoad && v["state"] == "started");
    assert_eq!(v["webview"], webview);
    assert_eq!(v["window"], window);
    wait_for(&app, "page-load finished", |e, v| e.kind() == EventKind::PageLoad && v["state"] == "finished");
    wait_for(&app, "title", |e, v| e.kind() == EventKind::TitleChanged && v["title"] == "Hello title");
}

#[test]
fn event_fd_and_callback() {
    let app = App::new(None).unwrap();
    let fd = app.event_fd();
    assert!(fd >= 0);
    let readable = |timeout_ms: i32| {
        let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut pfd, 1, timeout_ms) == 1 }
    };
    assert!(!readable(0));
    let (_, webview) = open_page(&app, &page("host.on('x', (v) => host.send('y', v));"));
    assert!(readable(30_000), "the fd becomes readable when an event arrives");
    wait_message(&app, "loaded");
    while app.next_event(Some(std::time::Duration::ZERO)).is_ok() {}
    assert!(!readable(0), "the fd is not readable once the queue is empty");

    let (tx, rx) = std::sync::mpsc::channel();
    app.set_event_callback(Some(Box::new(move |event| {
        let _ = tx.send(event);
    })))
    .unwrap();
    app.post(webview, "x", "7").unwrap();
    let deadline = std::time::Instant::now() + common::PATIENCE;
    loop {
        let event = rx.recv_timeout(deadline - std::time::Instant::now()).expect("callback gets events");
        if event.kind() == EventKind::Message && event.json().contains("\"y\"") {
            assert!(event.json().contains("\"payload\":7"));
            break;
        }
    }
    assert!(!readable(0), "with a callback the queue stays empty");
    app.set_event_callback(None).unwrap();
    app.post(webview, "x", "8").unwrap();
    assert_eq!(wait_message(&app, "y"), serde_json::json!(8));
}

