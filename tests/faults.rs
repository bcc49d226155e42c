//! Faults on the page's side and the program's: a page that throws in every handler, one that
//! floods, one that never answers, one that reloads in the middle of calls, and an event callback
//! that blocks (WebKitGTK under Xvfb).

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use common::{open_page, page, wait_for, wait_message, PATIENCE};
use serde_json::json;
use transom::{App, ErrorCode, EventKind};

/// Every listener and handler of the page throws: the program's calls end with the thrown
/// message, a throwing listener does not keep the next listener or the next message of the same
/// batch from being delivered, and the page keeps working.
#[test]
fn a_page_that_throws_in_every_handler() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "let heard = 0;
             host.onError(() => { throw new Error('onError throws too'); });
             host.on('m', () => { throw new Error('listener throws'); });
             host.on('m', () => { heard++; });
             host.on('count', () => host.send('heard', heard));
             host.handle('sync', () => { throw new Error('sync throw'); });
             host.handle('async', async () => { throw new Error('async throw'); });
             host.handle('value', () => { throw 'a string'; });
             host.watchState('k', () => { throw new Error('watcher throws'); });
             host.onChannel('c', () => { throw new Error('channel handler throws'); });",
        ),
    );
    wait_message(&app, "loaded");
    // 100 messages, most of them in one delivery batch; the first listener throws on each.
    for i in 0..100 {
        app.post(webview, "m", &i.to_string()).unwrap();
    }
    app.set_state("k", "1").unwrap();
    let channel = app.open_channel(webview, "c").unwrap();
    app.post(webview, "count", "null").unwrap();
    assert_eq!(wait_message(&app, "heard"), json!(100));

    let calls = [("sync", "sync throw"), ("async", "async throw"), ("value", "a string"), ("missing", "no handler named missing")];
    let ids: Vec<u64> = calls.iter().map(|(name, _)| app.invoke(webview, name, "[]", 0).unwrap()).collect();
    let mut results = std::collections::HashMap::new();
    while results.len() < ids.len() {
        let (_, v) = wait_for(&app, &format!("results (have {results:?})"), |e, _| e.kind() == EventKind::InvokeResult);
        results.insert(v["call"].as_u64().unwrap(), v);
    }
    for (id, (name, message)) in ids.iter().zip(calls) {
        let v = &results[id];
        assert_eq!(v["ok"], false, "{v}");
        assert!(v["error"].as_str().unwrap().contains(message), "{name}: {v}");
    }
    // The channel whose handler threw stays open (the page reports the error to its console).
    app.send_channel(channel, "1").unwrap();
    // Still working.
    app.post(webview, "count", "null").unwrap();
    assert_eq!(wait_message(&app, "heard"), json!(100));
}

