//! Webviews: building a wry webview inside a window, with the page runtime injected, its posts and
//! byte transfers routed back to the GUI thread, and its start-up scripts kept current.

use std::borrow::Cow;
use std::sync::Arc;

use parking_lot::Mutex;
use tao::window::Window;
use wry::http::{header, Request, Response, StatusCode};
use wry::{PageLoadEvent, WebView, WebViewBuilder};

use super::{send_internal, AssetRequest, Command, Field};
use crate::error::{Error, ErrorCode, Result};
use crate::event::EventKind;
use crate::options::{Bounds, NewWindows, WebviewOptions};
use crate::page::Blobs;

/// The page shown when neither `url` nor `html` is given. A real document, so that the page
/// runtime is injected and messages can be delivered.
const EMPTY_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"></head><body></body></html>";

/// The custom protocol that carries bytes between pages and the library (`transom://ipc/…`).
pub(super) const SCHEME: &str = "transom";

/// What a new webview needs besides its options.
pub(super) struct Setup<'a> {
    pub id: u64,
    pub options: &'a WebviewOptions,
    /// The page runtime, ready to inject; `None` for a webview without a bridge.
    pub runtime: Option<String>,
    pub secret: String,
    pub blobs: Arc<Mutex<Blobs>>,
    /// The web context of the app's webviews.
    #[cfg(target_os = "linux")]
    pub context: &'a mut super::context::SharedContext,
}

/// What the `transom://` protocol needs to answer one webview's requests.
#[derive(Clone)]
pub(super) struct Route {
    pub webview: u64,
    pub secret: String,
    pub blobs: Arc<Mutex<Blobs>>,
    pub assets: Option<std::path::PathBuf>,
    pub assets_handler: bool,
    pub csp: Option<String>,
}

/// Builds the webview `setup.id` in `window`, filling it or in the rectangle of its options.
///
/// ## Platform-specific
/// - **Linux:** every webview of a window sits in a GTK box of its own inside one `GtkOverlay`
///   that fills the window (`build_gtk` into that box, which also works under Wayland): a
///   filling webview follows the window's size, a rectangle is placed with margins and a size
///   request, and later webviews are drawn above earlier ones. The
///   start-up scripts are WebKit user scripts the library manages itself (so that they can be
///   replaced when the shared state changes, see [`install_scripts`]), and pages post to a WebKit
///   script message handler of the library's own (`window.webkit.messageHandlers.transom`), not
///   to wry's `window.ipc`: wry 0.57 drops every post from a page whose URL the `http` crate
///   cannot parse (`file:`, `data:`), so those pages could not talk at all. Both are in place
///   before the first page starts loading.
/// - **Other platforms:** wry's initialization scripts and ipc handler (`window.ipc.postMessage`);
///   a rectangle is a child webview (`build_as_child` with bounds), a filling webview is built
///   with `build`. Not compiled or run on Linux.
///
/// The navigation policy of a webview (see [`navigation_policy`]), shared by the engine's handler
/// and the program's `navigate`.
pub(super) type NavigationPolicy = std::rc::Rc<dyn Fn(&str) -> bool>;

