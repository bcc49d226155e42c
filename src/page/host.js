// The page runtime of transom: defines `window.host` in the main frame of every page a transom
// webview shows, before the page's own scripts run. Types: host.d.ts beside this file.
//
// Wire format (docs/protocol.md, "Page wire format"):
//   page -> host: postMessage(SECRET + JSON array of messages), one post per JS task, to
//                 window.webkit.messageHandlers.transom (Linux) or window.ipc (elsewhere)
//   host -> page: window.__transom_receive(SECRET, [messages]) evaluated by the GUI thread, one
//                 evaluation per webview per GUI-loop turn
// SECRET is made fresh for each webview by the library and kept in this closure only: a sub-frame
// or another script that reaches the message handler directly cannot sign its messages, and the
// host drops them.
(function () {
  "use strict";
  if (window.top !== window || Object.prototype.hasOwnProperty.call(window, "host")) return;
  const SECRET = "__TRANSOM_SECRET__";
  // Linux (WebKitGTK): a script message handler of transom's own; elsewhere wry's window.ipc.
  const webkitHandlers = window.webkit && window.webkit.messageHandlers;
  const port = (webkitHandlers && webkitHandlers.transom) || window.ipc;
  if (!port || typeof port.postMessage !== "function") return;
  const postMessage = port.postMessage.bind(port);
  const stringify = JSON.stringify;

  // ---- page -> host, batched per task -------------------------------------------------------
  let outbox = [];
  let flushQueued = false;
  function flush() {
    flushQueued = false;
    if (outbox.length === 0) return;
    const batch = outbox;
    outbox = [];
    postMessage(SECRET + "[" + batch.join(",") + "]");
  }
  function enqueue(text) {
    outbox.push(text);
    if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flush);
    }
  }
  function toJson(value) {
    const text = stringify(value);
    return text === undefined ? "null" : text;
  }
  function checkName(what, name) {
    if (typeof name !== "string" || name.length === 0) {
      throw new TypeError(what + " must be a non-empty string");
    }
    return stringify(name);
  }
  function reportError(error) {
    if (typeof window.reportError === "function") window.reportError(error);
    else console.error(error);
  }
  function errorMessage(error) {
    if (error instanceof Error) return error.message;
    return String(error);
  }

  // ---- events -------------------------------------------------------------------------------
  const listeners = new Map(); // channel -> Set<fn>
  function on(channel, fn) {
    checkName("channel", channel);
    if (typeof fn !== "function") throw new TypeError("listener must be a function");
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
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
    enqueue('{"t":"send","c":' + name + ',"d":' + toJson(data) + "}");
  }

  // ---- invoke, page -> host -----------------------------------------------------------------
  let nextCall = 1;
  const pending = new Map(); // page call id -> {resolve, reject}
  function invoke(name, ...args) {
    let text;
    try {
      text = '{"t":"invoke","id":' + nextCall + ',"n":' + checkName("handler name", name) + ',"a":' + toJson(args) + "}";
    } catch (error) {
      return Promise.reject(error);
    }
    const id = nextCall++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      enqueue(text);
    });
  }

  // ---- invoke, host -> page -----------------------------------------------------------------
  const handlers = new Map(); // name -> fn
  function handle(name, fn) {
    checkName("handler name", name);
    if (typeof fn !== "function") throw new TypeError("handler must be a function");
    handlers.set(name, fn);
    return () => {
      if (handlers.get(name) === fn) handlers.delete(name);
    };
  }
  function answer(id, ok, value) {
    let text;
    if (ok) {
      try {
        text = '{"t":"result","id":' + id + ',"ok":true,"v":' + toJson(value) + "}";
      } catch (error) {
        ok = false;
        value = "handler result is not JSON: " + errorMessage(error);
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
    new Promise((resolve) => resolve(fn(...args))).then(
      (value) => answer(id, true, value),
      (error) => answer(id, false, errorMessage(error)),
    );
  }

  // ---- host -> page delivery ----------------------------------------------------------------
  function deliver(message) {
    switch (message.t) {
      case "send": {
        const set = listeners.get(message.c);
        if (!set) return;
        for (const fn of Array.from(set)) {
          try {
            fn(message.d);
          } catch (error) {
            reportError(error);
          }
        }
        return;
      }
      case "invoke":
        runHandler(message.id, message.n, message.a);
        return;
      case "result": {
        const call = pending.get(message.id);
        if (!call) return;
        pending.delete(message.id);
        if (message.ok) call.resolve(message.v);
        else call.reject(new Error(message.e));
        return;
      }
    }
  }
  Object.defineProperty(window, "__transom_receive", {
    value: function (secret, batch) {
      if (secret !== SECRET) return;
      for (const message of batch) deliver(message);
    },
  });

  const host = Object.freeze({ send, on, off, once, invoke, handle });
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
