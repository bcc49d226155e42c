//! transom for Zig: native windows with system webviews and a message layer between the program
//! and its pages, over the C API (`include/transom.h`, translated by the build system: see
//! build.zig). The C functions stay reachable as `transom.c`.
//!
//! ```zig
//! var app = try transom.App.init(gpa, .{});
//! defer app.deinit();
//! const window = try app.createWindow(.{ .title = "hello", .width = 640, .height = 480 });
//! const webview = try window.createWebview(.{ .html = "<script>host.send('hi', 42)</script>" });
//! while (true) {
//!     var event = try app.nextEvent(null);
//!     defer event.deinit();
//!     switch (event.data) {
//!         .message => |m| std.debug.print("{s}: {f}\n", .{ m.channel, std.json.fmt(m.payload, .{}) }),
//!         .window_destroyed => break,
//!         else => {},
//!     }
//! }
//! ```
//!
//! Conventions:
//! - Every fallible call returns an error union. transom's result codes are the errors of `Error`
//!   (`TRANSOM_ERROR_NOT_FOUND` is `error.NotFound`); the detail of the last failure on the calling
//!   thread is `lastErrorMessage()`. Strings are slices; a slice with a NUL byte in it cannot reach
//!   C and is refused with `error.ContainsNul`. Copies made to add the NUL terminator use the
//!   allocator given to `App.init`.
//! - Payloads, arguments and values are JSON text (`[]const u8`, checked by transom: text that is
//!   not JSON is `error.InvalidJson`); the `...Value` variants serialize a Zig value with std.json.
//! - Ids are `u64`, never 0. `Window`, `Webview` and `Channel` are small values (the app and an
//!   id) that may be copied freely; they do not own anything.
//! - Every function may be called from any thread (see the C header).

const std = @import("std");
const builtin = @import("builtin");
const Allocator = std.mem.Allocator;

/// The C API as translated from include/transom.h.
pub const c = @import("c");

// ---------------------------------------------------------------------------------------------
// Errors and versions

/// transom's result codes, as Zig errors (numbers and meaning: include/transom.h).
pub const Error = error{
    NullArgument,
    InvalidUtf8,
    InvalidJson,
    InvalidArgument,
    NotFound,
    Closed,
    Timeout,
    TooLarge,
    Unsupported,
    Platform,
    Panic,
    WouldBlock,
    Cancelled,
    /// A result code this binding does not know (a newer library); see `lastErrorMessage()`.
    Unknown,
};

/// What a call that copies strings for C can fail with: transom's errors, running out of memory,
/// and `error.ContainsNul` for a string with a NUL byte inside.
pub const CallError = Error || Allocator.Error || error{ContainsNul};

const codes = [_]struct { code: c_int, err: Error, name: []const u8 }{
    .{ .code = c.TRANSOM_ERROR_NULL_ARGUMENT, .err = error.NullArgument, .name = "TRANSOM_ERROR_NULL_ARGUMENT" },
    .{ .code = c.TRANSOM_ERROR_INVALID_UTF8, .err = error.InvalidUtf8, .name = "TRANSOM_ERROR_INVALID_UTF8" },
    .{ .code = c.TRANSOM_ERROR_INVALID_JSON, .err = error.InvalidJson, .name = "TRANSOM_ERROR_INVALID_JSON" },
    .{ .code = c.TRANSOM_ERROR_INVALID_ARGUMENT, .err = error.InvalidArgument, .name = "TRANSOM_ERROR_INVALID_ARGUMENT" },
    .{ .code = c.TRANSOM_ERROR_NOT_FOUND, .err = error.NotFound, .name = "TRANSOM_ERROR_NOT_FOUND" },
    .{ .code = c.TRANSOM_ERROR_CLOSED, .err = error.Closed, .name = "TRANSOM_ERROR_CLOSED" },
    .{ .code = c.TRANSOM_ERROR_TIMEOUT, .err = error.Timeout, .name = "TRANSOM_ERROR_TIMEOUT" },
    .{ .code = c.TRANSOM_ERROR_TOO_LARGE, .err = error.TooLarge, .name = "TRANSOM_ERROR_TOO_LARGE" },
    .{ .code = c.TRANSOM_ERROR_UNSUPPORTED, .err = error.Unsupported, .name = "TRANSOM_ERROR_UNSUPPORTED" },
    .{ .code = c.TRANSOM_ERROR_PLATFORM, .err = error.Platform, .name = "TRANSOM_ERROR_PLATFORM" },
    .{ .code = c.TRANSOM_ERROR_PANIC, .err = error.Panic, .name = "TRANSOM_ERROR_PANIC" },
    .{ .code = c.TRANSOM_ERROR_WOULD_BLOCK, .err = error.WouldBlock, .name = "TRANSOM_ERROR_WOULD_BLOCK" },
    .{ .code = c.TRANSOM_ERROR_CANCELLED, .err = error.Cancelled, .name = "TRANSOM_ERROR_CANCELLED" },
};

/// Turns a `transom_result` into an error union: `TRANSOM_OK` is success.
pub fn check(result: c.transom_result) Error!void {
    if (result == c.TRANSOM_OK) return;
    inline for (codes) |entry| {
        if (result == entry.code) return entry.err;
    }
    return error.Unknown;
}

