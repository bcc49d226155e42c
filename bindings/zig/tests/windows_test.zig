//! The Zig module against real windows and pages (run under a display: `xvfb-run -a zig build
//! test`): messages both ways, invoke both ways, bad input giving the right error, shutdown, the
//! event fd and the event callback. TRANSOM_TEST_PATIENCE_MS (default 30000) bounds every wait;
//! TRANSOM_TEST_VERBOSE=1 prints the events a wait passes over.

const std = @import("std");
const transom = @import("transom");
const testing = std.testing;

const Tag = std.meta.Tag(transom.Data);

/// The page of the tests. It greets the program, echoes `tick`, answers `mul`, `boom` and
/// `hang`, on `go` calls the program's `add` and `fail`, answers on channel `upper`, and reports
/// the bytes it gets on `raw` and the changes of the shared state `count`.
const page =
    \\<!doctype html><meta charset="utf-8"><title>zig test</title>
    \\<script>
    \\host.on('tick', (p) => host.send('echo', p));
    \\host.handle('mul', (a, b) => a * b);
    \\host.handle('boom', () => { throw new Error('boom!'); });
    \\host.handle('hang', () => new Promise(() => {}));
    \\host.on('go', async () => {
    \\  host.send('sum', await host.invoke('add', 2, 3));
    \\  try { await host.invoke('fail'); host.send('rejected', 'did not reject'); }
    \\  catch (e) { host.send('rejected', e.message); }
    \\});
    \\host.onChannel('upper', (ch) => ch.on('message', (d) => {
    \\  if (d === 'bytes please') ch.send(new Uint8Array([1, 2, 250]));
    \\  else if (typeof d === 'string') ch.send(d.toUpperCase());
    \\  else ch.send({ len: d.length, first: d[0] });
    \\}));
    \\host.on('raw', (d) => host.send('raw-seen', { len: d.length, first: d[0] }));
    \\host.watchState('count', (v) => host.send('state-seen', v));
    \\host.send('ready', { hello: 'zig', n: 1 });
    \\</script>
;

fn patienceMs() i64 {
    const text = std.c.getenv("TRANSOM_TEST_PATIENCE_MS") orelse return 30000;
    return std.fmt.parseInt(i64, std.mem.span(text), 10) catch 30000;
}

/// What `waitFor` waits for: an event with this tag and, when given, this channel, call name or
/// call id.
const Want = struct {
    tag: Tag,
    channel: ?[]const u8 = null,
    name: ?[]const u8 = null,
    call: ?u64 = null,
    window: ?u64 = null,

    fn matches(want: Want, event: *const transom.Event) bool {
        if (std.meta.activeTag(event.data) != want.tag) return false;
        switch (event.data) {
            .message => |m| if (want.channel) |ch| return std.mem.eql(u8, ch, m.channel),
            .invoke => |i| if (want.name) |n| return std.mem.eql(u8, n, i.name),
            .invoke_result => |r| if (want.call) |id| return id == r.call,
            .window_created, .window_destroyed => |w| if (want.window) |id| return id == w.window,
            else => {},
        }
        return true;
    }
};

/// Takes events until one matches `want` (the others are dropped) and returns it; the caller
/// frees it. Fails after the patience.
fn waitFor(app: transom.App, want: Want) !transom.Event {
    const io = testing.io;
    const start = std.Io.Timestamp.now(io, .awake);
    while (true) {
        const spent = start.untilNow(io, .awake).toMilliseconds();
        const left = patienceMs() - spent;
        if (left <= 0) break;
        var event = app.nextEvent(@intCast(@min(left, std.math.maxInt(u31)))) catch |err| switch (err) {
            error.Timeout => break,
            else => return err,
        };
        if (want.matches(&event)) return event;
        if (std.c.getenv("TRANSOM_TEST_VERBOSE") != null) std.debug.print("(not waited for) {s}\n", .{event.json});
        event.deinit();
    }
    std.debug.print("no {t} event (channel {?s}, name {?s}, call {?d}) within {d} ms\n", .{ want.tag, want.channel, want.name, want.call, patienceMs() });
    return error.TestTimeout;
}