pub(super) fn build(window: &Window, transparent: bool, setup: Setup<'_>) -> Result<(WebView, NavigationPolicy)> {
    let id = setup.id;
    let o = setup.options;
    let route = Route {
        webview: id,
        secret: setup.secret,
        blobs: setup.blobs,
        assets: o.assets.as_ref().map(std::path::PathBuf::from),
        assets_handler: o.assets_handler == Some(true),
        csp: match o.csp.as_deref() {
            None => Some(crate::assets::DEFAULT_CSP.to_owned()),
            Some("") => None,
            Some(policy) => Some(policy.to_owned()),
        },
    };
    let report = move |kind: EventKind, fields: Vec<(&'static str, Field)>| {
        send_internal(Command::WebviewEvent { webview: id, kind, fields });
    };
    let downloads = o.downloads == Some(true);
    let download_folder = o.download_folder.as_ref().map(std::path::PathBuf::from);
    let navigation: NavigationPolicy = std::rc::Rc::new(navigation_policy(o));
    let policy = navigation.clone();
    let new_windows = o.new_windows.unwrap_or_default();
    let id_text = id.to_string();
    // The builder borrows the app's context until `build_in` returns; the downloads are routed
    // through it afterwards.
    #[cfg(target_os = "linux")]
    let context = setup.context;
    #[cfg(target_os = "linux")]
    let builder = context.builder(&id_text, route);
    #[cfg(not(target_os = "linux"))]
    let builder = WebViewBuilder::new()
        .with_id(&id_text)
        .with_asynchronous_custom_protocol(SCHEME.into(), move |_, request, responder| serve(&route, request, responder))
        .with_download_started_handler(move |url, path| {
            if !downloads {
                report(EventKind::DownloadBlocked, vec![("url", Field::Text(url))]);
                return false;
            }
            if let (Some(folder), Some(name)) = (&download_folder, path.file_name()) {
                *path = folder.join(name);
            }
            report(EventKind::DownloadStarted, vec![("url", Field::Text(url)), ("path", Field::Text(path.to_string_lossy().into_owned()))]);
            true
        })
        .with_download_completed_handler(move |url, path, ok| {
            let mut fields = vec![("url", Field::Text(url)), ("ok", Field::Json(ok.to_string()))];
            if let Some(path) = path {
                fields.push(("path", Field::Text(path.to_string_lossy().into_owned())));
            }
            report(EventKind::DownloadFinished, fields);
        });
    let mut builder = builder
        .with_on_page_load_handler(move |event, url| {
            let finished = matches!(event, PageLoadEvent::Finished);
            send_internal(Command::PageLoad { webview: id, finished, url });
        })
        .with_document_title_changed_handler(move |title| {
            send_internal(Command::TitleChanged { webview: id, title });
        })
        .with_navigation_handler(move |url| {
            let allowed = navigation(&url);
            if !allowed {
                report(EventKind::NavigationBlocked, vec![("url", Field::Text(url))]);
            }
            allowed
        })
        .with_new_window_req_handler(move |url, _| {
            let action = match new_windows {
                NewWindows::Browser if open_in_browser(&url) => "opened-in-browser",
                _ => "blocked",
            };
            report(EventKind::NewWindowRequested, vec![("url", Field::Text(url)), ("action", Field::Text(action.into()))]);
            wry::NewWindowResponse::Deny
        })
        .with_drag_drop_handler(move |event| {
            let paths = |paths: &[std::path::PathBuf]| {
                let list: Vec<String> = paths.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                Field::Json(serde_json::to_string(&list).unwrap_or_else(|_| "[]".into()))
            };
            let (kind, fields) = match event {
                wry::DragDropEvent::Enter { paths: p, position: (x, y) } => {
                    (EventKind::FileHover, vec![("paths", paths(&p)), ("x", Field::Number(x.into())), ("y", Field::Number(y.into()))])
                }
                wry::DragDropEvent::Drop { paths: p, position: (x, y) } => {
                    (EventKind::FileDrop, vec![("paths", paths(&p)), ("x", Field::Number(x.into())), ("y", Field::Number(y.into()))])
                }
                wry::DragDropEvent::Leave => (EventKind::FileDropCancelled, Vec::new()),
                _ => return false,
            };
            report(kind, fields);
            false // the page still gets the drop (file inputs keep working)
        })
        .with_devtools(o.devtools.unwrap_or(false))
        .with_transparent(transparent);
    if let Some(agent) = &o.user_agent {
        builder = builder.with_user_agent(agent.clone());
    }
    if let Some(rgba) = o.background_rgba() {
        builder = builder.with_background_color(rgba);
    }
    let platform = |e: wry::Error| Error::new(ErrorCode::Platform, format!("the webview engine failed: {e}"));
    let webview = build_in(builder, window, id, setup.runtime.as_deref(), o).map_err(platform)?;
    #[cfg(target_os = "linux")]
    {
        use wry::WebViewExtUnix;
        context.add_downloads(webview.webview(), id, downloads, download_folder);
    }
    Ok((webview, policy))
}

/// The first page a webview loads: its `url`, its `html`, its assets, or an empty page.
enum FirstPage<'a> {
    Url(&'a str),
    Html(&'a str),
}

fn first_page(o: &WebviewOptions) -> FirstPage<'_> {
    match (&o.url, &o.html, &o.assets) {
        (Some(url), ..) => FirstPage::Url(url),
        (None, Some(html), _) => FirstPage::Html(html),
        (None, None, _) if o.assets.is_some() || o.assets_handler == Some(true) => FirstPage::Url(ASSETS_URL),
        (None, None, _) => FirstPage::Html(EMPTY_PAGE),
    }
}

