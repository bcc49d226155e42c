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
export declare function createBunBackend(sink: BackendSink, options: {
    optionsJson: string | null;
    path: string;
}): Promise<Backend>;