/// An app with one window showing `page`, ready (it said `ready`).
const Fixture = struct {
    app: transom.App,
    window: transom.Window,
    webview: transom.Webview,

    fn init() !Fixture {
        const app = try transom.App.init(testing.allocator, .{});
        errdefer app.deinit();
        try app.handleName("add");
        try app.handleName("fail");
        try app.handleName("unlisted");
        try app.unhandleName("unlisted");
        try testing.expectError(error.NotFound, app.unhandleName("unlisted"));
        const window = try app.createWindow(.{ .title = "transom zig test", .width = 480, .height = 320 });
        const webview = try window.createWebview(.{ .html = page });
        var ready = try waitFor(app, .{ .tag = .message, .channel = "ready" });
        defer ready.deinit();
        // page -> program: host.send with an object payload
        try testing.expectEqual(webview.id, ready.data.message.webview);
        try testing.expectEqual(window.id, ready.window);
        const Hello = struct { hello: []const u8, n: i64 };
        const hello = try ready.as(Hello, ready.data.message.payload);
        try testing.expectEqualStrings("zig", hello.hello);
        try testing.expectEqual(@as(i64, 1), hello.n);
        return .{ .app = app, .window = window, .webview = webview };
    }

    fn deinit(self: Fixture) void {
        self.app.deinit();
    }
};

test "versions: the library, the header macros and the package agree" {
    const v = transom.header_version;
    var buf: [64]u8 = undefined;
    const text = try std.fmt.bufPrint(&buf, "{d}.{d}.{d}", .{ v.major, v.minor, v.patch });
    try testing.expectEqualStrings(text, transom.version());
}

test "messages both ways" {
    const f = try Fixture.init();
    defer f.deinit();

    // program -> page -> program: the page echoes what it gets on `tick`.
    try f.webview.postValue("tick", .{ .n = 41, .text = "h\u{e9}llo \"quoted\" </script>" });
    var echo = try waitFor(f.app, .{ .tag = .message, .channel = "echo" });
    defer echo.deinit();
    const Tick = struct { n: i64, text: []const u8 };
    const tick = try echo.as(Tick, echo.data.message.payload);
    try testing.expectEqual(@as(i64, 41), tick.n);
    try testing.expectEqualStrings("h\u{e9}llo \"quoted\" </script>", tick.text);

    // JSON text as it is, to every webview of the app, and to the webview of a window.
    try f.app.broadcast("tick", "[1,2,3]");
    var echo2 = try waitFor(f.app, .{ .tag = .message, .channel = "echo" });
    defer echo2.deinit();
    try testing.expectEqual(@as(usize, 3), echo2.data.message.payload.array.items.len);
    try f.window.post("tick", "{\"via\":\"window\"}");
    var echo3 = try waitFor(f.app, .{ .tag = .message, .channel = "echo" });
    defer echo3.deinit();
    try testing.expectEqualStrings("window", echo3.data.message.payload.object.get("via").?.string);
}