/// The error of a code name as events carry it (`"code":"TRANSOM_ERROR_TIMEOUT"`), or null.
pub fn errorFromName(name: []const u8) ?Error {
    inline for (codes) |entry| {
        if (std.mem.eql(u8, name, entry.name)) return entry.err;
    }
    return null;
}

/// The C name of an error: `error.NotFound` -> `"TRANSOM_ERROR_NOT_FOUND"`.
pub fn errorName(err: Error) []const u8 {
    inline for (codes) |entry| {
        if (err == entry.err) return entry.name;
    }
    return "TRANSOM_ERROR_UNKNOWN";
}

/// The detail of the last failed call on the calling thread (`"TRANSOM_ERROR_NOT_FOUND: no open
/// window with id 7"`), or `""`. Valid until the next failing call on this thread: copy it to keep it.
pub fn lastErrorMessage() []const u8 {
    return std.mem.span(c.transom_last_error_message());
}

/// The version of the loaded library, `"MAJOR.MINOR.PATCH"`.
pub fn version() []const u8 {
    return std.mem.span(c.transom_version());
}

/// The version of the header this binding was built with (`TRANSOM_VERSION_*`).
pub const header_version: std.SemanticVersion = .{
    .major = c.TRANSOM_VERSION_MAJOR,
    .minor = c.TRANSOM_VERSION_MINOR,
    .patch = c.TRANSOM_VERSION_PATCH,
};

// ---------------------------------------------------------------------------------------------
// Options

/// Options of `App.init` (docs/protocol.md, "App options"). Null fields are left out.
pub const AppOptions = struct {
    /// The largest payload in bytes (default 64 MiB).
    max_message_bytes: ?u64 = null,
};

/// Options of `App.createWindow` and properties of `Window.set` (docs/protocol.md, "Window
/// options"). Null fields are left out: transom's defaults apply, or, for `set`, nothing changes.
pub const WindowOptions = struct {
    title: ?[]const u8 = null,
    width: ?f64 = null,
    height: ?f64 = null,
    x: ?f64 = null,
    y: ?f64 = null,
    min_width: ?f64 = null,
    min_height: ?f64 = null,
    max_width: ?f64 = null,
    max_height: ?f64 = null,
    resizable: ?bool = null,
    decorations: ?bool = null,
    visible: ?bool = null,
    always_on_top: ?bool = null,
    maximized: ?bool = null,
    /// Minimized (iconified); `false` restores. The window manager carries it out.
    minimized: ?bool = null,
    fullscreen: ?bool = null,
    /// `"light"`, `"dark"` or `"system"`.
    theme: ?[]const u8 = null,
    /// Creation only.
    transparent: ?bool = null,
    /// When true a close request only sends `close_requested`; the program decides.
    close_guard: ?bool = null,
};

/// Options of `Window.createWebview` (docs/protocol.md, "Webview options"). `url` and `html`
/// exclude each other.
pub const WebviewOptions = struct {
    url: ?[]const u8 = null,
    html: ?[]const u8 = null,
    init_script: ?[]const u8 = null,
    devtools: ?bool = null,
    user_agent: ?[]const u8 = null,
    /// `"#rrggbb"` or `"#rrggbbaa"`.
    background_color: ?[]const u8 = null,
    /// A folder served at `transom://app/`.
    assets: ?[]const u8 = null,
    /// The assets' Content-Security-Policy (`""`: none).
    csp: ?[]const u8 = null,
    /// `true`: what `assets` has no file for comes as `asset_request` events (`App.respondAsset`).
    assets_handler: ?bool = null,
    /// `false`: no `window.host` at all.
    bridge: ?bool = null,
    /// More origins whose pages get `window.host` (`"https://*.example.com"`, `"null"`, `"*"`).
    allowed_origins: ?[]const []const u8 = null,
    /// `true`: pages may download files (`download_started`, `download_finished`).
    downloads: ?bool = null,
    download_folder: ?[]const u8 = null,
    /// The webview's rectangle in the window (all four, logical pixels); without it, it fills.
    x: ?f64 = null,
    y: ?f64 = null,
    width: ?f64 = null,
    height: ?f64 = null,
    fill: ?bool = null,
};

/// Properties of `Webview.set`: a rectangle (all four) or `fill`, and `visible`.
pub const WebviewProps = struct {
    x: ?f64 = null,
    y: ?f64 = null,
    width: ?f64 = null,
    height: ?f64 = null,
    fill: ?bool = null,
    visible: ?bool = null,
};

/// `value` as JSON text, owned by the caller.
pub fn stringifyAlloc(allocator: Allocator, value: anytype) Allocator.Error![]u8 {
    return std.json.Stringify.valueAlloc(allocator, value, .{ .emit_null_optional_fields = false });
}

// A NUL-terminated copy of `s` for C.
fn dupeZ(allocator: Allocator, s: []const u8) CallError![:0]u8 {
    if (std.mem.indexOfScalar(u8, s, 0) != null) return error.ContainsNul;
    return allocator.dupeSentinel(u8, s, 0);
}

// ---------------------------------------------------------------------------------------------
// App

