/**
 * The Deno backend: libtransom through `Deno.dlopen` (needs --allow-ffi; the functions, event
 * reading and commands shared with Bun are in ffi.ts).
 *
 * Events come two ways:
 * - While the app has windows (it keeps Deno alive), from the app's queue: a `nonblocking`
 *   `transom_event_next(app, -1)` waits on a Deno worker thread; when it brings an event, the
 *   JavaScript thread takes every other waiting event with `transom_event_next(app, 0)` at once,
 *   then waits again. A burst of events costs one wake-up of the JavaScript thread, and the GUI
 *   thread never waits for JavaScript. The pending wait is what keeps Deno alive.
 * - Otherwise, through an `UnsafeCallback.threadSafe` (unref'ed, so Deno may exit). Deno makes the
 *   library's thread that calls it wait until it has run on the JavaScript thread: a round trip
 *   between the threads per event (≈ 20 µs; 10,000 page messages took 222 ms this way), fine for
 *   the few events of an app without windows. It only copies the event, frees it and queues it.
 * Switching is `transom_set_event_callback`, a command the GUI thread takes after the events it
 * is handing over; it happens only while no wait is pending and no events are being taken. From
 * the queue to the callback (the last window closed) order is kept: what is queued then is handed
 * to the callback first. From the callback to the queue (a window opens) events the callback was
 * given but has not delivered yet could be overtaken by queued ones where the library delivers
 * callbacks on a thread of their own; with no window open such events are rare (state changes),
 * and the first queued one (window-created) comes only after the window exists. For that reason
 * events do not go back to the callback during a conversation, although a lone event arrives
 * sooner that way (one wake-up against two). The functions that wait for the app
 * (transom_app_shutdown, transom_app_free) are `nonblocking` too: the JavaScript thread never
 * waits for the library while the library's callback thread may wait for it.
 */
import type { Backend, BackendSink } from "../backend.ts";
import { TransomError } from "../errors.ts";
import { CLOSED, commands, eventReader, FUNCTIONS, lastError, newApp, OK, type CType, type Native } from "./ffi.ts";

const DENO_TYPES: Record<CType, string> = {
  pointer: "pointer",
  buffer: "buffer",
  function: "function",
  u32: "u32",
  i32: "i32",
  u64: "u64",
  usize: "usize",
  void: "void",
};

function symbols(): Record<string, unknown> {
  const declared: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(FUNCTIONS)) {
    declared[name] = { parameters: f.parameters.map((t) => DENO_TYPES[t]), result: DENO_TYPES[f.result], nonblocking: "waits" in f && f.waits === true };
  }
  // transom_event_next once more, waiting on a worker thread.
  declared.transom_event_wait = { name: "transom_event_next", parameters: ["pointer", "i32", "buffer"], result: "u32", nonblocking: true };
  return declared;
}

