// transom-bench worker for webview-bun (webview/webview through bun:ffi; GTK 4 + WebKitGTK 6.0).
// webview.run() takes the thread and Bun's event loop with it, so the program lives in the
// functions it binds into the page (`__send`, `__send_b64`, `__invoke`, `__result`), answering
// with webview.eval(); the next task is read from stdin (a blocking read) inside the callback that
// finished the previous one. With BENCH_IDLE=1 the worker opens BENCH_WINDOWS windows, says ready
// and reads nothing more: the loop then idles as an app's would.
import { Webview } from "webview-bun";
import { readFileSync, readSync } from "fs";

const page = readFileSync(process.env.BENCH_PAGE!, "utf8");
const idleOnly = process.env.BENCH_IDLE === "1";
const startWindows = Number(process.env.BENCH_WINDOWS || "1");

type Ev =
  | { kind: "msg"; id: number; channel: string; payload: any }
  | { kind: "bytes"; id: number; channel: string; len: number }
  | { kind: "invoke"; id: number; args: any[] }
  | { kind: "result"; call: number; value: any };

const views: Webview[] = [];
let onEvent: (e: Ev) => any = () => null;
let hellosWanted = 0;
let afterHellos: (() => void) | null = null;

function say(obj: unknown) {
  process.stdout.write("@@ " + JSON.stringify(obj) + "\n");
}

let stdinBuf = "";
function readLine(): string | null {
  const chunk = Buffer.alloc(65536);
  for (;;) {
    const nl = stdinBuf.indexOf("\n");
    if (nl >= 0) {
      const line = stdinBuf.slice(0, nl);
      stdinBuf = stdinBuf.slice(nl + 1);
      return line;
    }
    let n = 0;
    try {
      n = readSync(0, chunk, 0, chunk.length, null);
    } catch (e: any) {
      if (e.code === "EAGAIN") continue;
      return null;
    }
    if (n === 0) return null;
    stdinBuf += chunk.toString("utf8", 0, n);
  }
}

function dispatch(e: Ev): any {
  if (e.kind === "msg" && e.channel === "hello") {
    hellosWanted--;
    if (hellosWanted === 0 && afterHellos) {
      const then = afterHellos;
      afterHellos = null;
      then();
    }
    return null;
  }
  return onEvent(e);
}

function open(): number {
  const id = views.length;
  const w = new Webview(false, { width: 640, height: 480, hint: 0 });
  w.title = "bench";
  w.bind("__send", (c: string, d: any) => dispatch({ kind: "msg", id, channel: c, payload: d }));
  w.bind("__send_b64", (c: string, s: string) =>
    dispatch({ kind: "bytes", id, channel: c, len: Buffer.from(s, "base64").length }),
  );
  w.bind("__invoke", (_n: string, a: any[]) => dispatch({ kind: "invoke", id, args: a }));
  w.bind("__result", (call: number, v: any) => dispatch({ kind: "result", call, value: v }));
  w.setHTML(page);
  views.push(w);
  return id;
}

function openWindows(n: number, then: () => void) {
  hellosWanted = n;
  afterHellos = then;
  for (let i = 0; i < n; i++) open();
}

const post = (id: number, c: string, json: string) => views[id]!.eval(`__recv(${JSON.stringify(c)},${json})`);
const now = () => Bun.nanoseconds();

function finish(result: unknown) {
  onEvent = () => null;
  say(result);
  // Still inside a bound callback: take the next task from here.
  queueTask();
}

function payload(size: number) {
  return size <= 32 ? '{"n":1,"s":"ping"}' : JSON.stringify("x".repeat(size - 2));
}

const tasks: Record<string, (t: any) => void> = {
  rt(t) {
    const samples: number[] = [];
    let last = now();
    onEvent = (e) => {
      if (e.kind !== "msg" || e.channel !== "echo") return;
      const at = now();
      samples.push(at - last);
      last = at;
      if (samples.length < t.n) post(0, "echo", JSON.stringify(e.payload));
      else finish({ samples });
    };
    post(0, "echo", payload(t.size));
  },
  h2p(t) {
    let start = 0;
    onEvent = (e) => {
      if (e.kind !== "msg") return;
      if (e.channel === "tick_n") {
        start = now();
        for (let i = 0; i < t.n; i++) post(0, "tick", `{"i":${i}}`);
      } else if (e.channel === "ticks_done") finish({ samples: [now() - start] });
    };
    post(0, "tick_n", String(t.n));
  },
  p2h(t) {
    let got = 0;
    const start = now();
    onEvent = (e) => {
      if (e.kind === "msg" && e.channel === "f" && ++got === t.n) finish({ samples: [now() - start] });
    };
    post(0, "flood", String(t.n));
  },
  inv_p2h(t) {
    const samples: number[] = [];
    let last = now();
    onEvent = (e) => {
      if (e.kind === "invoke") {
        const at = now();
        samples.push(at - last);
        last = at;
        return e.args[0];
      }
      if (e.kind === "msg" && e.channel === "inv_done") finish({ samples });
    };
    post(0, "inv_loop", String(t.n));
  },
  inv_h2p(t) {
    const samples: number[] = [];
    let i = 0;
    let start = 0;
    const call = () => {
      start = now();
      views[0]!.eval(`__call(${i},"echo",[${i}])`);
    };
    onEvent = (e) => {
      if (e.kind !== "result") return;
      samples.push(now() - start);
      if (++i < t.n) call();
      else finish({ samples });
    };
    call();
  },
  bytes_h2p(t) {
    const buf = Buffer.alloc(t.size);
    for (let i = 0; i < t.size; i++) buf[i] = i % 251;
    const start = now();
    onEvent = (e) => {
      if (e.kind === "msg" && e.channel === "blob_ok") finish({ samples: [now() - start] });
    };
    views[0]!.eval(`__recv_b64("blob","${buf.toString("base64")}")`);
  },
  bytes_p2h(t) {
    let start = 0;
    onEvent = (e) => {
      if (e.kind === "msg" && e.channel === "blob_ready") {
        start = now();
        post(0, "blob_go", "null");
      } else if (e.kind === "bytes") {
        if (e.len !== t.size) finish({ error: `got ${e.len} bytes` });
        else finish({ samples: [now() - start] });
      }
    };
    post(0, "blob_prep", String(t.size));
  },
  windows(t) {
    const start = now();
    openWindows(t.n, () => {
      // The windows stay open: destroying a webview from inside a bound callback (where the
      // program runs) is not safe with webview/webview.
      finish({ samples: [now() - start] });
    });
  },
};

function queueTask() {
  const line = readLine();
  if (line === null) process.exit(0);
  try {
    const t = JSON.parse(line);
    const fn = tasks[t.w];
    if (!fn) throw new Error("unknown task " + t.w);
    fn(t);
  } catch (e: any) {
    finish({ error: String(e?.message ?? e) });
  }
}

openWindows(startWindows, () => {
  say({ ready: true });
  if (!idleOnly) queueTask();
});
views[0]!.run();
