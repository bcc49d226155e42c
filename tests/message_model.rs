//! The full message model with real pages: targeting, call lifecycle, channels with backpressure,
//! shared state, bytes, limits (WebKitGTK under Xvfb).

mod common;

use std::time::{Duration, Instant};

use common::{open_page, page, wait_for, wait_message};
use serde_json::json;
use transom::{App, ErrorCode, EventKind};

#[test]
fn post_window_reaches_only_that_window() {
    let app = App::new(None).unwrap();
    let script = page("host.on('w', (x) => host.send('heard', x));");
    let (window_a, a) = open_page(&app, &script);
    let (_, _b) = open_page(&app, &script);
    wait_message(&app, "loaded");
    wait_message(&app, "loaded");
    app.post_window(window_a, "w", r#""only a""#).unwrap();
    app.post(0, "w", r#""everyone""#).unwrap();
    let mut heard = Vec::new();
    while heard.len() < 3 {
        let (e, v) = wait_for(&app, "heard", |e, v| e.kind() == EventKind::Message && v["channel"] == "heard");
        heard.push((e.webview() == a, v["payload"].as_str().unwrap().to_owned()));
    }
    assert_eq!(heard.iter().filter(|(_, p)| p == "only a").count(), 1);
    assert!(heard.contains(&(true, "only a".to_owned())));
    assert_eq!(app.post_window(999_999_999, "w", "1").unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn a_hundred_thousand_messages_each_way_in_order() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "let next = 0, ordered = true;
             host.on('n', (i) => { if (i !== next) ordered = false; next = i + 1;
               if (next === 100000) host.send('done', {count: next, ordered}); });
             host.on('go', () => { for (let i = 0; i < 100000; i++) host.send('up', i); });",
        ),
    );
    wait_message(&app, "loaded");
    app.post(webview, "go", "null").unwrap();
    for i in 0..100_000 {
        app.post(webview, "n", &i.to_string()).unwrap();
    }
    let mut up = 0u64;
    let mut done = None;
    while up < 100_000 || done.is_none() {
        let (_, v) = wait_for(&app, "messages", |e, _| e.kind() == EventKind::Message);
        match v["channel"].as_str().unwrap() {
            "up" => {
                assert_eq!(v["payload"], up, "page-to-host order");
                up += 1;
            }
            "done" => done = Some(v["payload"].clone()),
            _ => {}
        }
    }
    assert_eq!(done.unwrap(), json!({"count": 100000, "ordered": true}));
}

#[test]
fn call_timeouts_cancellation_and_on_error() {
    let app = App::new(None).unwrap();
    app.handle("never-answered").unwrap();
    app.handle("refused").unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "const errors = [];
             host.onError((e) => errors.push(e.kind + ': ' + e.message));
             host.handle('slow', () => new Promise((r) => setTimeout(() => r('late'), 300)));
             host.invokeWith({timeout: 100}, 'never-answered', 1).catch((e) => host.send('timed-out', e.message));
             host.invoke('refused').catch((e) => host.send('refused', e.message));
             host.on('report', () => host.send('errors', errors));",
        ),
    );
    // The page's own timeout: its Promise rejects, the program hears the call was cancelled.
    let (_, v) = wait_for(&app, "invoke", |e, v| e.kind() == EventKind::Invoke && v["name"] == "never-answered");
    let call = v["call"].as_u64().unwrap();
    let (_, refused) = wait_for(&app, "invoke refused", |e, v| e.kind() == EventKind::Invoke && v["name"] == "refused");
    app.reject(refused["call"].as_u64().unwrap(), "not today").unwrap();
    assert_eq!(wait_message(&app, "refused"), json!("not today"));
    // 100 ms after the call the page gives up; it tells the program before it rejects its Promise.
    let (_, v) = wait_for(&app, "invoke-cancelled", |e, _| e.kind() == EventKind::InvokeCancelled);
    assert_eq!(v["call"], call);
    assert_eq!(wait_message(&app, "timed-out"), json!("invoke never-answered timed out after 100 ms"));
    assert_eq!(app.resolve(call, "1").unwrap_err().code, ErrorCode::NotFound);

    // The program cancels its own call: the result says so at once, the late answer is dropped.
    let slow = app.invoke(webview, "slow", "[]", 0).unwrap();
    app.cancel_invoke(slow).unwrap();
    let (_, v) = wait_for(&app, "cancelled result", |e, v| e.kind() == EventKind::InvokeResult && v["call"] == slow);
    assert_eq!(v["ok"], false);
    assert_eq!(v["code"], "TRANSOM_ERROR_CANCELLED");
    assert_eq!(app.cancel_invoke(slow).unwrap_err().code, ErrorCode::NotFound);

    app.post(webview, "report", "null").unwrap();
    let errors = wait_message(&app, "errors");
    let errors: Vec<&str> = errors.as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(errors.contains(&"timeout: invoke never-answered timed out after 100 ms"), "{errors:?}");
    assert!(errors.contains(&"invoke: not today"), "{errors:?}");
    // No invoke-result for the cancelled call ever comes back from the page's late answer.
    std::thread::sleep(Duration::from_millis(500));
    while let Ok(event) = app.next_event(Some(Duration::ZERO)) {
        assert!(!(event.kind() == EventKind::InvokeResult && event.json().contains(&format!("\"call\":{slow},"))));
    }
}

