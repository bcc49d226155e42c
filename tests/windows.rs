//! Windows under a real X server (Xvfb): properties, close requests and `close_guard`, several
//! webviews in one window, window state events, files dragged in over XDND. The X11
//! side is checked with Xlib directly (x11-dl), as a window manager would see it.

#![cfg(target_os = "linux")]

mod common;

use std::ffi::{CStr, CString};
use std::time::{Duration, Instant};

use common::wait_for;
use transom::{App, ErrorCode, EventKind};
use x11_dl::xlib;

/// A connection to the X server the tests run on.
struct X {
    lib: xlib::Xlib,
    display: *mut xlib::Display,
}

impl X {
    fn open() -> X {
        let lib = xlib::Xlib::open().expect("libX11");
        // SAFETY: NULL opens $DISPLAY.
        let display = unsafe { (lib.XOpenDisplay)(std::ptr::null()) };
        assert!(!display.is_null(), "cannot open the X display");
        X { lib, display }
    }

    /// The top-level window whose WM_NAME is `title`, waiting for it to appear.
    fn find(&self, title: &str) -> xlib::Window {
        let deadline = Instant::now() + common::PATIENCE;
        loop {
            if let Some(w) = self.search(title) {
                return w;
            }
            assert!(Instant::now() < deadline, "no X window titled {title:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn search(&self, title: &str) -> Option<xlib::Window> {
        // SAFETY: plain Xlib calls on a live display; returned lists are freed with XFree.
        unsafe {
            let root = (self.lib.XDefaultRootWindow)(self.display);
            let (mut root_out, mut parent, mut children, mut count) = (0, 0, std::ptr::null_mut(), 0);
            (self.lib.XQueryTree)(self.display, root, &mut root_out, &mut parent, &mut children, &mut count);
            let list = if children.is_null() { &[][..] } else { std::slice::from_raw_parts(children, count as usize) };
            let found = list.iter().copied().find(|w| self.name(*w).as_deref() == Some(title));
            if !children.is_null() {
                (self.lib.XFree)(children.cast());
            }
            found
        }
    }

    fn name(&self, window: xlib::Window) -> Option<String> {
        let mut name = std::ptr::null_mut();
        // SAFETY: XFetchName writes an Xlib-owned string or NULL.
        unsafe {
            if (self.lib.XFetchName)(self.display, window, &mut name) == 0 || name.is_null() {
                return None;
            }
            let text = CStr::from_ptr(name).to_string_lossy().into_owned();
            (self.lib.XFree)(name.cast());
            Some(text)
        }
    }

    /// Asks the window to close the way a window manager does: a WM_DELETE_WINDOW client message
    /// (ICCCM section 4.2.8.1).
    fn request_close(&self, window: xlib::Window) {
        let atom = |name: &str| {
            let name = CString::new(name).unwrap();
            // SAFETY: a NUL-terminated atom name.
            unsafe { (self.lib.XInternAtom)(self.display, name.as_ptr(), xlib::False) }
        };
        let mut data = xlib::ClientMessageData::new();
        data.set_long(0, atom("WM_DELETE_WINDOW") as i64);
        data.set_long(1, xlib::CurrentTime as i64);
        let message = xlib::XClientMessageEvent {
            type_: xlib::ClientMessage,
            serial: 0,
            send_event: xlib::True,
            display: self.display,
            window,
            message_type: atom("WM_PROTOCOLS"),
            format: 32,
            data,
        };
        let mut event = xlib::XEvent { client_message: message };
        // SAFETY: a fully initialised client message to a live window.
        unsafe {
            (self.lib.XSendEvent)(self.display, window, xlib::False, xlib::NoEventMask, &mut event);
            (self.lib.XFlush)(self.display);
        }
    }

    fn is_mapped(&self, window: xlib::Window) -> bool {
        // SAFETY: XGetWindowAttributes fills a zeroed struct.
        unsafe {
            let mut attrs: xlib::XWindowAttributes = std::mem::zeroed();
            (self.lib.XGetWindowAttributes)(self.display, window, &mut attrs);
            attrs.map_state == xlib::IsViewable
        }
    }
}

impl Drop for X {
    fn drop(&mut self) {
        // SAFETY: closes the display opened in `open`.
        unsafe { (self.lib.XCloseDisplay)(self.display) };
    }
}

fn unique_title(base: &str) -> String {
    format!("{base}-{}-{:?}", std::process::id(), Instant::now())
}

#[test]
fn close_request_closes_a_window_without_guard() {
    let app = App::new(None).unwrap();
    let title = unique_title("unguarded");
    let window = app.create_window(&serde_json::json!({ "title": title }).to_string()).unwrap();
    wait_for(&app, "window-created", |e, _| e.kind() == EventKind::WindowCreated);
    let x = X::open();
    x.request_close(x.find(&title));
    wait_for(&app, "close-requested", |e, _| e.kind() == EventKind::CloseRequested && e.window() == window);
    wait_for(&app, "window-destroyed", |e, _| e.kind() == EventKind::WindowDestroyed && e.window() == window);
    assert_eq!(app.set_window(window, r#"{"title":"x"}"#).unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn close_guard_leaves_the_decision_to_the_program() {
    let app = App::new(None).unwrap();
    let title = unique_title("guarded");
    let window = app.create_window(&serde_json::json!({ "title": title, "close_guard": true }).to_string()).unwrap();
    wait_for(&app, "window-created", |e, _| e.kind() == EventKind::WindowCreated);
    let x = X::open();
    let xwindow = x.find(&title);
    x.request_close(xwindow);
    wait_for(&app, "close-requested", |e, _| e.kind() == EventKind::CloseRequested && e.window() == window);
    // The window stays: a marker command after the request still finds it, and no destroy came.
    let marker = app.create_window(r#"{"visible":false}"#).unwrap();
    let (event, _) = wait_for(&app, "marker or destroy", |e, _| {
        e.kind() == EventKind::WindowDestroyed || (e.kind() == EventKind::WindowCreated && e.window() == marker)
    });
    assert_eq!(event.kind(), EventKind::WindowCreated, "a guarded window closed by itself");
    assert!(x.is_mapped(xwindow));
    app.set_window(window, r#"{"title":"still here"}"#).unwrap();
    app.close_window(window).unwrap();
    wait_for(&app, "window-destroyed", |e, _| e.kind() == EventKind::WindowDestroyed && e.window() == window);
}

#[test]
fn properties_change_the_real_window() {
    let app = App::new(None).unwrap();
    let title = unique_title("props");
    let window = app
        .create_window(&serde_json::json!({ "title": title, "width": 320, "height": 240, "min_width": 100 }).to_string())
        .unwrap();
    wait_for(&app, "window-created", |e, _| e.kind() == EventKind::WindowCreated);
    let x = X::open();
    let xwindow = x.find(&title);
    assert!(x.is_mapped(xwindow));

    let renamed = unique_title("renamed");
    app.set_window(window, &serde_json::json!({ "title": renamed, "width": 500, "height": 400 }).to_string()).unwrap();
    let (_, v) = wait_for(&app, "resize to 500x400", |e, v| {
        e.kind() == EventKind::Resize && v["width"] == 500.0 && v["height"] == 400.0
    });
    assert_eq!(v["window"], window);
    assert_eq!(x.find(&renamed), xwindow);

    app.set_window(window, r#"{"x":40,"y":30}"#).unwrap();
    wait_for(&app, "move", |e, v| e.kind() == EventKind::Move && v["x"] == 40.0 && v["y"] == 30.0);

    app.set_window(window, r#"{"visible":false}"#).unwrap();
    let deadline = Instant::now() + common::PATIENCE;
    while x.is_mapped(xwindow) {
        assert!(Instant::now() < deadline, "window still visible");
        std::thread::sleep(Duration::from_millis(20));
    }
    app.set_window(window, r#"{"visible":true,"resizable":false,"decorations":false,"always_on_top":true}"#).unwrap();
    while !x.is_mapped(xwindow) {
        assert!(Instant::now() < deadline, "window not shown again");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Several webviews in one window: one filling it, one in a rectangle; each page measures its
/// own viewport, a post to the window reaches both, and `set_webview` moves and resizes one.
#[test]
fn several_webviews_share_a_window() {
    let app = App::new(None).unwrap();
    let window = app.create_window(r#"{"title":"two webviews","width":640,"height":480}"#).unwrap();
    let page = |name: &str| {
        common::page(&format!(
            "const report = () => host.send('size', {{name: '{name}', w: innerWidth, h: innerHeight}});
             addEventListener('resize', report);
             host.on('measure', report);
             host.on('hello', (n) => host.send('hello-back', '{name}:' + n));"
        ))
    };
    let full = app.create_webview(window, &serde_json::json!({ "html": page("full") }).to_string()).unwrap();
    let panel = app
        .create_webview(window, &serde_json::json!({ "html": page("panel"), "x": 20, "y": 30, "width": 200, "height": 120 }).to_string())
        .unwrap();
    assert_ne!(full, panel);
    for _ in 0..2 {
        wait_for(&app, "both pages loaded", |e, v| e.kind() == EventKind::Message && v["channel"] == "loaded");
    }
    // The last size each page reports, once both have settled on the expected one.
    let mut sizes = std::collections::HashMap::new();
    let mut settle = |app: &App, want: &[(&str, i64, i64)]| {
        let deadline = Instant::now() + common::PATIENCE;
        app.post_window(window, "measure", "null").unwrap();
        while !want.iter().all(|(n, w, h)| sizes.get(*n) == Some(&(*w, *h))) {
            assert!(Instant::now() < deadline, "sizes never became {want:?}: {sizes:?}");
            match app.next_event(Some(Duration::from_millis(500))) {
                Ok(event) if event.kind() == EventKind::Message => {
                    let v: serde_json::Value = serde_json::from_str(event.json()).unwrap();
                    if v["channel"] == "size" {
                        let p = &v["payload"];
                        sizes.insert(p["name"].as_str().unwrap().to_owned(), (p["w"].as_i64().unwrap(), p["h"].as_i64().unwrap()));
                    }
                }
                Ok(_) => {}
                Err(_) => app.post_window(window, "measure", "null").unwrap(),
            }
        }
    };
    settle(&app, &[("full", 640, 480), ("panel", 200, 120)]);
    // A post to the window reaches every webview in it.
    app.post_window(window, "hello", "1").unwrap();
    let mut heard = Vec::new();
    while heard.len() < 2 {
        let (_, v) = wait_for(&app, "hello-back", |e, v| e.kind() == EventKind::Message && v["channel"] == "hello-back");
        heard.push(v["payload"].as_str().unwrap().to_owned());
    }
    heard.sort();
    assert_eq!(heard, ["full:1", "panel:1"]);
    // Moved and resized; then filling the window.
    app.set_webview(panel, r#"{"x":100,"y":100,"width":300,"height":150}"#).unwrap();
    settle(&app, &[("panel", 300, 150)]);
    app.set_webview(panel, r#"{"fill":true}"#).unwrap();
    settle(&app, &[("panel", 640, 480)]);
    assert_eq!(app.set_webview(panel, r#"{"x":1}"#).unwrap_err().code, ErrorCode::InvalidArgument);
    assert_eq!(app.set_webview(9_999_999, r#"{"visible":false}"#).unwrap_err().code, ErrorCode::NotFound);
    // Closing the window ends both webviews.
    app.close_window(window).unwrap();
    let mut destroyed = Vec::new();
    while destroyed.len() < 2 {
        let (_, v) = wait_for(&app, "webview-destroyed", |e, _| e.kind() == EventKind::WebviewDestroyed);
        destroyed.push(v["webview"].as_u64().unwrap());
    }
    destroyed.sort();
    assert_eq!(destroyed, [full, panel]);
}

/// `maximized`, `minimized` and `restored` as the program changes the window's state (GTK asks
/// the window manager; the test needs one, see scripts/test.sh).
#[test]
fn window_state_events() {
    if std::env::var_os("TRANSOM_TEST_WM").is_none() {
        eprintln!("window_state_events: skipped (no window manager; scripts/test.sh runs one and sets TRANSOM_TEST_WM)");
        return;
    }
    let app = App::new(None).unwrap();
    let window = app.create_window(&format!(r#"{{"title":"{}","width":300,"height":200}}"#, unique_title("state"))).unwrap();
    wait_for(&app, "window-created", |e, _| e.kind() == EventKind::WindowCreated);
    app.set_window(window, r#"{"maximized":true}"#).unwrap();
    wait_for(&app, "maximized", |e, _| e.kind() == EventKind::Maximized);
    app.set_window(window, r#"{"maximized":false}"#).unwrap();
    wait_for(&app, "restored", |e, _| e.kind() == EventKind::Restored);
    app.set_window(window, r#"{"minimized":true}"#).unwrap_or_else(|e| panic!("{e}"));
    wait_for(&app, "minimized", |e, _| e.kind() == EventKind::Minimized);
}

impl X {
    fn atom(&self, name: &str) -> xlib::Atom {
        let name = CString::new(name).unwrap();
        // SAFETY: a NUL-terminated atom name.
        unsafe { (self.lib.XInternAtom)(self.display, name.as_ptr(), xlib::False) }
    }

    fn client_message(&self, to: xlib::Window, kind: &str, longs: [i64; 5]) {
        let mut data = xlib::ClientMessageData::new();
        for (i, v) in longs.iter().enumerate() {
            data.set_long(i, *v);
        }
        let mut event = xlib::XEvent {
            client_message: xlib::XClientMessageEvent {
                type_: xlib::ClientMessage,
                serial: 0,
                send_event: xlib::True,
                display: self.display,
                window: to,
                message_type: self.atom(kind),
                format: 32,
                data,
            },
        };
        // SAFETY: a complete client message event to a window of this display.
        unsafe {
            (self.lib.XSendEvent)(self.display, to, xlib::False, 0, &mut event);
            (self.lib.XFlush)(self.display);
        }
    }

    /// Drags `uris` (a text/uri-list) onto `target` at (`x`, `y`) inside it and drops them, as a
    /// file manager does: the source side of the XDND protocol, version 5
    /// (https://www.freedesktop.org/wiki/Specifications/XDND/): XdndEnter, XdndPosition, the
    /// target's XdndStatus, XdndDrop, and the selection conversions the target asks for, until
    /// XdndFinished. `drop` false leaves with XdndLeave instead of dropping.
    fn drag(&self, target: xlib::Window, x: i32, y: i32, uris: &str, drop: bool) {
        let (uri_list, selection) = (self.atom("text/uri-list"), self.atom("XdndSelection"));
        // SAFETY: Xlib calls on a live display with windows it gave out; events are read into a
        // zeroed XEvent and only the member that matches their type is read.
        unsafe {
            let root = (self.lib.XDefaultRootWindow)(self.display);
            let source = (self.lib.XCreateSimpleWindow)(self.display, root, 0, 0, 1, 1, 0, 0, 0);
            (self.lib.XSetSelectionOwner)(self.display, selection, source, xlib::CurrentTime);
            let (mut root_x, mut root_y, mut child) = (0, 0, 0);
            (self.lib.XTranslateCoordinates)(self.display, target, root, x, y, &mut root_x, &mut root_y, &mut child);
            let position = ((root_x as i64) << 16) | (root_y as i64 & 0xffff);
            let copy = self.atom("XdndActionCopy") as i64;
            self.client_message(target, "XdndEnter", [source as i64, 5 << 24, uri_list as i64, 0, 0]);
            self.client_message(target, "XdndPosition", [source as i64, 0, position, 0, copy]);
            let deadline = Instant::now() + Duration::from_secs(20);
            let (mut statuses, mut served, mut done) = (0, 0, false);
            while !done && Instant::now() < deadline {
                if (self.lib.XPending)(self.display) == 0 {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                let mut event: xlib::XEvent = std::mem::zeroed();
                (self.lib.XNextEvent)(self.display, &mut event);
                match event.get_type() {
                    xlib::SelectionRequest => {
                        let request = event.selection_request;
                        let property = if request.target == uri_list {
                            (self.lib.XChangeProperty)(
                                self.display,
                                request.requestor,
                                request.property,
                                uri_list,
                                8,
                                xlib::PropModeReplace,
                                uris.as_ptr(),
                                uris.len() as i32,
                            );
                            request.property
                        } else {
                            0 // refused: only text/uri-list is offered
                        };
                        let mut reply = xlib::XEvent {
                            selection: xlib::XSelectionEvent {
                                type_: xlib::SelectionNotify,
                                serial: 0,
                                send_event: xlib::True,
                                display: self.display,
                                requestor: request.requestor,
                                selection: request.selection,
                                target: request.target,
                                property,
                                time: request.time,
                            },
                        };
                        (self.lib.XSendEvent)(self.display, request.requestor, xlib::False, 0, &mut reply);
                        (self.lib.XFlush)(self.display);
                        served += 1;
                    }
                    // Messages for an earlier drag's source window are not for this one (a
                    // target may finish a drop twice).
                    xlib::ClientMessage if event.client_message.window != source => {}
                    xlib::ClientMessage if event.client_message.message_type == self.atom("XdndStatus") => {
                        statuses += 1;
                        // Keep moving until the target has had the data (it asks for it while
                        // the drag is over it), then drop or leave.
                        if statuses < 2 || served == 0 {
                            let moved = position + ((statuses as i64 & 1) << 16) + (statuses as i64 & 1);
                            self.client_message(target, "XdndPosition", [source as i64, 0, moved, 0, copy]);
                        } else if !done {
                            if drop {
                                self.client_message(target, "XdndDrop", [source as i64, 0, 0, 0, 0]);
                            } else {
                                self.client_message(target, "XdndLeave", [source as i64, 0, 0, 0, 0]);
                                done = true;
                            }
                        }
                    }
                    xlib::ClientMessage if event.client_message.message_type == self.atom("XdndFinished") => done = true,
                    _ => {}
                }
            }
            (self.lib.XDestroyWindow)(self.display, source);
            (self.lib.XFlush)(self.display);
            assert!(done, "the XDND exchange did not finish (statuses: {statuses})");
        }
    }
}

/// Files dragged from another X client onto a webview: `file-hover` with the paths while over
/// it, then `file-drop` (or `file-drop-cancelled` when the drag leaves), and the page still gets
/// its own `drop` event.
#[test]
fn files_dragged_onto_a_webview() {
    let x = X::open();
    let title = unique_title("drop");
    let app = App::new(None).unwrap();
    let window = app.create_window(&format!(r#"{{"title":"{title}","width":400,"height":300}}"#)).unwrap();
    let page = common::page(
        "addEventListener('dragover', (e) => e.preventDefault());
         addEventListener('drop', (e) => { e.preventDefault(); host.send('page-drop', e.dataTransfer.files.length); });",
    );
    let webview = app.create_webview(window, &serde_json::json!({ "html": page }).to_string()).unwrap();
    wait_for(&app, "loaded", |e, v| e.kind() == EventKind::Message && v["channel"] == "loaded");
    let target = x.find(&title);
    x.drag(target, 120, 80, "file:///tmp/a%20b.txt\r\nfile:///tmp/c.png\r\n", true);
    let (_, hover) = wait_for(&app, "file-hover", |e, _| e.kind() == EventKind::FileHover);
    assert_eq!(hover["webview"], webview);
    assert_eq!(hover["paths"], serde_json::json!(["/tmp/a b.txt", "/tmp/c.png"]));
    let (_, drop) = wait_for(&app, "file-drop", |e, _| e.kind() == EventKind::FileDrop);
    assert_eq!(drop["paths"], serde_json::json!(["/tmp/a b.txt", "/tmp/c.png"]));
    assert!(drop["x"].as_f64().unwrap() > 0.0 && drop["y"].as_f64().unwrap() > 0.0, "{drop}");
    x.drag(target, 150, 90, "file:///tmp/d.txt\r\n", false);
    wait_for(&app, "file-drop-cancelled", |e, _| e.kind() == EventKind::FileDropCancelled);
}

/// A window's `theme` changes the colour scheme; `theme-changed` reports it for every window
/// (GTK has one setting per process).
#[test]
fn theme_changes_are_reported() {
    let app = App::new(None).unwrap();
    let a = app.create_window(&format!(r#"{{"title":"{}","width":200,"height":100}}"#, unique_title("theme a"))).unwrap();
    let b = app.create_window(&format!(r#"{{"title":"{}","width":200,"height":100,"theme":"light"}}"#, unique_title("theme b"))).unwrap();
    for _ in 0..2 {
        wait_for(&app, "window-created", |e, _| e.kind() == EventKind::WindowCreated);
    }
    app.set_window(a, r#"{"theme":"dark"}"#).unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let (_, v) = wait_for(&app, "theme-changed", |e, _| e.kind() == EventKind::ThemeChanged);
        assert_eq!(v["theme"], "dark");
        seen.push(v["window"].as_u64().unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, [a, b]);
    app.set_window(b, r#"{"theme":"light"}"#).unwrap();
    let (_, v) = wait_for(&app, "theme-changed", |e, _| e.kind() == EventKind::ThemeChanged);
    assert_eq!(v["theme"], "light");
    assert_eq!(app.set_window(a, r#"{"theme":"blue"}"#).unwrap_err().code, ErrorCode::InvalidArgument);
}