/// An app: windows, webviews and one event stream. A handle: copies refer to the same app; call
/// `deinit` once.
pub const App = struct {
    handle: *c.transom_app,
    /// Used for the NUL-terminated copies of strings and for events. Must be thread-safe if the
    /// app is used from several threads or with `setEventCallback`.
    allocator: Allocator,

    /// Creates an app. The first app of a process starts the GUI thread.
    /// Errors: `error.InvalidArgument` (bad option), `error.Platform` (no display, no WebKitGTK).
    pub fn init(allocator: Allocator, options: AppOptions) CallError!App {
        const json = try stringifyAlloc(allocator, options);
        defer allocator.free(json);
        return initJson(allocator, json);
    }

    /// Creates an app from options as JSON text (null: defaults).
    pub fn initJson(allocator: Allocator, options_json: ?[]const u8) CallError!App {
        const z: ?[:0]u8 = if (options_json) |json| try dupeZ(allocator, json) else null;
        defer if (z) |s| allocator.free(s);
        var out: ?*c.transom_app = null;
        try check(c.transom_app_new(if (z) |s| s.ptr else null, &out));
        return .{ .handle = out.?, .allocator = allocator };
    }

    /// Shuts the app down if needed and frees it. No other thread may use the app afterwards.
    pub fn deinit(self: App) void {
        c.transom_app_free(self.handle);
    }

    /// Closes every window, ends every pending call and stops the app; afterwards calls fail with
    /// `error.Closed` and `nextEvent` returns the events left, then `error.Closed`.
    pub fn shutdown(self: App) Error!void {
        return check(c.transom_app_shutdown(self.handle));
    }

    /// macOS: runs the event loop on the calling (main) thread until the app shuts down.
    /// Elsewhere: waits until the app shuts down.
    pub fn runMain(self: App) Error!void {
        return check(c.transom_app_run_main(self.handle));
    }

    /// Opens a window; its id is valid at once and `window_created` follows.
    pub fn createWindow(self: App, options: WindowOptions) CallError!Window {
        const json = try stringifyAlloc(self.allocator, options);
        defer self.allocator.free(json);
        return self.createWindowJson(json);
    }

    /// Opens a window with options as JSON text.
    pub fn createWindowJson(self: App, options_json: []const u8) CallError!Window {
        const z = try dupeZ(self.allocator, options_json);
        defer self.allocator.free(z);
        var id: u64 = 0;
        try check(c.transom_window_create(self.handle, z.ptr, &id));
        return .{ .app = self, .id = id };
    }

    /// The window with this id (no check: calls on an unknown id fail with `error.NotFound`).
    pub fn window(self: App, id: u64) Window {
        return .{ .app = self, .id = id };
    }

    /// The webview with this id (no check).
    pub fn webview(self: App, id: u64) Webview {
        return .{ .app = self, .id = id };
    }

    /// The channel with this id (no check), e.g. from a `channel_open` event.
    pub fn channel(self: App, id: u64) Channel {
        return .{ .app = self, .id = id };
    }

    /// Sends `payload_json` on `channel_name` to every webview of the app.
    pub fn broadcast(self: App, channel_name: []const u8, payload_json: []const u8) CallError!void {
        return postTo(self, 0, channel_name, payload_json);
    }

    /// Sends `value` (serialized with std.json) on `channel_name` to every webview of the app.
    pub fn broadcastValue(self: App, channel_name: []const u8, value: anytype) CallError!void {
        const json = try stringifyAlloc(self.allocator, value);
        defer self.allocator.free(json);
        return postTo(self, 0, channel_name, json);
    }

    /// Lets pages call `name` with `host.invoke(name, ...)` (`transom_handle`): only registered
    /// names reach the program as `invoke` events; page calls to any other name are refused in
    /// the page with "no handler named NAME". The list belongs to the app. Any thread. (Named
    /// `handleName`, as `handle` is the C handle field.)
    pub fn handleName(self: App, name: []const u8) CallError!void {
        const z = try dupeZ(self.allocator, name);
        defer self.allocator.free(z);
        return check(c.transom_handle(self.handle, z.ptr));
    }

    /// Takes `name` off the handler allow-list (`transom_unhandle`); `error.NotFound` when it
    /// was not registered.
    pub fn unhandleName(self: App, name: []const u8) CallError!void {
        const z = try dupeZ(self.allocator, name);
        defer self.allocator.free(z);
        return check(c.transom_unhandle(self.handle, z.ptr));
    }

    /// Answers an `asset_request` event (`transom_asset_respond`): HTTP `status`, `headers_json`
    /// (a JSON object of strings, or null) and `body` (copied).
    pub fn respondAsset(self: App, request: u64, status: u16, headers_json: ?[]const u8, body: []const u8) CallError!void {
        const headers = if (headers_json) |h| try dupeZ(self.allocator, h) else null;
        defer if (headers) |h| self.allocator.free(h);
        return check(c.transom_asset_respond(self.handle, request, status, if (headers) |h| h.ptr else null, body.ptr, body.len));
    }

    /// Answers a page's call (the `call` of an `invoke` event): its Promise resolves with
    /// `value_json`.
    pub fn resolve(self: App, call: u64, value_json: []const u8) CallError!void {
        const z = try dupeZ(self.allocator, value_json);
        defer self.allocator.free(z);
        return check(c.transom_resolve(self.handle, call, z.ptr));
    }

    /// Like `resolve` with a Zig value serialized with std.json.
    pub fn resolveValue(self: App, call: u64, value: anytype) CallError!void {
        const json = try stringifyAlloc(self.allocator, value);
        defer self.allocator.free(json);
        return self.resolve(call, json);
    }

    /// Answers a page's call with an error: its Promise rejects with `Error(message)`.
    pub fn reject(self: App, call: u64, message: []const u8) CallError!void {
        const z = try dupeZ(self.allocator, message);
        defer self.allocator.free(z);
        return check(c.transom_reject(self.handle, call, z.ptr));
    }

    /// Cancels a call the program made with `Webview.invoke`; its `invoke_result` follows with
    /// code `TRANSOM_ERROR_CANCELLED`.
    pub fn cancelInvoke(self: App, call: u64) Error!void {
        return check(c.transom_invoke_cancel(self.handle, call));
    }

    /// Sets the shared state `key` to `value_json`: every webview sees it, `state_changed` follows.
    pub fn setState(self: App, key: []const u8, value_json: []const u8) CallError!void {
        const k = try dupeZ(self.allocator, key);
        defer self.allocator.free(k);
        const v = try dupeZ(self.allocator, value_json);
        defer self.allocator.free(v);
        return check(c.transom_state_set(self.handle, k.ptr, v.ptr));
    }

    /// Like `setState` with a Zig value serialized with std.json.
    pub fn setStateValue(self: App, key: []const u8, value: anytype) CallError!void {
        const json = try stringifyAlloc(self.allocator, value);
        defer self.allocator.free(json);
        return self.setState(key, json);
    }

    /// The shared state `key` as JSON text, owned by the caller (free it with `allocator`).
    /// `error.NotFound` if it was never set.
    pub fn getState(self: App, allocator: Allocator, key: []const u8) CallError![]u8 {
        const k = try dupeZ(self.allocator, key);
        defer self.allocator.free(k);
        var out: [*c]u8 = null;
        try check(c.transom_state_get(self.handle, k.ptr, &out));
        defer c.transom_string_free(out);
        return allocator.dupe(u8, std.mem.span(out));
    }

    /// Runs one host-protocol command in-process (docs/protocol.md) and returns the reply JSON,
    /// owned by the caller (free it with `allocator`).
    pub fn sendJson(self: App, allocator: Allocator, command_json: []const u8) CallError![]u8 {
        const z = try dupeZ(self.allocator, command_json);
        defer self.allocator.free(z);
        var out: [*c]u8 = null;
        try check(c.transom_send_json(self.handle, z.ptr, &out));
        defer c.transom_string_free(out);
        return allocator.dupe(u8, std.mem.span(out));
    }

    /// Takes the next event, waiting at most `timeout_ms` milliseconds (null: no limit, 0: only
    /// look). Free it with `Event.deinit`.
    /// Errors: `error.Timeout` (nothing in time), `error.Closed` (shut down, every event taken),
    /// `error.OutOfMemory`, `error.BadEvent` (event JSON this binding cannot read: a bug).
    pub fn nextEvent(self: App, timeout_ms: ?u31) (Error || Allocator.Error || error{BadEvent})!Event {
        var raw: ?*c.transom_event = null;
        try check(c.transom_event_next(self.handle, if (timeout_ms) |ms| ms else -1, &raw));
        return Event.fromRaw(self.allocator, .{ .handle = raw.? });
    }

    /// A file descriptor that is readable while events are pending (Linux), or null: poll it, then
    /// take events with `nextEvent(0)` until `error.Timeout`. Never read or close it.
    pub fn eventFd(self: App) ?std.posix.fd_t {
        const fd = c.transom_event_fd(self.handle);
        return if (fd < 0) null else fd;
    }

    /// Delivers every event to `handler(context, event)` on the GUI thread instead of queueing it.
    /// The handler owns the event: call `event.deinit()` (now or later, on any thread), or
    /// `event.parse(allocator)` to get an `Event`. It must return quickly and must not call
    /// `nextEvent`. `context` is a pointer that must stay valid until the app is freed or
    /// `clearEventCallback` returns.
    pub fn setEventCallback(
        self: App,
        comptime Context: type,
        context: Context,
        comptime handler: fn (Context, RawEvent) void,
    ) Error!void {
        const Trampoline = struct {
            fn call(event: ?*c.transom_event, userdata: ?*anyopaque) callconv(.c) void {
                const ev = event orelse return;
                handler(@ptrCast(@alignCast(userdata)), .{ .handle = ev });
            }
        };
        return check(c.transom_set_event_callback(self.handle, Trampoline.call, @ptrCast(@constCast(context))));
    }

    /// Goes back to queueing events for `nextEvent`.
    pub fn clearEventCallback(self: App) Error!void {
        return check(c.transom_set_event_callback(self.handle, null, null));
    }
};

