//! Messages and calls between the program and real pages (WebKitGTK under Xvfb).

mod common;

use common::{open_page, page, wait_for, wait_message};
use serde_json::json;
use transom::{App, ErrorCode, EventKind};

#[test]
fn page_and_host_exchange_messages() {
    let app = App::new(None).unwrap();
    let (window, webview) = open_page(
        &app,
        &page("host.on('ping', (data) => host.send('pong', {got: data, n: data.n + 1}));"),
    );
    let (_, created) = wait_for(&app, "window-created", |e, _| e.kind() == EventKind::WindowCreated);
    assert_eq!(created["window"], window);
    let loaded = wait_message(&app, "loaded");
    assert!(loaded.as_str().unwrap().starts_with("about:") || loaded.as_str().unwrap().starts_with("data:") || loaded.is_string());

    app.post(webview, "ping", r#"{"n":41,"text":"hé \u2028 </script>"}"#).unwrap();
    let pong = wait_message(&app, "pong");
    assert_eq!(pong["n"], 42);
    assert_eq!(pong["got"]["text"], "hé \u{2028} </script>");
    app.shutdown().unwrap();
}

#[test]
fn message_event_names_window_and_webview() {
    let app = App::new(None).unwrap();
    let (window, webview) = open_page(&app, &page("host.send('hello', [1, 'two', null]);"));
    let (event, value) = wait_for(&app, "hello", |e, v| e.kind() == EventKind::Message && v["channel"] == "hello");
    assert_eq!(event.window(), window);
    assert_eq!(event.webview(), webview);
    assert_eq!(value["payload"], json!([1, "two", null]));
}

#[test]
fn page_invoke_resolves_and_rejects() {
    let app = App::new(None).unwrap();
    app.handle("add").unwrap();
    app.handle("fail").unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "host.invoke('add', 2, 3).then(v => host.send('sum', v));
             host.invoke('fail').catch(e => host.send('failed', {message: e.message, isError: e instanceof Error}));",
        ),
    );
    for _ in 0..2 {
        let (event, v) = wait_for(&app, "invoke", |e, _| e.kind() == EventKind::Invoke);
        assert_eq!(event.webview(), webview);
        let call = v["call"].as_u64().unwrap();
        match v["name"].as_str().unwrap() {
            "add" => {
                assert_eq!(v["args"], json!([2, 3]));
                let sum = v["args"][0].as_i64().unwrap() + v["args"][1].as_i64().unwrap();
                app.resolve(call, &sum.to_string()).unwrap();
                // Answered once: a second answer is refused.
                assert_eq!(app.resolve(call, "1").unwrap_err().code, ErrorCode::NotFound);
            }
            "fail" => app.reject(call, "nope: \"quoted\"").unwrap(),
            other => panic!("unexpected invoke {other}"),
        }
    }
    assert_eq!(wait_message(&app, "sum"), json!(5));
    assert_eq!(wait_message(&app, "failed"), json!({"message": "nope: \"quoted\"", "isError": true}));
}

#[test]
fn host_invoke_results_and_rejections() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "host.handle('mul', (a, b) => a * b);
             host.handle('slow', () => new Promise(r => setTimeout(() => r('late'), 60000)));
             host.handle('later', async (x) => { await null; return {x}; });
             host.handle('throws', () => { throw new Error('handler broke'); });",
        ),
    );
    wait_message(&app, "loaded");
    let mul = app.invoke(webview, "mul", "[6,7]", 0).unwrap();
    let later = app.invoke(webview, "later", r#"["y"]"#, 0).unwrap();
    let throws = app.invoke(webview, "throws", "[]", 0).unwrap();
    let missing = app.invoke(webview, "missing", "[]", 0).unwrap();
    let slow = app.invoke(webview, "slow", "[]", 200).unwrap();
    let mut results = std::collections::HashMap::new();
    while results.len() < 5 {
        let (_, v) = wait_for(&app, "invoke-result", |e, _| e.kind() == EventKind::InvokeResult);
        results.insert(v["call"].as_u64().unwrap(), v);
    }
    assert_eq!(results[&mul]["ok"], true);
    assert_eq!(results[&mul]["value"], 42);
    assert_eq!(results[&later]["value"], json!({"x": "y"}));
    assert_eq!(results[&throws]["ok"], false);
    assert_eq!(results[&throws]["error"], "handler broke");
    assert_eq!(results[&missing]["error"], "no handler named missing");
    assert_eq!(results[&slow]["ok"], false);
    assert_eq!(results[&slow]["code"], "TRANSOM_ERROR_TIMEOUT");
}

#[test]
fn ten_thousand_posts_arrive_in_order() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "let next = 0, ordered = true;
             host.on('n', (i) => { if (i !== next) ordered = false; next = i + 1;
               if (next === 10000) host.send('done', {count: next, ordered}); });",
        ),
    );
    wait_message(&app, "loaded");
    for i in 0..10_000 {
        app.post(webview, "n", &i.to_string()).unwrap();
    }
    assert_eq!(wait_message(&app, "done"), json!({"count": 10000, "ordered": true}));
}

#[test]
fn posts_before_the_page_loads_wait_for_it() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(&app, &page("const got = []; host.on('early', (x) => { got.push(x); if (got.length === 3) host.send('got', got); });"));
    // Sent at once, before the page exists: delivered after its scripts ran, in order.
    for i in 0..3 {
        app.post(webview, "early", &i.to_string()).unwrap();
    }
    app.eval(webview, "host.send('eval-ran', document.readyState !== 'loading')").unwrap();
    assert_eq!(wait_message(&app, "got"), json!([0, 1, 2]));
    assert_eq!(wait_message(&app, "eval-ran"), json!(true));
}

