// Test cases of how the package moves data, shared by the three runners (tests/*/io*): reading
// the host's lines (linear in their length), host-mode commands written without waiting for
// replies, large and many messages in order, events while no window is open. Real windows and
// pages (under xvfb-run); every wait is bounded.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";

import { within } from "./cases.mjs";

const PAGE = `<!doctype html><html><body><script>
let blob = null;
host.on("prep", (n) => { blob = new Uint8Array(n).map((_, i) => (i * 7) % 251); host.send("prepped", n); });
host.on("blob", () => host.send("blob", blob));
host.on("flood", (n) => { for (let i = 0; i < n; i++) host.send("f", i); });
host.on("ping", (i) => host.send("pong", i));
host.on("echo", (d) => host.send("echoed", d));
let count = 0, last = -1, ordered = true;
host.on("count", (i) => { count++; if (i !== last + 1) ordered = false; last = i; });
host.on("count-report", () => { host.send("count-result", { count, ordered }); count = 0; last = -1; ordered = true; });
host.send("ready", 1);
</script></body></html>`;

/**
 * @param {(name: string, fn: () => Promise<void>, timeoutMs: number) => void} test
 * @param {any} transom the package
 * @param {{ mode: "in-process" | "host", LineSplitter: any, afterAll?: (fn: () => Promise<void>) => void }} options
 */
