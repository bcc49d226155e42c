//! Options of apps, windows and webviews: the JSON objects that `transom_app_new`,
//! `transom_window_create`, `transom_window_set` and `transom_webview_create` take, and the
//! checks every payload goes through.
//!
//! Every option object is parsed here, on the calling thread, so that a bad option is reported by
//! the call that passed it (`TRANSOM_ERROR_INVALID_JSON` for bad syntax,
//! `TRANSOM_ERROR_INVALID_ARGUMENT` for an unknown option or a wrong type, naming the field).
//! Payloads are only checked for JSON syntax and size: the core never builds a tree from them.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Error, ErrorCode, Result};

/// The default of [`AppOptions::max_message_bytes`]: 64 MiB.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Options of an app (`transom_app_new`). Every field is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppOptions {
    /// The largest payload, in bytes of UTF-8 JSON text, that one message, invoke argument list or
    /// invoke result may have. Larger ones are refused with `TRANSOM_ERROR_TOO_LARGE`.
    /// Default 64 MiB.
    #[serde(default = "default_max_message_bytes")]
    pub max_message_bytes: usize,
}

fn default_max_message_bytes() -> usize {
    DEFAULT_MAX_MESSAGE_BYTES
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions { max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES }
    }
}

/// Options of a window (`transom_window_create`) and the properties that `transom_window_set`
/// changes later. Every field is optional; sizes and positions are in logical pixels (physical
/// pixels divided by the monitor's scale factor).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowOptions {
    /// Title bar text.
    pub title: Option<String>,
    /// Inner width in logical pixels (default 800).
    pub width: Option<f64>,
    /// Inner height in logical pixels (default 600).
    pub height: Option<f64>,
    /// Left edge of the window on the desktop, logical pixels.
    pub x: Option<f64>,
    /// Top edge of the window on the desktop, logical pixels.
    pub y: Option<f64>,
    /// Smallest inner width the user can resize to, logical pixels.
    pub min_width: Option<f64>,
    /// Smallest inner height the user can resize to, logical pixels.
    pub min_height: Option<f64>,
    /// Largest inner width the user can resize to, logical pixels.
    pub max_width: Option<f64>,
    /// Largest inner height the user can resize to, logical pixels.
    pub max_height: Option<f64>,
    /// Whether the user can resize the window (default true).
    pub resizable: Option<bool>,
    /// Whether the window has a title bar and borders (default true).
    pub decorations: Option<bool>,
    /// Whether the window is shown (default true).
    pub visible: Option<bool>,
    /// Whether the window stays above other windows (default false).
    pub always_on_top: Option<bool>,
    /// Whether the window is maximized (default false).
    pub maximized: Option<bool>,
    /// Whether the window is minimized (iconified; default false). `false` restores it. The
    /// window manager decides; without one nothing changes.
    pub minimized: Option<bool>,
    /// The colour scheme: `"light"`, `"dark"` or `"system"` (the default: follow the desktop).
    /// Pages see it in `prefers-color-scheme`; a change is reported as `theme-changed`.
    ///
    /// ## Platform-specific
    /// - **Linux:** GTK has one setting per process, so the last window set decides for all.
    pub theme: Option<ThemeOption>,
    /// Whether the window covers its monitor, borderless (default false).
    pub fullscreen: Option<bool>,
    /// Whether the window background is transparent (default false). Creation only.
    pub transparent: Option<bool>,
    /// When true, a close request (title-bar button, window manager) is only reported as
    /// `close-requested` and the program decides whether to call `transom_window_close`. When
    /// false (the default) the window closes after the event.
    pub close_guard: Option<bool>,
}

impl WindowOptions {
    fn validate(&self, what: &str) -> Result<()> {
        let sizes = [
            ("width", self.width),
            ("height", self.height),
            ("min_width", self.min_width),
            ("min_height", self.min_height),
            ("max_width", self.max_width),
            ("max_height", self.max_height),
        ];
        for (name, value) in sizes {
            if let Some(v) = value {
                check_pixels(what, name, v, Pixels::Size)?;
            }
        }
        for (name, value) in [("x", self.x), ("y", self.y)] {
            if let Some(v) = value {
                check_pixels(what, name, v, Pixels::Position)?;
            }
        }
        if self.x.is_some() != self.y.is_some() {
            return Err(Error::invalid_argument(format!("{what}: `x` and `y` must be given together")));
        }
        Ok(())
    }
}

/// A window's colour scheme (`theme` of [`WindowOptions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeOption {
    /// Light.
    Light,
    /// Dark.
    Dark,
    /// The desktop's.
    System,
}

