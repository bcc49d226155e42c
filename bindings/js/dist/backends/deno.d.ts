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
export declare function createDenoBackend(sink: BackendSink, options: {
    optionsJson: string | null;
    path: string;
}): Promise<Backend>;
