import { fromMessage, TransomError } from "../errors.js";
const encoder = new TextEncoder();
function cstring(text) {
    return encoder.encode(text + "\0");
}
const SYMBOLS = {
    transom_app_new: { parameters: ["buffer", "buffer"], result: "u32" },
    transom_app_shutdown: { parameters: ["pointer"], result: "u32", nonblocking: true },
    transom_app_free: { parameters: ["pointer"], result: "void", nonblocking: true },
    transom_last_error_message: { parameters: [], result: "pointer" },
    transom_version: { parameters: [], result: "pointer" },
    transom_send_json: { parameters: ["pointer", "buffer", "buffer"], result: "u32" },
    transom_string_free: { parameters: ["pointer"], result: "void" },
    transom_event_json: { parameters: ["pointer"], result: "pointer" },
    transom_event_bytes: { parameters: ["pointer", "buffer"], result: "pointer" },
    transom_event_free: { parameters: ["pointer"], result: "void" },
    transom_set_event_callback: { parameters: ["pointer", "function", "pointer"], result: "u32" },
    transom_post_bytes: { parameters: ["pointer", "u64", "buffer", "buffer", "usize"], result: "u32" },
    transom_channel_send_bytes: { parameters: ["pointer", "u64", "buffer", "usize"], result: "u32" },
    transom_post: { parameters: ["pointer", "u64", "buffer", "buffer"], result: "u32" },
    transom_post_window: { parameters: ["pointer", "u64", "buffer", "buffer"], result: "u32" },
    transom_resolve: { parameters: ["pointer", "u64", "buffer"], result: "u32" },
    transom_reject: { parameters: ["pointer", "u64", "buffer"], result: "u32" },
    transom_channel_send: { parameters: ["pointer", "u64", "buffer"], result: "u32" },
};
export async function createDenoBackend(sink, options) {
    const Deno = globalThis.Deno;
    let lib;
    try {
        lib = Deno.dlopen(options.path, SYMBOLS);
    }
    catch (error) {
        const code = error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied ? " (run Deno with --allow-ffi)" : "";
        throw new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", `cannot load ${options.path}${code}: ${error.message}`);
    }
    const s = lib.symbols;
    const View = Deno.UnsafePointerView;
    const text = (p) => (p ? View.getCString(p) : "");
    const failure = () => fromMessage(text(s.transom_last_error_message()));
    const pointer = (n) => Deno.UnsafePointer.create(n);
    const out = new BigUint64Array(1);
    if (s.transom_app_new(options.optionsJson === null ? null : cstring(options.optionsJson), out) !== 0)
        throw failure();
    const app = pointer(out[0]);
    const length = new BigUint64Array(1);
    const callback = Deno.UnsafeCallback.threadSafe({ parameters: ["pointer", "pointer"], result: "void" }, (event) => {
        try {
            const json = text(s.transom_event_json(event));
            const p = s.transom_event_bytes(event, length);
            let bytes;
            if (p) {
                bytes = new Uint8Array(Number(length[0]));
                if (bytes.byteLength)
                    new View(p).copyInto(bytes);
            }
            s.transom_event_free(event);
            // The core runs after the callback has returned, so the GUI thread goes on at once.
            queueMicrotask(() => sink.event(json, bytes));
        }
        catch (error) {
            console.error("transom: event callback failed:", error);
        }
    });
    callback.unref();
    let referenced = false;
    if (s.transom_set_event_callback(app, callback.pointer, null) !== 0) {
        callback.close();
        throw failure();
    }
    let closed = false;
    const reply = new BigUint64Array(1);
    const backend = {
        mode: "in-process",
        runtime: "deno",
        version: text(s.transom_version()),
        run(command) {
            if (s.transom_send_json(app, cstring(command), reply) !== 0)
                throw failure();
            const p = pointer(reply[0]);
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
            if (closed || on === referenced)
                return;
            referenced = on;
            if (on)
                callback.ref();
            else
                callback.unref();
        },
        async shutdown() {
            if (closed)
                return;
            // Keeps Deno alive while the GUI thread hands over the last events.
            backend.keepAlive(true);
            const r = await s.transom_app_shutdown(app);
            backend.keepAlive(false);
            closed = true;
            if (r !== 0 && r !== 6)
                throw new TransomError(r === 7 ? "TRANSOM_ERROR_TIMEOUT" : "TRANSOM_ERROR_PLATFORM", `transom_app_shutdown failed (${r})`);
            // The GUI thread is done with the app: it calls the callback no more.
            await s.transom_app_free(app);
            await Promise.resolve();
            callback.close();
        },
    };
    return backend;
}
