//! The page every backend shows. One workload script (`CORE`) runs on top of an adapter `T` that
//! maps five verbs onto the API under test: `on`/`send` (events both ways), `invoke`/`handle`
//! (awaitable calls both ways), `sendBytes` (binary page -> program).
//!
//! - transom: `window.host` as it is.
//! - raw wry: what a user of raw wry writes: `window.ipc.postMessage(JSON.stringify(..))` one way,
//!   `evaluate_script("__recv(..)")` the other, a promise table for calls, base64 for bytes.
//! - the peers' scripts (`bench/peers/`) bring their own adapters and the same `CORE`.

/// The workloads, page side. Every reply goes through `T`, so the program side times whole trips.
pub const CORE: &str = r#"
(function () {
  const T = window.__bench;
  // page -> program -> page round trip: the program posts, the page answers at once.
  T.on("echo", (d) => T.send("echo", d));
  // program -> page throughput: count ticks, report the last one.
  let ticks = 0, tickN = 0;
  T.on("tick_n", (n) => { ticks = 0; tickN = n; T.send("tick_n", n); });
  T.on("tick", (d) => { if (++ticks === tickN) T.send("ticks_done", ticks); });
  // page -> program throughput: n messages sent in one task.
  T.on("flood", (n) => { for (let i = 0; i < n; i++) T.send("f", i); });
  // page -> program calls, one after the other.
  T.on("inv_loop", async (n) => {
    for (let i = 0; i < n; i++) await T.invoke("echo", i);
    T.send("inv_done", n);
  });
  // program -> page calls.
  T.handle("echo", (x) => x);
  // bytes: the program's arrive as a Uint8Array; the page's are made before the clock starts.
  T.onBytes("blob", (u8) => T.send("blob_ok", u8.length));
  let blob = null;
  T.on("blob_prep", (n) => {
    blob = new Uint8Array(n);
    for (let i = 0; i < n; i += 4096) blob[i] = i & 255;
    T.send("blob_ready", n);
  });
  T.on("blob_go", () => { T.sendBytes("blob", blob); blob = null; });
  T.send("hello", 1);
})();
"#;

/// The adapter for transom pages: `window.host` as it is.
pub const TRANSOM_ADAPTER: &str = r#"
window.__bench = {
  on: (c, f) => host.on(c, f),
  onBytes: (c, f) => host.on(c, f),
  send: (c, d) => host.send(c, d),
  sendBytes: (c, u8) => host.send(c, u8),
  invoke: (n, ...a) => host.invoke(n, ...a),
  handle: (n, f) => host.handle(n, f),
};
"#;

/// Base64 helpers of the adapters without a binary path (the fastest a page has: the built-in
/// `Uint8Array.fromBase64`/`toBase64` where the engine has them, `atob`/`btoa` otherwise).
const B64: &str = r#"
  const fromB64 = Uint8Array.fromBase64 ? (s) => Uint8Array.fromBase64(s) : (s) => {
    const bin = atob(s), out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  };
  const toB64 = Uint8Array.prototype.toBase64 ? (u8) => u8.toBase64() : (u8) => {
    let s = "";
    for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
    return btoa(s);
  };
"#;

/// The adapter for raw wry (and webview-napi, which is wry too): JSON over
/// `window.ipc.postMessage`, scripts the other way.
pub fn raw_adapter() -> String {
    format!(
        r#"
window.__bench = (function () {{
  const listeners = new Map(), handlers = new Map(), pending = new Map();
  let next = 1;
  const post = (o) => window.ipc.postMessage(JSON.stringify(o));
  {B64}
  window.__recv = (c, d) => {{ const f = listeners.get(c); if (f) f(d); }};
  window.__recv_b64 = (c, s) => {{ const f = listeners.get(c); if (f) f(fromB64(s)); }};
  window.__resolve = (id, v) => {{ const p = pending.get(id); pending.delete(id); if (p) p(v); }};
  window.__call = (id, n, a) => {{
    Promise.resolve(handlers.get(n)(...a)).then((v) => post({{ k: "r", id, v }}));
  }};
  return {{
    on: (c, f) => listeners.set(c, f),
    onBytes: (c, f) => listeners.set(c, f),
    send: (c, d) => post({{ k: "m", c, d }}),
    sendBytes: (c, u8) => post({{ k: "b", c, b: toB64(u8) }}),
    invoke: (n, ...a) => new Promise((resolve) => {{ const id = next++; pending.set(id, resolve); post({{ k: "i", id, n, a }}); }}),
    handle: (n, f) => handlers.set(n, f),
  }};
}})();
"#
    )
}

/// The adapter for pywebview: `window.pywebview.api` (a Python js_api object) one way,
/// `evaluate_js` the other.
pub fn pywebview_adapter() -> String {
    format!(
        r#"
window.__bench = (function () {{
  const listeners = new Map(), handlers = new Map(), waiting = [];
  let api = null;
  {B64}
  const withApi = (fn) => {{ if (api) fn(api); else waiting.push(fn); }};
  const ready = () => {{ api = window.pywebview.api; for (const fn of waiting.splice(0)) fn(api); }};
  if (window.pywebview && window.pywebview.api && window.pywebview.api.send) ready();
  else window.addEventListener("pywebviewready", ready);
  window.__recv = (c, d) => {{ const f = listeners.get(c); if (f) f(d); }};
  window.__recv_b64 = (c, s) => {{ const f = listeners.get(c); if (f) f(fromB64(s)); }};
  window.__handle = (n, a) => handlers.get(n)(...a);
  return {{
    on: (c, f) => listeners.set(c, f),
    onBytes: (c, f) => listeners.set(c, f),
    send: (c, d) => withApi((a) => a.send(c, d)),
    sendBytes: (c, u8) => withApi((a) => a.send_b64(c, toB64(u8))),
    invoke: (n, ...args) => new Promise((resolve) => withApi((a) => a.invoke(n, args).then(resolve))),
    handle: (n, f) => handlers.set(n, f),
  }};
}})();
"#
    )
}

/// The adapter for webview-bun (webview/webview): functions bound with `webview.bind` one way
/// (`__send`, `__send_b64`, `__invoke`, each returning a Promise), `webview.eval` the other.
pub fn bun_adapter() -> String {
    format!(
        r#"
window.__bench = (function () {{
  const listeners = new Map(), handlers = new Map();
  {B64}
  window.__recv = (c, d) => {{ const f = listeners.get(c); if (f) f(d); }};
  window.__recv_b64 = (c, s) => {{ const f = listeners.get(c); if (f) f(fromB64(s)); }};
  window.__call = (id, n, a) => {{
    Promise.resolve(handlers.get(n)(...a)).then((v) => window.__result(id, v));
  }};
  return {{
    on: (c, f) => listeners.set(c, f),
    onBytes: (c, f) => listeners.set(c, f),
    send: (c, d) => {{ window.__send(c, d); }},
    sendBytes: (c, u8) => {{ window.__send_b64(c, toB64(u8)); }},
    invoke: (n, ...a) => window.__invoke(n, a),
    handle: (n, f) => handlers.set(n, f),
  }};
}})();
"#
    )
}

/// A whole document with `adapter` and the workloads.
pub fn document(adapter: &str) -> String {
    format!("<!doctype html><html><head><meta charset=\"utf-8\"><title>bench</title></head><body><p>transom-bench</p><script>{adapter}\n{CORE}</script></body></html>")
}