fn postTo(app: App, webview_id: u64, channel_name: []const u8, payload_json: []const u8) CallError!void {
    const ch = try dupeZ(app.allocator, channel_name);
    defer app.allocator.free(ch);
    const payload = try dupeZ(app.allocator, payload_json);
    defer app.allocator.free(payload);
    return check(c.transom_post(app.handle, webview_id, ch.ptr, payload.ptr));
}

// ---------------------------------------------------------------------------------------------
// Window, Webview, Channel

/// A window of an app.
pub const Window = struct {
    app: App,
    id: u64,

    /// Creates the window's webview (one per window); its id is valid at once, `webview_created`
    /// follows.
    pub fn createWebview(self: Window, options: WebviewOptions) CallError!Webview {
        const json = try stringifyAlloc(self.app.allocator, options);
        defer self.app.allocator.free(json);
        return self.createWebviewJson(json);
    }

    /// Creates the window's webview with options as JSON text.
    pub fn createWebviewJson(self: Window, options_json: []const u8) CallError!Webview {
        const z = try dupeZ(self.app.allocator, options_json);
        defer self.app.allocator.free(z);
        var id: u64 = 0;
        try check(c.transom_webview_create(self.app.handle, self.id, z.ptr, &id));
        return .{ .app = self.app, .id = id };
    }

    /// Changes window properties; only the fields given change (`transparent` is refused).
    pub fn set(self: Window, props: WindowOptions) CallError!void {
        const json = try stringifyAlloc(self.app.allocator, props);
        defer self.app.allocator.free(json);
        return self.setJson(json);
    }

    /// Changes window properties given as JSON text.
    pub fn setJson(self: Window, props_json: []const u8) CallError!void {
        const z = try dupeZ(self.app.allocator, props_json);
        defer self.app.allocator.free(z);
        return check(c.transom_window_set(self.app.handle, self.id, z.ptr));
    }

    /// Sends `payload_json` on `channel_name` to the page of this window's webview.
    pub fn post(self: Window, channel_name: []const u8, payload_json: []const u8) CallError!void {
        const ch = try dupeZ(self.app.allocator, channel_name);
        defer self.app.allocator.free(ch);
        const payload = try dupeZ(self.app.allocator, payload_json);
        defer self.app.allocator.free(payload);
        return check(c.transom_post_window(self.app.handle, self.id, ch.ptr, payload.ptr));
    }

    /// Closes the window and its webview; `webview_destroyed` and `window_destroyed` follow.
    pub fn close(self: Window) Error!void {
        return check(c.transom_window_close(self.app.handle, self.id));
    }
};