/// An RGBA colour, each channel 0..=255.
pub type Rgba = (u8, u8, u8, u8);

/// Options of a webview (`transom_webview_create`). `url` and `html` exclude each other; with
/// neither the webview shows an empty page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebviewOptions {
    /// The page to load: `https://…`, `http://…`, `file://…`, `data:…`.
    pub url: Option<String>,
    /// An HTML document to show (its origin is opaque: `null`).
    pub html: Option<String>,
    /// JavaScript run in the main frame of every page before the page's own scripts, after
    /// `window.host` is defined.
    pub init_script: Option<String>,
    /// Whether the web inspector can be opened (default false).
    pub devtools: Option<bool>,
    /// The User-Agent header and `navigator.userAgent`; the engine's default when absent.
    pub user_agent: Option<String>,
    /// The colour shown before the page paints: `"#rrggbb"` or `"#rrggbbaa"`.
    pub background_color: Option<String>,
    /// A folder served at `transom://app/` (`index.html` for folders; nothing outside it). With
    /// neither `url` nor `html`, the webview opens `transom://app/`.
    pub assets: Option<String>,
    /// The Content-Security-Policy sent with every asset (default: `assets::DEFAULT_CSP`); `""`
    /// sends none.
    pub csp: Option<String>,
    /// `false` shows the page with no `window.host` at all and no way to reach the program
    /// (untrusted content). Default true.
    pub bridge: Option<bool>,
    /// Which main-frame navigations are allowed; without it every navigation is.
    pub navigation: Option<NavigationOptions>,
    /// What `window.open` and `target=_blank` do: `"block"` (default: only reported, as a
    /// `new-window-requested` event, so the program can open its own window) or `"browser"`
    /// (also opened in the system's browser).
    pub new_windows: Option<NewWindows>,
    /// The origins whose pages get `window.host` and may reach the program: exact origins
    /// (`https://example.com`, `http://localhost:8080`), subdomain patterns
    /// (`https://*.example.com`), `null` (opaque origins: HTML given as a string, `data:`) or `*`
    /// (every origin). Always allowed besides these: the origin of the first page (`url`; `null`
    /// for `html` and the empty page) and `transom://app` when the webview serves assets. A page
    /// of any other origin has no `window.host`, and anything that still reaches the host from it
    /// is dropped and reported as a `security` event.
    pub allowed_origins: Option<Vec<String>>,
    /// When true, requests for `transom://app/…` that the `assets` folder does not answer (or
    /// all of them, without `assets`) go to the program as `asset-request` events, answered
    /// with `transom_asset_respond`. Default false.
    pub assets_handler: Option<bool>,
    /// Whether the page may download files (default false: downloads are refused and reported
    /// as `download-blocked`). When true, `download-started` and `download-finished` report them.
    pub downloads: Option<bool>,
    /// The folder downloads are saved in (default: the engine's choice, usually the user's
    /// download folder). Only with `downloads: true`.
    pub download_folder: Option<String>,
    /// Left edge of the webview inside its window, logical pixels (with `y`, `width`,
    /// `height`). Without bounds, or with `fill: true`, the webview fills the window.
    pub x: Option<f64>,
    /// Top edge of the webview inside its window, logical pixels.
    pub y: Option<f64>,
    /// Width of the webview, logical pixels.
    pub width: Option<f64>,
    /// Height of the webview, logical pixels.
    pub height: Option<f64>,
    /// Whether the webview fills its window and follows its size (default: true when no bounds
    /// are given).
    pub fill: Option<bool>,
}

/// Where a webview sits in its window: the whole window, or a rectangle in logical pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bounds {
    /// The whole window, following its size.
    Fill,
    /// A fixed rectangle in logical pixels, relative to the window's content area.
    Rect {
        /// Left edge.
        x: f64,
        /// Top edge.
        y: f64,
        /// Width.
        width: f64,
        /// Height.
        height: f64,
    },
}

/// What `transom_webview_set` changes: the webview's place (the bounds fields of
/// [`WebviewOptions`]) and whether it is shown. Every field is optional; only those present
/// change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebviewProps {
    /// Left edge, logical pixels (with `y`, `width`, `height`).
    pub x: Option<f64>,
    /// Top edge, logical pixels.
    pub y: Option<f64>,
    /// Width, logical pixels.
    pub width: Option<f64>,
    /// Height, logical pixels.
    pub height: Option<f64>,
    /// `true`: fill the window again.
    pub fill: Option<bool>,
    /// Whether the webview is shown.
    pub visible: Option<bool>,
}

