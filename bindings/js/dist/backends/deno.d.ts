/**
 * The Deno backend: libtransom through `Deno.dlopen` (needs --allow-ffi).
 *
 * Events: an `UnsafeCallback.threadSafe` is the app's event callback. Deno makes the calling
 * thread (transom's GUI thread) wait until the callback has run on the JavaScript thread, so:
 * - the callback only copies the event, frees it and queues it for the core: it never waits;
 * - the JavaScript thread must never wait for the GUI thread while the GUI thread waits for it:
 *   the waiting functions (transom_app_shutdown, transom_app_free) are declared `nonblocking`
 *   (they run on a Deno worker thread and return Promises). Every other function only enqueues.
 * The callback is ref'ed (keeps Deno alive) only while windows are open.
 */
import type { Backend, BackendSink } from "../backend.ts";
export declare function createDenoBackend(sink: BackendSink, options: {
    optionsJson: string | null;
    path: string;
}): Promise<Backend>;
