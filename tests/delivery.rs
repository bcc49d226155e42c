//! Host -> page delivery: a batch of messages handed to the page's listeners in one loop
//! (docs/protocol.md, "Host to page"), under Xvfb.

mod common;

use common::{open_page, page, wait_message};
use serde_json::json;
use transom::App;

#[test]
fn a_throwing_listener_stops_neither_the_others_nor_the_batch() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "const seen = [];
             window.reportError = () => {}; // the errors are expected: keep the console quiet
             host.on('m', (d) => { if (d.i % 3 === 0) throw new Error('listener broke on ' + d.i); });
             host.on('m', (d) => seen.push(d.i));
             host.on('end', () => host.send('seen', seen));",
        ),
    );
    for i in 0..1000 {
        app.post(webview, "m", &format!(r#"{{"i":{i}}}"#)).unwrap();
    }
    app.post(webview, "end", "null").unwrap();
    assert_eq!(wait_message(&app, "seen"), json!((0..1000).collect::<Vec<_>>()));
    app.shutdown().unwrap();
}

#[test]
fn listeners_changed_during_a_dispatch_count_from_the_next_message() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "const log = [];
             const late = (d) => log.push('late' + d);
             const second = (d) => log.push('second' + d);
             const first = (d) => {
               log.push('first' + d);
               if (d === 1) { host.off('c', second); host.on('c', late); }
             };
             host.on('c', first);
             host.on('c', second);
             host.once('c', (d) => log.push('once' + d));
             host.on('end', () => host.send('log', log));",
        ),
    );
    for d in ["1", "2", "3"] {
        app.post(webview, "c", d).unwrap();
    }
    app.post(webview, "end", "null").unwrap();
    assert_eq!(
        wait_message(&app, "log"),
        json!(["first1", "second1", "once1", "first2", "late2", "first3", "late3"])
    );
    app.shutdown().unwrap();
}

#[test]
fn bytes_keep_their_place_among_messages() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "const log = [];
             host.on('a', (d) => log.push('a' + d));
             host.on('blob', (u8) => log.push('blob' + u8.length + ':' + (u8 instanceof Uint8Array)));
             host.on('end', () => host.send('log', log));",
        ),
    );
    app.post(webview, "a", "1").unwrap();
    app.post_bytes(webview, "blob", &[7u8; 3]).unwrap();
    app.post(webview, "a", "2").unwrap();
    app.post(webview, "a", "3").unwrap();
    app.post_bytes(webview, "blob", &[]).unwrap();
    app.post_bytes(webview, "blob", &[1u8; 100_000]).unwrap();
    app.post(webview, "a", "4").unwrap();
    app.post(webview, "end", "null").unwrap();
    assert_eq!(
        wait_message(&app, "log"),
        json!(["a1", "blob3:true", "a2", "a3", "blob0:true", "blob100000:true", "a4"])
    );
    app.shutdown().unwrap();
}

#[test]
fn payloads_arrive_as_json_parse_reads_them() {
    let app = App::new(None).unwrap();
    let (_, webview) = open_page(
        &app,
        &page(
            "host.on('p', (d) => host.send('p', {
               ownProto: Object.prototype.hasOwnProperty.call(d, '__proto__'),
               plainPrototype: Object.getPrototypeOf(d) === Object.prototype,
               s: d.s,
               keys: Object.keys(d),
             }));",
        ),
    );
    // Pretty-printed JSON (line breaks and tabs between tokens) with quotes, backslashes, escaped
    // line breaks, U+2028/U+2029 and a `__proto__` key.
    let payload = "{\n\t\"__proto__\": {\"x\": 1},\r\n  \"s\": \"it's a \\\\ \\\" \\n \u{2028}\u{2029} </script> é\"\n}";
    app.post(webview, "p", payload).unwrap();
    assert_eq!(
        wait_message(&app, "p"),
        json!({
            "ownProto": true,
            "plainPrototype": true,
            "s": "it's a \\ \" \n \u{2028}\u{2029} </script> é",
            "keys": ["__proto__", "s"],
        })
    );
    app.shutdown().unwrap();
}
