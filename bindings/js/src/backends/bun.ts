/**
 * The Bun backend: libtransom through `bun:ffi` (the functions, event reading and commands shared
 * with Deno are in ffi.ts).
 *
 * Events wait in the app's queue. A `JSCallback` with `threadsafe: true` is the app's notify
 * function (`transom_set_event_notify`): the GUI thread calls it when the queue goes from empty
 * to not empty and goes on at once; Bun runs it later on the JavaScript thread, where it takes
 * every waiting event with `transom_event_next(app, 0, …)`. So a burst of events costs one
 * wake-up of the JavaScript thread, straight from the GUI thread.
 * Bun's callbacks do not keep the process alive: while windows are open an idle interval timer
 * (one wake-up in 24 days) does.
 */
import type { Backend, BackendSink } from "../backend.ts";
import { TransomError } from "../errors.ts";
import { commands, eventReader, FUNCTIONS, lastError, newApp, OK, CLOSED, type CType, type Native } from "./ffi.ts";

/** Callbacks handed to the library stay alive for the life of the process (see shutdown). */
const callbacks = new Set<unknown>();

const BUN_TYPES: Record<CType, string> = {
  pointer: "ptr",
  buffer: "ptr",
  function: "ptr",
  u32: "u32",
  i32: "i32",
  u64: "u64",
  usize: "usize",
  void: "void",
};

export async function createBunBackend(sink: BackendSink, options: { optionsJson: string | null; path: string }): Promise<Backend> {
  const specifier = "bun:ffi";
  const ffi: any = await import(specifier);
  const { dlopen, JSCallback, CString, toArrayBuffer } = ffi;
  const declared: Record<string, { args: string[]; returns: string }> = {};
  for (const [name, f] of Object.entries(FUNCTIONS)) {
    declared[name] = { args: f.parameters.map((t) => BUN_TYPES[t]), returns: BUN_TYPES[f.result] };
  }
  let lib: any;
  try {
    lib = dlopen(options.path, declared);
  } catch (error) {
    throw new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", `cannot load ${options.path}: ${(error as Error).message}`);
  }
  const native: Native<number> = {
    fn: lib.symbols,
    text: (p) => (p ? new CString(p).toString() : ""),
    copy: (p, n) => new Uint8Array(toArrayBuffer(p, 0, n)).slice(),
    pointer: (address) => Number(address) || null,
  };
  const s = native.fn;
  const app = newApp(native, options.optionsJson);
  const read = eventReader(native);

  const out = new BigUint64Array(1);
  /** transom_app_free has been called: queued notify calls must not touch the app. */
  let freed = false;
  /** Takes every waiting event (until the queue is empty, or closed and drained). */
  const drain = (): void => {
    while (!freed && s.transom_event_next(app, 0, out) === OK) {
      try {
        const [json, bytes] = read(native.pointer(out[0]) as number);
        sink.event(json, bytes);
      } catch (error) {
        console.error("transom: event delivery failed:", error);
      }
    }
  };
  const notify = new JSCallback(drain, { args: ["ptr"], returns: "void", threadsafe: true });
  callbacks.add(notify);
  if (s.transom_set_event_notify(app, notify.ptr, null) !== OK) throw lastError(native);

  let keeper: ReturnType<typeof setInterval> | null = null;
  let closed = false;

  const backend: Backend = {
    mode: "in-process",
    runtime: "bun",
    version: native.text(s.transom_version()),
    ...commands(native, app),
    keepAlive(on: boolean): void {
      if (on && !keeper && !closed) keeper = setInterval(() => {}, 2 ** 31 - 1);
      if (!on && keeper) {
        clearInterval(keeper);
        keeper = null;
      }
    },
    async shutdown(): Promise<void> {
      if (closed) return;
      closed = true;
      backend.keepAlive(false);
      // Waits for the app (the GUI thread never waits for us: Bun queues the notify calls).
      const r = s.transom_app_shutdown(app);
      if (r !== OK && r !== CLOSED) throw lastError(native);
      // The app's last events are in its queue now.
      drain();
      s.transom_set_event_notify(app, null, null);
      freed = true;
      s.transom_app_free(app);
      // The JSCallback is not closed: calls of it may still be queued in Bun (they find the app
      // freed and do nothing). The library no longer calls it; it is merely kept.
    },
  };
  return backend;
}