test "invoke both ways" {
    const f = try Fixture.init();
    defer f.deinit();

    // page -> program: the page calls `add`, the program resolves; then `fail`, the program rejects.
    try f.webview.post("go", "true");
    {
        var add = try waitFor(f.app, .{ .tag = .invoke, .name = "add" });
        defer add.deinit();
        const args = try add.as([2]i64, add.data.invoke.args);
        try f.app.resolveValue(add.data.invoke.call, args[0] + args[1]);
        // A call is answered once.
        try testing.expectError(error.NotFound, f.app.resolve(add.data.invoke.call, "0"));
    }
    {
        var sum = try waitFor(f.app, .{ .tag = .message, .channel = "sum" });
        defer sum.deinit();
        try testing.expectEqual(@as(i64, 5), sum.data.message.payload.integer);
    }
    {
        var fail = try waitFor(f.app, .{ .tag = .invoke, .name = "fail" });
        defer fail.deinit();
        try f.app.reject(fail.data.invoke.call, "nope from zig");
    }
    {
        var rejected = try waitFor(f.app, .{ .tag = .message, .channel = "rejected" });
        defer rejected.deinit();
        try testing.expectEqualStrings("nope from zig", rejected.data.message.payload.string);
    }

    // program -> page: handlers that answer, throw, do not exist, or never answer.
    {
        const call = try f.webview.invokeValues("mul", .{ 6, 7 }, 0);
        var result = try waitFor(f.app, .{ .tag = .invoke_result, .call = call });
        defer result.deinit();
        try testing.expect(result.data.invoke_result.ok);
        try testing.expectEqual(@as(i64, 42), result.data.invoke_result.value.integer);
    }
    {
        const call = try f.webview.invoke("boom", "[]", 0);
        var result = try waitFor(f.app, .{ .tag = .invoke_result, .call = call });
        defer result.deinit();
        try testing.expect(!result.data.invoke_result.ok);
        try testing.expectEqualStrings("boom!", result.data.invoke_result.@"error".?);
        try testing.expectEqual(@as(?transom.Error, null), result.data.invoke_result.errorCode());
    }
    {
        const call = try f.webview.invoke("missing", "[]", 0);
        var result = try waitFor(f.app, .{ .tag = .invoke_result, .call = call });
        defer result.deinit();
        try testing.expect(!result.data.invoke_result.ok);
        try testing.expectEqualStrings("no handler named missing", result.data.invoke_result.@"error".?);
    }
    {
        const call = try f.webview.invoke("hang", "[]", 200);
        var result = try waitFor(f.app, .{ .tag = .invoke_result, .call = call });
        defer result.deinit();
        try testing.expect(!result.data.invoke_result.ok);
        try testing.expectEqual(@as(?transom.Error, error.Timeout), result.data.invoke_result.errorCode());
    }
    {
        const call = try f.webview.invoke("hang", "[]", 0);
        try f.app.cancelInvoke(call);
        var result = try waitFor(f.app, .{ .tag = .invoke_result, .call = call });
        defer result.deinit();
        try testing.expectEqual(@as(?transom.Error, error.Cancelled), result.data.invoke_result.errorCode());
    }
}

test "channels, bytes, shared state and send_json" {
    const f = try Fixture.init();
    defer f.deinit();

    const ch = try f.webview.openChannel("upper");
    try ch.sendValue("abc");
    {
        var reply = try waitFor(f.app, .{ .tag = .channel_message });
        defer reply.deinit();
        try testing.expectEqual(ch.id, reply.data.channel_message.channel);
        try testing.expectEqualStrings("ABC", reply.data.channel_message.payload.string);
    }
    try ch.sendBytes(&.{ 7, 8, 9 });
    {
        var reply = try waitFor(f.app, .{ .tag = .channel_message });
        defer reply.deinit();
        const Counted = struct { len: i64, first: i64 };
        const seen = try reply.as(Counted, reply.data.channel_message.payload);
        try testing.expectEqual(Counted{ .len = 3, .first = 7 }, seen);
    }
    try ch.send("\"bytes please\"");
    {
        var reply = try waitFor(f.app, .{ .tag = .channel_message });
        defer reply.deinit();
        try testing.expectEqualSlices(u8, &.{ 1, 2, 250 }, reply.bytes.?);
    }
    try ch.close();
    try testing.expectError(error.NotFound, ch.send("1"));

    try f.webview.postBytes("raw", &.{ 5, 6 });
    {
        var seen = try waitFor(f.app, .{ .tag = .message, .channel = "raw-seen" });
        defer seen.deinit();
        try testing.expectEqual(@as(i64, 2), seen.data.message.payload.object.get("len").?.integer);
        try testing.expectEqual(@as(i64, 5), seen.data.message.payload.object.get("first").?.integer);
    }

    try f.app.setStateValue("count", 3);
    {
        var seen = try waitFor(f.app, .{ .tag = .message, .channel = "state-seen" });
        defer seen.deinit();
        try testing.expectEqual(@as(i64, 3), seen.data.message.payload.integer);
    }
    const value = try f.app.getState(testing.allocator, "count");
    defer testing.allocator.free(value);
    try testing.expectEqualStrings("3", value);

    const reply = try f.app.sendJson(testing.allocator, "{\"req\":7,\"cmd\":\"post\",\"webview\":0,\"channel\":\"tick\",\"payload\":\"via send_json\"}");
    defer testing.allocator.free(reply);
    try testing.expectEqualStrings("{\"type\":\"ok\",\"req\":7}", reply);
    var echo = try waitFor(f.app, .{ .tag = .message, .channel = "echo" });
    defer echo.deinit();
    try testing.expectEqualStrings("via send_json", echo.data.message.payload.string);
    try testing.expectError(error.InvalidArgument, f.app.sendJson(testing.allocator, "{\"cmd\":\"no.such.command\"}"));
}