#[test]
fn broadcast_reaches_every_webview() {
    let app = App::new(None).unwrap();
    let script = page("host.on('all', (x) => host.send('heard', x));");
    let (_, a) = open_page(&app, &script);
    let (_, b) = open_page(&app, &script);
    let mut loaded = 0;
    while loaded < 2 {
        wait_message(&app, "loaded");
        loaded += 1;
    }
    app.post(0, "all", r#""everyone""#).unwrap();
    let mut heard = Vec::new();
    while heard.len() < 2 {
        let (e, v) = wait_for(&app, "heard", |e, v| e.kind() == EventKind::Message && v["channel"] == "heard");
        assert_eq!(v["payload"], "everyone");
        heard.push(e.webview());
    }
    heard.sort_unstable();
    let mut expected = vec![a, b];
    expected.sort_unstable();
    assert_eq!(heard, expected);
}

#[test]
fn closing_or_navigating_rejects_pending_calls() {
    let app = App::new(None).unwrap();
    let never = page("host.handle('never', () => new Promise(() => {}));");
    let (window, webview) = open_page(&app, &never);
    wait_message(&app, "loaded");
    let call = app.invoke(webview, "never", "[]", 0).unwrap();
    app.navigate(webview, "data:text/html,<p>elsewhere</p>").unwrap();
    let (_, v) = wait_for(&app, "rejection after navigation", |e, v| {
        e.kind() == EventKind::InvokeResult && v["call"] == call
    });
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"], "the page navigated away");

    let (window2, webview2) = open_page(&app, &never);
    wait_message(&app, "loaded");
    let call = app.invoke(webview2, "never", "[]", 0).unwrap();
    app.close_window(window2).unwrap();
    let (_, v) = wait_for(&app, "rejection after close", |e, v| e.kind() == EventKind::InvokeResult && v["call"] == call);
    assert_eq!(v["error"], "the webview was closed");
    wait_for(&app, "window-destroyed", |e, _| e.kind() == EventKind::WindowDestroyed && e.window() == window2);
    assert_eq!(app.post(webview2, "x", "1").unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(app.close_window(window2).unwrap_err().code, ErrorCode::NotFound);

    let call = app.invoke(webview, "never", "[]", 0).unwrap();
    app.shutdown().unwrap();
    let (_, v) = wait_for(&app, "rejection at shutdown", |e, v| e.kind() == EventKind::InvokeResult && v["call"] == call);
    assert_eq!(v["code"], "TRANSOM_ERROR_CLOSED");
    let _ = window;
}

#[test]
fn page_calls_end_when_the_page_goes_away() {
    let app = App::new(None).unwrap();
    app.handle("hang").unwrap();
    let (window, _) = open_page(&app, &page("host.invoke('hang');"));
    let (_, v) = wait_for(&app, "invoke", |e, _| e.kind() == EventKind::Invoke);
    let call = v["call"].as_u64().unwrap();
    app.close_window(window).unwrap();
    wait_for(&app, "window-destroyed", |e, _| e.kind() == EventKind::WindowDestroyed);
    assert_eq!(app.resolve(call, "1").unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn data_and_file_pages_can_talk() {
    let app = App::new(None).unwrap();
    let dir = std::env::temp_dir().join(format!("transom-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("page.html");
    std::fs::write(&file, page("host.send('from', 'file')")).unwrap();
    let window = app.create_window("{}").unwrap();
    let url = format!("file://{}", file.display());
    app.create_webview(window, &json!({ "url": url }).to_string()).unwrap();
    assert_eq!(wait_message(&app, "from"), json!("file"));

    app.handle("twice").unwrap();
    let window = app.create_window("{}").unwrap();
    let url = "data:text/html,<script>host.invoke('twice', 21).then(v => host.send('from', v))</script>";
    app.create_webview(window, &json!({ "url": url }).to_string()).unwrap();
    let (_, v) = wait_for(&app, "invoke from data: page", |e, _| e.kind() == EventKind::Invoke);
    app.resolve(v["call"].as_u64().unwrap(), "42").unwrap();
    assert_eq!(wait_message(&app, "from"), json!(42));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn answers_for_an_old_page_never_reach_the_next_page() {
    let app = App::new(None).unwrap();
    app.handle("old").unwrap();
    app.handle("new").unwrap();
    let (_, webview) = open_page(&app, &page("host.invoke('old').then(v => host.send('old-got', v));"));
    let (_, v) = wait_for(&app, "old invoke", |e, v| e.kind() == EventKind::Invoke && v["name"] == "old");
    let old_call = v["call"].as_u64().unwrap();
    // The answer and the navigation leave in the same turn; the next page numbers its calls from 1
    // again, like the old one did.
    app.resolve(old_call, r#""for the old page""#).unwrap();
    let next = "data:text/html,<script>host.invoke('new').then(v => host.send('new-got', v))</script>";
    app.navigate(webview, next).unwrap();
    let (_, v) = wait_for(&app, "new invoke", |e, v| e.kind() == EventKind::Invoke && v["name"] == "new");
    app.resolve(v["call"].as_u64().unwrap(), r#""for the new page""#).unwrap();
    assert_eq!(wait_message(&app, "new-got"), json!("for the new page"));
}
