var __rewriteRelativeImportExtension = (this && this.__rewriteRelativeImportExtension) || function (path, preserveJsx) {
    if (typeof path === "string" && /^\.\.?\//.test(path)) {
        return path.replace(/\.(tsx)$|((?:\.d)?)((?:\.[^./]+?)?)\.([cm]?)ts$/i, function (m, tsx, d, ext, cm) {
            return tsx ? preserveJsx ? ".jsx" : ".js" : d && (!ext || !cm) ? m : (d + ext + "." + cm.toLowerCase() + "js");
        });
    }
    return path;
};
import { TransomError } from "../errors.js";
import { commands, eventReader, FUNCTIONS, lastError, newApp, OK, CLOSED } from "./ffi.js";
/** Callbacks handed to the library stay alive for the life of the process (see shutdown). */
const callbacks = new Set();
const BUN_TYPES = {
    pointer: "ptr",
    buffer: "ptr",
    function: "ptr",
    u32: "u32",
    i32: "i32",
    u64: "u64",
    usize: "usize",
    void: "void",
};
export async function createBunBackend(sink, options) {
    const specifier = "bun:ffi";
    const ffi = await import(__rewriteRelativeImportExtension(specifier));
    const { dlopen, JSCallback, CString, toArrayBuffer } = ffi;
    const declared = {};
    for (const [name, f] of Object.entries(FUNCTIONS)) {
        declared[name] = { args: f.parameters.map((t) => BUN_TYPES[t]), returns: BUN_TYPES[f.result] };
    }
    let lib;
    try {
        lib = dlopen(options.path, declared);
    }
    catch (error) {
        throw new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", `cannot load ${options.path}: ${error.message}`);
    }
    const native = {
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
    const drain = () => {
        while (!freed && s.transom_event_next(app, 0, out) === OK) {
            try {
                const [json, bytes] = read(native.pointer(out[0]));
                sink.event(json, bytes);
            }
            catch (error) {
                console.error("transom: event delivery failed:", error);
            }
        }
    };
    const notify = new JSCallback(drain, { args: ["ptr"], returns: "void", threadsafe: true });
    callbacks.add(notify);
    if (s.transom_set_event_notify(app, notify.ptr, null) !== OK)
        throw lastError(native);
    let keeper = null;
    let closed = false;
    const backend = {
        mode: "in-process",
        runtime: "bun",
        version: native.text(s.transom_version()),
        ...commands(native, app),
        keepAlive(on) {
            if (on && !keeper && !closed)
                keeper = setInterval(() => { }, 2 ** 31 - 1);
            if (!on && keeper) {
                clearInterval(keeper);
                keeper = null;
            }
        },
        async shutdown() {
            if (closed)
                return;
            closed = true;
            backend.keepAlive(false);
            // Waits for the app (the GUI thread never waits for us: Bun queues the notify calls).
            const r = s.transom_app_shutdown(app);
            if (r !== OK && r !== CLOSED)
                throw lastError(native);
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
