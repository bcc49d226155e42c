//! hello.zig: the transom demo in Zig (the same as examples/c/hello.c).
//!
//! Opens a window "transom hello (Zig)" whose page has a button that calls the host function
//! `system_info` with `host.invoke`; this program answers with what uname(2) says and the transom
//! version. Every second the program also pushes a counter and the time (UTC) to the page on
//! channel `tick` (`host.on('tick', ...)` in the page).
//!
//! It runs until the window is closed. With TRANSOM_DEMO_SECONDS=n it stops by itself after n
//! seconds: it then clicks the page's button itself (by running a script in the page), waits until
//! the answer is on screen and exits with status 1 if it never is. With TRANSOM_DEMO_SCREENSHOT=path
//! as well it saves a screenshot of the display with ImageMagick (`import -window root path`).
//!
//! Build and run (after `cargo build` at the repository root):
//!   cd examples/zig && python3 -m ziglang build run
//! headless: TRANSOM_DEMO_SECONDS=3 xvfb-run -a python3 -m ziglang build run
const std = @import("std");
const transom = @import("transom");

const page =
    \\<!doctype html>
    \\<html lang="en"><head><meta charset="utf-8"><title>transom hello</title>
    \\<style>
    \\  :root { color-scheme: light; font-family: system-ui, 'DejaVu Sans', sans-serif; }
    \\  body { margin: 0; min-height: 100vh; display: grid; place-items: center;
    \\         background: linear-gradient(135deg, #f7a41d, #b45309); color: #0f172a; }
    \\  main { background: #ffffff; border-radius: 16px; padding: 28px 32px; width: 560px;
    \\         box-shadow: 0 20px 50px rgba(0, 0, 0, 0.35); }
    \\  h1 { margin: 0 0 4px; font-size: 28px; }
    \\  p.sub { margin: 0 0 20px; color: #475569; }
    \\  button { font: inherit; font-weight: 600; color: #ffffff; background: #b45309; border: 0;
    \\           border-radius: 10px; padding: 10px 18px; cursor: pointer; }
    \\  button:hover { background: #92400e; }
    \\  table { margin-top: 16px; border-collapse: collapse; width: 100%; }
    \\  td { padding: 6px 8px; border-bottom: 1px solid #e2e8f0; }
    \\  td:first-child { color: #64748b; width: 40%; }
    \\  td:last-child { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; }
    \\  .tick { margin-top: 22px; padding: 12px 16px; border-radius: 10px; background: #f1f5f9;
    \\          display: flex; justify-content: space-between; font-variant-numeric: tabular-nums; }
    \\  .muted { color: #94a3b8; }
    \\</style></head>
    \\<body><main>
    \\  <h1>transom hello</h1>
    \\  <p class="sub">A native window, a system webview and a Zig program talking to each other.</p>
    \\  <button id="info-button">Show system info</button>
    \\  <table id="info"><tr><td class="muted" colspan="2">Press the button to ask the host.</td></tr></table>
    \\  <div class="tick"><span>Tick <b id="count">&ndash;</b></span><span>Host time (UTC) <b id="time">&ndash;</b></span></div>
    \\</main>
    \\<script>
    \\  const $ = (id) => document.getElementById(id);
    \\  function row(name, value) {
    \\    const tr = document.createElement('tr');
    \\    for (const text of [name, value]) {
    \\      const td = document.createElement('td');
    \\      td.textContent = text;
    \\      tr.appendChild(td);
    \\    }
    \\    return tr;
    \\  }
    \\  // Calls the Zig function system_info and shows its answer.
    \\  $('info-button').addEventListener('click', async () => {
    \\    const table = $('info');
    \\    try {
    \\      const info = await host.invoke('system_info');
    \\      table.replaceChildren(row('System', info.sysname), row('Release', info.release),
    \\                            row('Machine', info.machine), row('transom', info.transom),
    \\                            row('Host language', info.language));
    \\    } catch (error) {
    \\      table.replaceChildren(row('Error', error.message));
    \\    }
    \\    // Tell the host the answer is on the page (the headless run waits for this).
    \\    requestAnimationFrame(() => host.send('info-shown', true));
    \\  });
    \\  // The host pushes {count, time} every second.
    \\  host.on('tick', (tick) => {
    \\    $('count').textContent = tick.count;
    \\    $('time').textContent = tick.time;
    \\  });
    \\</script></body></html>
;

const Demo = struct {
    io: std.Io,
    app: transom.App,
    window: transom.Window,
    webview: transom.Webview,
    window_gone: bool = false,
    info_shown: bool = false,
    ticks: u32 = 0,
    next_tick: std.Io.Timestamp,

    fn now(self: *Demo) std.Io.Timestamp {
        return std.Io.Timestamp.now(self.io, .awake);
    }

    /// Handles events until the window is gone, `until` passes (null: no limit), or, with
    /// `stop_when_info_shown`, the page says the system info is on screen. Ticks go out every second.
    fn run(self: *Demo, until: ?std.Io.Timestamp, stop_when_info_shown: bool) !void {
        while (!self.window_gone and !(stop_when_info_shown and self.info_shown)) {
            const now_ts = self.now();
            if (until) |u| if (now_ts.compare(.gte, u)) return;
            if (now_ts.compare(.gte, self.next_tick)) {
                self.ticks += 1;
                self.sendTick();
                self.next_tick = self.next_tick.addDuration(.fromSeconds(1));
                continue;
            }
            var wait_ms = now_ts.durationTo(self.next_tick).toMilliseconds();
            if (until) |u| wait_ms = @min(wait_ms, now_ts.durationTo(u).toMilliseconds());
            var event = self.app.nextEvent(@intCast(std.math.clamp(wait_ms + 1, 0, std.math.maxInt(u31)))) catch |err| switch (err) {
                error.Timeout => continue,
                else => {
                    std.debug.print("hello: nextEvent failed: {t} ({s})\n", .{ err, transom.lastErrorMessage() });
                    self.window_gone = true;
                    return;
                },
            };
            defer event.deinit();
            try self.handle(&event);
        }
    }

    fn handle(self: *Demo, event: *transom.Event) !void {
        switch (event.data) {
            .invoke => |call| {
                if (std.mem.eql(u8, call.name, "system_info")) {
                    const u = std.posix.uname();
                    const info = .{
                        .sysname = std.mem.sliceTo(&u.sysname, 0),
                        .release = std.mem.sliceTo(&u.release, 0),
                        .machine = std.mem.sliceTo(&u.machine, 0),
                        .transom = transom.version(),
                        .language = "Zig " ++ @import("builtin").zig_version_string,
                    };
                    self.app.resolveValue(call.call, info) catch |err|
                        std.debug.print("hello: answering system_info failed: {t} ({s})\n", .{ err, transom.lastErrorMessage() });
                    std.debug.print("hello: answered system_info for {s} {s}\n", .{ info.sysname, info.machine });
                } else {
                    self.app.reject(call.call, "no such host function") catch {};
                }
            },
            .message => |m| if (std.mem.eql(u8, m.channel, "info-shown")) {
                self.info_shown = true;
            },
            .@"error" => |e| std.debug.print("hello: {s}: {s}\n", .{ e.code, e.message }),
            .window_destroyed => |w| if (w.window == self.window.id) {
                self.window_gone = true;
            },
            else => {},
        }
    }

    /// Pushes {"count":n,"time":"HH:MM:SS"} to the page on channel `tick`.
    fn sendTick(self: *Demo) void {
        const seconds: u64 = @intCast(@max(0, std.Io.Timestamp.now(self.io, .real).toSeconds()));
        const day = (std.time.epoch.EpochSeconds{ .secs = seconds }).getDaySeconds();
        var buf: [16]u8 = undefined;
        const clock = std.fmt.bufPrint(&buf, "{d:0>2}:{d:0>2}:{d:0>2}", .{
            day.getHoursIntoDay(), day.getMinutesIntoHour(), day.getSecondsIntoMinute(),
        }) catch unreachable;
        self.webview.postValue("tick", .{ .count = self.ticks, .time = clock }) catch |err| switch (err) {
            error.NotFound => {}, // the window just closed
            else => std.debug.print("hello: posting tick failed: {t} ({s})\n", .{ err, transom.lastErrorMessage() }),
        };
    }
};

pub fn main(init: std.process.Init) !u8 {
    const io = init.io;
    var seconds: ?f64 = null;
    if (init.environ_map.get("TRANSOM_DEMO_SECONDS")) |text| {
        const s = std.fmt.parseFloat(f64, text) catch 0;
        if (!(s > 0)) {
            std.debug.print("hello: TRANSOM_DEMO_SECONDS must be a positive number, got \"{s}\"\n", .{text});
            return 2;
        }
        seconds = s;
    }
    const screenshot = init.environ_map.get("TRANSOM_DEMO_SCREENSHOT");

    const app = transom.App.init(init.gpa, .{}) catch |err| {
        std.debug.print("hello: cannot start transom (is there a display?): {t}: {s}\n", .{ err, transom.lastErrorMessage() });
        return 1;
    };
    defer app.deinit();
    try app.handleName("system_info"); // the one call this demo's page may make
    const window = try app.createWindow(.{ .title = "transom hello (Zig)", .width = 720, .height = 520 });
    const webview = try window.createWebview(.{ .html = page });
    std.debug.print("hello: transom {s}, window {d}, webview {d}\n", .{ transom.version(), window.id, webview.id });

    var demo: Demo = .{ .io = io, .app = app, .window = window, .webview = webview, .next_tick = undefined };
    demo.next_tick = demo.now();
    const until: ?std.Io.Timestamp = if (seconds) |s| demo.now().addDuration(.fromMilliseconds(@intFromFloat(s * 1000))) else null;
    try demo.run(until, false);

    var status: u8 = 0;
    if (!demo.window_gone and seconds != null) {
        // Click the button from inside the page, wait (at most 10 s) until the answer is shown,
        // let it paint, then take the picture if asked.
        try webview.eval("document.getElementById('info-button').click();");
        try demo.run(demo.now().addDuration(.fromSeconds(10)), true);
        if (demo.info_shown) {
            std.debug.print("hello: the page shows the system info\n", .{});
        } else {
            std.debug.print("hello: the page did not show the system info in time\n", .{});
            status = 1;
        }
        try demo.run(demo.now().addDuration(.fromMilliseconds(500)), false);
        if (screenshot) |path| {
            var child = try std.process.spawn(io, .{ .argv = &.{ "import", "-window", "root", path } });
            const term = try child.wait(io);
            if (term.success()) {
                std.debug.print("hello: screenshot saved to {s}\n", .{path});
            } else {
                std.debug.print("hello: `import -window root {s}` failed; is ImageMagick installed?\n", .{path});
                status = 1;
            }
        }
    }
    std.debug.print("hello: {s} after {d} ticks\n", .{ if (demo.window_gone) "window closed" else "time is up", demo.ticks });
    app.shutdown() catch |err| std.debug.print("hello: shutdown: {t}\n", .{err});
    return status;
}
