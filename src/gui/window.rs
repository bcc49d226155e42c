//! Native windows: building a tao window from [`WindowOptions`] and applying property changes.

use tao::dpi::{LogicalPosition, LogicalSize};
use tao::event_loop::EventLoopWindowTarget;
use tao::window::{Fullscreen, Window, WindowBuilder};

use crate::error::{Error, ErrorCode, Result};
use crate::options::WindowOptions;

/// The largest size a window may be given, logical pixels (tao needs a number for "no maximum").
const NO_MAX: f64 = 100_000.0;

/// The size limits a window has now, so that a change of one field keeps the others.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Limits {
    min: (Option<f64>, Option<f64>),
    max: (Option<f64>, Option<f64>),
}

impl Limits {
    fn update(&mut self, o: &WindowOptions) {
        self.min.0 = o.min_width.or(self.min.0);
        self.min.1 = o.min_height.or(self.min.1);
        self.max.0 = o.max_width.or(self.max.0);
        self.max.1 = o.max_height.or(self.max.1);
    }
    fn min_size(&self) -> Option<LogicalSize<f64>> {
        (self.min.0.is_some() || self.min.1.is_some())
            .then(|| LogicalSize::new(self.min.0.unwrap_or(1.0), self.min.1.unwrap_or(1.0)))
    }
    fn max_size(&self) -> Option<LogicalSize<f64>> {
        (self.max.0.is_some() || self.max.1.is_some())
            .then(|| LogicalSize::new(self.max.0.unwrap_or(NO_MAX), self.max.1.unwrap_or(NO_MAX)))
    }
}

/// Builds a window. Options were validated by the caller.
pub(super) fn build(target: &EventLoopWindowTarget<()>, o: &WindowOptions) -> Result<(Window, Limits)> {
    let mut limits = Limits::default();
    limits.update(o);
    let mut builder = WindowBuilder::new()
        .with_title(o.title.clone().unwrap_or_else(|| "transom".into()))
        .with_inner_size(LogicalSize::new(o.width.unwrap_or(800.0), o.height.unwrap_or(600.0)))
        .with_resizable(o.resizable.unwrap_or(true))
        .with_decorations(o.decorations.unwrap_or(true))
        .with_visible(o.visible.unwrap_or(true))
        .with_always_on_top(o.always_on_top.unwrap_or(false))
        .with_maximized(o.maximized.unwrap_or(false))
        .with_theme(o.theme.and_then(tao_theme))
        .with_transparent(o.transparent.unwrap_or(false));
    if let (Some(x), Some(y)) = (o.x, o.y) {
        builder = builder.with_position(LogicalPosition::new(x, y));
    }
    if let Some(size) = limits.min_size() {
        builder = builder.with_min_inner_size(size);
    }
    if let Some(size) = limits.max_size() {
        builder = builder.with_max_inner_size(size);
    }
    if o.fullscreen == Some(true) {
        builder = builder.with_fullscreen(Some(Fullscreen::Borderless(None)));
    }
    let window = builder
        .build(target)
        .map_err(|e| Error::new(ErrorCode::Platform, format!("the windowing system refused the window: {e}")))?;
    Ok((window, limits))
}

/// Applies the properties present in `p` to a window.
pub(super) fn apply(window: &Window, limits: &mut Limits, p: &WindowOptions) {
    if let Some(title) = &p.title {
        window.set_title(title);
    }
    if p.width.is_some() || p.height.is_some() {
        let now = window.inner_size().to_logical::<f64>(window.scale_factor());
        window.set_inner_size(LogicalSize::new(p.width.unwrap_or(now.width), p.height.unwrap_or(now.height)));
    }
    if let (Some(x), Some(y)) = (p.x, p.y) {
        window.set_outer_position(LogicalPosition::new(x, y));
    }
    if [p.min_width, p.min_height, p.max_width, p.max_height].iter().any(Option::is_some) {
        limits.update(p);
        window.set_min_inner_size(limits.min_size());
        window.set_max_inner_size(limits.max_size());
    }
    if let Some(v) = p.resizable {
        window.set_resizable(v);
    }
    if let Some(v) = p.decorations {
        window.set_decorations(v);
    }
    if let Some(v) = p.visible {
        window.set_visible(v);
    }
    if let Some(v) = p.always_on_top {
        window.set_always_on_top(v);
    }
    if let Some(v) = p.maximized {
        window.set_maximized(v);
    }
    if let Some(v) = p.minimized {
        window.set_minimized(v);
    }
    if let Some(theme) = p.theme {
        window.set_theme(tao_theme(theme));
    }
    if let Some(v) = p.fullscreen {
        window.set_fullscreen(v.then_some(Fullscreen::Borderless(None)));
    }
}

/// tao's theme for a `theme` option; `None` follows the desktop.
fn tao_theme(theme: crate::options::ThemeOption) -> Option<tao::window::Theme> {
    match theme {
        crate::options::ThemeOption::Light => Some(tao::window::Theme::Light),
        crate::options::ThemeOption::Dark => Some(tao::window::Theme::Dark),
        crate::options::ThemeOption::System => None,
    }
}