/// Where a webview's `assets` folder is served.
///
/// ## Platform-specific
/// - **Windows:** wry serves custom protocols as `http://transom.app/`.
pub const ASSETS_URL: &str = "transom://app/";

/// Decides main-frame navigations: everything without a `navigation` option; with one, its
/// patterns, plus the webview's own first page, `about:` pages and its assets.
fn navigation_policy(o: &WebviewOptions) -> impl Fn(&str) -> bool + 'static {
    let allow = o.navigation.as_ref().map(|n| n.allow.clone());
    let first = match first_page(o) {
        FirstPage::Url(url) => Some(url.to_owned()),
        FirstPage::Html(_) => None,
    };
    let assets = o.assets.is_some();
    move |url: &str| match &allow {
        None => true,
        Some(patterns) => {
            url.starts_with("about:")
                || first.as_deref() == Some(url)
                || (assets && url.starts_with(ASSETS_URL))
                || crate::security::url_allowed(url, patterns)
        }
    }
}

/// Opens `url` in the system's browser; whether that could be started. Only http(s) URLs.
fn open_in_browser(url: &str) -> bool {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return false;
    }
    #[cfg(target_os = "macos")]
    let command = std::process::Command::new("open").arg(url).spawn();
    #[cfg(target_os = "windows")]
    let command = std::process::Command::new("explorer").arg(url).spawn();
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let command = std::process::Command::new("xdg-open").arg(url).spawn();
    command.is_ok()
}

