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

#[test]
fn only_registered_handlers_reach_the_program() {
    let app = App::new(None).unwrap();
    app.handle("listed").unwrap();
    app.handle("dropped").unwrap();
    app.unhandle("dropped").unwrap();
    assert_eq!(app.unhandle("dropped").unwrap_err().code, transom::ErrorCode::NotFound);
    assert_eq!(app.handle("").unwrap_err().code, transom::ErrorCode::InvalidArgument);
    common::open_page(
        &app,
        &common::page(
            "const outcome = (p) => p.then((v) => ({ok: v}), (e) => ({error: e.message}));
             Promise.all([outcome(host.invoke('unlisted', 1)), outcome(host.invoke('dropped')), outcome(host.invoke('listed', 2))])
               .then((r) => host.send('outcomes', r));",
        ),
    );
    // Only `listed` reaches the program; the others are refused in the page.
    let (_, v) = wait_for(&app, "invoke", |e, _| e.kind() == EventKind::Invoke);
    assert_eq!(v["name"], "listed");
    app.resolve(v["call"].as_u64().unwrap(), "20").unwrap();
    assert_eq!(
        wait_message(&app, "outcomes"),
        json!([{"error": "no handler named unlisted"}, {"error": "no handler named dropped"}, {"ok": 20}])
    );
    while let Ok(event) = app.next_event(Some(std::time::Duration::from_millis(200))) {
        assert_ne!(event.kind(), EventKind::Invoke, "an unregistered call reached the program: {}", event.json());
    }
}

/// The page at the second origin: reports whether it has the bridge (in its title) and tries the
/// raw message handler with a message shaped like the runtime's.
const OTHER_ORIGIN_PAGE: &str = "<!doctype html><script>
  document.title = 'other: host is ' + typeof window.host;
  try { window.webkit.messageHandlers.transom.postMessage('[{\"t\":\"send\",\"c\":\"forged\",\"d\":1}]'); } catch (e) {}
  if (window.host) host.send('other-page', location.origin);
</script>";

#[test]
fn a_page_of_another_origin_has_no_bridge() {
    let server = common::HttpServer::start(vec![
        ("first.html", common::page("host.on('go', (url) => { location.href = url; });")),
        ("other.html", OTHER_ORIGIN_PAGE.to_owned()),
    ]);
    let (first, other) = (format!("http://127.0.0.1:{}/first.html", server.port), format!("http://localhost:{}/other.html", server.port));
    let app = App::new(None).unwrap();
    app.handle("anything").unwrap();
    let window = app.create_window("{}").unwrap();
    let webview = app.create_webview(window, &json!({ "url": first }).to_string()).unwrap();
    assert_eq!(wait_message(&app, "loaded"), json!(first));
    // The page navigates itself to another origin: that page gets no window.host, and what it
    // posts to the handler is dropped and reported with its origin.
    app.post(webview, "go", &json!(other).to_string()).unwrap();
    let (_, v) = wait_for(&app, "security", |e, _| e.kind() == EventKind::Security);
    assert_eq!(v["reason"], "origin-not-allowed");
    assert_eq!(v["origin"], format!("http://localhost:{}", server.port));
    assert_eq!(v["webview"], webview);
    wait_for(&app, "title", |e, v| e.kind() == EventKind::TitleChanged && v["title"] == "other: host is undefined");
    // A call from the program to that page fails at once instead of waiting.
    let call = app.invoke(webview, "anything", "[]", 0).unwrap();
    let (_, v) = wait_for(&app, "invoke-result", |e, v| e.kind() == EventKind::InvokeResult && v["call"] == call);
    assert_eq!(v["code"], "TRANSOM_ERROR_UNSUPPORTED");
    // Back at an allowed origin the bridge is there again and posts made meanwhile arrive.
    app.post(webview, "while-away", "1").unwrap();
    app.navigate(webview, &first).unwrap();
    assert_eq!(wait_message(&app, "loaded"), json!(first));
}

