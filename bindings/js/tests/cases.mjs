// The test cases of the transom package, shared by the three runners (tests/bun, tests/deno,
// tests/node). Each runner registers them for one mode ("in-process" or "host", from
// TRANSOM_MODE). Real windows and pages (run under xvfb-run); every wait is bounded.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";

import { PAGE } from "./fixture.mjs";

/** Rejects when `promise` takes longer than `ms`. */
export function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Expects `promise` to reject with a TransomError of `code` (and a message matching `re`). */
async function rejects(promise, code, re) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected a rejection with ${code}`);
  assert.equal(error.name, "TransomError", `not a TransomError: ${error}`);
  assert.equal(error.code, code, `${error.code}: ${error.message}`);
  if (re) assert.match(error.message, re);
  return error;
}

/**
 * @param {(name: string, fn: () => Promise<void>, timeoutMs: number) => void} test
 * @param {any} transom the package
 * @param {{ mode: "in-process" | "host", runtime: string[], pkg: string, afterAll?: (fn: () => Promise<void>) => void }} options
 *   runtime: the command that runs a script file in this runtime (e.g. [execPath]); pkg: the
 *   module specifier of the package for subprocesses.
 */
export function defineCases(test, transom, options) {
  const { mode } = options;
  const { start, TransomError, invokeOptions } = transom;
  let shared = null;
  const app = async () => (shared ??= await start({ mode }));
  const view = async (extra = {}) => {
    const a = await app();
    const win = await a.createWindow({ title: "transom test", width: 480, height: 360, ...extra });
    const webview = await win.createWebview({ html: PAGE });
    await within(webview.next("ready"), 15000, "the fixture page says ready");
    return { app: a, win, webview };
  };
  const T = (name, fn, timeout = 30000) => test(`[${mode}] ${name}`, fn, timeout);

  T("assets the program serves (assetsHandler, respondAsset)", async () => {
    const a = await app();
    const events = a.events();
    const win = await a.createWindow({ title: "assets", width: 300, height: 200 });
    await win.createWebview({ assetsHandler: true });
    const next = async (type) => {
      for (;;) {
        const { value } = await within(events.next(), 15000, type);
        if (value.type === type) return value;
      }
    };
    const index = await next("asset-request");
    assert.equal(index.path, "/");
    const page = "<script>fetch('data.json').then((r) => r.json()).then((d) => host.send('fetched', d));</script>";
    await a.respondAsset(index.request, 200, { headers: { "content-type": "text/html" }, body: page });
    await rejects(a.respondAsset(index.request, 200), "TRANSOM_ERROR_NOT_FOUND");
    const data = await next("asset-request");
    assert.equal(data.path, "/data.json");
    await a.respondAsset(data.request, 200, { body: new TextEncoder().encode('{"n":1}') });
    const fetched = await next("message");
    assert.equal(fetched.channel, "fetched");
    assert.deepEqual(fetched.payload, { n: 1 });
    await events.return();
    await win.close();
  });

  T("start gives an app in the asked mode", async () => {
    const a = await app();
    assert.equal(a.mode, mode);
    assert.match(a.version, /^\d+\.\d+\.\d+$/);
    if (mode === "host") assert.ok(a.hostPid > 0);
    await rejects(start({ mode: "sideways" }), "TRANSOM_ERROR_INVALID_ARGUMENT");
  });

  T("windows and webviews: create, events, set, close", async () => {
    const a = await app();
    const events = a.events();
    const win = await a.createWindow({ title: "lifecycle", width: 300, height: 200, minWidth: 100 });
    assert.ok(win.id > 0);
    assert.equal(a.window(win.id), win);
    const forWin = win.events();
    const webview = await win.createWebview({ html: PAGE });
    assert.equal(win.webview, webview);
    assert.equal(a.webview(webview.id), webview);
    await within(webview.next("ready"), 15000, "ready");
    await win.set({ title: "renamed", width: 320 });
    const second = await win.createWebview({ html: "<p>second</p>", x: 10, y: 10, width: 100, height: 50 });
    assert.notEqual(second.id, webview.id);
    assert.equal(win.webview, webview, "window.webview stays the first webview");
    await rejects(win.createWebview({ html: "<p>third</p>", x: 10 }), "TRANSOM_ERROR_INVALID_ARGUMENT", /together/);
    await second.set({ x: 20, y: 20, width: 120, height: 60, visible: true });
    await second.set({ fill: true });
    await rejects(second.set({ x: 1 }), "TRANSOM_ERROR_INVALID_ARGUMENT");
    await rejects(a.createWindow({ colour: "red" }), "TRANSOM_ERROR_INVALID_ARGUMENT", /colour/);
    await win.close();
    assert.equal(win.isClosed, true);
    assert.equal(a.window(win.id), undefined);
    const seen = [];
    for await (const e of forWin) seen.push(e.type);
    assert.ok(seen.includes("webview-created"), seen.join());
    assert.ok(seen.includes("page-load"), seen.join());
    assert.equal(seen.at(-2), "webview-destroyed", seen.join());
    assert.equal(seen.at(-1), "window-destroyed", seen.join());
    const first = await within(events.next(), 1000, "first app event");
    assert.equal(first.value.type, "window-created");
    assert.equal(first.value.window, win.id);
    await events.return();
    await rejects(win.set({ title: "gone" }), "TRANSOM_ERROR_NOT_FOUND");
    await rejects(webview.send("echo", 1), "TRANSOM_ERROR_NOT_FOUND");
  });

  T("messages both ways, in order", async () => {
    const { win, webview } = await view();
    await webview.send("echo", { a: [1, "two", null], u: "é\u2028✓" });
    assert.deepEqual(await within(webview.next("echoed"), 5000, "echo"), { a: [1, "two", null], u: "é\u2028✓" });
    await webview.send("echo");
    assert.equal(await within(webview.next("echoed"), 5000, "echo undefined"), null);
    // 2000 each way, in order.
    const got = [];
    const done = new Promise((resolve) => {
      const off = webview.on("burst-item", (i) => {
        got.push(i);
        if (got.length === 2000) {
          off();
          resolve();
        }
      });
    });
    await webview.send("burst", 2000);
    await within(done, 15000, "2000 messages from the page");
    assert.deepEqual(got, Array.from({ length: 2000 }, (_, i) => i));
    const sends = [];
    for (let i = 0; i < 2000; i++) sends.push(webview.send("count", i));
    await Promise.all(sends);
    await webview.send("count-report");
    assert.deepEqual(await within(webview.next("count-result"), 15000, "count"), { count: 2000, ordered: true });
    // once / off
    let onceCalls = 0;
    webview.once("echoed", () => onceCalls++);
    const listener = () => assert.fail("removed listener called");
    webview.on("echoed", listener);
    webview.off("echoed", listener);
    const two = new Promise((resolve) => {
      const seen = [];
      const off = webview.on("echoed", (d) => {
        seen.push(d);
        if (seen.length === 2) {
          off();
          resolve(seen);
        }
      });
    });
    await webview.send("echo", 1);
    await webview.send("echo", 2);
    assert.deepEqual(await within(two, 5000, "two echoes"), [1, 2]);
    assert.equal(onceCalls, 1);
    // window-level post
    await win.send("echo", "via window");
    assert.equal(await within(webview.next("echoed"), 5000, "window post"), "via window");
    await rejects(webview.send("", 1), "TRANSOM_ERROR_INVALID_ARGUMENT");
    await rejects(webview.send("echo", { big: 10n }), "TRANSOM_ERROR_INVALID_ARGUMENT", /JSON/);
    await win.close();
  });

  T("page invokes the program: handle, errors, unknown names", async () => {
    const { app: a, win, webview } = await view();
    const offAdd = webview.handle("add", (x, y) => x + y);
    webview.handle("later", async (x) => {
      await sleep(20);
      return { doubled: x * 2 };
    });
    webview.handle("boom", () => {
      throw new Error("it broke");
    });
    webview.handle("async-boom", async () => {
      throw new TypeError("async break");
    });
    const offApp = a.handle("app-wide", () => "from the app");
    const call = async (name, ...args) => {
      await webview.send("call", { name, args });
      return within(webview.next("called"), 10000, `page call ${name}`);
    };
    assert.deepEqual(await call("add", 2, 3), { ok: true, value: 5 });
    assert.deepEqual(await call("later", 21), { ok: true, value: { doubled: 42 } });
    assert.deepEqual(await call("boom"), { ok: false, error: "it broke" });
    assert.deepEqual(await call("async-boom"), { ok: false, error: "async break" });
    assert.deepEqual(await call("app-wide"), { ok: true, value: "from the app" });
    assert.deepEqual(await call("missing"), { ok: false, error: "no handler named missing" });
    offAdd();
    offApp();
    assert.deepEqual(await call("add", 1, 1), { ok: false, error: "no handler named add" });
    // The page gives up (invokeWith timeout): the late answer is dropped quietly.
    webview.handle("never", () => new Promise(() => {}));
    const cancelled = a.next("invoke-cancelled", { timeout: 10000 });
    await webview.send("call-with-timeout", { name: "never", timeout: 100 });
    assert.deepEqual(await within(webview.next("called"), 10000, "timeout"), { ok: false, error: "invoke never timed out after 100 ms" });
    assert.equal((await cancelled).webview, webview.id);
    await win.close();
  });

  T("program invokes the page: values, errors, timeout, cancel, options", async () => {
    const { win, webview } = await view();
    assert.equal(await webview.invoke("mul", 6, 7), 42);
    // A plain object is an argument; only invokeOptions(...) is taken as options.
    assert.deepEqual(await webview.invoke("args", 1, { timeout: 5 }), [1, { timeout: 5 }]);
    assert.deepEqual(await webview.invoke("args", 1, invokeOptions({ timeout: 5000 })), [1]);
    assert.equal(await webview.invokeWith({ timeout: 5000 }, "mul", 3, 3), 9);
    await rejects(webview.invoke("fail", "bad thing"), "TRANSOM_ERROR_REJECTED", /^bad thing$/);
    await rejects(webview.invoke("nobody"), "TRANSOM_ERROR_REJECTED", /no handler named nobody/);
    const t0 = Date.now();
    await rejects(webview.invoke("slow", 5000, invokeOptions({ timeout: 150 })), "TRANSOM_ERROR_TIMEOUT");
    assert.ok(Date.now() - t0 < 3000, "timeout took too long");
    const controller = new AbortController();
    const pending = webview.invoke("slow", 5000, invokeOptions({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    await rejects(pending, "TRANSOM_ERROR_CANCELLED");
    await rejects(webview.invoke("mul", 1, 2, invokeOptions({ timeout: -1 })), "TRANSOM_ERROR_INVALID_ARGUMENT");
    // Closing the window ends calls in flight.
    const inFlight = rejects(webview.invoke("slow", 10000), "TRANSOM_ERROR_NOT_FOUND");
    await sleep(50);
    await win.close();
    await inFlight;
  });

  T("bytes both ways", async () => {
    const { win, webview } = await view();
    const data = new Uint8Array(100000).map((_, i) => i % 256);
    await webview.send("bytes", data);
    const info = await within(webview.next("bytes-info"), 10000, "bytes to the page");
    assert.deepEqual(info, { isBytes: true, length: 100000, sum: data.reduce((a, x) => a + x, 0) });
    await webview.send("bytes", new Uint8Array(0));
    assert.deepEqual(await within(webview.next("bytes-info"), 10000, "empty bytes"), { isBytes: true, length: 0, sum: 0 });
    const event = within(webview.app.next("message", { filter: (e) => e.channel === "page-bytes" }), 10000, "bytes event");
    await webview.send("send-bytes", 70000);
    const e = await event;
    assert.ok(e.payload instanceof Uint8Array);
    assert.equal(e.payload.length, 70000);
    assert.equal(e.bytes, 70000);
    assert.equal(e.payload[300], 300 % 251);
    await win.close();
  });

  T("broadcast reaches every webview; channelEvents filters by channel", async () => {
    const a = await app();
    const one = await view();
    const two = await view();
    const stream = a.channelEvents("echoed");
    await a.broadcast("echo", "everyone");
    const mine = new Set([one.webview.id, two.webview.id]);
    const got = new Set();
    for await (const e of stream) {
      assert.equal(e.type, "message");
      assert.equal(e.channel, "echoed");
      if (e.payload === "everyone" && mine.has(e.webview)) got.add(e.webview);
      if (got.size === 2) break;
    }
    assert.deepEqual(got, mine);
    await one.win.close();
    await two.win.close();
  });

  T("channels: program to page with backpressure, page to program, close", async () => {
    const { app: a, win, webview } = await view();
    // Echo channel, iterated.
    const echo = webview.channel("echo-channel");
    await echo.send({ n: 1 });
    await echo.send("two");
    const it = echo[Symbol.asyncIterator]();
    assert.deepEqual((await within(it.next(), 5000, "echo 1")).value, { n: 1 });
    assert.equal((await within(it.next(), 5000, "echo 2")).value, "two");
    await echo.close();
    assert.equal((await within(it.next(), 5000, "iterator ends")).done, true);
    await rejects(echo.send(3), "TRANSOM_ERROR_NOT_FOUND");
    // 12 MiB in 256 KiB messages: more than the 4 MiB window, so sends wait for channel-ready.
    const sink = webview.channel("sink");
    const pad = "y".repeat(256 * 1024);
    const sends = [];
    for (let i = 0; i < 48; i++) sends.push(sink.send({ i, pad }));
    await within(Promise.all(sends), 30000, "12 MiB through a channel");
    await sink.close();
    const closed = await within(webview.next("sink-closed"), 15000, "sink report");
    assert.deepEqual(closed, { count: 48, bytes: 48 * pad.length, ordered: true, reason: "closed by the program" });
    assert.ok(sink.waits > 0, "no send had to wait for the page");
    // A channel the page does not take is closed with the page's reason.
    const orphan = webview.channel("nobody-listens");
    const { reason } = await within(orphan.closed, 5000, "orphan closed");
    assert.match(reason, /no channel handler named nobody-listens/);
    // Page to program: iterate until the page closes it.
    const opened = new Promise((resolve) => webview.onChannel("logs", resolve));
    await webview.send("open-channel", { name: "logs", count: 300, size: 1000 });
    const logs = await within(opened, 5000, "the page opens a channel");
    assert.equal(logs.openedBy, "page");
    assert.equal(logs.name, "logs");
    let n = 0;
    for await (const m of logs) {
      assert.equal(m.i, n++);
      assert.equal(m.pad.length, 1000);
    }
    assert.equal(n, 300);
    assert.equal((await logs.closed).reason, "closed by the page");
    // A channel the program does not take is closed at once.
    await webview.send("open-channel", { name: "untaken", count: 1, size: 1 });
    const openEvent = await within(a.next("channel-open", { filter: (e) => e.name === "untaken" }), 5000, "untaken");
    assert.ok(openEvent.channel > 0);
    await win.close();
  }, 60000);

  T("shared state both ways, watchState", async () => {
    const { app: a, win, webview } = await view();
    const changes = [];
    const off = a.watchState("theme", (value, old) => changes.push([value, old]));
    const pageSaw = webview.next("theme-changed", { timeout: 5000 });
    const version = await a.setState("theme", "dark");
    assert.ok(version > 0);
    assert.equal(a.state.theme, "dark");
    assert.deepEqual(await pageSaw, { value: "dark", old: "<undefined>" });
    await webview.send("state-set", { key: "theme", value: "light" });
    await within(a.next("state-changed", { filter: (e) => e.key === "theme" && e.source === "page" }), 5000, "page write");
    assert.equal(a.state.theme, "light");
    assert.equal(await a.getState("theme"), "light");
    assert.equal(await a.getState("never-set"), undefined);
    a.state.count = 3;
    await within(a.next("state-changed", { filter: (e) => e.key === "count" }), 5000, "proxy write");
    await webview.send("state-get", "count");
    assert.deepEqual(await within(webview.next("state-value"), 5000, "page reads"), { key: "count", value: 3 });
    assert.deepEqual(changes, [["dark", undefined], ["light", "dark"]]);
    assert.ok("theme" in a.state);
    assert.deepEqual(Object.keys(a.state).sort(), ["count", "theme"]);
    off();
    await rejects(a.setState("", 1), "TRANSOM_ERROR_INVALID_ARGUMENT");
    await win.close();
  });

  T("errors are TransomError with code; payload size limit", async () => {
    const small = await start({ mode, maxMessageBytes: 1000 });
    try {
      const win = await small.createWindow({ title: "limits" });
      const webview = await win.createWebview({ html: PAGE });
      const error = await rejects(webview.send("echo", "x".repeat(2000)), "TRANSOM_ERROR_TOO_LARGE");
      assert.ok(error instanceof TransomError);
      await rejects(webview.invoke("args", "x".repeat(2000)), "TRANSOM_ERROR_TOO_LARGE");
      await webview.send("echo", "small");
      assert.equal(await within(webview.next("echoed"), 10000, "small echo"), "small");
      await rejects(webview.navigate("not a url"), "TRANSOM_ERROR_INVALID_ARGUMENT");
      await rejects(small.createWindow({ width: -5 }), "TRANSOM_ERROR_INVALID_ARGUMENT");
    } finally {
      await small.close();
    }
  });

  T("close ends calls and streams; later calls fail with CLOSED", async () => {
    const own = await start({ mode });
    const win = await own.createWindow({ title: "closing" });
    const webview = await win.createWebview({ html: PAGE });
    await within(webview.next("ready"), 15000, "ready");
    const events = own.events();
    const pending = rejects(webview.invoke("slow", 20000), "TRANSOM_ERROR_CLOSED");
    await sleep(50);
    const destroyed = [];
    own.on("window-destroyed", (e) => destroyed.push(e.window));
    await within(own.close(), 15000, "close");
    await pending;
    assert.deepEqual(destroyed, [win.id]);
    assert.equal(win.isClosed, true);
    let count = 0;
    for await (const _ of events) count++;
    assert.ok(count > 0);
    await rejects(own.createWindow(), "TRANSOM_ERROR_CLOSED");
    await own.close();
    await within(own.closed, 1000, "closed promise");
  });

  T("the process stays up while a window is open and ends when the last one closes", async () => {
    const script = fileURLToPath(new URL("./fixtures/exit-when-closed.mjs", import.meta.url));
    const result = await runScript(options.runtime, script, { PKG: options.pkg, TRANSOM_MODE: mode }, 45000);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /still running with a window open/);
    assert.match(result.output, /window closed/);
    assert.ok(result.msAfterClose < 5000, `exited ${result.msAfterClose} ms after its window closed`);
  }, 60000);

  T("without a display, start rejects with TRANSOM_ERROR_PLATFORM", async () => {
    const script = fileURLToPath(new URL("./fixtures/no-display.mjs", import.meta.url));
    const result = await runScript(options.runtime, script, { PKG: options.pkg, TRANSOM_MODE: mode, DISPLAY: "", WAYLAND_DISPLAY: "" }, 30000);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /error TransomError TRANSOM_ERROR_PLATFORM/);
  });

  if (mode === "host") {
    T("host supervision: crash, reject at once, restart after 1 s, 2 s, 4 s, then give up", async () => {
      const own = await start({ mode: "host" });
      const log = [];
      own.on("host-crashed", (e) => log.push(["crashed", e.crashes, e.restartIn, e.signal, Date.now()]));
      own.on("host-restarted", (e) => log.push(["restarted", e.restarts, Date.now()]));
      await own.setState("kept", { across: "crashes" });
      const win = await own.createWindow({ title: "doomed" });
      const webview = await win.createWebview({ html: PAGE });
      await within(webview.next("ready"), 15000, "ready");
      const pending = rejects(webview.invoke("slow", 20000), "TRANSOM_ERROR_HOST_CRASHED");
      const destroyed = own.next("window-destroyed", { timeout: 5000 });
      await sleep(50);
      const killedAt = Date.now();
      process.kill(own.hostPid, "SIGKILL");
      await pending;
      assert.ok(Date.now() - killedAt < 1000, "pending call not rejected at once");
      assert.equal((await destroyed).reason, "host-crashed");
      assert.equal(win.isClosed, true);
      await rejects(own.createWindow(), "TRANSOM_ERROR_HOST_CRASHED");
      // First restart after 1 s: the new host works and has the state back.
      await within(own.next("host-restarted"), 10000, "first restart");
      const win2 = await own.createWindow({ title: "reborn" });
      const webview2 = await win2.createWebview({ html: PAGE });
      assert.equal(await webview2.invoke("mul", 2, 21), 42);
      assert.deepEqual(await own.getState("kept"), { across: "crashes" });
      // Crash again right away, twice: 2 s, then 4 s.
      for (const n of [2, 3]) {
        process.kill(own.hostPid, "SIGKILL");
        await within(own.next("host-restarted"), 15000, `restart ${n}`);
      }
      process.kill(own.hostPid, "SIGKILL");
      await within(own.closed, 5000, "the app gives up and closes");
      const crashes = log.filter((l) => l[0] === "crashed");
      assert.deepEqual(crashes.map((l) => [l[1], l[2], l[3]]), [
        [1, 1000, "SIGKILL"],
        [2, 2000, "SIGKILL"],
        [3, 4000, "SIGKILL"],
        [4, null, "SIGKILL"],
      ]);
      const restarts = log.filter((l) => l[0] === "restarted");
      assert.deepEqual(restarts.map((l) => l[1]), [1, 2, 3]);
      for (let i = 0; i < 3; i++) {
        const waited = restarts[i][2] - crashes[i][4];
        assert.ok(waited >= [1000, 2000, 4000][i] - 20, `restart ${i + 1} after ${waited} ms`);
        assert.ok(waited < [1000, 2000, 4000][i] + 5000, `restart ${i + 1} after ${waited} ms`);
      }
      await rejects(own.createWindow(), "TRANSOM_ERROR_CLOSED");
    }, 60000);
  }

  options.afterAll?.(async () => {
    if (shared) await shared.close();
  });
}

/** Runs a script in this runtime; resolves with its exit code, output and timing. */
function runScript(command, script, env, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], [...command.slice(1), script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let closedAt = 0;
    const take = (chunk) => {
      output += chunk.toString();
      if (!closedAt && output.includes("window closed")) closedAt = Date.now();
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`script did not exit within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output, msAfterClose: closedAt ? Date.now() - closedAt : -1 });
    });
  });
}
