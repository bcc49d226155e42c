// The page runtime of transom: defines `window.host` in the main frame of every page a transom
// webview shows, before the page's own scripts run. Types: host.d.ts beside this file.
//
// Wire format (docs/protocol.md, "Page wire format"):
//   page -> host: postMessage(SECRET + JSON array of messages), one post per JS task, to
//                 window.webkit.messageHandlers.transom (Linux) or window.ipc (elsewhere);
//                 bytes go first as the body of a POST to transom://ipc/upload/SECRET/ID.
//   host -> page: window.__transom_receive(SECRET, TEXT) evaluated by the GUI thread, TEXT a
//                 JSON array of messages in a string, one evaluation per webview per GUI-loop
//                 turn; bytes are fetched from transom://ipc/download/SECRET/ID.
// SECRET is made fresh for each webview by the library and kept in this closure only: a sub-frame
// or another script that reaches the message handler directly cannot sign its messages, and the
// host drops them. The library fills in SECRET, the shared state, the size limit and the channel
// window when it injects this script.
(function () {
  "use strict";
  if (window.top !== window || Object.prototype.hasOwnProperty.call(window, "host")) return;
  // The origin gate: a page whose origin the webview does not allow gets no window.host and
  // never sees SECRET. The same decision as `origin_allowed` in src/security.rs: "*", an exact
  // origin, or "scheme://*.domain" for the subdomains of domain.
  const ALLOWED_ORIGINS = __TRANSOM_ORIGINS__;
  function originAllowed(origin) {
    for (const pattern of ALLOWED_ORIGINS) {
      if (pattern === "*" || pattern === origin) return true;
      const star = pattern.indexOf("://*.");
      if (star < 0) continue;
      const prefix = pattern.slice(0, star + 3);
      const domain = pattern.slice(star + 4); // ".example.com"
      if (!origin.startsWith(prefix) || !origin.endsWith(domain)) continue;
      const sub = origin.slice(prefix.length, origin.length - domain.length);
      if (sub.length > 0 && !/[:/]/.test(sub)) return true;
    }
    return false;
  }
  if (!originAllowed(String(window.location.origin))) return;
  const SECRET = "__TRANSOM_SECRET__";
  const INITIAL_STATE = __TRANSOM_STATE__; // {key: [version, value]}
  const MAX_MESSAGE_BYTES = __TRANSOM_MAX_MESSAGE_BYTES__;
  const CHANNEL_WINDOW = __TRANSOM_CHANNEL_WINDOW__;
  const IPC_URL = "transom://ipc/";

  // Linux (WebKitGTK): a script message handler of transom's own; elsewhere wry's window.ipc.
  const webkitHandlers = window.webkit && window.webkit.messageHandlers;
  const port = (webkitHandlers && webkitHandlers.transom) || window.ipc;
  if (!port || typeof port.postMessage !== "function") return;
  const postMessage = port.postMessage.bind(port);
  const stringify = JSON.stringify;
  const nativeFetch = window.fetch.bind(window);

  // ---- errors -------------------------------------------------------------------------------
  const errorListeners = new Set();
  function reportError(error) {
    if (typeof window.reportError === "function") window.reportError(error);
    else console.error(error);
  }
  /** Tells every onError listener (or the console, when there is none) about an ipc error. */
  function ipcError(kind, message, detail) {
    const error = new Error(message);
    error.kind = kind;
    if (detail) Object.assign(error, detail);
    if (errorListeners.size === 0) {
      console.warn("transom: " + message);
      return error;
    }
    for (const fn of Array.from(errorListeners)) {
      try {
        fn(error);
      } catch (e) {
        reportError(e);
      }
    }
    return error;
  }
  function onError(fn) {
    if (typeof fn !== "function") throw new TypeError("listener must be a function");
    errorListeners.add(fn);
    return () => errorListeners.delete(fn);
  }
  function errorMessage(error) {
    return error instanceof Error ? error.message : String(error);
  }

  // ---- page -> host, batched per task; an upload holds what follows until it is in -----------
  let outbox = [];
  let flushQueued = false;
  let uploading = null; // Promise of the upload in flight
  const afterUpload = []; // messages waiting for it, in order
  function flush() {
    flushQueued = false;
    if (outbox.length === 0) return;
    const batch = outbox;
    outbox = [];
    postMessage(SECRET + "[" + batch.join(",") + "]");
  }
  function enqueue(text) {
    if (uploading) {
      afterUpload.push(text);
      return;
    }
    outbox.push(text);
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flush);
    }
  }
  /** Bytes of `text` in UTF-8, which is what the library counts. */
  function utf8Length(text) {
    let bytes = text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) bytes += c >= 0x800 && !(c >= 0xd800 && c <= 0xdfff) ? 2 : 1;
    }
    return bytes;
  }
  function toJson(value) {
    const text = stringify(value);
    return text === undefined ? "null" : text;
  }
  function checkName(what, name) {
    if (typeof name !== "string" || name.length === 0 || utf8Length(name) > 256) {
      throw new TypeError(what + " must be a string of 1 to 256 bytes of UTF-8");
    }
    return stringify(name);
  }
  /** Refuses text over the limit, in UTF-8 bytes (a UTF-16 unit is at most 3 of them, so the
   *  count is only needed near the limit). */
  function checkSize(what, text) {
    if (text.length * 3 > MAX_MESSAGE_BYTES && utf8Length(text) > MAX_MESSAGE_BYTES) {
      throw new RangeError(what + " is larger than max_message_bytes (" + MAX_MESSAGE_BYTES + ")");
    }
    return text;
  }
  /** A copy of binary data, taken when it is sent: the caller may reuse its buffer at once, while
   *  the upload happens later. */
  function asBytes(data) {
    if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    return null;
  }
  let nextUpload = 1;
  /** Sends bytes as a request body, then the message `make(id)` that refers to them. Messages
   *  sent after it wait until the upload is in, so that order is kept. When the upload fails the
   *  message is not sent: `onError` hears of it and `failed()` runs. */
  function sendBytes(bytes, make, failed) {
    if (bytes.byteLength > MAX_MESSAGE_BYTES) {
      throw new RangeError("bytes are larger than max_message_bytes (" + MAX_MESSAGE_BYTES + ")");
    }
    const id = nextUpload++;
    flush();
    const mine = (uploading || Promise.resolve())
      .then(() => nativeFetch(IPC_URL + "upload/" + SECRET + "/" + id, { method: "POST", body: bytes }))
      .then((response) => {
        if (!response.ok) throw new Error("upload refused: " + response.status);
        return true;
      })
      .catch((error) => {
        ipcError("bytes", "sending bytes failed: " + errorMessage(error));
        if (failed) failed();
        return false;
      })
      .then((sent) => {
        if (uploading === mine) uploading = null;
        if (sent) outbox.push(make(id));
        const waiting = afterUpload.splice(0);
        for (const text of waiting) enqueue(text);
        flush();
      });
    uploading = mine;
  }

  // ---- events -------------------------------------------------------------------------------
  /** The listeners of a channel or of a channel's event. A dispatch calls those there were when
   *  it began: it goes through an array that is made again only after a change, not copied for
   *  every message. */
  class Listeners {
    constructor() {
      this.set = new Set();
      this.list = null; // Array.from(set), until the set changes
    }
    get size() {
      return this.set.size;
    }
    add(fn) {
      if (this.set.has(fn)) return;
      this.set.add(fn);
      this.list = null;
    }
    delete(fn) {
      if (!this.set.delete(fn)) return false;
      this.list = null;
      return true;
    }
    snapshot() {
      return this.list || (this.list = Array.from(this.set));
    }
  }
  const listeners = new Map(); // channel -> Listeners
  function on(channel, fn) {
    checkName("channel", channel);
    if (typeof fn !== "function") throw new TypeError("listener must be a function");
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Listeners()));
    set.add(fn);
    return () => off(channel, fn);
  }
  function off(channel, fn) {
    const set = listeners.get(channel);
    if (!set) return;
    set.delete(fn);
    if (set.size === 0) listeners.delete(channel);
  }
  function once(channel, fn) {
    const unsubscribe = on(channel, function onceListener(data) {
      unsubscribe();
      fn(data);
    });
    return unsubscribe;
  }
  function send(channel, data) {
    const name = checkName("channel", channel);
    const bytes = asBytes(data);
    if (bytes) {
      sendBytes(bytes, (id) => '{"t":"send","c":' + name + ',"b":' + id + "}");
      return;
    }
    enqueue(checkSize("message", '{"t":"send","c":' + name + ',"d":' + toJson(data) + "}"));
  }
  function dispatch(set, data) {
    if (!set) return false;
    const fns = set.snapshot();
    for (let i = 0; i < fns.length; i++) {
      try {
        fns[i](data);
      } catch (error) {
        reportError(error);
      }
    }
    return true;
  }

  // ---- invoke, page -> host -----------------------------------------------------------------
  let nextCall = 1;
  const pending = new Map(); // page call id -> {resolve, reject, timer, name}
  function invokeWith(options, name, ...args) {
    const timeout = options && options.timeout;
    if (timeout !== undefined && !(typeof timeout === "number" && timeout > 0)) {
      return Promise.reject(new TypeError("timeout must be a positive number of milliseconds"));
    }
    let text;
    const id = nextCall;
    try {
      text = checkSize(
        "arguments of " + name,
        '{"t":"invoke","id":' + id + ',"n":' + checkName("handler name", name) + ',"a":' + toJson(args) + "}",
      );
    } catch (error) {
      return Promise.reject(error);
    }
    nextCall++;
    return new Promise((resolve, reject) => {
      const call = { resolve, reject, name, timer: 0 };
      if (timeout !== undefined) {
        call.timer = setTimeout(() => {
          pending.delete(id);
          enqueue('{"t":"cancel","id":' + id + "}");
          const message = "invoke " + name + " timed out after " + timeout + " ms";
          reject(ipcError("timeout", message, { handler: name }));
        }, timeout);
      }
      pending.set(id, call);
      enqueue(text);
    });
  }
  function invoke(name, ...args) {
    return invokeWith(undefined, name, ...args);
  }

  // ---- invoke, host -> page -----------------------------------------------------------------
  const handlers = new Map(); // name -> fn
  const running = new Set(); // host calls whose handler has not settled
  const cancelled = new Set(); // running calls the program gave up on
  function handle(name, fn) {
    checkName("handler name", name);
    if (typeof fn !== "function") throw new TypeError("handler must be a function");
    handlers.set(name, fn);
    return () => {
      if (handlers.get(name) === fn) handlers.delete(name);
    };
  }
  function answer(id, ok, value) {
    running.delete(id);
    if (cancelled.delete(id)) return;
    let text;
    if (ok) {
      try {
        text = checkSize("the answer", '{"t":"result","id":' + id + ',"ok":true,"v":' + toJson(value) + "}");
      } catch (error) {
        ok = false;
        value = "handler result cannot be sent: " + errorMessage(error);
      }
    }
    if (!ok) text = '{"t":"result","id":' + id + ',"ok":false,"e":' + stringify(String(value)) + "}";
    enqueue(text);
  }
  function runHandler(id, name, args) {
    const fn = handlers.get(name);
    if (!fn) {
      answer(id, false, "no handler named " + name);
      return;
    }
    running.add(id);
    new Promise((resolve) => resolve(fn(...args))).then(
      (value) => answer(id, true, value),
      (error) => answer(id, false, errorMessage(error)),
    );
  }

  // ---- channels -----------------------------------------------------------------------------
  const channels = new Map(); // host channel id -> channel record
  const opening = new Map(); // page tag -> channel record, until the host gives it an id
  const channelHandlers = new Map(); // name -> fn(channel)
  let nextTag = 1;

  /** A channel: `api` is what the page sees; the rest is the runtime's. */
  function makeChannel(name) {
    const messageListeners = new Listeners();
    const closeListeners = new Listeners();
    let closeResolve;
    const closed = new Promise((resolve) => (closeResolve = resolve));
    const record = {
      id: 0,
      open: true,
      unacked: 0, // charge of our sends the host has not consumed yet (JSON characters or bytes)
      waiting: [], // sends held back by the window or by a missing id: {body, bytes, charge, resolve}
      inbox: [], // messages that came before any listener: [data, charge]
      consumed: 0, // charge consumed since the last ack
      ackQueued: false,
      pump() {
        if (!record.id) return;
        while (record.waiting.length && record.open) {
          const next = record.waiting[0];
          if (record.unacked > 0 && record.unacked + next.charge > CHANNEL_WINDOW) return;
          record.waiting.shift();
          record.unacked += next.charge;
          const head = '{"t":"chmsg","ch":' + record.id + ',"z":' + next.charge;
          if (next.bytes) {
            const charge = next.charge;
            sendBytes(next.bytes, (id) => head + ',"b":' + id + "}", () => {
              record.unacked = Math.max(0, record.unacked - charge);
              record.pump();
            });
          }
          else enqueue(head + ',"d":' + next.body + "}");
          next.resolve();
        }
      },
      deliver(data, charge) {
        if (messageListeners.size === 0) {
          record.inbox.push([data, charge]);
          return;
        }
        dispatch(messageListeners, data);
        record.taken(charge);
      },
      /** Gives `charge` back to the program (a message was taken, or lost on its way). */
      taken(charge) {
        record.consumed += charge;
        if (!record.ackQueued) {
          record.ackQueued = true;
          queueMicrotask(() => {
            record.ackQueued = false;
            if (record.open && record.consumed > 0) {
              enqueue('{"t":"ack","ch":' + record.id + ',"z":' + record.consumed + "}");
              record.consumed = 0;
            }
          });
        }
      },
      finish(reason) {
        if (!record.open) return;
        record.open = false;
        channels.delete(record.id);
        for (const w of record.waiting.splice(0)) w.reject(new Error("channel " + name + " closed: " + reason));
        dispatch(closeListeners, reason);
        closeResolve({ reason });
      },
    };
    const api = {
      name,
      get id() {
        return record.id;
      },
      get isOpen() {
        return record.open;
      },
      closed,
      send(data) {
        if (!record.open) return Promise.reject(new Error("channel " + name + " is closed"));
        const bytes = asBytes(data);
        let body = null;
        try {
          if (!bytes) body = checkSize("channel message", toJson(data));
          else if (bytes.byteLength > MAX_MESSAGE_BYTES) throw new RangeError("bytes are larger than max_message_bytes");
        } catch (error) {
          return Promise.reject(error);
        }
        return new Promise((resolve, reject) => {
          record.waiting.push({ body, bytes, charge: bytes ? bytes.byteLength : body.length, resolve, reject });
          record.pump();
        });
      },
      on(kind, fn) {
        if (typeof fn !== "function") throw new TypeError("listener must be a function");
        if (kind === "message") {
          messageListeners.add(fn);
          for (const [data, charge] of record.inbox.splice(0)) record.deliver(data, charge);
          return () => messageListeners.delete(fn);
        }
        if (kind === "close") {
          closeListeners.add(fn);
          return () => closeListeners.delete(fn);
        }
        throw new TypeError('channel events are "message" and "close"');
      },
      close() {
        if (!record.open) return;
        if (record.id) enqueue('{"t":"chclose","ch":' + record.id + "}");
        record.finish("closed by the page");
      },
      [Symbol.asyncIterator]() {
        const queue = [];
        let wake = null;
        let done = false;
        const unsubscribe = api.on("message", (data) => {
          queue.push(data);
          if (wake) wake();
        });
        closed.then(() => {
          done = true;
          if (wake) wake();
        });
        return {
          async next() {
            while (queue.length === 0 && !done) await new Promise((r) => (wake = r));
            wake = null;
            if (queue.length) return { value: queue.shift(), done: false };
            unsubscribe();
            return { value: undefined, done: true };
          },
          async return() {
            unsubscribe();
            return { value: undefined, done: true };
          },
        };
      },
    };
    record.api = Object.freeze(api);
    return record;
  }
  function openChannel(name) {
    const quoted = checkName("channel name", name);
    const record = makeChannel(name);
    const tag = nextTag++;
    opening.set(tag, record);
    enqueue('{"t":"open","tag":' + tag + ',"n":' + quoted + "}");
    return record.api;
  }
  function onChannel(name, fn) {
    checkName("channel name", name);
    if (typeof fn !== "function") throw new TypeError("handler must be a function");
    channelHandlers.set(name, fn);
    return () => {
      if (channelHandlers.get(name) === fn) channelHandlers.delete(name);
    };
  }

  // ---- shared state -------------------------------------------------------------------------
  const stateValues = new Map(); // key -> [version, value]
  for (const key of Object.keys(INITIAL_STATE)) stateValues.set(key, INITIAL_STATE[key]);
  const watchers = new Map(); // key -> Set<fn(value, old)>
  function setState(key, value, version) {
    const old = stateValues.get(key);
    if (old && version <= old[0] && version !== 0) return;
    stateValues.set(key, [version || (old ? old[0] : 0), value]);
    const oldValue = old ? old[1] : undefined;
    if (stringify(oldValue) === stringify(value)) return;
    const set = watchers.get(key);
    if (!set) return;
    for (const fn of Array.from(set)) {
      try {
        fn(value, oldValue);
      } catch (error) {
        reportError(error);
      }
    }
  }
  const state = new Proxy(Object.create(null), {
    get(_, key) {
      if (typeof key !== "string") return undefined;
      const entry = stateValues.get(key);
      return entry ? entry[1] : undefined;
    },
    set(_, key, value) {
      const quoted = checkName("state key", key);
      const text = checkSize("state value", toJson(value));
      // Written locally at once (version 0: "mine, not yet ordered"); the host's answer, with the
      // version it gave, settles every webview on the same value.
      setState(key, JSON.parse(text), 0);
      enqueue('{"t":"state","k":' + quoted + ',"v":' + text + "}");
      return true;
    },
    has(_, key) {
      return stateValues.has(key);
    },
    ownKeys() {
      return Array.from(stateValues.keys());
    },
    getOwnPropertyDescriptor(_, key) {
      const entry = stateValues.get(key);
      return entry ? { value: entry[1], enumerable: true, configurable: true, writable: true } : undefined;
    },
    deleteProperty() {
      throw new TypeError("state keys cannot be deleted; set them to null");
    },
  });
  function watchState(key, fn) {
    checkName("state key", key);
    if (typeof fn !== "function") throw new TypeError("watcher must be a function");
    let set = watchers.get(key);
    if (!set) watchers.set(key, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  // ---- host -> page delivery, in order ------------------------------------------------------
  // A batch is delivered in one loop as it is read. Only bytes make messages wait: from a message
  // with bytes on, the batch's messages (and those of later batches) queue in `held` until the
  // bytes are in, and `drain` delivers them in order.
  let held = null;
  async function download(id) {
    const response = await nativeFetch(IPC_URL + "download/" + SECRET + "/" + id);
    if (!response.ok) throw new Error("download refused: " + response.status);
    return new Uint8Array(await response.arrayBuffer());
  }
  async function drain() {
    const queue = held;
    let i = 0;
    while (i < queue.length) {
      const message = queue[i];
      queue[i++] = undefined;
      if (i >= 1024 && i * 2 >= queue.length) {
        queue.splice(0, i); // lets go of what was delivered
        i = 0;
      }
      if (message.b !== undefined) {
        try {
          message.d = await download(message.b);
        } catch (error) {
          ipcError("bytes", "receiving bytes failed: " + errorMessage(error));
          const record = message.t === "chmsg" && channels.get(message.ch);
          if (record) record.taken(message.z);
          continue;
        }
      }
      try {
        deliver(message);
      } catch (error) {
        reportError(error);
      }
    }
    held = null;
  }
  function receive(batch) {
    let i = 0;
    if (held) {
      while (i < batch.length) held.push(batch[i++]);
      return;
    }
    // One try around the loop, not one per message: after a throw the loop goes on with the next.
    while (i < batch.length) {
      try {
        while (i < batch.length) {
          const message = batch[i++];
          if (message.b !== undefined) {
            held = batch.slice(i - 1);
            drain();
            return;
          }
          deliver(message);
        }
      } catch (error) {
        reportError(error);
      }
    }
  }
  function deliver(message) {
    switch (message.t) {
      case "send":
        dispatch(listeners.get(message.c), message.d);
        return;
      case "invoke":
        runHandler(message.id, message.n, message.a);
        return;
      case "cancel":
        if (running.has(message.id)) cancelled.add(message.id);
        return;
      case "result": {
        const call = pending.get(message.id);
        if (!call) return;
        pending.delete(message.id);
        clearTimeout(call.timer);
        if (message.ok) call.resolve(message.v);
        else call.reject(ipcError("invoke", message.e, { handler: call.name }));
        return;
      }
      case "opened": {
        const record = opening.get(message.tag);
        if (!record) return;
        opening.delete(message.tag);
        record.id = message.ch;
        if (!record.open) {
          enqueue('{"t":"chclose","ch":' + message.ch + "}");
          return;
        }
        channels.set(message.ch, record);
        record.pump();
        return;
      }
      case "open": {
        const record = makeChannel(message.n);
        record.id = message.ch;
        channels.set(message.ch, record);
        const fn = channelHandlers.get(message.n);
        if (!fn) {
          const reason = "no channel handler named " + message.n;
          enqueue('{"t":"chclose","ch":' + message.ch + ',"r":' + stringify(reason) + "}");
          record.finish(reason);
          return;
        }
        try {
          fn(record.api);
        } catch (error) {
          reportError(error);
        }
        return;
      }
      case "chmsg": {
        const record = channels.get(message.ch);
        if (record) record.deliver(message.d, message.z);
        return;
      }
      case "ack": {
        const record = channels.get(message.ch);
        if (!record) return;
        record.unacked = Math.max(0, record.unacked - message.z);
        record.pump();
        return;
      }
      case "chclose": {
        const record = channels.get(message.ch);
        if (record) record.finish(message.r || "closed by the program");
        return;
      }
      case "state":
        setState(message.k, message.v, message.n);
        return;
      case "error":
        ipcError(message.kind || "dropped", message.m);
        return;
    }
  }
  Object.defineProperty(window, "__transom_receive", {
    // The batch comes as the text of a JSON array: JSON.parse reads it much faster than
    // JavaScriptCore compiles the same array written as a literal in the script.
    value: function (secret, batch) {
      if (secret === SECRET) receive(JSON.parse(batch));
    },
  });

  const host = Object.freeze({
    send,
    on,
    off,
    once,
    invoke,
    invokeWith,
    handle,
    channel: openChannel,
    onChannel,
    state,
    watchState,
    onError,
  });
  Object.defineProperty(window, "host", { value: host, enumerable: true });

  // The host holds what it sends until the page's own scripts have run and registered listeners.
  function ready() {
    enqueue('{"t":"ready"}');
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready, { once: true });
  } else {
    ready();
  }
})();
