/**
 * The Deno backend: libtransom through `Deno.dlopen` (needs --allow-ffi; the functions, event
 * reading and commands shared with Bun are in ffi.ts).
 *
 * Events come one of two ways, whichever suits the traffic:
 * - From the app's queue: a `nonblocking` `transom_event_next(app, -1)` waits on a Deno worker
 *   thread; when it brings an event, the JavaScript thread takes every other waiting event with
 *   `transom_event_next(app, 0)` at once, then waits again. A burst costs one wake-up of the
 *   JavaScript thread and the GUI thread never waits for JavaScript; a lone event takes two
 *   wake-ups (GUI thread, worker thread, JavaScript thread).
 * - Through an `UnsafeCallback.threadSafe`, the app's event callback. Deno makes the GUI thread
 *   wait until the callback has run on the JavaScript thread: a round trip between the threads
 *   per event (≈ 20 µs; 10,000 page messages took 222 ms this way), but a lone event reaches
 *   JavaScript with one wake-up (round trips page → program → page ≈ 20 % quicker). The callback
 *   only copies the event, frees it and queues it for the core.
 * While the app has windows it starts on the queue; CALM_WAKES wake-ups in a row that brought one
 * event each (a conversation) switch to the callback; BURST_EVENTS within BURST_MS (a burst: the
 * GUI thread hands over a turn's events through the callback still) or IDLE_MS without events
 * switch back to the queue, so the next burst finds it. Without windows, the callback, unref'ed,
 * so Deno may exit; with windows the callback is ref'ed, or the pending wait keeps Deno alive.
 *
 * Switching is `transom_set_event_callback` (a command: the events the GUI thread hands to the
 * callback before it takes effect come first, queued ones after), and happens only while no wait
 * is pending and no events are being taken, so events keep their order. The functions that wait
 * for the GUI thread (transom_app_shutdown, transom_app_free) are `nonblocking` too: the
 * JavaScript thread never waits for the GUI thread while the GUI thread may wait for it.
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

/** Wake-ups in a row that brought one event each, after which events come through the callback. */
const CALM_WAKES = 32;
/** Events through the callback within BURST_MS that make a burst (a page's round trips, ≥ 80 µs
 *  each, stay well below it): from then on, events come from the queue. */
const BURST_EVENTS = 200;
const BURST_MS = 10;
/** Time without events after which events come from the queue again. */
const IDLE_MS = 250;

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

  /** The app wants Deno kept alive (it has windows). */
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

  // ---- the callback ----
  let referenced = false;
  const reference = (on: boolean): void => {
    if (on === referenced) return;
    referenced = on;
    if (on) callback.ref();
    else callback.unref();
  };
  /** When the last event came through the callback, and the burst count since burstStart. */
  let lastEvent = 0;
  let burstStart = 0;
  let burstCount = 0;
  const callback = Deno.UnsafeCallback.threadSafe({ parameters: ["pointer", "pointer"], result: "void" }, (event: unknown) => {
    try {
      const [json, bytes] = read(event);
      // The core runs after the callback has returned, so the GUI thread goes on at once.
      queueMicrotask(() => sink.event(json, bytes));
    } catch (error) {
      console.error("transom: event callback failed:", error);
    }
    if (!alive || queued || stopping) return;
    const now = (lastEvent = performance.now());
    if (now - burstStart > BURST_MS) {
      burstStart = now;
      burstCount = 0;
    }
    if (++burstCount >= BURST_EVENTS) toQueue();
  });
  callback.unref(); // threadSafe made it ref'ed (counted: `referenced` tracks ours)
  if (s.transom_set_event_callback(app, callback.pointer, null) !== OK) {
    callback.close();
    throw lastError(native);
  }

  /** While alive on the callback: back to the queue after IDLE_MS without events. */
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  const idleCheck = (): void => {
    idleTimer = null;
    if (!alive || queued || stopping || closed) return;
    const quiet = performance.now() - lastEvent;
    if (quiet >= IDLE_MS) toQueue();
    else armIdle(IDLE_MS - quiet);
  };
  const armIdle = (ms: number): void => {
    idleTimer = setTimeout(idleCheck, ms);
    // The ref'ed callback keeps Deno alive, not this timer.
    Deno.unrefTimer(idleTimer);
  };
  const disarmIdle = (): void => {
    if (idleTimer !== null) clearTimeout(idleTimer);
    idleTimer = null;
  };

  // ---- the queue ----
  const waitOut = new BigUint64Array(1);
  const out = new BigUint64Array(1);
  let singles = 0;

  const toQueue = (): void => {
    queued = true;
    singles = 0;
    disarmIdle();
    s.transom_set_event_callback(app, null, null);
    reference(false); // the pending wait keeps Deno alive
    wait();
  };
  const toCallback = (): void => {
    queued = false;
    s.transom_set_event_callback(app, callback.pointer, null);
    reference(alive);
    if (alive) {
      lastEvent = burstStart = performance.now();
      burstCount = 0;
      armIdle(IDLE_MS);
    }
  };
  const deliver = (event: unknown): boolean => {
    let error = false;
    try {
      const [json, bytes] = read(event);
      // A failed create is followed by code that may close the app's last window (createWindow's
      // clean-up, in microtasks): what comes next is decided after it.
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
    if (stopping || (alive && singles < CALM_WAKES)) wait();
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
    let count = 1;
    let error = deliver(native.pointer(waitOut[0]));
    for (;;) {
      const r = s.transom_event_next(app, 0, out);
      if (r !== OK) {
        if (r === CLOSED) ended = true;
        break;
      }
      count++;
      if (deliver(native.pointer(out[0]))) error = true;
    }
    taking = false;
    singles = count === 1 ? singles + 1 : 0;
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
        // Windows open: the queue, until a conversation makes the callback the quicker way.
        if (!queued) toQueue();
      } else if (!queued) {
        disarmIdle();
        reference(false);
      } else if (!waiting && !taking) {
        toCallback();
      }
      // Otherwise the events being taken are handled first (see took). A wait still pending when
      // the app lets go (not expected: it does so only while handling events) ends with the next
      // queued event or at shutdown.
    },
    async shutdown(): Promise<void> {
      if (closed) return;
      stopping = true;
      disarmIdle();
      // The pending shutdown keeps Deno alive meanwhile. In callback mode, the GUI thread hands
      // the last events over before it is done (it waits for each callback); in queue mode, the
      // queue brings them and ends with CLOSED.
      const r = await s.transom_app_shutdown(app);
      if (queued) {
        next();
        while (!ended && (waiting || taking)) await new Promise<void>((resolve) => (whenSettled = resolve));
      } else if (waiting) {
        await new Promise<void>((resolve) => (whenSettled = resolve));
      }
      closed = true;
      reference(false);
      if (r !== OK && r !== CLOSED) {
        throw new TransomError(r === 7 ? "TRANSOM_ERROR_TIMEOUT" : "TRANSOM_ERROR_PLATFORM", `transom_app_shutdown failed (${r})`);
      }
      // The GUI thread is done with the app: it calls the callback no more, and nothing waits.
      await s.transom_app_free(app);
      await Promise.resolve();
      callback.close();
    },
  };
  return backend;
}
