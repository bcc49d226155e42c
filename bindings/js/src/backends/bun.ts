/**
 * The Bun backend: libtransom through `bun:ffi` (the functions, event reading and commands shared
 * with Deno are in ffi.ts).
 *
 * Events: a `JSCallback` with `threadsafe: true` is the app's event callback. The library's thread
 * calls it and goes on at once; Bun runs it later on the JavaScript thread, so the callback gets
 * an owned event (transom_set_event_callback's contract), copies it and frees it there.
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

  const callback = new JSCallback(
    (event: number) => {
      try {
        const [json, bytes] = read(event);
        sink.event(json, bytes);
      } catch (error) {
        console.error("transom: event callback failed:", error);
      }
    },
    { args: ["ptr", "ptr"], returns: "void", threadsafe: true },
  );
  callbacks.add(callback);
  if (s.transom_set_event_callback(app, callback.ptr, null) !== OK) throw lastError(native);

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
      // Waits for the app (its callback thread never waits for us: Bun queues the callback's calls).
      const r = s.transom_app_shutdown(app);
      if (r !== OK && r !== CLOSED) throw lastError(native);
      s.transom_app_free(app);
      // The callback is not closed: calls of it may still be queued in Bun (each with an event
      // it owns). The library no longer calls it; it is merely kept.
    },
  };
  return backend;
}