/// The webview of a window: one page at a time, with `window.host` in it.
pub const Webview = struct {
    app: App,
    id: u64,

    /// Sends `payload_json` on `channel_name` to the page (`host.on(channel, fn)`).
    pub fn post(self: Webview, channel_name: []const u8, payload_json: []const u8) CallError!void {
        return postTo(self.app, self.id, channel_name, payload_json);
    }

    /// Sends `value`, serialized with std.json, on `channel_name` to the page.
    pub fn postValue(self: Webview, channel_name: []const u8, value: anytype) CallError!void {
        const json = try stringifyAlloc(self.app.allocator, value);
        defer self.app.allocator.free(json);
        return self.post(channel_name, json);
    }

    /// Sends bytes on `channel_name`; the page's listeners get a `Uint8Array`.
    pub fn postBytes(self: Webview, channel_name: []const u8, bytes: []const u8) CallError!void {
        const ch = try dupeZ(self.app.allocator, channel_name);
        defer self.app.allocator.free(ch);
        return check(c.transom_post_bytes(self.app.handle, self.id, ch.ptr, bytes.ptr, bytes.len));
    }

    /// Calls the page handler `name` (`host.handle(name, fn)`) with `args_json`, a JSON array.
    /// Returns the call id at once; an `invoke_result` event with that `call` follows.
    /// `timeout_ms` 0: no limit.
    pub fn invoke(self: Webview, name: []const u8, args_json: []const u8, timeout_ms: u32) CallError!u64 {
        const n = try dupeZ(self.app.allocator, name);
        defer self.app.allocator.free(n);
        const args = try dupeZ(self.app.allocator, args_json);
        defer self.app.allocator.free(args);
        var call: u64 = 0;
        try check(c.transom_invoke(self.app.handle, self.id, n.ptr, args.ptr, timeout_ms, &call));
        return call;
    }

    /// Like `invoke` with the arguments as a tuple, serialized as a JSON array: `.{ 6, 7 }`.
    pub fn invokeValues(self: Webview, name: []const u8, args: anytype, timeout_ms: u32) CallError!u64 {
        const json = try stringifyAlloc(self.app.allocator, args);
        defer self.app.allocator.free(json);
        return self.invoke(name, json, timeout_ms);
    }

    /// Moves, resizes, shows or hides the webview (`transom_webview_set`).
    pub fn set(self: Webview, props: WebviewProps) CallError!void {
        const json = try stringifyAlloc(self.app.allocator, props);
        defer self.app.allocator.free(json);
        const z = try dupeZ(self.app.allocator, json);
        defer self.app.allocator.free(z);
        return check(c.transom_webview_set(self.app.handle, self.id, z.ptr));
    }

    /// Runs `script` in the page's main frame (its value is not reported: use `invoke`).
    pub fn eval(self: Webview, script: []const u8) CallError!void {
        const z = try dupeZ(self.app.allocator, script);
        defer self.app.allocator.free(z);
        return check(c.transom_webview_eval(self.app.handle, self.id, z.ptr));
    }

    /// Loads `url` (absolute); calls pending in the current page are rejected.
    pub fn navigate(self: Webview, url: []const u8) CallError!void {
        const z = try dupeZ(self.app.allocator, url);
        defer self.app.allocator.free(z);
        return check(c.transom_webview_navigate(self.app.handle, self.id, z.ptr));
    }

    /// Opens a channel `name` to the page (`host.onChannel(name, fn)` there).
    pub fn openChannel(self: Webview, name: []const u8) CallError!Channel {
        const z = try dupeZ(self.app.allocator, name);
        defer self.app.allocator.free(z);
        var id: u64 = 0;
        try check(c.transom_channel_open(self.app.handle, self.id, z.ptr, &id));
        return .{ .app = self.app, .id = id };
    }
};