#[test]
fn allowed_origins_widen_the_gate_and_frames_stay_outside() {
    let server = common::HttpServer::start(vec![
        ("other.html", OTHER_ORIGIN_PAGE.to_owned()),
        (
            "frame.html",
            "<!doctype html><script>
               try { window.webkit.messageHandlers.transom.postMessage('[{\"t\":\"send\",\"c\":\"forged\",\"d\":2}]'); } catch (e) {}
               const handler = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.transom;
               parent.postMessage('frame: host is ' + typeof window.host + ', handler is ' + typeof handler, '*');
             </script>"
                .to_owned(),
        ),
    ]);
    let app = App::new(None).unwrap();
    for bad in [json!(["localhost"]), json!(["http://localhost/path"]), json!("http://localhost")] {
        let err = app.create_webview(app.create_window("{}").unwrap(), &json!({ "allowed_origins": bad }).to_string()).unwrap_err();
        assert_eq!(err.code, transom::ErrorCode::InvalidArgument, "{bad}: {}", err.message);
    }
    let frame = format!("http://127.0.0.1:{}/frame.html", server.port);
    let html = common::page(&format!(
        "window.addEventListener('message', (e) => host.send('frame-says', e.data));
         host.on('go', (url) => {{ location.href = url; }});
         const f = document.createElement('iframe'); f.src = {}; document.body.appendChild(f);",
        json!(frame)
    ));
    let window = app.create_window("{}").unwrap();
    let options = json!({ "html": html, "allowed_origins": [format!("http://localhost:{}", server.port), "http://*.example.com"] });
    let webview = app.create_webview(window, &options.to_string()).unwrap();
    // A cross-origin sub-frame has no bridge; what it posts to the raw handler is unsigned,
    // dropped and reported.
    let (mut frame_says, mut security) = (None, None);
    while frame_says.is_none() || security.is_none() {
        let (event, v) = wait_for(&app, "the frame's report and a security event", |e, v| {
            e.kind() == EventKind::Security || (e.kind() == EventKind::Message && v["channel"] != "loaded")
        });
        if event.kind() == EventKind::Security {
            security = Some(v);
        } else {
            assert_ne!(v["channel"], "forged", "a forged message reached the program");
            frame_says = Some(v["payload"].clone());
        }
    }
    assert_eq!(frame_says.unwrap(), json!("frame: host is undefined, handler is object"));
    assert_eq!(security.unwrap()["reason"], "unsigned-message");
    // The listed origin gets the bridge.
    let other = format!("http://localhost:{}/other.html", server.port);
    app.post(webview, "go", &json!(other).to_string()).unwrap();
    assert_eq!(wait_message(&app, "other-page"), json!(format!("http://localhost:{}", server.port)));
}

