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
    const callback = new JSCallback((event) => {
        try {
            const [json, bytes] = read(event);
            sink.event(json, bytes);
        }
        catch (error) {
            console.error("transom: event callback failed:", error);
        }
    }, { args: ["ptr", "ptr"], returns: "void", threadsafe: true });
    callbacks.add(callback);
    if (s.transom_set_event_callback(app, callback.ptr, null) !== OK)
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
            // Waits for the app (its callback thread never waits for us: Bun queues the callback's calls).
            const r = s.transom_app_shutdown(app);
            if (r !== OK && r !== CLOSED)
                throw lastError(native);
            s.transom_app_free(app);
            // The callback is not closed: calls of it may still be queued in Bun (each with an event
            // it owns). The library no longer calls it; it is merely kept.
        },
    };
    return backend;
}
