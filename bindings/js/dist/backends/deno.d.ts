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
export declare function createDenoBackend(sink: BackendSink, options: {
    optionsJson: string | null;
    path: string;
}): Promise<Backend>;