/// An ordered stream to or from one page, with backpressure: `send` returns `error.WouldBlock`
/// when 4 MiB are in flight; send again after `channel_ready`.
pub const Channel = struct {
    app: App,
    id: u64,

    pub fn send(self: Channel, payload_json: []const u8) CallError!void {
        const z = try dupeZ(self.app.allocator, payload_json);
        defer self.app.allocator.free(z);
        return check(c.transom_channel_send(self.app.handle, self.id, z.ptr));
    }

    pub fn sendValue(self: Channel, value: anytype) CallError!void {
        const json = try stringifyAlloc(self.app.allocator, value);
        defer self.app.allocator.free(json);
        return self.send(json);
    }

    pub fn sendBytes(self: Channel, bytes: []const u8) Error!void {
        return check(c.transom_channel_send_bytes(self.app.handle, self.id, bytes.ptr, bytes.len));
    }

    pub fn close(self: Channel) Error!void {
        return check(c.transom_channel_close(self.app.handle, self.id));
    }
};

// ---------------------------------------------------------------------------------------------
// Events

/// The kind of an event (`enum transom_event_kind`). Non-exhaustive: newer libraries add kinds.
pub const Kind = enum(u32) {
    none = 0,
    window_created = 1,
    close_requested = 2,
    window_destroyed = 3,
    focus = 4,
    blur = 5,
    resize = 6,
    move = 7,
    page_load = 8,
    title_changed = 9,
    message = 10,
    invoke = 11,
    invoke_result = 12,
    @"error" = 13,
    webview_created = 14,
    webview_destroyed = 15,
    security = 16,
    channel_open = 17,
    channel_message = 18,
    channel_close = 19,
    channel_ready = 20,
    state_changed = 21,
    invoke_cancelled = 22,
    _,
};

/// Fields of the events about a window.
pub const WindowEvent = struct { window: u64 };
/// Fields of `webview_created` and `webview_destroyed`.
pub const WebviewEvent = struct { window: u64 = 0, webview: u64 };
pub const Resize = struct { window: u64, width: ?f64 = null, height: ?f64 = null };
pub const Move = struct { window: u64, x: ?f64 = null, y: ?f64 = null };
pub const PageLoad = struct {
    window: u64 = 0,
    webview: u64,
    state: enum { started, finished },
    url: []const u8 = "",
};
pub const TitleChanged = struct { window: u64 = 0, webview: u64, title: []const u8 = "" };
/// The page called `host.send(channel, data)`.
pub const Message = struct {
    window: u64 = 0,
    webview: u64,
    channel: []const u8,
    payload: std.json.Value = .null,
};
/// The page called `host.invoke(name, ...args)`: answer with `App.resolve` or `App.reject`.
pub const Invoke = struct {
    window: u64 = 0,
    webview: u64,
    call: u64,
    name: []const u8,
    /// A JSON array.
    args: std.json.Value = .null,
};
/// A call the program made with `Webview.invoke` ended.
pub const InvokeResult = struct {
    window: u64 = 0,
    webview: u64 = 0,
    call: u64,
    ok: bool,
    /// The handler's value when `ok`.
    value: std.json.Value = .null,
    /// The message when not `ok`.
    @"error": ?[]const u8 = null,
    /// Set when transom ended the call (timeout, page gone, shutdown, cancel, too large).
    code: ?[]const u8 = null,

    /// The error of `code`, if transom ended the call.
    pub fn errorCode(self: InvokeResult) ?Error {
        return if (self.code) |name| errorFromName(name) else null;
    }
};
/// An operation accepted earlier failed on the GUI thread (`id`: the window or webview).
pub const ErrorEvent = struct {
    id: u64,
    code: []const u8,
    message: []const u8 = "",

    pub fn errorCode(self: ErrorEvent) ?Error {
        return errorFromName(self.code);
    }
};
/// Something a page sent was refused (`reason`: "unsigned-message" or "malformed-message: …").
pub const Security = struct { window: u64 = 0, webview: u64 = 0, reason: []const u8, origin: []const u8 = "" };
pub const ChannelOpen = struct { window: u64 = 0, webview: u64, channel: u64, name: []const u8 };
/// A message through a channel: JSON `payload`, or bytes (`Event.bytes`; `bytes` is their count).
pub const ChannelMessage = struct {
    window: u64 = 0,
    webview: u64,
    channel: u64,
    payload: std.json.Value = .null,
    bytes: ?u64 = null,
};
pub const ChannelClose = struct { window: u64 = 0, webview: u64, channel: u64, reason: []const u8 = "" };
pub const ChannelReady = struct { window: u64 = 0, webview: u64, channel: u64 };
pub const StateChanged = struct {
    key: []const u8,
    value: std.json.Value = .null,
    version: u64 = 0,
    /// "host" or "page".
    source: []const u8 = "",
    window: u64 = 0,
    webview: u64 = 0,
};
pub const InvokeCancelled = struct { window: u64 = 0, webview: u64, call: u64, reason: []const u8 = "" };
/// A page requested `transom://app/…` for the program to answer (`App.respondAsset`); a request
/// body is in `Event.bytes`.
pub const AssetRequest = struct {
    window: u64 = 0,
    webview: u64,
    request: u64,
    method: []const u8 = "GET",
    path: []const u8 = "/",
    headers: std.json.Value = .null,
    bytes: ?u64 = null,
};
pub const Download = struct { window: u64 = 0, webview: u64, url: []const u8 = "", path: ?[]const u8 = null, ok: ?bool = null };
pub const UrlEvent = struct { window: u64 = 0, webview: u64, url: []const u8 = "" };

