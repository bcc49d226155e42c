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
export declare function createBunBackend(sink: BackendSink, options: {
    optionsJson: string | null;
    path: string;
}): Promise<Backend>;