impl WebviewProps {
    /// Parses webview properties.
    pub fn parse(text: &str) -> Result<WebviewProps> {
        let props: WebviewProps = parse_object("webview properties", text)?;
        props.bounds()?;
        Ok(props)
    }

    /// The new place, if the properties give one.
    pub fn bounds(&self) -> Result<Option<Bounds>> {
        if self.fill.is_none() && [self.x, self.y, self.width, self.height].iter().all(Option::is_none) {
            return Ok(None);
        }
        bounds_of("webview properties", self.fill, [self.x, self.y, self.width, self.height]).map(Some)
    }
}

/// What a number of logical pixels is, for [`check_pixels`].
enum Pixels {
    /// A width or height: above 0, at most 100000.
    Size,
    /// A window's place on the desktop: -100000 to 100000.
    Position,
    /// A webview's place in its window: 0 to 100000.
    Offset,
}

/// Checks one number of logical pixels; the error names the field and the range.
fn check_pixels(what: &str, name: &str, v: f64, kind: Pixels) -> Result<()> {
    let (ok, range) = match kind {
        Pixels::Size => (v > 0.0 && v <= 100_000.0, "(0, 100000]"),
        Pixels::Position => (v.abs() <= 100_000.0, "[-100000, 100000]"),
        Pixels::Offset => ((0.0..=100_000.0).contains(&v), "[0, 100000]"),
    };
    if v.is_finite() && ok {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!("{what}: `{name}` must be a number of logical pixels in {range}, got {v}")))
    }
}

/// Checks the bounds fields of a webview: `fill: true` or nothing is the whole window; `x`, `y`,
/// `width`, `height` together are a rectangle (`x`, `y` from 0 to 100000, sizes above 0 up to
/// 100000 logical pixels).
fn bounds_of(what: &str, fill: Option<bool>, given: [Option<f64>; 4]) -> Result<Bounds> {
    let count = given.iter().filter(|v| v.is_some()).count();
    match (fill, count) {
        (Some(true), 0) | (None, 0) => Ok(Bounds::Fill),
        (Some(true), _) => Err(Error::invalid_argument(format!("{what}: `fill: true` excludes `x`, `y`, `width` and `height`"))),
        (Some(false), 0) => Err(Error::invalid_argument(format!("{what}: `fill: false` needs `x`, `y`, `width` and `height`"))),
        (_, 4) => {
            let [x, y, width, height] = given.map(|v| v.unwrap_or(0.0));
            for (name, v) in [("width", width), ("height", height)] {
                check_pixels(what, name, v, Pixels::Size)?;
            }
            for (name, v) in [("x", x), ("y", y)] {
                check_pixels(what, name, v, Pixels::Offset)?;
            }
            Ok(Bounds::Rect { x, y, width, height })
        }
        _ => Err(Error::invalid_argument(format!("{what}: `x`, `y`, `width` and `height` must be given together"))),
    }
}

/// A navigation allow-list: URL prefixes, `*` in the host for subdomains (`https://*.example.com`),
/// or `"*"`. The webview's own initial page, `about:` pages and its assets are always allowed. A
/// blocked navigation is reported as `navigation-blocked`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NavigationOptions {
    /// The allowed URL patterns.
    pub allow: Vec<String>,
}

/// What happens to a page's request for a new window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NewWindows {
    /// Reported only (`new-window-requested`).
    #[default]
    Block,
    /// Reported, and opened in the system's browser.
    Browser,
}

impl WebviewOptions {
    fn validate(&self, what: &str) -> Result<()> {
        if self.url.is_some() && self.html.is_some() {
            return Err(Error::invalid_argument(format!("{what}: `url` and `html` exclude each other")));
        }
        if let Some(url) = &self.url {
            check_url(url).map_err(|m| Error::invalid_argument(format!("{what}: `url` {m}")))?;
        }
        if let Some(folder) = &self.assets {
            if !std::path::Path::new(folder).is_dir() {
                return Err(Error::invalid_argument(format!("{what}: `assets` must be a folder, got {folder:?}")));
            }
        }
        if let Some(patterns) = &self.allowed_origins {
            for pattern in patterns {
                crate::security::normalize_origin_pattern(pattern)
                    .map_err(|m| Error::invalid_argument(format!("{what}: `allowed_origins`: {m}")))?;
            }
        }
        if self.download_folder.is_some() && self.downloads != Some(true) {
            return Err(Error::invalid_argument(format!("{what}: `download_folder` needs `downloads: true`")));
        }
        if let Some(folder) = &self.download_folder {
            if !std::path::Path::new(folder).is_dir() {
                return Err(Error::invalid_argument(format!("{what}: `download_folder` must be a folder, got {folder:?}")));
            }
        }
        self.bounds_checked(what)?;
        if let Some(color) = &self.background_color {
            parse_color(color).ok_or_else(|| {
                Error::invalid_argument(format!(
                    "{what}: `background_color` must be \"#rrggbb\" or \"#rrggbbaa\", got {color:?}"
                ))
            })?;
        }
        Ok(())
    }