#[test]
fn pending_calls_end_within_100_ms_of_navigation_close_and_shutdown() {
    let app = App::new(None).unwrap();
    let never = page("host.handle('never', () => new Promise(() => {}));");
    let mut measured = Vec::new();
    for how in ["navigate", "close", "shutdown"] {
        let (window, webview) = open_page(&app, &never);
        wait_message(&app, "loaded");
        let call = app.invoke(webview, "never", "[]", 0).unwrap();
        let start = Instant::now();
        match how {
            "navigate" => app.navigate(webview, "data:text/html,<p>gone</p>").unwrap(),
            "close" => app.close_window(window).unwrap(),
            _ => app.shutdown().unwrap(),
        }
        let (_, v) = wait_for(&app, how, |e, v| e.kind() == EventKind::InvokeResult && v["call"] == call);
        let elapsed = start.elapsed();
        assert_eq!(v["ok"], false);
        measured.push((how, elapsed));
    }
    eprintln!("pending call rejected after: {measured:?}");
    for (how, elapsed) in measured {
        assert!(elapsed < Duration::from_millis(100), "{how}: {elapsed:?}");
    }
}

#[test]
fn channels_opened_by_either_side() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "const ch = host.channel('logs');
             ch.on('message', (m) => host.send('page-got', m));
             ch.send({line: 1}); ch.send({line: 2}); ch.send({line: 3});
             host.onChannel('feed', (feed) => {
               feed.on('message', (m) => { if (m === 'stop') feed.close(); else host.send('feed-got', m); });
               feed.send('hello from the page');
             });
             host.on('close-logs', () => ch.close());",
        ),
    );
    let (_, v) = wait_for(&app, "channel-open", |e, _| e.kind() == EventKind::ChannelOpen);
    assert_eq!(v["name"], "logs");
    let logs = v["channel"].as_u64().unwrap();
    for line in 1..=3 {
        let (_, v) = wait_for(&app, "channel-message", |e, _| e.kind() == EventKind::ChannelMessage);
        assert_eq!(v["channel"], logs);
        assert_eq!(v["payload"], json!({"line": line}));
    }
    app.send_channel(logs, r#""ack""#).unwrap();
    assert_eq!(wait_message(&app, "page-got"), json!("ack"));

    let feed = app.open_channel(webview, "feed").unwrap();
    let (_, v) = wait_for(&app, "feed greeting", |e, v| e.kind() == EventKind::ChannelMessage && v["channel"] == feed);
    assert_eq!(v["payload"], "hello from the page");
    app.send_channel(feed, "[1,2]").unwrap();
    assert_eq!(wait_message(&app, "feed-got"), json!([1, 2]));
    app.send_channel(feed, r#""stop""#).unwrap();
    let (_, v) = wait_for(&app, "feed closed by the page", |e, v| e.kind() == EventKind::ChannelClose && v["channel"] == feed);
    assert_eq!(v["reason"], "closed by the page");
    assert_eq!(app.send_channel(feed, "1").unwrap_err().code, ErrorCode::NotFound);

    let unhandled = app.open_channel(webview, "nobody-listens").unwrap();
    let (_, v) = wait_for(&app, "unhandled", |e, v| e.kind() == EventKind::ChannelClose && v["channel"] == unhandled);
    assert_eq!(v["reason"], "no channel handler named nobody-listens");

    app.post(webview, "close-logs", "null").unwrap();
    wait_for(&app, "logs closed", |e, v| e.kind() == EventKind::ChannelClose && v["channel"] == logs);
    assert_eq!(app.close_channel(logs).unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn host_sends_block_until_the_page_catches_up() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "let total = 0, ch = null;
             host.onChannel('bulk', (c) => { ch = c; });
             host.on('drain', () => ch.on('message', (m) => { total += m.length; if (total >= 20 * (1024 * 1024 - 2)) host.send('drained', total); }));",
        ),
    );
    wait_message(&app, "loaded");
    let channel = app.open_channel(webview, "bulk").unwrap();
    let chunk = format!("\"{}\"", "x".repeat(1024 * 1024 - 2)); // 1 MiB of JSON text
    let mut sent = 0;
    let blocked_at = loop {
        match app.send_channel(channel, &chunk) {
            Ok(()) => sent += 1,
            Err(e) => {
                assert_eq!(e.code, ErrorCode::WouldBlock);
                break sent;
            }
        }
        assert!(sent < 64, "never blocked");
    };
    // The window is 4 MiB: the fifth message of 1 MiB does not fit.
    assert_eq!(blocked_at, 4);
    app.post(webview, "drain", "null").unwrap();
    let mut total_sent = blocked_at;
    while total_sent < 20 {
        wait_for(&app, "channel-ready", |e, v| e.kind() == EventKind::ChannelReady && v["channel"] == channel);
        while total_sent < 20 {
            match app.send_channel(channel, &chunk) {
                Ok(()) => total_sent += 1,
                Err(e) if e.code == ErrorCode::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
    }
    let drained = wait_message(&app, "drained");
    assert!(drained.as_u64().unwrap() >= 20 * (1024 * 1024 - 2));
}

#[test]
fn page_sends_wait_for_the_program() {
    let app = App::new(None).unwrap();
    // The page sends 32 messages of 512 KiB; its sends wait while 4 MiB are not taken.
    let (_, _) = open_page(
        &app,
        &page(
            "(async () => {
               const ch = host.channel('up');
               const chunk = 'y'.repeat(512 * 1024);
               let waited = 0;
               for (let i = 0; i < 32; i++) {
                 const t = performance.now();
                 await ch.send(chunk);
                 if (performance.now() - t > 50) waited++;
               }
               host.send('page-done', waited);
             })();",
        ),
    );
    let (_, v) = wait_for(&app, "channel-open", |e, _| e.kind() == EventKind::ChannelOpen);
    let channel = v["channel"].as_u64().unwrap();
    // Take nothing for a while: the page must stop at its window, not flood the queue.
    std::thread::sleep(Duration::from_millis(1500));
    let mut early = 0;
    let mut queued = Vec::new();
    while let Ok(event) = app.next_event(Some(Duration::ZERO)) {
        if event.kind() == EventKind::ChannelMessage {
            early += 1;
        }
        queued.push(event);
    }
    // What the page could send without credit coming back: at most the 4 MiB window (8 × 512 KiB);
    // taking those events just now gave credit back, so more may follow from here.
    assert!(early <= 8, "the page sent {early} messages past its window");
    let mut received = early;
    while received < 32 {
        let (_, v) = wait_for(&app, "channel-message", |e, _| e.kind() == EventKind::ChannelMessage);
        assert_eq!(v["channel"], channel);
        received += 1;
        std::thread::sleep(Duration::from_millis(10)); // a slow consumer
    }
    let waited = wait_message(&app, "page-done");
    assert!(waited.as_u64().unwrap() >= 1, "no page send ever waited");
}

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn shared_state_reaches_every_webview_and_the_host() {
    let app = App::new(None).unwrap();
    app.set_state("theme", r#""dark""#).unwrap();
    assert_eq!(app.state("theme").unwrap(), r#""dark""#);
    assert_eq!(app.state("missing").unwrap_err().code, ErrorCode::NotFound);
    // A page loaded after the write sees it before its own scripts run.
    let watcher = "host.send('initial', host.state.theme);
                   host.watchState('theme', (v, old) => host.send('watched', [v, old]));
                   host.on('write', (v) => { host.state.theme = v; });";
    let (_, a) = open_page(&app, &page(watcher));
    assert_eq!(wait_message(&app, "initial"), json!("dark"));
    app.set_state("theme", r#""light""#).unwrap();
    let (_, v) = wait_for(&app, "state-changed (host)", |e, v| e.kind() == EventKind::StateChanged && v["source"] == "host");
    assert_eq!(v["value"], "light");
    assert_eq!(wait_message(&app, "watched"), json!(["light", "dark"]));

    app.post(a, "write", r#""solarized""#).unwrap();
    let (event, v) = wait_for(&app, "state-changed (page)", |e, v| e.kind() == EventKind::StateChanged && v["source"] == "page");
    assert_eq!(event.webview(), a);
    assert_eq!(v["value"], "solarized");
    assert_eq!(app.state("theme").unwrap(), r#""solarized""#);

    // A later page starts from the latest value.
    open_page(&app, &page("host.send('initial-2', host.state.theme);"));
    assert_eq!(wait_message(&app, "initial-2"), json!("solarized"));
}

#[test]
fn concurrent_state_writes_converge_everywhere() {
    let app = App::new(None).unwrap();
    let script = page(
        "host.on('burst', (tag) => { for (let i = 0; i < 50; i++) host.state.counter = tag + ':' + i; });
         host.handle('read', () => host.state.counter);",
    );
    let webviews: Vec<u64> = (0..3).map(|_| open_page(&app, &script).1).collect();
    for _ in 0..3 {
        wait_message(&app, "loaded");
    }
    for (i, webview) in webviews.iter().enumerate() {
        app.post(*webview, "burst", &format!("\"page{i}\"")).unwrap();
    }
    for i in 0..50 {
        app.set_state("counter", &format!("\"host:{i}\"")).unwrap();
    }
    // Wait until every page write has reached the host, then let the last deliveries land.
    let mut page_writes = 0;
    while page_writes < 150 {
        let (_, _) = wait_for(&app, "page writes", |e, v| e.kind() == EventKind::StateChanged && v["source"] == "page");
        page_writes += 1;
    }
    std::thread::sleep(Duration::from_millis(300));
    let final_value: serde_json::Value = serde_json::from_str(&app.state("counter").unwrap()).unwrap();
    let calls: Vec<u64> = webviews.iter().map(|w| app.invoke(*w, "read", "[]", 10_000).unwrap()).collect();
    let mut answered = 0;
    while answered < calls.len() {
        let (_, v) = wait_for(&app, "read", |e, _| e.kind() == EventKind::InvokeResult);
        assert!(calls.contains(&v["call"].as_u64().unwrap()));
        assert_eq!(v["value"], final_value, "a webview ended on a different value");
        answered += 1;
    }
}

#[test]
fn bytes_both_ways() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "host.on('blob', (b) => host.send('blob-info', {isBytes: b instanceof Uint8Array, len: b.length, sum: b.reduce((s, x) => s + x, 0)}));
             host.on('reuse', () => { const b = new Uint8Array(1); for (let i = 0; i < 3; i++) { b[0] = i; host.send('reused', b); } });
             host.on('make', (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = i % 251; host.send('bytes-up', b); host.send('after-bytes', n); });",
        ),
    );
    wait_message(&app, "loaded");
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 256) as u8).collect();
    app.post_bytes(webview, "blob", &data).unwrap();
    let sum: u64 = data.iter().map(|b| *b as u64).sum();
    assert_eq!(wait_message(&app, "blob-info"), json!({"isBytes": true, "len": 100_000, "sum": sum}));

    app.post(webview, "make", "300000").unwrap();
    let (event, v) = wait_for(&app, "bytes-up", |e, v| e.kind() == EventKind::Message && v["channel"] == "bytes-up");
    assert_eq!(v["bytes"], 300_000);
    assert!(v.get("payload").is_none());
    let bytes = event.bytes().unwrap();
    assert!(bytes.iter().enumerate().all(|(i, b)| *b as usize == i % 251));
    // Order is kept around the upload.
    assert_eq!(wait_message(&app, "after-bytes"), json!(300_000));
    // Bytes are taken when sent: a buffer reused right after `send` does not change what went.
    app.post(webview, "reuse", "null").unwrap();
    for i in 0..3u8 {
        let (event, _) = wait_for(&app, "reused", |e, v| e.kind() == EventKind::Message && v["channel"] == "reused");
        assert_eq!(event.bytes().unwrap(), &[i]);
    }
}

