//! Secure defaults with real pages: the asset folder and its path checks, pages without a bridge,
//! the navigation allow-list, new-window requests, window state events (WebKitGTK under Xvfb).

mod common;

use common::{wait_for, wait_message};
use serde_json::json;
use transom::{App, EventKind};

/// A folder with a page, a stylesheet, a media file, and a secret beside it (and a symlink to it).
struct Site(std::path::PathBuf);

impl Site {
    fn new(page_script: &str) -> Site {
        let base = std::env::temp_dir().join(format!("transom-site-{}-{:?}", std::process::id(), std::thread::current().id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("root/css")).unwrap();
        std::fs::write(
            base.join("root/index.html"),
            format!("<!doctype html><html><head><link rel=stylesheet href=css/site.css></head><body><script>{page_script}</script></body></html>"),
        )
        .unwrap();
        std::fs::write(base.join("root/css/site.css"), "body { color: red }").unwrap();
        std::fs::write(base.join("root/clip.mp4"), (0..=255u8).collect::<Vec<_>>()).unwrap();
        std::fs::write(base.join("secret.txt"), "secret").unwrap();
        std::os::unix::fs::symlink(base.join("secret.txt"), base.join("root/link.txt")).unwrap();
        Site(base)
    }
    fn root(&self) -> String {
        self.0.join("root").display().to_string()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn assets_serve_real_files_and_nothing_outside() {
    let site = Site::new(
        "(async () => {
           const probe = async (path, init) => {
             try { const r = await fetch(path, init); return [r.status, r.headers.get('content-type'), (await r.text()).length]; }
             catch (e) { return ['error', String(e)]; }
           };
           const report = {
             origin: location.origin, href: location.href,
             css: await probe('css/site.css'),
             index: await probe('/'),
             range: await (async () => { const r = await fetch('clip.mp4', {headers: {Range: 'bytes=10-19'}}); return [r.status, r.headers.get('content-range'), (await r.arrayBuffer()).byteLength]; })(),
             csp: (await fetch('/')).headers.get('content-security-policy'),
             encodedDots: await probe('/%2e%2e/secret.txt'),
             encodedSlash: await probe('/..%2fsecret.txt'),
             backslash: await probe('/..%5csecret.txt'),
             nul: await probe('/index.html%00'),
             symlink: await probe('/link.txt'),
             missing: await probe('/missing.js'),
           };
           host.send('report', report);
         })();",
    );
    let app = App::new(None).unwrap();
    let window = app.create_window("{}").unwrap();
    app.create_webview(window, &json!({ "assets": site.root() }).to_string()).unwrap();
    let report = wait_message(&app, "report");
    assert_eq!(report["href"], "transom://app/");
    assert_eq!(report["css"], json!([200, "text/css", 19]));
    assert_eq!(report["index"][0], 200);
    assert_eq!(report["index"][1], "text/html");
    assert_eq!(report["range"], json!([206, "bytes 10-19/256", 10]));
    assert_eq!(report["csp"], transom::DEFAULT_CSP);
    for key in ["encodedDots", "encodedSlash", "backslash", "nul", "symlink"] {
        let status = &report[key][0];
        assert!(status == 403 || status == 404, "{key}: {}", report[key]);
        assert_ne!(report[key][2], 6, "{key} served the secret");
    }
    assert_eq!(report["missing"][0], 404);
}

#[test]
fn a_page_without_bridge_has_no_host() {
    let app = App::new(None).unwrap();
    let window = app.create_window("{}").unwrap();
    let html = "<script>document.title = 'host is ' + typeof window.host + ', webkit handler is ' + typeof (window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.transom);</script>";
    let webview = app.create_webview(window, &json!({ "html": html, "bridge": false }).to_string()).unwrap();
    let (_, v) = wait_for(&app, "title", |e, _| e.kind() == EventKind::TitleChanged);
    assert_eq!(v["title"], "host is undefined, webkit handler is undefined");
    let call = app.invoke(webview, "anything", "[]", 0).unwrap();
    let (_, v) = wait_for(&app, "invoke-result", |e, v| e.kind() == EventKind::InvokeResult && v["call"] == call);
    assert_eq!(v["code"], "TRANSOM_ERROR_UNSUPPORTED");
}

#[test]
fn navigation_allow_list_and_new_windows() {
    let app = App::new(None).unwrap();
    let window = app.create_window("{}").unwrap();
    let html = common::page(
        "host.on('go', (url) => { location.href = url; });
         host.on('ping', () => host.send('pong', location.href));
         host.on('open', (url) => { const a = document.createElement('a'); a.href = url; a.target = '_blank'; document.body.appendChild(a); a.click(); window.open(url + '?popup'); });",
    );
    let options = json!({ "html": html, "navigation": { "allow": ["data:text/html,allowed"] } });
    let webview = app.create_webview(window, &options.to_string()).unwrap();
    wait_message(&app, "loaded");
    app.post(webview, "go", r#""https://blocked.invalid/page""#).unwrap();
    let (_, v) = wait_for(&app, "navigation-blocked", |e, _| e.kind() == EventKind::NavigationBlocked);
    assert_eq!(v["url"], "https://blocked.invalid/page");
    assert_eq!(v["webview"], webview);

    app.post(webview, "open", r#""https://elsewhere.invalid/""#).unwrap();
    let (_, v) = wait_for(&app, "new-window-requested", |e, _| e.kind() == EventKind::NewWindowRequested);
    assert!(v["url"].as_str().unwrap().starts_with("https://elsewhere.invalid/"), "{v}");
    assert_eq!(v["action"], "blocked");

    // The list applies to the program's navigations too.
    app.navigate(webview, "https://also-blocked.invalid/").unwrap();
    let (_, v) = wait_for(&app, "navigation-blocked", |e, _| e.kind() == EventKind::NavigationBlocked);
    assert_eq!(v["url"], "https://also-blocked.invalid/");
    // The page it would have replaced is still there and still talks.
    app.post(webview, "ping", "null").unwrap();
    assert_eq!(wait_message(&app, "pong"), json!("about:blank"));
    app.navigate(webview, "data:text/html,allowed").unwrap();
    let (_, v) = wait_for(&app, "allowed navigation", |e, v| e.kind() == EventKind::PageLoad && v["state"] == "finished" && v["url"] != "about:blank");
    assert_eq!(v["url"], "data:text/html,allowed");
}