fn expectLastError(prefix: []const u8) !void {
    const message = transom.lastErrorMessage();
    if (!std.mem.startsWith(u8, message, prefix)) {
        std.debug.print("last error message: \"{s}\", expected it to start with \"{s}\"\n", .{ message, prefix });
        return error.TestUnexpectedResult;
    }
}

test "bad input gives the right error" {
    // Options.
    try testing.expectError(error.InvalidArgument, transom.App.initJson(testing.allocator, "{\"no_such_option\":1}"));
    try expectLastError("TRANSOM_ERROR_INVALID_ARGUMENT");
    try testing.expectError(error.InvalidJson, transom.App.initJson(testing.allocator, "{max_message_bytes: 1}"));
    try expectLastError("TRANSOM_ERROR_INVALID_JSON");
    try testing.expectError(error.ContainsNul, transom.App.initJson(testing.allocator, "{}\x00"));

    const f = try Fixture.init();
    defer f.deinit();
    try testing.expectError(error.InvalidArgument, f.app.createWindowJson("{\"width\":\"wide\"}"));
    try testing.expectError(error.InvalidArgument, f.app.createWindow(.{ .width = -5 }));
    try testing.expectError(error.InvalidJson, f.app.createWindowJson("{"));
    try testing.expectError(error.InvalidJson, f.webview.post("tick", "alert(1)"));
    try expectLastError("TRANSOM_ERROR_INVALID_JSON");
    try testing.expectError(error.InvalidArgument, f.webview.post("", "1"));
    try testing.expectError(error.ContainsNul, f.webview.post("ti\x00ck", "1"));
    try testing.expectError(error.InvalidArgument, f.webview.invoke("mul", "{\"not\":\"an array\"}", 0));
    try testing.expectError(error.NotFound, f.app.resolve(987654321, "1"));
    try expectLastError("TRANSOM_ERROR_NOT_FOUND");
    try testing.expectError(error.NotFound, f.app.reject(987654321, "x"));
    try testing.expectError(error.NotFound, f.app.window(987654321).close());
    try testing.expectError(error.NotFound, f.app.webview(987654321).post("tick", "1"));
    try testing.expectError(error.InvalidArgument, f.webview.navigate("not a url"));
    try testing.expectError(error.InvalidArgument, f.window.createWebview(.{ .x = 5 }));
    try testing.expectError(error.InvalidArgument, f.window.createWebview(.{ .allowed_origins = &.{"example.com"} }));
    try testing.expectError(error.NotFound, f.app.getState(testing.allocator, "never-set"));

    // Too large for a small app.
    const small = try transom.App.init(testing.allocator, .{ .max_message_bytes = 16 });
    defer small.deinit();
    try testing.expectError(error.TooLarge, small.broadcast("tick", "\"a string longer than sixteen bytes\""));
}

