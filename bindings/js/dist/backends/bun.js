var __rewriteRelativeImportExtension = (this && this.__rewriteRelativeImportExtension) || function (path, preserveJsx) {
    if (typeof path === "string" && /^\.\.?\//.test(path)) {
        return path.replace(/\.(tsx)$|((?:\.d)?)((?:\.[^./]+?)?)\.([cm]?)ts$/i, function (m, tsx, d, ext, cm) {
            return tsx ? preserveJsx ? ".jsx" : ".js" : d && (!ext || !cm) ? m : (d + ext + "." + cm.toLowerCase() + "js");
        });
    }
    return path;
};
import { fromMessage, TransomError } from "../errors.js";
const encoder = new TextEncoder();
function cstring(text) {
    return encoder.encode(text + "\0");
}
/** Callbacks handed to the library stay alive for the life of the process (see shutdown). */
const callbacks = new Set();
export async function createBunBackend(sink, options) {
    const specifier = "bun:ffi";
    const ffi = await import(__rewriteRelativeImportExtension(specifier));
    const { dlopen, JSCallback, CString, toArrayBuffer } = ffi;
    let lib;
    try {
        lib = dlopen(options.path, {
            transom_app_new: { args: ["ptr", "ptr"], returns: "u32" },
            transom_app_shutdown: { args: ["ptr"], returns: "u32" },
            transom_app_free: { args: ["ptr"], returns: "void" },
            transom_last_error_message: { args: [], returns: "ptr" },
            transom_version: { args: [], returns: "ptr" },
            transom_send_json: { args: ["ptr", "ptr", "ptr"], returns: "u32" },
            transom_string_free: { args: ["ptr"], returns: "void" },
            transom_event_json: { args: ["ptr"], returns: "ptr" },
            transom_event_bytes: { args: ["ptr", "ptr"], returns: "ptr" },
            transom_event_free: { args: ["ptr"], returns: "void" },
            transom_set_event_callback: { args: ["ptr", "ptr", "ptr"], returns: "u32" },
            transom_post_bytes: { args: ["ptr", "u64", "ptr", "ptr", "usize"], returns: "u32" },
            transom_channel_send_bytes: { args: ["ptr", "u64", "ptr", "usize"], returns: "u32" },
            transom_post: { args: ["ptr", "u64", "ptr", "ptr"], returns: "u32" },
            transom_post_window: { args: ["ptr", "u64", "ptr", "ptr"], returns: "u32" },
            transom_resolve: { args: ["ptr", "u64", "ptr"], returns: "u32" },
            transom_reject: { args: ["ptr", "u64", "ptr"], returns: "u32" },
            transom_channel_send: { args: ["ptr", "u64", "ptr"], returns: "u32" },
        });
    }
    catch (error) {
        throw new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", `cannot load ${options.path}: ${error.message}`);
    }
    const s = lib.symbols;
    const text = (p) => (p ? new CString(p).toString() : "");
    const failure = () => fromMessage(text(s.transom_last_error_message()));
    const out = new BigUint64Array(1);
    if (s.transom_app_new(options.optionsJson === null ? null : cstring(options.optionsJson), out) !== 0)
        throw failure();
    const app = Number(out[0]);
    const length = new BigUint64Array(1);
    const callback = new JSCallback((event) => {
        try {
            const json = text(s.transom_event_json(event));
            const p = s.transom_event_bytes(event, length);
            let bytes;
            if (p) {
                const n = Number(length[0]);
                bytes = n === 0 ? new Uint8Array(0) : new Uint8Array(toArrayBuffer(p, 0, n)).slice();
            }
            s.transom_event_free(event);
            sink.event(json, bytes);
        }
        catch (error) {
            console.error("transom: event callback failed:", error);
        }
    }, { args: ["ptr", "ptr"], returns: "void", threadsafe: true });
    callbacks.add(callback);
    if (s.transom_set_event_callback(app, callback.ptr, null) !== 0)
        throw failure();
    let keeper = null;
    let closed = false;
    const reply = new BigUint64Array(1);
    const backend = {
        mode: "in-process",
        runtime: "bun",
        version: text(s.transom_version()),
        run(command) {
            if (s.transom_send_json(app, cstring(command), reply) !== 0)
                throw failure();
            const p = Number(reply[0]);
            const result = text(p);
            s.transom_string_free(p);
            return result;
        },
        direct: {
            post(target, id, channel, payload) {
                const f = target === "webview" ? s.transom_post : s.transom_post_window;
                if (f(app, id, cstring(channel), cstring(payload)) !== 0)
                    throw failure();
            },
            resolve(call, value) {
                if (s.transom_resolve(app, call, cstring(value)) !== 0)
                    throw failure();
            },
            reject(call, message) {
                if (s.transom_reject(app, call, cstring(message)) !== 0)
                    throw failure();
            },
            channelSend(channel, payload) {
                if (s.transom_channel_send(app, channel, cstring(payload)) !== 0)
                    throw failure();
            },
        },
        postBytes(webview, channel, bytes) {
            if (s.transom_post_bytes(app, webview, cstring(channel), bytes.byteLength ? bytes : null, bytes.byteLength) !== 0)
                throw failure();
        },
        channelSendBytes(channel, bytes) {
            if (s.transom_channel_send_bytes(app, channel, bytes.byteLength ? bytes : null, bytes.byteLength) !== 0)
                throw failure();
        },
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
            // Waits for the GUI thread (it never waits for us: Bun queues the callback's calls).
            const r = s.transom_app_shutdown(app);
            if (r !== 0 && r !== 6)
                throw failure();
            s.transom_app_free(app);
            // The callback is not closed: calls of it may still be queued in Bun (each with an event
            // it owns). The GUI thread no longer calls it; it is merely kept.
        },
    };
    return backend;
}
