/**
 * transom for Bun, Deno and Node: native windows with system webviews, and a typed message layer
 * between the program and its pages. One API; the backend is chosen by runtime and mode:
 *
 * - in-process: Bun (`bun:ffi`) and Deno (`Deno.dlopen`) load libtransom, Node loads the napi-rs
 *   addon (bindings/node). The GUI runs on the library's own thread; the runtime's event loop
 *   stays free and an idle app costs nothing.
 * - host: `transom-host` is spawned and spoken to over pipes (docs/protocol.md), supervised and
 *   restarted if it crashes.
 *
 * ```ts
 * import { start } from "transom";
 * const app = await start();
 * const win = await app.createWindow({ title: "hello", width: 640, height: 480 });
 * const view = await win.createWebview({ html: `<script>host.invoke("add", 2, 3).then(v => host.send("sum", v))</script>` });
 * view.handle("add", (a, b) => a + b);
 * view.on("sum", (v) => console.log("sum", v));
 * ```
 */
import { App } from "./app.js";
import { TransomError, messageOf } from "./errors.js";
import { env, findAddon, findHost, findLibrary, runtimeName } from "./runtime.js";
export { App, Channel, InvokeOptions, invokeOptions, Webview, Window } from "./app.js";
export { TransomError } from "./errors.js";
export { findAddon, findHost, findLibrary, runtimeName } from "./runtime.js";
/** Holds events that come before the app is there to take them. */
class Relay {
    target = null;
    queued = [];
    event(json, bytes) {
        if (this.target)
            this.target.event(json, bytes);
        else
            this.queued.push(() => this.target.event(json, bytes));
    }
    crashed(info) {
        if (this.target)
            this.target.crashed(info);
        else
            this.queued.push(() => this.target.crashed(info));
    }
    restarted(info) {
        if (this.target)
            this.target.restarted(info);
        else
            this.queued.push(() => this.target.restarted(info));
    }
    flush() {
        for (const f of this.queued.splice(0))
            f();
    }
}
async function inProcess(sink, options, optionsJson) {
    if (process_platform() === "darwin") {
        throw new TransomError("TRANSOM_ERROR_UNSUPPORTED", "in-process mode needs the process's main thread on macOS; use mode \"host\"");
    }
    const runtime = runtimeName();
    const native = options.native ?? env("TRANSOM_NATIVE");
    if (native !== undefined && native !== "addon" && native !== "ffi") {
        throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", `native must be "addon" or "ffi", not ${JSON.stringify(native)}`);
    }
    if (runtime === "bun" && native === "addon") {
        throw new TransomError("TRANSOM_ERROR_UNSUPPORTED", "in Bun, transom loads libtransom through bun:ffi (native: \"ffi\")");
    }
    if (runtime === "node" && native === "ffi") {
        throw new TransomError("TRANSOM_ERROR_UNSUPPORTED", "in Node, transom loads the Node addon (native: \"addon\")");
    }
    // Deno takes the addon when it is there (see StartOptions.native), else Deno.dlopen.
    const addon = runtime === "bun" || native === "ffi" ? undefined : findAddon(options.addon);
    if (runtime === "node" || native === "addon" || (runtime === "deno" && addon)) {
        if (!addon) {
            throw new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", "the transom Node addon was not found: build it (`npm run build:addon` in bindings/js, or `cargo build -p transom-node`) or set TRANSOM_NODE_ADDON");
        }
        const { createNodeBackend } = await import("./backends/node.js");
        return createNodeBackend(sink, { optionsJson, path: addon, runtime });
    }
    const path = findLibrary(options.library);
    if (runtime === "bun") {
        const { createBunBackend } = await import("./backends/bun.js");
        return createBunBackend(sink, { optionsJson, path });
    }
    const { createDenoBackend } = await import("./backends/deno.js");
    return createDenoBackend(sink, { optionsJson, path });
}
async function host(sink, options, optionsJson) {
    const path = findHost(options.host);
    if (!path) {
        throw new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", "transom-host was not found: build it (`cargo build` in the transom repository) or set TRANSOM_HOST");
    }
    const { HostBackend } = await import("./backends/host.js");
    return HostBackend.create(sink, {
        optionsJson,
        path,
        delays: options.restart?.delays ?? [1000, 2000, 4000],
        healthyAfter: options.restart?.healthyAfter ?? 30_000,
    });
}
function process_platform() {
    return globalThis.process?.platform ?? globalThis.Deno?.build?.os ?? "";
}
/**
 * Starts transom and gives the app. `mode` (default: the `TRANSOM_MODE` environment variable,
 * else `"auto"`): `"in-process"`, `"host"`, or `"auto"` (in-process when the library or addon
 * loads, else host). `S` types the app's shared state and app-wide handlers.
 *
 * Rejects with TRANSOM_ERROR_NOT_AVAILABLE when the chosen backend cannot run here, and with
 * TRANSOM_ERROR_PLATFORM when there is no display.
 */
export async function start(options = {}) {
    const mode = (options.mode ?? env("TRANSOM_MODE") ?? "auto");
    if (mode !== "auto" && mode !== "in-process" && mode !== "host") {
        throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", `mode must be "auto", "in-process" or "host", not ${JSON.stringify(mode)}`);
    }
    const appOptions = {};
    if (options.maxMessageBytes !== undefined)
        appOptions.max_message_bytes = options.maxMessageBytes;
    const optionsJson = Object.keys(appOptions).length ? JSON.stringify(appOptions) : null;
    const relay = new Relay();
    let backend;
    if (mode === "host") {
        backend = await host(relay, options, optionsJson);
    }
    else if (mode === "in-process") {
        backend = await inProcess(relay, options, optionsJson);
    }
    else {
        try {
            backend = await inProcess(relay, options, optionsJson);
        }
        catch (error) {
            // A missing display is no reason to try the host: it would fail the same way.
            if (!(error instanceof TransomError) || !["TRANSOM_ERROR_NOT_AVAILABLE", "TRANSOM_ERROR_UNSUPPORTED"].includes(error.code))
                throw error;
            try {
                backend = await host(relay, options, optionsJson);
            }
            catch (hostError) {
                throw new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", `no backend: in-process: ${messageOf(error)}; host: ${messageOf(hostError)}`, { cause: hostError });
            }
        }
    }
    const app = new App((sink) => {
        relay.target = sink;
        return backend;
    });
    relay.flush();
    return app;
}
