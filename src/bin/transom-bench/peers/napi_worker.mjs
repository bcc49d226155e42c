// transom-bench worker for webview-napi (npm; tao + wry behind a Node-API addon), embedded mode as
// its runtime starts it: the Node program pumps the event loop with Application.pollEvents()
// (webview-napi's Pump), pages post with window.ipc.postMessage, the program answers with
// evaluateScript. The page is transom-bench's raw-wry page (same adapter: JSON + base64).
// Speaks transom-bench's task protocol: one JSON task per stdin line, "@@ {json}" replies.
import fs from "node:fs";
import readline from "node:readline";
import { EmbeddedRuntime } from "webview-napi/runtime";

const page = fs.readFileSync(process.env.BENCH_PAGE, "utf8");
const rt = new EmbeddedRuntime({ exitOnLastWindowClosed: false });
await rt.start();

const inbox = [];
let wake = null;
const windows = new Map(); // webview number -> {win, wv}
let nextId = 0;
let nextCall = 0;

function say(obj) {
  process.stdout.write("@@ " + JSON.stringify(obj) + "\n");
}

const d = {
  async open() {
    const id = ++nextId;
    const win = await rt.createWindow({ title: "bench", width: 640, height: 480 });
    const wv = await win.createWebview({ html: page });
    wv.on("ipc", (body) => {
      inbox.push([id, body]);
      if (wake) { const w = wake; wake = null; w(); }
    });
    windows.set(id, { win, wv });
    return id;
  },
  close(id) {
    const w = windows.get(id);
    windows.delete(id);
    if (w) w.win.close();
  },
  eval(id, js) {
    windows.get(id).wv.evaluateScript(js);
  },
  post(id, c, json) {
    this.eval(id, `__recv(${JSON.stringify(c)},${json})`);
  },
  postBytes(id, c, buf) {
    this.eval(id, `__recv_b64(${JSON.stringify(c)},"${buf.toString("base64")}")`);
  },
  invoke(id, name, args) {
    const call = ++nextCall;
    this.eval(id, `__call(${call},${JSON.stringify(name)},${args})`);
    return call;
  },
  resolve(id, call, value) {
    this.eval(id, `__resolve(${call},${value})`);
  },
  async next() {
    while (inbox.length === 0) await new Promise((r) => (wake = r));
    const [id, body] = inbox.shift();
    const m = JSON.parse(body);
    switch (m.k) {
      case "m": return { kind: "msg", id, channel: m.c, payload: m.d };
      case "b": return { kind: "bytes", id, channel: m.c, len: Buffer.from(m.b, "base64").length };
      case "i": return { kind: "invoke", id, call: m.id, args: m.a };
      case "r": return { kind: "result", id, call: m.id, value: m.v };
    }
    throw new Error("unknown ipc kind " + m.k);
  },
};

const now = () => process.hrtime.bigint();
const ns = (a, b) => Number(b - a);

async function waitMsg(channel) {
  for (;;) {
    const e = await d.next();
    if (e.kind === "msg" && e.channel === channel) return e.payload;
  }
}

async function openWindows(n) {
  for (let i = 0; i < n; i++) await d.open();
  for (let i = 0; i < n; i++) await waitMsg("hello");
}

function payload(size) {
  return size <= 32 ? '{"n":1,"s":"ping"}' : JSON.stringify("x".repeat(size - 2));
}

const tasks = {
  async rt(wv, t) {
    const samples = [];
    let last = now();
    d.post(wv, "echo", payload(t.size));
    while (samples.length < t.n) {
      const back = await waitMsg("echo");
      const at = now();
      samples.push(ns(last, at));
      last = at;
      if (samples.length < t.n) d.post(wv, "echo", JSON.stringify(back));
    }
    return samples;
  },
  async h2p(wv, t) {
    d.post(wv, "tick_n", String(t.n));
    await waitMsg("tick_n");
    const start = now();
    for (let i = 0; i < t.n; i++) d.post(wv, "tick", `{"i":${i}}`);
    await waitMsg("ticks_done");
    return [ns(start, now())];
  },
  async p2h(wv, t) {
    const start = now();
    d.post(wv, "flood", String(t.n));
    let got = 0;
    while (got < t.n) {
      const e = await d.next();
      if (e.kind === "msg" && e.channel === "f") got++;
    }
    return [ns(start, now())];
  },
  async inv_p2h(wv, t) {
    const samples = [];
    let last = now();
    d.post(wv, "inv_loop", String(t.n));
    for (;;) {
      const e = await d.next();
      if (e.kind === "invoke") {
        const at = now();
        samples.push(ns(last, at));
        last = at;
        d.resolve(e.id, e.call, JSON.stringify(e.args[0]));
      } else if (e.kind === "msg" && e.channel === "inv_done") break;
    }
    return samples;
  },
  async inv_h2p(wv, t) {
    const samples = [];
    for (let i = 0; i < t.n; i++) {
      const start = now();
      const call = d.invoke(wv, "echo", `[${i}]`);
      for (;;) {
        const e = await d.next();
        if (e.kind === "result" && e.call === call) break;
      }
      samples.push(ns(start, now()));
    }
    return samples;
  },
  async bytes_h2p(wv, t) {
    const buf = Buffer.alloc(t.size);
    for (let i = 0; i < t.size; i++) buf[i] = i % 251;
    const start = now();
    d.postBytes(wv, "blob", buf);
    const got = await waitMsg("blob_ok");
    if (got !== t.size) throw new Error(`page got ${got} bytes`);
    return [ns(start, now())];
  },
  async bytes_p2h(wv, t) {
    d.post(wv, "blob_prep", String(t.size));
    await waitMsg("blob_ready");
    const start = now();
    d.post(wv, "blob_go", "null");
    for (;;) {
      const e = await d.next();
      if (e.kind === "bytes") {
        if (e.len !== t.size) throw new Error(`got ${e.len} bytes`);
        return [ns(start, now())];
      }
    }
  },
  async windows(wv, t) {
    const start = now();
    const before = nextId;
    await openWindows(t.n);
    const took = ns(start, now());
    if (!t.keep) for (let id = before + 1; id <= nextId; id++) d.close(id);
    return [took];
  },
};

await openWindows(1);
say({ ready: true });
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  try {
    const t = JSON.parse(line);
    const fn = tasks[t.w];
    if (!fn) throw new Error("unknown task " + t.w);
    say({ samples: await fn(1, t) });
  } catch (e) {
    say({ error: String(e && e.message ? e.message : e) });
  }
}
process.exit(0);
