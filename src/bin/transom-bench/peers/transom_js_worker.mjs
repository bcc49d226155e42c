// transom-bench worker for transom's JavaScript package (bindings/js), one file for Node, Bun and
// Deno: `start()` in the mode BENCH_MODE names (default in-process: the Node addon, bun:ffi,
// Deno.dlopen; host: a transom-host child), app-level `on("message")`/`handle` for what pages
// send, `view.send`/`view.invoke` the other way, bytes as Uint8Array both ways.
// BENCH_TRANSOM_JS: the package's entry (dist/index.js, or mod.ts for Deno); BENCH_PAGE: the page.
// Speaks transom-bench's task protocol: one JSON task per stdin line, "@@ {json}" replies.
import fs from "node:fs";
import process from "node:process";
import readline from "node:readline";
import { pathToFileURL } from "node:url";

const { start } = await import(pathToFileURL(process.env.BENCH_TRANSOM_JS).href);
const page = fs.readFileSync(process.env.BENCH_PAGE, "utf8");

const say = (obj) => process.stdout.write("@@ " + JSON.stringify(obj) + "\n");
const now = () => process.hrtime.bigint();
const ns = (a, b) => Number(b - a);

const app = await start({ mode: process.env.BENCH_MODE || "in-process", maxMessageBytes: 256 * 1024 * 1024 });
let sink = () => {};
let handler = (args) => args[0];
let hellos = 0;
let helloWake = null;
// Every page's messages, whichever webview: the app's "message" events (payload: the JSON value,
// or a Uint8Array for bytes).
app.on("message", (event) => {
  if (event.channel === "hello") {
    hellos++;
    if (helloWake) helloWake();
    return;
  }
  sink(event.channel, event.payload);
});
app.handle("echo", (...args) => handler(args));

const views = [];
async function openWindows(n) {
  const target = hellos + n;
  const opened = [];
  for (let i = 0; i < n; i++) {
    const win = await app.createWindow({ title: "bench", width: 640, height: 480 });
    const view = await win.createWebview({ html: page });
    opened.push({ win, view });
  }
  while (hellos < target) await new Promise((r) => (helloWake = r));
  helloWake = null;
  views.push(...opened);
  return opened;
}

const fail = (e) => say({ error: String(e && e.message ? e.message : e) });
const waitFor = (setup) => new Promise((resolve, reject) => setup(resolve, reject));

function payload(size) {
  return size <= 32 ? { n: 1, s: "ping" } : "x".repeat(size - 2);
}

const tasks = {
  rt: (view, t) =>
    waitFor((resolve, reject) => {
      const samples = [];
      let last = now();
      sink = (c, d) => {
        if (c !== "echo") return;
        const at = now();
        samples.push(ns(last, at));
        last = at;
        if (samples.length < t.n) view.send("echo", d).catch(reject);
        else resolve(samples);
      };
      view.send("echo", payload(t.size)).catch(reject);
    }),
  h2p: async (view, t) => {
    await waitFor((resolve, reject) => {
      sink = (c) => c === "tick_n" && resolve();
      view.send("tick_n", t.n).catch(reject);
    });
    const start = now();
    await waitFor((resolve, reject) => {
      sink = (c) => c === "ticks_done" && resolve();
      for (let i = 0; i < t.n; i++) view.send("tick", { i }).catch(reject);
    });
    return [ns(start, now())];
  },
  p2h: (view, t) =>
    waitFor((resolve, reject) => {
      let got = 0;
      const start = now();
      sink = (c) => {
        if (c === "f" && ++got === t.n) resolve([ns(start, now())]);
      };
      view.send("flood", t.n).catch(reject);
    }),
  inv_p2h: (view, t) =>
    waitFor((resolve, reject) => {
      const samples = [];
      let last = now();
      handler = (args) => {
        const at = now();
        samples.push(ns(last, at));
        last = at;
        return args[0];
      };
      sink = (c) => c === "inv_done" && resolve(samples);
      view.send("inv_loop", t.n).catch(reject);
    }),
  inv_h2p: async (view, t) => {
    const samples = [];
    for (let i = 0; i < t.n; i++) {
      const start = now();
      const v = await view.invoke("echo", i);
      samples.push(ns(start, now()));
      if (v !== i) throw new Error(`call ${i} answered ${v}`);
    }
    return samples;
  },
  bytes_h2p: (view, t) =>
    waitFor((resolve, reject) => {
      const data = new Uint8Array(t.size);
      for (let i = 0; i < t.size; i++) data[i] = i % 251;
      const start = now();
      sink = (c, d) => {
        if (c !== "blob_ok") return;
        if (d !== t.size) reject(new Error(`page got ${d} bytes`));
        else resolve([ns(start, now())]);
      };
      view.send("blob", data).catch(reject);
    }),
  bytes_p2h: async (view, t) => {
    await waitFor((resolve, reject) => {
      sink = (c) => c === "blob_ready" && resolve();
      view.send("blob_prep", t.size).catch(reject);
    });
    const start = now();
    return waitFor((resolve, reject) => {
      sink = (c, d) => {
        if (c !== "blob") return;
        if (!(d instanceof Uint8Array) || d.length !== t.size) reject(new Error(`got ${d && d.length} bytes`));
        else resolve([ns(start, now())]);
      };
      view.send("blob_go", null).catch(reject);
    });
  },
  windows: async (_view, t) => {
    const start = now();
    const opened = await openWindows(t.n);
    const took = ns(start, now());
    if (!t.keep) for (const { win } of opened) await win.close();
    return [took];
  },
};

const first = (await openWindows(1))[0].view;
say({ ready: true });
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  try {
    const t = JSON.parse(line);
    const fn = tasks[t.w];
    if (!fn) throw new Error("unknown task " + t.w);
    say({ samples: await fn(first, { n: 0, size: 0, ...t }) });
  } catch (e) {
    fail(e);
  }
}
process.exit(0);