#[test]
fn the_program_serves_assets_itself() {
    let site = Site::new(
        "(async () => {
           const probe = async (path, init) => {
             const r = await fetch(path, init);
             return {status: r.status, type: r.headers.get('content-type'), csp: r.headers.get('content-security-policy'), text: await r.text()};
           };
           host.send('report', {
             file: (await probe('css/site.css')).status,
             generated: await probe('gen/data.json?x=1'),
             posted: await probe('gen/echo', {method: 'POST', body: 'ping'}),
           });
         })();",
    );
    let app = App::new(None).unwrap();
    let window = app.create_window("{}").unwrap();
    app.create_webview(window, &json!({ "assets": site.root(), "assets_handler": true }).to_string()).unwrap();
    // Files in the folder are served without the program; the rest comes to it.
    let (_, first) = wait_for(&app, "asset-request", |e, _| e.kind() == EventKind::AssetRequest);
    assert_eq!(first["method"], "GET");
    assert_eq!(first["path"], "/gen/data.json?x=1");
    let request = first["request"].as_u64().unwrap();
    assert_eq!(app.respond_asset(request, 42, None, b"").unwrap_err().code, transom::ErrorCode::InvalidArgument);
    assert_eq!(app.respond_asset(request, 200, Some(r#"{"bad name":"x"}"#), b"").unwrap_err().code, transom::ErrorCode::InvalidArgument);
    assert_eq!(app.respond_asset(request, 200, Some("[1]"), b"").unwrap_err().code, transom::ErrorCode::InvalidArgument);
    assert_eq!(app.respond_asset(request, 200, Some("{"), b"").unwrap_err().code, transom::ErrorCode::InvalidJson);
    app.respond_asset(request, 200, Some(r#"{"content-type":"application/json"}"#), br#"{"n":1}"#).unwrap();
    assert_eq!(app.respond_asset(request, 200, None, b"").unwrap_err().code, transom::ErrorCode::NotFound);

    let (event, posted) = wait_for(&app, "asset-request with a body", |e, _| e.kind() == EventKind::AssetRequest);
    assert_eq!(posted["method"], "POST");
    assert_eq!(posted["path"], "/gen/echo");
    assert_eq!(event.bytes(), Some(&b"ping"[..]));
    let mut echoed = b"echo: ".to_vec();
    echoed.extend_from_slice(event.bytes().unwrap());
    app.respond_asset(posted["request"].as_u64().unwrap(), 201, None, &echoed).unwrap();

    let report = wait_message(&app, "report");
    assert_eq!(report["file"], 200);
    assert_eq!(report["generated"], json!({"status": 200, "type": "application/json", "csp": transom::DEFAULT_CSP, "text": "{\"n\":1}"}));
    assert_eq!(report["posted"]["status"], 201);
    assert_eq!(report["posted"]["type"], "application/octet-stream");
    assert_eq!(report["posted"]["text"], "echo: ping");
}

#[test]
fn a_generated_first_page_and_unanswered_requests_at_close() {
    let app = App::new(None).unwrap();
    let window = app.create_window("{}").unwrap();
    app.create_webview(window, &json!({ "assets_handler": true, "csp": "" }).to_string()).unwrap();
    let (_, index) = wait_for(&app, "asset-request for /", |e, _| e.kind() == EventKind::AssetRequest);
    assert_eq!(index["path"], "/");
    let html = common::page("fetch('never-answered.txt').then((r) => host.send('late', r.status));");
    app.respond_asset(index["request"].as_u64().unwrap(), 200, Some(r#"{"content-type":"text/html"}"#), html.as_bytes()).unwrap();
    let (mut loaded, mut pending) = (None, None);
    while loaded.is_none() || pending.is_none() {
        let (event, v) = wait_for(&app, "the page and its fetch", |e, v| {
            e.kind() == EventKind::AssetRequest || (e.kind() == EventKind::Message && v["channel"] == "loaded")
        });
        if event.kind() == EventKind::AssetRequest {
            pending = Some(v);
        } else {
            loaded = Some(v["payload"].clone());
        }
    }
    assert_eq!(loaded.unwrap(), json!("transom://app/"));
    let pending = pending.unwrap();
    assert_eq!(pending["path"], "/never-answered.txt");
    // Closing the window answers what is still waiting (503); the id is gone.
    app.close_window(window).unwrap();
    wait_for(&app, "window-destroyed", |e, _| e.kind() == EventKind::WindowDestroyed);
    assert_eq!(app.respond_asset(pending["request"].as_u64().unwrap(), 200, None, b"").unwrap_err().code, transom::ErrorCode::NotFound);
}

#[test]
fn downloads_are_refused_unless_enabled() {
    let folder = std::env::temp_dir().join(format!("transom-downloads-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let html = common::page(
        "host.on('download', () => {
           const a = document.createElement('a');
           a.href = 'data:text/plain,hello%20download'; a.download = 'hello.txt';
           document.body.appendChild(a); a.click();
         });",
    );
    let app = App::new(None).unwrap();
    let blocked_window = app.create_window("{}").unwrap();
    let blocked = app.create_webview(blocked_window, &json!({ "html": html }).to_string()).unwrap();
    wait_message(&app, "loaded");
    app.post(blocked, "download", "null").unwrap();
    let (_, v) = wait_for(&app, "download-blocked", |e, _| e.kind() == EventKind::DownloadBlocked);
    assert_eq!(v["webview"], blocked);
    assert!(v["url"].as_str().unwrap().starts_with("data:text/plain"), "{v}");

    let window = app.create_window("{}").unwrap();
    let options = json!({ "html": html, "downloads": true, "download_folder": folder.display().to_string() });
    let webview = app.create_webview(window, &options.to_string()).unwrap();
    wait_message(&app, "loaded");
    app.post(webview, "download", "null").unwrap();
    let (_, started) = wait_for(&app, "download-started", |e, _| e.kind() == EventKind::DownloadStarted);
    let path = std::path::PathBuf::from(started["path"].as_str().unwrap());
    assert_eq!(path.parent(), Some(folder.as_path()), "{started}");
    let (_, finished) = wait_for(&app, "download-finished", |e, _| e.kind() == EventKind::DownloadFinished);
    assert_eq!(finished["ok"], true, "{finished}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello download");
    assert!(std::fs::read_dir(&folder).unwrap().count() == 1);
    let _ = std::fs::remove_dir_all(&folder);
    // `download_folder` needs `downloads: true`.
    let err = app.create_webview(window, &json!({ "download_folder": "/tmp" }).to_string()).unwrap_err();
    assert_eq!(err.code, transom::ErrorCode::InvalidArgument);
}