/// An event's content, parsed from its JSON (docs/protocol.md, "Events"). The tag is the JSON
/// `type` with `-` as `_`; `other` holds the `type` of an event this binding does not know.
pub const Data = union(enum) {
    window_created: WindowEvent,
    close_requested: WindowEvent,
    window_destroyed: WindowEvent,
    focus: WindowEvent,
    blur: WindowEvent,
    resize: Resize,
    move: Move,
    page_load: PageLoad,
    title_changed: TitleChanged,
    message: Message,
    invoke: Invoke,
    invoke_result: InvokeResult,
    @"error": ErrorEvent,
    webview_created: WebviewEvent,
    webview_destroyed: WebviewEvent,
    security: Security,
    channel_open: ChannelOpen,
    channel_message: ChannelMessage,
    channel_close: ChannelClose,
    channel_ready: ChannelReady,
    state_changed: StateChanged,
    invoke_cancelled: InvokeCancelled,
    navigation_blocked: UrlEvent,
    asset_request: AssetRequest,
    download_started: Download,
    download_finished: Download,
    download_blocked: UrlEvent,
    other: []const u8,
};

/// Parses one event's JSON text. What it returns lives in `arena` (and may point into `json`).
/// An unknown `type`, or fields this binding cannot read, give `.other` with the type name.
pub fn parseEventJson(arena: Allocator, json: []const u8) error{ BadEvent, OutOfMemory }!Data {
    const value = std.json.parseFromSliceLeaky(std.json.Value, arena, json, .{}) catch |err| switch (err) {
        error.OutOfMemory => return error.OutOfMemory,
        else => return error.BadEvent,
    };
    if (value != .object) return error.BadEvent;
    const type_value = value.object.get("type") orelse return error.BadEvent;
    if (type_value != .string) return error.BadEvent;
    const type_name = type_value.string;
    var buf: [64]u8 = undefined;
    if (type_name.len > buf.len) return .{ .other = type_name };
    for (type_name, 0..) |ch, i| buf[i] = if (ch == '-') '_' else ch;
    const tag = buf[0..type_name.len];
    const info = @typeInfo(Data).@"union";
    inline for (info.field_names, info.field_types) |name, T| {
        if (comptime std.mem.eql(u8, name, "other")) continue;
        if (std.mem.eql(u8, name, tag)) {
            const payload = std.json.parseFromValueLeaky(T, arena, value, .{ .ignore_unknown_fields = true }) catch |err| switch (err) {
                error.OutOfMemory => return error.OutOfMemory,
                else => return .{ .other = type_name },
            };
            return @unionInit(Data, name, payload);
        }
    }
    return .{ .other = type_name };
}

/// An event as transom hands it over (`transom_event *`), owned: `deinit` frees it, `parse`
/// turns it into an `Event`. What event callbacks get.
pub const RawEvent = struct {
    handle: *c.transom_event,

    pub fn kind(self: RawEvent) Kind {
        return @enumFromInt(c.transom_event_kind(self.handle));
    }
    pub fn window(self: RawEvent) u64 {
        return c.transom_event_window(self.handle);
    }
    pub fn webview(self: RawEvent) u64 {
        return c.transom_event_webview(self.handle);
    }
    /// The event's JSON text, valid until `deinit`.
    pub fn json(self: RawEvent) []const u8 {
        return std.mem.span(c.transom_event_json(self.handle));
    }
    /// The bytes the event carries (`channel_message` with bytes), valid until `deinit`.
    pub fn bytes(self: RawEvent) ?[]const u8 {
        var len: usize = 0;
        const ptr = c.transom_event_bytes(self.handle, &len);
        if (ptr == null) return null;
        return ptr[0..len];
    }
    pub fn deinit(self: RawEvent) void {
        c.transom_event_free(self.handle);
    }
    /// Parses the event; the `Event` takes it over (also on failure, when it is freed).
    pub fn parse(self: RawEvent, allocator: Allocator) error{ BadEvent, OutOfMemory }!Event {
        return Event.fromRaw(allocator, self);
    }
};

