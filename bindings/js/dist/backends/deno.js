import { TransomError } from "../errors.js";
import { CLOSED, commands, eventReader, FUNCTIONS, lastError, newApp, OK } from "./ffi.js";
const DENO_TYPES = {
    pointer: "pointer",
    buffer: "buffer",
    function: "function",
    u32: "u32",
    i32: "i32",
    u64: "u64",
    usize: "usize",
    void: "void",
};
function symbols() {
    const declared = {};
    for (const [name, f] of Object.entries(FUNCTIONS)) {
        declared[name] = { parameters: f.parameters.map((t) => DENO_TYPES[t]), result: DENO_TYPES[f.result], nonblocking: "waits" in f && f.waits === true };
    }
    // transom_event_next once more, waiting on a worker thread.
    declared.transom_event_wait = { name: "transom_event_next", parameters: ["pointer", "i32", "buffer"], result: "u32", nonblocking: true };
    return declared;
}
export async function createDenoBackend(sink, options) {
    const Deno = globalThis.Deno;
    let lib;
    try {
        lib = Deno.dlopen(options.path, symbols());
    }
    catch (error) {
        const code = error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied ? " (run Deno with --allow-ffi)" : "";
        throw new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", `cannot load ${options.path}${code}: ${error.message}`);
    }
    const View = Deno.UnsafePointerView;
    const native = {
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
    const waitForEvent = lib.symbols.transom_event_wait;
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
    let whenSettled = null;
    let closed = false;
    // ---- the callback (while the app has no windows) ----
    const callback = Deno.UnsafeCallback.threadSafe({ parameters: ["pointer", "pointer"], result: "void" }, (event) => {
        try {
            const [json, bytes] = read(event);
            // The core runs after the callback has returned, so the library's thread goes on at once.
            queueMicrotask(() => sink.event(json, bytes));
        }
        catch (error) {
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
    const toQueue = () => {
        queued = true;
        s.transom_set_event_callback(app, null, null);
        wait();
    };
    const toCallback = () => {
        queued = false;
        s.transom_set_event_callback(app, callback.pointer, null);
    };
    const deliver = (event) => {
        let error = false;
        try {
            const [json, bytes] = read(event);
            // A failed create is followed by code that may close the app's last window (createWindow's
            // clean-up, in microtasks): whether to wait again is decided after it.
            error = json.startsWith('{"type":"error"');
            sink.event(json, bytes);
        }
        catch (e) {
            console.error("transom: event delivery failed:", e);
        }
        return error;
    };
    const settled = () => {
        const f = whenSettled;
        whenSettled = null;
        f?.();
    };
    const wait = () => {
        if (waiting || taking || ended || !queued)
            return;
        waiting = true;
        waitForEvent(app, -1, waitOut).then(took, (error) => {
            waiting = false;
            console.error("transom: waiting for events failed:", error);
            settled();
        });
    };
    /** After events were taken: wait for more, or hand over to the callback. */
    const next = () => {
        if (!queued || waiting || taking || ended)
            return;
        if (alive || stopping)
            wait();
        else
            toCallback();
    };
    const took = (r) => {
        waiting = false;
        if (r !== OK) {
            if (r === CLOSED)
                ended = true;
            else
                console.error("transom: transom_event_next failed:", lastError(native).message);
            settled();
            return;
        }
        taking = true;
        let error = deliver(native.pointer(waitOut[0]));
        for (;;) {
            const r = s.transom_event_next(app, 0, out);
            if (r !== OK) {
                if (r === CLOSED)
                    ended = true;
                break;
            }
            if (deliver(native.pointer(out[0])))
                error = true;
        }
        taking = false;
        if (ended)
            settled();
        else if (error)
            setTimeout(next, 0);
        else
            next();
    };
    const backend = {
        mode: "in-process",
        runtime: "deno",
        version: native.text(s.transom_version()),
        ...commands(native, app),
        keepAlive(on) {
            if (closed || stopping || on === alive)
                return;
            alive = on;
            if (on) {
                if (!queued)
                    toQueue();
            }
            else if (queued && !waiting && !taking) {
                toCallback();
            }
            // Otherwise the events being taken are handled first (see took). A wait still pending when
            // the app lets go (not expected: it does so only while handling events) ends with the next
            // queued event or at shutdown.
        },
        async shutdown() {
            if (closed)
                return;
            stopping = true;
            // The pending shutdown keeps Deno alive meanwhile. In callback mode, the library's callback
            // thread hands the last events over before the shutdown is done (it waits for each
            // callback); in queue mode, the queue brings them and ends with CLOSED.
            const r = await s.transom_app_shutdown(app);
            if (queued) {
                next();
                while (!ended && (waiting || taking))
                    await new Promise((resolve) => (whenSettled = resolve));
            }
            else if (waiting) {
                await new Promise((resolve) => (whenSettled = resolve));
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