#[test]
fn a_gibibyte_through_a_channel_each_way_in_bounded_memory() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "let total = 0;
             host.onChannel('down', (ch) => ch.on('message', (m) => { total += m.length; if (total >= 1024 * 1024 * 1024) host.send('down-done', total); }));
             host.on('up', async () => {
               const ch = host.channel('up');
               const chunk = new Uint8Array(1024 * 1024).fill(7);
               for (let i = 0; i < 1024; i++) await ch.send(chunk);
               host.send('up-sent', 1024);
             });",
        ),
    );
    wait_message(&app, "loaded");
    let rss_before = rss_kib("VmRSS:");
    let start = Instant::now();
    // Program -> page: 1024 messages of 1 MiB (JSON strings).
    let channel = app.open_channel(webview, "down").unwrap();
    let chunk = format!("\"{}\"", "z".repeat(1024 * 1024));
    let mut sent = 0;
    while sent < 1024 {
        match app.send_channel(channel, &chunk) {
            Ok(()) => sent += 1,
            Err(e) if e.code == ErrorCode::WouldBlock => {
                wait_for(&app, "channel-ready", |e, v| e.kind() == EventKind::ChannelReady && v["channel"] == channel);
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(wait_message(&app, "down-done"), json!(1024u64 * 1024 * 1024));
    let down = start.elapsed();

    // Page -> program: 1024 binary messages of 1 MiB.
    let start = Instant::now();
    app.post(webview, "up", "null").unwrap();
    let mut received = 0u64;
    while received < 1024 * 1024 * 1024 {
        let (event, _) = wait_for(&app, "channel-message up", |e, _| e.kind() == EventKind::ChannelMessage);
        received += event.bytes().map_or(0, |b| b.len() as u64);
    }
    wait_message(&app, "up-sent");
    let up = start.elapsed();
    let peak_growth_mib = (rss_kib("VmHWM:").saturating_sub(rss_before)) / 1024;
    eprintln!("1 GiB down in {down:?}, up in {up:?}; peak RSS growth {peak_growth_mib} MiB");
    assert!(peak_growth_mib < 256, "peak RSS grew by {peak_growth_mib} MiB");
}

#[test]
fn the_size_limit_holds_on_both_sides() {
    let app = App::new(Some(r#"{"max_message_bytes":1000}"#)).unwrap();
    app.handle("f").unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "const big = 'x'.repeat(2000);
             const results = {};
             try { host.send('big', big); results.send = 'sent'; } catch (e) { results.send = e.name; }
             host.invoke('f', big).then(() => { results.invoke = 'resolved'; }, (e) => { results.invoke = e.name; })
               .then(() => host.channel('c').send(big)).then(() => { results.channel = 'sent'; }, (e) => { results.channel = e.name; })
               .then(() => { try { host.state.k = big; results.state = 'set'; } catch (e) { results.state = e.name; } host.send('results', results); });
             host.handle('echo', () => big);",
        ),
    );
    assert_eq!(
        wait_message(&app, "results"),
        json!({"send": "RangeError", "invoke": "RangeError", "channel": "RangeError", "state": "RangeError"})
    );
    // The page's answer that is too large ends the program's call with an error, not truncated.
    let call = app.invoke(webview, "echo", "[]", 0).unwrap();
    let (_, v) = wait_for(&app, "echo result", |e, v| e.kind() == EventKind::InvokeResult && v["call"] == call);
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("larger than max_message_bytes (1000)"), "{v}");
    assert_eq!(app.post(webview, "x", &format!("\"{}\"", "y".repeat(1000))).unwrap_err().code, ErrorCode::TooLarge);
    assert_eq!(app.post_bytes(webview, "x", &[0u8; 1001]).unwrap_err().code, ErrorCode::TooLarge);
}

#[test]
fn calls_and_channels_made_before_the_first_page_loads_reach_it() {
    let app = App::new(None).unwrap();
    let window = app.create_window("{}").unwrap();
    let html = page(
        "host.handle('early', (x) => x * 2);
         host.onChannel('early-channel', (ch) => ch.on('message', (m) => host.send('channel-got', m)));
         host.send('nothing', null);",
    );
    let webview = app.create_webview(window, &json!({ "html": html }).to_string()).unwrap();
    // Made at once, before the page exists: they wait for it instead of failing.
    let call = app.invoke(webview, "early", "[21]", 0).unwrap();
    let channel = app.open_channel(webview, "early-channel").unwrap();
    app.send_channel(channel, r#""first""#).unwrap();
    // In the order the page sends them: its null at load, the channel message, then the answer
    // of its (asynchronous) handler.
    assert_eq!(wait_message(&app, "nothing"), json!(null));
    assert_eq!(wait_message(&app, "channel-got"), json!("first"));
    let (_, v) = wait_for(&app, "early result", |e, v| e.kind() == EventKind::InvokeResult && v["call"] == call);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["value"], 42);
}