/// Answers the custom protocol: `transom://app/…` from the `assets` folder (see
/// `crate::assets`) or, with `assets_handler`, by the program for what the folder does not have
/// (an `asset-request` event); and the page runtime's byte transfers at `transom://ipc/`:
/// `POST /upload/SECRET/ID` stores a request body, `GET /download/SECRET/ID` hands out (once)
/// bytes the program sent; anything else is 404, a wrong secret 403. Pages of every origin may
/// call `ipc` (CORS `*`): the secret is what counts.
pub(super) fn serve(route: &Route, request: Request<Vec<u8>>, responder: wry::RequestAsyncResponder) {
    let Route { webview, secret, blobs, assets, assets_handler, csp } = route;
    let (webview, assets_handler, assets, csp) = (*webview, *assets_handler, assets.as_deref(), csp.as_deref());
    let path = request.uri().path().to_owned();
    if request.uri().host() == Some("app") {
        let answer = assets.map(|root| {
            let range = request.headers().get(header::RANGE).and_then(|v| v.to_str().ok());
            crate::assets::serve(root, request.method().as_str(), &path, range, csp)
        });
        match answer {
            // With a handler, what the folder has no file for (404) or does not serve (405: a
            // method other than GET and HEAD) goes to the program.
            Some(answer) if !(assets_handler && matches!(answer.status, 404 | 405)) => {
                let mut response = Response::builder().status(answer.status);
                for (name, value) in answer.headers {
                    response = response.header(name, value);
                }
                responder.respond(response.body(Cow::<'static, [u8]>::Owned(answer.body)).unwrap_or_default());
            }
            _ if assets_handler => {
                let path = request.uri().path_and_query().map_or(path.clone(), |p| p.as_str().to_owned());
                let mut headers = crate::json::JsonObject::with_capacity(256);
                for (name, value) in request.headers() {
                    if let Ok(value) = value.to_str() {
                        headers = headers.string(name.as_str(), value);
                    }
                }
                let method = request.method().as_str().to_owned();
                let request = AssetRequest {
                    method,
                    path,
                    headers: headers.finish(),
                    body: request.into_body(),
                    csp: csp.map(str::to_owned),
                    responder,
                };
                send_internal(Command::AssetRequest { webview, request });
            }
            _ => not_found(responder),
        }
        return;
    }
    let status = |code: StatusCode| (code, Vec::new());
    let (code, body) = if request.uri().host() != Some("ipc") {
        status(StatusCode::NOT_FOUND)
    } else if request.method() == wry::http::Method::OPTIONS {
        status(StatusCode::NO_CONTENT)
    } else {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let method = request.method().clone();
        match parts.as_slice() {
            [_, given, _] if *given != secret => status(StatusCode::FORBIDDEN),
            ["upload", ..] if method != wry::http::Method::POST => status(StatusCode::METHOD_NOT_ALLOWED),
            ["download", ..] if method != wry::http::Method::GET => status(StatusCode::METHOD_NOT_ALLOWED),
            ["upload", _, id] => match id.parse::<u64>() {
                Ok(id) => {
                    blobs.lock().uploads.insert(id, request.into_body());
                    status(StatusCode::NO_CONTENT)
                }
                Err(_) => status(StatusCode::BAD_REQUEST),
            },
            ["download", _, id] => match id.parse::<u64>().ok().and_then(|id| blobs.lock().downloads.remove(&id)) {
                Some(bytes) => (StatusCode::OK, bytes),
                None => status(StatusCode::NOT_FOUND),
            },
            _ => status(StatusCode::NOT_FOUND),
        }
    };
    let response = Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .header(header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Cow::<'static, [u8]>::Owned(body))
        .unwrap_or_else(|_| Response::new(Cow::Borrowed(&[][..])));
    responder.respond(response)
}

/// The name of the script message handler pages post to (`window.webkit.messageHandlers.transom`).
#[cfg(target_os = "linux")]
const MESSAGE_HANDLER: &str = "transom";

#[cfg(target_os = "linux")]
fn build_in(builder: WebViewBuilder<'_>, window: &Window, id: u64, runtime: Option<&str>, o: &WebviewOptions) -> wry::Result<WebView> {
    use webkit2gtk::{SecurityManagerExt, UserContentManagerExt, WebContextExt, WebViewExt};
    use wry::{WebViewBuilderExtUnix, WebViewExtUnix};
    // No url or html yet: nothing loads before the scripts and the handler are in place.
    let webview = builder.build_gtk(&holder(window, o.bounds()))?;
    let engine = webview.webview();
    if let Some(security) = engine.context().and_then(|c| c.security_manager()) {
        // Lets pages of any origin fetch transom://ipc/ (the secret in the path guards it).
        security.register_uri_scheme_as_cors_enabled(SCHEME);
    }
    if let (Some(manager), Some(_)) = (engine.user_content_manager(), runtime) {
        // A weak reference: the webview owns the content manager, which owns this handler, so a
        // strong one would keep the webview (and all it holds) alive after it is closed.
        let source = webkit2gtk::glib::object::ObjectExt::downgrade(&engine);
        manager.connect_script_message_received(Some(MESSAGE_HANDLER), move |_, message| {
            if let Some(value) = message.js_value() {
                let origin = source.upgrade().and_then(|view| view.uri()).map(|u| u.to_string()).unwrap_or_default();
                send_internal(Command::PageIpc { webview: id, origin, body: value.to_string() });
            }
        });
        manager.register_script_message_handler(MESSAGE_HANDLER);
    }
    install_scripts(&webview, runtime, o.init_script.as_deref());
    match first_page(o) {
        FirstPage::Url(url) => webview.load_url(url)?,
        FirstPage::Html(html) => webview.load_html(html)?,
    }
    Ok(webview)
}

/// Answers a request with 404 Not Found.
pub(super) fn not_found(responder: wry::RequestAsyncResponder) {
    responder.respond(Response::builder().status(StatusCode::NOT_FOUND).body(Cow::Borrowed(&[][..])).unwrap_or_default());
}

/// The name of the `GtkOverlay` that holds a window's webviews.
#[cfg(target_os = "linux")]
const LAYOUT: &str = "transom-webviews";

/// A new box for one webview in the window's overlay (made on first use), placed at `bounds`.
#[cfg(target_os = "linux")]
fn holder(window: &Window, bounds: Bounds) -> gtk::Box {
    use gtk::prelude::*;
    use tao::platform::unix::WindowExtUnix;
    let parent: gtk::Container = match window.default_vbox() {
        Some(vbox) => vbox.clone().upcast(),
        None => window.gtk_window().clone().upcast(),
    };
    let existing = parent.children().into_iter().find_map(|child| child.downcast::<gtk::Overlay>().ok().filter(|o| o.widget_name() == LAYOUT));
    let overlay = existing.unwrap_or_else(|| {
        let overlay = gtk::Overlay::new();
        overlay.set_widget_name(LAYOUT);
        match parent.downcast_ref::<gtk::Box>() {
            Some(vbox) => vbox.pack_start(&overlay, true, true, 0),
            None => parent.add(&overlay),
        }
        overlay.show();
        overlay
    });
    let holder = gtk::Box::new(gtk::Orientation::Vertical, 0);
    place(holder.upcast_ref(), bounds);
    overlay.add_overlay(&holder);
    holder.show();
    holder
}

/// Puts a webview's box where `bounds` say: the whole overlay, or a rectangle (negative
/// positions are clamped to 0).
#[cfg(target_os = "linux")]
fn place(holder: &gtk::Widget, bounds: Bounds) {
    use gtk::prelude::*;
    match bounds {
        Bounds::Fill => {
            holder.set_halign(gtk::Align::Fill);
            holder.set_valign(gtk::Align::Fill);
            holder.set_margin_start(0);
            holder.set_margin_top(0);
            holder.set_size_request(-1, -1);
        }
        Bounds::Rect { x, y, width, height } => {
            holder.set_halign(gtk::Align::Start);
            holder.set_valign(gtk::Align::Start);
            holder.set_margin_start(x.max(0.0).round() as i32);
            holder.set_margin_top(y.max(0.0).round() as i32);
            holder.set_size_request(width.round() as i32, height.round() as i32);
        }
    }
    holder.queue_resize();
}

/// Moves or resizes a webview (`transom_webview_set`) and shows or hides it.
#[cfg(target_os = "linux")]
pub(super) fn set_layout(webview: &WebView, bounds: Option<Bounds>, visible: Option<bool>) {
    use gtk::prelude::*;
    use wry::WebViewExtUnix;
    if let (Some(bounds), Some(holder)) = (bounds, webview.webview().parent()) {
        place(&holder, bounds);
    }
    if let Some(visible) = visible {
        let _ = webview.set_visible(visible);
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn set_layout(webview: &WebView, bounds: Option<Bounds>, visible: Option<bool>) {
    if let Some(Bounds::Rect { x, y, width, height }) = bounds {
        let _ = webview.set_bounds(wry::Rect {
            position: wry::dpi::LogicalPosition::new(x, y).into(),
            size: wry::dpi::LogicalSize::new(width, height).into(),
        });
    }
    if let Some(visible) = visible {
        let _ = webview.set_visible(visible);
    }
}

/// Replaces the scripts every new page of `webview` runs before its own: the page runtime, then
/// the program's `init_script`. Pages already loaded keep theirs.
///
/// ## Platform-specific
/// - **Linux:** WebKit user scripts, main frame only, at document start.
/// - **Other platforms:** not possible through wry: the scripts given at creation stay, and a later
///   page gets the current shared state when its runtime says it is ready (after its own scripts).
#[cfg(target_os = "linux")]
pub(super) fn install_scripts(webview: &WebView, runtime: Option<&str>, user: Option<&str>) {
    use webkit2gtk::{UserContentInjectedFrames, UserContentManagerExt, UserScript, UserScriptInjectionTime, WebViewExt};
    use wry::WebViewExtUnix;
    let Some(manager) = webview.webview().user_content_manager() else { return };
    manager.remove_all_scripts();
    for source in runtime.into_iter().chain(user) {
        let script = UserScript::new(
            source,
            UserContentInjectedFrames::TopFrame,
            UserScriptInjectionTime::Start,
            &[],
            &[],
        );
        manager.add_script(&script);
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn install_scripts(_webview: &WebView, _runtime: Option<&str>, _user: Option<&str>) {}

#[cfg(not(target_os = "linux"))]
fn build_in(builder: WebViewBuilder<'_>, window: &Window, id: u64, runtime: Option<&str>, o: &WebviewOptions) -> wry::Result<WebView> {
    let mut builder = builder;
    if let Some(runtime) = runtime {
        builder = builder.with_initialization_script_for_main_only(runtime, true).with_ipc_handler(move |request| {
            let origin = request.uri().to_string();
            send_internal(Command::PageIpc { webview: id, origin, body: request.into_body() });
        });
    }
    if let Some(script) = &o.init_script {
        builder = builder.with_initialization_script_for_main_only(script.clone(), true);
    }
    builder = match first_page(o) {
        FirstPage::Url(url) => builder.with_url(url),
        FirstPage::Html(html) => builder.with_html(html),
    };
    match o.bounds() {
        Bounds::Fill => builder.build(window),
        Bounds::Rect { x, y, width, height } => builder
            .with_bounds(wry::Rect {
                position: wry::dpi::LogicalPosition::new(x, y).into(),
                size: wry::dpi::LogicalSize::new(width, height).into(),
            })
            .build_as_child(window),
    }
}
