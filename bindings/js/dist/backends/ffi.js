import { fromMessage } from "../errors.js";
/** The functions of libtransom the FFI backends use (include/transom.h). */
export const FUNCTIONS = {
    transom_app_new: { parameters: ["buffer", "buffer"], result: "u32" },
    transom_app_shutdown: { parameters: ["pointer"], result: "u32", waits: true },
    transom_app_free: { parameters: ["pointer"], result: "void", waits: true },
    transom_last_error_message: { parameters: [], result: "pointer" },
    transom_version: { parameters: [], result: "pointer" },
    transom_send_json: { parameters: ["pointer", "buffer", "buffer"], result: "u32" },
    transom_string_free: { parameters: ["pointer"], result: "void" },
    transom_event_next: { parameters: ["pointer", "i32", "buffer"], result: "u32" },
    transom_event_json: { parameters: ["pointer"], result: "pointer" },
    transom_event_bytes: { parameters: ["pointer", "buffer"], result: "pointer" },
    transom_event_free: { parameters: ["pointer"], result: "void" },
    transom_set_event_callback: { parameters: ["pointer", "function", "pointer"], result: "u32" },
    transom_set_event_notify: { parameters: ["pointer", "function", "pointer"], result: "u32" },
    transom_post_bytes: { parameters: ["pointer", "u64", "buffer", "buffer", "usize"], result: "u32" },
    transom_channel_send_bytes: { parameters: ["pointer", "u64", "buffer", "usize"], result: "u32" },
    transom_post: { parameters: ["pointer", "u64", "buffer", "buffer"], result: "u32" },
    transom_post_window: { parameters: ["pointer", "u64", "buffer", "buffer"], result: "u32" },
    transom_resolve: { parameters: ["pointer", "u64", "buffer"], result: "u32" },
    transom_reject: { parameters: ["pointer", "u64", "buffer"], result: "u32" },
    transom_channel_send: { parameters: ["pointer", "u64", "buffer"], result: "u32" },
};
/** Result codes the backends look at. */
export const OK = 0;
export const CLOSED = 6;
export const TIMEOUT = 7;
const encoder = new TextEncoder();
/** `text` as a NUL-terminated UTF-8 C string. */
export function cstring(text) {
    return encoder.encode(text + "\0");
}
/** C strings of names (channels), made once: programs use few. */
const names = new Map();
function cname(name) {
    let c = names.get(name);
    if (c === undefined) {
        c = cstring(name);
        if (names.size < 1024)
            names.set(name, c);
    }
    return c;
}
/** Where payloads up to SCRATCH_MAX bytes are encoded for a call: the library copies what it is
 *  given before the call returns, so one buffer serves every call (no allocation per message). */
const SCRATCH_MAX = 1 << 20;
let scratch = new Uint8Array(16384);
function cpayload(text) {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const most = text.length * 3 + 1;
    if (most > SCRATCH_MAX)
        return cstring(text);
    if (most > scratch.length)
        scratch = new Uint8Array(Math.max(most, scratch.length * 2));
    scratch[encoder.encodeInto(text, scratch).written] = 0;
    return scratch;
}
/** The calling thread's last error as a TransomError. */
export function lastError(native) {
    return fromMessage(native.text(native.fn.transom_last_error_message()));
}
/** Creates an app (options: app options JSON, or null); throws the library's error. */
export function newApp(native, optionsJson) {
    const out = new BigUint64Array(1);
    if (native.fn.transom_app_new(optionsJson === null ? null : cstring(optionsJson), out) !== OK)
        throw lastError(native);
    return native.pointer(out[0]);
}
/**
 * Reads events: `read(event)` gives its JSON text and, for a binary message, a copy of its bytes,
 * and frees it.
 */
export function eventReader(native) {
    const f = native.fn;
    const length = new BigUint64Array(1);
    return (event) => {
        const json = native.text(f.transom_event_json(event));
        const p = f.transom_event_bytes(event, length);
        let bytes;
        if (p) {
            const n = Number(length[0]);
            bytes = n === 0 ? new Uint8Array(0) : native.copy(p, n);
        }
        f.transom_event_free(event);
        return [json, bytes];
    };
}
/** The commands of an in-process backend on `app`: everything but events and the app's life. */
export function commands(native, app) {
    const f = native.fn;
    const failure = () => lastError(native);
    const reply = new BigUint64Array(1);
    return {
        run(command) {
            if (f.transom_send_json(app, cpayload(command), reply) !== OK)
                throw failure();
            const p = native.pointer(reply[0]);
            const result = native.text(p);
            f.transom_string_free(p);
            return result;
        },
        direct: {
            post(target, id, channel, payload) {
                const post = target === "webview" ? f.transom_post : f.transom_post_window;
                if (post(app, id, cname(channel), cpayload(payload)) !== OK)
                    throw failure();
            },
            resolve(call, value) {
                if (f.transom_resolve(app, call, cpayload(value)) !== OK)
                    throw failure();
            },
            reject(call, message) {
                if (f.transom_reject(app, call, cpayload(message)) !== OK)
                    throw failure();
            },
            channelSend(channel, payload) {
                if (f.transom_channel_send(app, channel, cpayload(payload)) !== OK)
                    throw failure();
            },
        },
        postBytes(webview, channel, bytes) {
            if (f.transom_post_bytes(app, webview, cname(channel), bytes.byteLength ? bytes : null, bytes.byteLength) !== OK)
                throw failure();
        },
        channelSendBytes(channel, bytes) {
            if (f.transom_channel_send_bytes(app, channel, bytes.byteLength ? bytes : null, bytes.byteLength) !== OK)
                throw failure();
        },
    };
}
