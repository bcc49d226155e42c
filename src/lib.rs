//! # transom
//!
//! Native windows with embedded system webviews (WebKitGTK on Linux, WebView2 on Windows,
//! WKWebView on macOS, through `tao` and `wry`) and a fast message layer between a program and its
//! pages, for any language with a C FFI.
//!
//! - **In-process**: load `libtransom` and call the C API (`include/transom.h`) or this crate's
//!   [`App`]. The library runs its own GUI thread; every call may be made from any thread and only
//!   enqueues work.
//! - **Out-of-process**: spawn `transom-host` and speak the host protocol (docs/protocol.md) over
//!   its stdin and stdout.
//!
//! Pages get `window.host` (types in `src/page/host.d.ts`): `send`/`on`/`off`/`once` for
//! events, `invoke` for awaitable calls into the program, `handle` for calls from the program.
//!
//! ```no_run
//! let app = transom::App::new(None)?;
//! let window = app.create_window(r#"{"title":"hello","width":640,"height":480}"#)?;
//! let webview = app.create_webview(window, r#"{"html":"<script>host.send('hi', 42)</script>"}"#)?;
//! loop {
//!     let event = app.next_event(None)?;
//!     println!("{}", event.json());
//!     if event.kind() == transom::EventKind::Message {
//!         app.post(webview, "reply", r#"{"ok":true}"#)?;
//!     }
//!     if event.kind() == transom::EventKind::WindowDestroyed {
//!         break;
//!     }
//! }
//! # Ok::<(), transom::Error>(())
//! ```
//!
//! ## Threads
//! There is one GUI thread per process, shared by every [`App`]. Calls never wait for it, except
//! [`App::new`] (the first one waits for it to start), [`App::next_event`] and [`App::shutdown`].
//! Ids (windows, webviews, calls) are allocated by the caller, so a create call returns its id at
//! once; a failure that only the GUI thread can see arrives later as an `error` event naming it.
//!
//! ## Platform-specific
//! - **Linux:** needs GTK 3 and WebKitGTK 4.1 and a display (X11 or Wayland; `xvfb-run` works).
//! - **macOS:** the event loop must own the main thread: call `transom_app_run_main` from it.

#![warn(missing_docs)]

mod app;
mod assets;
mod error;
mod event;
pub mod ffi;
#[doc(hidden)]
pub mod fuzzing;
mod gui;
mod json;
mod options;
mod page;
pub mod protocol;
mod security;

pub use app::{App, EventCallback, EventNotify};
pub use error::{Error, ErrorCode, Result};
pub use event::{Event, EventKind};
pub use assets::DEFAULT_CSP;
pub use options::{AppOptions, Bounds, NavigationOptions, NewWindows, WebviewOptions, WebviewProps, WindowOptions, DEFAULT_MAX_MESSAGE_BYTES};

/// The library version (Cargo package version), e.g. `"0.1.0"`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The TypeScript declarations of the page-side `window.host` API.
pub const PAGE_TYPES: &str = include_str!("page/host.d.ts");