test "shutdown: the events left, then Closed" {
    const app = try transom.App.init(testing.allocator, .{});
    defer app.deinit();
    try testing.expectError(error.Timeout, app.nextEvent(0));
    const window = try app.createWindow(.{ .title = "shutdown" });
    var created = try waitFor(app, .{ .tag = .window_created, .window = window.id });
    created.deinit();
    try app.shutdown();
    try app.shutdown(); // idempotent
    try testing.expectError(error.Closed, app.createWindow(.{}));
    try testing.expectError(error.Closed, window.close());
    var destroyed = false;
    while (true) {
        var event = app.nextEvent(5000) catch |err| {
            try testing.expectEqual(error.Closed, err);
            break;
        };
        defer event.deinit();
        if (event.data == .window_destroyed and event.data.window_destroyed.window == window.id) destroyed = true;
    }
    try testing.expect(destroyed);
}

test "event fd: poll, then take" {
    const app = try transom.App.init(testing.allocator, .{});
    defer app.deinit();
    const fd = app.eventFd() orelse return error.SkipZigTest;
    const window = try app.createWindow(.{ .title = "fd" });
    var fds = [_]std.posix.pollfd{.{ .fd = fd, .events = std.posix.POLL.IN, .revents = 0 }};
    const n = try std.posix.poll(&fds, @intCast(patienceMs()));
    try testing.expectEqual(@as(usize, 1), n);
    var event = try app.nextEvent(0);
    defer event.deinit();
    try testing.expectEqual(transom.Kind.window_created, event.kind);
    try testing.expectEqual(window.id, event.data.window_created.window);
}

const Seen = struct {
    window: std.atomic.Value(u64) = .init(0),
    parsed_ok: std.atomic.Value(bool) = .init(false),
};

fn onEvent(seen: *Seen, raw: transom.RawEvent) void {
    if (raw.kind() == .window_created) {
        // Parse it here, on the GUI thread, as a program would.
        var event = raw.parse(std.heap.smp_allocator) catch return;
        defer event.deinit();
        seen.parsed_ok.store(event.data == .window_created, .release);
        seen.window.store(event.window, .release);
    } else {
        raw.deinit();
    }
}

test "event callback" {
    const app = try transom.App.init(testing.allocator, .{});
    defer app.deinit();
    var seen: Seen = .{};
    try app.setEventCallback(*Seen, &seen, onEvent);
    const window = try app.createWindow(.{ .title = "callback" });
    const io = testing.io;
    const start = std.Io.Timestamp.now(io, .awake);
    while (seen.window.load(.acquire) != window.id) {
        if (start.untilNow(io, .awake).toMilliseconds() > patienceMs()) return error.TestTimeout;
        try std.Io.sleep(io, .fromMilliseconds(10), .awake);
    }
    try testing.expect(seen.parsed_ok.load(.acquire));
    try app.clearEventCallback();
    try app.shutdown();
}

test "a program-served page in a second webview, placed and moved" {
    const app = try transom.App.init(testing.allocator, .{});
    defer app.deinit();
    const window = try app.createWindow(.{ .title = "zig assets", .width = 480, .height = 320 });
    _ = try window.createWebview(.{ .html = "<p>first</p>" });
    const second = try window.createWebview(.{ .assets_handler = true, .x = 10, .y = 10, .width = 200, .height = 100 });
    var request = try waitFor(app, .{ .tag = .asset_request });
    defer request.deinit();
    try testing.expectEqualStrings("/", request.data.asset_request.path);
    try testing.expectEqual(second.id, request.data.asset_request.webview);
    const page_html = "<script>host.send('served', {w: innerWidth, h: innerHeight})</script>";
    try app.respondAsset(request.data.asset_request.request, 200, "{\"content-type\":\"text/html\"}", page_html);
    try testing.expectError(error.NotFound, app.respondAsset(request.data.asset_request.request, 200, null, ""));
    var served = try waitFor(app, .{ .tag = .message, .channel = "served" });
    defer served.deinit();
    try testing.expectEqual(@as(i64, 200), served.data.message.payload.object.get("w").?.integer);
    try second.set(.{ .visible = false });
    try second.set(.{ .fill = true, .visible = true });
    try testing.expectError(error.InvalidArgument, second.set(.{ .x = 1 }));
}