export async function createDenoBackend(sink: BackendSink, options: { optionsJson: string | null; path: string }): Promise<Backend> {
  const Deno = (globalThis as any).Deno;
  let lib: any;
  try {
    lib = Deno.dlopen(options.path, symbols());
  } catch (error) {
    const code = error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied ? " (run Deno with --allow-ffi)" : "";
    throw new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", `cannot load ${options.path}${code}: ${(error as Error).message}`);
  }
  const View = Deno.UnsafePointerView;
  const native: Native<unknown> = {
    fn: lib.symbols,
    text: (p) => (p ? View.getCString(p) : ""),
    copy: (p, n) => {
      const bytes = new Uint8Array(n);
      new View(p).copyInto(bytes);
      return bytes;
    },
    pointer: (address) => Deno.UnsafePointer.create(address),
  };
  const s = native.fn;
  const waitForEvent: (app: unknown, timeout: number, out: BigUint64Array) => Promise<number> = lib.symbols.transom_event_wait;
  const app = newApp(native, options.optionsJson);
  const read = eventReader(native);

  /** The app wants Deno kept alive (it has windows): events come from the queue. */
  let alive = false;
  /** We asked the core for queue mode (no callback). */
  let queued = false;
  /** A transom_event_wait is pending. */
  let waiting = false;
  /** Events are being taken from the queue on this thread. */
  let taking = false;
  /** Shutdown has begun: the way events come no longer changes. */
  let stopping = false;
  /** The queue said CLOSED: every event of the app has been delivered. */
  let ended = false;
  let whenSettled: (() => void) | null = null;
  let closed = false;

  // ---- the callback (while the app has no windows) ----
  const callback = Deno.UnsafeCallback.threadSafe({ parameters: ["pointer", "pointer"], result: "void" }, (event: unknown) => {
    try {
      const [json, bytes] = read(event);
      // The core runs after the callback has returned, so the library's thread goes on at once.
      queueMicrotask(() => sink.event(json, bytes));
    } catch (error) {
      console.error("transom: event callback failed:", error);
    }
  });
  callback.unref();
  if (s.transom_set_event_callback(app, callback.pointer, null) !== OK) {
    callback.close();
    throw lastError(native);
  }

  // ---- the queue (while the app has windows) ----
  const waitOut = new BigUint64Array(1);
  const out = new BigUint64Array(1);

  const toQueue = (): void => {
    queued = true;
    s.transom_set_event_callback(app, null, null);
    wait();
  };
  const toCallback = (): void => {
    queued = false;
    s.transom_set_event_callback(app, callback.pointer, null);
  };
  const deliver = (event: unknown): boolean => {
    let error = false;
    try {
      const [json, bytes] = read(event);
      // A failed create is followed by code that may close the app's last window (createWindow's
      // clean-up, in microtasks): whether to wait again is decided after it.
      error = json.startsWith('{"type":"error"');
      sink.event(json, bytes);
    } catch (e) {
      console.error("transom: event delivery failed:", e);
    }
    return error;
  };
  const settled = (): void => {
    const f = whenSettled;
    whenSettled = null;
    f?.();
  };
  const wait = (): void => {
    if (waiting || taking || ended || !queued) return;
    waiting = true;
    waitForEvent(app, -1, waitOut).then(took, (error: unknown) => {
      waiting = false;
      console.error("transom: waiting for events failed:", error);
      settled();
    });
  };
  /** After events were taken: wait for more, or hand over to the callback. */
  const next = (): void => {
    if (!queued || waiting || taking || ended) return;
    if (alive || stopping) wait();
    else toCallback();
  };
  const took = (r: number): void => {
    waiting = false;
    if (r !== OK) {
      if (r === CLOSED) ended = true;
      else console.error("transom: transom_event_next failed:", lastError(native).message);
      settled();
      return;
    }
    taking = true;
    let error = deliver(native.pointer(waitOut[0]));
    for (;;) {
      const r = s.transom_event_next(app, 0, out);
      if (r !== OK) {
        if (r === CLOSED) ended = true;
        break;
      }
      if (deliver(native.pointer(out[0]))) error = true;
    }
    taking = false;
    if (ended) settled();
    else if (error) setTimeout(next, 0);
    else next();
  };

  const backend: Backend = {
    mode: "in-process",
    runtime: "deno",
    version: native.text(s.transom_version()),
    ...commands(native, app),
    keepAlive(on: boolean): void {
      if (closed || stopping || on === alive) return;
      alive = on;
      if (on) {
        if (!queued) toQueue();
      } else if (queued && !waiting && !taking) {
        toCallback();
      }
      // Otherwise the events being taken are handled first (see took). A wait still pending when
      // the app lets go (not expected: it does so only while handling events) ends with the next
      // queued event or at shutdown.
    },
    async shutdown(): Promise<void> {
      if (closed) return;
      stopping = true;
      // The pending shutdown keeps Deno alive meanwhile. In callback mode, the library's callback
      // thread hands the last events over before the shutdown is done (it waits for each
      // callback); in queue mode, the queue brings them and ends with CLOSED.
      const r = await s.transom_app_shutdown(app);
      if (queued) {
        next();
        while (!ended && (waiting || taking)) await new Promise<void>((resolve) => (whenSettled = resolve));
      } else if (waiting) {
        await new Promise<void>((resolve) => (whenSettled = resolve));
      }
      closed = true;
      if (r !== OK && r !== CLOSED) {
        throw new TransomError(r === 7 ? "TRANSOM_ERROR_TIMEOUT" : "TRANSOM_ERROR_PLATFORM", `transom_app_shutdown failed (${r})`);
      }
      // The app is done: the callback is called no more, and nothing waits.
      await s.transom_app_free(app);
      await Promise.resolve();
      callback.close();
    },
  };
  return backend;
}
