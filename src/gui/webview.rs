//! Webviews: building a wry webview inside a window, with the page runtime injected and its
//! callbacks routed back to the GUI thread's command queue.

use tao::window::Window;
use wry::{PageLoadEvent, WebView, WebViewBuilder};

use super::{send_internal, Command};
use crate::error::{Error, ErrorCode, Result};
use crate::options::WebviewOptions;
use crate::page;

/// The page shown when neither `url` nor `html` is given. A real document, so that the page
/// runtime is injected and messages can be delivered.
const EMPTY_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"></head><body></body></html>";

/// Builds the webview `id` filling `window`, its page runtime signed with `secret`.
///
/// ## Platform-specific
/// - **Linux:** built into the window's GTK box (`build_gtk`), which also works under Wayland.
pub(super) fn build(window: &Window, transparent: bool, id: u64, o: &WebviewOptions, secret: &str) -> Result<WebView> {
    let mut builder = WebViewBuilder::new()
        .with_initialization_script_for_main_only(page::runtime_script(secret), true)
        .with_on_page_load_handler(move |event, url| {
            let finished = matches!(event, PageLoadEvent::Finished);
            send_internal(Command::PageLoad { webview: id, finished, url });
        })
        .with_document_title_changed_handler(move |title| {
            send_internal(Command::TitleChanged { webview: id, title });
        })
        .with_devtools(o.devtools.unwrap_or(false))
        .with_transparent(transparent);
    if let Some(script) = &o.init_script {
        builder = builder.with_initialization_script_for_main_only(script.clone(), true);
    }
    if let Some(agent) = &o.user_agent {
        builder = builder.with_user_agent(agent.clone());
    }
    if let Some(rgba) = o.background_rgba() {
        builder = builder.with_background_color(rgba);
    }
    builder = match (&o.url, &o.html) {
        (Some(url), _) => builder.with_url(url.clone()),
        (None, Some(html)) => builder.with_html(html.clone()),
        (None, None) => builder.with_html(EMPTY_PAGE),
    };
    build_in(builder, window, id).map_err(|e| Error::new(ErrorCode::Platform, format!("the webview engine failed: {e}")))
}

/// The name of the script message handler pages post to (`window.webkit.messageHandlers.transom`).
#[cfg(target_os = "linux")]
const MESSAGE_HANDLER: &str = "transom";

/// Builds the webview and connects the page's posts to the GUI thread.
///
/// ## Platform-specific
/// - **Linux:** pages post to a WebKit script message handler of our own
///   (`window.webkit.messageHandlers.transom`), not to wry's `window.ipc`: wry 0.57 drops every post
///   from a page whose URL the `http` crate cannot parse (`file:`, `data:`), so those pages could
///   not talk at all. The handler is registered before the first page load commits.
/// - **Other platforms:** wry's ipc handler (`window.ipc.postMessage`).
#[cfg(target_os = "linux")]
fn build_in(builder: WebViewBuilder<'_>, window: &Window, id: u64) -> wry::Result<WebView> {
    use tao::platform::unix::WindowExtUnix;
    use webkit2gtk::{UserContentManagerExt, WebViewExt};
    use wry::{WebViewBuilderExtUnix, WebViewExtUnix};
    let webview = match window.default_vbox() {
        Some(vbox) => builder.build_gtk(vbox)?,
        None => builder.build_gtk(window.gtk_window())?,
    };
    let engine = webview.webview();
    if let Some(manager) = engine.user_content_manager() {
        let source = engine.clone();
        manager.connect_script_message_received(Some(MESSAGE_HANDLER), move |_, message| {
            if let Some(value) = message.js_value() {
                let origin = source.uri().map(|u| u.to_string()).unwrap_or_default();
                send_internal(Command::PageIpc { webview: id, origin, body: value.to_string() });
            }
        });
        manager.register_script_message_handler(MESSAGE_HANDLER);
    }
    Ok(webview)
}

#[cfg(not(target_os = "linux"))]
fn build_in(builder: WebViewBuilder<'_>, window: &Window, id: u64) -> wry::Result<WebView> {
    builder
        .with_ipc_handler(move |request| {
            let origin = request.uri().to_string();
            send_internal(Command::PageIpc { webview: id, origin, body: request.into_body() });
        })
        .build(window)
}
