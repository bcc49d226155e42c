//! The web context an app's webviews share on Linux: one WebKit network process per app instead
//! of one per webview, and the `transom://` custom protocol and download handling that a context
//! holds, routed to the webview a request or download comes from.
//!
//! Why shared: WebKitGTK starts a network process per `WebKitWebContext`, and wry makes a context
//! per webview unless it is given one. Those contexts outlive their webviews (the network process
//! of every closed webview stayed, about 60 MB each), and each new webview paid for starting one.
//! A context registers a URI scheme once and emits `download-started` for all its webviews, so
//! the handlers find the webview by the id wry gives each request (`with_id`) and by the
//! `WebKitWebView` a download names.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use parking_lot::Mutex;
use webkit2gtk::{DownloadExt, URIRequestExt, WebContextExt};
use wry::WebViewBuilder;

use super::webview::Route;
use super::{send_internal, Command, Field};
use crate::event::EventKind;

/// How one webview's downloads are handled.
struct DownloadRoute {
    view: webkit2gtk::WebView,
    webview: u64,
    allowed: bool,
    folder: Option<PathBuf>,
}

/// One app's web context and the webviews using it. Lives on the GUI thread, in the app's
/// registry entry, and is dropped after the app's webviews.
pub(super) struct SharedContext {
    web: wry::WebContext,
    /// By wry webview id (the transom webview id in decimal); read by the protocol handler.
    routes: Arc<Mutex<HashMap<String, Route>>>,
    downloads: Rc<RefCell<Vec<DownloadRoute>>>,
}

impl SharedContext {
    pub(super) fn new() -> SharedContext {
        SharedContext {
            web: wry::WebContext::new(None),
            routes: Arc::new(Mutex::new(HashMap::new())),
            downloads: Rc::new(RefCell::new(Vec::new())),
        }
    }

    /// A builder for a webview in this context with `id` (the webview id in decimal) and its
    /// route. The first webview also registers the `transom` scheme on the context.
    pub(super) fn builder<'a>(&'a mut self, id: &'a str, route: Route) -> WebViewBuilder<'a> {
        self.routes.lock().insert(id.to_owned(), route);
        let register = !self.web.is_custom_protocol_registered(super::webview::SCHEME);
        let routes = self.routes.clone();
        let builder = WebViewBuilder::new_with_web_context(&mut self.web).with_id(id);
        if !register {
            return builder;
        }
        builder.with_asynchronous_custom_protocol(super::webview::SCHEME.into(), move |webview, request, responder| {
            let route = routes.lock().get(webview).cloned();
            match route {
                Some(route) => super::webview::serve(&route, request, responder),
                None => super::webview::not_found(responder),
            }
        })
    }

    /// Routes the downloads of a built webview (`view`) and makes the context's download handler
    /// the only one.
    ///
    /// wry connects a `download-started` handler of its own to the context for every webview it
    /// builds (one that allows every download, when the builder is given none), and the first
    /// `decide-destination` handler that answers wins. So after each build every handler of that
    /// signal is disconnected and transom's, which routes by webview, connected again.
    pub(super) fn add_downloads(&mut self, view: webkit2gtk::WebView, webview: u64, allowed: bool, folder: Option<PathBuf>) {
        use gtk::glib::prelude::*;
        use gtk::glib::translate::ToGlibPtr;
        use webkit2gtk::WebViewExt;
        self.downloads.borrow_mut().push(DownloadRoute { view: view.clone(), webview, allowed, folder });
        let Some(context) = view.context() else { return };
        if let Some(signal) = gtk::glib::subclass::SignalId::lookup("download-started", webkit2gtk::WebContext::static_type()) {
            let instance: *mut gtk::glib::gobject_ffi::GObject = context.upcast_ref::<gtk::glib::Object>().to_glib_none().0;
            let signal = gtk::glib::translate::IntoGlib::into_glib(signal);
            // SAFETY: `instance` is a live WebKitWebContext. Each handler of its `download-started`
            // signal is found by signal id and disconnected, which GLib allows at any time outside
            // that signal's emission (the GUI thread is not emitting it now).
            unsafe {
                loop {
                    let handler = gtk::glib::gobject_ffi::g_signal_handler_find(
                        instance.cast(),
                        gtk::glib::gobject_ffi::G_SIGNAL_MATCH_ID,
                        signal,
                        0,
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                    );
                    if handler == 0 {
                        break;
                    }
                    gtk::glib::gobject_ffi::g_signal_handler_disconnect(instance.cast(), handler);
                }
            }
        }
        let downloads = self.downloads.clone();
        context.connect_download_started(move |_, download| {
            let route = download.web_view().and_then(|view| {
                downloads.borrow().iter().find(|d| d.view == view).map(|d| (d.webview, d.allowed, d.folder.clone()))
            });
            let url = download.request().and_then(|r| r.uri()).map(|u| u.to_string()).unwrap_or_default();
            let Some((webview, allowed, folder)) = route else {
                download.cancel();
                return;
            };
            let report = move |kind: EventKind, fields: Vec<(&'static str, Field)>| {
                send_internal(Command::WebviewEvent { webview, kind, fields });
            };
            if !allowed {
                download.cancel();
                report(EventKind::DownloadBlocked, vec![("url", Field::Text(url))]);
                return;
            }
            let failed = Rc::new(std::cell::Cell::new(false));
            let destination = Rc::new(RefCell::new(None::<PathBuf>));
            download.connect_decide_destination({
                let (url, destination) = (url.clone(), destination.clone());
                move |download, suggested| {
                    let path = unique_path(folder.clone(), suggested);
                    download.set_destination(&path.to_string_lossy());
                    report(EventKind::DownloadStarted, vec![("url", Field::Text(url.clone())), ("path", Field::Text(path.to_string_lossy().into_owned()))]);
                    *destination.borrow_mut() = Some(path);
                    true
                }
            });
            download.connect_failed({
                let failed = failed.clone();
                move |_, _| failed.set(true)
            });
            download.connect_finished(move |_| {
                let mut fields = vec![("url", Field::Text(url.clone())), ("ok", Field::Json((!failed.get()).to_string()))];
                if let Some(path) = destination.borrow().as_ref() {
                    fields.push(("path", Field::Text(path.to_string_lossy().into_owned())));
                }
                report(EventKind::DownloadFinished, fields);
            });
        });
    }

    /// Forgets a webview that is gone.
    pub(super) fn forget(&mut self, webview: u64) {
        self.routes.lock().remove(&webview.to_string());
        self.downloads.borrow_mut().retain(|d| d.webview != webview);
    }
}

/// Where a download named `suggested` goes: `folder`, else the user's download folder (XDG
/// `DOWNLOAD`), else the current folder; `name (1).ext`, `name (2).ext`… when the name is taken,
/// as browsers do. Only the file name of `suggested` is used, so a page cannot choose a folder.
fn unique_path(folder: Option<PathBuf>, suggested: &str) -> PathBuf {
    let folder = folder
        .or_else(|| gtk::glib::user_special_dir(gtk::glib::UserDirectory::Downloads))
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let name = std::path::Path::new(suggested).file_name().map(|n| n.to_string_lossy().into_owned());
    let name = name.filter(|n| !n.is_empty() && n != "." && n != "..").unwrap_or_else(|| "download".into());
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_owned(), format!(".{ext}")),
        _ => (name.clone(), String::new()),
    };
    let mut path = folder.join(&name);
    let mut n = 1;
    while path.exists() {
        path = folder.join(format!("{stem} ({n}){ext}"));
        n += 1;
    }
    path
}