    /// Where the webview sits, already validated.
    pub fn bounds(&self) -> Bounds {
        self.bounds_checked("webview options").unwrap_or(Bounds::Fill)
    }

    fn bounds_checked(&self, what: &str) -> Result<Bounds> {
        bounds_of(what, self.fill, [self.x, self.y, self.width, self.height])
    }

    /// The origins allowed to use the bridge (see [`WebviewOptions::allowed_origins`]), normalised:
    /// the given patterns, the first page's origin and, with assets, `transom://app`.
    pub(crate) fn origins(&self) -> Vec<String> {
        let mut origins: Vec<String> =
            self.allowed_origins.iter().flatten().filter_map(|p| crate::security::normalize_origin_pattern(p).ok()).collect();
        origins.push(match &self.url {
            Some(url) => crate::security::origin_of(url),
            None if self.assets.is_some() || self.assets_handler == Some(true) => "transom://app".to_owned(),
            None => "null".to_owned(),
        });
        if self.assets.is_some() || self.assets_handler == Some(true) {
            origins.push("transom://app".to_owned());
        }
        origins.sort();
        origins.dedup();
        origins
    }

    /// The background colour, already validated.
    pub fn background_rgba(&self) -> Option<Rgba> {
        self.background_color.as_deref().and_then(parse_color)
    }
}

/// Checks that `url` is absolute (`scheme:rest`, RFC 3986 section 3.1) and has no control
/// characters. The engine checks the rest when it loads it.
pub(crate) fn check_url(url: &str) -> std::result::Result<(), String> {
    let scheme_end = url.find(':').ok_or_else(|| format!("must be an absolute URL, got {url:?}"))?;
    let scheme = &url[..scheme_end];
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok {
        return Err(format!("must be an absolute URL with a scheme, got {url:?}"));
    }
    if url.chars().any(|c| c.is_control()) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

fn parse_color(text: &str) -> Option<Rgba> {
    let hex = text.strip_prefix('#')?;
    if !(hex.len() == 6 || hex.len() == 8) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    let alpha = if hex.len() == 8 { channel(6)? } else { 255 };
    Some((channel(0)?, channel(2)?, channel(4)?, alpha))
}

/// Parses an options object; errors name the field concerned. Text that is not JSON at all is
/// `InvalidJson` whatever shape it has, so syntax is checked before the typed parse.
fn parse_object<T: DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str::<&RawValue>(text).map_err(|e| Error::from_json(what, &e))?;
    // serde fills a struct from an array too, field by field in order (`[8]` would be
    // `{"max_message_bytes":8}`): options are an object only.
    if !text.trim_start().starts_with('{') {
        return Err(Error::invalid_argument(format!("{what} must be a JSON object")));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    // The syntax is known to be good here, so every error is about the shape: serde_json reports
    // some of those (a number where an enum's string goes) as syntax errors.
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        if path != "." {
            Error::invalid_argument(format!("{what}: field `{path}`: {}", err.inner()))
        } else {
            Error::invalid_argument(format!("{what} is invalid: {}", err.inner()))
        }
    })?;
    // Trailing characters after the object are a syntax error too.
    de.end().map_err(|e| Error::from_json(what, &e))?;
    Ok(value)
}

impl AppOptions {
    /// Parses app options; `None` or an empty object gives the defaults.
    pub fn parse(text: Option<&str>) -> Result<AppOptions> {
        match text {
            None => Ok(AppOptions::default()),
            Some(t) => {
                let options: AppOptions = parse_object("app options", t)?;
                if options.max_message_bytes == 0 {
                    return Err(Error::invalid_argument("app options: `max_message_bytes` must be at least 1"));
                }
                Ok(options)
            }
        }
    }
}

impl WindowOptions {
    /// Parses window options (`what` is "window options" or "window properties").
    pub fn parse(what: &str, text: &str) -> Result<WindowOptions> {
        let options: WindowOptions = parse_object(what, text)?;
        options.validate(what)?;
        Ok(options)
    }
}

impl WebviewOptions {
    /// Parses webview options.
    pub fn parse(text: &str) -> Result<WebviewOptions> {
        let options: WebviewOptions = parse_object("webview options", text)?;
        options.validate("webview options")?;
        Ok(options)
    }
}