/// One event: its kind, ids, JSON text, bytes, and its content as a tagged union. Owns the C event
/// and the parsed data: call `deinit`.
pub const Event = struct {
    kind: Kind,
    /// The window and webview the event concerns, or 0.
    window: u64,
    webview: u64,
    /// The whole event as JSON text (docs/protocol.md).
    json: []const u8,
    /// Bytes carried by the event, or null.
    bytes: ?[]const u8,
    data: Data,
    raw: RawEvent,
    arena: *std.heap.ArenaAllocator,

    fn fromRaw(allocator: Allocator, raw: RawEvent) error{ BadEvent, OutOfMemory }!Event {
        errdefer raw.deinit();
        const arena = try allocator.create(std.heap.ArenaAllocator);
        errdefer allocator.destroy(arena);
        arena.* = .init(allocator);
        errdefer arena.deinit();
        const json = raw.json();
        return .{
            .kind = raw.kind(),
            .window = raw.window(),
            .webview = raw.webview(),
            .json = json,
            .bytes = raw.bytes(),
            .data = try parseEventJson(arena.allocator(), json),
            .raw = raw,
            .arena = arena,
        };
    }

    pub fn deinit(self: *Event) void {
        const allocator = self.arena.child_allocator;
        self.arena.deinit();
        allocator.destroy(self.arena);
        self.raw.deinit();
        self.* = undefined;
    }

    /// Converts a JSON value of this event (a payload, arguments, a result) into `T`; the result
    /// lives as long as the event.
    pub fn as(self: *Event, comptime T: type, value: std.json.Value) std.json.ParseFromValueError!T {
        return std.json.parseFromValueLeaky(T, self.arena.allocator(), value, .{ .ignore_unknown_fields = true });
    }
};

test "every declaration compiles" {
    std.testing.refAllDecls(@This());
    inline for (.{ App, Window, Webview, Channel, RawEvent, Event, InvokeResult, ErrorEvent }) |T| {
        std.testing.refAllDecls(T);
    }
}

test "result codes map to errors and back" {
    try check(c.TRANSOM_OK);
    try std.testing.expectError(error.NotFound, check(c.TRANSOM_ERROR_NOT_FOUND));
    try std.testing.expectError(error.Cancelled, check(c.TRANSOM_ERROR_CANCELLED));
    try std.testing.expectError(error.Unknown, check(9999));
    try std.testing.expectEqual(@as(?Error, error.Timeout), errorFromName("TRANSOM_ERROR_TIMEOUT"));
    try std.testing.expectEqual(@as(?Error, null), errorFromName("nope"));
    try std.testing.expectEqualStrings("TRANSOM_ERROR_INVALID_JSON", errorName(error.InvalidJson));
    // The C names agree with the library's own.
    inline for (codes) |entry| {
        try std.testing.expectEqualStrings(entry.name, std.mem.span(c.transom_result_name(entry.code)));
    }
}

test "event JSON parses into the tagged union" {
    var arena: std.heap.ArenaAllocator = .init(std.testing.allocator);
    defer arena.deinit();
    const a = arena.allocator();
    const msg = try parseEventJson(a, "{\"type\":\"message\",\"window\":2,\"webview\":3,\"channel\":\"hi\",\"payload\":{\"n\":[1,2]}}");
    try std.testing.expectEqual(@as(u64, 3), msg.message.webview);
    try std.testing.expectEqualStrings("hi", msg.message.channel);
    try std.testing.expectEqual(@as(i64, 2), msg.message.payload.object.get("n").?.array.items[1].integer);
    const res = try parseEventJson(a, "{\"type\":\"invoke-result\",\"webview\":3,\"call\":5,\"ok\":false,\"error\":\"the page did not answer within 5 ms\",\"code\":\"TRANSOM_ERROR_TIMEOUT\"}");
    try std.testing.expect(!res.invoke_result.ok);
    try std.testing.expectEqual(@as(?Error, error.Timeout), res.invoke_result.errorCode());
    const resize = try parseEventJson(a, "{\"type\":\"resize\",\"window\":2,\"width\":800.0,\"height\":null}");
    try std.testing.expectEqual(@as(?f64, 800), resize.resize.width);
    try std.testing.expectEqual(@as(?f64, null), resize.resize.height);
    const load = try parseEventJson(a, "{\"type\":\"page-load\",\"window\":2,\"webview\":3,\"state\":\"finished\",\"url\":\"about:blank\"}");
    try std.testing.expect(load.page_load.state == .finished);
    const err = try parseEventJson(a, "{\"type\":\"error\",\"id\":3,\"code\":\"TRANSOM_ERROR_PLATFORM\",\"message\":\"x\"}");
    try std.testing.expectEqual(@as(?Error, error.Platform), err.@"error".errorCode());
    const future = try parseEventJson(a, "{\"type\":\"from-the-future\",\"window\":2}");
    try std.testing.expectEqualStrings("from-the-future", future.other);
    try std.testing.expectError(error.BadEvent, parseEventJson(a, "not json"));
    try std.testing.expectError(error.BadEvent, parseEventJson(a, "{\"window\":2}"));
}