export function defineIoCases(test, transom, options) {
  const { mode, LineSplitter } = options;
  const { start } = transom;
  let shared = null;
  const app = async () => (shared ??= await start({ mode, maxMessageBytes: 128 * 1024 * 1024 }));
  const view = async () => {
    const a = await app();
    const win = await a.createWindow({ title: "transom io test", width: 320, height: 240 });
    const webview = await win.createWebview({ html: PAGE });
    await within(webview.next("ready"), 15000, "the page says ready");
    return { app: a, win, webview };
  };
  const T = (name, fn, timeout = 60000) => test(`[${mode}] ${name}`, fn, timeout);

  T("line splitter: lines across chunks, UTF-8 split inside a character, many lines per chunk", async () => {
    const text = '{"a":"é✓"}\n\n{"b":1}\n{"c":"' + "x".repeat(70000) + '"}\n{"d":"\u{1F600}"}\ntail';
    const bytes = Buffer.from(text, "utf8");
    for (const size of [1, 2, 3, 5, 64, 65536, bytes.length]) {
      const splitter = new LineSplitter();
      const lines = [];
      for (let at = 0; at < bytes.length; at += size) splitter.push(bytes.subarray(at, at + size), lines);
      assert.deepEqual(lines, text.split("\n").slice(0, -1), `chunks of ${size} bytes`);
      assert.equal(splitter.buffered, 4, "the unended tail is held");
    }
  });

  T("line splitter: a 64 MiB line in 64 KiB chunks takes time linear in its length", async () => {
    const chunk = Buffer.alloc(65536, 0x41);
    const splitter = new LineSplitter();
    const lines = [];
    const started = Date.now();
    // Searching or copying the whole line at each chunk would touch 32 GiB here.
    for (let i = 0; i < 1024; i++) splitter.push(i === 1023 ? Buffer.concat([chunk, Buffer.from("\n{}\n")]) : chunk, lines);
    const took = Date.now() - started;
    assert.equal(lines.length, 2);
    assert.equal(lines[0].length, 64 * 1024 * 1024);
    assert.equal(lines[1], "{}");
    assert.ok(took < 8000, `took ${took} ms`);
  });

  T("bytes page → program: 48 MiB arrive whole and in time", async () => {
    const { win, webview } = await view();
    const size = 48 * 1024 * 1024;
    await webview.send("prep", size);
    await within(webview.next("prepped"), 30000, "the page made the bytes");
    const started = Date.now();
    const got = within(webview.next("blob"), 60000, "48 MiB from the page");
    await webview.send("blob");
    const data = await got;
    const took = Date.now() - started;
    assert.ok(data instanceof Uint8Array);
    assert.equal(data.length, size);
    for (const i of [0, 1, 250, 251, 12345, size >> 1, size - 1]) assert.equal(data[i], (i * 7) % 251, `byte ${i}`);
    // Before host-mode lines were read in linear time, 32 MiB took 36 s there.
    assert.ok(took < 20000, `took ${took} ms`);
    await win.close();
  }, 120000);

  T("10,000 page messages arrive complete and in order", async () => {
    const { win, webview } = await view();
    for (let round = 0; round < 2; round++) {
      let got = 0;
      let ordered = true;
      await within(
        new Promise((resolve) => {
          const off = webview.on("f", (i) => {
            if (i !== got) ordered = false;
            if (++got === 10000) {
              off();
              resolve();
            }
          });
          webview.send("flood", 10000);
        }),
        // About 0.15 s in each mode and runtime; a lost wake-up of the runtime's loop (Deno's
        // fallback poll comes after 15-30 s) would pass a 30 s bound.
        10000,
        "10,000 messages from the page",
      );
      assert.ok(ordered, "out of order");
    }
    await win.close();
  });

  T("payloads long and short, one after another, arrive as sent", async () => {
    // The FFI backends encode payloads into one reused buffer (larger ones on their own): a
    // short payload after a long one must not carry any of it.
    const { win, webview } = await view();
    const sizes = [2 * 1024 * 1024, 3, 300000, 0, 70000, 1];
    for (const size of sizes) {
      const payload = { s: "é✓".repeat(size >> 1) + (size & 1 ? "x" : ""), n: size };
      const echoed = within(webview.next("echoed"), 20000, `echo of ${size}`);
      await webview.send("echo", payload);
      assert.deepEqual(await echoed, payload, `payload of ${size}`);
    }
    await win.close();
  });

  T("conversations and bursts in turn keep their order", async () => {
    // In Deno a conversation moves events to the callback and a burst back to the queue: each
    // change must keep the order.
    const { win, webview } = await view();
    const seen = [];
    const offPong = webview.on("pong", (i) => seen.push("pong " + i));
    const offF = webview.on("f", (i) => seen.push("f " + i));
    const expected = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 60; i++) {
        const pong = within(webview.next("pong"), 10000, `pong ${round}/${i}`);
        await webview.send("ping", i);
        assert.equal(await pong, i);
        expected.push("pong " + i);
      }
      const last = within(
        new Promise((resolve) => {
          const off = webview.on("f", (i) => {
            if (i === 2999) {
              off();
              resolve();
            }
          });
        }),
        20000,
        `burst ${round}`,
      );
      await webview.send("flood", 3000);
      await last;
      for (let i = 0; i < 3000; i++) expected.push("f " + i);
    }
    offPong();
    offF();
    assert.equal(seen.length, expected.length);
    assert.deepEqual(seen, expected);
    await win.close();
  });

  T("commands given in one turn go out together, without waiting for replies", async () => {
    const { app: a, win, webview } = await view();
    let writes = 0;
    let stdin = null;
    let write = null;
    if (mode === "host") {
      // The host backend's pipe to transom-host: count the writes of the next 5000 sends.
      stdin = a._backend.current.child.stdin;
      write = stdin.write;
      stdin.write = function (...args) {
        writes++;
        return write.apply(this, args);
      };
    }
    try {
      const sends = [];
      for (let i = 0; i < 5000; i++) sends.push(webview.send("count", i));
      if (mode === "host") assert.equal(writes, 0, "written before the turn ended");
      await within(Promise.all(sends), 30000, "5000 sends");
      if (mode === "host") assert.equal(writes, 1, `5000 commands in ${writes} writes`);
    } finally {
      if (stdin) stdin.write = write;
    }
    await webview.send("count-report");
    assert.deepEqual(await within(webview.next("count-result"), 15000, "count"), { count: 5000, ordered: true });
    await win.close();
  });

  T("events keep coming while no window is open, and in order once windows open again", async () => {
    const a = await app();
    const first = await view();
    await first.win.close();
    assert.equal(a.windows.length, 0);
    // No window: the app does not keep the runtime alive, and its events still arrive.
    const changed = within(a.next("state-changed", { filter: (e) => e.key === "io.windowless" }), 10000, "state-changed without windows");
    await a.setState("io.windowless", 1);
    assert.equal((await changed).value, 1);
    const second = await view();
    let got = 0;
    let ordered = true;
    await within(
      new Promise((resolve) => {
        const off = second.webview.on("f", (i) => {
          if (i !== got) ordered = false;
          if (++got === 2000) {
            off();
            resolve();
          }
        });
        second.webview.send("flood", 2000);
      }),
      15000,
      "2000 messages after reopening",
    );
    assert.ok(ordered);
    await second.win.close();
  });

  options.afterAll?.(async () => {
    if (shared) await shared.close();
  });
}