/// A page that floods (200,000 messages, 1,000 per task, as fast as it can) does not starve
/// another window of the same app: 20 round trips with that window complete while the flood goes
/// on, every flood message arrives once and in order, and closing the flooding window ends it.
/// Reports how long the round trips waited behind the flood in the program's event queue (which
/// has no bound: the page is not slowed down when the program falls behind).
#[test]
fn a_page_that_floods() {
    const FLOOD: u64 = 200_000;
    let app = App::new(None).unwrap();
    let (flood_window, flood) = open_page(
        &app,
        &page(
            "let i = 0;
             const burst = () => { for (let n = 0; n < 1000 && i < 200000; n++) host.send('flood', i++);
               if (i < 200000) setTimeout(burst, 0); };
             host.on('go', burst);",
        ),
    );
    let (_, quiet) = open_page(&app, &page("host.on('ping', (n) => host.send('pong', n));"));
    for _ in 0..2 {
        wait_message(&app, "loaded");
    }
    app.post(flood, "go", "null").unwrap();
    let rss_before = rss_kib();
    let mut flooded = 0u64;
    let mut round_trips = Vec::new();
    let mut ping_sent: Option<std::time::Instant> = None;
    let deadline = std::time::Instant::now() + PATIENCE * 4;
    while flooded < FLOOD || round_trips.len() < 20 {
        if ping_sent.is_none() && round_trips.len() < 20 {
            app.post(quiet, "ping", &round_trips.len().to_string()).unwrap();
            ping_sent = Some(std::time::Instant::now());
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let event = app.next_event(Some(left)).expect("events keep coming");
        if event.kind() != EventKind::Message {
            continue;
        }
        if event.webview() == flood {
            let expected = format!("\"payload\":{flooded}}}");
            assert!(event.json().ends_with(&expected), "flood message out of order: {} (expected {flooded})", event.json());
            flooded += 1;
        } else if event.json().contains("\"pong\"") {
            round_trips.push(ping_sent.take().unwrap().elapsed());
        }
    }
    let rss_peak = rss_kib();
    app.close_window(flood_window).unwrap();
    wait_for(&app, "window-destroyed", |e, _| e.kind() == EventKind::WindowDestroyed && e.window() == flood_window);
    app.post(quiet, "ping", "99").unwrap();
    let (_, v) = wait_for(&app, "pong after", |e, v| {
        assert_ne!(e.webview(), flood, "a message from the closed window");
        e.kind() == EventKind::Message && v["channel"] == "pong"
    });
    assert_eq!(v["payload"], 99);
    round_trips.sort();
    eprintln!(
        "faults: {FLOOD} flood messages in order; 20 round trips with another window meanwhile: median {:?}, max {:?}; \
         RSS {rss_before} KiB before, {rss_peak} KiB at the end of the flood",
        round_trips[10],
        round_trips[19]
    );
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A page that never answers: 100 program calls with a 200 ms timeout all end with
/// `TRANSOM_ERROR_TIMEOUT`, each once.
#[test]
fn a_page_that_never_answers() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(&app, &page("host.handle('never', () => new Promise(() => {}));"));
    wait_message(&app, "loaded");
    let calls: HashSet<u64> = (0..100).map(|_| app.invoke(webview, "never", "[]", 200).unwrap()).collect();
    let mut ended = HashSet::new();
    while ended.len() < calls.len() {
        let (_, v) = wait_for(&app, "timeouts", |e, _| e.kind() == EventKind::InvokeResult);
        let call = v["call"].as_u64().unwrap();
        assert!(calls.contains(&call));
        assert!(ended.insert(call), "call {call} ended twice");
        assert_eq!(v["code"], "TRANSOM_ERROR_TIMEOUT", "{v}");
    }
    // Timed-out calls are gone: cancelling one is NotFound.
    assert_eq!(app.cancel_invoke(*calls.iter().next().unwrap()).unwrap_err().code, ErrorCode::NotFound);
}

/// A page that reloads while 50 program calls wait on it and 50 of its calls wait on the program:
/// the program's calls end with an error, the page's are forgotten (answering them is NotFound),
/// and the reloaded page works.
#[test]
fn a_page_that_reloads_mid_call() {
    let app = App::new(None).unwrap();
    app.handle("wait").unwrap();
    // A file page: reloading it runs its script again.
    let file = std::env::temp_dir().join(format!("transom-faults-{}.html", std::process::id()));
    std::fs::write(
        &file,
        page(
            "host.handle('never', () => new Promise(() => {}));
             host.handle('alive', () => 'yes');
             host.on('go', () => { for (let i = 0; i < 50; i++) host.invoke('wait', i); });",
        ),
    )
    .unwrap();
    let window = app.create_window("{}").unwrap();
    let webview = app.create_webview(window, &json!({ "url": format!("file://{}", file.display()) }).to_string()).unwrap();
    wait_message(&app, "loaded");
    let calls: HashSet<u64> = (0..50).map(|_| app.invoke(webview, "never", "[]", 0).unwrap()).collect();
    app.post(webview, "go", "null").unwrap();
    let mut page_calls = Vec::new();
    while page_calls.len() < 50 {
        let (_, v) = wait_for(&app, "page calls", |e, _| e.kind() == EventKind::Invoke);
        page_calls.push(v["call"].as_u64().unwrap());
    }
    app.eval(webview, "location.reload()").unwrap();
    let mut ended = HashSet::new();
    while ended.len() < calls.len() {
        let (_, v) = wait_for(&app, "calls ended by the reload", |e, _| e.kind() == EventKind::InvokeResult);
        assert!(calls.contains(&v["call"].as_u64().unwrap()));
        assert!(ended.insert(v["call"].as_u64().unwrap()));
        assert_eq!(v["ok"], false, "{v}");
    }
    wait_message(&app, "loaded");
    for call in page_calls {
        assert_eq!(app.resolve(call, "1").unwrap_err().code, ErrorCode::NotFound);
    }
    let call = app.invoke(webview, "alive", "[]", 0).unwrap();
    let (_, v) = wait_for(&app, "alive", |e, v| e.kind() == EventKind::InvokeResult && v["call"] == call);
    assert_eq!(v["value"], "yes");
    let _ = std::fs::remove_file(file);
}

/// An event callback that blocks for 5 s on one app must not stop another app's windows: while
/// it blocks, the other app's page still gets a post and answers.
#[test]
fn a_blocking_callback_does_not_stop_other_windows() {
    let blocked = App::new(None).unwrap();
    let other = App::new(None).unwrap();
    let (_, blocked_webview) = open_page(&blocked, &page("host.on('block', () => host.send('blocking', 1));"));
    let (_, other_webview) = open_page(&other, &page("host.on('ping', (n) => host.send('pong', n));"));
    wait_message(&blocked, "loaded");
    wait_message(&other, "loaded");

    let blocking = Arc::new(AtomicBool::new(false));
    let (started_tx, started) = mpsc::channel();
    {
        let blocking = blocking.clone();
        blocked
            .set_event_callback(Some(Box::new(move |event| {
                if event.kind() == EventKind::Message && event.json().contains("\"blocking\"") {
                    blocking.store(true, Ordering::SeqCst);
                    let _ = started_tx.send(());
                    std::thread::sleep(Duration::from_secs(5));
                    blocking.store(false, Ordering::SeqCst);
                }
            })))
            .unwrap();
    }
    blocked.post(blocked_webview, "block", "null").unwrap();
    started.recv_timeout(PATIENCE).expect("the callback runs");
    other.post(other_webview, "ping", "1").unwrap();
    wait_message(&other, "pong");
    assert!(blocking.load(Ordering::SeqCst), "the other window only answered once the callback returned");
}
