/**
 * The Node-API backend: the napi-rs addon in bindings/node (libtransom linked in as a Rust crate),
 * in Node, and in Deno, which loads Node-API addons too.
 *
 * Events: they wait in the app's queue; when it goes from empty to not empty the GUI thread
 * schedules one call of a ThreadsafeFunction (it never waits), and that call takes every event
 * waiting and brings them as its argument (the JSON text of each event; `{json, bytes}` for a
 * binary message).
 * No polling. The ThreadsafeFunction is referenced only while windows are open, so Node exits
 * when the last window has closed and nothing else is pending.
 */
import process from "node:process";
import { toTransomError, TransomError } from "../errors.js";
const loaded = new Map();
/** In Deno: how long (milliseconds) a wake call may go unrun before the addon makes it again. */
const RESCUE_MS = 20;
function load(path) {
    let addon = loaded.get(path);
    if (!addon) {
        const module = { exports: {} };
        try {
            process.dlopen(module, path);
        }
        catch (error) {
            throw new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", `cannot load the Node addon ${path}: ${error.message}`);
        }
        addon = module.exports;
        loaded.set(path, addon);
    }
    return addon;
}
export async function createNodeBackend(sink, options) {
    const addon = load(options.path);
    let native;
    try {
        native = new addon.NativeApp(options.optionsJson);
    }
    catch (error) {
        throw toTransomError(error);
    }
    const deliver = (events) => {
        for (let i = 0; i < events.length; i++) {
            const event = events[i];
            if (typeof event === "string")
                sink.event(event);
            else {
                const bytes = event.bytes ? new Uint8Array(event.bytes.buffer, event.bytes.byteOffset, event.bytes.byteLength) : undefined;
                sink.event(event.json, bytes);
            }
        }
    };
    const drain = () => deliver(native.takeEvents());
    // Deno (2.9) now and then leaves a thread-safe function call unrun until its event loop's
    // fallback poll, 15 to 30 s later: in Deno the addon makes a call again when JavaScript has not
    // run it 20 ms after it was made (bindings/node/src/rescue.rs).
    native.listen(deliver, options.runtime === "deno" ? RESCUE_MS : null);
    let closed = false;
    const call = (f) => {
        try {
            return f();
        }
        catch (error) {
            throw toTransomError(error);
        }
    };
    return {
        mode: "in-process",
        runtime: options.runtime,
        version: addon.NativeApp.version(),
        run: (command) => call(() => native.sendJson(command)),
        direct: {
            post(target, id, channel, payload) {
                try {
                    if (target === "webview")
                        native.post(id, channel, payload);
                    else
                        native.postWindow(id, channel, payload);
                }
                catch (error) {
                    throw toTransomError(error);
                }
            },
            resolve: (c, value) => call(() => native.resolve(c, value)),
            reject: (c, message) => call(() => native.reject(c, message)),
            channelSend: (channel, payload) => call(() => native.channelSend(channel, payload)),
        },
        postBytes: (webview, channel, bytes) => call(() => native.postBytes(webview, channel, bytes)),
        channelSendBytes: (channel, bytes) => call(() => native.channelSendBytes(channel, bytes)),
        keepAlive(on) {
            if (!closed)
                native.keepAlive(on);
        },
        async shutdown() {
            if (closed)
                return;
            closed = true;
            try {
                await native.shutdown();
            }
            catch (error) {
                throw toTransomError(error);
            }
            finally {
                // Every event of the app is in its queue once the GUI thread is done with it.
                drain();
                native.close();
            }
        },
    };
}