/// Checks that `text` is one JSON value (RFC 8259) of at most `max_bytes` bytes, without building
/// a tree from it. `what` names the argument in the error.
pub fn check_payload(what: &str, text: &str, max_bytes: usize) -> Result<()> {
    if text.len() > max_bytes {
        return Err(Error::new(
            ErrorCode::TooLarge,
            format!("{what} is {} bytes, more than max_message_bytes ({max_bytes})", text.len()),
        ));
    }
    serde_json::from_str::<&RawValue>(text).map_err(|e| Error::from_json(what, &e))?;
    Ok(())
}

/// Like [`check_payload`], and the value must be a JSON array (invoke arguments).
pub fn check_array(what: &str, text: &str, max_bytes: usize) -> Result<()> {
    check_payload(what, text, max_bytes)?;
    if !text.trim_start().starts_with('[') {
        return Err(Error::invalid_argument(format!("{what} must be a JSON array")));
    }
    Ok(())
}

/// Checks a name (channel, invoke handler): non-empty, at most 256 bytes.
pub fn check_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 256 {
        return Err(Error::invalid_argument(format!("{what} must be 1 to 256 bytes long")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_window_option_names_the_field() {
        let err = WindowOptions::parse("window options", r#"{"titel":"x"}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert!(err.message.contains("titel"), "{}", err.message);
    }

    #[test]
    fn wrong_type_names_the_field() {
        let err = WindowOptions::parse("window options", r#"{"width":"wide"}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert!(err.message.contains("`width`"), "{}", err.message);
    }

    #[test]
    fn syntax_error_is_invalid_json() {
        let err = WindowOptions::parse("window options", r#"{"width":"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidJson);
        let err = WindowOptions::parse("window options", r#"{} x"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidJson);
        // Not JSON, even if its first token has the wrong type or names an unknown field.
        for text in ["1]);alert(1);//", r#"{"titel":1,"#] {
            assert_eq!(WindowOptions::parse("w", text).unwrap_err().code, ErrorCode::InvalidJson, "{text}");
        }
    }

    #[test]
    fn options_are_objects_only() {
        for text in ["[8]", "[8  ]", " [\"t\"]", "[]", "1", "\"x\"", "null"] {
            assert_eq!(AppOptions::parse(Some(text)).unwrap_err().code, ErrorCode::InvalidArgument, "{text}");
            assert_eq!(WindowOptions::parse("w", text).unwrap_err().code, ErrorCode::InvalidArgument, "{text}");
            assert_eq!(WebviewOptions::parse(text).unwrap_err().code, ErrorCode::InvalidArgument, "{text}");
        }
        assert!(AppOptions::parse(Some(" {\"max_message_bytes\":8}")).is_ok());
        // A wrong type where an enum goes is a wrong argument too, not bad JSON.
        let err = WindowOptions::parse("w", r#"{"title":"t","theme":6.40}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{}", err.message);
        assert!(err.message.contains("`theme`"), "{}", err.message);
    }

    #[test]
    fn sizes_are_checked() {
        assert!(WindowOptions::parse("w", r#"{"width":-1}"#).is_err());
        assert!(WindowOptions::parse("w", r#"{"x":1}"#).is_err());
        assert!(WindowOptions::parse("w", r#"{"width":640,"height":480,"x":0,"y":0}"#).is_ok());
    }

    #[test]
    fn webview_options() {
        assert!(WebviewOptions::parse(r#"{"url":"https://a","html":"x"}"#).is_err());
        assert!(WebviewOptions::parse(r#"{"url":"relative/path"}"#).is_err());
        assert_eq!(
            WebviewOptions::parse(r##"{"background_color":"#10203040"}"##).unwrap().background_rgba(),
            Some((0x10, 0x20, 0x30, 0x40))
        );
        assert!(WebviewOptions::parse(r##"{"background_color":"red"}"##).is_err());
    }

    #[test]
    fn payloads() {
        assert!(check_payload("p", r#"{"a":[1,2,"x"]}"#, 100).is_ok());
        assert_eq!(check_payload("p", "alert(1)", 100).unwrap_err().code, ErrorCode::InvalidJson);
        assert_eq!(check_payload("p", "1]); alert(1); ([", 100).unwrap_err().code, ErrorCode::InvalidJson);
        assert_eq!(check_payload("p", "[1,2,3]", 3).unwrap_err().code, ErrorCode::TooLarge);
        assert_eq!(check_array("a", "{}", 100).unwrap_err().code, ErrorCode::InvalidArgument);
    }
}
